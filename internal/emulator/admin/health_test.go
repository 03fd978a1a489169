package admin_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/admin"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// TestDiscover tells a globaldb emulator from other endpoints: the
// emulator announces its DNS address and time scale; an endpoint that is
// not one (AWS answers /_globaldb/health with an error) is ErrNotEmulator;
// one that does not answer is a transport error.
func TestDiscover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator")
	}
	e := emulatortest.StartScaled(t, 0.05)
	notEmulator := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`<ErrorResponse><Error><Code>MissingAuthenticationToken</Code></Error></ErrorResponse>`))
	}))
	defer notEmulator.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	hc := &http.Client{Timeout: 5 * time.Second}

	t.Run("emulator", func(t *testing.T) {
		h, err := admin.Discover(context.Background(), hc, e.Endpoint()+"/")
		if err != nil {
			t.Fatal(err)
		}
		if h.Emulator != "globaldb" || h.DNS != e.DNSAddr() || h.TimeScale != 0.05 || h.Endpoint != e.Endpoint() {
			t.Errorf("Discover = %+v; want globaldb, dns %s, time scale 0.05", h, e.DNSAddr())
		}
	})
	t.Run("not an emulator", func(t *testing.T) {
		if _, err := admin.Discover(context.Background(), hc, notEmulator.URL); !errors.Is(err, admin.ErrNotEmulator) {
			t.Errorf("err = %v, want ErrNotEmulator", err)
		}
	})
	t.Run("nothing listening", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := admin.Discover(ctx, hc, closed)
		if err == nil || errors.Is(err, admin.ErrNotEmulator) {
			t.Errorf("err = %v, want a transport error", err)
		}
	})
	t.Run("no client", func(t *testing.T) {
		if _, err := admin.Discover(context.Background(), nil, e.Endpoint()); err == nil {
			t.Error("Discover with a nil client succeeded")
		}
	})
	t.Run("not a URL", func(t *testing.T) {
		if _, err := admin.Discover(context.Background(), hc, "127.0.0.1:4566"); err == nil {
			t.Error("Discover accepted an endpoint without a scheme")
		}
	})
}
