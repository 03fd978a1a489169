package healthcheck

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/netguard"
)

// Real-time limits of one probe. AWS allows 10 s for a TCP connect and 4 s
// for an HTTP(S) connect then 2 s for the response (§3.1). Timeouts are not
// scaled with the emulated clock; the TCP one is capped at 4 s so that a
// black-holed endpoint doesn't hold a prober for long.
const (
	tcpConnectTimeout  = 4 * time.Second
	httpConnectTimeout = 4 * time.Second
	httpReplyTimeout   = 2 * time.Second
	searchWindow       = 5120 // bytes of body searched for SearchString
)

// result is one probe's outcome as a checker reports it.
type result struct {
	ok     bool
	status string // "Success: …" or "Failure: …"
}

func success(format string, a ...any) result {
	return result{ok: true, status: "Success: " + fmt.Sprintf(format, a...)}
}

func failure(format string, a ...any) result {
	return result{status: "Failure: " + fmt.Sprintf(format, a...)}
}

// prober runs one probe of an endpoint check.
type prober struct {
	resolver netguard.Resolver
	reach    Reachability
}

// probe checks cfg's endpoint once.
func (p prober) probe(ctx context.Context, cfg types.HealthCheckConfig) result {
	ip, res := p.target(ctx, cfg)
	if ip == nil {
		return res
	}
	if p.reach != nil {
		if ok, reason := p.reach.Reachable(ip); !ok {
			if reason == "" {
				reason = fmt.Sprintf("Resolved IP address %s is not reachable from Route 53 health checkers", ip)
			}
			return failure("%s", reason)
		}
	}
	if !netguard.AllowedIP(ip) { // unreachable: no packet is sent
		return failure("%v", &netguard.OutsideError{Addr: ip.String()})
	}
	port := int(deref(cfg.Port))
	if port == 0 {
		port = defaultPort(cfg.Type)
	}
	if port == 0 {
		return failure("No port configured for the %s health check", cfg.Type)
	}
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(port))
	if cfg.Type == types.HealthCheckTypeTcp {
		return probeTCP(ctx, addr)
	}
	return probeHTTP(ctx, cfg, addr, port)
}

// target returns the address to probe, or nil and the failure.
func (p prober) target(ctx context.Context, cfg types.HealthCheckConfig) (net.IP, result) {
	if s := deref(cfg.IPAddress); s != "" {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, failure("Invalid IP address %q", s)
		}
		return ip, result{}
	}
	name := strings.TrimSuffix(deref(cfg.FullyQualifiedDomainName), ".")
	if name == "" {
		return nil, failure("Neither IPAddress nor FullyQualifiedDomainName is set")
	}
	r := p.resolver
	if r == nil {
		r = netguard.DNS{} // no DNS server: every name is outside the emulated world
	}
	// Route 53 resolves FullyQualifiedDomainName to IPv4 only.
	ips, err := r.LookupIP(ctx, "ip4", name)
	if errors.Is(err, netguard.ErrOutside) {
		return nil, failure("%v", err)
	}
	if err != nil || len(ips) == 0 {
		if err == nil {
			err = errors.New("no A records")
		}
		return nil, failure("DNS resolution failed for %s: %v", name, err)
	}
	return ips[0], result{}
}

func defaultPort(t types.HealthCheckType) int {
	switch t {
	case types.HealthCheckTypeHttp, types.HealthCheckTypeHttpStrMatch:
		return 80
	case types.HealthCheckTypeHttps, types.HealthCheckTypeHttpsStrMatch:
		return 443
	}
	return 0
}

func probeTCP(ctx context.Context, addr string) result {
	d := netguard.Dialer{Timeout: tcpConnectTimeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return connectFailure(err)
	}
	c.Close()
	return success("TCP connection established")
}

// connectFailure words a failed connect the way checkers report it.
func connectFailure(err error) result {
	const hint = "The endpoint or the internet connection is down, or firewall or proxy rules are preventing connections to the endpoint."
	var ne net.Error
	var oe *netguard.OutsideError
	switch {
	case errors.As(err, &oe):
		return failure("%v", oe)
	case errors.Is(err, syscall.ECONNREFUSED):
		return failure("Connection refused. %s", hint)
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return failure("Connection timed out. %s", hint)
	}
	return failure("Connection failed: %v", err)
}

// probeHTTP sends GET ResourcePath to addr with the Host header Route 53
// sends, without following redirects.
func probeHTTP(ctx context.Context, cfg types.HealthCheckConfig, addr string, port int) result {
	secure := cfg.Type == types.HealthCheckTypeHttps || cfg.Type == types.HealthCheckTypeHttpsStrMatch
	fqdn := strings.TrimSuffix(deref(cfg.FullyQualifiedDomainName), ".")
	host := fqdn
	if host == "" {
		host = deref(cfg.IPAddress)
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	}
	if port != defaultPort(cfg.Type) {
		host += ":" + strconv.Itoa(port)
	}
	path := deref(cfg.ResourcePath)
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	scheme := "http"
	if secure {
		scheme = "https"
	}

	connected := make(chan struct{}, 1)
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		d := netguard.Dialer{Timeout: httpConnectTimeout}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			select {
			case connected <- struct{}{}:
			default:
			}
		}
		return c, err
	}
	tr := &http.Transport{DialContext: dial, DisableKeepAlives: true, Proxy: nil}
	if secure {
		sni := ""
		if deref(cfg.EnableSNI) {
			sni = fqdn
		}
		tr.DialTLSContext = func(ctx context.Context, network, a string) (net.Conn, error) {
			c, err := dial(ctx, network, a)
			if err != nil {
				return nil, err
			}
			// HTTPS checks don't validate certificates (§3.1).
			tc := tls.Client(c, &tls.Config{ServerName: sni, InsecureSkipVerify: true}) //nolint:gosec // AWS semantics
			if err := tc.HandshakeContext(ctx); err != nil {
				c.Close()
				return nil, fmt.Errorf("tls handshake: %w", err)
			}
			return tc, nil
		}
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() { // the reply must come within httpReplyTimeout of the connect
		select {
		case <-connected:
		case <-ctx.Done():
			return
		}
		select {
		case <-time.After(httpReplyTimeout):
			cancel(errReplyTimeout)
		case <-ctx.Done():
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+host+path, nil)
	if err != nil {
		return failure("Invalid request: %v", err)
	}
	req.Host = host
	req.Header.Set("User-Agent", "Amazon-Route53-Health-Check-Service (globaldb emulator)")
	resp, err := client.Do(req)
	if err != nil {
		return httpFailure(ctx, err)
	}
	defer resp.Body.Close()
	code := fmt.Sprintf("HTTP Status Code %d, %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return failure("%s", code)
	}
	search := deref(cfg.SearchString)
	if cfg.Type != types.HealthCheckTypeHttpStrMatch && cfg.Type != types.HealthCheckTypeHttpsStrMatch {
		return success("%s", code)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, searchWindow))
	if err != nil && len(body) < searchWindow {
		return httpFailure(ctx, err)
	}
	if !bytes.Contains(body, []byte(search)) {
		return failure("%s. Search string %q not found in the first %d bytes of the response body", code, search, searchWindow)
	}
	return success("%s. Search string found", code)
}

var errReplyTimeout = errors.New("no reply within 2 s of connecting")

func httpFailure(ctx context.Context, err error) result {
	if errors.Is(context.Cause(ctx), errReplyTimeout) {
		return failure("The endpoint did not respond within %v after the connection was established", httpReplyTimeout)
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, netguard.ErrOutside) {
		return connectFailure(err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return connectFailure(err)
	}
	return failure("%v", err)
}
