package healthcheck

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// fakeClock is a clock.Clock whose time moves only in Advance.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
	// registered counts After calls since the last Advance: once every
	// live prober (and Run's refresh loop) has registered again, a round
	// of probes is complete.
	registered int
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.registered++
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

// Advance moves time by d and fires the waiters due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.registered = 0
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

func (c *fakeClock) registeredSinceAdvance() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.registered
}

// eventually polls cond until it holds or a deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// harness runs a Runner on a fake clock over a mutable list of checks.
type harness struct {
	t       *testing.T
	clk     *fakeClock
	r       *Runner
	changed chan struct{}
	mu      sync.Mutex
	checks  []Check
	cancel  context.CancelFunc
	done    chan error
}

// newHarness builds the Runner; cfg's Checks, Changed and Clock are set
// here. Call start to run it.
func newHarness(t *testing.T, cfg Config, checks ...Check) *harness {
	t.Helper()
	h := &harness{t: t, clk: newFakeClock(), changed: make(chan struct{}, 1), checks: checks}
	cfg.Clock, cfg.Changed = h.clk, h.changed
	cfg.Checks = func() []Check {
		h.mu.Lock()
		defer h.mu.Unlock()
		return append([]Check(nil), h.checks...)
	}
	h.r = NewRunner(cfg)
	return h
}

// start runs the Runner and waits for the first round of probes.
func (h *harness) start() *harness {
	h.run()
	h.waitRound()
	return h
}

// run runs the Runner until the test ends or stop.
func (h *harness) run() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- h.r.Run(ctx) }()
	h.t.Cleanup(h.stop)
}

// stop cancels Run and checks that every prober ended.
func (h *harness) stop() {
	h.t.Helper()
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		h.t.Fatal("Run did not return after cancel")
	}
	if n := h.r.active.Load(); n != 0 {
		h.t.Errorf("%d probers still running after Run returned", n)
	}
}

// waitRound waits until every live prober and the refresh loop wait on
// the clock again, i.e. the round started by the last Advance is done.
func (h *harness) waitRound() {
	h.t.Helper()
	eventually(h.t, "a round of probes", func() bool {
		return h.clk.registeredSinceAdvance() >= int(h.r.active.Load())+1
	})
}

// tick advances emulated time by d and waits for the probes it triggers.
func (h *harness) tick(d time.Duration) {
	h.t.Helper()
	h.clk.Advance(d)
	h.waitRound()
}

// setChecks replaces the checks and signals the change.
func (h *harness) setChecks(checks ...Check) {
	h.mu.Lock()
	h.checks = checks
	h.mu.Unlock()
	select {
	case h.changed <- struct{}{}:
	default:
	}
}

// listen opens a TCP listener on addr that accepts and closes connections.
func listen(t *testing.T, addr string) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err == nil {
				c.Close()
			}
		}
	}()
	t.Cleanup(func() { l.Close() })
	return l
}

// closedPort returns a loopback address where nothing listens.
func closedPort(t *testing.T) *net.TCPAddr {
	t.Helper()
	l := listen(t, "127.0.0.1:0")
	a := l.Addr().(*net.TCPAddr)
	l.Close()
	return a
}

// tcpCheck is a TCP check of a, with FailureThreshold threshold.
func tcpCheck(a *net.TCPAddr, threshold int32) types.HealthCheckConfig {
	return types.HealthCheckConfig{
		Type:             types.HealthCheckTypeTcp,
		IPAddress:        aws.String(a.IP.String()),
		Port:             aws.Int32(int32(a.Port)),
		FailureThreshold: aws.Int32(threshold),
		RequestInterval:  aws.Int32(10),
	}
}

func statuses(obs []types.HealthCheckObservation) []string {
	out := make([]string, len(obs))
	for i, o := range obs {
		out[i] = aws.ToString(o.StatusReport.Status)
	}
	return out
}
