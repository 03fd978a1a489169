package engine

import (
	"testing"
)

// TestSupervisor_Fence: fencing drops every client session at once,
// refuses new clients, keeps the admin user, and returns a WAL position
// that covers every commit made before it.
func TestSupervisor_Fence(t *testing.T) {
	s := newSupervisor(t)
	ctx := testCtx(t)
	n, _ := startPrimary(t, s, "p")
	if err := s.EnsureLogin(ctx, n, "app", "app pw", "app"); err != nil {
		t.Fatal(err)
	}
	user := &Supervisor{root: s.root, admin: Credentials{User: "app", Password: "app pw"}}
	const clients = 6
	for i := range clients {
		c, err := user.Connect(ctx, n, "app")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if i == 0 {
			if _, err := c.Exec(ctx, "CREATE TABLE t (id int); INSERT INTO t VALUES (1)"); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := queryLSN(t, s, n, "SELECT pg_current_wal_lsn()::text")
	final, err := s.Fence(ctx, n)
	if err != nil {
		t.Fatalf("Fence: %v", err)
	}
	if final < before {
		t.Errorf("fenced at %s, before the last commit's position %s", final, before)
	}
	c, err := s.Connect(ctx, n, "postgres")
	if err != nil {
		t.Fatalf("admin connection refused after fencing: %v", err)
	}
	defer c.Close(ctx)
	var left int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename = 'app'`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d client sessions survived the fence", left)
	}
	if c2, err := user.Connect(ctx, n, "app"); err == nil {
		c2.Close(ctx)
		t.Error("a new client connected to a fenced writer")
	}
}

func queryLSN(t *testing.T, s *Supervisor, n Node, sql string) LSN {
	t.Helper()
	c, err := s.Connect(testCtx(t), n, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(testCtx(t))
	var text string
	if err := c.QueryRow(testCtx(t), sql).Scan(&text); err != nil {
		t.Fatal(err)
	}
	l, err := ParseLSN(text)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
