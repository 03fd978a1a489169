package netsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// dialTimeout bounds how long a proxy waits to connect to its target.
const dialTimeout = 10 * time.Second

// Proxy is one TCP listener whose connections are forwarded to a target over
// a simulated link. Create it with Network.Proxy.
type Proxy struct {
	net    *Network
	pair   pair
	ln     net.Listener
	logger *slog.Logger

	mu     sync.Mutex
	target string
	conns  map[*conn]struct{}
	closed bool

	stop    context.CancelFunc // stops dials in flight and the ctx watcher
	wg      sync.WaitGroup     // accept loop, ctx watcher and connection goroutines
	closing sync.Once
	err     error
}

func newProxy(n *Network, p pair, ln net.Listener, target string, logger *slog.Logger) *Proxy {
	return &Proxy{net: n, pair: p, ln: ln, target: target, logger: logger, conns: map[*conn]struct{}{}}
}

func (p *Proxy) start(ctx context.Context) {
	ctx, p.stop = context.WithCancel(ctx)
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		<-ctx.Done()
		_ = p.ln.Close() // unblocks accept; Close does the rest
		p.closeConns()
	}()
	go func() {
		defer p.wg.Done()
		p.acceptLoop(ctx)
	}()
}

// Addr returns the address the proxy listens on.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetTarget makes new connections go to target (used when the writer moves).
// Existing connections keep their target.
func (p *Proxy) SetTarget(target string) {
	p.mu.Lock()
	p.target = target
	p.mu.Unlock()
	p.logger.Info("proxy target set", "target", target)
}

// Close closes the listener and all the proxy's connections, and waits for
// its goroutines to end. It is safe to call more than once.
func (p *Proxy) Close() error {
	p.closing.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		p.stop()
		if err := p.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			p.err = fmt.Errorf("close proxy listener %s: %w", p.Addr(), err)
		}
		p.closeConns()
		p.wg.Wait()
		p.net.forget(p)
	})
	return p.err
}

func (p *Proxy) acceptLoop(ctx context.Context) {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				p.logger.Warn("proxy accept", "error", err)
			}
			return
		}
		cn, target, ok := p.register(c)
		if !ok {
			_ = c.Close() // link cut or proxy closing: the peer sees a dead link
			continue
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.unregister(cn)
			cn.run(ctx, target)
		}()
	}
}

// register tracks a new client connection unless the link is cut or the
// proxy is closing. Checking the cut under p.mu closes the race with Cut,
// which sets the flag before it closes the registered connections.
func (p *Proxy) register(c net.Conn) (*conn, string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.net.isCut(p.pair) {
		return nil, "", false
	}
	cn := newConn(c, p.pair, p.net, p.logger)
	p.conns[cn] = struct{}{}
	return cn, p.target, true
}

func (p *Proxy) unregister(cn *conn) {
	p.mu.Lock()
	delete(p.conns, cn)
	p.mu.Unlock()
}

// closeConns closes every open connection of the proxy.
func (p *Proxy) closeConns() {
	p.mu.Lock()
	all := make([]*conn, 0, len(p.conns))
	for cn := range p.conns {
		all = append(all, cn)
	}
	p.mu.Unlock()
	for _, cn := range all {
		cn.close()
	}
}
