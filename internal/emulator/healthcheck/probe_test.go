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
