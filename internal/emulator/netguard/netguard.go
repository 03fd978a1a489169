// Package netguard is the one way the emulator opens outbound connections.
// Its rule: no component of the emulator ever connects to an address
// outside 127.0.0.0/8 or ::1. The emulated world (DB instances, WAN links,
// the DNS server, stand-ins for public endpoints) lives entirely on
// loopback; an address or name outside it is unreachable, and Dialer
// refuses it before a socket is created, so no packet leaves the machine.
//
// Every outbound dial of the emulator goes through a Dialer: health-check
// probes, netsim link upstreams, the engine's connections to instances and
// the emulated world's DNS lookups.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// ErrOutside is the sentinel of every refusal: errors.Is(err, ErrOutside)
// tells a refused address or name from a failed connection.
var ErrOutside = errors.New("outside the emulated world")

// OutsideError reports an address or a name that the emulator refuses to
// connect to. Its text is what a health-check probe of it reports.
type OutsideError struct {
	Addr string // the refused address, when there is one
	Name string // the host name asked for, when it was a name
}

func (e *OutsideError) Error() string {
	const why = "(the emulator never connects outside loopback)"
	switch {
	case e.Name != "" && e.Addr != "":
		return fmt.Sprintf("name %s resolves to %s, which is outside the emulated world %s", e.Name, e.Addr, why)
	case e.Name != "":
		return fmt.Sprintf("name %s is outside the emulated world: the emulator's DNS server does not serve it %s", e.Name, why)
	}
	return fmt.Sprintf("address %s is outside the emulated world %s", e.Addr, why)
}

// Is makes errors.Is(err, ErrOutside) hold.
func (e *OutsideError) Is(target error) bool { return target == ErrOutside }

// Allowed reports whether the emulator may connect to a: an address in
// 127.0.0.0/8 (also written IPv4-mapped, ::ffff:127.x.y.z) or ::1.
// 0.0.0.0 and :: are refused although the kernel would route them to the
// local host.
func Allowed(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	return a.IsLoopback()
}

// AllowedIP is Allowed for a net.IP; nil is refused.
func AllowedIP(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	return ok && Allowed(a)
}

// Resolver looks host names up. *net.Resolver implements it; so does DNS,
// which asks only the emulator's own DNS server.
type Resolver interface {
	LookupIP(ctx context.Context, network, host string) ([]net.IP, error)
}

// Dialer opens connections inside the emulated world only. The zero value
// dials IP literals and refuses host names. It is safe for concurrent use.
type Dialer struct {
	// Timeout bounds each connect; zero means only ctx bounds it.
	Timeout time.Duration
	// Resolver resolves host names; nil means names are refused as
	// outside the emulated world.
	Resolver Resolver

	// socket opens the connection once the address is allowed; nil means
	// a net.Dialer. Tests replace it to prove that a refused address never
	// reaches it.
	socket func(ctx context.Context, network, addr string) (net.Conn, error)
}

// DialContext connects to address ("host:port") on network (tcp, tcp4,
// tcp6, udp, udp4, udp6). A host name is resolved with d.Resolver; the
// allowed addresses are tried in order. An address outside loopback, or a
// name with none inside, gives an *OutsideError (errors.Is ErrOutside)
// without a socket being created.
func (d Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return nil, fmt.Errorf("dial %s: invalid port %q", address, port)
	}
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return nil, fmt.Errorf("dial %s: network %q is not supported", address, network)
	}
	addrs, err := d.resolve(ctx, network, host)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	socket := d.socket
	if socket == nil {
		nd := net.Dialer{Timeout: d.Timeout}
		socket = nd.DialContext
	}
	var errs []error
	for _, a := range addrs {
		c, err := socket(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// LookupHost resolves host to the addresses the emulator may connect to,
// as strings, with the same rules as DialContext. pgx's
// ConnConfig.LookupFunc has this signature.
func (d Dialer) LookupHost(ctx context.Context, host string) ([]string, error) {
	addrs, err := d.resolve(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out, nil
}

// resolve returns the allowed addresses of host, or an *OutsideError.
func (d Dialer) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if host == "" {
		return nil, &OutsideError{Addr: "(no host)"}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !Allowed(a) {
			return nil, &OutsideError{Addr: host}
		}
		return []netip.Addr{a}, nil
	}
	if d.Resolver == nil {
		return nil, &OutsideError{Name: host}
	}
	family := "ip"
	switch network[len(network)-1] {
	case '4':
		family = "ip4"
	case '6':
		family = "ip6"
	}
	ips, err := d.Resolver.LookupIP(ctx, family, host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	var allowed []netip.Addr
	for _, ip := range ips {
		if a, ok := netip.AddrFromSlice(ip); ok && Allowed(a) {
			allowed = append(allowed, a.Unmap())
		}
	}
	if len(allowed) == 0 {
		if len(ips) == 0 {
			return nil, &OutsideError{Name: host}
		}
		return nil, &OutsideError{Name: host, Addr: ips[0].String()}
	}
	return allowed, nil
}
