package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"
)

// defaultDNSTimeout bounds one query to the emulator's DNS server.
const defaultDNSTimeout = 2 * time.Second

// DNS resolves names with the emulator's own DNS server only, through a
// Dialer. That server is authoritative for every name of the emulated
// world (hosted zones, DB endpoints) and refuses the rest, so a REFUSED
// answer means the name is outside the emulated world: LookupIP returns an
// *OutsideError. It never reads /etc/hosts or resolv.conf and never asks a
// server outside loopback. Safe for concurrent use.
type DNS struct {
	Addr    string        // "host:port" of the emulator's DNS server; "" resolves nothing
	Timeout time.Duration // per query; zero means 2 s
}

var _ Resolver = DNS{}

// LookupIP implements Resolver. network is "ip4" (A records), "ip6"
// (AAAA) or "ip" (both). A name with no such records gives a
// *net.DNSError with IsNotFound.
func (r DNS) LookupIP(ctx context.Context, network, host string) ([]net.IP, error) {
	if r.Addr == "" {
		return nil, &OutsideError{Name: host}
	}
	name := dns.Fqdn(host)
	if _, ok := dns.IsDomainName(name); !ok {
		return nil, &net.DNSError{Err: "invalid domain name", Name: host}
	}
	qtypes := []uint16{dns.TypeA, dns.TypeAAAA}
	switch network {
	case "ip4":
		qtypes = qtypes[:1]
	case "ip6":
		qtypes = qtypes[1:]
	}
	var ips []net.IP
	for _, qt := range qtypes {
		resp, err := r.exchange(ctx, name, qt)
		if errors.Is(err, ErrOutside) {
			return nil, err // the server itself is outside
		}
		if err != nil {
			return nil, &net.DNSError{Err: err.Error(), Name: host, Server: r.Addr}
		}
		switch resp.Rcode {
		case dns.RcodeSuccess:
		case dns.RcodeRefused:
			return nil, &OutsideError{Name: host}
		case dns.RcodeNameError:
			return nil, &net.DNSError{Err: "no such host", Name: host, Server: r.Addr, IsNotFound: true}
		default:
			return nil, &net.DNSError{Err: "server answered " + dns.RcodeToString[resp.Rcode], Name: host, Server: r.Addr}
		}
		for _, rr := range resp.Answer {
			switch rr := rr.(type) {
			case *dns.A:
				ips = append(ips, rr.A)
			case *dns.AAAA:
				ips = append(ips, rr.AAAA)
			}
		}
	}
	if len(ips) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, Server: r.Addr, IsNotFound: true}
	}
	return ips, nil
}

// exchange sends one query over UDP, and again over TCP when the reply is
// truncated.
func (r DNS) exchange(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = defaultDNSTimeout
	}
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	for _, network := range []string{"udp", "tcp"} {
		resp, err := r.exchangeOver(ctx, network, q, timeout)
		if err != nil {
			return nil, err
		}
		if !resp.Truncated {
			return resp, nil
		}
	}
	return nil, fmt.Errorf("truncated reply over tcp")
}

func (r DNS) exchangeOver(ctx context.Context, network string, q *dns.Msg, timeout time.Duration) (*dns.Msg, error) {
	c, err := Dialer{Timeout: timeout}.DialContext(ctx, network, r.Addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.SetDeadline(deadline); err != nil {
		return nil, fmt.Errorf("set deadline: %w", err)
	}
	co := &dns.Conn{Conn: c}
	if err := co.WriteMsg(q); err != nil {
		return nil, fmt.Errorf("send query: %w", err)
	}
	for {
		resp, err := co.ReadMsg()
		if err != nil {
			return nil, fmt.Errorf("read reply: %w", err)
		}
		if resp.Id == q.Id {
			return resp, nil
		}
	}
}
