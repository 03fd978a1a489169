package route53

import (
	"fmt"
	"math"
	"net"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"
)

// supportedTypes are the record types the model stores and answers.
var supportedTypes = []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "PTR", "SOA", "SRV", "TXT"}

// canonical returns a name lower-cased and fully qualified.
func canonical(name string) string { return dns.CanonicalName(name) }

// parseChange validates one change of a batch against zone z. Problems
// with the record set are returned as messages (InvalidChangeBatch); a
// malformed request (InvalidInput) or a missing health check
// (NoSuchHealthCheck) is returned as an error. Call with s.mu held.
func (s *Service) parseChange(z *Zone, i int, c types.Change) (change, []string, error) {
	in := c.ResourceRecordSet
	if !slices.Contains(types.ChangeAction("").Values(), c.Action) {
		return change{}, nil, errorf(errInvalidInput, "1 validation error detected: Value '%s' at 'changeBatch.changes.%d.member.action' failed to satisfy constraint: Member must satisfy enum value set: [CREATE, DELETE, UPSERT]", c.Action, i+1)
	}
	if in == nil || deref(in.Name) == "" || in.Type == "" {
		return change{}, nil, errorf(errInvalidInput, "1 validation error detected: Value null at 'changeBatch.changes.%d.member.resourceRecordSet' failed to satisfy constraint: Name and Type must not be null", i+1)
	}
	if err := checkRanges(i, in); err != nil {
		return change{}, nil, err
	}
	r := &RecordSet{
		Name: canonical(*in.Name), Type: string(in.Type), SetIdentifier: deref(in.SetIdentifier),
		Failover: string(in.Failover), Region: string(in.Region), HealthCheckID: deref(in.HealthCheckId),
	}
	if in.TTL != nil {
		r.TTL = ptr(*in.TTL)
	}
	if in.Weight != nil {
		r.Weight = ptr(*in.Weight)
	}
	for _, v := range in.ResourceRecords {
		r.Values = append(r.Values, deref(v.Value))
	}
	if a := in.AliasTarget; a != nil {
		r.Alias = &Alias{HostedZoneID: strings.TrimPrefix(deref(a.HostedZoneId), "/hostedzone/"), DNSName: canonical(deref(a.DNSName)), EvaluateTargetHealth: a.EvaluateTargetHealth}
	}
	if r.HealthCheckID != "" {
		if _, ok := s.st.HealthChecks[r.HealthCheckID]; !ok {
			return change{}, nil, errorf(errNoSuchHealthCheck, "No health check exists with the specified ID %s", r.HealthCheckID)
		}
	}
	ctx := fmt.Sprintf("Change with [Action=%s, Name=%s, Type=%s, SetIdentifier=%s]", c.Action, r.Name, r.Type, cmpNull(r.SetIdentifier))
	msgs := checkRecordSet(z, r, in, ctx)
	return change{action: c.Action, rec: r}, msgs, nil
}

func cmpNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// checkRanges enforces the model's field constraints (InvalidInput).
func checkRanges(i int, in *types.ResourceRecordSet) error {
	field := func(f string, v any, c string) error {
		return errorf(errInvalidInput, "1 validation error detected: Value '%v' at 'changeBatch.changes.%d.member.resourceRecordSet.%s' failed to satisfy constraint: %s", v, i+1, f, c)
	}
	switch {
	case !slices.Contains(types.RRType("").Values(), in.Type):
		return field("type", in.Type, "Member must satisfy enum value set")
	case in.TTL != nil && (*in.TTL < 0 || *in.TTL > math.MaxInt32):
		return field("tTL", *in.TTL, "Member must have value between 0 and 2147483647")
	case in.Weight != nil && (*in.Weight < 0 || *in.Weight > 255):
		return field("weight", *in.Weight, "Member must have value between 0 and 255")
	case in.Failover != "" && !slices.Contains(types.ResourceRecordSetFailover("").Values(), in.Failover):
		return field("failover", in.Failover, "Member must satisfy enum value set: [PRIMARY, SECONDARY]")
	case in.Region != "" && !slices.Contains(types.ResourceRecordSetRegion("").Values(), in.Region):
		return field("region", in.Region, "Member must satisfy enum value set")
	case len(deref(in.SetIdentifier)) > 128:
		return field("setIdentifier", *in.SetIdentifier, "Member must have length less than or equal to 128")
	}
	return nil
}

// checkRecordSet returns the problems of one record set on its own.
func checkRecordSet(z *Zone, r *RecordSet, in *types.ResourceRecordSet, ctx string) []string {
	var msgs []string
	add := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	if !validName(r.Name) {
		add("%s is not a valid DNS name", r.Name)
	} else if !dns.IsSubDomain(z.Name, r.Name) {
		add("RRSet with DNS name %s is not permitted in zone %s", r.Name, z.Name)
	}
	if !slices.Contains(supportedTypes, r.Type) {
		add("RRSet type %s is not supported by globaldb (supported: %s)", r.Type, strings.Join(supportedTypes, ", "))
	}
	if in.GeoLocation != nil || in.GeoProximityLocation != nil || in.CidrRoutingConfig != nil || in.MultiValueAnswer != nil || in.TrafficPolicyInstanceId != nil {
		add("Invalid request: geolocation, geoproximity, CIDR, multivalue answer and traffic policy records are not supported by globaldb in %s", ctx)
	}
	msgs = append(msgs, checkRouting(z, r, ctx)...)
	if r.Alias != nil {
		return append(msgs, checkAlias(z, r, ctx)...)
	}
	if r.TTL == nil || len(r.Values) == 0 {
		add("Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]], but found none in %s", ctx)
		return msgs
	}
	return append(msgs, checkValues(z, r)...)
}

// checkRouting checks SetIdentifier against the routing fields and the
// apex and CNAME placement rules.
func checkRouting(z *Zone, r *RecordSet, ctx string) []string {
	var msgs []string
	n := 0
	for _, set := range []bool{r.Failover != "", r.Weight != nil, r.Region != ""} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		msgs = append(msgs, "Invalid request: Expected exactly one of [Weight, Region, Failover], but found more than one in "+ctx)
	case n == 1 && r.SetIdentifier == "":
		msgs = append(msgs, "Invalid request: Missing field 'SetIdentifier' in "+ctx)
	case n == 0 && r.SetIdentifier != "":
		msgs = append(msgs, "Invalid request: Expected exactly one of [Weight, Region, Failover], but found none in "+ctx)
	}
	apex := r.Name == z.Name
	switch {
	case r.Type == "CNAME" && apex:
		msgs = append(msgs, "RRSet of type CNAME with DNS name "+r.Name+" is not permitted at apex in zone "+z.Name)
	case r.Type == "SOA" && !apex:
		msgs = append(msgs, "RRSet of type SOA with DNS name "+r.Name+" is not permitted because SOA records are only permitted at the zone apex")
	case (r.Type == "SOA" || r.Type == "NS") && apex && (n > 0 || r.Alias != nil || r.HealthCheckID != ""):
		msgs = append(msgs, "RRSet of type "+r.Type+" at the apex of zone "+z.Name+" must be a simple record without alias or health check")
	}
	return msgs
}

// checkAlias checks an alias record set on its own; that its target exists
// is checked after the whole batch is applied.
func checkAlias(z *Zone, r *RecordSet, ctx string) []string {
	var msgs []string
	if r.TTL != nil || len(r.Values) > 0 {
		msgs = append(msgs, "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]], but found more than one in "+ctx)
	}
	switch {
	case r.Alias.HostedZoneID != z.ID:
		msgs = append(msgs, fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but globaldb supports alias targets in the same hosted zone (%s) only", r.Alias.DNSName, r.Type, r.Alias.HostedZoneID, z.ID))
	case !dns.IsSubDomain(z.Name, r.Alias.DNSName):
		msgs = append(msgs, fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but the alias target name does not lie within the target zone", r.Alias.DNSName, r.Type, z.ID))
	case r.Alias.DNSName == r.Name:
		msgs = append(msgs, fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but an alias cannot target itself", r.Alias.DNSName, r.Type, z.ID))
	}
	return msgs
}

// checkValues checks resource record values as AWS's RDATA parser does.
func checkValues(z *Zone, r *RecordSet) []string {
	var msgs []string
	bad := func(problem, desc, v string) {
		msgs = append(msgs, fmt.Sprintf("Invalid Resource Record: 'FATAL problem: %s (%s) encountered with '%s''", problem, desc, v))
	}
	seen := map[string]bool{}
	for _, v := range r.Values {
		if seen[v] {
			msgs = append(msgs, fmt.Sprintf("Duplicate Resource Record: '%s'", v))
		}
		seen[v] = true
		switch ip := net.ParseIP(v); {
		case r.Type == "A" && (ip == nil || ip.To4() == nil || strings.Contains(v, ":")):
			bad("ARRDATAIllegalIPv4Address", "Value is not a valid IPv4 address", v)
		case r.Type == "AAAA" && (ip == nil || !strings.Contains(v, ":")):
			bad("AAAARRDATAIllegalIPv6Address", "Value is not a valid IPv6 address", v)
		default:
			if _, err := parseRR(r.Name, r.Type, 0, v); err != nil {
				bad("UnparseableRRDATA", "Value is not valid for type "+r.Type, v)
			}
		}
	}
	if (r.Type == "CNAME" || r.Type == "SOA") && len(r.Values) > 1 {
		msgs = append(msgs, fmt.Sprintf("RRSet of type %s with DNS name %s in zone %s must have exactly one resource record", r.Type, r.Name, z.Name))
	}
	return msgs
}

// parseRR parses one value as zone-file RDATA ("." is the origin, so
// relative names become fully qualified).
func parseRR(owner, typ string, ttl uint32, value string) (dns.RR, error) {
	rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", owner, ttl, typ, value))
	if err == nil && rr == nil {
		err = fmt.Errorf("empty record")
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s record %q: %w", typ, value, err)
	}
	return rr, nil
}

// rrTypeList renders the RRType enum as AWS lists it in validation errors.
func rrTypeList() string {
	values := types.RRType("").Values()
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}
