package dnsserver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// startServer runs a Server for tbl on a loopback port until the test ends.
func startServer(t *testing.T, tbl *Table) *Server {
	t.Helper()
	srv := New("127.0.0.1:0", slog.New(slog.DiscardHandler), tbl)
	if err := srv.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

func TestServer_Query(t *testing.T) {
	tbl := newTestTable()
	many := make([]net.IP, 100)
	for i := range many {
		many[i] = net.IPv4(127, 1, 0, byte(i))
	}
	tbl.SetA("many.rds.amazonaws.com.", 5, many...)
	srv := startServer(t, tbl)

	tests := []struct {
		name    string
		net     string
		qname   string
		qtype   uint16
		edns    uint16 // 0: no OPT in the query
		rcode   int
		aa      bool
		answers int
		tc      bool
		nsSOA   bool
	}{
		{name: "udp A", net: "udp", qname: db1, qtype: dns.TypeA, aa: true, answers: 1},
		{name: "udp CNAME chain", net: "udp", qname: "c1.rds.amazonaws.com.", qtype: dns.TypeA, aa: true, answers: 4},
		{name: "udp NXDOMAIN", net: "udp", qname: "nope.rds.amazonaws.com.", qtype: dns.TypeA, rcode: dns.RcodeNameError, aa: true, nsSOA: true},
		{name: "udp NODATA", net: "udp", qname: db1, qtype: dns.TypeAAAA, aa: true, nsSOA: true},
		{name: "udp REFUSED", net: "udp", qname: "www.example.org.", qtype: dns.TypeA, rcode: dns.RcodeRefused},
		{name: "udp EDNS0", net: "udp", qname: db1, qtype: dns.TypeA, edns: 4096, aa: true, answers: 1},
		{name: "udp truncated without EDNS0", net: "udp", qname: "many.rds.amazonaws.com.", qtype: dns.TypeA, aa: true, tc: true},
		{name: "udp truncated at 1232 with EDNS0", net: "udp", qname: "many.rds.amazonaws.com.", qtype: dns.TypeA, edns: 4096, aa: true, tc: true},
		{name: "tcp A", net: "tcp", qname: db1, qtype: dns.TypeA, aa: true, answers: 1},
		{name: "tcp not truncated", net: "tcp", qname: "many.rds.amazonaws.com.", qtype: dns.TypeA, aa: true, answers: 100},
		{name: "tcp NXDOMAIN", net: "tcp", qname: "nope.rds.amazonaws.com.", qtype: dns.TypeA, rcode: dns.RcodeNameError, aa: true, nsSOA: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := new(dns.Msg).SetQuestion(tt.qname, tt.qtype)
			if tt.edns != 0 {
				q.SetEdns0(tt.edns, false)
			}
			c := &dns.Client{Net: tt.net, Timeout: 5 * time.Second, UDPSize: 65535}
			r, _, err := c.Exchange(q, srv.Addr())
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if r.Rcode != tt.rcode || r.Authoritative != tt.aa || r.Truncated != tt.tc {
				t.Errorf("rcode=%s aa=%v tc=%v, want %s %v %v", dns.RcodeToString[r.Rcode], r.Authoritative, r.Truncated,
					dns.RcodeToString[tt.rcode], tt.aa, tt.tc)
			}
			if !tt.tc && len(r.Answer) != tt.answers {
				t.Errorf("%d answers, want %d: %v", len(r.Answer), tt.answers, r.Answer)
			}
			if tt.tc && len(r.Answer) >= 100 {
				t.Errorf("truncated reply still carries all %d answers", len(r.Answer))
			}
			if gotSOA := len(r.Ns) == 1 && r.Ns[0].Header().Rrtype == dns.TypeSOA; gotSOA != tt.nsSOA {
				t.Errorf("authority %v, want SOA: %v", r.Ns, tt.nsSOA)
			}
			assertOPT(t, r, tt.edns != 0)
			r.Compress = true // the wire form was compressed; Len measures as packed
			if size := r.Len(); tt.net == "udp" && size > max(dns.MinMsgSize, min(int(tt.edns), UDPSize)) {
				t.Errorf("udp reply of %d bytes exceeds the client's buffer", size)
			}
		})
	}
}

// assertOPT checks the reply has an OPT advertising UDPSize iff the query had one.
func assertOPT(t *testing.T, r *dns.Msg, want bool) {
	t.Helper()
	opt := r.IsEdns0()
	switch {
	case want && opt == nil:
		t.Error("reply has no OPT record")
	case want && opt.UDPSize() != UDPSize:
		t.Errorf("OPT UDP size = %d, want %d", opt.UDPSize(), UDPSize)
	case !want && opt != nil:
		t.Errorf("unexpected OPT in reply: %v", opt)
	}
}

func TestServer_Reply(t *testing.T) {
	srv := New("127.0.0.1:0", nil, newTestTable())
	tests := []struct {
		name  string
		build func() *dns.Msg
		rcode int
	}{
		{name: "BADVERS", rcode: dns.RcodeBadVers, build: func() *dns.Msg {
			m := new(dns.Msg).SetQuestion(db1, dns.TypeA).SetEdns0(1232, false)
			m.IsEdns0().SetVersion(1)
			return m
		}},
		{name: "two questions", rcode: dns.RcodeFormatError, build: func() *dns.Msg {
			m := new(dns.Msg).SetQuestion(db1, dns.TypeA)
			m.Question = append(m.Question, m.Question[0])
			return m
		}},
		{name: "NOTIFY opcode", rcode: dns.RcodeNotImplemented, build: func() *dns.Msg {
			return new(dns.Msg).SetNotify("rds.amazonaws.com.")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := srv.reply(tt.build(), true, nil)
			if _, err := m.Pack(); err != nil {
				t.Fatalf("Pack: %v", err)
			}
			if m.Rcode != tt.rcode || m.Authoritative {
				t.Errorf("rcode=%s aa=%v, want %s false", dns.RcodeToString[m.Rcode], m.Authoritative, dns.RcodeToString[tt.rcode])
			}
		})
	}
}

func TestServer_Start(t *testing.T) {
	t.Run("same port for udp and tcp", func(t *testing.T) {
		srv := startServer(t, NewTable(rdsZone))
		for _, network := range []string{"udp", "tcp"} {
			c := &dns.Client{Net: network, Timeout: 5 * time.Second}
			r, _, err := c.Exchange(new(dns.Msg).SetQuestion(rdsZone, dns.TypeSOA), srv.Addr())
			if err != nil || len(r.Answer) != 1 {
				t.Errorf("%s SOA query on %s: %v %v", network, srv.Addr(), err, r)
			}
		}
	})
	t.Run("port in use", func(t *testing.T) {
		first := startServer(t, NewTable(rdsZone))
		second := New(first.Addr(), nil, NewTable(rdsZone))
		if err := second.Start(t.Context()); err == nil {
			_ = second.Close()
			t.Fatal("second Start on a used port succeeded")
		}
	})
	t.Run("context cancel closes", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		srv := New("127.0.0.1:0", nil, NewTable(rdsZone))
		if err := srv.Start(ctx); err != nil {
			t.Fatalf("Start: %v", err)
		}
		cancel()
		deadline := time.Now().Add(5 * time.Second)
		for {
			conn, err := net.DialTimeout("tcp", srv.Addr(), time.Second)
			if err != nil {
				break // listener gone
			}
			_ = conn.Close()
			if time.Now().After(deadline) {
				t.Fatal("server still accepting after context cancel")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err := srv.Close(); err != nil {
			t.Errorf("Close after cancel: %v", err)
		}
	})
}

func TestResolver(t *testing.T) {
	tbl := newTestTable()
	srv := startServer(t, tbl)
	r := Resolver(srv.Addr())
	tests := []struct {
		name    string
		host    string
		want    []string
		notHost bool
	}{
		{name: "CNAME to loopback", host: "writer.rds.amazonaws.com", want: []string{"127.0.0.2"}},
		{name: "chain with trailing dot", host: "c1.rds.amazonaws.com.", want: []string{"127.0.0.2"}},
		{name: "dual stack", host: "dual.rds.amazonaws.com", want: []string{"127.0.0.3", "::1"}},
		{name: "missing", host: "nope.rds.amazonaws.com", notHost: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			got, err := r.LookupHost(ctx, tt.host)
			if tt.notHost {
				if dnsErr, ok := err.(*net.DNSError); !ok || !dnsErr.IsNotFound {
					t.Fatalf("LookupHost = %v, %v; want not-found", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("LookupHost: %v", err)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("LookupHost = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("sees live changes", func(t *testing.T) {
		tbl.SetCNAME("writer.rds.amazonaws.com.", "dual.rds.amazonaws.com.", 1)
		got, err := r.LookupHost(t.Context(), "writer.rds.amazonaws.com")
		if err != nil || !slices.Contains(got, "127.0.0.3") {
			t.Fatalf("LookupHost after SetCNAME = %v, %v", got, err)
		}
	})
}

func ExampleResolver() {
	tbl := NewTable("rds.amazonaws.com.")
	tbl.SetA("db.cluster-x.us-east-1.rds.amazonaws.com.", 5, net.ParseIP("127.0.0.9"))
	srv := New("127.0.0.1:0", nil, tbl)
	if err := srv.Start(context.Background()); err != nil {
		panic(err)
	}
	defer srv.Close()
	addrs, err := Resolver(srv.Addr()).LookupHost(context.Background(), "db.cluster-x.us-east-1.rds.amazonaws.com")
	fmt.Println(addrs, err)
	// Output: [127.0.0.9] <nil>
}
