package regionswitch

import (
	"slices"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

func TestService_restart(t *testing.T) {
	t.Run("plans and finished executions", func(t *testing.T) {
		f := newFixture(t)
		arn := f.createPlan(planInput("orders", auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover)))
		id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
		f.waitState(arn, id, types.ExecutionStateCompleted)
		events := f.eventTypes(arn, id)
		f.restart()
		if _, err := f.s.GetPlan(ctx, ControlPlaneRegion, &sdk.GetPlanInput{Arn: &arn}); err != nil {
			t.Fatal(err)
		}
		got := f.execution(arn, id)
		if got.ExecutionState != types.ExecutionStateCompleted || !slices.Equal(f.eventTypes(arn, id), events) {
			t.Fatalf("after restart: %s, events %q", got.ExecutionState, f.eventTypes(arn, id))
		}
		if len(f.rds.Calls()) != 1 {
			t.Fatalf("RDS calls %q", f.rds.Calls())
		}
	})
	t.Run("pending approval stays pending", func(t *testing.T) {
		f := newFixture(t)
		arn := f.createPlan(planInput("orders", approvalStep("approve"), auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover)))
		id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
		f.waitState(arn, id, types.ExecutionStatePendingManualApproval)
		f.restart()
		f.waitState(arn, id, types.ExecutionStatePendingManualApproval)
		if _, err := f.s.ApprovePlanExecutionStep(ctx, standby, &sdk.ApprovePlanExecutionStepInput{PlanArn: &arn, ExecutionId: &id,
			StepName: ptr("approve"), Approval: types.ApprovalApprove}); err != nil {
			t.Fatal(err)
		}
		f.waitState(arn, id, types.ExecutionStateCompleted)
	})
	t.Run("a running Aurora step resumes without a second call", func(t *testing.T) {
		f := newFixture(t)
		arn := f.createPlan(planInput("orders", auroraStep("promote", types.GlobalAuroraDefaultBehaviorSwitchoverOnly)))
		f.rds.setHold(true)
		id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
		waitFor(t, func() bool { return len(f.rds.Calls()) == 1 })
		f.restart()
		got := f.execution(arn, id)
		if got.ExecutionState != types.ExecutionStateInProgress || got.StepStates[0].Status != types.StepStatusRunning {
			t.Fatalf("after restart: %s, steps %s", got.ExecutionState, stepSummary(got.StepStates))
		}
		f.rds.setHold(false)
		f.waitState(arn, id, types.ExecutionStateCompleted)
		if calls := f.rds.Calls(); len(calls) != 1 {
			t.Fatalf("RDS calls %q, want one", calls)
		}
	})
}
