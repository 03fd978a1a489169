// Package sqlclass splits and classifies the SQL statements a client sends
// to a node with Aurora PostgreSQL write forwarding, so that the node's
// wire-protocol front can decide for each one: run it on the local replica
// (Read, Session), forward it to the writer (Write, LockingRead), handle it
// itself (Begin, Commit, Rollback, SetTransaction, SetForward, Prepare,
// Execute, Explain), or refuse it as Aurora does (Refused, with a Reason).
//
// It is pure: no I/O, no goroutines, no dependencies. A small lexer turns
// text into tokens the way PostgreSQL's scanner delimits them (keywords
// and identifiers, strings of every kind, dollar quotes, numbers,
// punctuation, with byte positions; comments dropped), and the classifier
// reads tokens, so keywords inside strings, quoted identifiers and comments
// never count. It does not parse SQL: it reads the leading keywords and
// looks for a few tokens anywhere in the statement.
//
// # Refused statements
//
// Aurora's documentation lists what write forwarding does not support;
// these are Refused, with the Reason in parentheses:
//
//   - DDL: CREATE, ALTER, DROP, COMMENT ON, REINDEX, REFRESH MATERIALIZED
//     VIEW, IMPORT FOREIGN SCHEMA ("DDL (CREATE TABLE)"; CREATE TABLE ... AS
//     gives "DDL (CREATE TABLE AS)"; SECURITY LABEL gives "SECURITY LABEL").
//   - ANALYZE, CLUSTER, VACUUM, TRUNCATE, LOCK, GRANT, REVOKE, REASSIGN OWNED.
//   - COPY in both directions: the documentation lists COPY without a
//     direction. (A plain replica could run COPY ... TO; we follow the list.)
//   - Cursors: DECLARE, FETCH, MOVE, CLOSE ("cursors (DECLARE)").
//   - SAVEPOINT, RELEASE, ROLLBACK TO SAVEPOINT ("SAVEPOINT").
//   - SELECT INTO (also WITH ... SELECT INTO), SET CONSTRAINTS.
//   - LISTEN, NOTIFY, UNLISTEN.
//   - Any call of nextval() or setval() anywhere in a statement that is not
//     refused for another reason: the name (unquoted, quoted or
//     schema-qualified) followed by '(' ("nextval()").
//   - Two-phase commit: PREPARE TRANSACTION, COMMIT PREPARED, ROLLBACK
//     PREPARED.
//   - CALL and DO: Aurora does not support user-defined procedures and
//     functions that write, and the front cannot tell whether a body writes.
//   - COMMIT AND CHAIN, ROLLBACK AND CHAIN (END/ABORT AND CHAIN likewise):
//     the chained transaction starts without a statement the front sees, with
//     the ending transaction's characteristics, on whichever side ran it;
//     Aurora does not document it, so the front would have to guess. AND NO
//     CHAIN is an ordinary Commit/Rollback.
//   - PREPARE of a refused statement and EXPLAIN of one (with or without
//     ANALYZE), with the inner statement's Reason: preparing one only defers
//     the refusal to EXECUTE, where the front no longer sees the text.
//   - Several statements given to Classify at once (Split them first).
//
// # Decisions for statements the documentation does not list
//
//   - VALUES and TABLE t are Read, like SELECT; a locking clause (FOR UPDATE,
//     FOR NO KEY UPDATE, FOR SHARE, FOR KEY SHARE, at any depth, since a
//     subquery's locking clause locks rows too) makes any of them
//     LockingRead.
//   - MERGE is Write, like the DML it combines.
//   - A WITH containing INSERT, UPDATE, DELETE or MERGE anywhere (a
//     data-modifying CTE or main statement) is Write.
//   - SHOW, RESET and SET of other parameters, DISCARD (ALL sets All),
//     DEALLOCATE (Name, or All), LOAD and CHECKPOINT are Session: they run on
//     the replica and read no table data.
//   - SET TRANSACTION SNAPSHOT is SetTransaction with no modes.
//   - Unknown leading keywords, and statements malformed after a known one
//     (PREPARE without AS, START without TRANSACTION, and any Begin,
//     Commit, Rollback, SetTransaction or SetForward that does not parse to
//     its last token, which the front would otherwise handle without
//     PostgreSQL seeing it), are Read: the
//     replica runs them, and a write there fails with SQLSTATE 25006
//     (read_only_sql_transaction) while a syntax error gets PostgreSQL's own
//     message. Refused is kept for statements known to be unsupported.
//   - A SELECT that calls a user-defined function that writes is Read (its
//     body is invisible here); the replica refuses the write with 25006.
//   - The empty statement is Session with Command "".
//
// # Limits of the lexer
//
// Strings follow standard_conforming_strings = on (PostgreSQL's default):
// a backslash escapes only inside E'...'. An unterminated string, quoted
// identifier, dollar quote or comment runs to the end of the text, as the
// server would read it before reporting the error. Split keeps semicolons
// inside parentheses and inside a CREATE FUNCTION/PROCEDURE ... BEGIN ATOMIC
// ... END body (psql's heuristic), so the pieces of one statement are never
// forwarded apart. A column named like a DML keyword and left unquoted (for
// example "update" in a WITH) can make a read look like a write, which only
// forwards a read.
package sqlclass
