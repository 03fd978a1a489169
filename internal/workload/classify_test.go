package workload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// notSent is an error pgconn would mark safe to retry: nothing reached the
// server.
type notSent struct{}

func (notSent) Error() string     { return "conn busy" }
func (notSent) SafeToRetry() bool { return true }

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		ambiguous bool
		want      Outcome
		wantCode  string
	}{
		{name: "success", want: OK},
		{name: "success with sync-rep cancel warning", ambiguous: true, want: Info},
		{name: "dial refused", err: &dialError{err: syscall.ECONNREFUSED}, want: Fail},
		{name: "dial DNS failure", err: &dialError{err: errors.New("lookup writer.example: no such host")}, want: Fail},
		{name: "nothing sent", err: fmt.Errorf("query: %w", notSent{}), want: Fail},
		{name: "read-only transaction", err: &pgconn.PgError{Severity: "ERROR", Code: "25006"}, want: Fail, wantCode: "25006"},
		{name: "duplicate key", err: &pgconn.PgError{Severity: "ERROR", Code: "23505"}, want: Fail, wantCode: "23505"},
		{name: "undefined table", err: &pgconn.PgError{Severity: "ERROR", Code: "42P01"}, want: Fail, wantCode: "42P01"},
		{name: "query canceled before commit", err: &pgconn.PgError{Severity: "ERROR", Code: "57014"}, want: Fail, wantCode: "57014"},
		{name: "admin shutdown", err: &pgconn.PgError{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "57P01"}, want: Info, wantCode: "57P01"},
		{name: "crash shutdown", err: &pgconn.PgError{Severity: "FATAL", Code: "57P02"}, want: Info, wantCode: "57P02"},
		{name: "server error after cancel warning", err: &pgconn.PgError{Severity: "ERROR", Code: "25006"}, ambiguous: true, want: Info, wantCode: "25006"},
		{name: "EOF", err: io.ErrUnexpectedEOF, want: Info},
		{name: "connection reset", err: fmt.Errorf("read: %w", syscall.ECONNRESET), want: Info},
		{name: "deadline while waiting for reply", err: context.DeadlineExceeded, want: Info},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, code := classify(tt.err, tt.ambiguous)
			if got != tt.want || code != tt.wantCode {
				t.Errorf("classify(%v, %v) = %v, %q; want %v, %q", tt.err, tt.ambiguous, got, code, tt.want, tt.wantCode)
			}
		})
	}
}

func TestIsAmbiguousNotice(t *testing.T) {
	tests := []struct {
		name string
		n    pgconn.Notice
		want bool
	}{
		{name: "cancel by user", n: pgconn.Notice{Severity: "WARNING", Message: "canceling wait for synchronous replication due to user request",
			Detail: "The transaction has already committed locally, but might not have been replicated to the standby."}, want: true},
		{name: "terminate by admin", n: pgconn.Notice{Severity: "WARNING",
			Message: "canceling the wait for synchronous replication and terminating connection due to administrator command"}, want: true},
		{name: "detail only", n: pgconn.Notice{Detail: "The transaction has already committed locally, but might not have been replicated to the standby."}, want: true},
		{name: "unrelated notice", n: pgconn.Notice{Severity: "NOTICE", Message: `relation "globaldb_writes" already exists, skipping`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isAmbiguousNotice(&tt.n); got != tt.want {
				t.Errorf("isAmbiguousNotice() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNoticeSink_Take(t *testing.T) {
	var s noticeSink
	h := OnNotice(withSink(context.Background(), &s))
	if h == nil {
		t.Fatal("OnNotice returned nil for a workload context")
	}
	if OnNotice(context.Background()) != nil {
		t.Error("OnNotice returned a handler for a foreign context")
	}
	h(nil, &pgconn.Notice{Severity: "NOTICE", Message: "hello"})
	h(nil, &pgconn.Notice{Severity: "WARNING", Message: "canceling wait for synchronous replication due to user request"})
	text, amb := s.take()
	if !amb || text != "NOTICE: hello; WARNING: canceling wait for synchronous replication due to user request" {
		t.Errorf("take() = %q, %v", text, amb)
	}
	if text, amb := s.take(); text != "" || amb {
		t.Errorf("second take() = %q, %v; want it cleared", text, amb)
	}
}
