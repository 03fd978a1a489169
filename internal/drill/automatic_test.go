package drill

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	arctypes "github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"

	"github.com/globaldb/globaldb/examples"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
	"github.com/globaldb/globaldb/internal/topology/topologytest"
)

// TestRegionOutage_Automatic runs region-outage with no operator on the
// private seed with automation (examples/global.yaml + automation:): the
// drill takes the primary region down and then makes no AWS call that
// changes anything. The Region switch plan's trigger on the secondary's
// writer-health and replication-stalled alarms starts exactly one
// execution, its Aurora block fails over, then its Route 53 block makes
// the new writer's health check healthy (route53HealthChecks): the writer
// name moves only once the new writer writes, and writes resume within alarm window + trigger interval + promotion + TTL
// (× time scale) + 2 s; the lost writes are in the lag window, the old
// primary rejoins, and a second outage, of the new primary within the
// min delay, starts no second execution.
func TestRegionOutage_Automatic(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator with PostgreSQL servers")
	}
	const scale = 0.05
	e := emulatortest.StartScaled(t, scale)
	top, err := topology.Load(topologytest.WriteFile(t, "global.yaml", string(examples.Global)+"\nautomation:\n  behavior: failover\n  stalledLagMs: 1000\n  route53HealthChecks: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !top.Automation.Triggers {
		t.Fatal("automation triggers are off by default with alarm checks")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	c, faults := applied(ctx, t, e, top)
	r, err := Run(ctx, c, top, Options{Scenario: "region-outage", Automatic: true, Duration: 8 * time.Second,
		Resolver: resolve.Server(e.DNSAddr()), Faults: faults, TimeScale: scale})
	if err != nil {
		t.Fatalf("%v (phases %v)", err, phasesOf(r))
	}
	want := []string{"no operator call after the fault", "exactly one plan execution", "anti-flap: a second outage within the min delay starts nothing",
		"RTO within the budget", "lost writes only in the lag window", "no split-brain writes", "old primary rejoined"}
	got := map[string]bool{}
	for _, inv := range r.Invariants {
		got[inv.Name] = true
		if !inv.Pass {
			t.Errorf("invariant %q failed: %s", inv.Name, inv.Detail)
		}
	}
	for _, name := range want {
		if !got[name] {
			t.Errorf("no invariant %q", name)
		}
	}
	if r.TriggerSeconds == nil || r.DetectionSeconds == nil || r.FloorSeconds == nil || len(r.PlanExecutions) != 1 {
		t.Fatalf("trigger %v, detection %v, floor %v, executions %v", r.TriggerSeconds, r.DetectionSeconds, r.FloorSeconds, r.PlanExecutions)
	}
	if *r.TriggerSeconds < *r.DetectionSeconds-0.5 {
		t.Errorf("the plan started %.2fs after the fault, before its alarms were seen to fire (%.2fs)", *r.TriggerSeconds, *r.DetectionSeconds)
	}
	var steps []string
	for _, p := range r.Phases {
		if p.Name == "plan-step" {
			steps = append(steps, p.Detail)
		}
	}
	for _, want := range []string{"stepSucceeded aurora-" + r.Peer, "stepSucceeded dns-" + r.Peer} {
		if !strings.Contains(strings.Join(steps, "\n"), want) {
			t.Errorf("plan steps %q: want %s", steps, want)
		}
	}
	// The name follows the plan's health checks, which it sets after the
	// promotion: never the secondary before it takes writes.
	if r.DNSFlipSeconds == nil || r.PromotionSeconds == nil || *r.DNSFlipSeconds < *r.PromotionSeconds-0.5 {
		t.Errorf("DNS flip at %v s, promotion at %v s: want the flip after the promotion", fmtSeconds(r.DNSFlipSeconds), fmtSeconds(r.PromotionSeconds))
	}
	// The stack fails over (behavior failover): a switchover through
	// the plan would call FailoverGlobalCluster with AllowDataLoss, so the
	// drill refuses it before it starts anything.
	if _, err := Run(ctx, c, top, Options{Scenario: "switchover", Automatic: true, Resolver: resolve.Server(e.DNSAddr()), Faults: faults, TimeScale: scale}); err == nil ||
		!strings.Contains(err.Error(), "switchoverOnly") {
		t.Errorf("switchover --automatic with behavior failover: %v, want a refusal naming switchoverOnly", err)
	}
	t.Logf("automatic region-outage: RTO %.2fs (floor %.2fs), detection %.2fs, trigger %.2fs, promotion %.2fs, DNS flip %s s, %d acked, %d lost, phases %v",
		r.RTOSeconds, *r.FloorSeconds, *r.DetectionSeconds, *r.TriggerSeconds, deref(r.PromotionSeconds), fmtSeconds(r.DNSFlipSeconds), r.AcknowledgedWrites, r.LostWrites, phasesOf(r))
}

// TestSwitchover_ViaPlan runs the switchover drill through the Region
// switch plan (drill --scenario switchover --automatic): both role
// changes are graceful plan executions whose Aurora block switches over
// (behavior switchoverOnly), and no acknowledged write is lost.
func TestSwitchover_ViaPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator with PostgreSQL servers")
	}
	const scale = 0.05
	e := emulatortest.StartScaled(t, scale)
	top, err := topology.Load(topologytest.WriteFile(t, "global.yaml", string(examples.Global)+"\nautomation:\n  behavior: switchoverOnly\n  triggers: false\n"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, faults := applied(ctx, t, e, top)
	r, err := Run(ctx, c, top, Options{Scenario: "switchover", Automatic: true, Duration: 8 * time.Second,
		Resolver: resolve.Server(e.DNSAddr()), Faults: faults, TimeScale: scale})
	if err != nil {
		t.Fatalf("%v (phases %v)", err, phasesOf(r))
	}
	if !r.Pass || r.LostWrites != 0 || r.PromotedTo != "ap-southeast-2" {
		t.Errorf("pass %v, %d lost, promoted to %q; invariants %+v", r.Pass, r.LostWrites, r.PromotedTo, r.Invariants)
	}
	plan, err := orchestrator.FindRegionSwitch(ctx, c, top)
	if err != nil || plan == nil {
		t.Fatalf("plan %v, %v", plan, err)
	}
	var graceful int
	for _, region := range []string{"ap-southeast-1", "ap-southeast-2"} {
		execs, err := orchestrator.PlanExecutions(ctx, c, *plan.Arn, region)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range execs {
			if ex.Mode == arctypes.ExecutionModeGraceful && ex.ExecutionState == arctypes.ExecutionStateCompleted {
				graceful++
			}
		}
		if len(execs) > 0 {
			break // the data planes list the same executions
		}
	}
	if graceful != 2 {
		t.Errorf("%d completed graceful executions, want 2 (there and back)", graceful)
	}
	t.Logf("switchover through the plan: RTO %.2fs, %d acked, %d lost, phases %v", r.RTOSeconds, r.AcknowledgedWrites, r.LostWrites, phasesOf(r))
}

// fmtSeconds renders an optional figure.
func fmtSeconds(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}
