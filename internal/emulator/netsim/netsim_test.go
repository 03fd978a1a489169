package netsim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	regionA = "ap-southeast-1"
	regionB = "ap-southeast-2"
)

// echoServer answers every line with prefix+line until the test ends.
type echoServer struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

func startEcho(t testing.TB, prefix string) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen echo: %v", err)
	}
	e := &echoServer{ln: ln}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			e.mu.Lock()
			e.conns = append(e.conns, c)
			e.mu.Unlock()
			e.wg.Add(1)
			go func() {
				defer e.wg.Done()
				defer c.Close()
				if prefix == "" {
					_, _ = io.Copy(c, c)
					return
				}
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					if _, err := fmt.Fprintf(c, "%s%s\n", prefix, sc.Text()); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(e.close)
	return e
}

func (e *echoServer) addr() string { return e.ln.Addr().String() }

func (e *echoServer) close() {
	_ = e.ln.Close()
	e.mu.Lock()
	for _, c := range e.conns {
		_ = c.Close()
	}
	e.mu.Unlock()
	e.wg.Wait()
}

// fixedDelay returns a delay function giving d to every pair.
func fixedDelay(d time.Duration) func(a, b string) time.Duration {
	return func(string, string) time.Duration { return d }
}

// startProxy starts a Network with one-way delay d and a proxy to target.
func startProxy(t testing.TB, d time.Duration, target string) (*Network, *Proxy) {
	t.Helper()
	n := NewNetwork(nil, fixedDelay(d))
	t.Cleanup(func() { _ = n.Close() })
	p, err := n.Proxy(t.Context(), regionA, regionB, "127.10.1.7:0", target)
	if err != nil {
		t.Fatalf("Proxy: %v", err)
	}
	return n, p
}

// client is a line-oriented connection through a proxy.
type client struct {
	net.Conn
	r *bufio.Reader
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &client{Conn: c, r: bufio.NewReader(c)}
}

// roundTrip sends one line and returns the reply and the time it took.
func (c *client) roundTrip(t testing.TB, line string) (string, time.Duration) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if _, err := fmt.Fprintf(c, "%s\n", line); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := c.r.ReadString('\n')
	if err != nil {
		t.Fatalf("read reply to %q: %v", line, err)
	}
	return strings.TrimSuffix(got, "\n"), time.Since(start)
}

func TestProxy_Delay(t *testing.T) {
	tests := []struct {
		name  string
		delay time.Duration
	}{
		{name: "50ms one way", delay: 50 * time.Millisecond},
		{name: "zero", delay: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			echo := startEcho(t, "")
			_, p := startProxy(t, tt.delay, echo.addr())
			c := dial(t, p.Addr())
			got, rtt := c.roundTrip(t, "ping")
			if got != "ping" {
				t.Errorf("reply = %q, want ping", got)
			}
			if rtt < 2*tt.delay {
				t.Errorf("round trip %v, want >= %v", rtt, 2*tt.delay)
			}
			if rtt > 2*tt.delay+time.Second {
				t.Errorf("round trip %v, want about %v", rtt, 2*tt.delay)
			}
		})
	}
}

func TestProxy_Pipelining(t *testing.T) {
	const delay, writes = 50 * time.Millisecond, 200
	echo := startEcho(t, "")
	_, p := startProxy(t, delay, echo.addr())
	c := dial(t, p.Addr())
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	go func() {
		for i := range writes {
			if _, err := fmt.Fprintf(c, "msg-%03d\n", i); err != nil {
				return
			}
		}
	}()
	for i := range writes {
		line, err := c.r.ReadString('\n')
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if want := fmt.Sprintf("msg-%03d\n", i); line != want {
			t.Fatalf("line %d = %q, want %q (order lost)", i, line, want)
		}
	}
	elapsed := time.Since(start)
	if elapsed < 2*delay {
		t.Errorf("elapsed %v, want >= %v", elapsed, 2*delay)
	}
	if limit := writes * delay / 5; elapsed > limit { // 200×50ms = 10s if delays accumulated
		t.Errorf("elapsed %v for %d pipelined writes, want < %v", elapsed, writes, limit)
	}
}

func TestNetwork_SetDelay(t *testing.T) {
	echo := startEcho(t, "")
	n, p := startProxy(t, 0, echo.addr())
	c := dial(t, p.Addr())
	if _, rtt := c.roundTrip(t, "before"); rtt > time.Second {
		t.Fatalf("round trip with no delay took %v", rtt)
	}
	steps := []struct {
		name  string
		a, b  string
		delay time.Duration
	}{
		{name: "raise on existing connection", a: regionA, b: regionB, delay: 100 * time.Millisecond},
		{name: "pair order does not matter", a: regionB, b: regionA, delay: 30 * time.Millisecond},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			n.SetDelay(s.a, s.b, s.delay)
			if got := n.Link(regionA, regionB).Delay; got != s.delay {
				t.Errorf("Link delay = %v, want %v", got, s.delay)
			}
			if _, rtt := c.roundTrip(t, s.name); rtt < 2*s.delay || rtt > 2*s.delay+time.Second {
				t.Errorf("round trip %v, want about %v", rtt, 2*s.delay)
			}
		})
	}
}

// expectDead asserts that reading c ends (EOF or reset) before a deadline.
func expectDead(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _ = c.Write([]byte("anyone?\n"))
	buf := make([]byte, 64)
	for {
		_, err := c.Read(buf)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("connection still open through a cut link")
		}
		if err != nil {
			return
		}
	}
}

func TestNetwork_Cut(t *testing.T) {
	echo := startEcho(t, "")
	n, p := startProxy(t, 5*time.Millisecond, echo.addr())
	existing := dial(t, p.Addr())
	existing.roundTrip(t, "hello")

	n.Cut(regionB, regionA)
	if !n.Link(regionA, regionB).Cut {
		t.Error("Link.Cut = false after Cut")
	}
	t.Run("existing connection closed", func(t *testing.T) { expectDead(t, existing) })
	t.Run("new connection accepted then closed", func(t *testing.T) { expectDead(t, dial(t, p.Addr())) })
	t.Run("other pairs unaffected", func(t *testing.T) {
		other, err := n.Proxy(t.Context(), regionA, "us-east-1", "127.0.0.1:0", echo.addr())
		if err != nil {
			t.Fatalf("Proxy: %v", err)
		}
		n.SetDelay(regionA, "us-east-1", 0)
		if got, _ := dial(t, other.Addr()).roundTrip(t, "x"); got != "x" {
			t.Errorf("reply %q", got)
		}
	})
	t.Run("heal restores", func(t *testing.T) {
		n.Heal(regionA, regionB)
		if got, _ := dial(t, p.Addr()).roundTrip(t, "back"); got != "back" {
			t.Errorf("reply %q, want back", got)
		}
	})
}

func TestProxy_SetTarget(t *testing.T) {
	first, second := startEcho(t, "first:"), startEcho(t, "second:")
	_, p := startProxy(t, 0, first.addr())
	old := dial(t, p.Addr())
	tests := []struct {
		name string
		c    func() *client
		want string
	}{
		{name: "before", c: func() *client { return old }, want: "first:a"},
		{name: "new connection after SetTarget", c: func() *client { p.SetTarget(second.addr()); return dial(t, p.Addr()) }, want: "second:a"},
		{name: "existing connection keeps target", c: func() *client { return old }, want: "first:a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := tt.c().roundTrip(t, "a"); got != tt.want {
				t.Errorf("reply %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProxy_NoTarget(t *testing.T) {
	echo := startEcho(t, "")
	_, p := startProxy(t, 0, "")
	t.Run("connection dropped until a target is set", func(t *testing.T) { expectDead(t, dial(t, p.Addr())) })
	t.Run("works after SetTarget", func(t *testing.T) {
		p.SetTarget(echo.addr())
		if got, _ := dial(t, p.Addr()).roundTrip(t, "hi"); got != "hi" {
			t.Errorf("reply %q, want hi", got)
		}
	})
}

func TestNetwork_Close(t *testing.T) {
	before := runtime.NumGoroutine()
	echo := startEcho(t, "")
	n := NewNetwork(nil, fixedDelay(20*time.Millisecond))
	var clients []*client
	for i := range 3 {
		p, err := n.Proxy(t.Context(), regionA, regionB, "127.0.0.1:0", echo.addr())
		if err != nil {
			t.Fatalf("Proxy %d: %v", i, err)
		}
		c := dial(t, p.Addr())
		c.roundTrip(t, "warm")
		_, _ = fmt.Fprintf(c, "in flight\n") // leave bytes queued in the link
		clients = append(clients, c)
	}
	if err := n.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, c := range clients {
		expectDead(t, c.Conn)
		_ = c.Close()
	}
	if _, err := n.Proxy(t.Context(), regionA, regionB, "127.0.0.1:0", echo.addr()); !errors.Is(err, ErrClosed) {
		t.Errorf("Proxy after Close: %v, want ErrClosed", err)
	}
	echo.close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d before, %d after Close\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond) // polling a condition with a deadline
	}
}

func TestNetwork_DefaultDelay(t *testing.T) {
	n := NewNetwork(nil, nil)
	tests := []struct {
		name string
		a, b string
		want time.Duration
	}{
		{name: "seed pair from regions table", a: regionA, b: regionB, want: 47500 * time.Microsecond},
		{name: "unknown pair", a: "lab-1", b: "lab-2", want: 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := n.Link(tt.a, tt.b); got.Delay != tt.want || got.Cut {
				t.Errorf("Link = %+v, want delay %v", got, tt.want)
			}
		})
	}
}

func BenchmarkProxyThroughput(b *testing.B) {
	sink, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	go func() {
		for {
			c, err := sink.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c); _ = c.Close() }()
		}
	}()
	_, p := startProxy(b, 0, sink.Addr().String())
	c := dial(b, p.Addr())
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
}
