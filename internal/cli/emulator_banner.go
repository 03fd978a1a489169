package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/spf13/cobra"

	"github.com/globaldb/globaldb/internal/emulator"
)

// emulatorLog is where `globaldb emulator` logs: <data-dir>/emulator.log
// unless --log-file names another file, or "-" for stderr. The file is
// opened at the first line logged, so that a start that is refused before
// it logs (a data dir in use) touches nothing. Without --data-dir it makes
// the temporary data directory itself, so that the log has a home;
// cleanup removes that directory after the emulator closed.
type emulatorLog struct {
	path    string // "" for stderr
	tempDir string

	mu   sync.Mutex
	file *os.File
}

func openEmulatorLog(cfg *emulator.Config, logFile string) (*emulatorLog, error) {
	l := &emulatorLog{}
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "globaldb-emulator-")
		if err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		cfg.DataDir, l.tempDir = dir, dir
	}
	switch logFile {
	case "-":
		return l, nil
	case "":
		logFile = filepath.Join(cfg.DataDir, "emulator.log")
	}
	abs, err := filepath.Abs(logFile)
	if err != nil {
		l.cleanup()
		return nil, fmt.Errorf("log file: %w", err)
	}
	l.path = abs
	return l, nil
}

func (l *emulatorLog) writer() io.Writer {
	if l.path == "" {
		return os.Stderr
	}
	return l
}

// Write appends to the log file, opening it (and its directory) first.
func (l *emulatorLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file == nil {
		if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
			return 0, err
		}
		f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return 0, err
		}
		l.file = f
	}
	return l.file.Write(p)
}

// cleanup closes the log and removes a temporary data directory; call it
// after the emulator closed.
func (l *emulatorLog) cleanup() {
	l.mu.Lock()
	if l.file != nil {
		l.file.Close()
		l.file = nil
	}
	l.mu.Unlock()
	if l.tempDir != "" {
		os.RemoveAll(l.tempDir)
	}
}

// printBanner tells the person who started the emulator where it is and
// how to point clients at it. Its first line is read by scripts and tests
// ("ready: endpoint URL, dns ADDR,"); keep its shape.
func printBanner(w io.Writer, cmd *cobra.Command, e *emulator.Emulator, cfg emulator.Config, l *emulatorLog) {
	data := e.DataDir()
	if l.tempDir != "" {
		data += " (temporary: removed at exit)"
	}
	fmt.Fprintf(w, "globaldb emulator ready: endpoint %s, dns %s, data %s\n", e.Endpoint(), e.DNSAddr(), e.DataDir())
	level, _ := cmd.Flags().GetString("log-level")
	logTo := "stderr"
	if l.path != "" {
		logTo = l.path
	}
	secret := cfg.SecretAccessKey
	if secret != "test" {
		secret = "<your --secret-access-key>" // never echo a real secret
	}
	fmt.Fprintf(w, `
  AWS endpoint  %s   (RDS, Route 53, IAM, STS; any region)
  DNS server    %s   (database endpoints and hosted zones, UDP and TCP)
  data dir      %s
  log file      %s   (--log-level %s)
  time scale    %g

Point AWS clients at it:
  export AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_REGION=ap-southeast-1
globaldb's commands then find its DNS server and time scale by themselves.
Ctrl-C stops it and every database server it started.
`, e.Endpoint(), e.DNSAddr(), data, logTo, level, cfg.TimeScale, e.Endpoint(), cfg.AccessKeyID, secret)
}
