package drill

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	arc "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	arctypes "github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/globaldb/globaldb/internal/emulator/admin"
	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/topology"
)

// TriggerInterval is how often the emulated Region switch evaluates its
// triggers (times the time scale); AWS does not publish its interval.
const TriggerInterval = 10 * time.Second

// automation is what an automatic drill (Options.Automatic) keeps.
type automation struct {
	plan string
	// known are the plan's executions before the fault.
	known map[string]bool
	// calls counts the drill's AWS calls from the fault on.
	calls orchestrator.Counts
	// mutating is how many of them changed something.
	mutating int
	// budget is the RTO the drill allows: alarm window + trigger interval
	// + promotion + TTL, all scaled, + 2 s.
	budget time.Duration
	// held: during the anti-flap outage the trigger's conditions held.
	held bool
}

// prepareAutomatic checks that the stack can fail over on its own and
// waits until the target region's trigger alarms are settled: the target
// replicating (replication-stalled OK), so that losing the primary is a
// transition its trigger sees.
func (r *run) prepareAutomatic(ctx context.Context) error {
	if r.o.Faults == nil {
		return errors.New("--automatic takes the primary region down, which only the emulator can do; on AWS rehearse the plan with globaldb failover --via-plan")
	}
	if r.o.Scenario != "region-outage" && r.o.Scenario != "switchover" {
		return fmt.Errorf("--automatic runs region-outage (the triggers fail over) or switchover (through the plan), not %s", r.o.Scenario)
	}
	plan, err := orchestrator.FindRegionSwitch(ctx, r.c, r.t)
	if err != nil {
		return err
	}
	if plan == nil {
		return fmt.Errorf("--automatic needs the stack's Region switch plan %s: add automation: to the topology and apply", r.n.RegionSwitchPlan())
	}
	r.auto = &automation{plan: aws.ToString(plan.Arn), known: map[string]bool{}}
	if r.o.Scenario == "switchover" {
		if a := r.t.Automation; a != nil && a.Behavior != topology.SwitchoverOnly {
			return fmt.Errorf("the plan's Aurora block has behavior %s: even a graceful execution calls FailoverGlobalCluster with AllowDataLoss, "+
				"which may lose the replication lag; a lossless switchover through the plan needs automation.behavior: switchoverOnly "+
				"(or run globaldb failover --mode switchover)", a.Behavior)
		}
		return nil
	}
	if a := r.t.Automation; a != nil && a.Triggers && !a.DefaultTriggers() {
		return errors.New("--automatic rehearses the default triggers (each region's writer-health and replication-stalled alarms); " +
			"the topology names its own automation.triggerAlarms, which an outage on the emulator need not make fire: rehearse those alarms on their own, " +
			"or drill without triggerAlarms")
	}
	if !hasTrigger(plan, r.away) {
		return fmt.Errorf("plan %s has no trigger that activates %s: set automation.triggers: true (alarm health checks) and apply", aws.ToString(plan.Name), r.away)
	}
	limit := scaled(r.t.DNS.HealthChecks.Window(), r.o.TimeScale)*3 + 30*time.Second
	if err := r.poll(ctx, limit, func(ctx context.Context) bool {
		st, err := orchestrator.AlarmStates(ctx, r.c, r.t, r.away)
		return err == nil && st[orchestrator.StalledAlarm] == cwtypes.StateValueOk
	}); err != nil {
		return fmt.Errorf("%s's alarm %s never read OK (is %s replicating?): its trigger could not see the primary go: %w",
			r.away, r.n.Alarm(r.away, orchestrator.StalledAlarm), r.away, err)
	}
	execs, err := orchestrator.PlanExecutions(ctx, r.c, r.auto.plan, r.away)
	if err != nil {
		return err
	}
	for _, e := range execs {
		r.auto.known[aws.ToString(e.ExecutionId)] = true
	}
	return nil
}

func hasTrigger(p *arctypes.Plan, region string) bool {
	for _, tr := range p.Triggers {
		if aws.ToString(tr.TargetRegion) == region && tr.Action == arctypes.WorkflowTargetActionActivate {
			return true
		}
	}
	return false
}

// automaticOutage is region-outage with nobody at the console: the drill
// takes the primary region down and then only watches: the alarms in the
// secondary region, the execution the plan's trigger starts, its steps,
// the promotion and the writer name.
func (r *run) automaticOutage(ctx context.Context) (bool, error) {
	o, t, a := r.o, r.t, r.auto
	a.calls = r.c.Calls.Snapshot()
	f, err := o.Faults.Add(ctx, admin.Fault{Kind: admin.RegionOutage, Region: r.home})
	if err != nil {
		return false, err
	}
	r.faultAt = time.Now()
	r.phase("fault", "region outage: "+r.home+"; from here on nobody acts: the Region switch plan's trigger must fail over")
	dns := r.watchDNS(ctx, r.away)
	hc := t.DNS.HealthChecks
	limit := scaled(hc.Window(), o.TimeScale)*4 + scaled(TriggerInterval, o.TimeScale) + time.Minute
	stalled, writer := r.n.Alarm(r.away, orchestrator.StalledAlarm), r.n.Alarm(r.away, orchestrator.WriterAlarm)
	if err := r.poll(ctx, limit, func(ctx context.Context) bool {
		st, err := orchestrator.AlarmStates(ctx, r.c, t, r.away)
		return err == nil && st[orchestrator.StalledAlarm] == cwtypes.StateValueAlarm && st[orchestrator.WriterAlarm] == cwtypes.StateValueAlarm
	}); err != nil {
		return false, fmt.Errorf("%s never alarmed: %w", stalled, err)
	}
	r.res.DetectionSeconds = secondsPtr(time.Since(r.faultAt))
	r.phase("detected", fmt.Sprintf("%s and %s in ALARM: %s has lost its primary and has no writer", stalled, writer, r.away))

	var ex arctypes.AbbreviatedExecution
	if err := r.poll(ctx, limit, func(ctx context.Context) bool {
		execs, err := orchestrator.PlanExecutions(ctx, r.c, a.plan, r.away)
		if err != nil {
			return false
		}
		for _, e := range execs {
			if !a.known[aws.ToString(e.ExecutionId)] {
				ex = e
				return true
			}
		}
		return false
	}); err != nil {
		return false, fmt.Errorf("no trigger started the plan: %w", err)
	}
	id := aws.ToString(ex.ExecutionId)
	at := aws.ToTime(ex.StartTime)
	r.res.TriggerSeconds = secondsPtr(at.Sub(r.faultAt))
	r.res.PlanExecutions = append(r.res.PlanExecutions, id)
	arcCl := r.c.ARCRegion(r.away)
	comment := ""
	if got, err := arcCl.GetPlanExecution(ctx, &arc.GetPlanExecutionInput{PlanArn: aws.String(a.plan), ExecutionId: aws.String(id)}); err == nil {
		comment = aws.ToString(got.Comment)
	}
	r.phaseAt(at, "triggered", fmt.Sprintf("execution %s (%s, %s %s) %s", id, ex.Mode, ex.ExecutionAction, r.away, comment))

	if err := r.poll(ctx, limit, func(ctx context.Context) bool { return r.writerIs(ctx, r.away) }); err != nil {
		return false, fmt.Errorf("the plan never promoted %s: %w", r.away, err)
	}
	r.markPromoted(nil, "promoted", "the plan's Aurora block failed over: "+r.away+" writes")
	var ended error
	if err := r.poll(ctx, limit, func(ctx context.Context) bool {
		got, err := arcCl.GetPlanExecution(ctx, &arc.GetPlanExecutionInput{PlanArn: aws.String(a.plan), ExecutionId: aws.String(id)})
		if err != nil {
			return false
		}
		done, e := orchestrator.ExecutionEnded(got.ExecutionState)
		ended = e
		return done
	}); err != nil {
		return true, fmt.Errorf("execution %s never ended: %w", id, err)
	}
	if ended != nil {
		return true, fmt.Errorf("execution %s: %w", id, ended)
	}
	promotion := r.stepPhases(ctx, id)
	floor, budget := automaticFloor(t, o.TimeScale, promotion)
	r.res.FloorSeconds, r.res.BudgetSeconds = secondsPtr(floor), secondsPtr(budget)
	a.budget = budget
	if err := r.healOutage(ctx, f.ID, dns); err != nil {
		return true, err
	}
	a.mutating = r.c.Calls.Snapshot().Since(a.calls).Mutating
	return true, nil
}

// automaticFloor returns the least RTO an automatic region-outage can
// have and the most the drill allows. The trigger's alarm fires once the
// secondary's replication lag, growing from the primary's last heartbeat,
// has been above stalledLagMs for evaluationPeriods datapoints, one a
// period: not sooner than stalledLagMs + (N−1) periods after the fault;
// that plus the promotion is the floor. The budget (the floor +
// 2 s): stalledLagMs + N+1 periods (the period the lag crosses the
// threshold in, and the evaluation at the end of the last), the trigger
// interval and the writer name's TTL, periods and intervals × time
// scale, plus the promotion and 2 s. stalledLagMs is real time: a lag is
// not scaled.
func automaticFloor(t *topology.Topology, scale float64, promotion time.Duration) (floor, budget time.Duration) {
	a := t.DNS.HealthChecks.Alarms
	period := time.Duration(a.Period) * time.Second
	n := time.Duration(a.EvaluationPeriods)
	stalled := time.Duration(t.Automation.StalledLagMs) * time.Millisecond
	floor = stalled + scaled((n-1)*period, scale) + promotion
	budget = stalled + scaled((n+1)*period+TriggerInterval+time.Duration(t.DNS.TTL)*time.Second, scale) + promotion + 2*time.Second
	return floor, budget
}

// stepPhases adds the execution's step events as phases and returns how
// long its Aurora step ran (the promotion).
func (r *run) stepPhases(ctx context.Context, id string) time.Duration {
	events, err := orchestrator.ExecutionEvents(ctx, r.c, r.auto.plan, id, r.away)
	if err != nil {
		r.res.Notes = append(r.res.Notes, "plan steps not read: "+err.Error())
		return 0
	}
	var start, end time.Time
	for _, ev := range events {
		if aws.ToString(ev.StepName) == "" {
			continue
		}
		at := aws.ToTime(ev.Timestamp)
		detail := fmt.Sprintf("%s %s (%s)", ev.Type, aws.ToString(ev.StepName), ev.ExecutionBlockType)
		if d := aws.ToString(ev.Description); d != "" {
			detail += ": " + d
		}
		r.phaseAt(at, "plan-step", detail)
		if ev.ExecutionBlockType == arctypes.ExecutionBlockTypeAurora {
			switch ev.Type {
			case arctypes.ExecutionEventTypeStepStarted:
				start = at
			case arctypes.ExecutionEventTypeStepSucceeded:
				end = at
			}
		}
	}
	if start.IsZero() || end.Before(start) {
		return 0
	}
	return end.Sub(start)
}

// writerIs reports whether region's cluster is the global writer, as the
// global cluster reads from region (the primary's API may be out).
func (r *run) writerIs(ctx context.Context, region string) bool {
	out, err := r.c.RDS(region).DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(r.n.GlobalCluster())})
	if err != nil || len(out.GlobalClusters) == 0 {
		return false
	}
	for _, m := range out.GlobalClusters[0].GlobalClusterMembers {
		if aws.ToBool(m.IsWriter) && strings.Contains(aws.ToString(m.DBClusterArn), ":cluster:"+r.n.Cluster(region)) {
			return true
		}
	}
	return false
}

// antiFlap takes the new primary's region out too, within the plan's
// min delay, long enough for the old primary's trigger conditions to
// hold, and checks that the trigger holds back: a region that flaps
// must not bounce the writer. It runs after the workload: the writes
// this outage stops are not the failover's RTO.
func (r *run) antiFlap(ctx context.Context) error {
	o, t, a := r.o, r.t, r.auto
	limit := scaled(t.DNS.HealthChecks.Window(), o.TimeScale)*4 + time.Minute
	// The old primary has rejoined (automaticOutage waited) and streams
	// from the new one: once that goes, its replication lag grows.
	calls := r.c.Calls.Snapshot()
	f, err := o.Faults.Add(ctx, admin.Fault{Kind: admin.RegionOutage, Region: r.away})
	if err != nil {
		return err
	}
	r.phase("second-outage", fmt.Sprintf("%s (the new primary) goes out within the min delay (%d min × %.2g): the trigger to activate %s must hold back",
		r.away, t.Automation.MinDelayMinutes, o.TimeScale, r.home))
	err = r.poll(ctx, limit, func(ctx context.Context) bool {
		st, err := orchestrator.AlarmStates(ctx, r.c, t, r.home)
		return err == nil && st[orchestrator.StalledAlarm] == cwtypes.StateValueAlarm && st[orchestrator.WriterAlarm] == cwtypes.StateValueAlarm
	})
	a.held = err == nil
	if a.held {
		r.phase("trigger-held", fmt.Sprintf("%s's trigger conditions hold (%s and %s in ALARM)", r.home,
			r.n.Alarm(r.home, orchestrator.WriterAlarm), r.n.Alarm(r.home, orchestrator.StalledAlarm)))
		// The trigger is evaluated every TriggerInterval: watch three
		// evaluations for an execution that must not come.
		_ = r.poll(ctx, 3*scaled(TriggerInterval, o.TimeScale), func(ctx context.Context) bool { return len(r.newExecutions(ctx)) > 1 })
	}
	if err := o.Faults.Clear(ctx, f.ID); err != nil {
		return err
	}
	r.phase("healed", r.away+" is back")
	if err := r.waitRejoined(ctx, r.away, 2*time.Minute); err != nil {
		return err
	}
	a.mutating += r.c.Calls.Snapshot().Since(calls).Mutating
	return nil
}

// newExecutions lists the ids of the plan's executions started since
// the fault, from either region's data plane.
func (r *run) newExecutions(ctx context.Context) []string {
	for _, region := range []string{r.home, r.away} {
		execs, err := orchestrator.PlanExecutions(ctx, r.c, r.auto.plan, region)
		if err != nil {
			continue
		}
		var out []string
		for _, e := range execs {
			if !r.auto.known[aws.ToString(e.ExecutionId)] {
				out = append(out, aws.ToString(e.ExecutionId))
			}
		}
		return out
	}
	return nil
}

// judgeAutomatic adds the invariants of a drill with no operator.
func (r *run) judgeAutomatic(ctx context.Context) {
	a := r.auto
	execs := r.newExecutions(ctx)
	r.res.PlanExecutions = execs
	r.invariant("no operator call after the fault", a.mutating == 0, "%d mutating AWS calls by the drill after the fault", a.mutating)
	r.invariant("exactly one plan execution", len(execs) == 1, "executions since the fault: %v", execs)
	r.invariant("anti-flap: a second outage within the min delay starts nothing", a.held,
		"%s's trigger conditions held during %s's outage: %v; executions since the first fault: %d", r.home, r.away, a.held, len(execs))
	r.invariant("RTO within the budget", r.res.RTOSeconds <= a.budget.Seconds(),
		"RTO %.2fs; budget %.2fs = stalledLagMs + N+1 periods + trigger interval + TTL (× %.2g) + promotion + 2 s", r.res.RTOSeconds, a.budget.Seconds(), r.o.TimeScale)
}
