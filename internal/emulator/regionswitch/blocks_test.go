package regionswitch

import (
	"maps"
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

func TestService_auroraTimeout(t *testing.T) {
	f := newFixture(t)
	step := auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover)
	step.ExecutionBlockConfiguration.(*types.ExecutionBlockConfigurationMemberGlobalAuroraConfig).Value.TimeoutMinutes = ptr(int32(1))
	arn := f.createPlan(planInput("orders", step))
	f.rds.setHold(true)
	id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
	got := f.waitState(arn, id, types.ExecutionStatePausedByFailedStep)
	if got.StepStates[0].Status != types.StepStatusFailed {
		t.Fatalf("steps %s", stepSummary(got.StepStates))
	}
	evs, err := f.s.ListPlanExecutionEvents(ctx, standby, &sdk.ListPlanExecutionEventsInput{PlanArn: &arn, ExecutionId: &id, Name: ptr("promote")})
	if err != nil {
		t.Fatal(err)
	}
	if last := evs.Items[len(evs.Items)-1]; !strings.Contains(deref(last.Error), "timed out") {
		t.Fatalf("last step event %s %q", last.Type, deref(last.Error))
	}
	// Resume retries the step once RDS finishes.
	f.rds.setHold(false)
	if _, err := f.s.UpdatePlanExecution(ctx, standby, &sdk.UpdatePlanExecutionInput{PlanArn: &arn, ExecutionId: &id,
		Action: types.UpdatePlanExecutionActionResume}); err != nil {
		t.Fatal(err)
	}
	f.waitState(arn, id, types.ExecutionStateCompleted)
}

func TestService_route53HealthCheckBlock(t *testing.T) {
	f := newFixture(t)
	step := types.Step{Name: ptr("dns"), ExecutionBlockType: types.ExecutionBlockTypeRoute53HealthCheck,
		ExecutionBlockConfiguration: &types.ExecutionBlockConfigurationMemberRoute53HealthCheckConfig{Value: types.Route53HealthCheckConfiguration{
			HostedZoneId: ptr("Z123"), RecordName: ptr("writer.db.example.com")}}}
	arn := f.createPlan(planInput("orders", auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover), step))
	statuses := func() map[string]types.Route53HealthCheckStatus {
		out, err := f.s.ListRoute53HealthChecksInRegion(ctx, standby, &sdk.ListRoute53HealthChecksInRegionInput{Arn: &arn})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]types.Route53HealthCheckStatus{}
		for _, hc := range out.HealthChecks {
			m[deref(hc.Region)] = hc.Status
		}
		return m
	}
	if got := statuses(); got[primary] != types.Route53HealthCheckStatusHealthy || got[standby] != types.Route53HealthCheckStatusUnhealthy {
		t.Fatalf("health checks before: %v", got)
	}
	id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
	f.waitState(arn, id, types.ExecutionStateCompleted)
	if got := statuses(); got[primary] != types.Route53HealthCheckStatusUnhealthy || got[standby] != types.Route53HealthCheckStatusHealthy {
		t.Fatalf("health checks after: %v", got)
	}
	out, err := f.s.ListRoute53HealthChecks(ctx, ControlPlaneRegion, &sdk.ListRoute53HealthChecksInput{Arn: &arn, RecordName: ptr("other")})
	if err != nil || len(out.HealthChecks) != 0 {
		t.Fatalf("filtered ListRoute53HealthChecks = %+v, %v", out, err)
	}
}

// TestService_route53HoldsManagedChecks: Route 53 (Config.Route53) holds
// the plan's managed checks with the IDs and statuses Region switch
// reports, follows executions, loses them with the plan, and catches up
// at the next start after a failed sync.
func TestService_route53HoldsManagedChecks(t *testing.T) {
	f := newFixture(t)
	step := types.Step{Name: ptr("dns"), ExecutionBlockType: types.ExecutionBlockTypeRoute53HealthCheck,
		ExecutionBlockConfiguration: &types.ExecutionBlockConfigurationMemberRoute53HealthCheckConfig{Value: types.Route53HealthCheckConfiguration{
			HostedZoneId: ptr("Z123"), RecordName: ptr("writer.db.example.com")}}}
	arn := f.createPlan(planInput("orders", step))
	// reported is what ListRoute53HealthChecks shows, by ID.
	reported := func() map[string]HealthCheck {
		out, err := f.s.ListRoute53HealthChecks(ctx, ControlPlaneRegion, &sdk.ListRoute53HealthChecksInput{Arn: &arn})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]HealthCheck{}
		for _, hc := range out.HealthChecks {
			m[deref(hc.HealthCheckId)] = HealthCheck{ID: deref(hc.HealthCheckId), HostedZoneID: deref(hc.HostedZoneId),
				RecordName: deref(hc.RecordName), Region: deref(hc.Region), Status: hc.Status}
		}
		return m
	}
	if got, want := f.r53.held(), reported(); len(want) != 2 || !maps.Equal(got, want) {
		t.Fatalf("after CreatePlan Route 53 holds %v, Region switch reports %v", got, want)
	}
	id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
	f.waitState(arn, id, types.ExecutionStateCompleted)
	got, want := f.r53.held(), reported()
	if !maps.Equal(got, want) {
		t.Fatalf("after the execution Route 53 holds %v, Region switch reports %v", got, want)
	}
	for _, hc := range got {
		if healthy := hc.Status == types.Route53HealthCheckStatusHealthy; healthy != (hc.Region == standby) {
			t.Errorf("after activating %s: %s check %s", standby, hc.Region, hc.Status)
		}
	}

	// A sync that fails does not fail DeletePlan; the next start catches up.
	f.r53.setFailing(true)
	if _, err := f.s.DeletePlan(ctx, ControlPlaneRegion, &sdk.DeletePlanInput{Arn: &arn}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.r53.held()); n != 2 {
		t.Fatalf("Route 53 holds %d checks during its outage, want the 2 it had", n)
	}
	f.r53.setFailing(false)
	f.restart()
	waitFor(t, func() bool { return len(f.r53.held()) == 0 })
}

func TestService_applicationHealthMonitoring(t *testing.T) {
	f := newFixture(t)
	in := planInput("orders", auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover))
	in.AssociatedAlarms = map[string]types.AssociatedAlarm{"app": {AlarmType: types.AlarmTypeApplicationHealth,
		ResourceIdentifier: ptr("arn:aws:cloudwatch:" + standby + ":" + account + ":alarm:app-errors")}}
	arn := f.createPlan(in)
	f.alarms.set(standby, "app-errors", cwtypes.StateValueAlarm)
	id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
	f.waitState(arn, id, types.ExecutionStateCompletedMonitoringApplicationHealth)
	f.alarms.set(standby, "app-errors", cwtypes.StateValueOk)
	got := f.waitState(arn, id, types.ExecutionStateCompleted)
	if !isoRE.MatchString(deref(got.ActualRecoveryTime)) {
		t.Fatalf("actualRecoveryTime %q", deref(got.ActualRecoveryTime))
	}
}
