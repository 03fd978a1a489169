package sqlclass

import (
	"fmt"
	"reflect"
	"testing"
)

// refused is the expected result for a refused statement.
func refused(reason string) Statement { return Statement{Class: Refused, Reason: reason} }

func TestClassify(t *testing.T) {
	tests := []struct {
		in   string
		want Statement // Text is filled in; Command is compared only when set
	}{
		// Read
		{"SELECT 1", Statement{Class: Read, Command: "SELECT"}},
		{"select * from t where a = 'x'", Statement{Class: Read}},
		{"  /* c */ -- d\n (SELECT 1) UNION (SELECT 2)", Statement{Class: Read, Command: "SELECT"}},
		{"VALUES (1), (2)", Statement{Class: Read, Command: "VALUES"}},
		{"TABLE t", Statement{Class: Read}},
		{"WITH x AS (SELECT 1) SELECT * FROM x", Statement{Class: Read, Command: "WITH"}},
		{"SELECT 1 /* FOR UPDATE */", Statement{Class: Read}},
		{"SELECT 'FOR UPDATE' -- for share\n", Statement{Class: Read}},
		{`SELECT "for", "update" FROM t`, Statement{Class: Read}},
		{"SELECT 'nextval(''s'')', $$setval(x)$$", Statement{Class: Read}},
		{`SELECT "nextval" FROM t`, Statement{Class: Read}},
		{"SELECT currval('s')", Statement{Class: Read}},
		{"SELECT substring('abc' FROM 1 FOR 2)", Statement{Class: Read}},
		{"SELECT 1;", Statement{Class: Read}},
		{"FROBNICATE everything", Statement{Class: Read, Command: "FROBNICATE"}},
		{"START", Statement{Class: Read}},
		{"PREPARE p", Statement{Class: Read}},
		{"EXPLAIN", Statement{Class: Read}},
		{`"select" 1`, Statement{Class: Read}},
		{"((", Statement{Class: Read}},
		// malformed statements the front would otherwise handle itself go to
		// the replica, which reports PostgreSQL's syntax error
		{"BEGIN ISOLATION LEVEL SNAPSHOT", Statement{Class: Read, Command: "BEGIN"}},
		{"COMMIT now", Statement{Class: Read}},
		{"SET TRANSACTION READ SOMETIMES", Statement{Class: Read}},
		{"SET apg_write_forward", Statement{Class: Read}},
		{"SET LOCAL apg_write_forward.consistency_mode TO", Statement{Class: Read}},
		{"SET apg_write_forward.consistency_mode 'global'", Statement{Class: Read}},
		{"SHOW apg_write_forward.consistency_mode extra", Statement{Class: Read}},
		{"SET", Statement{Class: Read}},

		// Write
		{"INSERT INTO t VALUES (1, 'a')", Statement{Class: Write, Command: "INSERT"}},
		{"insert into t select * from u", Statement{Class: Write}},
		{"UPDATE t SET a = a + 1 WHERE id = (SELECT max(id) FROM u)", Statement{Class: Write}},
		{"DELETE FROM t WHERE a IN (SELECT a FROM u)", Statement{Class: Write}},
		{"MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN UPDATE SET a = u.a", Statement{Class: Write}},
		{"INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 2", Statement{Class: Write}},
		{"WITH d AS (DELETE FROM t RETURNING *) SELECT count(*) FROM d", Statement{Class: Write, Command: "WITH"}},
		{"WITH x AS (SELECT 1 AS a) INSERT INTO t SELECT a FROM x", Statement{Class: Write}},
		{"with recursive r as (select 1) update t set a = (select * from r)", Statement{Class: Write}},
		{"WITH x AS MATERIALIZED (SELECT 1) MERGE INTO t USING x ON true WHEN MATCHED THEN DELETE", Statement{Class: Write}},

		// LockingRead
		{"SELECT * FROM t WHERE id = 1 FOR UPDATE", Statement{Class: LockingRead}},
		{"select * from t for no key update", Statement{Class: LockingRead}},
		{"SELECT * FROM t FOR SHARE SKIP LOCKED", Statement{Class: LockingRead}},
		{"SELECT * FROM t, u FOR KEY SHARE OF t NOWAIT", Statement{Class: LockingRead}},
		{"SELECT * FROM (SELECT * FROM t FOR UPDATE) s", Statement{Class: LockingRead}},
		{"WITH x AS (SELECT 1) SELECT * FROM t FOR UPDATE", Statement{Class: LockingRead}},
		{"TABLE t FOR UPDATE", Statement{Class: LockingRead}},

		// Begin
		{"BEGIN", Statement{Class: Begin}},
		{"begin work", Statement{Class: Begin}},
		{"BEGIN TRANSACTION READ WRITE", Statement{Class: Begin, ReadWrite: true}},
		{"BEGIN ISOLATION LEVEL SERIALIZABLE", Statement{Class: Begin, Isolation: Serializable}},
		{"START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", Statement{Class: Begin, Command: "START", Isolation: RepeatableRead, ReadOnly: true}},
		{"start transaction read only isolation level read committed not deferrable", Statement{Class: Begin, Isolation: ReadCommitted, ReadOnly: true}},
		{"BEGIN ISOLATION LEVEL READ UNCOMMITTED DEFERRABLE", Statement{Class: Begin, Isolation: ReadUncommitted}},

		// Commit, Rollback
		{"COMMIT", Statement{Class: Commit}},
		{"commit work", Statement{Class: Commit}},
		{"END TRANSACTION", Statement{Class: Commit, Command: "END"}},
		{"COMMIT AND NO CHAIN", Statement{Class: Commit}},
		{"ROLLBACK", Statement{Class: Rollback}},
		{"ABORT", Statement{Class: Rollback}},
		{"rollback transaction and no chain", Statement{Class: Rollback}},

		// SetTransaction
		{"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", Statement{Class: SetTransaction, Isolation: RepeatableRead}},
		{"SET TRANSACTION READ ONLY", Statement{Class: SetTransaction, ReadOnly: true}},
		{"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE", Statement{Class: SetTransaction, Isolation: Serializable, SessionDefault: true}},
		{"SET LOCAL TRANSACTION READ WRITE", Statement{Class: SetTransaction, ReadWrite: true, Local: true}},
		{"SET TRANSACTION SNAPSHOT '00000003-0000001B-1'", Statement{Class: SetTransaction}},

		// SetForward
		{"SET apg_write_forward.consistency_mode TO 'global'", Statement{Class: SetForward, Setting: "consistency_mode", Value: "global"}},
		{"set apg_write_forward.consistency_mode = eventual", Statement{Class: SetForward, Setting: "consistency_mode", Value: "eventual"}},
		{"SET apg_write_forward.consistency_mode = SESSION", Statement{Class: SetForward, Setting: "consistency_mode", Value: "session"}},
		{"SET SESSION APG_WRITE_FORWARD.Consistency_Mode TO 'GLOBAL'", Statement{Class: SetForward, Setting: "consistency_mode", Value: "GLOBAL"}},
		{"SET LOCAL apg_write_forward.consistency_mode TO off", Statement{Class: SetForward, Setting: "consistency_mode", Value: "off", Local: true}},
		{"SET apg_write_forward.connect_timeout = 10", Statement{Class: SetForward, Setting: "connect_timeout", Value: "10"}},
		{"SET apg_write_forward.consistency_mode TO DEFAULT", Statement{Class: SetForward, Setting: "consistency_mode", Reset: true}},
		{"SHOW apg_write_forward.consistency_mode", Statement{Class: SetForward, Setting: "consistency_mode", Show: true}},
		{"RESET apg_write_forward.consistency_mode", Statement{Class: SetForward, Setting: "consistency_mode", Reset: true}},

		// Session
		{"SET search_path TO app, public", Statement{Class: Session, Setting: "search_path", Value: "app, public"}},
		{"SET statement_timeout = -1", Statement{Class: Session, Setting: "statement_timeout", Value: "-1"}},
		{"SET TIME ZONE 'UTC'", Statement{Class: Session, Setting: "timezone", Value: "UTC"}},
		{"SET SESSION AUTHORIZATION alice", Statement{Class: Session, Setting: "session_authorization", Value: "alice"}},
		{"SHOW ALL", Statement{Class: Session, Show: true, All: true}},
		{"show transaction isolation level", Statement{Class: Session, Show: true, Setting: "transaction_isolation"}},
		{"RESET ALL", Statement{Class: Session, Reset: true, All: true}},
		{"DISCARD ALL", Statement{Class: Session, All: true}},
		{"DISCARD PLANS", Statement{Class: Session}},
		{"DEALLOCATE PREPARE S1", Statement{Class: Session, Name: "s1"}},
		{`DEALLOCATE "S1"`, Statement{Class: Session, Name: "S1"}},
		{"DEALLOCATE ALL", Statement{Class: Session, All: true}},
		{"CHECKPOINT", Statement{Class: Session}},
		{"LOAD 'auto_explain'", Statement{Class: Session}},
		{"", Statement{Class: Session}},
		{" -- only a comment", Statement{Class: Session}},

		// Prepare, Execute
		{"PREPARE p AS UPDATE t SET a = 1", Statement{Class: Prepare, Name: "p",
			Inner: &Statement{Text: "UPDATE t SET a = 1", Class: Write, Command: "UPDATE"}}},
		{"prepare Q1 (int, text) as select * from t where a = $1 for update", Statement{Class: Prepare, Name: "q1",
			Inner: &Statement{Text: "select * from t where a = $1 for update", Class: LockingRead, Command: "SELECT"}}},
		{`PREPARE "Q" AS SELECT 1`, Statement{Class: Prepare, Name: "Q",
			Inner: &Statement{Text: "SELECT 1", Class: Read, Command: "SELECT"}}},
		{"EXECUTE p(1, 'a')", Statement{Class: Execute, Name: "p"}},
		{"EXECUTE p(nextval('s'))", Statement{Class: Refused, Name: "p", Reason: "nextval()"}},

		// Explain
		{"EXPLAIN SELECT 1", Statement{Class: Explain,
			Inner: &Statement{Text: "SELECT 1", Class: Read, Command: "SELECT"}}},
		{"EXPLAIN ANALYZE INSERT INTO t VALUES (1)", Statement{Class: Explain, Analyze: true,
			Inner: &Statement{Text: "INSERT INTO t VALUES (1)", Class: Write, Command: "INSERT"}}},
		{"explain analyse verbose delete from t", Statement{Class: Explain, Analyze: true,
			Inner: &Statement{Text: "delete from t", Class: Write, Command: "DELETE"}}},
		{"EXPLAIN VERBOSE UPDATE t SET a = 1", Statement{Class: Explain,
			Inner: &Statement{Text: "UPDATE t SET a = 1", Class: Write, Command: "UPDATE"}}},
		{"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) UPDATE t SET a = 1", Statement{Class: Explain, Analyze: true,
			Inner: &Statement{Text: "UPDATE t SET a = 1", Class: Write, Command: "UPDATE"}}},
		{"EXPLAIN (ANALYZE off, COSTS) UPDATE t SET a = 1", Statement{Class: Explain,
			Inner: &Statement{Text: "UPDATE t SET a = 1", Class: Write, Command: "UPDATE"}}},
		{"EXPLAIN (analyze 'true') SELECT 1", Statement{Class: Explain, Analyze: true,
			Inner: &Statement{Text: "SELECT 1", Class: Read, Command: "SELECT"}}},
		{"EXPLAIN UPDATE t SET a = 1; -- trailing", Statement{Class: Explain,
			Inner: &Statement{Text: "UPDATE t SET a = 1", Class: Write, Command: "UPDATE"}}},
		{"EXPLAIN EXECUTE p(1)", Statement{Class: Explain,
			Inner: &Statement{Text: "EXECUTE p(1)", Class: Execute, Command: "EXECUTE", Name: "p"}}},

		// Refused
		{"CREATE TABLE t (a int GENERATED ALWAYS AS (1) STORED)", refused("DDL (CREATE TABLE)")},
		{"create temp table t (a int)", refused("DDL (CREATE TABLE)")},
		{"CREATE TABLE t2 AS SELECT * FROM t", refused("DDL (CREATE TABLE AS)")},
		{"CREATE UNIQUE INDEX i ON t (a)", refused("DDL (CREATE INDEX)")},
		{"CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql", refused("DDL (CREATE FUNCTION)")},
		{"CREATE MATERIALIZED VIEW v AS SELECT 1", refused("DDL (CREATE MATERIALIZED VIEW)")},
		{"ALTER TABLE t ADD COLUMN b int", refused("DDL (ALTER TABLE)")},
		{"ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO r", refused("DDL (ALTER DEFAULT PRIVILEGES)")},
		{"DROP FOREIGN TABLE f", refused("DDL (DROP FOREIGN TABLE)")},
		{"DROP", refused("DDL (DROP)")},
		{"COMMENT ON TABLE t IS 'x'", refused("DDL (COMMENT ON)")},
		{"SECURITY LABEL ON TABLE t IS 'x'", refused("SECURITY LABEL")},
		{"REINDEX TABLE t", refused("DDL (REINDEX)")},
		{"REFRESH MATERIALIZED VIEW v", refused("DDL (REFRESH MATERIALIZED VIEW)")},
		{"IMPORT FOREIGN SCHEMA s FROM SERVER f INTO l", refused("DDL (IMPORT FOREIGN SCHEMA)")},
		{"ANALYZE t", refused("ANALYZE")},
		{"analyse", refused("ANALYZE")},
		{"CLUSTER t USING i", refused("CLUSTER")},
		{"VACUUM (FULL) t", refused("VACUUM")},
		{"TRUNCATE t", refused("TRUNCATE")},
		{"COPY t FROM STDIN", refused("COPY")},
		{"COPY (SELECT 1) TO STDOUT", refused("COPY")},
		{"DECLARE c CURSOR FOR SELECT 1", refused("cursors (DECLARE)")},
		{"FETCH 10 FROM c", refused("cursors (FETCH)")},
		{"MOVE NEXT IN c", refused("cursors (MOVE)")},
		{"CLOSE c", refused("cursors (CLOSE)")},
		{"GRANT SELECT ON t TO r", refused("GRANT")},
		{"REVOKE ALL ON t FROM r", refused("REVOKE")},
		{"REASSIGN OWNED BY a TO b", refused("REASSIGN OWNED")},
		{"LOCK TABLE t IN ACCESS EXCLUSIVE MODE", refused("LOCK")},
		{"SAVEPOINT s", refused("SAVEPOINT")},
		{"RELEASE SAVEPOINT s", refused("SAVEPOINT (RELEASE)")},
		{"ROLLBACK TO SAVEPOINT s", refused("SAVEPOINT")},
		{"rollback work to s", refused("SAVEPOINT")},
		{"SELECT * INTO t2 FROM t", refused("SELECT INTO")},
		{"SELECT a INTO TEMP t2 FROM t", refused("SELECT INTO")},
		{"WITH x AS (SELECT 1) SELECT * INTO t2 FROM x", refused("SELECT INTO")},
		{"SET CONSTRAINTS ALL DEFERRED", refused("SET CONSTRAINTS")},
		{"LISTEN ch", refused("LISTEN")},
		{"NOTIFY ch, 'x'", refused("NOTIFY")},
		{"UNLISTEN *", refused("UNLISTEN")},
		{"SELECT nextval('s')", refused("nextval()")},
		{"INSERT INTO t (id) VALUES (NEXTVAL('s'))", refused("nextval()")},
		{"INSERT INTO t SELECT set_config('role', 'postgres', false)", refused("set_config() in a statement that writes")},
		{"UPDATE t SET v = pg_catalog.\"set_config\"('role', 'x', true)", refused("set_config() in a statement that writes")},
		{"SELECT set_config('work_mem', '8MB', false)", Statement{Class: Read}},
		{"SELECT pg_catalog.setval ('s', 1)", refused("setval()")},
		{`SELECT "nextval"('s')`, refused("nextval()")},
		{"UPDATE t SET a = 1 WHERE b = 'nextval(' AND c = nextval('s')", refused("nextval()")},
		{"PREPARE TRANSACTION 'g1'", refused("two-phase commit (PREPARE TRANSACTION)")},
		{"COMMIT PREPARED 'g1'", refused("two-phase commit (COMMIT PREPARED)")},
		{"ROLLBACK PREPARED 'g1'", refused("two-phase commit (ROLLBACK PREPARED)")},
		{"CALL p(1)", refused("procedures (CALL)")},
		{"DO $$BEGIN INSERT INTO t VALUES (1); END$$", refused("anonymous code blocks (DO)")},
		{"COMMIT AND CHAIN", refused("COMMIT AND CHAIN")},
		{"END AND CHAIN", refused("END AND CHAIN")},
		{"ROLLBACK AND CHAIN", refused("ROLLBACK AND CHAIN")},
		{"SELECT 1; DELETE FROM t", Statement{Class: Refused, Command: "SELECT", Reason: "several statements in one query string (split them first)"}},
		{"PREPARE p AS SELECT nextval('s')", Statement{Class: Refused, Name: "p", Reason: "nextval()",
			Inner: &Statement{Text: "SELECT nextval('s')", Class: Refused, Command: "SELECT", Reason: "nextval()"}}},
		{"EXPLAIN CREATE TABLE t AS SELECT 1", Statement{Class: Refused, Reason: "DDL (CREATE TABLE AS)",
			Inner: &Statement{Text: "CREATE TABLE t AS SELECT 1", Class: Refused, Command: "CREATE", Reason: "DDL (CREATE TABLE AS)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := Classify(tt.in)
			want := tt.want
			want.Text = tt.in
			if want.Command == "" {
				got.Command = ""
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Classify(%q)\n got %s\nwant %s", tt.in, describe(got), describe(want))
			}
		})
	}
}

// describe prints a Statement with its Inner for failure messages.
func describe(s Statement) string {
	inner := ""
	if s.Inner != nil {
		inner = " Inner:" + describe(*s.Inner)
		s.Inner = nil
	}
	return fmt.Sprintf("%+v", s) + inner
}

func TestClass_String(t *testing.T) {
	tests := []struct {
		c    Class
		want string
	}{
		{Read, "Read"}, {Write, "Write"}, {LockingRead, "LockingRead"}, {Begin, "Begin"},
		{Commit, "Commit"}, {Rollback, "Rollback"}, {SetTransaction, "SetTransaction"},
		{SetForward, "SetForward"}, {Session, "Session"}, {Prepare, "Prepare"},
		{Execute, "Execute"}, {Explain, "Explain"}, {Refused, "Refused"},
		{Refused + 1, "Class(13)"}, {-1, "Class(-1)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.c.String(); got != tt.want {
				t.Errorf("Class(%d).String() = %q, want %q", int(tt.c), got, tt.want)
			}
		})
	}
}

// BenchmarkClassify measures a typical forwarded INSERT.
func BenchmarkClassify(b *testing.B) {
	const q = "INSERT INTO orders (id, customer_id, amount, note, created_at) " +
		"VALUES ($1, $2, 19.99, 'first order; thanks', now()) RETURNING id"
	b.ReportAllocs()
	for b.Loop() {
		if Classify(q).Class != Write {
			b.Fatal("not a write")
		}
	}
}

// BenchmarkSplit measures splitting a small multi-statement query string.
func BenchmarkSplit(b *testing.B) {
	const q = "BEGIN; UPDATE accounts SET balance = balance - 10 WHERE id = 1; " +
		"UPDATE accounts SET balance = balance + 10 WHERE id = 2; COMMIT;"
	b.ReportAllocs()
	for b.Loop() {
		if len(Split(q)) != 4 {
			b.Fatal("not 4 statements")
		}
	}
}
