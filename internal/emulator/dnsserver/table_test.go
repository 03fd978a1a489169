package dnsserver

import (
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

const (
	rdsZone = "rds.amazonaws.com."
	db1     = "db1.cluster-abc.us-east-1.rds.amazonaws.com."
)

// newTestTable builds the fixture shared by the Table tests.
func newTestTable() *Table {
	t := NewTable("RDS.amazonaws.com", "example.test.")
	t.SetA(db1, 5, net.ParseIP("127.0.0.2"))
	t.SetCNAME("writer.rds.amazonaws.com", db1, 5)
	t.SetCNAME("c1.rds.amazonaws.com.", "c2.rds.amazonaws.com.", 7)
	t.SetCNAME("c2.rds.amazonaws.com.", "writer.rds.amazonaws.com.", 7)
	t.SetCNAME("ext.rds.amazonaws.com.", "www.example.org.", 5)
	t.SetCNAME("dangling.rds.amazonaws.com.", "missing.rds.amazonaws.com.", 5)
	t.SetCNAME("loop1.rds.amazonaws.com.", "loop2.rds.amazonaws.com.", 5)
	t.SetCNAME("loop2.rds.amazonaws.com.", "loop1.rds.amazonaws.com.", 5)
	t.SetCNAME("alias.example.test.", "writer.rds.amazonaws.com.", 30)
	t.SetA("dual.rds.amazonaws.com.", 9, net.ParseIP("127.0.0.3"), net.ParseIP("::1"))
	t.SetA("a.x.rds.amazonaws.com.", 5, net.ParseIP("127.0.0.4"))
	t.SetA("outside.example.org.", 5, net.ParseIP("127.0.0.5"))
	return t
}

// summary renders records as "owner TYPE rdata" without TTL and class.
func summary(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		h := rr.Header()
		rdata := strings.TrimPrefix(rr.String(), h.String())
		out = append(out, h.Name+" "+dns.TypeToString[h.Rrtype]+" "+rdata)
	}
	return out
}

func TestTable_Answer(t *testing.T) {
	tbl := newTestTable()
	const (
		soa      = "rds.amazonaws.com. SOA ns1.rds.amazonaws.com. hostmaster.rds.amazonaws.com. "
		cnameW   = "writer.rds.amazonaws.com. CNAME " + db1
		db1A     = db1 + " A 127.0.0.2"
		nxdomain = dns.RcodeNameError
	)
	tests := []struct {
		name     string
		qname    string
		qtype    uint16
		qclass   uint16 // 0 means IN
		wantAuth bool
		rcode    int
		answer   []string
		nsSOA    bool
	}{
		{name: "A", qname: db1, qtype: dns.TypeA, wantAuth: true, answer: []string{db1A}},
		{name: "case-insensitive, asker spelling echoed", qname: "DB1.Cluster-ABC.us-east-1.rds.AMAZONAWS.com", qtype: dns.TypeA, wantAuth: true,
			answer: []string{"DB1.Cluster-ABC.us-east-1.rds.AMAZONAWS.com. A 127.0.0.2"}},
		{name: "CNAME followed in zone", qname: "writer.rds.amazonaws.com.", qtype: dns.TypeA, wantAuth: true, answer: []string{cnameW, db1A}},
		{name: "CNAME chain", qname: "c1.rds.amazonaws.com.", qtype: dns.TypeA, wantAuth: true, answer: []string{
			"c1.rds.amazonaws.com. CNAME c2.rds.amazonaws.com.", "c2.rds.amazonaws.com. CNAME writer.rds.amazonaws.com.", cnameW, db1A}},
		{name: "CNAME across table zones", qname: "alias.example.test.", qtype: dns.TypeA, wantAuth: true,
			answer: []string{"alias.example.test. CNAME writer.rds.amazonaws.com.", cnameW, db1A}},
		{name: "CNAME to target with no AAAA", qname: "writer.rds.amazonaws.com.", qtype: dns.TypeAAAA, wantAuth: true, answer: []string{cnameW}, nsSOA: true},
		{name: "CNAME qtype not followed", qname: "writer.rds.amazonaws.com.", qtype: dns.TypeCNAME, wantAuth: true, answer: []string{cnameW}},
		{name: "CNAME out of zone", qname: "ext.rds.amazonaws.com.", qtype: dns.TypeA, wantAuth: true, answer: []string{"ext.rds.amazonaws.com. CNAME www.example.org."}},
		{name: "CNAME to missing name", qname: "dangling.rds.amazonaws.com.", qtype: dns.TypeA, wantAuth: true, rcode: nxdomain,
			answer: []string{"dangling.rds.amazonaws.com. CNAME missing.rds.amazonaws.com."}, nsSOA: true},
		{name: "CNAME loop", qname: "loop1.rds.amazonaws.com.", qtype: dns.TypeA, wantAuth: true, rcode: dns.RcodeServerFailure, answer: []string{
			"loop1.rds.amazonaws.com. CNAME loop2.rds.amazonaws.com.", "loop2.rds.amazonaws.com. CNAME loop1.rds.amazonaws.com.",
			"loop1.rds.amazonaws.com. CNAME loop2.rds.amazonaws.com.", "loop2.rds.amazonaws.com. CNAME loop1.rds.amazonaws.com.",
			"loop1.rds.amazonaws.com. CNAME loop2.rds.amazonaws.com.", "loop2.rds.amazonaws.com. CNAME loop1.rds.amazonaws.com.",
			"loop1.rds.amazonaws.com. CNAME loop2.rds.amazonaws.com.", "loop2.rds.amazonaws.com. CNAME loop1.rds.amazonaws.com."}},
		{name: "AAAA", qname: "dual.rds.amazonaws.com.", qtype: dns.TypeAAAA, wantAuth: true, answer: []string{"dual.rds.amazonaws.com. AAAA ::1"}},
		{name: "A of dual stack", qname: "dual.rds.amazonaws.com.", qtype: dns.TypeA, wantAuth: true, answer: []string{"dual.rds.amazonaws.com. A 127.0.0.3"}},
		{name: "NODATA", qname: db1, qtype: dns.TypeAAAA, wantAuth: true, nsSOA: true},
		{name: "NODATA TXT", qname: db1, qtype: dns.TypeTXT, wantAuth: true, nsSOA: true},
		{name: "NXDOMAIN", qname: "nope.rds.amazonaws.com.", qtype: dns.TypeA, wantAuth: true, rcode: nxdomain, nsSOA: true},
		{name: "NXDOMAIN below existing name", qname: "sub." + db1, qtype: dns.TypeA, wantAuth: true, rcode: nxdomain, nsSOA: true},
		{name: "empty non-terminal is NODATA", qname: "x.rds.amazonaws.com.", qtype: dns.TypeA, wantAuth: true, nsSOA: true},
		{name: "ENT of deeper name", qname: "cluster-abc.us-east-1.rds.amazonaws.com.", qtype: dns.TypeA, wantAuth: true, nsSOA: true},
		{name: "apex SOA", qname: "rds.amazonaws.com.", qtype: dns.TypeSOA, wantAuth: true, answer: []string{soa}},
		{name: "apex NS", qname: "rds.amazonaws.com.", qtype: dns.TypeNS, wantAuth: true, answer: []string{"rds.amazonaws.com. NS ns1.rds.amazonaws.com."}},
		{name: "apex A is NODATA", qname: "rds.amazonaws.com.", qtype: dns.TypeA, wantAuth: true, nsSOA: true},
		{name: "ANY", qname: "dual.rds.amazonaws.com.", qtype: dns.TypeANY, wantAuth: true,
			answer: []string{"dual.rds.amazonaws.com. A 127.0.0.3", "dual.rds.amazonaws.com. AAAA ::1"}},
		{name: "parent of zone", qname: "amazonaws.com.", qtype: dns.TypeSOA},
		{name: "other zone", qname: "www.example.org.", qtype: dns.TypeA},
		{name: "record outside zones not served", qname: "outside.example.org.", qtype: dns.TypeA},
		{name: "class CH", qname: db1, qtype: dns.TypeA, qclass: dns.ClassCHAOS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := dns.Question{Name: tt.qname, Qtype: tt.qtype, Qclass: dns.ClassINET}
			if tt.qclass != 0 {
				q.Qclass = tt.qclass
			}
			res, ok := tbl.Answer(q)
			if ok != tt.wantAuth {
				t.Fatalf("authoritative = %v, want %v", ok, tt.wantAuth)
			}
			if !ok {
				return
			}
			if res.Rcode != tt.rcode {
				t.Errorf("rcode = %s, want %s", dns.RcodeToString[res.Rcode], dns.RcodeToString[tt.rcode])
			}
			got := summary(res.Answer)
			for i := range got { // the SOA serial varies; compare its prefix
				if strings.HasPrefix(got[i], soa) {
					got[i] = soa
				}
			}
			if !slices.Equal(got, tt.answer) {
				t.Errorf("answer:\n got %q\nwant %q", got, tt.answer)
			}
			if gotSOA := len(res.Ns) == 1 && res.Ns[0].Header().Rrtype == dns.TypeSOA; gotSOA != tt.nsSOA {
				t.Errorf("authority = %q, want SOA: %v", summary(res.Ns), tt.nsSOA)
			}
		})
	}
}

func TestTable_Set(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Table)
		qname  string
		qtype  uint16
		rcode  int
		answer []string
	}{
		{name: "SetA replaces set", change: func(t *Table) { t.SetA(db1, 5, net.ParseIP("127.0.0.9"), net.ParseIP("127.0.0.8")) },
			qname: db1, qtype: dns.TypeA, answer: []string{db1 + " A 127.0.0.9", db1 + " A 127.0.0.8"}},
		{name: "SetCNAME replaces A", change: func(t *Table) { t.SetCNAME(db1, "other.rds.amazonaws.com.", 5) },
			qname: db1, qtype: dns.TypeA, rcode: dns.RcodeNameError, answer: []string{db1 + " CNAME other.rds.amazonaws.com."}},
		{name: "SetA replaces CNAME", change: func(t *Table) { t.SetA("writer.rds.amazonaws.com.", 5, net.ParseIP("127.0.0.7")) },
			qname: "writer.rds.amazonaws.com.", qtype: dns.TypeA, answer: []string{"writer.rds.amazonaws.com. A 127.0.0.7"}},
		{name: "Delete", change: func(t *Table) { t.Delete(strings.ToUpper(db1)) }, qname: db1, qtype: dns.TypeA, rcode: dns.RcodeNameError},
		{name: "SetA without addresses deletes", change: func(t *Table) { t.SetA(db1, 5) }, qname: db1, qtype: dns.TypeA, rcode: dns.RcodeNameError},
		{name: "Delete removes empty non-terminal", change: func(t *Table) { t.Delete("a.x.rds.amazonaws.com.") },
			qname: "x.rds.amazonaws.com.", qtype: dns.TypeA, rcode: dns.RcodeNameError},
		{name: "ENT stays while a child remains", change: func(t *Table) {
			t.SetA("b.x.rds.amazonaws.com.", 5, net.ParseIP("127.0.0.1"))
			t.Delete("a.x.rds.amazonaws.com.")
		}, qname: "x.rds.amazonaws.com.", qtype: dns.TypeA},
		{name: "Delete absent is no-op", change: func(t *Table) { t.Delete("absent.rds.amazonaws.com.") },
			qname: db1, qtype: dns.TypeA, answer: []string{db1 + " A 127.0.0.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl := newTestTable()
			tt.change(tbl)
			res, ok := tbl.Answer(dns.Question{Name: tt.qname, Qtype: tt.qtype, Qclass: dns.ClassINET})
			if !ok {
				t.Fatal("not authoritative")
			}
			if res.Rcode != tt.rcode {
				t.Errorf("rcode = %s, want %s", dns.RcodeToString[res.Rcode], dns.RcodeToString[tt.rcode])
			}
			if got := summary(res.Answer); !slices.Equal(got, tt.answer) {
				t.Errorf("answer:\n got %q\nwant %q", got, tt.answer)
			}
		})
	}
}

func TestTable_Serial(t *testing.T) {
	tbl := NewTable(rdsZone, "other.test.")
	serial := func(zone string) uint32 {
		res, ok := tbl.Answer(dns.Question{Name: zone, Qtype: dns.TypeSOA, Qclass: dns.ClassINET})
		if !ok || len(res.Answer) != 1 {
			t.Fatalf("no SOA for %s: %v %v", zone, ok, res)
		}
		return res.Answer[0].(*dns.SOA).Serial
	}
	steps := []struct {
		name       string
		change     func()
		rds, other uint32
	}{
		{name: "initial", change: func() {}, rds: 1, other: 1},
		{name: "SetA bumps its zone", change: func() { tbl.SetA(db1, 5, net.ParseIP("127.0.0.1")) }, rds: 2, other: 1},
		{name: "SetCNAME bumps", change: func() { tbl.SetCNAME("w.other.test.", db1, 5) }, rds: 2, other: 2},
		{name: "Delete bumps", change: func() { tbl.Delete(db1) }, rds: 3, other: 2},
		{name: "Delete absent does not", change: func() { tbl.Delete(db1) }, rds: 3, other: 2},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.change()
			if got := serial(rdsZone); got != s.rds {
				t.Errorf("rds serial = %d, want %d", got, s.rds)
			}
			if got := serial("other.test."); got != s.other {
				t.Errorf("other serial = %d, want %d", got, s.other)
			}
		})
	}
}

func FuzzTable_Answer(f *testing.F) {
	for _, seed := range []string{db1, "writer.rds.amazonaws.com.", "x.rds.amazonaws.com", "RDS.AMAZONAWS.COM.", ".", "", "a\\.b.rds.amazonaws.com.", "..rds.amazonaws.com."} {
		f.Add(seed, dns.TypeA)
	}
	pristine := newTestTable()
	f.Fuzz(func(t *testing.T, name string, qtype uint16) {
		tbl := newTestTable()
		for _, q := range []string{name, "n." + name} {
			res, ok := tbl.Answer(dns.Question{Name: q, Qtype: qtype, Qclass: dns.ClassINET})
			if !ok {
				continue
			}
			negative := res.Rcode == dns.RcodeNameError || (res.Rcode == dns.RcodeSuccess && len(res.Answer) == 0)
			if negative && (len(res.Ns) != 1 || res.Ns[0].Header().Rrtype != dns.TypeSOA) {
				t.Fatalf("negative answer for %q without SOA: %+v", q, res)
			}
			if len(res.Answer) > maxCNAMEHops+1 {
				t.Fatalf("answer for %q too long: %d records", q, len(res.Answer))
			}
		}
		if _, existed := tbl.nodes[dns.CanonicalName(name)]; existed {
			return
		}
		tbl.SetA(name, 5, net.ParseIP("127.0.0.1"))
		tbl.Delete(name) // arbitrary names must leave the table as it was
		if len(tbl.nodes) != len(pristine.nodes) || len(tbl.children) != len(pristine.children) {
			t.Fatalf("set+delete of %q changed the table: %d nodes, %d ENTs", name, len(tbl.nodes), len(tbl.children))
		}
		for k, v := range pristine.children {
			if tbl.children[k] != v {
				t.Fatalf("set+delete of %q changed children[%q] = %d, want %d", name, k, tbl.children[k], v)
			}
		}
	})
}
