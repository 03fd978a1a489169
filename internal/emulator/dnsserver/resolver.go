package dnsserver

import (
	"context"
	"net"

	"github.com/globaldb/globaldb/internal/emulator/netguard"
)

// Resolver returns a *net.Resolver that uses Go's built-in resolver and sends
// every query to the DNS server at addr ("host:port"), over UDP or TCP as the
// resolver chooses, ignoring /etc/resolv.conf nameservers. Go clients and
// tests use it to resolve emulator endpoint names. Names are still subject to
// /etc/hosts and resolv.conf search rules; use fully qualified names.
func Resolver(addr string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return netguard.Dialer{}.DialContext(ctx, network, addr)
		},
	}
}
