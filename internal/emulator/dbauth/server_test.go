package dbauth

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestParseDN(t *testing.T) {
	tests := []struct {
		dn, user, hostPort string
		ok                 bool
	}{
		{DNPrefix + "iam_user" + DNSuffix("127.0.0.2:5432"), "iam_user", "127.0.0.2:5432", true},
		{DNPrefix + "a,ou=b" + DNSuffix("127.0.0.2:5432"), "a,ou=b", "127.0.0.2:5432", true},
		{DNPrefix + "u" + DNSuffix("[::1]:5432"), "u", "[::1]:5432", true},
		{DNPrefix + DNSuffix("127.0.0.2:5432"), "", "", false},
		{"uid=u" + DNSuffix("127.0.0.2:5432"), "", "", false},
		{DNPrefix + "u,ou=127.0.0.2:5432", "", "", false},
		{DNPrefix + "u" + DNSuffix("127.0.0.2"), "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.dn, func(t *testing.T) {
			user, hp, ok := ParseDN(tt.dn)
			if user != tt.user || hp != tt.hostPort || ok != tt.ok {
				t.Fatalf("ParseDN = %q, %q, %v; want %q, %q, %v", user, hp, ok, tt.user, tt.hostPort, tt.ok)
			}
		})
	}
}

// call is one Validator invocation.
type call struct{ hostPort, user, token string }

// fakeValidator accepts exactly the token "good" (or any token starting with
// "long:") and records its calls.
type fakeValidator struct {
	mu    sync.Mutex
	calls []call
}

func (f *fakeValidator) validate(_ context.Context, hostPort, user, token string) (bool, string) {
	f.mu.Lock()
	f.calls = append(f.calls, call{hostPort, user, token})
	f.mu.Unlock()
	if token == "panic" {
		panic("validator panicked")
	}
	return token == "good" || strings.HasPrefix(token, "long:"), "fake says no"
}

func (f *fakeValidator) last() call {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return call{}
	}
	return f.calls[len(f.calls)-1]
}

func startServer(t *testing.T) (*Server, *fakeValidator) {
	t.Helper()
	f := &fakeValidator{}
	s := NewServer("127.0.0.1:0", f.validate, nil)
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, f
}

func dial(t *testing.T, s *Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// message wraps op into an LDAPMessage with id.
func message(id int, op byte, body []byte) []byte {
	var m []byte
	m = appendInt(m, tagInteger, id)
	m = appendTLV(m, op, body)
	return appendTLV(nil, tagSequence, m)
}

func bindBody(version int, dn string, authTag byte, password string) []byte {
	var b []byte
	b = appendInt(b, tagInteger, version)
	b = appendTLV(b, tagOctetString, []byte(dn))
	return appendTLV(b, authTag, []byte(password))
}

type result struct {
	id   int
	op   byte
	code int
}

// readResult reads one LDAPResult-shaped response.
func readResult(t *testing.T, c net.Conn) (result, error) {
	t.Helper()
	body, err := readMessage(bufio.NewReader(c))
	if err != nil {
		return result{}, err
	}
	tag, content, rest, err := parseTLV(body)
	if err != nil || tag != tagInteger {
		t.Fatalf("response id: %v", err)
	}
	id, _ := parseInt(content)
	op, res, _, err := parseTLV(rest)
	if err != nil {
		t.Fatalf("response op: %v", err)
	}
	tag, content, _, err = parseTLV(res)
	if err != nil || tag != tagEnumerated {
		t.Fatalf("response code: %v", err)
	}
	code, _ := parseInt(content)
	return result{id, op, code}, nil
}

func TestServer_Requests(t *testing.T) {
	s, f := startServer(t)
	const inst = "127.9.0.1:5432"
	dn := DNPrefix + "iam_user" + DNSuffix(inst)
	long := "long:" + strings.Repeat("x", 5000)
	tests := []struct {
		name     string
		req      []byte
		want     result
		wantCall *call
	}{
		{"good token", message(1, tagBindRequest, bindBody(3, dn, tagAuthSimple, "good")),
			result{1, tagBindResponse, resultSuccess}, &call{inst, "iam_user", "good"}},
		{"rejected token", message(2, tagBindRequest, bindBody(3, dn, tagAuthSimple, "bad")),
			result{2, tagBindResponse, resultInvalidCredentials}, &call{inst, "iam_user", "bad"}},
		{"long token, multi-byte lengths", message(300, tagBindRequest, bindBody(3, dn, tagAuthSimple, long)),
			result{300, tagBindResponse, resultSuccess}, &call{inst, "iam_user", long}},
		{"foreign DN", message(3, tagBindRequest, bindBody(3, "cn=admin,dc=example", tagAuthSimple, "good")),
			result{3, tagBindResponse, resultInvalidCredentials}, nil},
		{"LDAPv2", message(4, tagBindRequest, bindBody(2, dn, tagAuthSimple, "good")),
			result{4, tagBindResponse, resultProtocolError}, nil},
		{"SASL", message(5, tagBindRequest, bindBody(3, dn, tagAuthSASL, "")),
			result{5, tagBindResponse, resultAuthMethodNotSupported}, nil},
		{"unauthenticated bind", message(6, tagBindRequest, bindBody(3, dn, tagAuthSimple, "")),
			result{6, tagBindResponse, resultUnwillingToPerform}, nil},
		{"validator panics", message(7, tagBindRequest, bindBody(3, dn, tagAuthSimple, "panic")),
			result{}, &call{inst, "iam_user", "panic"}},
		{"search", message(8, 0x63, []byte{0x04, 0x00}),
			result{8, 0x65, resultUnwillingToPerform}, nil},
		{"StartTLS", message(9, tagExtendedRequest, appendTLV(nil, 0x80, []byte("1.3.6.1.4.1.1466.20037"))),
			result{9, 0x78, resultUnwillingToPerform}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.last()
			c := dial(t, s)
			if _, err := c.Write(tt.req); err != nil {
				t.Fatal(err)
			}
			got, err := readResult(t, c)
			if tt.want == (result{}) {
				if err == nil {
					t.Fatalf("got %+v, want the connection closed", got)
				}
			} else if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
			last := f.last()
			switch {
			case tt.wantCall != nil && last != *tt.wantCall:
				t.Errorf("validator got %.60q, want %.60q", last, *tt.wantCall)
			case tt.wantCall == nil && last != before:
				t.Errorf("validator called with %.60q", last)
			}
		})
	}
}

func TestServer_BindThenUnbindOnOneConnection(t *testing.T) {
	s, _ := startServer(t)
	c := dial(t, s)
	dn := DNPrefix + "u" + DNSuffix("127.0.0.1:5432")
	for id := 1; id <= 2; id++ {
		if _, err := c.Write(message(id, tagBindRequest, bindBody(3, dn, tagAuthSimple, "good"))); err != nil {
			t.Fatal(err)
		}
		if got, err := readResult(t, c); err != nil || got.code != resultSuccess || got.id != id {
			t.Fatalf("bind %d: %+v, %v", id, got, err)
		}
	}
	if _, err := c.Write(message(3, tagUnbindRequest, nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("after unbind: read %v, want EOF", err)
	}
}

func TestServer_MalformedInput(t *testing.T) {
	s, _ := startServer(t)
	dn := DNPrefix + "u" + DNSuffix("127.0.0.1:5432")
	tests := []struct {
		name string
		in   []byte
	}{
		{"not a sequence", []byte{0x31, 0x00}},
		{"indefinite length", []byte{0x30, 0x80, 0x00, 0x00}},
		{"length of length 5", []byte{0x30, 0x85, 1, 1, 1, 1, 1}},
		{"oversized", []byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff}},
		{"truncated body", []byte{0x30, 0x10, 0x02, 0x01}},
		{"empty message", []byte{0x30, 0x00}},
		{"id not an integer", []byte{0x30, 0x03, 0x04, 0x01, 0x01}},
		{"negative id", []byte{0x30, 0x05, 0x02, 0x01, 0xff, 0x42, 0x00}},
		{"huge id", []byte{0x30, 0x09, 0x02, 0x05, 1, 2, 3, 4, 5, 0x42, 0x00}},
		{"no op", []byte{0x30, 0x03, 0x02, 0x01, 0x01}},
		{"op overruns", []byte{0x30, 0x05, 0x02, 0x01, 0x01, 0x60, 0x7f}},
		{"multi-byte tag", []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x7f, 0x01, 0x00}},
		{"unknown op", []byte{0x30, 0x05, 0x02, 0x01, 0x01, 0x55, 0x00}},
		{"bind without version", message(1, tagBindRequest, nil)},
		{"bind with bad name tag", message(1, tagBindRequest, []byte{0x02, 0x01, 0x03, 0x02, 0x00})},
		{"bind without auth", message(1, tagBindRequest, []byte{0x02, 0x01, 0x03, 0x04, 0x00})},
		{"bind with unknown auth", message(1, tagBindRequest, bindBody(3, dn, 0x81, "x"))},
		{"bind with long-form length overrun", message(1, tagBindRequest, []byte{0x02, 0x01, 0x03, 0x04, 0x82, 0xff, 0xff})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, s)
			if _, err := c.Write(tt.in); err != nil {
				t.Fatal(err)
			}
			if tcp, ok := c.(*net.TCPConn); ok {
				_ = tcp.CloseWrite() // a truncated message ends at EOF
			}
			// Whatever came back (a protocolError or nothing), the server
			// must close the connection rather than hang or crash.
			if _, err := io.ReadAll(c); err != nil {
				t.Fatalf("read until close: %v", err)
			}
		})
	}
	t.Run("server still answers", func(t *testing.T) {
		c := dial(t, s)
		if _, err := c.Write(message(1, tagBindRequest, bindBody(3, dn, tagAuthSimple, "good"))); err != nil {
			t.Fatal(err)
		}
		if got, err := readResult(t, c); err != nil || got.code != resultSuccess {
			t.Fatalf("bind after malformed input: %+v, %v", got, err)
		}
	})
}

func TestServer_Lifecycle(t *testing.T) {
	f := &fakeValidator{}
	s := NewServer("127.0.0.1:0", f.validate, nil)
	if s.Addr() != "" {
		t.Errorf("Addr before Start = %q", s.Addr())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err == nil {
		t.Error("second Start: no error")
	}
	idle := dial(t, s) // an idle connection must not block Close
	_ = idle
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := net.Dial("tcp", s.Addr()); err == nil {
		t.Error("still accepting after Close")
	}
	if err := s.Start(ctx); err == nil {
		t.Error("Start after Close: no error")
	}

	s2 := NewServer("127.0.0.1:0", f.validate, nil)
	if err := s2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cancel() // the context ends the server too
	c, err := net.Dial("tcp", s2.Addr())
	if err == nil {
		// the listener may still be closing; the connection must then be dropped
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		// Dropped means closed or reset; only a connection still held open
		// (the read deadline passes) is wrong.
		if _, err := io.ReadAll(c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("read after cancel: %v", err)
		}
		c.Close()
	}
	s2.Close()
}

// FuzzHandle feeds arbitrary LDAPMessages to the request handler.
func FuzzHandle(f *testing.F) {
	dn := DNPrefix + "u" + DNSuffix("127.0.0.1:5432")
	f.Add(message(1, tagBindRequest, bindBody(3, dn, tagAuthSimple, "good")))
	f.Add(message(1, tagBindRequest, bindBody(3, dn, tagAuthSASL, "x")))
	f.Add(message(2, 0x63, []byte{0x04, 0x00}))
	f.Add([]byte{0x30, 0x84, 0, 0, 0, 3, 0x02, 0x01, 0x01})
	s := NewServer("127.0.0.1:0", func(ctx context.Context, hostPort, user, token string) (bool, string) {
		return token == "good", ""
	}, nil)
	s.ctx = context.Background()
	f.Fuzz(func(t *testing.T, in []byte) {
		body, err := readMessage(bufio.NewReader(bytes.NewReader(in)))
		if err != nil {
			return
		}
		resp, _ := s.handle(body)
		if resp != nil {
			if _, err := readMessage(bufio.NewReader(bytes.NewReader(resp))); err != nil {
				t.Fatalf("unreadable response %x: %v", resp, err)
			}
		}
	})
}
