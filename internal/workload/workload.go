// Package workload is the client side of failover tests and drills: it runs
// concurrent writers against a database endpoint and records, Jepsen-style,
// what the client knows about every write (OK, Fail or Info), then checks
// that history against the rows a primary actually holds afterwards
// (lost, recovered and unexpected writes, the client-seen outage).
//
// Each write is one autocommit INSERT of a unique id:
//
//	writer ──Dial (after any failure)──▶ endpoint ──▶ primary
//	       ──INSERT id RETURNING server──▶            │
//	       ◀── ok / error / sync-rep cancel warning ──┘
//
// Why notices and deadlines matter: ha-anchors §4.4 (a write cancelled while
// waiting for a synchronous standby is reported as a success, with only a
// WARNING saying it may not be replicated) and §6.3 (what a drill records).
package workload

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Defaults for Config.
const (
	DefaultWriters   = 4
	DefaultOpTimeout = 2 * time.Second
	DefaultTable     = "globaldb_writes"
)

const (
	minBackoff = 20 * time.Millisecond
	maxBackoff = 100 * time.Millisecond
)

// ErrRunning is returned by Run when the workload is already running.
var ErrRunning = errors.New("workload already running")

// Dialer opens a connection for one attempt. It is called again after any
// failure, so it must resolve the endpoint name afresh each time (DNS-based
// failover). It must install OnNotice(ctx) as the connection's notice
// handler, or writes that got the sync-replication cancel warning are
// counted OK instead of ambiguous; DialWith does.
type Dialer func(ctx context.Context) (*pgx.Conn, error)

// Config configures a Workload.
type Config struct {
	Dial    Dialer
	Writers int // concurrent writer goroutines (default 4)
	Rate    int // total target writes/second across writers (0 = as fast as possible)
	// OpTimeout is the client-side deadline of each dial and each write
	// (default 2s). A write whose deadline expires is ambiguous (Info). The
	// server-side statement_timeout is deliberately not used: it does not
	// bound a wait for a synchronous standby.
	OpTimeout time.Duration
	Table     string // default "globaldb_writes"; may be schema-qualified
	Logger    *slog.Logger
	// Regions, if set, makes the workload active-active: each region's
	// writers dial that region's own (local) endpoint, and each write is
	// tagged with its region (Op.Region). Writers and Rate then apply per
	// region unless the region sets its own. Dial, if set, is used only by
	// Setup; otherwise Setup dials through the first region. Without
	// Regions the workload is single-region, as it always was.
	Regions []Region
}

// Region is one region's clients in an active-active workload.
type Region struct {
	Name string // tags the region's writes; must be unique and non-empty
	Dial Dialer // the region's local endpoint
	// Writers, Rate and OpTimeout default to Config's.
	Writers   int
	Rate      int
	OpTimeout time.Duration
}

// Workload runs writers and records their history. History and Counts are
// safe to call at any time; Run may run once at a time.
type Workload struct {
	cfg     Config
	table   string // sanitized identifier
	insert  string
	log     *slog.Logger
	nextID  atomic.Int64
	running atomic.Bool
	warned  atomic.Bool

	mu      sync.Mutex
	history []Op
	counts  [3]int
}

// New validates cfg, applies defaults and returns a Workload.
func New(cfg Config) (*Workload, error) {
	if cfg.Dial == nil && len(cfg.Regions) == 0 {
		return nil, errors.New("new workload: Dial is required")
	}
	if cfg.Writers < 0 || cfg.Rate < 0 || cfg.OpTimeout < 0 {
		return nil, errors.New("new workload: Writers, Rate and OpTimeout must not be negative")
	}
	if cfg.Writers == 0 {
		cfg.Writers = DefaultWriters
	}
	if cfg.OpTimeout == 0 {
		cfg.OpTimeout = DefaultOpTimeout
	}
	regions, err := regionDefaults(cfg)
	if err != nil {
		return nil, fmt.Errorf("new workload: %w", err)
	}
	cfg.Regions = regions
	if cfg.Dial == nil {
		cfg.Dial = regions[0].Dial
	}
	if cfg.Table == "" {
		cfg.Table = DefaultTable
	}
	table, err := sanitizeTable(cfg.Table)
	if err != nil {
		return nil, fmt.Errorf("new workload: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Workload{
		cfg:   cfg,
		table: table,
		// One statement, so the server identity comes from the transaction
		// that committed the row; concat_ws yields "" over a Unix socket.
		insert: "INSERT INTO " + table + " (id, writer, server) VALUES ($1, $2::int, " +
			"concat_ws(':', host(inet_server_addr()), inet_server_port())) RETURNING server",
		log: cfg.Logger,
	}, nil
}

func sanitizeTable(name string) (string, error) {
	parts := strings.Split(name, ".")
	if slices.Contains(parts, "") {
		return "", fmt.Errorf("invalid table name %q", name)
	}
	return pgx.Identifier(parts).Sanitize(), nil
}

// regionDefaults validates cfg.Regions and fills in their defaults.
func regionDefaults(cfg Config) ([]Region, error) {
	out := slices.Clone(cfg.Regions)
	seen := map[string]bool{}
	for i := range out {
		r := &out[i]
		switch {
		case r.Name == "" || seen[r.Name]:
			return nil, fmt.Errorf("region %d: name %q is empty or repeated", i, r.Name)
		case r.Dial == nil:
			return nil, fmt.Errorf("region %s: Dial is required", r.Name)
		case r.Writers < 0 || r.Rate < 0 || r.OpTimeout < 0:
			return nil, fmt.Errorf("region %s: Writers, Rate and OpTimeout must not be negative", r.Name)
		}
		seen[r.Name] = true
		if r.Writers == 0 {
			r.Writers = cfg.Writers
		}
		if r.Rate == 0 {
			r.Rate = cfg.Rate
		}
		if r.OpTimeout == 0 {
			r.OpTimeout = cfg.OpTimeout
		}
	}
	return out, nil
}

// Setup creates the table if it does not exist and makes the workload's ids
// start after the largest id already in it, so reruns never collide.
func (w *Workload) Setup(ctx context.Context) error {
	conn, err := w.cfg.Dial(ctx)
	if err != nil {
		return fmt.Errorf("set up workload: dial: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+w.table+
		" (id bigint PRIMARY KEY, writer int, server text, at timestamptz DEFAULT clock_timestamp())")
	if err != nil {
		return fmt.Errorf("set up workload: create table: %w", err)
	}
	var maxID int64
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(id), 0) FROM "+w.table).Scan(&maxID); err != nil {
		return fmt.Errorf("set up workload: read max id: %w", err)
	}
	w.skipIDs(maxID)
	return nil
}

// skipIDs makes every later id larger than floor.
func (w *Workload) skipIDs(floor int64) {
	for {
		cur := w.nextID.Load()
		if cur >= floor || w.nextID.CompareAndSwap(cur, floor) {
			return
		}
	}
}

// Run runs the writers until ctx is done, then waits for the writes in
// flight (each bounded by OpTimeout) and returns nil. Writers never stop on
// errors: after any write that is not OK they close their connection, back
// off 20–100 ms and dial again.
func (w *Workload) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer w.running.Store(false)
	groups := w.cfg.Regions
	if len(groups) == 0 {
		groups = []Region{{Dial: w.cfg.Dial, Writers: w.cfg.Writers, Rate: w.cfg.Rate, OpTimeout: w.cfg.OpTimeout}}
	}
	var wg sync.WaitGroup
	next := 0 // writer ids are unique across regions
	for _, g := range groups {
		pace, stop := pacer(g.Rate)
		defer stop()
		for range g.Writers {
			id := next
			next++
			log := w.log.With("writer", id)
			if g.Name != "" {
				log = log.With("region", g.Name)
			}
			wg.Go(func() {
				wr := &writer{w: w, id: id, region: g.Name, dial: g.Dial, timeout: g.OpTimeout, log: log}
				wr.loop(ctx, pace)
			})
		}
	}
	wg.Wait()
	return nil
}

// pacer ticks rate times a second (nil channel: as fast as possible).
func pacer(rate int) (<-chan time.Time, func()) {
	if rate <= 0 {
		return nil, func() {}
	}
	every := time.Second / time.Duration(rate)
	if every <= 0 {
		return nil, func() {}
	}
	t := time.NewTicker(every)
	return t.C, t.Stop
}

// History returns a copy of the completed writes, ordered by Invoke. Call it
// after Run returns for a complete history.
func (w *Workload) History() []Op {
	w.mu.Lock()
	h := slices.Clone(w.history)
	w.mu.Unlock()
	slices.SortStableFunc(h, func(a, b Op) int { return a.Invoke.Compare(b.Invoke) })
	return h
}

// OldestUnseen returns when the earliest write acknowledged before at
// with an id above seen was acknowledged: the oldest acknowledged write
// that a reader whose newest row is seen has not seen yet (ids grow with
// invocation). ok is false when the reader has every write acknowledged
// before at.
func (w *Workload) OldestUnseen(seen int64, at time.Time) (acked time.Time, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, op := range w.history {
		if op.Outcome == OK && op.ID > seen && op.Complete.Before(at) && (!ok || op.Complete.Before(acked)) {
			acked, ok = op.Complete, true
		}
	}
	return acked, ok
}

// Table returns the workload's table name, quoted.
func (w *Workload) Table() string { return w.table }

// Counts returns how many completed writes had each outcome so far.
func (w *Workload) Counts() (ok, fail, info int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.counts[OK], w.counts[Fail], w.counts[Info]
}

func (w *Workload) record(op Op) {
	w.mu.Lock()
	w.history = append(w.history, op)
	w.counts[op.Outcome]++
	w.mu.Unlock()
}

// writer is one writer goroutine's state.
type writer struct {
	w       *Workload
	id      int
	region  string        // "" in a single-region workload
	dial    Dialer        // the region's (or the workload's) endpoint
	timeout time.Duration // OpTimeout of the writer's region
	log     *slog.Logger
	conn    *pgx.Conn
	sink    *noticeSink
	backoff time.Duration
}

func (wr *writer) loop(ctx context.Context, pace <-chan time.Time) {
	defer wr.closeConn()
	for {
		if !waitTurn(ctx, pace) {
			return
		}
		op := wr.write(context.WithoutCancel(ctx))
		wr.w.record(op)
		if op.Outcome == OK {
			wr.backoff = 0
			continue
		}
		wr.log.Debug("write not acknowledged", "id", op.ID, "outcome", op.Outcome, "err", op.Err, "notice", op.Notice)
		wr.closeConn()
		if !wr.pause(ctx) {
			return
		}
	}
}

// waitTurn waits for the next pacing tick (if any); false once ctx is done.
func waitTurn(ctx context.Context, pace <-chan time.Time) bool {
	if ctx.Err() != nil {
		return false
	}
	if pace == nil {
		return true
	}
	select {
	case <-ctx.Done():
		return false
	case <-pace:
		return true
	}
}

// pause backs off before the next attempt: 20 ms, doubling up to 100 ms,
// with jitter so writers do not reconnect in lockstep.
func (wr *writer) pause(ctx context.Context) bool {
	wr.backoff = min(max(2*wr.backoff, minBackoff), maxBackoff)
	d := wr.backoff/2 + rand.N(wr.backoff/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// write performs one attempt. ctx carries no cancellation: a write in flight
// ends only by its own deadline, so stopping Run never turns it ambiguous.
func (wr *writer) write(ctx context.Context) Op {
	op := Op{ID: wr.w.nextID.Add(1), Writer: wr.id, Region: wr.region, Invoke: time.Now()}
	err := wr.ensureConn(ctx)
	var server string
	if err == nil {
		wr.sink.take() // drop anything that arrived between statements
		sctx, cancel := context.WithTimeout(ctx, wr.timeout)
		err = wr.conn.QueryRow(sctx, wr.w.insert, pgx.QueryExecModeExec, op.ID, wr.id).Scan(&server)
		cancel()
	}
	op.Complete = time.Now()
	var ambiguous bool
	if wr.sink != nil {
		op.Notice, ambiguous = wr.sink.take()
	}
	op.Outcome, op.Code = classify(err, ambiguous)
	if err != nil {
		op.Err = err.Error()
	} else {
		op.Server = server
	}
	return op
}

// ensureConn dials if the writer has no connection.
func (wr *writer) ensureConn(ctx context.Context) error {
	if wr.conn != nil {
		return nil
	}
	sink := &noticeSink{}
	dctx, cancel := context.WithTimeout(withSink(ctx, sink), wr.timeout)
	defer cancel()
	conn, err := wr.dial(dctx)
	if err != nil {
		return &dialError{err: err}
	}
	if conn.Config().OnNotice == nil && wr.w.warned.CompareAndSwap(false, true) {
		wr.log.Warn("dialer installs no notice handler; sync-replication cancel warnings will go unseen (use DialWith or OnNotice)")
	}
	wr.conn, wr.sink = conn, sink
	return nil
}

func (wr *writer) closeConn() {
	if wr.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), wr.timeout)
	defer cancel()
	_ = wr.conn.Close(ctx)
	wr.conn, wr.sink = nil, nil
}
