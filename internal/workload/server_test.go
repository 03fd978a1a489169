package workload

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/jackc/pgx/v5"
)

// testAdmin is the superuser of the test servers.
var testAdmin = engine.Credentials{User: "workload_admin", Password: "workload-test-pw"}

// server is one real PostgreSQL server started for a test.
type server struct {
	t    *testing.T
	sup  *engine.Supervisor
	node engine.Node
	proc atomic.Pointer[engine.Process]
}

// startServer initialises and starts a PostgreSQL server on a free loopback
// address; it is stopped, and its files removed, at cleanup.
func startServer(t *testing.T) *server {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a PostgreSQL server; skipped with -short")
	}
	root, err := os.MkdirTemp("", "workload-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(root, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	sup, err := engine.New(engine.Config{Root: filepath.Join(root, "pg"), Admin: testAdmin, Logger: testLogger()})
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	t.Cleanup(func() {
		if err := sup.Close(); err != nil {
			t.Errorf("close supervisor: %v", err)
		}
	})
	s := &server{t: t, sup: sup}
	s.node = engine.Node{Name: "primary", Dir: filepath.Join(root, "pg", "primary"), Host: freeHost(t), Port: 5432}
	ctx := testCtx(t)
	if err := sup.Init(ctx, s.node); err != nil {
		t.Fatalf("init: %v", err)
	}
	s.start(ctx)
	return s
}

func (s *server) start(ctx context.Context) {
	s.t.Helper()
	p, err := s.sup.Start(ctx, s.node)
	if err != nil {
		s.t.Fatalf("start: %v", err)
	}
	s.proc.Store(p)
}

// kill crashes the server: SIGKILL to its whole process group.
func (s *server) kill() {
	s.t.Helper()
	if err := s.proc.Load().Kill(); err != nil {
		s.t.Fatalf("kill: %v", err)
	}
}

func (s *server) addr() string { return s.node.Addr() }

func (s *server) connConfig() *pgx.ConnConfig {
	s.t.Helper()
	cfg, err := pgx.ParseConfig("sslmode=disable")
	if err != nil {
		s.t.Fatal(err)
	}
	cfg.Host, cfg.Port = s.node.Host, uint16(s.node.Port)
	cfg.User, cfg.Password, cfg.Database = testAdmin.User, testAdmin.Password, "postgres"
	cfg.Fallbacks, cfg.TLSConfig = nil, nil
	return cfg
}

// admin returns a connection closed at cleanup.
func (s *server) admin(ctx context.Context) *pgx.Conn {
	s.t.Helper()
	conn, err := pgx.ConnectConfig(ctx, s.connConfig())
	if err != nil {
		s.t.Fatalf("connect: %v", err)
	}
	s.t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// setAndWait sets guc with ALTER SYSTEM, reloads, and waits until a new
// session sees it.
func (s *server) setAndWait(ctx context.Context, guc, value string) {
	s.t.Helper()
	conn := s.admin(ctx)
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER SYSTEM SET %s = '%s'", guc, value)); err != nil {
		s.t.Fatalf("alter system: %v", err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
		s.t.Fatalf("reload: %v", err)
	}
	waitFor(s.t, ctx, guc+" = "+value, func() bool {
		c, err := pgx.ConnectConfig(ctx, s.connConfig())
		if err != nil {
			return false
		}
		defer c.Close(ctx)
		var got string
		return c.QueryRow(ctx, "SELECT current_setting($1)", guc).Scan(&got) == nil && got == value
	})
}

// rows reads the workload table.
func (s *server) rows(ctx context.Context) []Row {
	s.t.Helper()
	rows, err := ReadRows(ctx, s.admin(ctx), DefaultTable)
	if err != nil {
		s.t.Fatalf("ReadRows: %v", err)
	}
	return rows
}

var hostSeq atomic.Int32

// freeHost returns an address in 127.78.0.0/16 whose port 5432 is free.
func freeHost(t *testing.T) string {
	t.Helper()
	third := os.Getpid()%250 + 1
	for range 500 {
		n := int(hostSeq.Add(1))
		host := fmt.Sprintf("127.78.%d.%d", (third+n/250)%250+1, n%250+1)
		l, err := net.Listen("tcp", net.JoinHostPort(host, "5432"))
		if err == nil {
			l.Close()
			return host
		}
	}
	t.Fatal("no free loopback address")
	return ""
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.DiscardHandler)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls cond until it holds, failing the test when ctx expires.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}
