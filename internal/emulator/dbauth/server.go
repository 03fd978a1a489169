// Package dbauth checks RDS IAM database-authentication tokens on behalf of
// the emulator's PostgreSQL servers.
//
// PostgreSQL cannot verify a SigV4-presigned token itself, so pg_hba.conf
// sends members of role rds_iam to an external password checker. RADIUS is
// not usable for this: PostgreSQL refuses RADIUS passwords longer than 128
// bytes (RADIUS_MAX_PASSWORD_LENGTH in src/backend/libpq/auth.c) and an RDS
// auth token is several hundred bytes. PostgreSQL's "ldap" method in simple
// bind mode has no such limit: it opens a TCP connection to the LDAP server
// and sends an LDAPv3 simple BindRequest with DN ldapprefix+user+ldapsuffix
// and the client's password. Server is a minimal LDAP server that answers
// BindRequests only, asking a Validator; the per-node ldapsuffix
// (DNSuffix) tells it which instance is being logged into.
package dbauth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
)

// Validator decides whether token authenticates user on the instance at
// hostPort; the emulator implements it (SigV4 presign verification + IAM
// policy rds-db:connect). reason is logged, never sent to the client.
type Validator func(ctx context.Context, hostPort, user, token string) (ok bool, reason string)

// DNPrefix is the pg_hba ldapprefix that goes with DNSuffix.
const DNPrefix = "cn="

const (
	dnInstance = ",ou="
	dnTail     = ",dc=globaldb-iam"
)

// DNSuffix is the pg_hba ldapsuffix for the node listening on hostPort:
// PostgreSQL binds as DNPrefix + user + DNSuffix(hostPort).
func DNSuffix(hostPort string) string { return dnInstance + hostPort + dnTail }

// ParseDN splits a bind DN made of DNPrefix + user + DNSuffix(hostPort).
// PostgreSQL does not escape user, so the instance is the part after the
// last ",ou=" (a host:port never contains one).
func ParseDN(dn string) (user, hostPort string, ok bool) {
	rest, ok1 := strings.CutPrefix(dn, DNPrefix)
	rest, ok2 := strings.CutSuffix(rest, dnTail)
	i := strings.LastIndex(rest, dnInstance)
	if !ok1 || !ok2 || i <= 0 {
		return "", "", false
	}
	user, hostPort = rest[:i], rest[i+len(dnInstance):]
	if _, _, err := net.SplitHostPort(hostPort); err != nil {
		return "", "", false
	}
	return user, hostPort, true
}

// LDAP result codes (RFC 4511 §4.1.9).
const (
	resultSuccess                 = 0
	resultProtocolError           = 2
	resultAuthMethodNotSupported  = 7
	resultInvalidCredentials      = 49
	resultUnwillingToPerform      = 53
	validateTimeout               = 15 * time.Second
	idleTimeout                   = 60 * time.Second
	writeTimeout                  = 10 * time.Second
	genericFailure                = "IAM authentication failed"
	unsupportedOperationDiagnosis = "only simple bind is supported"
)

// responseTag maps an LDAP request's tag to its response's, for requests
// this server refuses with unwillingToPerform.
var responseTag = map[byte]byte{
	0x63:               0x65, // search -> searchResDone
	0x66:               0x67, // modify
	0x68:               0x69, // add
	0x4a:               0x6b, // del (primitive LDAPDN)
	0x6c:               0x6d, // modDN
	0x6e:               0x6f, // compare
	tagExtendedRequest: 0x78, // extended (e.g. StartTLS)
}

// Server is a minimal LDAPv3 server that answers simple BindRequests by
// asking a Validator. It is safe for concurrent use.
type Server struct {
	addr string
	v    Validator
	log  *slog.Logger

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
	ctx    context.Context
	cancel context.CancelFunc
	closed bool
	wg     sync.WaitGroup
}

// NewServer returns a Server that will listen on addr (e.g. "127.0.0.1:0";
// PostgreSQL's ldapserver needs an IPv4 address or a host name) once
// started. logger nil discards logs.
func NewServer(addr string, v Validator, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Server{addr: addr, v: v, log: logger, conns: make(map[net.Conn]struct{})}
}

// Start listens and serves in the background until Close or until ctx is
// done. Validators get a context derived from ctx.
func (s *Server) Start(ctx context.Context) error {
	if s.v == nil {
		return errors.New("start db auth server: nil validator")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("start db auth server: closed")
	}
	if s.ln != nil {
		return errors.New("start db auth server: already started")
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("start db auth server: %w", err)
	}
	s.ln = ln
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.wg.Add(2)
	go s.acceptLoop()
	go func() {
		defer s.wg.Done()
		<-s.ctx.Done()
		s.shutdown()
	}()
	s.log.Info("db auth server listening", "addr", ln.Addr().String())
	return nil
}

// Addr is the listening address (host:port), or "" before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Close stops the server, closes every connection and waits for its
// goroutines. It is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	started := s.ln != nil
	s.mu.Unlock()
	s.shutdown()
	if started {
		s.wg.Wait()
	}
	return nil
}

func (s *Server) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	if s.cancel != nil {
		s.cancel()
	}
	if s.ln != nil {
		s.ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // closed
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(c)
	}
}

// serve answers the requests of one connection until Unbind, EOF, idle
// timeout or a malformed message.
func (s *Server) serve(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("db auth server: panic serving connection", "remote", c.RemoteAddr().String(), "panic", fmt.Sprint(p))
		}
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	r := bufio.NewReader(c)
	for {
		_ = c.SetReadDeadline(time.Now().Add(idleTimeout))
		msg, err := readMessage(r)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.log.Debug("db auth server: dropping connection", "remote", c.RemoteAddr().String(), "err", err)
			}
			return
		}
		resp, done := s.handle(msg)
		if resp != nil {
			_ = c.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := c.Write(resp); err != nil {
				return
			}
		}
		if done {
			return
		}
	}
}

// handle answers one LDAPMessage's content; done means close the connection.
func (s *Server) handle(msg []byte) (resp []byte, done bool) {
	tag, content, rest, err := parseTLV(msg)
	if err != nil || tag != tagInteger {
		return nil, true
	}
	id, err := parseInt(content)
	if err != nil {
		return nil, true
	}
	op, body, _, err := parseTLV(rest) // trailing controls are ignored
	if err != nil {
		return nil, true
	}
	switch op {
	case tagBindRequest:
		code, diag := s.bind(body)
		return ldapResult(id, tagBindResponse, code, diag), code == resultProtocolError
	case tagUnbindRequest:
		return nil, true
	case tagAbandonRequest:
		return nil, false
	}
	if rt, ok := responseTag[op]; ok {
		return ldapResult(id, rt, resultUnwillingToPerform, unsupportedOperationDiagnosis), false
	}
	return nil, true
}

// bind decides a BindRequest: version 3, DN from ParseDN, simple password
// checked by the Validator.
func (s *Server) bind(body []byte) (code int, diag string) {
	tag, content, rest, err := parseTLV(body)
	if err != nil || tag != tagInteger {
		return resultProtocolError, "malformed bind request"
	}
	if v, err := parseInt(content); err != nil || v != 3 {
		return resultProtocolError, "only LDAPv3 is supported"
	}
	tag, name, rest, err := parseTLV(rest)
	if err != nil || tag != tagOctetString {
		return resultProtocolError, "malformed bind request"
	}
	tag, password, _, err := parseTLV(rest)
	switch {
	case err != nil:
		return resultProtocolError, "malformed bind request"
	case tag == tagAuthSASL:
		return resultAuthMethodNotSupported, "only simple bind is supported"
	case tag != tagAuthSimple:
		return resultProtocolError, "malformed bind request"
	case len(password) == 0:
		return resultUnwillingToPerform, "unauthenticated bind is not allowed"
	}
	user, hostPort, ok := ParseDN(string(name))
	if !ok {
		s.log.Info("db auth rejected", "dn", string(name), "reason", "bind DN is not an instance user")
		return resultInvalidCredentials, genericFailure
	}
	ctx, cancel := context.WithTimeout(s.ctx, validateTimeout)
	defer cancel()
	ok, reason := s.v(ctx, hostPort, user, string(password))
	if !ok {
		s.log.Info("db auth rejected", "instance", hostPort, "user", user, "reason", reason)
		return resultInvalidCredentials, genericFailure
	}
	s.log.Info("db auth accepted", "instance", hostPort, "user", user)
	return resultSuccess, ""
}
