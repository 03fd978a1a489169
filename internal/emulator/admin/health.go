package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// HealthPath answers 200 with a Health document once the emulator is
// ready. It needs no signature: clients read it before they know whether
// the endpoint is an emulator at all.
const HealthPath = "/_globaldb/health"

// Health is the body of GET /_globaldb/health: the emulator announces what
// its clients cannot learn through the AWS APIs.
type Health struct {
	Status string `json:"status"` // "ready"
	// Emulator is "globaldb" when a globaldb emulator answers.
	Emulator string `json:"emulator"`
	Endpoint string `json:"endpoint"`
	// DNS is the address (host:port, UDP and TCP) of the DNS server that
	// answers the emulator's endpoint names and hosted zones.
	DNS string `json:"dns"`
	// TimeScale multiplies the emulator's delays (health-check intervals,
	// DNS propagation): 0.1 runs them ten times faster than AWS.
	TimeScale float64  `json:"time_scale"`
	Services  []string `json:"services"`
}

// ErrNotEmulator means the endpoint answered, but not as a globaldb
// emulator (AWS, or another service).
var ErrNotEmulator = errors.New("not a globaldb emulator")

// Discover asks the endpoint (a base URL such as http://127.0.0.1:4566)
// for its Health document. It returns ErrNotEmulator (wrapped) when the
// endpoint answers something else, and the transport's error when it does
// not answer. hc sends the request: this is client-side code (globaldb's
// commands), so the caller brings its own client; bound the wait with ctx.
func Discover(ctx context.Context, hc *http.Client, endpoint string) (Health, error) {
	if hc == nil {
		return Health{}, errors.New("discover the emulator: no HTTP client")
	}
	base, err := url.Parse(strings.TrimRight(endpoint, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return Health{}, fmt.Errorf("endpoint %q: want a URL such as http://127.0.0.1:4566", endpoint)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.String()+HealthPath, nil)
	if err != nil {
		return Health{}, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return Health{}, fmt.Errorf("GET %s: %w", HealthPath, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return Health{}, fmt.Errorf("read %s: %w", HealthPath, err)
	}
	var h Health
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &h) != nil || h.DNS == "" {
		return Health{}, fmt.Errorf("%s at %s: HTTP %d: %w", HealthPath, base.Host, resp.StatusCode, ErrNotEmulator)
	}
	if h.TimeScale <= 0 {
		h.TimeScale = 1 // an emulator from before time_scale was announced
	}
	return h, nil
}
