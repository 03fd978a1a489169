package wfront

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestFront_ForwardsAutocommitWrites(t *testing.T) {
	c := testCluster(t)
	f := c.front(t, forwarding())
	for _, mode := range allModes {
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

// allModes are pgx's query modes: the simple protocol and four uses of
// the extended protocol (named and unnamed prepared statements).
var allModes = []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement,
	pgx.QueryExecModeCacheDescribe, pgx.QueryExecModeDescribeExec, pgx.QueryExecModeExec}

// hasRow reports whether row id is in t on the primary.
func (c *cluster) hasRow(t testing.TB, id int) bool {
	t.Helper()
	var ok bool
	c.onPrimary(t, "SELECT EXISTS (SELECT 1 FROM t WHERE id = "+itoa(id)+")", &ok)
	return ok
}

func TestFront_Transactions(t *testing.T) {
	c := testCluster(t)
	f := c.front(t, forwarding())
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			conn := f.connect(t, mode)
			ctx := tctx(t)
			t.Run("commit", func(t *testing.T) {
				id := newID()
				tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
				if err != nil {
					t.Fatalf("BEGIN: %v", err)
				}
				defer tx.Rollback(ctx)
				if _, err := tx.Exec(ctx, "INSERT INTO t VALUES ($1, 'tx')", id); err != nil {
					t.Fatalf("INSERT: %v", err)
				}
				// SESSION: the transaction sees its own uncommitted row, in a
				// writer transaction with the client's isolation level.
				var v, iso string
				if err := tx.QueryRow(ctx, "SELECT v, current_setting('transaction_isolation') FROM t WHERE id = $1", id).Scan(&v, &iso); err != nil || v != "tx" || iso != "repeatable read" {
					t.Fatalf("read own write in transaction = %q, %q, %v; want tx, repeatable read", v, iso, err)
				}
				if c.hasRow(t, id) {
					t.Fatal("uncommitted row visible on the primary")
				}
				if err := tx.Commit(ctx); err != nil {
					t.Fatalf("COMMIT: %v", err)
				}
				if !c.hasRow(t, id) {
					t.Fatal("committed row missing on the primary")
				}
				if err := conn.QueryRow(ctx, "SELECT v FROM t WHERE id = $1", id).Scan(&v); err != nil || v != "tx" {
					t.Fatalf("read after commit = %q, %v", v, err)
				}
			})
			t.Run("rollback discards", func(t *testing.T) {
				id := newID()
				tx, err := conn.Begin(ctx)
				if err != nil {
					t.Fatalf("BEGIN: %v", err)
				}
				if _, err := tx.Exec(ctx, "INSERT INTO t VALUES ($1, 'rb')", id); err != nil {
					t.Fatalf("INSERT: %v", err)
				}
				if err := tx.Rollback(ctx); err != nil {
					t.Fatalf("ROLLBACK: %v", err)
				}
				if c.hasRow(t, id) {
					t.Fatal("rolled back row on the primary")
				}
			})
			t.Run("failed statement aborts the transaction", func(t *testing.T) {
				id := newID()
				tx, err := conn.Begin(ctx)
				if err != nil {
					t.Fatalf("BEGIN: %v", err)
				}
				defer tx.Rollback(ctx)
				if _, err := tx.Exec(ctx, "INSERT INTO t VALUES ($1, 'x')", id); err != nil {
					t.Fatalf("INSERT: %v", err)
				}
				if _, err := tx.Exec(ctx, "INSERT INTO t VALUES ($1, 'dup')", id); sqlstate(err) != "23505" {
					t.Fatalf("duplicate INSERT: %v, want 23505", err)
				}
				var one int
				if err := tx.QueryRow(ctx, "SELECT 1").Scan(&one); sqlstate(err) != "25P02" {
					t.Fatalf("read in the failed transaction: %v, want 25P02", err)
				}
				if err := tx.Commit(ctx); err == nil || !errors.Is(err, pgx.ErrTxCommitRollback) {
					t.Fatalf("COMMIT of a failed transaction: %v, want a rollback", err)
				}
				if c.hasRow(t, id) {
					t.Fatal("row of a failed transaction on the primary")
				}
				if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
					t.Fatalf("session unusable after the failed transaction: %v", err)
				}
			})
			t.Run("read only transaction is not forwarded", func(t *testing.T) {
				tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
				if err != nil {
					t.Fatalf("BEGIN READ ONLY: %v", err)
				}
				defer tx.Rollback(ctx)
				if _, err := tx.Exec(ctx, "INSERT INTO t VALUES ($1, 'ro')", newID()); sqlstate(err) != "25006" {
					t.Fatalf("INSERT in a READ ONLY transaction: %v, want 25006", err)
				}
			})
			t.Run("serializable is refused", func(t *testing.T) {
				_, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
				if err == nil {
					t.Fatal("BEGIN ISOLATION LEVEL SERIALIZABLE succeeded")
				}
				var one int
				if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
					t.Fatalf("session unusable after the refused BEGIN: %v", err)
				}
			})
		})
	}
}

func TestFront_RefusesUnsupportedStatements(t *testing.T) {
	c := testCluster(t)
	f := c.front(t, forwarding())
	var seqBefore int64
	c.onPrimary(t, "SELECT last_value FROM seq", &seqBefore)
	tests := []struct{ name, sql string }{
		{"DDL", "CREATE TABLE refused_ddl (id int)"},
		{"TRUNCATE", "TRUNCATE t"},
		{"VACUUM", "VACUUM t"},
		{"COPY", "COPY t FROM STDIN"},
		{"LOCK", "LOCK TABLE t"},
		{"nextval", "SELECT nextval('seq')"},
		{"GRANT", "GRANT SELECT ON t TO PUBLIC"},
		{"LISTEN", "LISTEN ch"},
		{"two-phase commit", "COMMIT PREPARED 'x'"},
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		conn := f.connect(t, mode)
		ctx := tctx(t)
		for _, tt := range tests {
			t.Run(mode.String()+"/"+tt.name, func(t *testing.T) {
				if _, err := conn.Exec(ctx, tt.sql); sqlstate(err) != "0A000" {
					t.Fatalf("%s: %v, want SQLSTATE 0A000", tt.sql, err)
				}
			})
		}
		t.Run(mode.String()+"/SAVEPOINT aborts the transaction", func(t *testing.T) {
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			if _, err := tx.Exec(ctx, "INSERT INTO t VALUES ($1, 'sp')", newID()); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, "SAVEPOINT a"); sqlstate(err) != "0A000" {
				t.Fatalf("SAVEPOINT: %v, want 0A000", err)
			}
			if _, err := tx.Exec(ctx, "SELECT 1"); sqlstate(err) != "25P02" {
				t.Fatalf("statement after the refused SAVEPOINT: %v, want 25P02", err)
			}
		})
	}
	var exists bool
	c.onPrimary(t, "SELECT to_regclass('refused_ddl') IS NOT NULL", &exists)
	var seqAfter int64
	c.onPrimary(t, "SELECT last_value FROM seq", &seqAfter)
	if exists || seqAfter != seqBefore {
		t.Fatalf("refused statements ran on the writer: table %v, sequence %d -> %d", exists, seqBefore, seqAfter)
	}
}

func TestFront_PreparedStatements(t *testing.T) {
	c := testCluster(t)
	f := c.front(t, forwarding())
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			conn := f.connect(t, mode)
			ctx := tctx(t)
			if _, err := conn.Exec(ctx, "PREPARE ins (int) AS INSERT INTO t VALUES ($1, 'prep')"); err != nil {
				t.Fatalf("PREPARE: %v", err)
			}
			for i := range 2 {
				id := newID()
				var err error
				if i == 0 {
					_, err = conn.Exec(ctx, "EXECUTE ins("+itoa(id)+")")
				} else {
					// The extended protocol (unnamed statement).
					_, err = conn.PgConn().ExecParams(ctx, "EXECUTE ins("+itoa(id)+")", nil, nil, nil, nil).Close()
				}
				if err != nil {
					t.Fatalf("EXECUTE: %v", err)
				}
				if !c.hasRow(t, id) {
					t.Fatal("EXECUTEd row missing on the primary")
				}
			}
			if _, err := conn.Exec(ctx, "DEALLOCATE ins"); err != nil {
				t.Fatalf("DEALLOCATE: %v", err)
			}
			if _, err := conn.Exec(ctx, "PREPARE ins (int) AS UPDATE t SET v = 'again' WHERE id = $1"); err != nil {
				t.Fatalf("PREPARE again: %v", err)
			}
			id := newID()
			if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'x')", id); err != nil {
				t.Fatal(err)
			}
			if tag, err := conn.Exec(ctx, "EXECUTE ins("+itoa(id)+")"); err != nil || tag.RowsAffected() != 1 {
				t.Fatalf("EXECUTE of the re-prepared statement: %v, %v", tag, err)
			}
			// PREPARE and EXECUTE both over the extended protocol.
			id = newID()
			if _, err := conn.PgConn().ExecParams(ctx, "PREPARE ins2 AS INSERT INTO t VALUES ("+itoa(id)+", 'p2')", nil, nil, nil, nil).Close(); err != nil {
				t.Fatalf("extended PREPARE: %v", err)
			}
			if _, err := conn.PgConn().ExecParams(ctx, "EXECUTE ins2", nil, nil, nil, nil).Close(); err != nil {
				t.Fatalf("extended EXECUTE: %v", err)
			}
			if !c.hasRow(t, id) {
				t.Fatal("row of the extended EXECUTE missing on the primary")
			}
			// EXPLAIN ANALYZE runs the statement: on the writer.
			id = newID()
			if _, err := conn.Exec(ctx, "EXPLAIN ANALYZE INSERT INTO t VALUES ("+itoa(id)+", 'explained')"); err != nil {
				t.Fatalf("EXPLAIN ANALYZE INSERT: %v", err)
			}
			if !c.hasRow(t, id) {
				t.Fatal("EXPLAIN ANALYZE INSERT did not run on the writer")
			}
			// A statement pgx prepared on the replica and then on the writer
			// keeps working on both sides.
			for range 3 {
				id := newID()
				if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'cached')", id); err != nil {
					t.Fatalf("cached INSERT: %v", err)
				}
				var v string
				if err := conn.QueryRow(ctx, "SELECT v FROM t WHERE id = $1", id).Scan(&v); err != nil || v != "cached" {
					t.Fatalf("cached SELECT = %q, %v", v, err)
				}
			}
		})
	}
}

func TestFront_ConsistencyModeSetting(t *testing.T) {
	c := testCluster(t)
	f := c.front(t, forwarding())
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		t.Run(mode.String(), func(t *testing.T) {
			conn := f.connect(t, mode)
			ctx := tctx(t)
			show := func() string {
				t.Helper()
				var m string
				if err := conn.QueryRow(ctx, "SHOW apg_write_forward.consistency_mode").Scan(&m); err != nil {
					t.Fatalf("SHOW: %v", err)
				}
				return m
			}
			if m := show(); m != "session" {
				t.Fatalf("default mode %q, want session", m)
			}
			if _, err := conn.Exec(ctx, "SET apg_write_forward.consistency_mode = 'EVENTUAL'"); err != nil {
				t.Fatalf("SET: %v", err)
			}
			if m := show(); m != "eventual" {
				t.Fatalf("mode after SET %q, want eventual", m)
			}
			if _, err := conn.Exec(ctx, "SET apg_write_forward.consistency_mode = 'sometimes'"); sqlstate(err) != "22023" {
				t.Fatalf("SET to a bad value: %v, want 22023", err)
			}
			if _, err := conn.Exec(ctx, "RESET apg_write_forward.consistency_mode"); err != nil {
				t.Fatalf("RESET: %v", err)
			}
			if m := show(); m != "session" {
				t.Fatalf("mode after RESET %q, want session", m)
			}
			if _, err := conn.Exec(ctx, "SET apg_write_forward.consistency_mode TO off"); err != nil {
				t.Fatalf("SET off: %v", err)
			}
			if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'off')", newID()); sqlstate(err) != "25006" {
				t.Fatalf("INSERT with forwarding off: %v, want 25006", err)
			}
		})
	}
	t.Run("instance stops forwarding", func(t *testing.T) {
		conn := f.connect(t, pgx.QueryExecModeCacheStatement)
		f.set(func(p *Policy) { p.Forward = false })
		defer f.set(func(p *Policy) { p.Forward = true })
		if _, err := conn.Exec(tctx(t), "INSERT INTO t VALUES ($1, 'off')", newID()); sqlstate(err) != "25006" {
			t.Fatalf("INSERT when the instance does not forward: %v, want 25006", err)
		}
	})
}

func TestFront_TLS(t *testing.T) {
	c := testCluster(t)
	f := c.front(t, forwarding())
	conn := f.connectSSL(t, pgx.QueryExecModeCacheStatement, "require")
	ctx := tctx(t)
	var ssl bool
	if err := conn.QueryRow(ctx, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl); err != nil || !ssl {
		t.Fatalf("local session uses TLS = %v, %v; want true", ssl, err)
	}
	id := newID()
	if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'tls')", id); err != nil {
		t.Fatalf("forwarded INSERT over TLS: %v", err)
	}
	if !c.hasRow(t, id) {
		t.Fatal("row missing on the primary")
	}
}

func TestFront_MultiStatementQuery(t *testing.T) {
	c := testCluster(t)
	f := c.front(t, forwarding())
	conn := f.connect(t, pgx.QueryExecModeSimpleProtocol)
	ctx := tctx(t)
	a, b := newID(), newID()
	// Mixed: a write, then a read of it, in one simple query.
	res, err := conn.PgConn().Exec(ctx, "INSERT INTO t VALUES ("+itoa(a)+", 'm'); SELECT v FROM t WHERE id = "+itoa(a)).ReadAll()
	if err != nil {
		t.Fatalf("mixed multi-statement query: %v", err)
	}
	if len(res) != 2 || len(res[1].Rows) != 1 || string(res[1].Rows[0][0]) != "m" {
		t.Fatalf("mixed multi-statement results: %+v", res)
	}
	// A whole transaction in one string.
	if _, err := conn.PgConn().Exec(ctx, "BEGIN; INSERT INTO t VALUES ("+itoa(b)+", 'm'); COMMIT").ReadAll(); err != nil {
		t.Fatalf("transaction in one string: %v", err)
	}
	if !c.hasRow(t, b) {
		t.Fatal("row of the one-string transaction missing on the primary")
	}
	// Statements after a failing one do not run.
	d := newID()
	_, err = conn.PgConn().Exec(ctx, "INSERT INTO t VALUES ("+itoa(a)+", 'dup'); INSERT INTO t VALUES ("+itoa(d)+", 'after')").ReadAll()
	if sqlstate(err) != "23505" {
		t.Fatalf("multi-statement query with a failing statement: %v, want 23505", err)
	}
	if c.hasRow(t, d) {
		t.Fatal("statement after the failing one ran")
	}
}
