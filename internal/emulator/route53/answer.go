package route53

import (
	"cmp"
	"context"
	"maps"
	"net"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"

	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/regions"
)

// maxHops bounds CNAME chains inside our zones and alias chains.
const maxHops = 8

// index is an immutable, query-ready copy of every zone's record sets,
// rebuilt on each commit and read by DNS answers without locks.
type index struct {
	zones []*zoneIndex // most specific apex first (see buildIndex)
	byID  map[string]*zoneIndex
}

type zoneIndex struct {
	id, apex   string
	nameserver string                         // first NS, for TestDNSAnswer
	names      map[string]map[string][]*entry // name → type → group
	ents       map[string]bool                // empty non-terminals
	soa        *dns.SOA                       // apex SOA, nil if missing
}

// entry is a record set with its values parsed (owner = its name).
type entry struct {
	rec *RecordSet
	rrs []dns.RR
}

// buildIndex copies st into an index. Zones are ordered so that the first
// one containing a name is the answer's zone: more labels first, then
// private before public (one network: a VPC resolver's view), then oldest.
func buildIndex(st *State) *index {
	ix := &index{byID: map[string]*zoneIndex{}}
	zones := make([]*Zone, 0, len(st.Zones))
	for _, z := range st.Zones {
		zones = append(zones, z)
	}
	slices.SortFunc(zones, func(a, b *Zone) int {
		return cmp.Or(dns.CountLabel(b.Name)-dns.CountLabel(a.Name), boolOrder(b.Private, a.Private),
			a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	for _, z := range zones {
		zi := indexZone(z)
		ix.zones = append(ix.zones, zi)
		ix.byID[z.ID] = zi
	}
	return ix
}

func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func indexZone(z *Zone) *zoneIndex {
	zi := &zoneIndex{id: z.ID, apex: z.Name, names: map[string]map[string][]*entry{}, ents: map[string]bool{}}
	if len(z.NameServers) > 0 {
		zi.nameserver = z.NameServers[0]
	}
	for _, r := range z.Records {
		e := &entry{rec: r}
		for _, v := range r.Values {
			if rr, err := parseRR(r.Name, r.Type, uint32(deref(r.TTL)), v); err == nil {
				e.rrs = append(e.rrs, rr)
			}
		}
		if zi.names[r.Name] == nil {
			zi.names[r.Name] = map[string][]*entry{}
		}
		zi.names[r.Name][r.Type] = append(zi.names[r.Name][r.Type], e)
		for n := r.Name; n != z.Name; {
			i, end := dns.NextLabel(n, 0)
			if end {
				break
			}
			n = n[i:]
			zi.ents[n] = true
		}
		if soa, ok := firstRR(e).(*dns.SOA); ok && r.Name == z.Name {
			zi.soa = soa
		}
	}
	for _, types := range zi.names {
		for _, g := range types {
			slices.SortFunc(g, func(a, b *entry) int { return strings.Compare(a.rec.SetIdentifier, b.rec.SetIdentifier) })
		}
	}
	return zi
}

func firstRR(e *entry) dns.RR {
	if len(e.rrs) == 0 {
		return nil
	}
	return e.rrs[0]
}

// zoneFor returns the zone answering for a canonical name, or nil.
func (ix *index) zoneFor(name string) *zoneIndex {
	for _, z := range ix.zones {
		if dns.IsSubDomain(z.apex, name) {
			return z
		}
	}
	return nil
}

// Answer implements dnsserver.Source; latency routing uses DefaultRegion.
func (s *Service) Answer(q dns.Question) (dnsserver.Result, bool) { return s.AnswerFrom(q, nil) }

// AnswerFrom implements dnsserver.ClientSource. It is authoritative for
// every hosted zone apex (the most specific zone wins) and answers as
// Route 53 does: routing policies evaluated against the Health view, CNAMEs
// followed through our own zones (up to 8 hops, then SERVFAIL), NXDOMAIN or
// NODATA with the zone SOA in the authority section. It does no I/O.
func (s *Service) AnswerFrom(q dns.Question, client net.IP) (dnsserver.Result, bool) {
	if q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY {
		return dnsserver.Result{}, false
	}
	ix := s.index.Load()
	z := ix.zoneFor(canonical(q.Name))
	if z == nil {
		return dnsserver.Result{}, false
	}
	return s.resolver(ix, client).answer(z, q.Name, q.Qtype, true), true
}

func (s *Service) resolver(ix *index, client net.IP) *resolver {
	region := ""
	if client != nil && s.cfg.ClientRegion != nil {
		region = s.cfg.ClientRegion(client)
	}
	if region == "" {
		region = s.cfg.DefaultRegion
	}
	return &resolver{s: s, ix: ix, region: region}
}

// resolver answers one question against one index.
type resolver struct {
	s      *Service
	ix     *index
	region string
}

// step is the outcome of looking one name up: records for the answer, and
// either a CNAME target to continue with or a final rcode.
type step struct {
	rrs      []dns.RR
	next     string
	rcode    int
	negative bool // NXDOMAIN or NODATA: the SOA goes in the authority section
}

// answer resolves qname in z; with follow it continues CNAME chains into
// any of our zones.
func (r *resolver) answer(z *zoneIndex, qname string, qtype uint16, follow bool) dnsserver.Result {
	var res dnsserver.Result
	name, owner := canonical(qname), dns.Fqdn(qname) // echo the asker's spelling
	for hop := 0; ; hop++ {
		st := r.lookup(z, name, owner, qtype)
		res.Answer = append(res.Answer, st.rrs...)
		if st.next == "" || !follow {
			res.Rcode = st.rcode
			if st.negative && z.soa != nil {
				soa := dns.Copy(z.soa).(*dns.SOA)
				soa.Hdr.Ttl = min(soa.Hdr.Ttl, soa.Minttl) // RFC 2308 negative TTL
				res.Ns = []dns.RR{soa}
			}
			return res
		}
		if hop+1 >= maxHops {
			res.Rcode = dns.RcodeServerFailure
			return res
		}
		if z = r.ix.zoneFor(st.next); z == nil {
			return res // outside our zones: the dnsserver or the client goes on
		}
		name, owner = st.next, st.next
	}
}

// lookup answers qtype for one canonical name of zone z.
func (r *resolver) lookup(z *zoneIndex, name, owner string, qtype uint16) step {
	byType := z.names[name]
	switch {
	case byType == nil && (name == z.apex || z.ents[name]):
		return step{negative: true} // NODATA at an empty non-terminal
	case byType == nil:
		return step{rcode: dns.RcodeNameError, negative: true}
	case qtype == dns.TypeANY:
		var rrs []dns.RR
		for _, t := range slices.Sorted(maps.Keys(byType)) {
			rrs = append(rrs, r.records(z, byType[t], owner, 0)...)
		}
		return step{rrs: rrs}
	}
	if g := byType[dns.TypeToString[qtype]]; g != nil {
		if rrs := r.records(z, g, owner, 0); len(rrs) > 0 {
			return step{rrs: rrs}
		}
		return step{negative: true} // an alias whose target is gone
	}
	if g := byType["CNAME"]; g != nil {
		rrs := r.records(z, g, owner, 0)
		if len(rrs) > 0 {
			return step{rrs: rrs, next: canonical(rrs[len(rrs)-1].(*dns.CNAME).Target)}
		}
	}
	return step{negative: true}
}

// records returns the answer records of a group: the routing choice, with
// aliases resolved to their target's records (and the target's TTL).
func (r *resolver) records(z *zoneIndex, group []*entry, owner string, depth int) []dns.RR {
	e := group[r.chooser(z, depth).choose(recordsOf(group))]
	if a := e.rec.Alias; a != nil {
		target := z.names[a.DNSName][e.rec.Type]
		if target == nil || depth+1 >= maxHops {
			return nil
		}
		return r.records(z, target, owner, depth+1)
	}
	out := make([]dns.RR, len(e.rrs))
	for i, rr := range e.rrs {
		out[i] = dns.Copy(rr)
		out[i].Header().Name = owner
	}
	return out
}

func recordsOf(group []*entry) []*RecordSet {
	out := make([]*RecordSet, len(group))
	for i, e := range group {
		out[i] = e.rec
	}
	return out
}

func (r *resolver) chooser(z *zoneIndex, depth int) chooser {
	return chooser{
		healthy: func(rec *RecordSet) bool { return r.healthy(z, rec, depth) },
		region:  r.region,
		rtt:     regions.RTT,
		draw:    r.s.draw,
	}
}

// healthy reports a record set's health: its health check (none counts as
// healthy) and, for an alias with EvaluateTargetHealth, whether any record
// set of the target group is healthy.
func (r *resolver) healthy(z *zoneIndex, rec *RecordSet, depth int) bool {
	if rec.HealthCheckID != "" && !r.s.healthy(rec.HealthCheckID) {
		return false
	}
	if a := rec.Alias; a != nil && a.EvaluateTargetHealth {
		if depth+1 >= maxHops {
			return false
		}
		return slices.ContainsFunc(z.names[a.DNSName][rec.Type], func(t *entry) bool { return r.healthy(z, t.rec, depth+1) })
	}
	return true
}

// draw returns a uniform number in [0, n) from cfg.Rand.
func (s *Service) draw(n int64) int64 {
	s.randMu.Lock()
	defer s.randMu.Unlock()
	return s.cfg.Rand.Int64N(n)
}

// TestDNSAnswer answers a name and type from one hosted zone as the DNS
// server would (CNAMEs are not followed). The client region for latency
// routing comes from EDNS0ClientSubnetIP, else ResolverIP.
func (s *Service) TestDNSAnswer(_ context.Context, _ string, in *sdk.TestDNSAnswerInput) (*sdk.TestDNSAnswerOutput, error) {
	if deref(in.RecordName) == "" || in.RecordType == "" {
		return nil, errorf(errInvalidInput, "RecordName and RecordType are required")
	}
	qtype, ok := dns.StringToType[string(in.RecordType)]
	if !ok {
		return nil, errorf(errInvalidInput, "Invalid RecordType: %s", in.RecordType)
	}
	ix := s.index.Load()
	id := strings.TrimPrefix(deref(in.HostedZoneId), "/hostedzone/")
	z, ok := ix.byID[id]
	if !ok {
		return nil, errorf(errNoSuchHostedZone, "No hosted zone found with ID: %s", id)
	}
	if !dns.IsSubDomain(z.apex, canonical(*in.RecordName)) {
		return nil, errorf(errInvalidInput, "The record name %s is not in hosted zone %s", *in.RecordName, z.apex)
	}
	ip := net.ParseIP(deref(in.EDNS0ClientSubnetIP))
	if ip == nil {
		ip = net.ParseIP(deref(in.ResolverIP))
	}
	res := s.resolver(ix, ip).answer(z, *in.RecordName, qtype, false)
	data := []string{}
	for _, rr := range res.Answer {
		data = append(data, strings.TrimPrefix(rr.String(), rr.Header().String()))
	}
	return &sdk.TestDNSAnswerOutput{
		Nameserver: ptr(z.nameserver), Protocol: ptr("UDP"), RecordData: data,
		RecordName: in.RecordName, RecordType: types.RRType(in.RecordType), ResponseCode: ptr(dns.RcodeToString[res.Rcode]),
	}, nil
}
