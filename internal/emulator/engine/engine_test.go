package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestSupervisor_Replication(t *testing.T) {
	s := newSupervisor(t)
	ctx := testCtx(t)
	p, pp := startPrimary(t, s, "p")
	s1, _ := startStandby(t, s, "s1", p)
	s2, _ := startStandby(t, s, "s2", p)

	t.Run("sync commit is visible on a standby", func(t *testing.T) {
		if err := s.SetSyncStandbys(ctx, p, []string{"s1", "s2"}); err != nil {
			t.Fatalf("SetSyncStandbys: %v", err)
		}
		if err := s.SetSyncStandbys(ctx, p, []string{"s1", "s2"}); err != nil {
			t.Fatalf("SetSyncStandbys again: %v", err)
		}
		waitQuorum(t, s, p, "s1", "s2")
		exec1(t, s, p, "INSERT INTO t VALUES (1)")
		waitRow(t, s, s1, 1)
		waitRow(t, s, s2, 1)
	})
	t.Run("standby refuses writes", func(t *testing.T) {
		err := execErr(s, s1, "INSERT INTO t VALUES (2)")
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "25006" {
			t.Fatalf("insert on standby: got %v, want SQLSTATE 25006", err)
		}
		if rec, err := s.InRecovery(ctx, s1); err != nil || !rec {
			t.Fatalf("InRecovery(s1) = %v, %v; want true", rec, err)
		}
	})
	t.Run("status of the primary and a standby", func(t *testing.T) {
		ps, err := s.Status(ctx, p)
		if err != nil || ps.InRecovery || ps.StreamsFrom != "" || len(ps.Replicas) != 2 {
			t.Fatalf("Status(p) = %+v, %v; want a primary with 2 walsenders", ps, err)
		}
		var ss Status
		err = poll(ctx, 20*time.Millisecond, func() bool {
			ss, err = s.Status(ctx, s1)
			return err == nil && ss.Streaming && ss.Received >= ps.Received
		}, "s1 streaming up to the primary's position")
		if err != nil || !ss.InRecovery || ss.StreamsFrom != p.Addr() || len(ss.Replicas) != 0 {
			t.Fatalf("Status(s1) = %+v, %v; want a streaming standby of %s", ss, err, p.Addr())
		}
	})
	var c1 Node
	t.Run("cascade clone from a standby", func(t *testing.T) {
		c1, _ = startStandby(t, s, "c1", s1)
		if data, err := os.ReadFile(filepath.Join(c1.Dir, "postgresql.auto.conf")); err != nil || strings.Contains(string(data), "synchronous_standby_names") {
			t.Errorf("clone's auto.conf leaks source settings: %q, %v", data, err)
		}
		exec1(t, s, p, "INSERT INTO t VALUES (3)")
		waitRow(t, s, c1, 3)
	})
	t.Run("promote a standby and repoint the other", func(t *testing.T) {
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := pp.Stop(stopCtx, StopFast); err != nil {
			t.Fatalf("Stop primary: %v", err)
		}
		if err := s.Promote(ctx, s1); err != nil {
			t.Fatalf("Promote: %v", err)
		}
		if rec, err := s.InRecovery(ctx, s1); err != nil || rec {
			t.Fatalf("InRecovery(s1) after promote = %v, %v; want false", rec, err)
		}
		exec1(t, s, s1, "INSERT INTO t VALUES (4)")
		if err := s.Repoint(ctx, s2, upstreamOf(s1)); err != nil {
			t.Fatalf("Repoint: %v", err)
		}
		exec1(t, s, s1, "INSERT INTO t VALUES (5)")
		waitRow(t, s, s2, 5)
		waitRow(t, s, c1, 5) // the cascade follows the new timeline by itself
	})
	t.Run("rewind the old primary into a standby", func(t *testing.T) {
		if err := s.Rewind(ctx, p, upstreamOf(s1)); err != nil {
			t.Fatalf("Rewind: %v", err)
		}
		if _, err := s.Start(ctx, p); err != nil {
			t.Fatalf("Start rewound node: %v", err)
		}
		exec1(t, s, s1, "INSERT INTO t VALUES (6)")
		waitRow(t, s, p, 6)
		if rec, err := s.InRecovery(ctx, p); err != nil || !rec {
			t.Fatalf("InRecovery(p) = %v, %v; want true", rec, err)
		}
	})
	t.Run("drop an active slot", func(t *testing.T) {
		if err := s.DropSlot(ctx, s1, "s2"); err != nil {
			t.Fatalf("DropSlot: %v", err)
		}
		if err := s.DropSlot(ctx, s1, "s2"); err != nil {
			t.Fatalf("DropSlot of a missing slot: %v", err)
		}
	})
}

// waitQuorum polls p until every name streams with sync_state quorum.
func waitQuorum(t *testing.T, s *Supervisor, p Node, names ...string) {
	t.Helper()
	var last []Replica
	err := poll(testCtx(t), 20*time.Millisecond, func() bool {
		reps, err := s.Replication(context.Background(), p)
		if err != nil {
			return false
		}
		last = reps
		n := 0
		for _, r := range reps {
			for _, name := range names {
				if r.Name == name && r.State == "streaming" && r.SyncState == "quorum" {
					n++
				}
			}
		}
		return n == len(names)
	}, "quorum standbys")
	if err != nil {
		t.Fatalf("%v: %+v", err, last)
	}
}

func TestProcess_Stop(t *testing.T) {
	s := newSupervisor(t)
	ctx := testCtx(t)
	n, p := startPrimary(t, s, "p")
	tests := []struct {
		name string
		stop func(p *Process) error
	}{
		{"fast stop keeps data", func(p *Process) error { return p.Stop(ctx, StopFast) }},
		{"smart stop keeps data", func(p *Process) error { return p.Stop(ctx, StopSmart) }},
		{"immediate stop recovers data", func(p *Process) error { return p.Stop(ctx, StopImmediate) }},
		{"kill recovers committed data", func(p *Process) error { return p.Kill() }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exec1(t, s, n, "INSERT INTO t VALUES ($1)", i)
			if err := tt.stop(p); err != nil {
				t.Fatalf("stop: %v", err)
			}
			select {
			case <-p.Done():
			default:
				t.Fatal("Done not closed after stop")
			}
			var err error
			if p, err = s.Start(ctx, n); err != nil {
				t.Fatalf("Start: %v", err)
			}
			if ok, err := hasRow(s, n, i); err != nil || !ok {
				t.Fatalf("row %d after restart: %v, %v", i, ok, err)
			}
		})
	}
	t.Run("start while running fails", func(t *testing.T) {
		if _, err := s.Start(ctx, n); !errors.Is(err, ErrRunning) {
			t.Fatalf("second Start: got %v, want ErrRunning", err)
		}
		if err := s.Remove(ctx, n); !errors.Is(err, ErrRunning) {
			t.Fatalf("Remove running: got %v, want ErrRunning", err)
		}
	})
	t.Run("remove after stop", func(t *testing.T) {
		if err := p.Stop(ctx, StopFast); err != nil {
			t.Fatal(err)
		}
		if err := s.Remove(ctx, n); err != nil {
			t.Fatalf("Remove: %v", err)
		}
		if _, err := os.Stat(n.Dir); !os.IsNotExist(err) {
			t.Fatalf("dir still exists: %v", err)
		}
	})
}

func TestSupervisor_Start(t *testing.T) {
	s := newSupervisor(t)
	ctx := testCtx(t)
	n := newNode(t, s, "bad")
	if err := s.Init(ctx, n); err != nil {
		t.Fatal(err)
	}
	n.Settings = map[string]string{"shared_buffers": "not-a-size"}
	_, err := s.Start(ctx, n)
	if err == nil || !strings.Contains(err.Error(), "shared_buffers") {
		t.Fatalf("Start with a bad setting: got %v, want an error quoting the log", err)
	}
}

func TestSupervisor_EnsureLogin(t *testing.T) {
	s := newSupervisor(t)
	ctx := testCtx(t)
	n, _ := startPrimary(t, s, "p")
	for _, pw := range []string{`first'pw\`, "second pw"} {
		if err := s.EnsureLogin(ctx, n, "Master-User", pw, "app"); err != nil {
			t.Fatalf("EnsureLogin: %v", err)
		}
		user := &Supervisor{root: s.root, admin: Credentials{User: "Master-User", Password: pw}}
		for _, db := range []string{"app", "postgres"} {
			c, err := user.Connect(ctx, n, db)
			if err != nil {
				t.Fatalf("connect as master user to %s: %v", db, err)
			}
			if _, err := c.Exec(ctx, "CREATE TABLE IF NOT EXISTS mine (id int)"); err != nil {
				t.Errorf("create table in %s: %v", db, err)
			}
			c.Close(ctx)
		}
	}
	if err := s.EnsureLogin(ctx, n, testAdmin.User, "x", ""); err == nil {
		t.Error("EnsureLogin for the admin user succeeded")
	}
}

func TestSupervisor_Close(t *testing.T) {
	s := newSupervisor(t)
	ctx := testCtx(t)
	p, _ := startPrimary(t, s, "p")
	startStandby(t, s, "s1", p)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if left := processesUnder(s.root); len(left) > 0 {
		t.Fatalf("processes left after Close: %v", left)
	}
	if _, err := s.Start(ctx, p); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start after Close: got %v, want ErrClosed", err)
	}
}

// TestProcess_Pdeathsig kills -9 a process that started a postgres through a
// Supervisor (as root, with a credential switch) and checks that the
// postmaster and its backends die with it.
func TestProcess_Pdeathsig(t *testing.T) {
	root := newRoot(t)
	child, pid := spawnHelper(t, root, "supervised")
	if !alive(pid) {
		t.Fatalf("postmaster %d not running", pid)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	if err := waitGroupGone(testCtx(t), pid); err != nil {
		t.Fatalf("postmaster outlived its parent: %v", err)
	}
}

// TestSupervisor_Sweep leaves a postmaster without a parent-death signal
// behind a killed parent, then sweeps it.
func TestSupervisor_Sweep(t *testing.T) {
	root := newRoot(t)
	child, pid := spawnHelper(t, root, "unsupervised")
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	if !alive(pid) {
		t.Fatalf("orphan postmaster %d already gone; the test proves nothing", pid)
	}
	s, err := New(Config{Root: root, Admin: testAdmin})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	if err := s.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if left := processesUnder(root); len(left) > 0 {
		t.Fatalf("processes left after Sweep: %v", left)
	}
	dir := filepath.Join(root, "orphan")
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); !os.IsNotExist(err) {
		t.Errorf("stale postmaster.pid not removed: %v", err)
	}
	n := Node{Name: "orphan", Dir: dir, Host: freeHost(t), Port: 5432}
	p, err := s.Start(ctx, n)
	if err != nil {
		t.Fatalf("Start after Sweep: %v", err)
	}
	if err := p.Stop(ctx, StopFast); err != nil {
		t.Fatal(err)
	}
}

func TestNew(t *testing.T) {
	locked := t.TempDir() // 0700, owned by root: not traversable by postgres
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"relative root", Config{Root: "data", Admin: testAdmin}, "absolute"},
		{"no admin password", Config{Root: "/tmp/x", Admin: Credentials{User: "a"}}, "password"},
		{"root under a locked dir", Config{Root: filepath.Join(locked, "root"), Admin: testAdmin}, "chmod o+x /"},
		{"missing binaries", Config{Root: "/tmp/x", BinDir: "/nonexistent", Admin: testAdmin}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil && tt.wantErr != "" {
				t.Fatalf("New: no error, want %q", tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New: %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestProcess_KillTakesChildren: a crash (Kill) leaves no backend of the
// server alive (PostgreSQL's children leave the postmaster's process
// group), so a restart right away finds its shared memory free.
func TestProcess_KillTakesChildren(t *testing.T) {
	s := newSupervisor(t)
	ctx := testCtx(t)
	n, p := startPrimary(t, s, "k")
	for i := range 3 {
		exec1(t, s, n, "INSERT INTO t VALUES ($1)", i)
		kids := children(p.Pid())
		if len(kids) == 0 {
			t.Fatal("the postmaster has no children; the test proves nothing")
		}
		if err := p.Kill(); err != nil {
			t.Fatal(err)
		}
		for _, k := range kids {
			if alive(k) {
				t.Fatalf("backend %d of the killed server is still alive", k)
			}
		}
		var err error
		if p, err = s.Start(ctx, n); err != nil {
			t.Fatalf("restart %d right after the crash: %v", i, err)
		}
	}
	_ = p.Stop(ctx, StopFast)
}
