// Package wfront is the PostgreSQL wire-protocol front of an emulated DB
// instance: it owns the address clients reach through the instance's
// endpoint names (host:5432) and relays each client connection to the
// instance's PostgreSQL server, which listens on an internal port.
//
// A connection is relayed byte for byte (TLS and authentication happen
// end to end with the server) unless the instance forwards writes (Aurora
// global or local write forwarding, Policy.Forward) when it is accepted:
// then the front speaks the protocol itself, runs reads on the local
// replica and forwards writes to the writer (forward.go).
//
// The front listens only while its server runs, so that a TCP health
// check of the endpoint fails when the server is down, as it would on
// RDS.
//
// # Write forwarding
//
// A forwarding client session (session.go) authenticates end to end
// with the local replica (TLS mirrored, startup and SCRAM/cleartext
// relayed). Each statement is classified (sqlclass): reads run on the
// replica; DML, locking reads, EXPLAIN ANALYZE and EXECUTE of those run
// in the session's forwarding session on the writer (Policy.WriterAddr),
// opened as the admin user with role set to the client's user, in the
// client's database, with the client's isolation level; the
// apg_write_forward.consistency_mode setting is the front's own;
// unsupported statements are refused with SQLSTATE 0A000. SESSION reads
// wait for the replica to replay the session's last forwarded commit,
// GLOBAL reads for the writer's position when the read starts. Stats
// gives the counters behind Aurora's AuroraForwardingReplica* metrics.
// A client's CancelRequest reaches the replica and, through the
// forwarding session's own key, the writer.
//
// Deviations from Aurora, by construction:
//   - Wait events: PostgreSQL cannot show the AuroraWriteForward* IPC
//     wait events from outside the server; pg_stat_activity shows the
//     replica session idle while the front waits or forwards. On the
//     writer, forwarding sessions have application_name
//     aurora_write_forward.
//   - The forwarding session runs with current_user the client's user
//     but session_user the admin user; functions that read session_user
//     see the admin.
//   - A multi-statement simple query that mixes replica and writer
//     statements runs them one at a time, each committing on its own
//     outside an explicit transaction (PostgreSQL makes the string one
//     implicit transaction); likewise an extended-protocol batch is
//     split at statements the front answers itself.
//   - Flush is answered at the next Sync; COPY is refused (as Aurora
//     does) while forwarding.
//   - SET apg_write_forward.consistency_mode is not transactional.
//   - A consistency wait is bounded by Policy.ConnectTimeout (30 s when
//     zero) and then fails with 57014.
//   - The idle-in-transaction timeout fails the client's transaction at
//     its next statement (25P03) instead of closing the connection.
//   - A forwarding session that breaks with a commit in flight gives
//     08007 (outcome unknown) and resets the client's transaction.
package wfront

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Policy is what an instance does with the writes its clients send, read
// when a connection is accepted (and, for forwarding sessions, before
// each statement, so role changes take effect without reconnecting).
type Policy struct {
	// Forward: the instance is a reader that forwards writes.
	Forward bool
	// Kind is "global" (to the global writer through the WAN link) or
	// "local" (to the cluster's writer in the same region).
	Kind string
	// WriterAddr is where forwarding sessions connect: the WAN link's
	// address for global forwarding, the writer's server for local; ""
	// when no writer is known (forwarded statements fail at once).
	WriterAddr string
	// Mode is the default apg_write_forward.consistency_mode of new
	// sessions: SESSION, EVENTUAL, GLOBAL or OFF.
	Mode string
	// ConnectTimeout bounds opening a forwarding session (0: no bound);
	// the idle timeouts close idle forwarding sessions (0: never).
	// Durations are real time (already scaled by the emulator's clock).
	ConnectTimeout                  time.Duration
	IdleSessionTimeout              time.Duration
	IdleInTransactionSessionTimeout time.Duration
	// MaxForwardingConns caps the forwarding sessions this front opens
	// to the writer at once (0: no cap).
	MaxForwardingConns int
}

// Credentials are the superuser the front opens forwarding sessions
// with on the writer; each session then runs as the client's user.
type Credentials struct{ User, Password string }

// Config wires a Front.
type Config struct {
	// Listen is the address clients connect to (the instance endpoint).
	Listen string
	// Local is the instance's own PostgreSQL server.
	Local string
	// Policy returns the instance's current forwarding policy.
	Policy func() Policy
	// Cert returns the instance's current server certificate, which the
	// front presents when it speaks the protocol itself (the same one the
	// server presents, so SCRAM channel binding holds); nil: no TLS.
	Cert func() *tls.Certificate
	// Dial opens every outbound connection (the emulator's loopback-only
	// dialer).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Admin opens forwarding sessions on the writer.
	Admin  Credentials
	Logger *slog.Logger
}

// Front serves one instance's endpoint address.
type Front struct {
	cfg Config
	log *slog.Logger
	ln  net.Listener

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{}

	fw fwState // shared by forwarding sessions (forward.go)
}

// Start listens on cfg.Listen and serves until Close.
func Start(cfg Config) (*Front, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Dial == nil {
		return nil, errors.New("wfront: a dialer is required")
	}
	if cfg.Policy == nil {
		cfg.Policy = func() Policy { return Policy{} }
	}
	if cfg.Cert == nil {
		cfg.Cert = func() *tls.Certificate { return nil }
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &Front{cfg: cfg, log: cfg.Logger, ln: ln, ctx: ctx, cancel: cancel, conns: map[net.Conn]struct{}{}}
	f.wg.Add(1)
	go f.serve()
	return f, nil
}

// Addr is the address the front listens on.
func (f *Front) Addr() string { return f.ln.Addr().String() }

// Close stops listening and closes every client connection, as a server
// that stops drops its clients; it returns once every connection's
// goroutines have ended.
func (f *Front) Close() error {
	f.cancel()
	err := f.ln.Close()
	f.mu.Lock()
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
	f.fw.closeShared()
	return err
}

func (f *Front) serve() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		if !f.track(c) {
			c.Close()
			return
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer f.untrack(c)
			defer c.Close()
			f.handle(c)
		}()
	}
}

// track registers a client connection so Close can drop it; false once
// the front is closing.
func (f *Front) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ctx.Err() != nil {
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *Front) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
}

// handle serves one client connection.
func (f *Front) handle(c net.Conn) {
	if p := f.cfg.Policy(); p.Forward {
		f.forward(c)
		return
	}
	f.relay(c)
}

// relay copies bytes both ways between the client and the local server
// until either side closes.
func (f *Front) relay(c net.Conn) {
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	s, err := f.cfg.Dial(ctx, "tcp", f.cfg.Local)
	cancel()
	if err != nil {
		f.log.Debug("front: dial server", "err", err)
		return
	}
	f.mu.Lock()
	if f.ctx.Err() != nil {
		f.mu.Unlock()
		s.Close()
		return
	}
	f.conns[s] = struct{}{}
	f.mu.Unlock()
	defer f.untrack(s)
	defer s.Close()
	// When either side ends, the session is over: close both, as a
	// server's exit ends its clients' connections.
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(s, c)
		s.Close()
		close(done)
	}()
	_, _ = io.Copy(c, s)
	c.Close()
	<-done
}
