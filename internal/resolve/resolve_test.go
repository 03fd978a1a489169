package resolve

import (
	"context"
	"errors"
	"net"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/miekg/dns"
)

// zoneTest is the hosted zone under test, served by an authoritative-only
// server. h0 starts a chain of 9 CNAMEs, h1 one of 8.
const zoneTest = `
a.zone.test.         300 IN A     192.0.2.1
v6.zone.test.        300 IN AAAA  2001:db8::1
dual.zone.test.      300 IN A     192.0.2.2
dual.zone.test.      300 IN AAAA  2001:db8::2
www.zone.test.        60 IN CNAME a.zone.test.
chain.zone.test.      30 IN CNAME www.zone.test.
seed.zone.test.        5 IN CNAME writer.rds.test.
dangling.zone.test.    5 IN CNAME gone.rds.test.
broken.zone.test.      5 IN CNAME missing.zone.test.
loop1.zone.test.      10 IN CNAME loop2.zone.test.
loop2.zone.test.      10 IN CNAME loop1.zone.test.
h0.zone.test.         10 IN CNAME h1.zone.test.
h1.zone.test.         10 IN CNAME h2.zone.test.
h2.zone.test.         10 IN CNAME h3.zone.test.
h3.zone.test.         10 IN CNAME h4.zone.test.
h4.zone.test.         10 IN CNAME h5.zone.test.
h5.zone.test.         10 IN CNAME h6.zone.test.
h6.zone.test.         10 IN CNAME h7.zone.test.
h7.zone.test.         10 IN CNAME h8.zone.test.
h8.zone.test.         10 IN CNAME a.zone.test.
big.zone.test.       300 IN A     192.0.2.10
big.zone.test.       300 IN A     192.0.2.11
big.zone.test.       300 IN A     192.0.2.12
big.zone.test.       300 IN A     192.0.2.13
text.zone.test.      300 IN TXT   "no address here"
`

// rdsTest is the world outside the zone: the name server's address and
// the database endpoints the zone's CNAMEs point at.
const rdsTest = `
ns1.ns.test.          300 IN A     127.0.0.1
writer.rds.test.        5 IN CNAME instance-1.rds.test.
instance-1.rds.test.    5 IN A     198.51.100.10
`

// zoneServer answers from records. It chases CNAMEs inside origin ("" for
// any name) in one reply when chase is set, as authoritative servers and
// recursive resolvers do; otherwise each reply holds one hop.
type zoneServer struct {
	records  map[string][]dns.RR
	chase    bool
	origin   string
	refuseRD bool // REFUSED to recursive queries, like Route 53's servers for other zones
	truncate map[string]bool
}

func (z *zoneServer) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = z.refuseRD
	q := r.Question[0]
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	switch {
	case z.refuseRD && r.RecursionDesired:
		m.Rcode = dns.RcodeRefused
	case udp && z.truncate[dns.CanonicalName(q.Name)]:
		m.Truncated = true
	default:
		m.Rcode, m.Answer = z.answer(dns.CanonicalName(q.Name), q.Qtype)
	}
	_ = w.WriteMsg(m)
}

func (z *zoneServer) answer(name string, qtype uint16) (int, []dns.RR) {
	var ans []dns.RR
	for range 16 {
		rrs, ok := z.records[name]
		if !ok {
			return dns.RcodeNameError, ans
		}
		if i := slices.IndexFunc(rrs, func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeCNAME }); i >= 0 {
			ans = append(ans, rrs[i])
			name = dns.CanonicalName(rrs[i].(*dns.CNAME).Target)
			if !z.chase || (z.origin != "" && !dns.IsSubDomain(z.origin, name)) {
				return dns.RcodeSuccess, ans
			}
			continue
		}
		for _, rr := range rrs {
			if rr.Header().Rrtype == qtype {
				ans = append(ans, rr)
			}
		}
		return dns.RcodeSuccess, ans
	}
	return dns.RcodeSuccess, ans
}

func records(t *testing.T, zones ...string) map[string][]dns.RR {
	t.Helper()
	m := map[string][]dns.RR{}
	for _, z := range zones {
		zp := dns.NewZoneParser(strings.NewReader(z), "", "")
		for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
			name := dns.CanonicalName(rr.Header().Name)
			m[name] = append(m[name], rr)
		}
		if err := zp.Err(); err != nil {
			t.Fatalf("parse test zone: %v", err)
		}
	}
	return m
}

// serve runs h on UDP and TCP at one 127.0.0.1 port until the test ends.
func serve(t *testing.T, h dns.Handler) string {
	t.Helper()
	var pc net.PacketConn
	var l net.Listener
	for attempt := 0; l == nil; attempt++ {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if l, err = net.Listen("tcp", pc.LocalAddr().String()); err != nil {
			_ = pc.Close()
			if attempt == 16 {
				t.Fatal(err)
			}
		}
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: l, Handler: h}} {
		started, done := make(chan struct{}), make(chan error, 1)
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { done <- srv.ActivateAndServe() }()
		select {
		case <-started:
		case err := <-done:
			t.Fatalf("start dns server: %v", err)
		}
		t.Cleanup(func() {
			_ = srv.Shutdown()
			<-done
		})
	}
	return pc.LocalAddr().String()
}

// blackhole returns a UDP address that reads queries and never answers,
// and a channel that receives a value for each query read.
func blackhole(t *testing.T) (string, <-chan struct{}) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan struct{}, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, dns.MaxMsgSize)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			select {
			case got <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		_ = pc.Close()
		<-done
	})
	return pc.LocalAddr().String(), got
}

// netResolver is a Go resolver that sends every query to addr: the
// System code path, pointed at a test server.
func netResolver(addr string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
}

// servers are the test's DNS servers: auth is authoritative for zone.test
// only, fallback answers for the rest of the world one hop per reply, and
// full is a recursive resolver that sees both.
type servers struct{ auth, fallback, full string }

func startServers(t *testing.T) servers {
	t.Helper()
	big := map[string]bool{"big.zone.test.": true}
	return servers{
		auth:     serve(t, &zoneServer{records: records(t, zoneTest), chase: true, origin: "zone.test.", refuseRD: true, truncate: big}),
		fallback: serve(t, &zoneServer{records: records(t, rdsTest)}),
		full:     serve(t, &zoneServer{records: records(t, zoneTest, rdsTest), chase: true, truncate: big}),
	}
}

func (s servers) authoritative() Resolver {
	_, port, _ := net.SplitHostPort(s.auth)
	return Authoritative("zone.test", []string{"ns1.ns.test:" + port}, Server(s.fallback))
}

func TestResolver_Trace(t *testing.T) {
	s := startServers(t)
	server, auth, sys := Server(s.full), s.authoritative(), system{netResolver(s.full)}
	a := []string{"192.0.2.1"}
	writer := []Hop{{"seed.zone.test", "writer.rds.test", 5}, {"writer.rds.test", "instance-1.rds.test", 5}}
	chain := []Hop{{"chain.zone.test", "www.zone.test", 30}, {"www.zone.test", "a.zone.test", 60}}
	h1 := []Hop{
		{"h1.zone.test", "h2.zone.test", 10}, {"h2.zone.test", "h3.zone.test", 10}, {"h3.zone.test", "h4.zone.test", 10},
		{"h4.zone.test", "h5.zone.test", 10}, {"h5.zone.test", "h6.zone.test", 10}, {"h6.zone.test", "h7.zone.test", 10},
		{"h7.zone.test", "h8.zone.test", 10}, {"h8.zone.test", "a.zone.test", 10},
	}
	h0 := append([]Hop{{"h0.zone.test", "h1.zone.test", 10}}, h1...)
	big := []string{"192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13"}
	tests := []struct {
		name      string
		res       Resolver
		host      string
		wantChain []Hop
		wantAddrs []string
		wantErr   error    // nil for success
		wantMsg   []string // substrings of the error
	}{
		{name: "server/address", res: server, host: "a.zone.test", wantAddrs: a},
		{name: "server/trailing dot", res: server, host: "a.zone.test.", wantAddrs: a},
		{name: "server/aaaa only", res: server, host: "v6.zone.test", wantAddrs: []string{"2001:db8::1"}},
		{name: "server/a and aaaa", res: server, host: "dual.zone.test", wantAddrs: []string{"192.0.2.2", "2001:db8::2"}},
		{name: "server/ip literal", res: server, host: "2001:db8::5", wantAddrs: []string{"2001:db8::5"}},
		{name: "server/chain in one reply", res: server, host: "chain.zone.test", wantChain: chain, wantAddrs: a},
		{name: "server/one hop per reply", res: Server(s.fallback), host: "writer.rds.test", wantChain: writer[1:], wantAddrs: []string{"198.51.100.10"}},
		{name: "server/truncated over udp", res: server, host: "big.zone.test", wantAddrs: big},
		{name: "server/8 cnames", res: server, host: "h1.zone.test", wantChain: h1, wantAddrs: a},
		{name: "server/9 cnames", res: server, host: "h0.zone.test", wantChain: h0, wantErr: ErrCNAMELoop, wantMsg: []string{"resolve h0.zone.test: more than 8 cnames"}},
		{name: "server/loop", res: server, host: "loop1.zone.test", wantErr: ErrCNAMELoop,
			wantChain: []Hop{{"loop1.zone.test", "loop2.zone.test", 10}, {"loop2.zone.test", "loop1.zone.test", 10}},
			wantMsg:   []string{"loop2.zone.test is a cname of loop1.zone.test, already in the chain"}},
		{name: "server/nxdomain", res: server, host: "nope.zone.test", wantErr: ErrNotFound,
			wantMsg: []string{"resolve nope.zone.test: nope.zone.test: " + s.full + " answered NXDOMAIN: name not found"}},
		{name: "server/nxdomain at chain end", res: server, host: "dangling.zone.test", wantErr: ErrNotFound,
			wantChain: []Hop{{"dangling.zone.test", "gone.rds.test", 5}},
			wantMsg:   []string{"resolve dangling.zone.test: gone.rds.test: " + s.full + " answered NXDOMAIN"}},
		{name: "server/no data", res: server, host: "text.zone.test", wantErr: ErrNotFound,
			wantMsg: []string{"text.zone.test: " + s.full + " answered NOERROR with no A or AAAA records"}},
		{name: "server/zone not delegated", res: Server(s.fallback), host: "seed.zone.test", wantErr: ErrNotFound,
			wantMsg: []string{"answered NXDOMAIN"}},
		{name: "server/authoritative-only server", res: Server(s.auth), host: "a.zone.test",
			wantMsg: []string{"query a.zone.test A: 2 tries failed, last: " + s.auth + " answered REFUSED"}},

		{name: "authoritative/address", res: auth, host: "a.zone.test", wantAddrs: a},
		{name: "authoritative/case-insensitive", res: auth, host: "A.Zone.Test", wantAddrs: a},
		{name: "authoritative/chain", res: auth, host: "chain.zone.test", wantChain: chain, wantAddrs: a},
		{name: "authoritative/across zone boundary", res: auth, host: "seed.zone.test", wantChain: writer, wantAddrs: []string{"198.51.100.10"}},
		{name: "authoritative/outside zone", res: auth, host: "writer.rds.test", wantChain: writer[1:], wantAddrs: []string{"198.51.100.10"}},
		{name: "authoritative/truncated over udp", res: auth, host: "big.zone.test", wantAddrs: big},
		{name: "authoritative/8 cnames", res: auth, host: "h1.zone.test", wantChain: h1, wantAddrs: a},
		{name: "authoritative/9 cnames", res: auth, host: "h0.zone.test", wantChain: h0, wantErr: ErrCNAMELoop},
		{name: "authoritative/loop", res: auth, host: "loop2.zone.test", wantErr: ErrCNAMELoop,
			wantChain: []Hop{{"loop2.zone.test", "loop1.zone.test", 10}, {"loop1.zone.test", "loop2.zone.test", 10}}},
		{name: "authoritative/nxdomain in zone", res: auth, host: "nope.zone.test", wantErr: ErrNotFound,
			wantMsg: []string{"nope.zone.test: 127.0.0.1:"}},
		{name: "authoritative/nxdomain at chain end in zone", res: auth, host: "broken.zone.test", wantErr: ErrNotFound,
			wantChain: []Hop{{"broken.zone.test", "missing.zone.test", 5}},
			wantMsg:   []string{"resolve broken.zone.test: missing.zone.test: 127.0.0.1:"}},
		{name: "authoritative/nxdomain beyond zone", res: auth, host: "dangling.zone.test", wantErr: ErrNotFound,
			wantChain: []Hop{{"dangling.zone.test", "gone.rds.test", 5}},
			wantMsg:   []string{"resolve dangling.zone.test: resolve gone.rds.test: gone.rds.test: " + s.fallback + " answered NXDOMAIN"}},
		{name: "authoritative/no data", res: auth, host: "text.zone.test", wantErr: ErrNotFound, wantMsg: []string{"answered NOERROR with no A or AAAA records"}},

		{name: "system/address", res: sys, host: "a.zone.test.", wantAddrs: a},
		{name: "system/a and aaaa", res: sys, host: "dual.zone.test.", wantAddrs: []string{"192.0.2.2", "2001:db8::2"}},
		{name: "system/chain not shown", res: sys, host: "seed.zone.test.", wantAddrs: []string{"198.51.100.10"}},
		{name: "system/truncated over udp", res: sys, host: "big.zone.test.", wantAddrs: big},
		{name: "system/nxdomain", res: sys, host: "nope.zone.test.", wantErr: ErrNotFound, wantMsg: []string{"resolve nope.zone.test: name not found by the host's resolver", "--resolver"}},
		{name: "system/ip literal", res: sys, host: "192.0.2.99", wantAddrs: []string{"192.0.2.99"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			got, err := tt.res.Trace(ctx, tt.host)
			checkErr(t, err, tt.wantErr, tt.wantMsg)
			if !reflect.DeepEqual(got.Chain, tt.wantChain) {
				t.Errorf("Chain = %+v, want %+v", got.Chain, tt.wantChain)
			}
			if !sameAddrs(got.Addrs, tt.wantAddrs) {
				t.Errorf("Addrs = %v, want %v", got.Addrs, tt.wantAddrs)
			}
			if want := strings.TrimSuffix(tt.host, "."); got.Name != want {
				t.Errorf("Name = %q, want %q", got.Name, want)
			}
		})
	}
}

func checkErr(t *testing.T, err, wantErr error, wantMsg []string) {
	t.Helper()
	if (err != nil) != (wantErr != nil || len(wantMsg) > 0) {
		t.Fatalf("err = %v, want error %v %q", err, wantErr, wantMsg)
	}
	if wantErr != nil && !errors.Is(err, wantErr) {
		t.Errorf("err = %v, want errors.Is %v", err, wantErr)
	}
	for _, m := range wantMsg {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("err = %q, want it to contain %q", err, m)
		}
	}
}

// sameAddrs compares ignoring order: the host resolver sorts by RFC 6724.
func sameAddrs(got, want []string) bool {
	got, want = slices.Clone(got), slices.Clone(want)
	slices.Sort(got)
	slices.Sort(want)
	return slices.Equal(got, want)
}

// TestResolver_LookupHost runs LookupHost's contract against every
// implementation: an IP literal returns itself, a name returns the
// addresses Trace ends at, and a missing name is ErrNotFound.
func TestResolver_LookupHost(t *testing.T) {
	s := startServers(t)
	impls := map[string]Resolver{
		"server":        Server(s.full),
		"authoritative": s.authoritative(),
		"system":        system{netResolver(s.full)},
	}
	tests := []struct {
		name, host string
		want       []string
		wantErr    error
	}{
		{name: "ipv4 literal", host: "203.0.113.7", want: []string{"203.0.113.7"}},
		{name: "ipv6 literal", host: "2001:db8::7", want: []string{"2001:db8::7"}},
		{name: "cname across zones", host: "seed.zone.test.", want: []string{"198.51.100.10"}},
		{name: "nxdomain", host: "nope.zone.test.", wantErr: ErrNotFound},
		{name: "nxdomain beyond zone", host: "dangling.zone.test.", wantErr: ErrNotFound},
	}
	for impl, res := range impls {
		for _, tt := range tests {
			t.Run(impl+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				got, err := res.LookupHost(t.Context(), tt.host)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if !sameAddrs(got, tt.want) {
					t.Errorf("LookupHost(%q) = %v, want %v", tt.host, got, tt.want)
				}
			})
		}
	}
}

// TestResolver_LookupHost_pgx uses LookupHost where pgx takes a
// LookupFunc.
func TestResolver_LookupHost_pgx(t *testing.T) {
	s := startServers(t)
	cfg, err := pgconn.ParseConfig("host=seed.zone.test user=postgres")
	if err != nil {
		t.Fatal(err)
	}
	cfg.LookupFunc = s.authoritative().LookupHost
	got, err := cfg.LookupFunc(t.Context(), cfg.Host)
	if err != nil || !slices.Equal(got, []string{"198.51.100.10"}) {
		t.Fatalf("LookupFunc(%q) = %v, %v; want [198.51.100.10]", cfg.Host, got, err)
	}
}

// TestResolver_unanswered checks that every implementation gives up when
// ctx is done, long before its own query timeouts, when a server never
// answers.
func TestResolver_unanswered(t *testing.T) {
	s := startServers(t)
	const deadline, slack = 300 * time.Millisecond, 700 * time.Millisecond
	for name, newRes := range map[string]func(addr string) Resolver{
		"server": Server,
		"authoritative": func(addr string) Resolver {
			return Authoritative("zone.test", []string{addr}, Server(s.fallback))
		},
		"system": func(addr string) Resolver { return system{netResolver(addr)} },
	} {
		t.Run(name+"/deadline", func(t *testing.T) {
			t.Parallel()
			addr, _ := blackhole(t)
			ctx, cancel := context.WithTimeout(t.Context(), deadline)
			defer cancel()
			start := time.Now()
			_, err := newRes(addr).LookupHost(ctx, "a.zone.test.")
			if elapsed := time.Since(start); elapsed > deadline+slack {
				t.Errorf("returned after %v, want within %v of the %v deadline", elapsed, slack, deadline)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want context.DeadlineExceeded", err)
			}
		})
		t.Run(name+"/cancel", func(t *testing.T) {
			t.Parallel()
			addr, got := blackhole(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go func() {
				<-got // the query is in flight
				cancel()
			}()
			start := time.Now()
			_, err := newRes(addr).Trace(ctx, "a.zone.test.")
			if elapsed := time.Since(start); elapsed > queryTimeout {
				t.Errorf("returned after %v, want well before the %v query timeout", elapsed, queryTimeout)
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
		})
	}
}

// TestServer_retry checks the per-query timeout and the one retry.
func TestServer_retry(t *testing.T) {
	s := startServers(t)
	full := &zoneServer{records: records(t, zoneTest), chase: true}
	var queries atomic.Int32
	lossy := serve(t, dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if queries.Add(1)%2 == 1 {
			return // lose every other query
		}
		full.ServeDNS(w, r)
	}))
	silent, _ := blackhole(t)
	short := func(addr string) Resolver {
		c := Server(addr).(*client)
		c.timeout = 100 * time.Millisecond
		return c
	}

	t.Run("lost query is retried", func(t *testing.T) {
		got, err := short(lossy).LookupHost(t.Context(), "a.zone.test")
		if err != nil || !slices.Equal(got, []string{"192.0.2.1"}) {
			t.Fatalf("LookupHost = %v, %v; want [192.0.2.1]", got, err)
		}
	})
	t.Run("gives up after the retry", func(t *testing.T) {
		_, err := short(silent).LookupHost(t.Context(), "a.zone.test")
		if !errors.Is(err, os.ErrDeadlineExceeded) || !strings.Contains(err.Error(), "query a.zone.test A: 2 tries failed") {
			t.Fatalf("err = %v, want 2 timed-out tries", err)
		}
	})
	t.Run("next name server after a silent one", func(t *testing.T) {
		_, port, _ := net.SplitHostPort(s.auth)
		c := Authoritative("zone.test", []string{silent, "ns1.ns.test:" + port}, Server(s.fallback)).(*client)
		c.timeout = 100 * time.Millisecond
		got, err := c.LookupHost(t.Context(), "a.zone.test")
		if err != nil || !slices.Equal(got, []string{"192.0.2.1"}) {
			t.Fatalf("LookupHost = %v, %v; want [192.0.2.1]", got, err)
		}
	})
}

func TestAuthoritative_nameServers(t *testing.T) {
	s := startServers(t)
	_, port, _ := net.SplitHostPort(s.auth)
	tests := []struct {
		name        string
		nameservers []string
		wantErr     error
		wantMsg     []string
	}{
		{name: "host name and port", nameservers: []string{"ns1.ns.test:" + port}},
		{name: "address and port", nameservers: []string{s.auth}},
		{name: "fully qualified host name", nameservers: []string{"ns1.ns.test.:" + port}},
		{name: "first unresolvable", nameservers: []string{"nons.ns.test", "ns1.ns.test:" + port}},
		{name: "none resolvable", nameservers: []string{"nons.ns.test"}, wantErr: ErrNotFound,
			wantMsg: []string{"resolve a.zone.test: resolve name servers of zone.test: resolve nons.ns.test: nons.ns.test: " + s.fallback + " answered NXDOMAIN"}},
		{name: "none", wantMsg: []string{"resolve a.zone.test: zone zone.test has no name servers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := Authoritative("zone.test.", tt.nameservers, Server(s.fallback))
			got, err := res.LookupHost(t.Context(), "a.zone.test")
			checkErr(t, err, tt.wantErr, tt.wantMsg)
			if want := []string{"192.0.2.1"}; err == nil && !slices.Equal(got, want) {
				t.Errorf("LookupHost = %v, want %v", got, want)
			}
		})
	}
}

func TestSystem(t *testing.T) {
	for _, tt := range []struct{ host, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"::1", "::1"},
		{"localhost", "127.0.0.1"}, // from /etc/hosts
	} {
		t.Run(tt.host, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			got, err := System().Trace(ctx, tt.host)
			if err != nil || !slices.Contains(got.Addrs, tt.want) {
				t.Fatalf("Trace(%q) = %+v, %v; want an address %s", tt.host, got, err, tt.want)
			}
		})
	}
}

func TestWithPort(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:1053":  "127.0.0.1:1053",
		"127.0.0.1":       "127.0.0.1:53",
		"::1":             "[::1]:53",
		"[::1]:1053":      "[::1]:1053",
		"ns.example.com":  "ns.example.com:53",
		"ns.example.com.": "ns.example.com.:53",
	} {
		if got := withPort(in); got != want {
			t.Errorf("withPort(%q) = %q, want %q", in, got, want)
		}
	}
}
