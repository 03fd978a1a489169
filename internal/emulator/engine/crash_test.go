package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSupervisor_StartRefusedLogin: a server that refuses the admin's
// login (here: initialised with another admin password, as a volume whose
// initdb was interrupted before it set the password) makes Start fail
// with that error at once, instead of retrying it 50 times a second until
// the context ends (each try a line in the server's log).
func TestSupervisor_StartRefusedLogin(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	s := newSupervisor(t)
	ctx := slowCtx(t)
	n := newNode(t, s, "refused")
	if err := s.Init(ctx, n); err != nil {
		t.Fatalf("Init: %v", err)
	}
	other, err := New(Config{Root: s.root, Admin: Credentials{User: testAdmin.User, Password: "not-the-password-it-was-made-with"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	p, err := other.Start(ctx, n)
	if err == nil {
		_ = p.Stop(context.Background(), StopFast)
		t.Fatal("Start succeeded with the wrong admin password")
	}
	if !strings.Contains(err.Error(), "password authentication failed") || ctx.Err() != nil {
		t.Errorf("Start error = %v (context: %v), want the authentication failure before the context ends", err, ctx.Err())
	}
	log, _ := os.ReadFile(logPath(n.Dir))
	if got := strings.Count(string(log), "password authentication failed"); got > 1 {
		t.Errorf("server log has %d authentication failures, want at most 1", got)
	}
	if pids := processesUnder(s.root); len(pids) > 0 {
		t.Errorf("postgres left running after the failed start: %v", pids)
	}
}

// TestSupervisor_SweepRemovesLeftovers: what a crash in the middle of
// Init or Clone leaves (a staging directory with a partial data directory,
// a password file of an older version) is gone after Sweep, and a node
// initialises in the place of the interrupted one.
func TestSupervisor_SweepRemovesLeftovers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs initdb")
	}
	s := newSupervisor(t)
	ctx := slowCtx(t)
	// The emulator's nodes live directly under Root, where Sweep looks.
	n := newNode(t, s, "again")
	n.Dir = filepath.Join(s.root, "again")
	leftovers := []string{n.Dir + initdbSuffix, n.Dir + cloneSuffix, filepath.Join(s.root, ".volume.pwfile")}
	for _, p := range leftovers[:2] {
		if err := os.MkdirAll(filepath.Join(p, "data", "base"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "data", "PG_VERSION"), []byte("15\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(leftovers[2], []byte(testAdmin.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	for _, p := range leftovers {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s is still there after Sweep", p)
		}
	}
	if err := s.Init(ctx, n); err != nil {
		t.Fatalf("Init after the leftovers: %v", err)
	}
	if _, err := os.Stat(n.Dir + initdbSuffix); err == nil {
		t.Errorf("Init left its staging directory")
	}
}

// slowCtx allows for initdb on a machine under heavy load (minutes).
func slowCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
