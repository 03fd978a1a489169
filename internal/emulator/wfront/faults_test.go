package wfront

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// waitFor polls cond every 10 ms until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func connectionClass(err error) bool { return strings.HasPrefix(sqlstate(err), "08") }

func TestFront_WriterUnreachable(t *testing.T) {
	c := testCluster(t)
	t.Run("link cut, then healed", func(t *testing.T) {
		f := c.front(t, forwarding())
		conn := f.connect(t, pgx.QueryExecModeCacheStatement)
		ctx := tctx(t)
		if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'before')", newID()); err != nil {
			t.Fatal(err)
		}
		// A SESSION read waits for that write to replicate: after it, reads
		// need nothing from across the link.
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
			t.Fatal(err)
		}
		c.net.Cut("sec", "pri")
		healed := false
		defer func() {
			if !healed {
				c.net.Heal("sec", "pri")
			}
		}()
		start := time.Now()
		_, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'cut')", newID())
		if !connectionClass(err) {
			t.Fatalf("INSERT with the link cut: %v, want a connection-class error (08xxx)", err)
		}
		t.Logf("forwarded INSERT failed after %v: %v", time.Since(start), err)
		var one int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&one); err != nil {
			t.Fatalf("read with the link cut: %v", err)
		}
		c.net.Heal("sec", "pri")
		healed = true
		id := newID()
		if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'after')", id); err != nil {
			t.Fatalf("INSERT after the link healed: %v", err)
		}
		if !c.hasRow(t, id) {
			t.Fatal("row missing on the primary")
		}
	})
	t.Run("link cut inside a transaction aborts it", func(t *testing.T) {
		f := c.front(t, forwarding())
		conn := f.connect(t, pgx.QueryExecModeCacheStatement)
		ctx := tctx(t)
		id := newID()
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO t VALUES ($1, 'lost')", id); err != nil {
			t.Fatal(err)
		}
		c.net.Cut("sec", "pri")
		defer c.net.Heal("sec", "pri")
		if _, err := tx.Exec(ctx, "INSERT INTO t VALUES ($1, 'lost')", newID()); !connectionClass(err) {
			t.Fatalf("INSERT after the cut: %v, want a connection-class error", err)
		}
		if _, err := tx.Exec(ctx, "SELECT 1"); sqlstate(err) != "25P02" {
			t.Fatalf("statement in the broken transaction: %v, want 25P02", err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatalf("ROLLBACK: %v", err)
		}
		c.net.Heal("sec", "pri")
		if c.hasRow(t, id) {
			t.Fatal("row of the broken transaction on the primary")
		}
	})
	t.Run("writer does not answer: connect timeout bounds the wait", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() { // accept and say nothing, as a black hole would
			var held []net.Conn
			defer func() {
				for _, c := range held {
					c.Close()
				}
			}()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				held = append(held, c)
			}
		}()
		p := forwarding()
		p.WriterAddr, p.ConnectTimeout = ln.Addr().String(), 300*time.Millisecond
		f := c.front(t, p)
		conn := f.connect(t, pgx.QueryExecModeSimpleProtocol)
		ctx := tctx(t)
		if _, err := conn.Exec(ctx, "INSERT INTO t VALUES (1, 'x')"); sqlstate(err) != "08001" {
			t.Fatalf("INSERT to a silent writer: %v, want 08001", err)
		}
		if _, err := conn.Exec(ctx, "SELECT 1"); err != nil {
			t.Fatalf("read after the failed INSERT: %v", err)
		}
		f.set(func(p *Policy) { p.WriterAddr = c.wan.Addr() })
		if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'moved')", newID()); err != nil {
			t.Fatalf("INSERT after the writer moved: %v", err)
		}
	})
}

// holdCommits makes the primary's commits wait for a synchronous
// standby that does not exist, until the returned function is called.
func (c *cluster) holdCommits(t *testing.T) (release func()) {
	t.Helper()
	ctx := tctx(t)
	if err := c.adminExec(ctx, c.primary, "ALTER SYSTEM SET synchronous_standby_names = 'nobody'", "SELECT pg_reload_conf()"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "synchronous_standby_names to apply", func() bool {
		var v string
		c.onPrimary(t, "SELECT current_setting('synchronous_standby_names')", &v)
		return v == "nobody"
	})
	done := false
	release = func() {
		if done {
			return
		}
		done = true
		if err := c.adminExec(context.Background(), c.primary, "ALTER SYSTEM RESET synchronous_standby_names", "SELECT pg_reload_conf()"); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(release)
	return release
}

// waitSyncRep waits until a forwarding session on the primary waits
// for synchronous replication: its COMMIT was sent and is in flight.
func (c *cluster) waitSyncRep(t *testing.T) {
	waitFor(t, "a forwarded commit waiting on the primary", func() bool {
		var n int
		c.onPrimary(t, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'aurora_write_forward' AND wait_event = 'SyncRep'", &n)
		return n > 0
	})
}

func TestFront_WriterMoves(t *testing.T) {
	c := testCluster(t)
	f := c.front(t, forwarding())
	conn := f.connect(t, pgx.QueryExecModeCacheStatement)
	ctx := tctx(t)
	// Each row records the writer backend that inserted it.
	insert := func() string {
		t.Helper()
		var pid string
		if err := conn.QueryRow(ctx, "INSERT INTO t VALUES ($1, pg_backend_pid()::text) RETURNING v", newID()).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		return pid
	}
	first := insert()
	if again := insert(); again != first {
		t.Fatalf("forwarding session changed between writes: %s, %s", first, again)
	}
	// After a switchover the policy names another address: the idle
	// forwarding session moves there at the next write.
	f.set(func(p *Policy) { p.WriterAddr = c.primary.Addr() })
	if moved := insert(); moved == first {
		t.Fatalf("write went through the old forwarding session (backend %s) after the writer moved", first)
	}
}

func TestFront_AmbiguousCommit(t *testing.T) {
	c := testCluster(t)
	tests := []struct {
		name   string
		commit func(ctx context.Context, conn *pgx.Conn, id int) error
	}{
		{"autocommit INSERT", func(ctx context.Context, conn *pgx.Conn, id int) error {
			_, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'ambiguous')", id)
			return err
		}},
		{"COMMIT", func(ctx context.Context, conn *pgx.Conn, id int) error {
			if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
				return err
			}
			if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'ambiguous')", id); err != nil {
				return err
			}
			_, err := conn.Exec(ctx, "COMMIT")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := c.front(t, forwarding())
			conn := f.connect(t, pgx.QueryExecModeCacheStatement)
			ctx := tctx(t)
			release := c.holdCommits(t)
			id := newID()
			errc := make(chan error, 1)
			go func() { errc <- tt.commit(ctx, conn, id) }()
			c.waitSyncRep(t)
			c.net.Cut("sec", "pri")
			err := <-errc
			c.net.Heal("sec", "pri")
			release()
			if sqlstate(err) != "08007" {
				t.Fatalf("commit cut in flight: %v, want 08007 (transaction resolution unknown)", err)
			}
			// The session is usable and out of any transaction.
			if _, err := conn.Exec(ctx, "SELECT 1"); err != nil {
				t.Fatalf("session after the ambiguous commit: %v", err)
			}
			if st := conn.PgConn().TxStatus(); st != 'I' {
				t.Fatalf("transaction status %c after the ambiguous commit, want I", st)
			}
			// It was in fact committed: ambiguous, not lost.
			waitFor(t, "the in-flight commit to land on the primary", func() bool { return c.hasRow(t, id) })
		})
	}
}

func TestFront_IdleTimeouts(t *testing.T) {
	c := testCluster(t)
	t.Run("idle session closed, next write reopens", func(t *testing.T) {
		p := forwarding()
		p.IdleSessionTimeout = 100 * time.Millisecond
		f := c.front(t, p)
		conn := f.connect(t, pgx.QueryExecModeCacheStatement)
		ctx := tctx(t)
		if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'idle')", newID()); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the idle forwarding session to close", func() bool { return f.Stats().OpenSessions == 0 })
		if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'idle')", newID()); err != nil {
			t.Fatalf("INSERT after the idle timeout: %v", err)
		}
	})
	t.Run("idle in transaction aborts the transaction", func(t *testing.T) {
		p := forwarding()
		p.IdleInTransactionSessionTimeout = 100 * time.Millisecond
		f := c.front(t, p)
		conn := f.connect(t, pgx.QueryExecModeCacheStatement)
		ctx := tctx(t)
		id := newID()
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO t VALUES ($1, 'idle')", id); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the idle forwarding transaction to close", func() bool { return f.Stats().OpenSessions == 0 })
		if _, err := tx.Exec(ctx, "SELECT 1"); sqlstate(err) != "25P03" {
			t.Fatalf("statement after the idle-in-transaction timeout: %v, want 25P03", err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatalf("ROLLBACK: %v", err)
		}
		if c.hasRow(t, id) {
			t.Fatal("row of the timed-out transaction on the primary")
		}
		if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'idle')", newID()); err != nil {
			t.Fatalf("INSERT after the timeout: %v", err)
		}
	})
}

func TestFront_MaxForwardingConns(t *testing.T) {
	c := testCluster(t)
	p := forwarding()
	p.MaxForwardingConns = 1
	f := c.front(t, p)
	ctx := tctx(t)
	a := f.connect(t, pgx.QueryExecModeCacheStatement)
	b := f.connect(t, pgx.QueryExecModeCacheStatement)
	if _, err := a.Exec(ctx, "INSERT INTO t VALUES ($1, 'a')", newID()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exec(ctx, "INSERT INTO t VALUES ($1, 'b')", newID()); sqlstate(err) != "53300" {
		t.Fatalf("INSERT over the forwarding connection limit: %v, want 53300", err)
	}
	if st := f.Stats(); st.SessionsLimitErrors != 1 || st.OpenSessions != 1 || st.TotalSessions != 1 {
		t.Fatalf("stats: %+v; want 1 limit error, 1 open session, 1 opened in all", st)
	}
	a.Close(ctx)
	waitFor(t, "a's forwarding session to close", func() bool { return f.Stats().OpenSessions == 0 })
	if _, err := b.Exec(ctx, "INSERT INTO t VALUES ($1, 'b')", newID()); err != nil {
		t.Fatalf("INSERT once a session is free: %v", err)
	}
	if st := f.Stats(); st.TotalSessions != 2 {
		t.Fatalf("stats: %+v; want 2 forwarding sessions opened in all (the refused one not counted)", st)
	}
}

var _ = errors.New

func TestFront_CancelReachesTheWriter(t *testing.T) {
	c := testCluster(t)
	f := c.front(t, forwarding())
	conn := f.connect(t, pgx.QueryExecModeCacheStatement)
	ctx := tctx(t)
	if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'open')", newID()); err != nil {
		t.Fatal(err) // opens the forwarding session
	}
	id := newID()
	// pgx sends a CancelRequest when the context ends; the INSERT sleeps
	// on the writer until then.
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err := conn.Exec(short, "INSERT INTO t SELECT $1, 'slow' FROM pg_sleep(60)", id)
	if err == nil {
		t.Fatal("slow forwarded INSERT succeeded")
	}
	waitFor(t, "the forwarded statement to stop on the writer", func() bool {
		var n int
		c.onPrimary(t, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'aurora_write_forward' AND query LIKE '%pg_sleep(60)%' AND state = 'active'", &n)
		return n == 0
	})
	if c.hasRow(t, id) {
		t.Fatal("cancelled INSERT committed")
	}
}
