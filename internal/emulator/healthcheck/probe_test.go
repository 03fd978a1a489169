package healthcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/netguard"
)

// offlineResolver answers from /etc/hosts only ("localhost"), never the
// network.
var offlineResolver = &net.Resolver{
	PreferGo: true,
	Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS server in tests")
	},
}

func TestRunner_HTTP(t *testing.T) {
	const fqdn = "app.example.com"
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }
	}
	status := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
	}
	tests := []struct {
		name    string
		tls     bool
		handler http.HandlerFunc
		cfg     types.HealthCheckConfig // Type and the fields the case needs; target and port are filled in
		byName  string                  // FullyQualifiedDomainName to resolve instead of IPAddress
		want    bool
		status  string // prefix of every observation
	}{
		{name: "HTTP 200", handler: status(200), cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeHttp},
			want: true, status: "Success: HTTP Status Code 200, OK"},
		{name: "HTTP 500", handler: status(500), cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeHttp},
			want: false, status: "Failure: HTTP Status Code 500, Internal Server Error"},
		{name: "HTTP 301 is healthy and not followed", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1:1/", http.StatusMovedPermanently)
		}, cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeHttp},
			want: true, status: "Success: HTTP Status Code 301, Moved Permanently"},
		{name: "ResourcePath and Host header", handler: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.RequestURI() != "/health?deep=1" || !strings.HasPrefix(r.Host, fqdn+":") {
				http.Error(w, "wrong request "+r.Host+r.URL.RequestURI(), http.StatusNotFound)
			}
		}, cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, ResourcePath: aws.String("/health?deep=1"),
			FullyQualifiedDomainName: aws.String(fqdn)},
			want: true, status: "Success: HTTP Status Code 200, OK"},
		{name: "STR_MATCH found", handler: page("status: ok"),
			cfg:  types.HealthCheckConfig{Type: types.HealthCheckTypeHttpStrMatch, SearchString: aws.String("ok")},
			want: true, status: "Success: HTTP Status Code 200, OK"},
		{name: "STR_MATCH not found", handler: page("status: degraded"),
			cfg:  types.HealthCheckConfig{Type: types.HealthCheckTypeHttpStrMatch, SearchString: aws.String("ok")},
			want: false, status: "Failure: HTTP Status Code 200, OK. Search string"},
		{name: "STR_MATCH ending at byte 5120 is found", handler: page(strings.Repeat("x", 5118) + "okay"),
			cfg:  types.HealthCheckConfig{Type: types.HealthCheckTypeHttpStrMatch, SearchString: aws.String("ok")},
			want: true, status: "Success: HTTP Status Code 200, OK. Search string found"},
		{name: "STR_MATCH beyond 5120 bytes is not found", handler: page(strings.Repeat("x", 5119) + "okay"),
			cfg:  types.HealthCheckConfig{Type: types.HealthCheckTypeHttpStrMatch, SearchString: aws.String("ok")},
			want: false, status: "Failure: HTTP Status Code 200, OK. Search string"},
		{name: "HTTPS with a self-signed certificate", tls: true, handler: status(204),
			cfg:  types.HealthCheckConfig{Type: types.HealthCheckTypeHttps},
			want: true, status: "Success: HTTP Status Code 204, No Content"},
		{name: "HTTPS sends SNI when enabled", tls: true, handler: func(w http.ResponseWriter, r *http.Request) {
			if r.TLS.ServerName != fqdn {
				http.Error(w, "SNI "+r.TLS.ServerName, http.StatusBadRequest)
			}
		}, cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeHttps, EnableSNI: aws.Bool(true),
			FullyQualifiedDomainName: aws.String(fqdn)},
			want: true, status: "Success: HTTP Status Code 200, OK"},
		{name: "HTTPS sends no SNI when disabled", tls: true, handler: func(w http.ResponseWriter, r *http.Request) {
			if r.TLS.ServerName != "" {
				http.Error(w, "SNI "+r.TLS.ServerName, http.StatusBadRequest)
			}
		}, cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeHttps, FullyQualifiedDomainName: aws.String(fqdn)},
			want: true, status: "Success: HTTP Status Code 200, OK"},
		{name: "HTTPS_STR_MATCH", tls: true, handler: page("<h1>ready</h1>"),
			cfg:  types.HealthCheckConfig{Type: types.HealthCheckTypeHttpsStrMatch, SearchString: aws.String("ready")},
			want: true, status: "Success: HTTP Status Code 200, OK"},
		{name: "HTTP to an HTTPS server", tls: true, handler: status(200),
			cfg:  types.HealthCheckConfig{Type: types.HealthCheckTypeHttp},
			want: false, status: "Failure: HTTP Status Code 400, Bad Request"},
		{name: "no reply within 2 s of connecting", handler: func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeHttp},
			want: false, status: "Failure: The endpoint did not respond within 2s"},
		{name: "FullyQualifiedDomainName resolved", handler: func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.Host, "localhost:") {
				http.Error(w, "Host "+r.Host, http.StatusBadRequest)
			}
		}, cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeHttp}, byName: "localhost",
			want: true, status: "Success: HTTP Status Code 200, OK"},
		{name: "FullyQualifiedDomainName that does not resolve", handler: status(200),
			cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeHttp}, byName: "db.no-such-zone.invalid",
			want: false, status: "Failure: DNS resolution failed for db.no-such-zone.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(tt.handler)
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			if tt.tls {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			t.Cleanup(srv.Close)
			a := srv.Listener.Addr().(*net.TCPAddr)
			cfg := tt.cfg
			cfg.Port, cfg.FailureThreshold = aws.Int32(int32(a.Port)), aws.Int32(1)
			if tt.byName != "" {
				cfg.FullyQualifiedDomainName = aws.String(tt.byName)
			} else {
				cfg.IPAddress = aws.String(a.IP.String())
			}
			regs := []string{"us-east-1", "eu-west-1", "ap-southeast-2"}
			h := newHarness(t, Config{Regions: regs, Resolver: offlineResolver}, Check{ID: "hc", Config: cfg}).start()
			got := statuses(h.r.Observations("hc"))
			if len(got) != len(regs) || slices.ContainsFunc(got, func(s string) bool { return !strings.HasPrefix(s, tt.status) }) {
				t.Errorf("statuses = %q, want %d with prefix %q", got, len(regs), tt.status)
			}
			if h.r.Healthy("hc") != tt.want {
				t.Errorf("Healthy = %v, want %v", h.r.Healthy("hc"), tt.want)
			}
		})
	}
}

// mapResolver answers names from a map and refuses the rest as outside
// the emulated world, as netguard.DNS does for names the emulator's DNS
// server does not serve.
type mapResolver map[string]string

func (m mapResolver) LookupIP(_ context.Context, _, host string) ([]net.IP, error) {
	if ip, ok := m[host]; ok {
		return []net.IP{net.ParseIP(ip)}, nil
	}
	return nil, &netguard.OutsideError{Name: host}
}

// TestRunner_Outside: an endpoint outside the emulated world (outside
// loopback) is unreachable: every checker reports why, and no connection
// is attempted (netguard refuses before a socket exists).
func TestRunner_Outside(t *testing.T) {
	const why = "is outside the emulated world (the emulator never connects outside loopback)"
	inside := listen(t, "127.0.0.1:0").Addr().(*net.TCPAddr)
	resolver := mapResolver{"inside.example": "127.0.0.1", "private.example": "10.0.0.1"}
	tests := []struct {
		name   string
		cfg    types.HealthCheckConfig
		want   bool
		status string
	}{
		{name: "public IPv4, TCP", cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: aws.String("8.8.8.8"), Port: aws.Int32(53)},
			status: "Failure: address 8.8.8.8 " + why},
		{name: "public IPv4, HTTP", cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, IPAddress: aws.String("93.184.215.14")},
			status: "Failure: address 93.184.215.14 " + why},
		{name: "IPv4-mapped public", cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeHttps, IPAddress: aws.String("::ffff:1.1.1.1")},
			status: "Failure: address 1.1.1.1 " + why},
		{name: "public IPv6", cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: aws.String("2606:4700::1111"), Port: aws.Int32(443)},
			status: "Failure: address 2606:4700::1111 " + why},
		{name: "name resolving outside", cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, FullyQualifiedDomainName: aws.String("private.example")},
			status: "Failure: address 10.0.0.1 " + why},
		{name: "name not in the emulated world", cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, FullyQualifiedDomainName: aws.String("www.example.com.")},
			status: "Failure: name www.example.com is outside the emulated world"},
		{name: "name inside", cfg: types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, FullyQualifiedDomainName: aws.String("inside.example"), Port: aws.Int32(int32(inside.Port))},
			want: true, status: "Success: TCP connection established"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.FailureThreshold = aws.Int32(1)
			regs := []string{"us-east-1", "eu-west-1", "ap-southeast-2"}
			h := newHarness(t, Config{Regions: regs, Resolver: resolver}, Check{ID: "hc", Config: cfg}).start()
			got := statuses(h.r.Observations("hc"))
			if len(got) != len(regs) || slices.ContainsFunc(got, func(s string) bool { return !strings.HasPrefix(s, tt.status) }) {
				t.Errorf("statuses = %q, want %d with prefix %q", got, len(regs), tt.status)
			}
			if h.r.Healthy("hc") != tt.want {
				t.Errorf("Healthy = %v, want %v", h.r.Healthy("hc"), tt.want)
			}
		})
	}
}
