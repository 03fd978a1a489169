package wfront

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Startup request codes (the first 4 bytes after a startup packet's length).
const (
	codeSSLRequest    = 80877103
	codeGSSENCRequest = 80877104
	codeCancelRequest = 80877102
	maxStartupLen     = 10000
	startupTimeout    = 30 * time.Second
)

// errCancelled ends a connection that only carried a CancelRequest.
var errCancelled = errors.New("cancel request relayed")

// startup negotiates encryption with the client, opens the session's
// connection to the local server with the same choice, and relays the
// startup and authentication exchange until the server's first
// ReadyForQuery: authentication stays end to end with the local server,
// so pg_hba, rds.force_ssl and IAM authentication keep working.
func (f *Front) startup(c net.Conn) (*session, error) {
	_ = c.SetDeadline(time.Now().Add(startupTimeout))
	useTLS := false
	for {
		body, err := readStartup(c)
		if err != nil {
			return nil, fmt.Errorf("read startup packet: %w", err)
		}
		switch binary.BigEndian.Uint32(body) {
		case codeSSLRequest:
			cert := f.cfg.Cert()
			if cert == nil || useTLS {
				if _, err := c.Write([]byte{'N'}); err != nil {
					return nil, fmt.Errorf("refuse TLS: %w", err)
				}
				continue
			}
			if _, err := c.Write([]byte{'S'}); err != nil {
				return nil, fmt.Errorf("accept TLS: %w", err)
			}
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12})
			if err := tc.Handshake(); err != nil {
				return nil, fmt.Errorf("TLS handshake with client: %w", err)
			}
			c, useTLS = tc, true
		case codeGSSENCRequest:
			if _, err := c.Write([]byte{'N'}); err != nil {
				return nil, fmt.Errorf("refuse GSS encryption: %w", err)
			}
		case codeCancelRequest:
			f.relayCancel(body)
			return nil, errCancelled
		default:
			return f.login(c, body, useTLS)
		}
	}
}

// login opens the local connection, sends the client's startup message
// and relays authentication both ways.
func (f *Front) login(c net.Conn, body []byte, useTLS bool) (*session, error) {
	var sm pgproto3.StartupMessage
	if err := sm.Decode(body); err != nil {
		return nil, fmt.Errorf("decode startup message: %w", err)
	}
	local, err := f.dialLocal(useTLS)
	if err != nil {
		return nil, err
	}
	_ = local.SetDeadline(time.Now().Add(startupTimeout))
	pkt := binary.BigEndian.AppendUint32(nil, uint32(len(body)+4))
	if _, err := local.Write(append(pkt, body...)); err != nil {
		local.Close()
		return nil, fmt.Errorf("send startup message: %w", err)
	}
	key, err := relayAuth(c, local)
	if err != nil {
		local.Close()
		return nil, err
	}
	_ = c.SetDeadline(time.Time{})
	_ = local.SetDeadline(time.Time{})
	user := sm.Parameters["user"]
	db := sm.Parameters["database"]
	if db == "" {
		db = user
	}
	return newSession(f, c, local, user, db, key), nil
}

// dialLocal connects to the local server, with TLS when the client used
// it (the server is ours: its certificate is not verified).
func (f *Front) dialLocal(useTLS bool) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	s, err := f.cfg.Dial(ctx, "tcp", f.cfg.Local)
	if err != nil {
		return nil, fmt.Errorf("dial local server: %w", err)
	}
	if !useTLS {
		return s, nil
	}
	_ = s.SetDeadline(time.Now().Add(startupTimeout))
	req := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), codeSSLRequest)
	if _, err := s.Write(req); err != nil {
		s.Close()
		return nil, fmt.Errorf("request TLS from local server: %w", err)
	}
	var b [1]byte
	if _, err := io.ReadFull(s, b[:]); err != nil {
		s.Close()
		return nil, fmt.Errorf("request TLS from local server: %w", err)
	}
	if b[0] != 'S' {
		return s, nil // the server has no TLS: carry on in clear, as it would
	}
	tc := tls.Client(s, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // our own server
	if err := tc.HandshakeContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("TLS handshake with local server: %w", err)
	}
	return tc, nil
}

// relayAuth copies the server's messages to the client until
// ReadyForQuery (or an error), and the client's answer after each
// authentication request that needs one. It returns the server's
// BackendKeyData.
func relayAuth(c, local net.Conn) (*pgproto3.BackendKeyData, error) {
	var key *pgproto3.BackendKeyData
	for {
		typ, msg, err := readMessage(local)
		if err != nil {
			return nil, fmt.Errorf("read from local server during login: %w", err)
		}
		if _, err := c.Write(msg); err != nil {
			return nil, fmt.Errorf("write to client during login: %w", err)
		}
		switch typ {
		case 'E':
			return nil, errors.New("local server refused the login")
		case 'Z':
			if key == nil {
				key = &pgproto3.BackendKeyData{}
			}
			return key, nil
		case 'K':
			key = &pgproto3.BackendKeyData{}
			if err := key.Decode(msg[5:]); err != nil {
				return nil, fmt.Errorf("decode BackendKeyData: %w", err)
			}
		case 'R':
			if len(msg) < 9 {
				return nil, errors.New("short authentication message")
			}
			switch binary.BigEndian.Uint32(msg[5:9]) {
			case pgproto3.AuthTypeCleartextPassword, pgproto3.AuthTypeMD5Password,
				pgproto3.AuthTypeSASL, pgproto3.AuthTypeSASLContinue:
				if _, answer, err := readMessage(c); err != nil {
					return nil, fmt.Errorf("read client authentication: %w", err)
				} else if _, err := local.Write(answer); err != nil {
					return nil, fmt.Errorf("relay client authentication: %w", err)
				}
			}
		}
	}
}

// relayCancel sends a CancelRequest on to the local server (the client
// knows the local server's key) and, when that session's forwarding
// session is open, a CancelRequest with its key to the writer.
func (f *Front) relayCancel(body []byte) {
	ctx, cancel := context.WithTimeout(f.ctx, 5*time.Second)
	defer cancel()
	send := func(addr string, body []byte) {
		s, err := f.cfg.Dial(ctx, "tcp", addr)
		if err != nil {
			return
		}
		defer s.Close()
		pkt := binary.BigEndian.AppendUint32(nil, uint32(len(body)+4))
		_, _ = s.Write(append(pkt, body...))
	}
	if k := f.fw.writerKey(string(body[4:])); k != nil {
		b := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, codeCancelRequest), k.pid)
		send(k.addr, append(b, k.secret...))
	}
	send(f.cfg.Local, body)
}

// readStartup reads one untyped startup packet and returns its body.
func readStartup(r io.Reader) ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[:])
	if n < 8 || n > maxStartupLen {
		return nil, fmt.Errorf("startup packet length %d out of range", n)
	}
	body := make([]byte, n-4)
	_, err := io.ReadFull(r, body)
	return body, err
}

// readMessage reads one typed message and returns its type and all its
// bytes (type, length, body).
func readMessage(r io.Reader) (byte, []byte, error) {
	var h [5]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(h[1:])
	if n < 4 || n > 1<<24 {
		return 0, nil, fmt.Errorf("message length %d out of range", n)
	}
	msg := make([]byte, 5+n-4)
	copy(msg, h[:])
	_, err := io.ReadFull(r, msg[5:])
	return h[0], msg, err
}
