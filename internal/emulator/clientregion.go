package emulator

import (
	"net"

	"github.com/globaldb/globaldb/internal/regions"
)

// clientRegionOctet marks source addresses that place a DNS client in a
// region for Route 53 latency routing: a client whose source address is
// 127.250.N.x is in the N-th region of the sorted region table
// (regions.All()). Every other client is in the configured default region.
const clientRegionOctet = 250

// ClientRegion returns the region of a DNS client at ip (see
// docs/emulator.md), or def.
func ClientRegion(ip net.IP, def string) string {
	v4 := ip.To4()
	if v4 == nil || v4[0] != 127 || v4[1] != clientRegionOctet {
		return def
	}
	all := regions.All()
	if int(v4[2]) >= len(all) {
		return def
	}
	return all[v4[2]].Name
}
