package dnsserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// UDPSize is the EDNS0 UDP payload size the Server advertises and honours
// (the DNS Flag Day 2020 value).
const UDPSize = 1232

// bindAttempts bounds the retries when port 0 was asked for and the port the
// kernel chose for UDP is taken for TCP.
const bindAttempts = 16

// Server serves Sources on UDP and TCP at one address. Create it with New,
// then Start it; it serves until Close or until Start's context is done.
type Server struct {
	addr    string
	logger  *slog.Logger
	sources []Source

	mu      sync.Mutex
	bound   string
	servers []*dns.Server
	done    chan struct{} // closed by Close
	served  sync.WaitGroup
	closing sync.Once
}

// New returns a Server that will listen on addr ("host:port", port 0 lets
// the kernel choose) and answer from sources: the first Source, in the order
// given, that is authoritative for a question answers it. logger may be nil.
func New(addr string, logger *slog.Logger, sources ...Source) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Server{addr: addr, logger: logger, sources: sources, done: make(chan struct{})}
}

// Start binds UDP and TCP on the same port and serves in background
// goroutines. It returns once both sockets are bound and being served, so a
// query sent after Start returns is answered. When ctx is done the Server
// closes as if Close had been called. Start must be called at most once.
func (s *Server) Start(ctx context.Context) error {
	pc, l, err := s.bind(ctx)
	if err != nil {
		return err
	}
	h := dns.HandlerFunc(s.serveDNS)
	udp := &dns.Server{PacketConn: pc, Handler: h, UDPSize: dns.MaxMsgSize}
	tcp := &dns.Server{Listener: l, Handler: h}
	s.mu.Lock()
	s.bound = pc.LocalAddr().String()
	s.servers = []*dns.Server{udp, tcp}
	s.mu.Unlock()
	for _, srv := range s.servers {
		if err := s.activate(ctx, srv); err != nil {
			_ = s.Close()
			return fmt.Errorf("start dns server on %s: %w", s.bound, err)
		}
	}
	go func() {
		select {
		case <-ctx.Done():
			_ = s.Close()
		case <-s.done:
		}
	}()
	s.logger.Info("dns server started", "addr", s.bound)
	return nil
}

// bind listens on UDP first, then TCP on the port UDP got.
func (s *Server) bind(ctx context.Context) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(s.addr)
	if err != nil {
		return nil, nil, fmt.Errorf("parse dns address %q: %w", s.addr, err)
	}
	var lc net.ListenConfig
	for attempt := 0; ; attempt++ {
		pc, err := lc.ListenPacket(ctx, "udp", s.addr)
		if err != nil {
			return nil, nil, fmt.Errorf("listen udp %s: %w", s.addr, err)
		}
		chosen := strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
		l, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, chosen))
		if err == nil {
			return pc, l, nil
		}
		_ = pc.Close()
		if port != "0" || attempt+1 >= bindAttempts {
			return nil, nil, fmt.Errorf("listen tcp %s: %w", net.JoinHostPort(host, chosen), err)
		}
	}
}

// activate runs srv in a goroutine and waits until it is serving.
func (s *Server) activate(ctx context.Context, srv *dns.Server) error {
	started := make(chan struct{})
	failed := make(chan error, 1)
	srv.NotifyStartedFunc = func() { close(started) }
	s.served.Add(1)
	go func() {
		defer s.served.Done()
		err := srv.ActivateAndServe()
		select {
		case <-s.done: // closing: errors from shutdown are expected
		default:
			if err != nil {
				s.logger.Error("dns listener stopped unexpectedly", "error", err)
			}
		}
		if err != nil {
			failed <- err
		}
	}()
	select {
	case <-started:
		return nil
	case err := <-failed:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Addr returns the bound address ("127.0.0.1:5353"), valid after Start; it is
// the same port for UDP and TCP.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bound
}

// Close stops serving, closes both sockets and waits for the serving
// goroutines to end. It is safe to call more than once.
func (s *Server) Close() error {
	var errs []error
	s.closing.Do(func() {
		close(s.done)
		s.mu.Lock()
		servers := s.servers
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, srv := range servers {
			if err := srv.ShutdownContext(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		s.served.Wait()
	})
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close dns server: %w", err)
	}
	return nil
}
