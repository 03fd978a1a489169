package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/resolve"
)

// writerRecordPrimary returns the region the writer record's PRIMARY
// names and the cluster endpoint it points at.
func writerRecordPrimary(t *testing.T, w *World) (string, string) {
	t.Helper()
	for _, r := range w.Records {
		if r.Failover == r53types.ResourceRecordSetFailoverPrimary {
			return aws.ToString(r.SetIdentifier), aws.ToString(r.ResourceRecords[0].Value)
		}
	}
	t.Fatal("no PRIMARY writer record")
	return "", ""
}

func TestFailover(t *testing.T) {
	e := startEmulator(t)
	top := seedTopology(t)
	c := connect(t, e, top)
	applyT(t, c, top)
	res := resolve.Server(e.DNSAddr())
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	opts := func(mode FailoverMode, to string, force bool) FailoverOptions {
		return FailoverOptions{Mode: mode, To: to, Force: force, Resolver: res, MaxLag: time.Second, Options: fast}
	}
	expectWriter := func(t *testing.T, region string) {
		t.Helper()
		w, err := Observe(ctx, c, top)
		if err != nil {
			t.Fatal(err)
		}
		if got := w.Writer(); got != region {
			t.Errorf("global writer in %s, want %s", got, region)
		}
		reg, target := writerRecordPrimary(t, w)
		if reg != region || !strings.HasPrefix(target, Names{top.Name}.Cluster(region)+".cluster-") {
			t.Errorf("writer record PRIMARY is %s → %s; want %s's cluster endpoint", reg, target, region)
		}
		a, err := res.Trace(ctx, top.DNS.Writer.Name)
		if err != nil || len(a.Chain) == 0 || !strings.HasPrefix(a.Chain[0].CNAME, Names{top.Name}.Cluster(region)+".cluster-") {
			t.Errorf("%s resolves to %+v (%v); want %s's cluster endpoint first", top.DNS.Writer.Name, a, err, region)
		}
		// The plan does not fight the moved writer.
		p, _, err := PlanApply(ctx, c, top)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Empty() {
			var b strings.Builder
			p.WriteText(&b)
			t.Errorf("plan after the writer moved to %s is not empty:\n%s", region, b.String())
		}
	}

	// switchover moves the writer to region, retrying while pre-flight
	// refuses a target that has just rejoined and not yet caught up.
	switchover := func(t *testing.T, region string) *FailoverReport {
		t.Helper()
		deadline := time.Now().Add(45 * time.Second)
		for {
			rep, err := Failover(ctx, c, top, opts(ModeSwitchover, region, false))
			if err == nil {
				return rep
			}
			if !errors.Is(err, ErrPreflight) || time.Now().After(deadline) {
				t.Fatalf("%v\n%+v", err, rep)
			}
		}
	}

	t.Run("lagging target refused unless forced", func(t *testing.T) {
		f, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.LinkFault, From: "ap-southeast-1", To: "ap-southeast-2", Cut: true})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Faults().Clear(ctx, f.ID)
		// Commits the secondary cannot see: its lag grows.
		w, _ := Observe(ctx, c, top)
		db, err := openDB(ctx, top, res, c.DBTrust(ctx), aws.ToString(w.Clusters["ap-southeast-1"].Endpoint), 5432)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close(ctx)
		if _, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS lagging (id int)`); err != nil {
			t.Fatal(err)
		}
		// Two seconds of commits the target cannot receive: it is then
		// more than the 1 s limit behind.
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
			if _, err := db.Exec(ctx, `INSERT INTO lagging VALUES (1)`); err != nil {
				t.Fatal(err)
			}
		}
		fctx, fcancel := context.WithTimeout(ctx, time.Minute) // a switchover that started would never end
		defer fcancel()
		rep, err := Failover(fctx, c, top, opts(ModeSwitchover, "ap-southeast-2", false))
		if !errors.Is(err, ErrPreflight) {
			t.Fatalf("switchover to a target cut off from the primary: %v, want ErrPreflight (%+v)", err, rep)
		}
		var lagCheck string
		for _, ch := range rep.Preflight {
			if ch.Name == "replication lag" && !ch.OK {
				lagCheck = ch.Detail
			}
		}
		if lagCheck == "" {
			t.Errorf("refused, but not for lag: %+v", rep.Preflight)
		}
		// Forced, the switchover starts but cannot hand over while the
		// link is cut: the command gives up at --timeout and says so.
		var want int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM lagging`).Scan(&want); err != nil {
			t.Fatal(err)
		}
		o := opts(ModeSwitchover, "ap-southeast-2", true)
		o.Timeout = 3 * time.Second
		rep, err = Failover(fctx, c, top, o)
		if err == nil || !strings.Contains(err.Error(), "did not complete within 3s") || !strings.Contains(err.Error(), "switching-over") {
			t.Fatalf("forced switchover over a cut link: %v, want a timeout naming the state (%+v)", err, rep)
		}
		// Once the link heals the switchover completes with every commit.
		if err := e.Faults().Clear(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Minute)
		for {
			w, err := Observe(ctx, c, top)
			if err == nil && w.Writer() == "ap-southeast-2" && aws.ToString(w.Global.Status) == "available" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the switchover did not complete after the link healed: %v", err)
			}
			time.Sleep(200 * time.Millisecond) // polling interval
		}
		w, _ = Observe(ctx, c, top)
		db2, err := openDB(ctx, top, res, c.DBTrust(ctx), aws.ToString(w.Clusters["ap-southeast-2"].Endpoint), 5432)
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close(ctx)
		var got int
		if err := db2.QueryRow(ctx, `SELECT count(*) FROM lagging`).Scan(&got); err != nil || got != want {
			t.Errorf("the new writer has %d of the %d rows committed before the switchover (%v)", got, want, err)
		}
		switchover(t, "ap-southeast-1") // back, for the next cases
	})

	t.Run("switchover there and back", func(t *testing.T) {
		rep := switchover(t, "ap-southeast-2")
		if rep.From != "ap-southeast-1" || rep.To != "ap-southeast-2" || len(rep.Phases) < 3 {
			t.Errorf("report %+v", rep)
		}
		expectWriter(t, "ap-southeast-2")
		// Default target: the other region. The old primary has just
		// rejoined: until it has caught up, pre-flight refuses.
		switchover(t, "")
		expectWriter(t, "ap-southeast-1")
		// The old primary, rejoined, streams through the WAN link: cut
		// it and a commit does not arrive; heal it and it does.
		pri, sec := writerAndReader(ctx, t, c, top, res)
		if _, err := pri.Exec(ctx, `CREATE TABLE IF NOT EXISTS marks (id int)`); err != nil {
			t.Fatal(err)
		}
		has := func(id int) bool {
			var n int
			err := sec.QueryRow(ctx, `SELECT count(*) FROM marks WHERE id = $1`, id).Scan(&n)
			return err == nil && n > 0
		}
		if _, err := pri.Exec(ctx, `INSERT INTO marks VALUES (1)`); err != nil {
			t.Fatal(err)
		}
		waitUntil(ctx, t, "the rejoined secondary to receive a commit", func() (bool, string) { return has(1), "" })
		f, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.LinkFault, From: "ap-southeast-1", To: "ap-southeast-2", Cut: true})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Faults().Clear(ctx, f.ID)
		if _, err := pri.Exec(ctx, `INSERT INTO marks VALUES (2)`); err != nil {
			t.Fatal(err)
		}
		// A window twenty times the link's one-way delay: a stream that
		// bypassed the link would have delivered the commit by then.
		for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if has(2) {
				t.Fatal("a commit reached ap-southeast-2 while its link was cut: the stream bypasses the WAN link")
			}
		}
		if err := e.Faults().Clear(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		waitUntil(ctx, t, "the commit after the link healed", func() (bool, string) { return has(2), "" })
	})

	t.Run("the writer is not a target", func(t *testing.T) {
		_, err := Failover(ctx, c, top, opts(ModeSwitchover, "ap-southeast-1", false))
		if !errors.Is(err, ErrPreflight) {
			t.Errorf("switchover to the writer: %v, want ErrPreflight", err)
		}
	})

	t.Run("region outage: failover with data loss from the target's region", func(t *testing.T) {
		f, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.RegionOutage, Region: "ap-southeast-1"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.Faults().Clear(context.Background(), f.ID) })
		o := opts(ModeFailover, "ap-southeast-2", false)
		rec := &recordingReporter{}
		o.Options.Reporter = rec
		o.OnPreflight = func(r *FailoverReport) { rec.add(fmt.Sprintf("pre-flight %d checks", len(r.Preflight))) }
		rep, err := Failover(ctx, c, top, o)
		if err != nil {
			t.Fatalf("%v\n%+v", err, rep)
		}
		// People see the pre-flight before anything changes, then each
		// wait as a step that starts and completes.
		if len(rec.events) == 0 || !strings.HasPrefix(rec.events[0], "pre-flight ") || rec.events[0] == "pre-flight 0 checks" {
			t.Errorf("progress events %q: want the pre-flight first", rec.events)
		}
		for _, want := range []string{"start failover", "done failover", "start failover/record", "done failover/record", "done failover/answer"} {
			if !slices.Contains(rec.events, want) {
				t.Errorf("progress events %q lack %q", rec.events, want)
			}
		}
		// The pre-flight does not wait to measure the lag against a
		// writer whose region is down: it says why and goes on.
		lagCheck := false
		for _, ch := range rep.Preflight {
			if ch.Name == "replication lag" {
				lagCheck = true
				if !ch.OK || !strings.Contains(ch.Detail, "the writer's region ap-southeast-1 does not answer") {
					t.Errorf("lag check %+v: want it passed as unmeasurable because ap-southeast-1 does not answer", ch)
				}
			}
		}
		if !lagCheck {
			t.Errorf("pre-flight %+v has no replication lag check", rep.Preflight)
		}
		// PromotedAfter is a lower bound of the promotion: between the
		// request and the poll that saw the target write.
		var requested, promoted float64
		for _, p := range rep.Phases {
			switch p.Name {
			case "requested":
				requested = p.At
			case "promoted":
				promoted = p.At
			}
		}
		if rep.PromotedAfter != 0 && (rep.PromotedAfter < requested || rep.PromotedAfter >= promoted) {
			t.Errorf("promoted after %.3fs: want between the request (%.3fs) and the promotion (%.3fs)", rep.PromotedAfter, requested, promoted)
		}
		if _, err := Failover(ctx, c, top, opts(ModeSwitchover, "ap-southeast-1", false)); err == nil {
			t.Error("switchover back while ap-southeast-1 is down succeeded")
		}
		if err := e.Faults().Clear(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		// The old primary rejoins as a secondary.
		deadline := time.Now().Add(90 * time.Second)
		for {
			w, err := Observe(ctx, c, top)
			if err == nil && w.Writer() == "ap-southeast-2" && w.Member("ap-southeast-1") && aws.ToString(w.Clusters["ap-southeast-1"].Status) == "available" &&
				allAvailable(w.Instances["ap-southeast-1"]) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("ap-southeast-1 did not rejoin: %v", err)
			}
			time.Sleep(200 * time.Millisecond) // polling interval
		}
		expectWriter(t, "ap-southeast-2")
	})
	destroyT(t, c, top)
}

func allAvailable(insts []rdstypes.DBInstance) bool {
	for _, i := range insts {
		if aws.ToString(i.DBInstanceStatus) != "available" {
			return false
		}
	}
	return len(insts) > 0
}

// recordingReporter keeps the events a failover reports, in order.
type recordingReporter struct {
	mu     sync.Mutex
	events []string
}

func (r *recordingReporter) add(e string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recordingReporter) Start(s *Step)                                { r.add("start " + s.ID) }
func (r *recordingReporter) Waiting(*Step, string, string, time.Duration) {}
func (r *recordingReporter) Done(s *Step, _ time.Duration, err error) {
	if err != nil {
		r.add("failed " + s.ID)
		return
	}
	r.add("done " + s.ID)
}

func TestRegionDown(t *testing.T) {
	st := &StatusReport{Regions: []RegionStatus{
		{Region: "a", Instances: []InstanceStatus{{Role: "reader", Status: "available"}, {Role: "writer", Status: "available"}}},
		{Region: "b", Error: "operation error RDS: DescribeDBClusters, connection reset"},
		{Region: "c", Instances: []InstanceStatus{{Role: "writer", Status: "rebooting"}, {Role: "reader", Status: "available"}}},
	}}
	for _, tc := range []struct{ region, want string }{
		{"", ""},
		{"a", ""},
		{"b", "the writer's region b does not answer: operation error RDS: DescribeDBClusters, connection reset"},
		{"c", "the writer's region c has no available writer instance"},
		{"z", ""}, // not in the report: nothing known, keep measuring
	} {
		if got := regionDown(st, tc.region); got != tc.want {
			t.Errorf("regionDown(%q) = %q, want %q", tc.region, got, tc.want)
		}
	}
}
