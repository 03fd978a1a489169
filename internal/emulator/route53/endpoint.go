package route53

import (
	"net/netip"
	"strings"
)

// specialUse are the ranges whose addresses Route 53 refuses as a health
// check's IPAddress with InvalidInput. The HealthCheckConfig API reference:
// "Route 53 can't check the health of endpoints for which the IP address is
// in local, private, non-routable, or multicast ranges", pointing at RFC
// 5735 (special-use IPv4), RFC 6598 (shared address space) and RFC 5156
// (special-use IPv6). IPv4-mapped IPv6 addresses are judged as the IPv4
// address they carry. 6to4 (2002::/16) and Teredo (2001::/32), which RFC
// 5156 lists but which are routable, are accepted.
var specialUse = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this" network
		"10.0.0.0/8",      // private (RFC 1918)
		"100.64.0.0/10",   // shared address space (RFC 6598)
		"127.0.0.0/8",     // loopback
		"169.254.0.0/16",  // link-local
		"172.16.0.0/12",   // private (RFC 1918)
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // TEST-NET-1
		"192.88.99.0/24",  // 6to4 relay anycast
		"192.168.0.0/16",  // private (RFC 1918)
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // TEST-NET-2
		"203.0.113.0/24",  // TEST-NET-3
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved, and 255.255.255.255 broadcast
		"::/128",          // unspecified
		"::1/128",         // loopback
		"::/96",           // IPv4-compatible (deprecated)
		"64:ff9b::/96",    // IPv4/IPv6 translation
		"100::/64",        // discard-only
		"2001:10::/28",    // ORCHID
		"2001:db8::/32",   // documentation
		"fc00::/7",        // unique local
		"fe80::/10",       // link-local
		"fec0::/10",       // site-local (deprecated)
		"ff00::/8",        // multicast
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// checkIPAddress validates a health check's IPAddress: a literal IPv4 or
// IPv6 address outside specialUse. emulated, when not nil, reports the
// addresses that stand for public endpoints in the emulated world (the
// emulator's loopback addresses); they are accepted although AWS would
// refuse them as loopback.
func checkIPAddress(s string, emulated func(netip.Addr) bool) error {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return errorf(errInvalidInput, "Invalid parameter: IPAddress %q is not a valid IPv4 or IPv6 address", s)
	}
	if emulated != nil && emulated(a) {
		return nil
	}
	u := a.Unmap()
	for _, p := range specialUse {
		if p.Contains(u) {
			return errorf(errInvalidInput, "Invalid parameter: IPAddress %s is in %s, a local, private, non-routable or multicast range; Route 53 can't check the health of such endpoints", s, p)
		}
	}
	return nil
}

// checkDomainName validates FullyQualifiedDomainName: a DNS name (labels of
// 1-63 letters, digits, hyphens or underscores, at most 255 characters, an
// optional final dot), not a URL.
func checkDomainName(s string) error {
	bad := errorf(errInvalidInput, "Invalid parameter: FullyQualifiedDomainName %q is not a valid domain name", s)
	name := strings.TrimSuffix(s, ".")
	if name == "" || len(s) > 255 {
		return bad
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return bad
		}
		for _, c := range label {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
			if !ok {
				return bad
			}
		}
	}
	return nil
}
