package wfront

import (
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestFront_ForwardsAutocommitWrites(t *testing.T) {
	c := testCluster(t)
	f := c.front(t, forwarding())
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			conn := f.connect(t, mode)
			ctx := tctx(t)
			id := newID()
			if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'a')", id); err != nil {
				t.Fatalf("forwarded INSERT: %v", err)
			}
			var v string
			c.onPrimary(t, "SELECT v FROM t WHERE id = "+itoa(id), &v)
			if v != "a" {
				t.Fatalf("row on the primary = %q, want a", v)
			}
			// SESSION: the next read on the replica sees the write.
			if err := conn.QueryRow(ctx, "SELECT v FROM t WHERE id = $1", id).Scan(&v); err != nil || v != "a" {
				t.Fatalf("read after write = %q, %v; want a", v, err)
			}
			if tag, err := conn.Exec(ctx, "UPDATE t SET v = 'b' WHERE id = $1", id); err != nil || tag.RowsAffected() != 1 {
				t.Fatalf("forwarded UPDATE: %v, %v", tag, err)
			}
			if err := conn.QueryRow(ctx, "SELECT v FROM t WHERE id = $1", id).Scan(&v); err != nil || v != "b" {
				t.Fatalf("read after update = %q, %v; want b", v, err)
			}
			if tag, err := conn.Exec(ctx, "DELETE FROM t WHERE id = $1", id); err != nil || tag.RowsAffected() != 1 {
				t.Fatalf("forwarded DELETE: %v, %v", tag, err)
			}
			var n int
			c.onPrimary(t, "SELECT count(*) FROM t WHERE id = "+itoa(id), &n)
			if n != 0 {
				t.Fatalf("row still on the primary after DELETE")
			}
			// The write ran as the client's user: its permissions apply.
			if _, err := conn.Exec(ctx, "INSERT INTO secret VALUES (1)"); sqlstate(err) != "42501" {
				t.Fatalf("INSERT into a table the user may not write: %v, want 42501", err)
			}
		})
	}
}

func itoa(i int) string { return fmtInt(i) }
