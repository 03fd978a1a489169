package emulator

import (
	"fmt"
	"hash/fnv"
	"net"
	"strconv"
	"sync"
)

// addresses hands out loopback addresses (every 127.0.0.0/8 address is
// loopback on Linux) so that each DB instance and WAN link listens on its
// own address and the standard port, like a host of its own. The second
// and third octets derive from the data directory, so that emulators
// with different data directories (parallel tests) rarely collide; a
// candidate is only handed out if its port can be bound right now.
type addresses struct {
	mu       sync.Mutex
	a, b     int
	next     int
	reserved map[string]bool
}

func newAddresses(seed string) *addresses {
	h := fnv.New32a()
	h.Write([]byte(seed))
	v := h.Sum32()
	return &addresses{a: 20 + int(v%200), b: int(v>>8) % 256, next: 1, reserved: map[string]bool{}}
}

func (al *addresses) reserve(hosts ...string) {
	al.mu.Lock()
	defer al.mu.Unlock()
	for _, h := range hosts {
		al.reserved[h] = true
	}
}

// Allocate implements rds.Addresses.
func (al *addresses) Allocate(port int) (string, error) {
	al.mu.Lock()
	defer al.mu.Unlock()
	for tries := 0; tries < 256*254; tries++ {
		host := fmt.Sprintf("127.%d.%d.%d", al.a, al.b, al.next)
		al.next++
		if al.next > 254 {
			al.next = 1
			al.b = (al.b + 1) % 256
		}
		if al.reserved[host] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			continue
		}
		l.Close()
		al.reserved[host] = true
		return host, nil
	}
	return "", fmt.Errorf("no free loopback address for port %d", port)
}
