package workload

import (
	"fmt"
	"time"
)

// Outcome is what the client knows about one write, in Jepsen's terms.
type Outcome int

const (
	// OK: the server acknowledged the commit and sent no warning that casts
	// doubt on it (Jepsen :ok).
	OK Outcome = iota
	// Fail: the write definitely did not commit (Jepsen :fail).
	Fail
	// Info: the write may or may not have committed (Jepsen :info).
	Info
)

func (o Outcome) String() string {
	switch o {
	case OK:
		return "ok"
	case Fail:
		return "fail"
	case Info:
		return "info"
	default:
		return fmt.Sprintf("Outcome(%d)", int(o))
	}
}

// Op records one write attempt: one INSERT of a unique id, including the
// dial that preceded it when the writer had no connection.
type Op struct {
	ID     int64 // unique per write; the row's primary key
	Writer int   // 0-based writer goroutine, unique across regions
	// Region is the region whose clients made the write, through that
	// region's local endpoint ("" in a single-region workload).
	Region   string
	Invoke   time.Time
	Complete time.Time
	Outcome  Outcome
	Err      string // error text, "" on success
	Code     string // SQLSTATE of a server error, "" if none
	// Notice holds the NOTICE/WARNING messages received during the write,
	// joined with "; " (e.g. the sync-replication cancel warning).
	Notice string
	// Server is host:port of the server that ran the INSERT, read in the same
	// statement (RETURNING inet_server_addr(), inet_server_port()); "" if the
	// statement returned no row.
	Server string
}

// Latency returns Complete - Invoke.
func (o Op) Latency() time.Duration { return o.Complete.Sub(o.Invoke) }
