package scripttest_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// TestLib_defaults sources scripts/lib.sh as the scripts do and reads the
// settings it chose: with AWS_ENDPOINT_URL at a globaldb emulator, dig asks
// the emulator's DNS server, `globaldb` is the checkout's bin/globaldb and
// polls are short; against anything else (AWS) nothing is assumed; what
// the caller sets wins.
func TestLib_defaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	e := emulatortest.Start(t)
	notEmulator := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	defer notEmulator.Close()

	// A checkout: scripts/lib.sh and a built bin/globaldb beside it.
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	lib, err := os.ReadFile(filepath.Join(root, "scripts", "lib.sh"))
	if err != nil {
		t.Fatal(err)
	}
	checkout := t.TempDir()
	for _, d := range []string{"scripts", "bin"} {
		if err := os.Mkdir(filepath.Join(checkout, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(checkout, "scripts"), "lib.sh", string(lib))
	bin := filepath.Join(checkout, "bin", "globaldb")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		env  []string
		want map[string]string
	}{
		{"AWS", nil, map[string]string{"DNS_SERVER": "", "GLOBALDB": "globaldb", "POLL_INTERVAL": "15"}},
		{"an endpoint that is not an emulator", []string{"AWS_ENDPOINT_URL=" + notEmulator.URL},
			map[string]string{"DNS_SERVER": "", "GLOBALDB": "globaldb", "POLL_INTERVAL": "1"}},
		{"the emulator", []string{"AWS_ENDPOINT_URL=" + e.Endpoint()},
			map[string]string{"DNS_SERVER": e.DNSAddr(), "GLOBALDB": bin, "POLL_INTERVAL": "1"}},
		{"the emulator, with the caller's settings", []string{"AWS_ENDPOINT_URL=" + e.Endpoint(), "DNS_SERVER=127.0.0.1:5300", "GLOBALDB=/opt/gdb", "POLL_INTERVAL=3"},
			map[string]string{"DNS_SERVER": "127.0.0.1:5300", "GLOBALDB": "/opt/gdb", "POLL_INTERVAL": "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("bash", "-c", `source scripts/lib.sh && printf 'DNS_SERVER=%s\nGLOBALDB=%s\nPOLL_INTERVAL=%s\n' "$DNS_SERVER" "$GLOBALDB" "$POLL_INTERVAL"`)
			cmd.Dir = checkout
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, tt.env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("source lib.sh: %v\n%s", err, out)
			}
			got := map[string]string{}
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				k, v, _ := strings.Cut(l, "=")
				got[k] = v
			}
			for k, want := range tt.want {
				if got[k] != want {
					t.Errorf("%s = %q, want %q", k, got[k], want)
				}
			}
		})
	}
}
