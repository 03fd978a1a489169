package dnsserver

import (
	"net"
	"sort"
	"sync"

	"github.com/miekg/dns"
)

// SOA and NS parameters of the synthetic zone apex records.
const (
	apexTTL      = 60
	soaRefresh   = 3600
	soaRetry     = 600
	soaExpire    = 86400
	soaMinTTL    = 60 // negative-caching TTL (RFC 2308)
	maxCNAMEHops = 8
)

// Table is a concurrency-safe in-memory Source: a set of zones with address
// and CNAME records.
//
// Each zone apex gets a synthetic SOA (mname ns1.<zone>, rname
// hostmaster.<zone>, TTL 60, serial starting at 1 and bumped on every change
// inside the zone) and one NS record (ns1.<zone>; nominal, it has no address).
// Names are case-insensitive. Records set for names outside every zone are
// kept but never served. Wildcards and delegations are not supported.
type Table struct {
	mu       sync.RWMutex
	zones    map[string]*zone // apex (canonical) → zone
	apexes   []string         // apexes, longest first, for the most specific match
	nodes    map[string]*node // canonical owner name → records
	children map[string]int   // canonical name → number of nodes strictly below it
}

type zone struct {
	apex   string
	serial uint32
}

// node holds the records of one owner name: a CNAME or addresses, never both.
type node struct {
	cname    string
	cnameTTL uint32
	addrs    []net.IP
	addrTTL  uint32
}

var _ Source = (*Table)(nil)

// NewTable returns a Table authoritative for the given zones (apex names such
// as "rds.amazonaws.com."; a missing trailing dot is added).
func NewTable(zones ...string) *Table {
	t := &Table{zones: map[string]*zone{}, nodes: map[string]*node{}, children: map[string]int{}}
	for _, z := range zones {
		apex := dns.CanonicalName(z)
		if _, ok := t.zones[apex]; ok {
			continue
		}
		t.zones[apex] = &zone{apex: apex, serial: 1}
		t.apexes = append(t.apexes, apex)
	}
	sort.Slice(t.apexes, func(i, j int) bool { return dns.CountLabel(t.apexes[i]) > dns.CountLabel(t.apexes[j]) })
	return t
}

// SetA replaces the address set of name. IPv4 addresses are served as A
// records, IPv6 addresses as AAAA. Any CNAME at name is removed. Calling it
// with no addresses removes the address set.
func (t *Table) SetA(name string, ttl uint32, ips ...net.IP) {
	addrs := make([]net.IP, 0, len(ips))
	for _, ip := range ips {
		if v4 := ip.To4(); v4 != nil {
			addrs = append(addrs, v4)
		} else if ip.To16() != nil {
			addrs = append(addrs, append(net.IP(nil), ip...))
		}
	}
	if len(addrs) == 0 {
		t.Delete(name)
		return
	}
	t.put(dns.CanonicalName(name), &node{addrs: addrs, addrTTL: ttl})
}

// SetCNAME makes name an alias of target, replacing any records at name (a
// name holds either a CNAME or other data). Do not set a CNAME at a zone apex.
func (t *Table) SetCNAME(name, target string, ttl uint32) {
	t.put(dns.CanonicalName(name), &node{cname: dns.CanonicalName(target), cnameTTL: ttl})
}

// Delete removes every record of name. Deleting an absent name is a no-op.
func (t *Table) Delete(name string) {
	name = dns.CanonicalName(name)
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.nodes[name]; !ok {
		return
	}
	delete(t.nodes, name)
	for _, p := range parents(name) {
		if t.children[p]--; t.children[p] <= 0 {
			delete(t.children, p)
		}
	}
	t.bump(name)
}

func (t *Table) put(name string, n *node) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.nodes[name]; !ok {
		for _, p := range parents(name) {
			t.children[p]++
		}
	}
	t.nodes[name] = n
	t.bump(name)
}

// bump increments the serial of the zone holding name. Callers hold t.mu.
func (t *Table) bump(name string) {
	if z := t.zoneFor(name); z != nil {
		z.serial++
	}
}

// zoneFor returns the most specific zone containing name, or nil.
func (t *Table) zoneFor(name string) *zone {
	for _, apex := range t.apexes {
		if dns.IsSubDomain(apex, name) {
			return t.zones[apex]
		}
	}
	return nil
}

// parents returns the proper ancestors of a canonical name, nearest first,
// excluding the root.
func parents(name string) []string {
	idx := dns.Split(name)
	out := make([]string, 0, len(idx))
	for _, i := range idx[min(1, len(idx)):] {
		out = append(out, name[i:])
	}
	return out
}

// Answer implements Source. It follows CNAME chains through the Table's zones
// (up to 8 hops, then SERVFAIL), returns NXDOMAIN with the zone SOA in Ns for
// names that do not exist, and NODATA (NOERROR, no answer, SOA in Ns) for
// names that exist, including empty non-terminals, but hold no records of the
// asked type. Only class IN (and ANY) questions are answered.
func (t *Table) Answer(q dns.Question) (Result, bool) {
	if q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY {
		return Result{}, false
	}
	name := dns.CanonicalName(q.Name)
	t.mu.RLock()
	defer t.mu.RUnlock()
	z := t.zoneFor(name)
	if z == nil {
		return Result{}, false
	}
	var res Result
	owner := dns.Fqdn(q.Name) // echo the asker's spelling in the first owner name
	for hop := 0; ; hop++ {
		s := t.lookup(z, name, owner, q.Qtype)
		res.Answer = append(res.Answer, s.rrs...)
		if s.next == "" {
			res.Rcode = s.rcode
			if s.negative {
				res.Ns = []dns.RR{z.soa()}
			}
			return res, true
		}
		if hop+1 >= maxCNAMEHops {
			res.Rcode = dns.RcodeServerFailure
			return res, true
		}
		if z = t.zoneFor(s.next); z == nil {
			res.Rcode = dns.RcodeSuccess // target is outside our data: the client resolves it
			return res, true
		}
		name, owner = s.next, s.next
	}
}

// step is the outcome of looking one name up: records to add to the answer,
// and either a CNAME target to continue with or a final rcode.
type step struct {
	rrs      []dns.RR
	next     string
	rcode    int
	negative bool // NXDOMAIN or NODATA: the SOA goes in the authority section
}

// lookup answers qtype for one canonical name inside zone z. Callers hold t.mu.
func (t *Table) lookup(z *zone, name, owner string, qtype uint16) step {
	var rrs []dns.RR
	if name == z.apex {
		if qtype == dns.TypeSOA || qtype == dns.TypeANY {
			rrs = append(rrs, z.soaAt(owner))
		}
		if qtype == dns.TypeNS || qtype == dns.TypeANY {
			rrs = append(rrs, z.nsAt(owner))
		}
	}
	if len(rrs) > 0 && qtype != dns.TypeANY {
		return step{rrs: rrs} // SOA or NS at the apex
	}
	n := t.nodes[name]
	switch {
	case n == nil && len(rrs) > 0:
		return step{rrs: rrs}
	case n == nil && (name == z.apex || t.children[name] > 0):
		return step{negative: true} // NODATA: apex or empty non-terminal
	case n == nil:
		return step{rcode: dns.RcodeNameError, negative: true}
	case n.cname != "":
		rr := &dns.CNAME{Hdr: hdr(owner, dns.TypeCNAME, n.cnameTTL), Target: n.cname}
		if qtype == dns.TypeCNAME || qtype == dns.TypeANY {
			return step{rrs: append(rrs, rr)}
		}
		return step{rrs: []dns.RR{rr}, next: n.cname}
	}
	rrs = append(rrs, n.addrRRs(owner, qtype)...)
	if len(rrs) == 0 {
		return step{negative: true}
	}
	return step{rrs: rrs}
}

// addrRRs returns the A (qtype A), AAAA (qtype AAAA) or all (ANY) records.
func (n *node) addrRRs(owner string, qtype uint16) []dns.RR {
	var rrs []dns.RR
	for _, ip := range n.addrs {
		v4 := ip.To4() != nil
		switch {
		case v4 && (qtype == dns.TypeA || qtype == dns.TypeANY):
			rrs = append(rrs, &dns.A{Hdr: hdr(owner, dns.TypeA, n.addrTTL), A: ip})
		case !v4 && (qtype == dns.TypeAAAA || qtype == dns.TypeANY):
			rrs = append(rrs, &dns.AAAA{Hdr: hdr(owner, dns.TypeAAAA, n.addrTTL), AAAA: ip})
		}
	}
	return rrs
}

func (z *zone) soa() dns.RR { return z.soaAt(z.apex) }

func (z *zone) soaAt(owner string) dns.RR {
	return &dns.SOA{
		Hdr: hdr(owner, dns.TypeSOA, apexTTL), Ns: "ns1." + z.apex, Mbox: "hostmaster." + z.apex,
		Serial: z.serial, Refresh: soaRefresh, Retry: soaRetry, Expire: soaExpire, Minttl: soaMinTTL,
	}
}

func (z *zone) nsAt(owner string) dns.RR {
	return &dns.NS{Hdr: hdr(owner, dns.TypeNS, apexTTL), Ns: "ns1." + z.apex}
}

func hdr(owner string, rrtype uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: owner, Rrtype: rrtype, Class: dns.ClassINET, Ttl: ttl}
}
