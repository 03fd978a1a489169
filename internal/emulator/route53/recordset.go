package route53

import (
	"cmp"
	"context"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// ChangeResourceRecordSets applies a change batch atomically: the changes
// are applied in order to a copy of the zone's record sets, the result is
// checked as a whole, and it replaces the zone's record sets only when no
// problem was found. Problems are reported together as InvalidChangeBatch
// with one message each.
func (s *Service) ChangeResourceRecordSets(_ context.Context, _ string, in *sdk.ChangeResourceRecordSetsInput) (*sdk.ChangeResourceRecordSetsOutput, error) {
	if in.ChangeBatch == nil || len(in.ChangeBatch.Changes) == 0 {
		return nil, errorf(errInvalidInput, "1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if err := checkBatchSize(in.ChangeBatch.Changes); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zone(deref(in.HostedZoneId))
	if err != nil {
		return nil, err
	}
	var changes []change
	var problems []string
	for i, c := range in.ChangeBatch.Changes {
		pc, msgs, err := s.parseChange(z, i, c)
		if err != nil {
			return nil, err
		}
		changes = append(changes, pc)
		problems = append(problems, msgs...)
	}
	next, msgs := applyChanges(z, changes)
	if problems = append(problems, msgs...); len(problems) > 0 {
		return nil, invalidChangeBatch(problems)
	}
	prev := z.Records
	z.Records = next
	c := s.newChange(deref(in.ChangeBatch.Comment))
	if err := s.commit(); err != nil {
		z.Records = prev
		delete(s.st.Changes, c.ID)
		return nil, err
	}
	s.cfg.Logger.Info("record sets changed", "zone", z.ID, "changes", len(changes), "change", c.ID)
	return &sdk.ChangeResourceRecordSetsOutput{ChangeInfo: s.changeInfo(c, s.cfg.Clock.Now())}, nil
}

func invalidChangeBatch(msgs []string) error {
	msg := msgs[0]
	if len(msgs) > 1 {
		msg = "[" + strings.Join(msgs, ", ") + "]"
	}
	return &awserr.Error{Code: errInvalidChangeBatch, Message: msg, Messages: msgs}
}

// change is one validated change of a batch.
type change struct {
	action types.ChangeAction
	rec    *RecordSet
}

// recordKey identifies a record set in a zone.
type recordKey struct{ name, typ, id string }

func (r *RecordSet) key() recordKey { return recordKey{r.Name, r.Type, r.SetIdentifier} }

// describe renders a record set the way AWS names it in messages.
func (r *RecordSet) describe() string {
	if r.SetIdentifier != "" {
		return "[name='" + r.Name + "', type='" + r.Type + "', set-identifier='" + r.SetIdentifier + "']"
	}
	return "[name='" + r.Name + "', type='" + r.Type + "']"
}

// applyChanges applies changes in order to a copy of z's record sets and
// checks the result. It returns the new record sets and the problems found.
// RecordSets are never modified in place, so the copy may share them.
func applyChanges(z *Zone, changes []change) ([]*RecordSet, []string) {
	recs := slices.Clone(z.Records)
	var msgs []string
	touched := map[recordKey]bool{}
	for _, c := range changes {
		i := slices.IndexFunc(recs, func(r *RecordSet) bool { return r.key() == c.rec.key() })
		switch c.action {
		case types.ChangeActionCreate:
			if i >= 0 {
				msgs = append(msgs, "Tried to create resource record set "+c.rec.describe()+" but it already exists")
				continue
			}
			recs = append(recs, c.rec)
		case types.ChangeActionUpsert:
			if i >= 0 {
				recs[i] = c.rec
			} else {
				recs = append(recs, c.rec)
			}
		case types.ChangeActionDelete:
			switch {
			case i < 0:
				msgs = append(msgs, "Tried to delete resource record set "+c.rec.describe()+" but it was not found")
				continue
			case !sameRecord(recs[i], c.rec):
				msgs = append(msgs, "Tried to delete resource record set "+c.rec.describe()+" but the values provided do not match the current values")
				continue
			case c.rec.Name == z.Name && c.rec.Type == "SOA":
				msgs = append(msgs, "A HostedZone must contain exactly one SOA record.")
				continue
			case c.rec.Name == z.Name && c.rec.Type == "NS":
				msgs = append(msgs, "A HostedZone must contain at least one NS record for the zone itself.")
				continue
			}
			recs = slices.Delete(recs, i, i+1)
		}
		touched[c.rec.key()] = true
	}
	return recs, append(msgs, checkRecords(z, recs, touched)...)
}

// checkRecords checks the rules that span record sets, for the record sets
// a batch touched: no CNAME beside other data, one routing policy per name
// and type, at most one PRIMARY and one SECONDARY, alias targets exist.
func checkRecords(z *Zone, recs []*RecordSet, touched map[recordKey]bool) []string {
	var msgs []string
	for _, r := range recs {
		if !touched[r.key()] {
			continue
		}
		for _, o := range recs {
			if o == r || o.Name != r.Name {
				continue
			}
			if (r.Type == "CNAME") != (o.Type == "CNAME") && r.Name != z.Name { // apex CNAMEs are refused already
				msgs = append(msgs, "RRSet of type CNAME with DNS name "+r.Name+" is not permitted as it conflicts with other records with the same DNS name in zone "+z.Name)
				break
			}
			if o.Type != r.Type {
				continue
			}
			if p := o.policy(); p != r.policy() {
				msgs = append(msgs, "RRSet with DNS name "+r.Name+", type "+r.Type+describeID(r)+" cannot be created as a non-"+r.policy()+" set exists with the same name and type.")
				break
			}
			if r.Failover != "" && r.Failover == o.Failover {
				msgs = append(msgs, "Tried to create resource record set "+r.describe()+" with failover type "+r.Failover+" but "+o.describe()+" already has it")
				break
			}
		}
		if r.Alias != nil && !slices.ContainsFunc(recs, func(t *RecordSet) bool { return t.Name == r.Alias.DNSName && t.Type == r.Type }) {
			msgs = append(msgs, "Tried to create an alias that targets "+r.Alias.DNSName+", type "+r.Type+" in zone "+z.ID+", but that target was not found")
		}
	}
	return msgs
}

func describeID(r *RecordSet) string {
	if r.SetIdentifier == "" {
		return ""
	}
	return ", SetIdentifier " + r.SetIdentifier
}

// sameRecord reports whether a DELETE names exactly the stored record set.
func sameRecord(a, b *RecordSet) bool {
	va, vb := slices.Clone(a.Values), slices.Clone(b.Values)
	slices.Sort(va)
	slices.Sort(vb)
	return a.key() == b.key() && deref(a.TTL) == deref(b.TTL) && (a.TTL == nil) == (b.TTL == nil) &&
		slices.Equal(va, vb) && a.Failover == b.Failover && deref(a.Weight) == deref(b.Weight) &&
		(a.Weight == nil) == (b.Weight == nil) && a.Region == b.Region && a.HealthCheckID == b.HealthCheckID &&
		(a.Alias == nil) == (b.Alias == nil) && (a.Alias == nil || *a.Alias == *b.Alias)
}

// ListResourceRecordSets lists a zone's record sets sorted by name with the
// labels reversed ("com.example.www"), then by type (alphabetically), then
// by SetIdentifier, starting at StartRecordName/Type/Identifier.
func (s *Service) ListResourceRecordSets(_ context.Context, _ string, in *sdk.ListResourceRecordSetsInput) (*sdk.ListResourceRecordSetsOutput, error) {
	if in.StartRecordType != "" && in.StartRecordName == nil {
		return nil, errorf(errInvalidInput, "The input is not valid: StartRecordType requires StartRecordName")
	}
	if in.StartRecordIdentifier != nil && in.StartRecordType == "" {
		return nil, errorf(errInvalidInput, "The input is not valid: StartRecordIdentifier requires StartRecordType")
	}
	if in.StartRecordType != "" && !slices.Contains(types.RRType("").Values(), in.StartRecordType) {
		return nil, errorf(errInvalidInput, "1 validation error detected: Value '%s' at 'startRecordType' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
			in.StartRecordType, rrTypeList())
	}
	n, err := pageSize(in.MaxItems, 300, 300)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zone(deref(in.HostedZoneId))
	if err != nil {
		return nil, err
	}
	recs := slices.Clone(z.Records)
	slices.SortFunc(recs, func(a, b *RecordSet) int { return compareKeys(a.key(), b.key()) })
	start := 0
	if in.StartRecordName != nil {
		from := recordKey{canonical(*in.StartRecordName), string(in.StartRecordType), deref(in.StartRecordIdentifier)}
		start, _ = slices.BinarySearchFunc(recs, from, func(r *RecordSet, k recordKey) int { return compareKeys(r.key(), k) })
	}
	end := min(start+n, len(recs))
	out := &sdk.ListResourceRecordSetsOutput{MaxItems: ptr(int32(n)), ResourceRecordSets: []types.ResourceRecordSet{}}
	for _, r := range recs[start:end] {
		out.ResourceRecordSets = append(out.ResourceRecordSets, render(r))
	}
	if end < len(recs) {
		next := recs[end]
		out.IsTruncated = true
		out.NextRecordName = ptr(next.Name)
		out.NextRecordType = types.RRType(next.Type)
		out.NextRecordIdentifier = optional(next.SetIdentifier)
	}
	return out, nil
}

func compareKeys(a, b recordKey) int {
	return cmp.Or(strings.Compare(reverseName(a.name), reverseName(b.name)), strings.Compare(a.typ, b.typ), strings.Compare(a.id, b.id))
}

// render converts a stored record set to its SDK form.
func render(r *RecordSet) types.ResourceRecordSet {
	out := types.ResourceRecordSet{
		Name:          ptr(r.Name),
		Type:          types.RRType(r.Type),
		SetIdentifier: optional(r.SetIdentifier),
		Failover:      types.ResourceRecordSetFailover(r.Failover),
		Region:        types.ResourceRecordSetRegion(r.Region),
		HealthCheckId: optional(r.HealthCheckID),
	}
	if r.TTL != nil {
		out.TTL = ptr(*r.TTL)
	}
	if r.Weight != nil {
		out.Weight = ptr(*r.Weight)
	}
	for _, v := range r.Values {
		out.ResourceRecords = append(out.ResourceRecords, types.ResourceRecord{Value: ptr(v)})
	}
	if a := r.Alias; a != nil {
		out.AliasTarget = &types.AliasTarget{HostedZoneId: ptr(a.HostedZoneID), DNSName: ptr(a.DNSName), EvaluateTargetHealth: a.EvaluateTargetHealth}
	}
	return out
}
