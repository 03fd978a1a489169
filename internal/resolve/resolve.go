package resolve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Resolver resolves host names. Implementations are safe for concurrent use.
type Resolver interface {
	// LookupHost returns the addresses host resolves to, following CNAMEs
	// (across resolvers for Authoritative). An IP literal returns itself.
	// Its signature is pgconn.LookupFunc's.
	LookupHost(ctx context.Context, host string) ([]string, error)
	// Trace returns the chain a client sees: each CNAME hop with its TTL and
	// the final A and AAAA addresses. On error the Answer holds the hops
	// seen before the failure.
	Trace(ctx context.Context, host string) (Answer, error)
}

// Answer is what resolving Name showed: the CNAME hops in order, then the
// addresses of the last name in the chain (of Name itself if Chain is
// empty). Names carry no trailing dot.
type Answer struct {
	Name  string
	Chain []Hop
	Addrs []string
}

// Hop is one CNAME record: Name is an alias of CNAME for TTL seconds.
type Hop struct {
	Name, CNAME string
	TTL         uint32
}

var (
	// ErrNotFound means a name in the chain does not exist (NXDOMAIN) or
	// has no A or AAAA records (NOERROR, no data).
	ErrNotFound = errors.New("name not found")
	// ErrCNAMELoop means the CNAME chain comes back to a name already in
	// it or is longer than maxCNAMEs.
	ErrCNAMELoop = errors.New("cname loop")
)

const (
	maxCNAMEs     = 8               // hops allowed in one chain
	queryTimeout  = 2 * time.Second // per try, UDP and any TCP retry together
	queryAttempts = 2               // per name server: one try and one retry
	udpSize       = 1232            // EDNS0 payload size (DNS Flag Day 2020)
)

var (
	_ Resolver = (*client)(nil)
	_ Resolver = system{}
)

// Server returns a Resolver that asks the DNS server at addr ("host:port",
// port 53 if omitted) with recursion desired, over UDP and again over TCP
// when the answer is truncated.
func Server(addr string) Resolver {
	return &client{recursive: true, addrs: []string{withPort(addr)}, timeout: queryTimeout, attempts: queryAttempts}
}

// SystemHint ends the error of a name the host's resolver does not know:
// what to do when it is a name only an emulator's DNS server answers.
const SystemHint = "a globaldb emulator's names resolve only through its DNS server: " +
	"point AWS_ENDPOINT_URL (or --endpoint-url) at the emulator, or pass --resolver HOST:PORT"

// System returns a Resolver that asks the host's resolver
// (net.DefaultResolver), as a Go client on this host would.
func System() Resolver { return system{net.DefaultResolver} }

// Authoritative returns a Resolver that asks zone's name servers directly,
// without recursion, for names in zone, and fallback (System() if nil) for
// names outside it. nameservers are host names or addresses, with
// ":port" if not 53, such as the DelegationSet NameServers of a Route 53
// hosted zone; host names are resolved with fallback on first use.
func Authoritative(zone string, nameservers []string, fallback Resolver) Resolver {
	if fallback == nil {
		fallback = System()
	}
	return &client{
		zone:        dns.CanonicalName(zone),
		nameservers: slices.Clone(nameservers),
		fallback:    fallback,
		timeout:     queryTimeout,
		attempts:    queryAttempts,
	}
}

// client speaks DNS itself: to fixed addrs (Server), or to a zone's name
// servers for names in zone and to fallback for the rest (Authoritative).
type client struct {
	recursive   bool
	zone        string   // "" for every name
	nameservers []string // resolved with fallback into addrs on first use
	fallback    Resolver
	timeout     time.Duration
	attempts    int

	mu    sync.Mutex
	addrs []string // "ip:port" to query, in order
}

func (c *client) LookupHost(ctx context.Context, host string) ([]string, error) {
	ans, err := c.Trace(ctx, host)
	return ans.Addrs, err
}

func (c *client) Trace(ctx context.Context, host string) (Answer, error) {
	ans := Answer{Name: trimDot(host)}
	if isIP(host) {
		ans.Addrs = []string{host}
		return ans, nil
	}
	if err := c.trace(ctx, &ans); err != nil {
		return ans, fmt.Errorf("resolve %s: %w", ans.Name, err)
	}
	return ans, nil
}

// trace follows ans.Name's chain, querying again whenever a reply ends in a
// CNAME whose target it does not answer for, and handing the chain to
// fallback where it leaves the zone.
func (c *client) trace(ctx context.Context, ans *Answer) error {
	name := dns.CanonicalName(ans.Name)
	seen := map[string]bool{name: true}
	for {
		if !c.inZone(name) {
			return c.handOff(ctx, ans, name)
		}
		resp, srv, err := c.query(ctx, name, dns.TypeA)
		if err != nil {
			return err
		}
		hops, last, addrs := follow(name, resp.Answer, c.inZone)
		for _, h := range hops {
			if err := addHop(ans, seen, h); err != nil {
				return err
			}
		}
		switch {
		case resp.Rcode == dns.RcodeNameError:
			return notFound(last, srv, resp.Rcode, "")
		case last != name && len(addrs) == 0:
			name = last // the chain goes on beyond this reply
		default:
			return c.finish(ctx, ans, last, addrs, srv)
		}
	}
}

// finish adds name's AAAA records to its A records addrs.
func (c *client) finish(ctx context.Context, ans *Answer, name string, addrs []string, srvA string) error {
	resp, srv, err := c.query(ctx, name, dns.TypeAAAA)
	if err == nil {
		if _, last, v6 := follow(name, resp.Answer, c.inZone); last == name {
			addrs = append(addrs, v6...)
		}
	}
	if len(addrs) > 0 {
		ans.Addrs = addrs
		return nil
	}
	if err != nil {
		return err
	}
	if resp.Rcode == dns.RcodeNameError {
		return notFound(name, srv, resp.Rcode, "")
	}
	return notFound(name, srvA, resp.Rcode, " with no A or AAAA records")
}

// handOff resolves name, outside the zone, with fallback and appends what
// it saw to ans.
func (c *client) handOff(ctx context.Context, ans *Answer, name string) error {
	fa, err := c.fallback.Trace(ctx, trimDot(name))
	ans.Chain = append(ans.Chain, fa.Chain...)
	ans.Addrs = fa.Addrs
	if err != nil {
		return err
	}
	if len(ans.Chain) > maxCNAMEs {
		ans.Addrs = nil
		return fmt.Errorf("more than %d cnames: %w", maxCNAMEs, ErrCNAMELoop)
	}
	return nil
}

func (c *client) inZone(name string) bool {
	return c.zone == "" || dns.IsSubDomain(c.zone, name)
}

// follow walks the CNAMEs from name through answer, stopping at a name
// outside the zone (whose records the server is not authoritative for) or
// at a repeat, and returns the hops, the last name reached and its
// addresses in answer.
func follow(name string, answer []dns.RR, inZone func(string) bool) (hops []Hop, last string, addrs []string) {
	last = name
	for len(hops) <= maxCNAMEs && inZone(last) {
		var next *dns.CNAME
		for _, rr := range answer {
			if cn, ok := rr.(*dns.CNAME); ok && dns.CanonicalName(cn.Hdr.Name) == last {
				next = cn
				break
			}
		}
		if next == nil {
			break
		}
		hops = append(hops, Hop{Name: trimDot(next.Hdr.Name), CNAME: trimDot(next.Target), TTL: next.Hdr.Ttl})
		last = dns.CanonicalName(next.Target)
		if last == name {
			break
		}
	}
	if !inZone(last) {
		return hops, last, nil
	}
	for _, rr := range answer {
		if dns.CanonicalName(rr.Header().Name) != last {
			continue
		}
		switch rr := rr.(type) {
		case *dns.A:
			addrs = append(addrs, rr.A.String())
		case *dns.AAAA:
			addrs = append(addrs, rr.AAAA.String())
		}
	}
	return hops, last, addrs
}

// addHop appends h to ans, failing if it makes a loop or too long a chain.
func addHop(ans *Answer, seen map[string]bool, h Hop) error {
	ans.Chain = append(ans.Chain, h)
	target := dns.CanonicalName(h.CNAME)
	if seen[target] {
		return fmt.Errorf("%s is a cname of %s, already in the chain: %w", h.Name, h.CNAME, ErrCNAMELoop)
	}
	if len(ans.Chain) > maxCNAMEs {
		return fmt.Errorf("more than %d cnames: %w", maxCNAMEs, ErrCNAMELoop)
	}
	seen[target] = true
	return nil
}

func notFound(name, srv string, rcode int, detail string) error {
	return fmt.Errorf("%s: %s answered %s%s: %w", trimDot(name), srv, dns.RcodeToString[rcode], detail, ErrNotFound)
}

// query asks the name servers, in order, each up to c.attempts times, and
// returns the first reply that is NOERROR or NXDOMAIN and who sent it.
func (c *client) query(ctx context.Context, name string, qtype uint16) (*dns.Msg, string, error) {
	servers, err := c.servers(ctx)
	if err != nil {
		return nil, "", err
	}
	q := fmt.Sprintf("%s %s", trimDot(name), dns.TypeToString[qtype])
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = c.recursive
	m.SetEdns0(udpSize, false)
	var last error
	for range c.attempts {
		for _, srv := range servers {
			m.Id = dns.Id()
			resp, err := c.exchange(ctx, m, srv)
			switch {
			case ctx.Err() != nil:
				return nil, "", fmt.Errorf("query %s at %s: %w", q, srv, ctx.Err())
			case err != nil:
				last = fmt.Errorf("%s: %w", srv, err)
			case resp.Rcode == dns.RcodeSuccess || resp.Rcode == dns.RcodeNameError:
				return resp, srv, nil
			default:
				last = fmt.Errorf("%s answered %s", srv, dns.RcodeToString[resp.Rcode])
			}
		}
	}
	return nil, "", fmt.Errorf("query %s: %d tries failed, last: %w", q, c.attempts*len(servers), last)
}

// exchange sends m to srv over UDP, and over TCP if the reply is
// truncated, within c.timeout.
func (c *client) exchange(ctx context.Context, m *dns.Msg, srv string) (*dns.Msg, error) {
	deadline := time.Now().Add(c.timeout)
	resp, err := exchangeOver(ctx, "udp", m, srv, deadline)
	if err == nil && resp.Truncated {
		resp, err = exchangeOver(ctx, "tcp", m, srv, deadline)
	}
	return resp, err
}

// exchangeOver does one exchange over network, giving up at deadline or
// ctx's, whichever is first; cancelling ctx closes the connection, so the
// exchange ends then too.
func exchangeOver(ctx context.Context, network string, m *dns.Msg, srv string, deadline time.Time) (*dns.Msg, error) {
	cl := &dns.Client{Net: network, UDPSize: udpSize, Timeout: time.Until(deadline)}
	conn, err := cl.DialContext(ctx, srv)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", network, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	resp, _, err := cl.ExchangeWithConnContext(ctx, m, conn)
	if err != nil && ctx.Err() != nil {
		err = ctx.Err() // not "use of closed network connection"
	}
	if err != nil {
		return nil, fmt.Errorf("exchange over %s: %w", network, err)
	}
	return resp, nil
}

// servers returns the addresses to query, resolving the name servers with
// fallback the first time it succeeds for one of them. IPv4 addresses
// come first, as IPv6 may be unreachable from the host.
func (c *client) servers(ctx context.Context) ([]string, error) {
	c.mu.Lock()
	addrs := c.addrs
	c.mu.Unlock()
	if len(addrs) > 0 {
		return addrs, nil
	}
	if len(c.nameservers) == 0 {
		return nil, fmt.Errorf("zone %s has no name servers", trimDot(c.zone))
	}
	var last error
	for _, ns := range c.nameservers {
		h, port, err := net.SplitHostPort(ns)
		if err != nil {
			h, port = ns, "53"
		}
		ips, err := c.fallback.LookupHost(ctx, h)
		if err != nil {
			last = err
			continue
		}
		for _, ip := range ips {
			addrs = append(addrs, net.JoinHostPort(ip, port))
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve name servers of %s: %w", trimDot(c.zone), last)
	}
	slices.SortStableFunc(addrs, func(a, b string) int { return boolInt(isV6(a)) - boolInt(isV6(b)) })
	c.mu.Lock()
	c.addrs = addrs
	c.mu.Unlock()
	return addrs, nil
}

// system asks a *net.Resolver, which hides the DNS messages: Trace reports
// no CNAME hops (net.Resolver.LookupCNAME is no substitute: Go's own
// resolver reports the first CNAME's target, cgo the last), and NXDOMAIN
// and no data both come back as "no such host".
type system struct{ r *net.Resolver }

func (h system) LookupHost(ctx context.Context, name string) ([]string, error) {
	if isIP(name) {
		return []string{name}, nil
	}
	// LookupIPAddr, unlike LookupHost, returns as soon as ctx is cancelled.
	ips, err := h.r.LookupIPAddr(ctx, name)
	if dnsErr := (*net.DNSError)(nil); errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return nil, fmt.Errorf("resolve %s: %w by the host's resolver (%w); %s", trimDot(name), ErrNotFound, err, SystemHint)
	}
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", trimDot(name), err)
	}
	addrs := make([]string, len(ips))
	for i, ip := range ips {
		addrs[i] = ip.String()
	}
	return addrs, nil
}

func (h system) Trace(ctx context.Context, name string) (Answer, error) {
	addrs, err := h.LookupHost(ctx, name)
	return Answer{Name: trimDot(name), Addrs: addrs}, err
}

func withPort(addr string) string {
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	return net.JoinHostPort(addr, "53")
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

func isV6(hostport string) bool {
	ap, err := netip.ParseAddrPort(hostport)
	return err == nil && ap.Addr().Is6() && !ap.Addr().Is4In6()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func trimDot(name string) string {
	if name == "." {
		return name
	}
	return strings.TrimSuffix(name, ".")
}
