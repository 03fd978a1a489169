package orchestrator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	arc "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	arctypes "github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/globaldb/globaldb/examples"
	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
	"github.com/globaldb/globaldb/internal/topology/topologytest"
)

// automationSeed is the private seed (alarm checks) with an automation
// section.
func automationSeed(t testing.TB, section string) *topology.Topology {
	t.Helper()
	top, err := topology.Load(topologytest.WriteFile(t, "global.yaml", string(examples.Global)+"\n"+section))
	if err != nil {
		t.Fatal(err)
	}
	return top
}

// TestRegionSwitch_e2e applies the private seed with automation on the
// emulator: the Region switch plan exists on the us-east-1 control plane
// with the execution role, an activate workflow per region (manual
// approval, then the Aurora block with the topology's behavior and an
// ungraceful failover), and a trigger per region on its writer-health
// and replication-stalled alarms; a second apply changes nothing; status shows the plan; a changed
// behavior updates it in place; destroy removes it before the role and
// the global cluster.
func TestRegionSwitch_e2e(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := startEmulator(t)
	top := automationSeed(t, "automation:\n  behavior: switchoverOnly\n  approval: true\n  minDelayMinutes: 30\n")
	c := connect(t, e, top)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	applyT(t, c, top)
	n := Names{top.Name}

	var planArn string
	t.Run("plan", func(t *testing.T) {
		p, err := findRegionSwitch(ctx, c, top)
		if err != nil || p == nil {
			t.Fatalf("the stack's plan: %v, %v", p, err)
		}
		planArn = aws.ToString(p.Arn)
		if aws.ToString(p.Name) != n.RegionSwitchPlan() || aws.ToString(p.PrimaryRegion) != "ap-southeast-1" ||
			strings.Join(p.Regions, ",") != "ap-southeast-1,ap-southeast-2" || p.RecoveryApproach != arctypes.RecoveryApproachActivePassive {
			t.Errorf("plan %s: regions %v, primary %s, approach %s", aws.ToString(p.Name), p.Regions, aws.ToString(p.PrimaryRegion), p.RecoveryApproach)
		}
		w, err := Observe(ctx, c, top)
		if err != nil {
			t.Fatal(err)
		}
		role := w.Roles[n.RegionSwitchRole()]
		if role == nil || aws.ToString(p.ExecutionRole) != role.Arn || !strings.Contains(role.Trust, RegionSwitchService) {
			t.Errorf("execution role %s; the stack's role %+v", aws.ToString(p.ExecutionRole), role)
		}
		if len(p.Workflows) != 2 {
			t.Fatalf("%d workflows, want one activate per region", len(p.Workflows))
		}
		for _, wf := range p.Workflows {
			region := aws.ToString(wf.WorkflowTargetRegion)
			if wf.WorkflowTargetAction != arctypes.WorkflowTargetActionActivate || len(wf.Steps) != 2 {
				t.Errorf("workflow %s %s: %d steps", wf.WorkflowTargetAction, region, len(wf.Steps))
				continue
			}
			if wf.Steps[0].ExecutionBlockType != arctypes.ExecutionBlockTypeExecutionApproval {
				t.Errorf("workflow %s starts with %s, want a manual approval", region, wf.Steps[0].ExecutionBlockType)
			}
			cfg, ok := wf.Steps[1].ExecutionBlockConfiguration.(*arctypes.ExecutionBlockConfigurationMemberGlobalAuroraConfig)
			if !ok {
				t.Errorf("workflow %s: second step %T, want the Aurora block", region, wf.Steps[1].ExecutionBlockConfiguration)
				continue
			}
			if cfg.Value.Behavior != arctypes.GlobalAuroraDefaultBehaviorSwitchoverOnly || aws.ToString(cfg.Value.GlobalClusterIdentifier) != n.GlobalCluster() ||
				cfg.Value.Ungraceful == nil || cfg.Value.Ungraceful.Ungraceful != arctypes.GlobalAuroraUngracefulBehaviorFailover || len(cfg.Value.DatabaseClusterArns) != 2 {
				t.Errorf("workflow %s: Aurora block %+v", region, cfg.Value)
			}
			for _, a := range cfg.Value.DatabaseClusterArns {
				if regionOf(a) == "" || w.Clusters[regionOf(a)] == nil || aws.ToString(w.Clusters[regionOf(a)].DBClusterArn) != a {
					t.Errorf("workflow %s names cluster %s, which is not the stack's", region, a)
				}
			}
		}
		// One trigger per region: activate it when it has no writer and
		// has lost the primary, both alarms in the region activated.
		if len(p.Triggers) != 2 {
			t.Fatalf("triggers %+v: want one per region", p.Triggers)
		}
		for i, tr := range p.Triggers {
			region := top.Regions[i].Name
			want := []string{n.Alarm(region, WriterAlarm), n.Alarm(region, StalledAlarm)}
			var got []string
			for _, c := range tr.Conditions {
				if c.Condition != arctypes.AlarmConditionRed {
					t.Errorf("trigger %s: condition %s on %s, want red", region, c.Condition, aws.ToString(c.AssociatedAlarmName))
				}
				got = append(got, aws.ToString(c.AssociatedAlarmName))
			}
			if aws.ToString(tr.TargetRegion) != region || tr.Action != arctypes.WorkflowTargetActionActivate ||
				aws.ToInt32(tr.MinDelayMinutesBetweenExecutions) != 30 || strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("trigger %d: activate %s when %v, every %d min; want activate %s when %v red, every 30 min at most", i,
					aws.ToString(tr.TargetRegion), got, aws.ToInt32(tr.MinDelayMinutesBetweenExecutions), region, want)
			}
			for _, kind := range []AlarmKind{WriterAlarm, StalledAlarm} {
				a, ok := p.AssociatedAlarms[n.Alarm(region, kind)]
				cw := w.Alarms[alarmKey(region, kind)]
				if !ok || cw == nil || a.AlarmType != arctypes.AlarmTypeTrigger || aws.ToString(a.ResourceIdentifier) != aws.ToString(cw.AlarmArn) {
					t.Errorf("associated alarm %s: %+v (the stack's: %v)", n.Alarm(region, kind), a, cw)
				}
			}
		}
		tags, err := c.ARC().ListTagsForResource(ctx, &arc.ListTagsForResourceInput{Arn: p.Arn})
		if err != nil || tags.ResourceTags[topology.StackTag] != top.Name {
			t.Errorf("tags %v, %v", tags, err)
		}
	})

	t.Run("second apply changes nothing", func(t *testing.T) {
		before := c.Calls.Snapshot()
		p := applyT(t, c, top)
		if calls := c.Calls.Snapshot().Since(before); !p.Empty() || calls.Mutating != 0 {
			var b bytes.Buffer
			p.WriteText(&b)
			t.Errorf("second apply: mutating calls %v\n%s", calls.MutatingOps(), b.String())
		}
	})

	t.Run("status", func(t *testing.T) {
		st, err := Status(ctx, c, top, resolve.Server(e.DNSAddr()))
		if err != nil {
			t.Fatal(err)
		}
		rs := st.RegionSwitch
		if rs == nil || rs.Name != n.RegionSwitchPlan() || rs.ARN != planArn || rs.State != "present" || rs.LastExecution != nil || rs.Error != "" {
			t.Fatalf("status region switch: %+v", rs)
		}
		if rs.Evaluation != string(arctypes.EvaluationStatusPassed) || len(rs.Warnings) > 0 {
			t.Errorf("status: plan evaluation %q, warnings %q; want passed", rs.Evaluation, rs.Warnings)
		}
		var table, js bytes.Buffer
		if err := st.WriteTable(&table); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(table.String(), "REGION SWITCH PLAN") || !strings.Contains(table.String(), n.RegionSwitchPlan()) {
			t.Errorf("status table lacks the plan:\n%s", table.String())
		}
		if err := json.NewEncoder(&js).Encode(st); err != nil || !strings.Contains(js.String(), `"region_switch":{"name":"`+n.RegionSwitchPlan()+`"`) {
			t.Errorf("status JSON lacks the plan (%v): %s", err, js.String())
		}
	})

	t.Run("changed behavior updates the plan", func(t *testing.T) {
		changed := automationSeed(t, "automation:\n  approval: true\n  minDelayMinutes: 30\n")
		p := applyT(t, c, changed)
		if s := p.step(idRegionSwitch()); s == nil || s.Action != Update || len(p.Visible()) != 1 {
			t.Errorf("apply with behavior failover: %+v", p.Visible())
		}
		got, err := findRegionSwitch(ctx, c, changed)
		if err != nil || aws.ToString(got.Arn) != planArn {
			t.Fatalf("plan after the update: %v (want the same ARN %s)", err, planArn)
		}
		for _, wf := range got.Workflows {
			cfg, ok := wf.Steps[len(wf.Steps)-1].ExecutionBlockConfiguration.(*arctypes.ExecutionBlockConfigurationMemberGlobalAuroraConfig)
			if !ok || cfg.Value.Behavior != arctypes.GlobalAuroraDefaultBehaviorFailover {
				t.Errorf("workflow %s after the update: %+v", aws.ToString(wf.WorkflowTargetRegion), wf.Steps)
			}
		}
		if p := applyT(t, c, changed); !p.Empty() {
			t.Errorf("apply after the update: %+v", p.Visible())
		}
	})

	t.Run("destroy removes the plan", func(t *testing.T) {
		p := destroyT(t, c, top)
		s := p.step(idRegionSwitch())
		if s == nil || s.Action != Delete {
			t.Fatalf("destroy planned no plan deletion: %+v", p.Visible())
		}
		for _, id := range []string{idGlobal(), idRole(n.RegionSwitchRole())} {
			if st := p.step(id); st == nil || !contains(st.After, idRegionSwitch()) {
				t.Errorf("%s does not wait for the plan's deletion: %+v", id, st)
			}
		}
		if got, err := findRegionSwitch(ctx, c, top); err != nil || got != nil {
			t.Errorf("after destroy: plan %v, err %v", got, err)
		}
		if left, err := Orphans(ctx, c, top); err != nil || len(left) > 0 {
			t.Errorf("after destroy: left %v, err %v", left, err)
		}
	})
}

// TestFailoverViaPlan_e2e moves the writer through the stack's Region
// switch plan on the emulator, with the writer record on the plan's
// Route 53 health checks (route53HealthChecks): a switchover starts a
// graceful execution, a failover an ungraceful one (without --via-plan:
// the plan's records imply it); each completes, the writer is where it
// was sent, the plan's health checks and so the writer name follow it,
// status shows the execution and the checks, and apply then changes
// nothing. --via-plan refuses detach and a stack without a plan.
func TestFailoverViaPlan_e2e(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := startEmulator(t)
	// No triggers: the test alone starts executions.
	top := automationSeed(t, "automation:\n  triggers: false\n  route53HealthChecks: true\n")
	c := connect(t, e, top)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// An apply cut short once the plan exists and before the records that
	// name its health checks: the next one finishes the job.
	cut, stop := context.WithCancel(ctx)
	p, w, err := PlanApply(cut, c, top)
	if err != nil {
		t.Fatal(err)
	}
	o := fast
	o.Reporter = stopAt{id: idRecords(), stop: stop}
	if err := Apply(cut, c, top, p, w, o); err == nil {
		t.Fatal("apply cut at the records step succeeded")
	}
	stop()
	if w, err := Observe(ctx, c, top); err != nil || w.RegionSwitch == nil || len(w.PlanChecks) != 2 || len(w.Records) != 0 {
		t.Fatalf("after the cut: plan %v, plan checks %v, records %v (%v); want the plan and its checks, no records", w.RegionSwitch != nil, len(w.PlanChecks), len(w.Records), err)
	}
	applyT(t, c, top)
	if p := applyT(t, c, top); !p.Empty() {
		t.Errorf("apply after the re-run plans %d steps", len(p.Visible()))
	}
	res := resolve.Server(e.DNSAddr())
	opts := func(mode FailoverMode, to string) FailoverOptions {
		return FailoverOptions{Mode: mode, To: to, ViaPlan: true, Force: true, MaxLag: time.Minute, Resolver: res, Timeout: 2 * time.Minute, Options: fast}
	}
	tests := []struct {
		mode     FailoverMode
		to       string
		execMode arctypes.ExecutionMode
		viaPlan  bool
	}{
		{ModeSwitchover, "ap-southeast-2", arctypes.ExecutionModeGraceful, true},
		{ModeFailover, "ap-southeast-1", arctypes.ExecutionModeUngraceful, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode)+" to "+tt.to, func(t *testing.T) {
			o := opts(tt.mode, tt.to)
			o.ViaPlan = tt.viaPlan
			rep, err := Failover(ctx, c, top, o)
			if err != nil {
				t.Fatalf("failover --via-plan: %v (report %+v)", err, rep)
			}
			if rep.PlanExecution == "" {
				t.Errorf("the report names no plan execution: %+v", rep)
			}
			var phases []string
			for _, p := range rep.Phases {
				phases = append(phases, p.Name)
			}
			if !slices.Contains(phases, "plan-completed") || !slices.Contains(phases, "promoted") || !slices.Contains(phases, "dns-answers") {
				t.Errorf("phases %v: want plan-completed, promoted and dns-answers", phases)
			}
			w, err := Observe(ctx, c, top)
			if err != nil {
				t.Fatal(err)
			}
			if got := w.Writer(); got != tt.to {
				t.Errorf("global writer in %s, want %s", got, tt.to)
			}
			ex, err := c.ARCRegion(tt.to).GetPlanExecution(ctx, &arc.GetPlanExecutionInput{PlanArn: w.RegionSwitch.Arn, ExecutionId: aws.String(rep.PlanExecution)})
			if err != nil || ex.ExecutionState != arctypes.ExecutionStateCompleted || ex.Mode != tt.execMode || aws.ToString(ex.ExecutionRegion) != tt.to {
				t.Errorf("execution %s: %+v, %v; want completed, %s, activating %s", rep.PlanExecution, ex, err, tt.execMode, tt.to)
			}
			st, err := Status(ctx, c, top, res)
			if err != nil {
				t.Fatal(err)
			}
			if le := st.RegionSwitch.LastExecution; le == nil || le.ID != rep.PlanExecution || le.State != "completed" || le.Mode != string(tt.execMode) {
				t.Errorf("status last execution %+v, want %s completed %s", le, rep.PlanExecution, tt.execMode)
			}
			// The writer record's failover pair names the plan's checks,
			// healthy where the plan activated.
			guards := map[string]string{}
			for _, rr := range w.Records {
				if fqdn(aws.ToString(rr.Name)) == fqdn(top.DNS.Writer.Name) {
					guards[aws.ToString(rr.HealthCheckId)] = aws.ToString(rr.SetIdentifier)
				}
			}
			if len(st.RegionSwitch.HealthChecks) != 2 {
				t.Fatalf("status lists the plan's health checks %+v, want 2", st.RegionSwitch.HealthChecks)
			}
			for _, hc := range st.RegionSwitch.HealthChecks {
				if want := map[bool]string{true: "healthy", false: "unhealthy"}[hc.Region == tt.to]; hc.Status != want {
					t.Errorf("plan health check of %s is %s, want %s", hc.Region, hc.Status, want)
				}
				if guards[hc.ID] != hc.Region {
					t.Errorf("plan health check %s (%s) guards the writer record of %q (records: %v)", hc.ID, hc.Region, guards[hc.ID], guards)
				}
			}
			before := c.Calls.Snapshot()
			if p := applyT(t, c, top); !p.Empty() || c.Calls.Snapshot().Since(before).Mutating != 0 {
				var b bytes.Buffer
				p.WriteText(&b)
				t.Errorf("apply after the move changes something:\n%s", b.String())
			}
		})
	}

	// Someone fails over outside the plan (the console, the RDS API): the
	// writer record still follows the plan's checks, and verify says why
	// it answers the old region and what mends it; activating the writer's
	// region through the plan does.
	t.Run("writer moved outside the plan", func(t *testing.T) {
		w, err := Observe(ctx, c, top)
		if err != nil {
			t.Fatal(err)
		}
		from, to := w.Writer(), "ap-southeast-2"
		if from == to {
			to = "ap-southeast-1"
		}
		if _, err := c.RDS(to).FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(Names{top.Name}.GlobalCluster()),
			TargetDbClusterIdentifier: aws.String(clusterArn(w.Account, to, Names{top.Name}.Cluster(to))), AllowDataLoss: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
		dnsCheck := func() Check {
			var got Check
			waitUntil(ctx, t, to+" writes and verify has settled on it", func() (bool, string) {
				v, err := Verify(ctx, c, top, res, VerifyOptions{CanaryTimeout: 5 * time.Second})
				if err != nil {
					return false, err.Error()
				}
				for _, ch := range v.Checks {
					if ch.Name == "writer record resolves to the writer's cluster endpoint" {
						got = ch
					}
				}
				return v.WriterRegion == to, v.WriterRegion
			})
			return got
		}
		ch := dnsCheck()
		if ch.OK || !strings.Contains(ch.Error, "the writer moved outside the plan; start the plan activating "+to) {
			t.Fatalf("writer record check after a failover outside the plan: %+v", ch)
		}
		p, err := findRegionSwitch(ctx, c, top)
		if err != nil || p == nil {
			t.Fatalf("plan %v, %v", p, err)
		}
		// As an operator would: once the failover is over (the old primary
		// rejoined), activate the writer's region through the plan.
		waitUntil(ctx, t, "the global cluster available with both members", func() (bool, string) {
			w, err := Observe(ctx, c, top)
			if err != nil || w.Global == nil {
				return false, fmt.Sprint(err)
			}
			return aws.ToString(w.Global.Status) == "available" && w.Writer() == to && w.Member(from), aws.ToString(w.Global.Status)
		})
		out, err := c.ARCRegion(to).StartPlanExecution(ctx, &arc.StartPlanExecutionInput{PlanArn: p.Arn, TargetRegion: aws.String(to),
			Action: arctypes.ExecutionActionActivate, Mode: arctypes.ExecutionModeUngraceful})
		if err != nil {
			t.Fatal(err)
		}
		waitUntil(ctx, t, "the plan execution to complete", func() (bool, string) {
			got, err := c.ARCRegion(to).GetPlanExecution(ctx, &arc.GetPlanExecutionInput{PlanArn: p.Arn, ExecutionId: out.ExecutionId})
			if err != nil {
				return false, err.Error()
			}
			if got.ExecutionState == arctypes.ExecutionStatePausedByFailedStep {
				t.Fatalf("the plan execution failed a step: %+v", got.StepStates)
			}
			return got.ExecutionState == arctypes.ExecutionStateCompleted, string(got.ExecutionState)
		})
		waitUntil(ctx, t, "the writer record to answer "+to, func() (bool, string) {
			ch := dnsCheck()
			return ch.OK, ch.Error
		})
	})

	t.Run("refusals", func(t *testing.T) {
		if _, err := Failover(ctx, c, top, opts(ModeDetach, "ap-southeast-2")); err == nil || !strings.Contains(err.Error(), "does not detach") {
			t.Errorf("detach --via-plan: %v", err)
		}
		destroyT(t, c, top)
		applyT(t, c, privateSeed(t))
		if _, err := Failover(ctx, c, privateSeed(t), opts(ModeSwitchover, "ap-southeast-2")); err == nil || !strings.Contains(err.Error(), "has no Region switch plan") {
			t.Errorf("--via-plan without a plan: %v", err)
		}
	})
}

// TestLeastPrivilege_automation is TestLeastPrivilege on the private seed
// with automation (the writer record on the plan's health checks): the
// Region switch statements are needed and suffice.
func TestLeastPrivilege_automation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.StartWith(t, emulator.Config{EnforceIAM: true, TimeScale: 0.05})
	leastPrivilege(t, e, automationSeed(t, "automation:\n  route53HealthChecks: true\n"))
}

// stopAt is a Reporter that calls stop when step id starts: an apply cut
// short there, as by a crash or ^C.
type stopAt struct {
	discard
	id   string
	stop context.CancelFunc
}

func (r stopAt) Start(s *Step) {
	if s.ID == r.id {
		r.stop()
	}
}
