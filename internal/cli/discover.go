package cli

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/globaldb/globaldb/internal/emulator/admin"
)

// discoverTimeout bounds the question to the endpoint: an emulator on
// loopback answers in milliseconds.
const discoverTimeout = 2 * time.Second

// endpointURL is the endpoint a stack command talks to: --endpoint-url,
// else $AWS_ENDPOINT_URL, else "" (AWS's own endpoints).
func endpointURL(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv("AWS_ENDPOINT_URL")
}

// discoverEmulator asks the endpoint whether it is a globaldb emulator and
// returns what it announces (its DNS address and time scale), or nil: no
// endpoint set (AWS), or it is not an emulator. It never fails the
// command: whatever goes wrong, the command goes on as against AWS.
func discoverEmulator(ctx context.Context, endpoint string, log *slog.Logger) *admin.Health {
	if endpoint == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, discoverTimeout)
	defer cancel()
	h, err := admin.Discover(ctx, &http.Client{Timeout: discoverTimeout}, endpoint)
	if err != nil {
		log.Debug("endpoint is not a globaldb emulator", "endpoint", endpoint, "err", err)
		return nil
	}
	log.Debug("globaldb emulator found", "endpoint", endpoint, "dns", h.DNS, "time_scale", h.TimeScale)
	return &h
}

// emulator is the stack's endpoint's announcement, asked once per command
// (nil against AWS).
func (f *stackFlags) emulator(cmd *cobra.Command) *admin.Health {
	if !f.discovered {
		f.discovered = true
		f.emu = discoverEmulator(cmd.Context(), endpointURL(f.endpointURL), logger(cmd))
	}
	return f.emu
}

// dnsServer is the DNS server for the stack's names: the --resolver flag
// when given, else the emulator's, else "" (the caller picks from the
// stack's zone, as against AWS).
func (f *stackFlags) dnsServer(cmd *cobra.Command, flag string) string {
	if flag != "" {
		return flag
	}
	if h := f.emulator(cmd); h != nil {
		return h.DNS
	}
	return ""
}

// timeScale is the emulator's time scale: the --time-scale flag named
// when the user set it, else the emulator's announcement, else 1 (AWS).
func (f *stackFlags) timeScale(cmd *cobra.Command, flag string) float64 {
	if fl := cmd.Flags().Lookup(flag); fl != nil && fl.Changed {
		v, _ := cmd.Flags().GetFloat64(flag)
		return v
	}
	if h := f.emulator(cmd); h != nil {
		return h.TimeScale
	}
	return 1
}
