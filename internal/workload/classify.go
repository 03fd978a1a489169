package workload

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// dialError marks a failure to open a connection: no statement was sent, so
// the write cannot have committed.
type dialError struct{ err error }

func (e *dialError) Error() string     { return "dial: " + e.err.Error() }
func (e *dialError) Unwrap() error     { return e.err }
func (e *dialError) SafeToRetry() bool { return true }

// classify decides the outcome of one autocommit INSERT from the error it
// returned and whether an ambiguity notice arrived during it. It returns the
// SQLSTATE of a server error too.
//
// The rules, most specific first:
//   - a sync-replication cancel warning makes the write Info whatever else
//     happened: the server committed locally but may lose it on failover;
//   - no error: OK;
//   - nothing was sent (dial failure, context done before sending, any
//     pgconn.SafeToRetry error): Fail;
//   - a server error that ends the session (FATAL/PANIC, class 57P operator
//     intervention such as 57P01 admin shutdown, class 08): Info, since it
//     may arrive after the commit, e.g. while waiting for a sync standby;
//   - any other server error (25006 read-only, 23505, 42P01, 57014 query
//     canceled...): Fail, the statement's transaction was rolled back;
//   - anything else (EOF, connection reset, deadline while waiting for the
//     reply): Info.
func classify(err error, ambiguousNotice bool) (Outcome, string) {
	var code string
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		code = pgErr.Code
	}
	switch {
	case ambiguousNotice:
		return Info, code
	case err == nil:
		return OK, ""
	case pgconn.SafeToRetry(err):
		return Fail, code
	case pgErr != nil && endsSession(pgErr):
		return Info, code
	case pgErr != nil:
		return Fail, code
	default:
		return Info, code
	}
}

// endsSession reports whether a server error terminates the connection.
func endsSession(e *pgconn.PgError) bool {
	sev := e.SeverityUnlocalized
	if sev == "" {
		sev = e.Severity
	}
	return sev == "FATAL" || sev == "PANIC" ||
		strings.HasPrefix(e.Code, "57P") || strings.HasPrefix(e.Code, "08")
}

// isAmbiguousNotice reports whether a notice says the current transaction
// committed locally without its synchronous replication being confirmed:
//
//	WARNING:  canceling wait for synchronous replication due to user request
//	DETAIL:  The transaction has already committed locally, but might not
//	have been replicated to the standby.
//
// (also "canceling the wait for synchronous replication and terminating
// connection due to administrator command").
func isAmbiguousNotice(n *pgconn.Notice) bool {
	return strings.Contains(n.Message, "wait for synchronous replication") ||
		strings.Contains(n.Detail, "already committed locally")
}
