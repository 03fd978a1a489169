package workload

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Row is one row of the workload table as read back after the event.
type Row struct {
	ID     int64
	Server string
}

// ReadRows reads every row of table (as Config.Table) from conn, which
// should be the primary after the event, ordered by id.
func ReadRows(ctx context.Context, conn *pgx.Conn, table string) ([]Row, error) {
	if table == "" {
		table = DefaultTable
	}
	ident, err := sanitizeTable(table)
	if err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	rows, err := conn.Query(ctx, "SELECT id, coalesce(server, '') FROM "+ident+" ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Row, error) {
		var row Row
		err := r.Scan(&row.ID, &row.Server)
		return row, err
	})
	if err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	return out, nil
}

// Report is the verdict of Check. Id lists are sorted.
type Report struct {
	Acknowledged, Failed, Ambiguous int

	// Lost: acknowledged (OK) but absent: the RPO, as ids.
	Lost []int64
	// LostSpan runs from the earliest to the latest Complete of a lost write
	// (0 if fewer than two are lost): the RPO, as time.
	LostSpan time.Duration
	// Recovered: ambiguous (Info) and present. Not a violation.
	Recovered []int64
	// Unexpected: failed (definitely not committed) but present.
	Unexpected []int64
	// Duplicates: ids present more than once.
	Duplicates []int64
	// Unattempted: present ids inside the history's id range that no write
	// in the history used (Jepsen's "unexpected"). Rows outside that range,
	// e.g. from earlier runs, are ignored.
	Unattempted []int64

	// MaxOutage is the longest interval with no acknowledged write, the RTO
	// as the client saw it: between consecutive OK completions; before the
	// first OK, from the earliest Invoke of a write that was not OK; after
	// the last OK, until the last completion of a write invoked after it
	// that was not OK (stragglers invoked earlier do not count). OutageStart
	// is when it began (zero if there is no such interval).
	MaxOutage   time.Duration
	OutageStart time.Time

	// OK: no Lost, Unexpected, Duplicates or Unattempted ids.
	OK bool
}

// Check compares the history with the rows actually present, read from a
// primary after the event, and reports every violation.
func Check(history []Op, present []Row) Report {
	var r Report
	seen := make(map[int64]int, len(present))
	for _, row := range present {
		seen[row.ID]++
		if seen[row.ID] == 2 {
			r.Duplicates = append(r.Duplicates, row.ID)
		}
	}
	attempted := make(map[int64]bool, len(history))
	var lostFirst, lostLast time.Time
	for _, op := range history {
		attempted[op.ID] = true
		found := seen[op.ID] > 0
		switch op.Outcome {
		case OK:
			r.Acknowledged++
			if !found {
				r.Lost = append(r.Lost, op.ID)
				if lostFirst.IsZero() || op.Complete.Before(lostFirst) {
					lostFirst = op.Complete
				}
				if op.Complete.After(lostLast) {
					lostLast = op.Complete
				}
			}
		case Fail:
			r.Failed++
			if found {
				r.Unexpected = append(r.Unexpected, op.ID)
			}
		default:
			r.Ambiguous++
			if found {
				r.Recovered = append(r.Recovered, op.ID)
			}
		}
	}
	r.LostSpan = lostLast.Sub(lostFirst)
	r.Unattempted = unattempted(history, seen, attempted)
	r.OutageStart, r.MaxOutage = maxOutage(history)
	for _, ids := range [][]int64{r.Lost, r.Recovered, r.Unexpected, r.Duplicates, r.Unattempted} {
		slices.Sort(ids)
	}
	r.OK = len(r.Lost) == 0 && len(r.Unexpected) == 0 && len(r.Duplicates) == 0 && len(r.Unattempted) == 0
	return r
}

func unattempted(history []Op, seen map[int64]int, attempted map[int64]bool) []int64 {
	if len(history) == 0 {
		return nil
	}
	lo, hi := history[0].ID, history[0].ID
	for _, op := range history {
		lo, hi = min(lo, op.ID), max(hi, op.ID)
	}
	var out []int64
	for id := range seen {
		if id >= lo && id <= hi && !attempted[id] {
			out = append(out, id)
		}
	}
	return out
}

// maxOutage returns the start and length of the longest interval with no
// acknowledged write (see Report.MaxOutage).
func maxOutage(history []Op) (time.Time, time.Duration) {
	if len(history) == 0 {
		return time.Time{}, 0
	}
	ops := slices.Clone(history)
	slices.SortStableFunc(ops, func(a, b Op) int { return a.Complete.Compare(b.Complete) })
	var (
		start   time.Time // beginning of the current interval without an ack
		open    bool      // start is set
		acked   bool      // an OK has completed
		tail    time.Time // latest completion of a write tried after the last ack
		bestAt  time.Time
		bestLen time.Duration
	)
	consider := func(from, to time.Time) {
		if d := to.Sub(from); d > bestLen || bestAt.IsZero() {
			bestAt, bestLen = from, d
		}
	}
	for _, op := range ops {
		switch {
		case op.Outcome == OK:
			if open {
				consider(start, op.Complete)
			}
			start, open, acked, tail = op.Complete, true, true, time.Time{}
		case !acked:
			// No ack yet: the outage starts when the earliest of the writes
			// that were not OK was tried.
			if !open || op.Invoke.Before(start) {
				start, open = op.Invoke, true
			}
		case !op.Invoke.Before(start):
			// Tried after the last ack and still not OK. A write invoked
			// before it (a straggler) is no evidence of an outage.
			tail = op.Complete
		}
	}
	if !acked && open {
		consider(start, ops[len(ops)-1].Complete)
	} else if !tail.IsZero() {
		consider(start, tail)
	}
	if bestAt.IsZero() {
		return time.Time{}, 0
	}
	return bestAt, bestLen
}

// String renders the report for logs and drill output.
func (r Report) String() string {
	var b strings.Builder
	verdict := "OK"
	if !r.OK {
		verdict = "VIOLATION"
	}
	fmt.Fprintf(&b, "verdict: %s\n", verdict)
	fmt.Fprintf(&b, "writes: %d acknowledged, %d failed, %d ambiguous\n", r.Acknowledged, r.Failed, r.Ambiguous)
	fmt.Fprintf(&b, "lost: %d%s (span %s)\n", len(r.Lost), idList(r.Lost), r.LostSpan)
	fmt.Fprintf(&b, "recovered: %d%s\n", len(r.Recovered), idList(r.Recovered))
	fmt.Fprintf(&b, "unexpected: %d%s\n", len(r.Unexpected), idList(r.Unexpected))
	fmt.Fprintf(&b, "duplicates: %d%s\n", len(r.Duplicates), idList(r.Duplicates))
	fmt.Fprintf(&b, "unattempted: %d%s\n", len(r.Unattempted), idList(r.Unattempted))
	start := "-"
	if !r.OutageStart.IsZero() {
		start = r.OutageStart.UTC().Format(time.RFC3339Nano)
	}
	fmt.Fprintf(&b, "max outage: %s from %s\n", r.MaxOutage, start)
	return b.String()
}

// idList renders up to 20 ids.
func idList(ids []int64) string {
	const limit = 20
	if len(ids) == 0 {
		return ""
	}
	parts := make([]string, 0, min(len(ids), limit)+1)
	for _, id := range ids[:min(len(ids), limit)] {
		parts = append(parts, fmt.Sprint(id))
	}
	if len(ids) > limit {
		parts = append(parts, fmt.Sprintf("… %d more", len(ids)-limit))
	}
	return " [" + strings.Join(parts, " ") + "]"
}

// CheckRegions checks each region's writes (Op.Region) on their own
// against the rows present: Lost, Recovered, Unexpected, Duplicates and
// MaxOutage as the region's clients saw them. A region's report looks only
// at the rows of ids its writes used; rows no write made (Unattempted)
// are judged by Check over the whole history. Writes of a single-region
// workload come under "".
func CheckRegions(history []Op, present []Row) map[string]Report {
	byRegion := map[string][]Op{}
	for _, op := range history {
		byRegion[op.Region] = append(byRegion[op.Region], op)
	}
	out := make(map[string]Report, len(byRegion))
	for region, ops := range byRegion {
		ids := make(map[int64]bool, len(ops))
		for _, op := range ops {
			ids[op.ID] = true
		}
		var rows []Row
		for _, row := range present {
			if ids[row.ID] {
				rows = append(rows, row)
			}
		}
		out[region] = Check(ops, rows)
	}
	return out
}
