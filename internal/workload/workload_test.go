package workload

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// running is a workload whose Run executes in the background.
type running struct {
	t      *testing.T
	w      *Workload
	cancel context.CancelFunc
	done   chan error
}

// launch sets up and runs a workload against s, dialing with DialWith. It
// is stopped at cleanup, before the server.
func launch(t *testing.T, ctx context.Context, s *server, cfg Config) *running {
	t.Helper()
	cfg.Dial = DialWith(s.connConfig())
	cfg.Logger = testLogger()
	w, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := w.Setup(ctx); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	return start(t, w)
}

func start(t *testing.T, w *Workload) *running {
	rctx, cancel := context.WithCancel(context.Background())
	r := &running{t: t, w: w, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- w.Run(rctx) }()
	t.Cleanup(func() { r.stop() })
	return r
}

// stop cancels Run, waits for it and returns the history.
func (r *running) stop() []Op {
	r.t.Helper()
	r.cancel()
	if err := <-r.done; err != nil {
		r.t.Errorf("Run: %v", err)
	}
	r.done <- nil // later stops return at once
	return r.w.History()
}

// waitCount waits until the outcome counter chosen by pick reaches n.
func (r *running) waitCount(ctx context.Context, what string, n int, pick func(ok, fail, info int) int) {
	r.t.Helper()
	waitFor(r.t, ctx, what, func() bool { return pick(r.w.Counts()) >= n })
}

func oks(ok, _, _ int) int     { return ok }
func fails(_, fail, _ int) int { return fail }
func infos(_, _, info int) int { return info }

func TestWorkload_Run(t *testing.T) {
	t.Run("steady load: everything acknowledged and present", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		s := startServer(t)
		r := launch(t, ctx, s, Config{Writers: 4, Rate: 400})
		r.waitCount(ctx, "200 acknowledged writes", 200, oks)
		history := r.stop()

		rep := Check(history, s.rows(ctx))
		if !rep.OK || rep.Failed != 0 || rep.Ambiguous != 0 || rep.Acknowledged != len(history) {
			t.Fatalf("report:\n%v", rep)
		}
		for _, op := range history {
			if op.Server != s.addr() || op.Writer < 0 || op.Writer >= 4 || op.Complete.Before(op.Invoke) {
				t.Fatalf("bad op %+v (server want %s)", op, s.addr())
			}
		}
		ids := make([]int64, len(history))
		for i, op := range history {
			ids[i] = op.ID
		}
		slices.Sort(ids)
		if len(slices.Compact(ids)) != len(history) {
			t.Error("ids are not unique")
		}
	})

	t.Run("server turned read-only: writes fail, none lost", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		s := startServer(t)
		r := launch(t, ctx, s, Config{Writers: 4, Rate: 400})
		r.waitCount(ctx, "20 acknowledged writes", 20, oks)
		s.setAndWait(ctx, "default_transaction_read_only", "on")
		_, failed, _ := r.w.Counts()
		r.waitCount(ctx, "20 more failed writes", failed+20, fails)
		history := r.stop()

		rep := Check(history, s.rows(ctx))
		if !rep.OK || rep.Acknowledged < 20 || rep.Failed < 20 || len(rep.Lost) != 0 {
			t.Fatalf("report:\n%v", rep)
		}
		for _, op := range history {
			if op.Outcome == Fail && op.Code != "25006" {
				t.Errorf("failed op %d: code %q (%s), want 25006", op.ID, op.Code, op.Err)
			}
		}
		for _, op := range history[len(history)-20:] {
			if op.Outcome != Fail {
				t.Errorf("op %d after read-only: %v, want fail", op.ID, op.Outcome)
			}
		}
	})

	t.Run("server killed and restarted: outage covers the gap, none lost", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		s := startServer(t)
		r := launch(t, ctx, s, Config{Writers: 4, Rate: 400, OpTimeout: time.Second})
		r.waitCount(ctx, "50 acknowledged writes", 50, oks)
		s.kill()
		down := time.Now()
		_, failed, _ := r.w.Counts()
		r.waitCount(ctx, "10 failed writes while down", failed+10, fails)
		up := time.Now()
		s.start(ctx)
		acked, _, _ := r.w.Counts()
		r.waitCount(ctx, "50 acknowledged writes after restart", acked+50, oks)
		history := r.stop()

		rep := Check(history, s.rows(ctx))
		if !rep.OK || len(rep.Lost) != 0 || len(rep.Unexpected) != 0 {
			t.Fatalf("report:\n%v", rep)
		}
		if gap := up.Sub(down); rep.MaxOutage < gap {
			t.Errorf("MaxOutage = %v, want ≥ the %v the server was down", rep.MaxOutage, gap)
		}
		if rep.OutageStart.After(up) {
			t.Errorf("OutageStart %v is after the server came back at %v", rep.OutageStart, up)
		}
		t.Logf("report:\n%v", rep)
	})

	t.Run("sync standby never connects: timed-out writes are ambiguous, then recovered", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		s := startServer(t)
		cfg := Config{Writers: 2, OpTimeout: 300 * time.Millisecond, Dial: DialWith(s.connConfig()), Logger: testLogger()}
		w, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Setup(ctx); err != nil { // before sync rep: CREATE TABLE would wait too
			t.Fatalf("Setup: %v", err)
		}
		s.setAndWait(ctx, "synchronous_standby_names", "ghost")
		r := start(t, w)
		r.waitCount(ctx, "6 ambiguous writes", 6, infos)
		history := r.stop()
		s.setAndWait(ctx, "synchronous_standby_names", "") // release any waiter

		var ambiguous []int64
		for _, op := range history {
			if op.Outcome == Info {
				ambiguous = append(ambiguous, op.ID)
				if !strings.Contains(op.Notice, "synchronous replication") {
					t.Errorf("ambiguous op %d: notice %q, err %q; want the sync-rep cancel warning", op.ID, op.Notice, op.Err)
				}
			}
		}
		var present []Row
		waitFor(t, ctx, "ambiguous writes to become visible", func() bool {
			present = s.rows(ctx)
			return len(Check(history, present).Recovered) == len(ambiguous)
		})
		rep := Check(history, present)
		if !rep.OK || rep.Acknowledged != 0 || rep.Ambiguous < 6 || len(rep.Lost) != 0 || len(rep.Unexpected) != 0 {
			t.Fatalf("report:\n%v", rep)
		}
	})
}

// TestWorkload_Run_Regions runs an active-active workload: two regions'
// clients on their own endpoints (here one server; the second region's
// sessions are set up with a statement, as a forwarding secondary's are).
// Every write is tagged with its region and checked overall and per
// region; a region whose sessions cannot be set up fails its own writes
// only.
func TestWorkload_Run_Regions(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	ctx := testCtx(t)
	s := startServer(t)
	cfg := Config{Writers: 2, Rate: 200, Logger: testLogger(), Regions: []Region{
		{Name: "east", Dial: DialWith(s.connConfig())},
		{Name: "west", Dial: WithInit(DialWith(s.connConfig()), "SET application_name = 'west'")},
		{Name: "broken", Writers: 1, Dial: WithInit(DialWith(s.connConfig()), "SET no_such_setting = 1")},
	}}
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Setup(ctx); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	r := start(t, w)
	r.waitCount(ctx, "100 acknowledged writes", 100, oks)
	r.waitCount(ctx, "5 failed writes", 5, fails)
	history := r.stop()

	present := s.rows(ctx)
	if rep := Check(history, present); !rep.OK || len(rep.Lost) != 0 {
		t.Fatalf("overall report:\n%v", rep)
	}
	writers := map[string]map[int]bool{}
	for _, op := range history {
		if writers[op.Region] == nil {
			writers[op.Region] = map[int]bool{}
		}
		writers[op.Region][op.Writer] = true
	}
	if len(writers["east"]) != 2 || len(writers["west"]) != 2 || len(writers["broken"]) != 1 || len(writers) != 3 {
		t.Fatalf("writers by region %v: want 2 east, 2 west, 1 broken, no untagged write", writers)
	}
	for w := range writers["east"] {
		if writers["west"][w] || writers["broken"][w] {
			t.Errorf("writer %d is in two regions", w)
		}
	}
	byRegion := CheckRegions(history, present)
	for _, region := range []string{"east", "west"} {
		rep := byRegion[region]
		if !rep.OK || rep.Acknowledged == 0 || rep.Failed != 0 {
			t.Errorf("%s: want acknowledged writes and no failure:\n%v", region, rep)
		}
	}
	if rep := byRegion["broken"]; rep.Acknowledged != 0 || rep.Failed == 0 || !rep.OK {
		t.Errorf("broken: want failed writes only, none present:\n%v", rep)
	}
	if got := byRegion["east"].Acknowledged + byRegion["west"].Acknowledged; got != Check(history, present).Acknowledged {
		t.Errorf("per-region acknowledged writes add up to %d, overall %d", got, Check(history, present).Acknowledged)
	}
}

func TestNew(t *testing.T) {
	dial := Dialer(func(context.Context) (*pgx.Conn, error) { return nil, errors.New("unused") })
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{name: "defaults", cfg: Config{Dial: dial}},
		{name: "no dialer", cfg: Config{}, wantErr: true},
		{name: "negative writers", cfg: Config{Dial: dial, Writers: -1}, wantErr: true},
		{name: "bad table", cfg: Config{Dial: dial, Table: "a..b"}, wantErr: true},
		{name: "schema-qualified table", cfg: Config{Dial: dial, Table: "drill.writes"}},
		{name: "regions without Dial", cfg: Config{Regions: []Region{{Name: "a", Dial: dial}, {Name: "b", Dial: dial}}}},
		{name: "region without name", cfg: Config{Regions: []Region{{Dial: dial}}}, wantErr: true},
		{name: "region repeated", cfg: Config{Regions: []Region{{Name: "a", Dial: dial}, {Name: "a", Dial: dial}}}, wantErr: true},
		{name: "region without dialer", cfg: Config{Regions: []Region{{Name: "a"}}}, wantErr: true},
		{name: "region negative rate", cfg: Config{Regions: []Region{{Name: "a", Dial: dial, Rate: -1}}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := New(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New() error = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && (w.cfg.Writers == 0 || w.cfg.OpTimeout == 0 || w.cfg.Table == "" || w.cfg.Dial == nil) {
				t.Errorf("defaults not applied: %+v", w.cfg)
			}
			if err != nil {
				return
			}
			for _, r := range w.cfg.Regions {
				if r.Writers == 0 || r.OpTimeout == 0 {
					t.Errorf("region %s: defaults not applied: %+v", r.Name, r)
				}
			}
		})
	}
}
