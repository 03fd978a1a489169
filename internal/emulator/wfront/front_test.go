package wfront

import (
	"bufio"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// echoServer accepts connections on loopback and echoes lines; it stands
// for the instance's server in tests of the byte relay.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func TestFront_RelaysAndDropsClientsOnClose(t *testing.T) {
	var d net.Dialer
	f, err := Start(Config{Listen: "127.0.0.1:0", Local: echoServer(t), Dial: d.DialContext})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", f.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "hello\n" {
		t.Fatalf("relayed %q, %v; want hello", line, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// The client's connection ends with the front, as with a server that
	// stops, and the address refuses new connections (a TCP health check
	// of a stopped instance fails).
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("client connection still open after Close")
	}
	if _, err := net.DialTimeout("tcp", f.Addr(), 5*time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial after Close: %v, want connection refused", err)
	}
}

func TestFront_ServerGoneEndsClient(t *testing.T) {
	var d net.Dialer
	f, err := Start(Config{Listen: "127.0.0.1:0", Local: "127.0.0.1:1", Dial: d.DialContext})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := net.Dial("tcp", f.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("read succeeded although the server cannot be reached")
	}
}
