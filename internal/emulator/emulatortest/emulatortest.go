// Package emulatortest starts emulators for tests: real HTTP, real DNS,
// real PostgreSQL servers, each on its own data directory and ports.
package emulatortest

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/globaldb/globaldb/internal/emulator"
)

// Start runs an emulator for the test on free ports and a fresh data
// directory; it is closed when the test ends. Like every helper here, it
// skips the test under -short.
func Start(t testing.TB) *emulator.Emulator {
	t.Helper()
	if testing.Short() {
		t.Skip("starts an emulator and PostgreSQL servers (-short)")
	}
	if _, err := exec.LookPath("pg_config"); err != nil {
		if _, err := os.Stat("/usr/lib/postgresql"); err != nil {
			t.Skip("PostgreSQL server binaries not installed (run scripts/install-deps.sh)")
		}
	}
	dir, err := os.MkdirTemp("", "globaldb-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return StartIn(t, dir)
}

// StartIn runs an emulator on dataDir (to test restarts).
func StartIn(t testing.TB, dataDir string) *emulator.Emulator {
	t.Helper()
	return StartWith(t, emulator.Config{DataDir: dataDir})
}

// StartScaled runs an emulator whose emulated delays (health-check
// intervals, change propagation) are multiplied by scale.
func StartScaled(t testing.TB, scale float64) *emulator.Emulator {
	t.Helper()
	if testing.Short() {
		t.Skip("starts an emulator and PostgreSQL servers (-short)")
	}
	dir, err := os.MkdirTemp("", "globaldb-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return StartWith(t, emulator.Config{DataDir: dir, TimeScale: scale})
}

// StartWith runs an emulator with cfg on free ports (and a fresh data
// directory when cfg has none).
func StartWith(t testing.TB, cfg emulator.Config) *emulator.Emulator {
	t.Helper()
	if testing.Short() {
		t.Skip("starts an emulator and PostgreSQL servers (-short)")
	}
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "globaldb-test-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		cfg.DataDir = dir
	}
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	if os.Getenv("GLOBALDB_TEST_DEBUG") != "" {
		level = slog.LevelDebug
	}
	cfg.Listen, cfg.DNSListen = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	e, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("close emulator: %v", err)
		}
	})
	return e
}

// RDS returns an aws-sdk-go-v2 RDS client for region against e with the
// root credentials.
func RDS(e *emulator.Emulator, region string) *rds.Client {
	return rds.New(rds.Options{
		Region: region, BaseEndpoint: aws.String(e.Endpoint()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// PostgresUnder lists the pids of processes (postmasters and their
// backends) whose working directory is under dir: postgres runs in its
// data directory.
func PostgresUnder(dir string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err == nil && strings.HasPrefix(cwd, dir+"/") {
			pids = append(pids, e.Name())
		}
	}
	return pids
}
