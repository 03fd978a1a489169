package wfront

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// readYourWrites runs sessions concurrent clients in mode, each updating
// its own counter row n times through the front and reading it back at
// once; it returns how many reads saw the value just written.
func readYourWrites(t *testing.T, f *testFront, mode string, sessions, n int) (fresh, total int64) {
	t.Helper()
	var ok, all atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for s := range sessions {
		conn := f.connect(t, pgx.QueryExecModeCacheStatement)
		k := newID()
		ctx := tctx(t)
		if _, err := conn.Exec(ctx, "SET apg_write_forward.consistency_mode = "+mode); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, "INSERT INTO counter VALUES ($1, 0)", k); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= n; i++ {
				if _, err := conn.Exec(ctx, "UPDATE counter SET n = $1 WHERE k = $2", i, k); err != nil {
					errs <- fmt.Errorf("session %d: UPDATE: %w", s, err)
					return
				}
				var got int
				if err := conn.QueryRow(ctx, "SELECT n FROM counter WHERE k = $1", k).Scan(&got); err != nil {
					errs <- fmt.Errorf("session %d: SELECT: %w", s, err)
					return
				}
				all.Add(1)
				if got == i {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return ok.Load(), all.Load()
}

func TestFront_SessionReadYourWrites(t *testing.T) {
	c := testCluster(t)
	f := c.front(t, forwarding())
	fresh, total := readYourWrites(t, f, "session", 4, 250)
	if fresh != total || total != 1000 {
		t.Fatalf("SESSION: %d of %d reads saw the session's last write; want 1000 of 1000", fresh, total)
	}
	st := f.Stats()
	if st.ReadWaitCount == 0 || st.DMLStatements < 1000 || st.Commits < 1000 {
		t.Fatalf("stats after 1000 forwarded updates: %+v", st)
	}
	t.Logf("SESSION: %d/%d fresh; mean read wait %v over %d waits, mean DML latency %v",
		fresh, total, st.ReadWaitSum/time.Duration(max(1, st.ReadWaitCount)), st.ReadWaitCount,
		st.DMLLatencySum/time.Duration(max(1, st.DMLLatencyCount)))
}

func TestFront_EventualReadsMayBeStale(t *testing.T) {
	c := testCluster(t)
	f := c.front(t, forwarding())
	fresh, total := readYourWrites(t, f, "eventual", 4, 100)
	// Not asserted: how often a read overtakes replication depends on
	// the machine; the count is the measurement.
	t.Logf("EVENTUAL: %d of %d reads right after a forwarded write were stale", total-fresh, total)
	if st := f.Stats(); st.ReadWaitCount != 0 {
		t.Fatalf("EVENTUAL reads waited %d times", st.ReadWaitCount)
	}
}

func TestFront_GlobalSeesOtherSessionsCommits(t *testing.T) {
	c := testCluster(t)
	f := c.front(t, forwarding())
	conn := f.connect(t, pgx.QueryExecModeCacheStatement)
	ctx := tctx(t)
	if _, err := conn.Exec(ctx, "SET apg_write_forward.consistency_mode = global"); err != nil {
		t.Fatal(err)
	}
	direct, err := c.sup.Connect(ctx, c.primary, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close(ctx)
	const n = 50
	seen := 0
	for range n {
		id := newID()
		if _, err := direct.Exec(ctx, "INSERT INTO t VALUES ($1, 'global')", id); err != nil {
			t.Fatal(err)
		}
		var ok bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM t WHERE id = $1)", id).Scan(&ok); err != nil {
			t.Fatalf("GLOBAL read: %v", err)
		}
		if ok {
			seen++
		}
	}
	if seen != n {
		t.Fatalf("GLOBAL: %d of %d reads saw a commit made on the writer just before; want all", seen, n)
	}
	// GLOBAL needs the writer for every read: with the link cut, reads
	// fail with a connection-class error instead of waiting forever.
	c.net.Cut("sec", "pri")
	defer c.net.Heal("sec", "pri")
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); !connectionClass(err) {
		t.Fatalf("GLOBAL read with the writer unreachable: %v, want a connection-class error", err)
	}
	c.net.Heal("sec", "pri")
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("GLOBAL read after the link healed: %v", err)
	}
}

func TestFront_SessionWaitIsBounded(t *testing.T) {
	c := testCluster(t)
	p := forwarding()
	p.ConnectTimeout = 300 * time.Millisecond
	f := c.front(t, p)
	conn := f.connect(t, pgx.QueryExecModeCacheStatement)
	ctx := tctx(t)
	if err := c.adminExec(ctx, c.standby, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			if err := c.adminExec(context.Background(), c.standby, "SELECT pg_wal_replay_resume()"); err != nil {
				t.Error(err)
			}
		}
	}
	defer resume()
	id := newID()
	if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'paused')", id); err != nil {
		t.Fatal(err)
	}
	var ok bool
	q := "SELECT EXISTS (SELECT 1 FROM t WHERE id = $1)"
	if err := conn.QueryRow(ctx, q, id).Scan(&ok); sqlstate(err) != "57014" {
		t.Fatalf("SESSION read while the replica cannot catch up: %v, want 57014 after the bound", err)
	}
	if _, err := conn.Exec(ctx, "SET apg_write_forward.consistency_mode = eventual"); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, q, id).Scan(&ok); err != nil || ok {
		t.Fatalf("EVENTUAL read while replay is paused = %v, %v; want a stale answer (false)", ok, err)
	}
	resume()
	if _, err := conn.Exec(ctx, "SET apg_write_forward.consistency_mode = session"); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, q, id).Scan(&ok); err != nil || !ok {
		t.Fatalf("SESSION read after replay resumed = %v, %v; want true", ok, err)
	}
}
