package route53

import (
	"net"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"
)

func question(name string, qtype uint16) dns.Question {
	return dns.Question{Name: name, Qtype: qtype, Qclass: dns.ClassINET}
}

// firstValue returns the RDATA of the answer's last record.
func lastValue(rrs []dns.RR) string {
	if len(rrs) == 0 {
		return ""
	}
	rr := rrs[len(rrs)-1]
	return rr.String()[len(rr.Header().String()):]
}

func TestService_Answer(t *testing.T) {
	f := newFixture(t)
	z := f.zone(t, "example.com")
	sub := f.zone(t, "sub.example.com")
	f.mustChange(t, z,
		create(simple("www.example.com", types.RRTypeA, 300, "192.0.2.1")),
		create(simple("cn.example.com", types.RRTypeCname, 30, "www.example.com")),
		create(simple("ext.example.com", types.RRTypeCname, 10, "db.cluster-x.us-east-1.rds.amazonaws.com")),
		create(simple("into-sub.example.com", types.RRTypeCname, 20, "x.sub.example.com")),
		create(simple("a.b.c.example.com", types.RRTypeA, 60, "192.0.2.3")),
		create(simple("loop1.example.com", types.RRTypeCname, 60, "loop2.example.com")),
		create(simple("loop2.example.com", types.RRTypeCname, 60, "loop1.example.com")),
		create(alias("al.example.com", z, "www.example.com", false)),
	)
	f.mustChange(t, sub, create(simple("x.sub.example.com", types.RRTypeA, 45, "192.0.2.4")))
	tests := []struct {
		name    string
		q       dns.Question
		ok      bool
		rcode   int
		answers int
		ttl     uint32 // of the last answer
		value   string // of the last answer
		soa     bool
	}{
		{"A", question("www.example.com.", dns.TypeA), true, 0, 1, 300, "192.0.2.1", false},
		{"case-insensitive", question("WWW.Example.COM.", dns.TypeA), true, 0, 1, 300, "192.0.2.1", false},
		{"NODATA for another type", question("www.example.com.", dns.TypeAAAA), true, 0, 0, 0, "", true},
		{"NXDOMAIN", question("nope.example.com.", dns.TypeA), true, dns.RcodeNameError, 0, 0, "", true},
		{"empty non-terminal", question("b.c.example.com.", dns.TypeA), true, 0, 0, 0, "", true},
		{"CNAME followed in the zone", question("cn.example.com.", dns.TypeA), true, 0, 2, 300, "192.0.2.1", false},
		{"CNAME asked for", question("cn.example.com.", dns.TypeCNAME), true, 0, 1, 30, "www.example.com.", false},
		{"CNAME answers any type", question("cn.example.com.", dns.TypeTXT), true, 0, 1, 30, "www.example.com.", true},
		{"CNAME out of our zones", question("ext.example.com.", dns.TypeA), true, 0, 1, 10, "db.cluster-x.us-east-1.rds.amazonaws.com.", false},
		{"CNAME into another zone", question("into-sub.example.com.", dns.TypeA), true, 0, 2, 45, "192.0.2.4", false},
		{"CNAME loop", question("loop1.example.com.", dns.TypeA), true, dns.RcodeServerFailure, 8, 60, "", false},
		{"alias takes the target's TTL", question("al.example.com.", dns.TypeA), true, 0, 1, 300, "192.0.2.1", false},
		{"most specific zone", question("x.sub.example.com.", dns.TypeA), true, 0, 1, 45, "192.0.2.4", false},
		{"apex SOA", question("example.com.", dns.TypeSOA), true, 0, 1, 900, "", false},
		{"apex NS", question("example.com.", dns.TypeNS), true, 0, 4, 172800, "", false},
		{"apex NODATA", question("example.com.", dns.TypeA), true, 0, 0, 0, "", true},
		{"not ours", question("www.example.org.", dns.TypeA), false, 0, 0, 0, "", false},
		{"class CH", dns.Question{Name: "www.example.com.", Qtype: dns.TypeA, Qclass: dns.ClassCHAOS}, false, 0, 0, 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ok := f.s.Answer(tt.q)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if res.Rcode != tt.rcode || len(res.Answer) != tt.answers {
				t.Fatalf("rcode %s with %d answers, want %s with %d: %v", dns.RcodeToString[res.Rcode], len(res.Answer), dns.RcodeToString[tt.rcode], tt.answers, res.Answer)
			}
			if tt.answers > 0 {
				last := res.Answer[len(res.Answer)-1]
				if last.Header().Ttl != tt.ttl || (tt.value != "" && lastValue(res.Answer) != tt.value) {
					t.Errorf("last answer %v, want TTL %d value %s", last, tt.ttl, tt.value)
				}
				if res.Answer[0].Header().Name != dns.Fqdn(tt.q.Name) {
					t.Errorf("owner %s, want the asker's spelling %s", res.Answer[0].Header().Name, tt.q.Name)
				}
			}
			gotSOA := len(res.Ns) == 1 && res.Ns[0].Header().Rrtype == dns.TypeSOA && res.Ns[0].Header().Ttl == apexSOATTL
			if tt.soa && !gotSOA || !tt.soa && len(res.Ns) > 0 && tt.rcode == 0 && tt.answers > 0 && tt.q.Qtype != dns.TypeTXT {
				t.Errorf("authority %v, want SOA=%v", res.Ns, tt.soa)
			}
		})
	}
}

func TestService_AnswerFrom_failover(t *testing.T) {
	f := newFixture(t)
	z := f.zone(t, "example.com")
	p, s := f.check(t, "p", "93.184.215.1"), f.check(t, "s", "93.184.215.2")
	f.mustChange(t, z,
		create(failover("db.example.com", "primary", "PRIMARY", p, "192.0.2.1")),
		create(failover("db.example.com", "secondary", "SECONDARY", s, "192.0.2.2")),
		create(failover("nocheck.example.com", "primary", "PRIMARY", "", "192.0.2.1")),
		create(failover("nocheck.example.com", "secondary", "SECONDARY", s, "192.0.2.2")),
	)
	tests := []struct {
		name     string
		pUp, sUp bool
		qname    string
		want     string
	}{
		{"both healthy", true, true, "db.example.com.", "192.0.2.1"},
		{"primary down", false, true, "db.example.com.", "192.0.2.2"},
		{"both down: primary", false, false, "db.example.com.", "192.0.2.1"},
		{"secondary down", true, false, "db.example.com.", "192.0.2.1"},
		{"primary without a check is healthy", false, true, "nocheck.example.com.", "192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.health.set(p, tt.pUp)
			f.health.set(s, tt.sUp)
			res, _ := f.s.AnswerFrom(question(tt.qname, dns.TypeA), net.ParseIP("10.0.0.1"))
			if got := lastValue(res.Answer); got != tt.want || res.Answer[0].Header().Ttl != 60 {
				t.Errorf("answer %v, want %s with TTL 60", res.Answer, tt.want)
			}
		})
	}
}

func TestService_AnswerFrom_weighted(t *testing.T) {
	f := newFixture(t)
	z := f.zone(t, "example.com")
	one, three, zero := f.check(t, "1", "93.184.215.1"), f.check(t, "3", "93.184.215.3"), f.check(t, "0", "93.184.215.9")
	f.mustChange(t, z,
		create(weighted("w.example.com", "one", 1, one, "192.0.2.1")),
		create(weighted("w.example.com", "three", 3, three, "192.0.2.3")),
		create(weighted("w.example.com", "zero", 0, zero, "192.0.2.9")),
	)
	tests := []struct {
		name string
		down []string
		want map[string]float64 // share of 1000 draws
	}{
		{"by weight", nil, map[string]float64{"192.0.2.1": 0.25, "192.0.2.3": 0.75}},
		{"unhealthy skipped", []string{three}, map[string]float64{"192.0.2.1": 1}},
		{"weight 0 when no positive one is healthy", []string{one, three}, map[string]float64{"192.0.2.9": 1}},
		{"all unhealthy: all considered", []string{one, three, zero}, map[string]float64{"192.0.2.1": 0.25, "192.0.2.3": 0.75}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, id := range []string{one, three, zero} {
				f.health.set(id, true)
			}
			for _, id := range tt.down {
				f.health.set(id, false)
			}
			counts := map[string]int{}
			const draws = 1000
			for range draws {
				res, _ := f.s.Answer(question("w.example.com.", dns.TypeA))
				counts[lastValue(res.Answer)]++
			}
			for v, share := range tt.want {
				if got := float64(counts[v]) / draws; got < share-0.05 || got > share+0.05 {
					t.Errorf("%s answered %.3f of the time, want %.2f±0.05 (counts %v)", v, got, share, counts)
				}
			}
			if len(counts) != len(tt.want) {
				t.Errorf("answers %v, want only %v", counts, tt.want)
			}
		})
	}
}

func TestService_AnswerFrom_latency(t *testing.T) {
	f := newFixture(t)
	z := f.zone(t, "example.com")
	use1 := f.check(t, "use1", "93.184.215.1")
	f.mustChange(t, z,
		create(latency("api.example.com", "us-east-1", use1, "192.0.2.1")),
		create(latency("api.example.com", "eu-west-1", "", "192.0.2.2")),
		create(latency("api.example.com", "ap-southeast-2", "", "192.0.2.3")),
	)
	tests := []struct {
		name     string
		client   string
		use1Down bool
		want     string
	}{
		{"own region", "10.0.0.2", false, "192.0.2.2"},
		{"own region, another", "10.0.0.3", false, "192.0.2.3"},
		{"nearest region (sa-east-1 → us-east-1)", "10.0.0.4", false, "192.0.2.1"},
		{"unknown client: default region", "", false, "192.0.2.1"},
		{"own region unhealthy: nearest healthy", "10.0.0.1", true, "192.0.2.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.health.set(use1, !tt.use1Down)
			res, _ := f.s.AnswerFrom(question("api.example.com.", dns.TypeA), net.ParseIP(tt.client))
			if got := lastValue(res.Answer); got != tt.want {
				t.Errorf("answer %s, want %s", got, tt.want)
			}
		})
	}
	out, err := f.s.TestDNSAnswer(ctx, "", &sdk.TestDNSAnswerInput{HostedZoneId: ptr(z), RecordName: ptr("api.example.com"), RecordType: types.RRTypeA, ResolverIP: ptr("10.0.0.3")})
	if err != nil || len(out.RecordData) != 1 || out.RecordData[0] != "192.0.2.3" || *out.ResponseCode != "NOERROR" {
		t.Errorf("TestDNSAnswer = %+v, %v", out, err)
	}
	out, err = f.s.TestDNSAnswer(ctx, "", &sdk.TestDNSAnswerInput{HostedZoneId: ptr(z), RecordName: ptr("none.example.com"), RecordType: types.RRTypeA})
	if err != nil || len(out.RecordData) != 0 || *out.ResponseCode != "NXDOMAIN" {
		t.Errorf("TestDNSAnswer NXDOMAIN = %+v, %v", out, err)
	}
}

func TestService_AnswerFrom_alias(t *testing.T) {
	f := newFixture(t)
	z := f.zone(t, "example.com")
	blue := f.check(t, "blue", "93.184.215.1")
	f.mustChange(t, z,
		create(failover("blue.example.com", "b", "PRIMARY", blue, "192.0.2.1")),
		create(failover("blue.example.com", "g", "SECONDARY", "", "192.0.2.5")),
		create(simple("green.example.com", types.RRTypeA, 120, "192.0.2.2")),
	)
	primary := alias("app.example.com", z, "blue.example.com", true)
	primary.SetIdentifier, primary.Failover = ptr("p"), "PRIMARY"
	secondary := alias("app.example.com", z, "green.example.com", false)
	secondary.SetIdentifier, secondary.Failover = ptr("s"), "SECONDARY"
	f.mustChange(t, z, create(primary), create(secondary))
	// The target group of the primary alias is healthy while any record is:
	// its SECONDARY has no check, so the alias stays healthy and answers the
	// blue group's choice.
	tests := []struct {
		name   string
		blueUp bool
		drop   bool // remove blue's unchecked secondary
		want   string
		ttl    uint32
	}{
		{"target healthy", true, false, "192.0.2.1", 60},
		{"target group still healthy via its secondary", false, false, "192.0.2.5", 60},
		{"target unhealthy: alias secondary", false, true, "192.0.2.2", 120},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.health.set(blue, tt.blueUp)
			if tt.drop {
				f.mustChange(t, z, del(failover("blue.example.com", "g", "SECONDARY", "", "192.0.2.5")))
			}
			res, _ := f.s.Answer(question("app.example.com.", dns.TypeA))
			if len(res.Answer) != 1 || lastValue(res.Answer) != tt.want || res.Answer[0].Header().Ttl != tt.ttl || res.Answer[0].Header().Name != "app.example.com." {
				t.Errorf("answer %v, want %s TTL %d", res.Answer, tt.want, tt.ttl)
			}
		})
	}
}
