package netguard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// fixedResolver answers every name with the same addresses.
type fixedResolver []string

func (f fixedResolver) LookupIP(context.Context, string, string) ([]net.IP, error) {
	var out []net.IP
	for _, s := range f {
		out = append(out, net.ParseIP(s))
	}
	return out, nil
}

// recorder stands in for the socket layer and records every address that
// reached it.
type recorder struct{ dialled []string }

func (r *recorder) socket(_ context.Context, _, addr string) (net.Conn, error) {
	r.dialled = append(r.dialled, addr)
	c1, c2 := net.Pipe()
	c2.Close()
	return c1, nil
}

func TestDialer_DialContext(t *testing.T) {
	tests := []struct {
		name     string
		network  string
		address  string
		resolver Resolver
		want     []string // addresses that reach the socket layer; nil: refused as outside
	}{
		{name: "127.0.0.1", address: "127.0.0.1:5432", want: []string{"127.0.0.1:5432"}},
		{name: "emulator instance address", address: "127.20.3.4:5432", want: []string{"127.20.3.4:5432"}},
		{name: "::1", address: "[::1]:53", network: "udp", want: []string{"[::1]:53"}},
		{name: "IPv4-mapped loopback", address: "[::ffff:127.0.0.9]:80", want: []string{"[::ffff:127.0.0.9]:80"}},
		{name: "RFC 1918", address: "10.0.0.1:80"},
		{name: "private 192.168", address: "192.168.1.1:80"},
		{name: "instance metadata", address: "169.254.169.254:80"},
		{name: "public IPv4", address: "8.8.8.8:53", network: "udp"},
		{name: "IPv4-mapped public", address: "[::ffff:8.8.8.8]:443"},
		{name: "unspecified IPv4", address: "0.0.0.0:5432"},
		{name: "unspecified IPv6", address: "[::]:5432"},
		{name: "empty host", address: ":5432"},
		{name: "public IPv6", address: "[2606:4700::1111]:443"},
		{name: "link-local IPv6 with zone", address: "[fe80::1%lo]:80"},
		{name: "name without resolver", address: "example.com:80"},
		{name: "name resolving outside", address: "example.com:80", resolver: fixedResolver{"93.184.215.14"}},
		{name: "name resolving to mapped public", address: "example.com:80", resolver: fixedResolver{"::ffff:1.1.1.1"}},
		{name: "name resolving to nothing", address: "example.com:80", resolver: fixedResolver{}},
		{name: "name resolving inside and outside", address: "db.example.com:5432", resolver: fixedResolver{"10.1.2.3", "127.30.0.7", "8.8.4.4", "::1"},
			want: []string{"127.30.0.7:5432"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			network := tt.network
			if network == "" {
				network = "tcp"
			}
			rec := &recorder{}
			d := Dialer{Resolver: tt.resolver, socket: rec.socket}
			c, err := d.DialContext(context.Background(), network, tt.address)
			if tt.want == nil {
				var oe *OutsideError
				if !errors.Is(err, ErrOutside) || !errors.As(err, &oe) {
					t.Fatalf("DialContext(%s) error = %v, want an OutsideError", tt.address, err)
				}
				if len(rec.dialled) != 0 {
					t.Fatalf("refused address reached the socket layer: %v", rec.dialled)
				}
				return
			}
			if err != nil {
				t.Fatalf("DialContext(%s): %v", tt.address, err)
			}
			c.Close()
			if !slices.Equal(rec.dialled, tt.want[:1]) {
				t.Fatalf("dialled %v, want %v", rec.dialled, tt.want[:1])
			}
		})
	}
}

func TestOutsideError_Error(t *testing.T) {
	tests := []struct {
		err  *OutsideError
		want string
	}{
		{&OutsideError{Addr: "8.8.8.8"}, "address 8.8.8.8 is outside the emulated world (the emulator never connects outside loopback)"},
		{&OutsideError{Name: "example.com"}, "name example.com is outside the emulated world: the emulator's DNS server does not serve it (the emulator never connects outside loopback)"},
		{&OutsideError{Name: "a.example", Addr: "10.0.0.1"}, "name a.example resolves to 10.0.0.1, which is outside the emulated world (the emulator never connects outside loopback)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestAllowed(t *testing.T) {
	for s, want := range map[string]bool{
		"127.0.0.1": true, "127.255.255.254": true, "::1": true, "::ffff:127.1.2.3": true,
		"128.0.0.1": false, "126.255.255.255": false, "::2": false, "::ffff:8.8.8.8": false, "::127.0.0.1": false,
		"0.0.0.0": false, "::": false, "100.64.0.1": false, "fe80::1": false,
	} {
		if got := Allowed(netip.MustParseAddr(s)); got != want {
			t.Errorf("Allowed(%s) = %v, want %v", s, got, want)
		}
	}
	if AllowedIP(nil) {
		t.Error("AllowedIP(nil) = true")
	}
}

// TestDialer_Loopback connects for real: a listener on an emulator-style
// loopback address accepts the guarded dial.
func TestDialer_Loopback(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := Dialer{Timeout: 5 * time.Second}.DialContext(context.Background(), "tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("dial loopback listener: %v", err)
	}
	c.Close()
	addrs, err := Dialer{}.LookupHost(context.Background(), "127.0.0.1")
	if err != nil || !slices.Equal(addrs, []string{"127.0.0.1"}) {
		t.Fatalf("LookupHost(127.0.0.1) = %v, %v", addrs, err)
	}
	if _, err := (Dialer{}).LookupHost(context.Background(), "10.0.0.1"); !errors.Is(err, ErrOutside) {
		t.Fatalf("LookupHost(10.0.0.1) error = %v, want ErrOutside", err)
	}
}

// TestDNS_LookupIP asks a real DNS server on loopback that, like the
// emulator's, is authoritative for its names and refuses the rest.
func TestDNS_LookupIP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		switch {
		case q.Name == "db.emulated.example." && q.Qtype == dns.TypeA:
			m.Authoritative = true
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 5}, A: net.ParseIP("127.40.0.2")})
		case q.Name == "gone.emulated.example.":
			m.Authoritative = true
			m.Rcode = dns.RcodeNameError
		default:
			m.Rcode = dns.RcodeRefused
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	defer srv.Shutdown()
	r := DNS{Addr: pc.LocalAddr().String()}
	ctx := context.Background()

	ips, err := r.LookupIP(ctx, "ip4", "db.emulated.example")
	if err != nil || len(ips) != 1 || !ips[0].Equal(net.ParseIP("127.40.0.2")) {
		t.Fatalf("LookupIP(db.emulated.example) = %v, %v; want 127.40.0.2", ips, err)
	}
	_, err = r.LookupIP(ctx, "ip4", "gone.emulated.example")
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound {
		t.Fatalf("LookupIP(gone) error = %v, want not found", err)
	}
	if _, err := r.LookupIP(ctx, "ip4", "www.example.com"); !errors.Is(err, ErrOutside) {
		t.Fatalf("LookupIP(www.example.com) error = %v, want ErrOutside", err)
	}
	if _, err := (DNS{}).LookupIP(ctx, "ip4", "db.emulated.example"); !errors.Is(err, ErrOutside) {
		t.Fatalf("LookupIP without a server: error = %v, want ErrOutside", err)
	}
	if _, err := (DNS{Addr: "8.8.8.8:53"}).LookupIP(ctx, "ip4", "example.com"); !errors.Is(err, ErrOutside) {
		t.Fatalf("LookupIP via 8.8.8.8: error = %v, want ErrOutside (never asked)", err)
	}
	rec := &recorder{}
	c, err := Dialer{Resolver: r, socket: rec.socket}.DialContext(ctx, "tcp4", "db.emulated.example:5432")
	if err != nil {
		t.Fatalf("dial db.emulated.example: %v", err)
	}
	c.Close()
	if !slices.Equal(rec.dialled, []string{"127.40.0.2:5432"}) {
		t.Fatalf("dialled %v, want 127.40.0.2:5432", rec.dialled)
	}
}
