package route53

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"
)

// Defaults of the apex records AWS creates with a zone.
const (
	apexSOATTL = 900
	apexNSTTL  = 172800
	soaRest    = "awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"
	locationV1 = "https://route53.amazonaws.com/2013-04-01/"
)

// privateNameServers are the name servers AWS lists for private zones.
var privateNameServers = []string{"ns-0.awsdns-00.com", "ns-512.awsdns-00.net", "ns-1024.awsdns-00.org", "ns-1536.awsdns-00.co.uk"}

// CreateHostedZone creates a public zone, or a private one when a VPC is
// given. The zone gets an SOA and an NS record set at its apex.
func (s *Service) CreateHostedZone(_ context.Context, _ string, in *sdk.CreateHostedZoneInput) (*sdk.CreateHostedZoneOutput, error) {
	want, err := zoneFromInput(in)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, z := range s.st.Zones {
		if z.CallerReference != want.CallerReference {
			continue
		}
		if z.Name != want.Name || z.Comment != want.Comment || z.Private != want.Private || !slices.Equal(z.VPCs, want.VPCs) {
			return nil, errorf(errHostedZoneExists, "A hosted zone has already been created with the specified caller reference.")
		}
		// A retry of the same request: answer as the first time.
		c, ok := s.st.Changes[z.ChangeID]
		if !ok { // pruned: long since in sync
			c = &Change{ID: z.ChangeID, Submitted: z.Created}
		}
		return s.createdZone(z, c), nil
	}
	z := want
	z.ID = s.newZoneID()
	z.Created = s.cfg.Clock.Now().UTC()
	z.NameServers = s.nameServers(z.Private)
	ttlSOA, ttlNS := int64(apexSOATTL), int64(apexNSTTL)
	ns := make([]string, len(z.NameServers))
	for i, n := range z.NameServers {
		ns[i] = n + "."
	}
	z.Records = []*RecordSet{
		{Name: z.Name, Type: "NS", TTL: &ttlNS, Values: ns},
		{Name: z.Name, Type: "SOA", TTL: &ttlSOA, Values: []string{ns[0] + " " + soaRest}},
	}
	c := s.newChange("")
	z.ChangeID = c.ID
	s.st.Zones[z.ID] = z
	if err := s.commit(); err != nil {
		delete(s.st.Zones, z.ID)
		delete(s.st.Changes, c.ID)
		return nil, err
	}
	s.cfg.Logger.Info("hosted zone created", "id", z.ID, "name", z.Name, "private", z.Private)
	return s.createdZone(z, c), nil
}

// zoneFromInput validates a CreateHostedZone request into an unsaved Zone.
func zoneFromInput(in *sdk.CreateHostedZoneInput) (*Zone, error) {
	if deref(in.CallerReference) == "" {
		return nil, errorf(errInvalidInput, "1 validation error detected: Value null at 'callerReference' failed to satisfy constraint: Member must not be null")
	}
	name, err := zoneName(deref(in.Name))
	if err != nil {
		return nil, err
	}
	if in.DelegationSetId != nil {
		return nil, errorf(errNoSuchDelegationSet, "Reusable delegation sets are not supported: %s", *in.DelegationSetId)
	}
	z := &Zone{Name: name, CallerReference: *in.CallerReference}
	if cfg := in.HostedZoneConfig; cfg != nil {
		z.Comment = deref(cfg.Comment)
		z.Private = cfg.PrivateZone
	}
	if in.VPC != nil {
		if deref(in.VPC.VPCId) == "" || in.VPC.VPCRegion == "" {
			return nil, errorf(errInvalidInput, "When you're creating a private hosted zone (when you specify true for PrivateZone), you must also specify values for VPCId and VPCRegion.")
		}
		z.Private = true
		z.VPCs = []VPC{{ID: *in.VPC.VPCId, Region: string(in.VPC.VPCRegion)}}
	} else if z.Private {
		return nil, errorf(errInvalidInput, "When you're creating a private hosted zone (when you specify true for PrivateZone), you must also specify values for VPCId and VPCRegion.")
	}
	return z, nil
}

// zoneName validates and canonicalises a zone name.
func zoneName(name string) (string, error) {
	n := dns.CanonicalName(name)
	if name == "" || n == "." || !validName(n) {
		return "", errorf(errInvalidDomainName, "%s is reserved by AWS or is not a valid domain name.", name)
	}
	return n, nil
}

// validName reports whether a canonical name is a syntactically valid DNS
// name (a leading "*" label is allowed).
func validName(n string) bool {
	if l, ok := dns.IsDomainName(n); !ok || l > 255 {
		return false
	}
	for _, label := range dns.SplitDomainName(n) {
		if label == "" || len(label) > 63 {
			return false
		}
	}
	return true
}

// nameServers returns four made-up AWS-style name servers (no trailing
// dot) for a new zone. Call with s.mu held.
func (s *Service) nameServers(private bool) []string {
	if private {
		return slices.Clone(privateNameServers)
	}
	b := []byte(s.randomString(8, upperAlnum))
	out := make([]string, 4)
	for i, tld := range []string{"com", "net", "org", "co.uk"} {
		out[i] = fmt.Sprintf("ns-%d.awsdns-%02d.%s", 512*i+int(b[2*i])*7%512, int(b[2*i+1])%64, tld)
	}
	return out
}

func (s *Service) createdZone(z *Zone, c *Change) *sdk.CreateHostedZoneOutput {
	out := &sdk.CreateHostedZoneOutput{
		HostedZone: renderZone(z),
		Location:   ptr(locationV1 + "hostedzone/" + z.ID),
	}
	out.ChangeInfo = s.changeInfo(c, s.cfg.Clock.Now())
	if z.Private {
		out.VPC = &renderVPCs(z)[0]
	} else {
		out.DelegationSet = &types.DelegationSet{NameServers: slices.Clone(z.NameServers)}
	}
	return out
}

func renderVPCs(z *Zone) []types.VPC {
	out := make([]types.VPC, len(z.VPCs))
	for i, v := range z.VPCs {
		out[i] = types.VPC{VPCId: ptr(v.ID), VPCRegion: types.VPCRegion(v.Region)}
	}
	return out
}

func renderZone(z *Zone) *types.HostedZone {
	return &types.HostedZone{
		Id:                     ptr("/hostedzone/" + z.ID),
		Name:                   ptr(z.Name),
		CallerReference:        ptr(z.CallerReference),
		Config:                 &types.HostedZoneConfig{Comment: optional(z.Comment), PrivateZone: z.Private},
		ResourceRecordSetCount: ptr(int64(len(z.Records))),
	}
}

// zone returns the zone with a bare or "/hostedzone/"-prefixed ID. Call
// with s.mu held.
func (s *Service) zone(id string) (*Zone, error) {
	bare := strings.TrimPrefix(id, "/hostedzone/")
	if z, ok := s.st.Zones[bare]; ok {
		return z, nil
	}
	return nil, errorf(errNoSuchHostedZone, "No hosted zone found with ID: %s", bare)
}

// GetHostedZone describes a zone.
func (s *Service) GetHostedZone(_ context.Context, _ string, in *sdk.GetHostedZoneInput) (*sdk.GetHostedZoneOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zone(deref(in.Id))
	if err != nil {
		return nil, err
	}
	out := &sdk.GetHostedZoneOutput{HostedZone: renderZone(z)}
	if z.Private {
		out.VPCs = renderVPCs(z)
	} else {
		out.DelegationSet = &types.DelegationSet{NameServers: slices.Clone(z.NameServers)}
	}
	return out, nil
}

// ListHostedZones lists zones in creation order. Marker is the ID of the
// first zone of the page.
func (s *Service) ListHostedZones(_ context.Context, _ string, in *sdk.ListHostedZonesInput) (*sdk.ListHostedZonesOutput, error) {
	if in.DelegationSetId != nil {
		return nil, errorf(errNoSuchDelegationSet, "Reusable delegation sets are not supported: %s", *in.DelegationSetId)
	}
	n, err := pageSize(in.MaxItems, 100, 100)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var zones []*Zone
	for _, z := range s.st.Zones {
		if in.HostedZoneType == types.HostedZoneTypePrivateHostedZone && !z.Private {
			continue
		}
		zones = append(zones, z)
	}
	slices.SortFunc(zones, func(a, b *Zone) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	start := 0
	if m := deref(in.Marker); m != "" {
		start = slices.IndexFunc(zones, func(z *Zone) bool { return z.ID == strings.TrimPrefix(m, "/hostedzone/") })
		if start < 0 {
			return nil, errorf(errInvalidInput, "Invalid value for marker: %s", m)
		}
	}
	out := &sdk.ListHostedZonesOutput{Marker: in.Marker, MaxItems: ptr(int32(n)), HostedZones: []types.HostedZone{}}
	for _, z := range zones[start:min(start+n, len(zones))] {
		out.HostedZones = append(out.HostedZones, *renderZone(z))
	}
	if start+n < len(zones) {
		out.IsTruncated = true
		out.NextMarker = ptr(zones[start+n].ID)
	}
	return out, nil
}

// ListHostedZonesByName lists zones sorted by name with the labels
// reversed ("com.example.www"), then by ID, starting at DNSName and
// HostedZoneId.
func (s *Service) ListHostedZonesByName(_ context.Context, _ string, in *sdk.ListHostedZonesByNameInput) (*sdk.ListHostedZonesByNameOutput, error) {
	if in.HostedZoneId != nil && in.DNSName == nil {
		return nil, errorf(errInvalidInput, "If you specify HostedZoneId, you must also specify DNSName.")
	}
	n, err := pageSize(in.MaxItems, 100, 100)
	if err != nil {
		return nil, err
	}
	startName := reverseName(dns.CanonicalName(deref(in.DNSName)))
	startID := strings.TrimPrefix(deref(in.HostedZoneId), "/hostedzone/")
	s.mu.Lock()
	defer s.mu.Unlock()
	zones := make([]*Zone, 0, len(s.st.Zones))
	for _, z := range s.st.Zones {
		if in.DNSName == nil || cmp.Or(strings.Compare(reverseName(z.Name), startName), strings.Compare(z.ID, startID)) >= 0 {
			zones = append(zones, z)
		}
	}
	slices.SortFunc(zones, func(a, b *Zone) int {
		return cmp.Or(strings.Compare(reverseName(a.Name), reverseName(b.Name)), strings.Compare(a.ID, b.ID))
	})
	out := &sdk.ListHostedZonesByNameOutput{DNSName: in.DNSName, HostedZoneId: in.HostedZoneId, MaxItems: ptr(int32(n)), HostedZones: []types.HostedZone{}}
	for _, z := range zones[:min(n, len(zones))] {
		out.HostedZones = append(out.HostedZones, *renderZone(z))
	}
	if n < len(zones) {
		out.IsTruncated = true
		out.NextDNSName = ptr(zones[n].Name)
		out.NextHostedZoneId = ptr(zones[n].ID)
	}
	return out, nil
}

// reverseName returns a canonical name with its labels reversed and no
// trailing dot: "www.example.com." → "com.example.www".
func reverseName(n string) string {
	labels := dns.SplitDomainName(n)
	slices.Reverse(labels)
	return strings.Join(labels, ".")
}

// DeleteHostedZone deletes a zone holding only its apex SOA and NS.
func (s *Service) DeleteHostedZone(_ context.Context, _ string, in *sdk.DeleteHostedZoneInput) (*sdk.DeleteHostedZoneOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zone(deref(in.Id))
	if err != nil {
		return nil, err
	}
	for _, r := range z.Records {
		if r.Name != z.Name || (r.Type != "SOA" && r.Type != "NS") {
			return nil, errorf(errHostedZoneNotEmpty, "The specified hosted zone contains non-required resource record sets and so cannot be deleted.")
		}
	}
	c := s.newChange("")
	delete(s.st.Zones, z.ID)
	if err := s.commit(); err != nil {
		s.st.Zones[z.ID] = z
		delete(s.st.Changes, c.ID)
		return nil, err
	}
	s.cfg.Logger.Info("hosted zone deleted", "id", z.ID, "name", z.Name)
	return &sdk.DeleteHostedZoneOutput{ChangeInfo: s.changeInfo(c, s.cfg.Clock.Now())}, nil
}
