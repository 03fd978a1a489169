package cli

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEmulatorCommand_banner starts `globaldb emulator` as a person would:
// a short banner on stdout (the ready line scripts read, the endpoints,
// the data dir, the log file, how to point clients at it), the log in
// <data-dir>/emulator.log and nothing on stderr; a secret other than the
// default is never printed.
func TestEmulatorCommand_banner(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the emulator")
	}
	tests := []struct {
		name   string
		args   []string
		secret string // printed in the export line
	}{
		{"default credentials", nil, "AWS_SECRET_ACCESS_KEY=test "},
		{"own secret", []string{"--secret-access-key", "s3cr3t-value"}, "AWS_SECRET_ACCESS_KEY=<your --secret-access-key> "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not under t.TempDir(): as root the engines' user must reach it.
			data, err := os.MkdirTemp("", "globaldb-banner-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(data) })
			cmd := command(t, "", append([]string{"emulator", "--listen", "127.0.0.1:0", "--dns-listen", "127.0.0.1:0",
				"--data-dir", data}, tt.args...)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			stopped := false
			t.Cleanup(func() {
				if !stopped {
					_ = cmd.Process.Kill()
					_ = cmd.Wait()
				}
			})
			var banner []string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				banner = append(banner, sc.Text())
				if strings.HasPrefix(sc.Text(), "Ctrl-C stops it") {
					break
				}
			}
			text := strings.Join(banner, "\n")
			m := regexp.MustCompile(`^globaldb emulator ready: endpoint (\S+), dns (\S+), data (\S+)$`).FindStringSubmatch(banner[0])
			if m == nil || m[3] != data {
				t.Fatalf("first line %q: want the ready line with data dir %s\n%s", banner[0], data, text)
			}
			logPath := filepath.Join(data, "emulator.log")
			for _, want := range []string{"DNS server    " + m[2], "log file      " + logPath,
				"export AWS_ENDPOINT_URL=" + m[1] + " AWS_ACCESS_KEY_ID=test " + tt.secret} {
				if !strings.Contains(text, want) {
					t.Errorf("banner lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(text, "s3cr3t-value") {
				t.Errorf("banner prints the secret:\n%s", text)
			}
			if len(banner) > 15 {
				t.Errorf("banner has %d lines; keep it short:\n%s", len(banner), text)
			}
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				stopped = true
				if err != nil {
					t.Errorf("emulator after SIGTERM: %v\n%s", err, stderr.String())
				}
			case <-time.After(time.Minute):
				t.Fatal("emulator did not stop within a minute of SIGTERM")
			}
			if stderr.Len() > 0 {
				t.Errorf("emulator wrote to stderr (its log belongs in %s):\n%s", logPath, stderr.String())
			}
			b, err := os.ReadFile(logPath)
			if err != nil || !bytes.Contains(b, []byte("emulator ready")) || !bytes.Contains(b, []byte("stopping emulator")) {
				t.Errorf("log %s (%v) lacks the ready and stopping lines:\n%s", logPath, err, b)
			}
		})
	}
}
