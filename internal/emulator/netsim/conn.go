package netsim

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/netguard"
)

const (
	// queueChunks bounds the chunks in flight per direction; a full queue
	// stops the reader, so a slow receiver applies backpressure.
	queueChunks = 1024
	// readSize is the largest chunk one read produces.
	readSize = 32 << 10
)

// chunk is bytes read from one side at time at, due on the other side at
// at + the link's current delay.
type chunk struct {
	at   time.Time
	data []byte
}

// conn is one proxied connection: client ↔ upstream, two delayed directions.
type conn struct {
	client net.Conn
	pair   pair
	net    *Network
	logger *slog.Logger

	mu       sync.Mutex
	upstream net.Conn
	done     chan struct{} // closed by close
	once     sync.Once
}

func newConn(client net.Conn, p pair, n *Network, logger *slog.Logger) *conn {
	return &conn{client: client, pair: p, net: n, logger: logger, done: make(chan struct{})}
}

// close tears both sides down at once. Safe to call more than once.
func (c *conn) close() {
	c.once.Do(func() {
		close(c.done)
		c.mu.Lock()
		up := c.upstream
		c.mu.Unlock()
		_ = c.client.Close()
		if up != nil {
			_ = up.Close()
		}
	})
}

// run dials target and shuttles bytes both ways until both directions end
// or the connection is closed.
func (c *conn) run(ctx context.Context, target string) {
	defer c.close()
	if target == "" {
		c.logger.Debug("proxy has no target yet; connection dropped")
		return
	}
	d := netguard.Dialer{Timeout: dialTimeout} // links join loopback addresses only
	up, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		c.logger.Warn("proxy dial target", "target", target, "error", err)
		return
	}
	c.mu.Lock()
	c.upstream = up
	c.mu.Unlock()
	select {
	case <-c.done: // closed (cut) while dialing
		_ = up.Close()
		return
	default:
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.direction(c.client, up) }()
	go func() { defer wg.Done(); c.direction(up, c.client) }()
	wg.Wait()
}

// direction copies src to dst with the link delay: a reader goroutine stamps
// chunks with their read time, a writer delivers each at its due time, in
// order. Delay does not accumulate: chunks in the queue wait concurrently.
// Bytes already read are in flight: they are delivered even when src
// ends, as a network delivers packets sent before a peer went away. EOF on
// src is passed on as a half-close of dst after the queued bytes; a reset
// or other read error closes the whole connection after them.
func (c *conn) direction(src, dst net.Conn) {
	queue := make(chan chunk, queueChunks)
	reading := make(chan struct{})
	var end error
	go func() { defer close(reading); end = c.read(src, queue) }()
	defer func() { <-reading }() // no goroutine outlives the conn
	if !c.write(dst, queue) {
		return // dst is gone or the conn was cut; the other direction ends the conn
	}
	<-reading
	if end == nil {
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
			return
		}
	}
	c.close()
}

// read fills queue from src until EOF (nil) or another error (returned),
// then closes queue. It stops early when the conn is closed.
func (c *conn) read(src net.Conn, queue chan<- chunk) error {
	defer close(queue)
	buf := make([]byte, readSize)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			ck := chunk{at: time.Now(), data: append([]byte(nil), buf[:n]...)}
			select {
			case queue <- ck:
			case <-c.done:
				return net.ErrClosed
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// write delivers queued chunks to dst at their due times. It returns true
// when the queue was drained, false when the conn was closed or a write
// failed (the rest of the queue is then discarded so the reader ends).
func (c *conn) write(dst net.Conn, queue <-chan chunk) bool {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	discard := func() {
		for range queue {
		}
	}
	for {
		var ck chunk
		var ok bool
		select {
		case ck, ok = <-queue:
			if !ok {
				return true
			}
		case <-c.done:
			go discard()
			return false
		}
		if !c.wait(timer, ck.at) {
			go discard()
			return false
		}
		if _, err := dst.Write(ck.data); err != nil {
			go discard()
			return false
		}
	}
}

// wait blocks until at + the link's current delay, re-reading the delay
// after each wake so SetDelay applies to queued bytes. false: conn closed.
func (c *conn) wait(timer *time.Timer, at time.Time) bool {
	for {
		left := time.Until(at.Add(c.net.linkDelay(c.pair)))
		if left <= 0 {
			return true
		}
		timer.Reset(left)
		select {
		case <-timer.C:
		case <-c.done:
			return false
		}
	}
}
