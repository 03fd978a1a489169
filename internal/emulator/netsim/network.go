// Package netsim simulates the WAN links between emulated AWS Regions.
//
// Traffic that crosses Regions (replication streams, cross-Region clients)
// goes through in-process TCP proxies owned by a Network. Each proxy carries
// the traffic of one Region pair and holds every byte back for the pair's
// one-way delay in each direction; a pair can be cut (its connections die and
// new ones are dropped at once) and healed at runtime.
//
//	client ──▶ Proxy.Addr ──reader──▶ [chunk queue, ≤1024] ──writer: sleep until read time + delay──▶ target
//	client ◀── Proxy.Addr ◀──writer── [chunk queue, ≤1024] ◀──reader──────────────────────────────── target
//
// Why not toxiproxy: Shopify/toxiproxy v2.5.0 (2022) as a library pulls in
// prometheus and zerolog for features we do not need, and we only need
// latency and cut. The Faults interface is the seam where a fault library
// could replace this package.
package netsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/globaldb/globaldb/internal/regions"
)

// ErrClosed is returned by Network.Proxy after Network.Close.
var ErrClosed = errors.New("netsim: network closed")

// Faults is the fault-injection surface that test drivers and the emulator
// API depend on. *Network implements it; another fault library could too.
// All methods are safe for concurrent use and name a Region pair in either
// order.
type Faults interface {
	SetDelay(a, b string, d time.Duration)
	Cut(a, b string)
	Heal(a, b string)
}

var _ Faults = (*Network)(nil)

// Link is the WAN path between Regions From and To. It is direction-agnostic:
// both directions get Delay. Cut reports whether the link is down.
type Link struct {
	From, To string
	Delay    time.Duration
	Cut      bool
}

// pair is an unordered Region pair, stored with a <= b.
type pair struct{ a, b string }

func pairOf(a, b string) pair {
	if b < a {
		a, b = b, a
	}
	return pair{a, b}
}

// Network owns all links and proxies. It is safe for concurrent use.
type Network struct {
	logger *slog.Logger
	delay  func(a, b string) time.Duration

	mu      sync.RWMutex
	delays  map[pair]time.Duration // overrides from SetDelay
	cut     map[pair]bool
	proxies map[*Proxy]struct{}
	closed  bool
}

// NewNetwork returns a Network whose links default to delay(a, b) one way;
// a nil delay means regions.OneWayDelay (half the measured RTT, 50 ms for
// unknown pairs). delay must be symmetric: it is called with the pair in
// name order. logger may be nil.
func NewNetwork(logger *slog.Logger, delay func(a, b string) time.Duration) *Network {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if delay == nil {
		delay = regions.OneWayDelay
	}
	return &Network{
		logger: logger, delay: delay,
		delays: map[pair]time.Duration{}, cut: map[pair]bool{}, proxies: map[*Proxy]struct{}{},
	}
}

// Link returns the current state of the link between a and b.
func (n *Network) Link(a, b string) Link {
	return Link{From: a, To: b, Delay: n.linkDelay(pairOf(a, b)), Cut: n.isCut(pairOf(a, b))}
}

// SetDelay sets the one-way delay between a and b. It applies at once to
// bytes not yet delivered on existing connections as well as to new ones.
func (n *Network) SetDelay(a, b string, d time.Duration) {
	n.mu.Lock()
	n.delays[pairOf(a, b)] = max(d, 0)
	n.mu.Unlock()
	n.logger.Info("link delay set", "from", a, "to", b, "delay", d)
}

// Cut takes the link between a and b down: existing connections through
// proxies of that pair are closed, and new ones are accepted then closed at
// once, so the peer sees a dead link, until Heal.
func (n *Network) Cut(a, b string) {
	p := pairOf(a, b)
	n.mu.Lock()
	n.cut[p] = true
	victims := n.proxiesOf(p)
	n.mu.Unlock()
	for _, px := range victims {
		px.closeConns()
	}
	n.logger.Info("link cut", "from", a, "to", b, "proxies", len(victims))
}

// Heal brings the link between a and b back; new connections work again.
func (n *Network) Heal(a, b string) {
	n.mu.Lock()
	delete(n.cut, pairOf(a, b))
	n.mu.Unlock()
	n.logger.Info("link healed", "from", a, "to", b)
}

// Proxy starts a proxy listening on listenAddr (e.g. "127.10.1.7:0") that
// forwards each connection to target and carries the traffic of the Region
// pair (from, to). The proxy closes when ctx is done, Close is called or the
// Network closes.
func (n *Network) Proxy(ctx context.Context, from, to string, listenAddr, target string) (*Proxy, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listenAddr)
	if err != nil {
		return nil, fmt.Errorf("listen proxy %s→%s on %s: %w", from, to, listenAddr, err)
	}
	p := newProxy(n, pairOf(from, to), ln, target, n.logger.With("from", from, "to", to, "addr", ln.Addr().String()))
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		_ = ln.Close()
		return nil, ErrClosed
	}
	n.proxies[p] = struct{}{}
	n.mu.Unlock()
	p.start(ctx)
	return p, nil
}

// Close closes every proxy and their connections, and waits for their
// goroutines to end. Later calls to Proxy fail with ErrClosed.
func (n *Network) Close() error {
	n.mu.Lock()
	n.closed = true
	all := make([]*Proxy, 0, len(n.proxies))
	for p := range n.proxies {
		all = append(all, p)
	}
	n.mu.Unlock()
	var errs []error
	for _, p := range all {
		errs = append(errs, p.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close network: %w", err)
	}
	return nil
}

func (n *Network) forget(p *Proxy) {
	n.mu.Lock()
	delete(n.proxies, p)
	n.mu.Unlock()
}

// proxiesOf lists the proxies of pair p. Callers hold n.mu.
func (n *Network) proxiesOf(p pair) []*Proxy {
	var out []*Proxy
	for px := range n.proxies {
		if px.pair == p {
			out = append(out, px)
		}
	}
	return out
}

func (n *Network) linkDelay(p pair) time.Duration {
	n.mu.RLock()
	d, ok := n.delays[p]
	n.mu.RUnlock()
	if ok {
		return d
	}
	return n.delay(p.a, p.b)
}

func (n *Network) isCut(p pair) bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.cut[p]
}
