package regionswitch

import (
	"slices"
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

func TestService_StartPlanExecution_aurora(t *testing.T) {
	tests := []struct {
		name     string
		behavior types.GlobalAuroraDefaultBehavior
		mode     types.ExecutionMode
		call     string
	}{
		{name: "graceful switchover", behavior: types.GlobalAuroraDefaultBehaviorSwitchoverOnly, mode: types.ExecutionModeGraceful,
			call: "SwitchoverGlobalCluster " + primary + " -> " + standbyARN},
		{name: "ungraceful failover", behavior: types.GlobalAuroraDefaultBehaviorSwitchoverOnly, mode: types.ExecutionModeUngraceful,
			call: "FailoverGlobalCluster " + standby + " -> " + standbyARN},
		{name: "failover behavior in a graceful run", behavior: types.GlobalAuroraDefaultBehaviorFailover, mode: types.ExecutionModeGraceful,
			call: "FailoverGlobalCluster " + standby + " -> " + standbyARN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			arn := f.createPlan(planInput("orders", auroraStep("promote", tt.behavior)))
			out, err := f.s.StartPlanExecution(ctx, standby, &sdk.StartPlanExecutionInput{PlanArn: &arn, TargetRegion: ptr(standby),
				Action: types.ExecutionActionActivate, Mode: tt.mode})
			if err != nil {
				t.Fatal(err)
			}
			if deref(out.ActivateRegion) != standby || deref(out.DeactivateRegion) != primary || deref(out.PlanVersion) != "1" ||
				!recoveryIDRE.MatchString(deref(out.ExecutionId)) {
				t.Fatalf("StartPlanExecution = %+v", out)
			}
			id := *out.ExecutionId
			got := f.waitState(arn, id, types.ExecutionStateCompleted)
			if calls := f.rds.Calls(); len(calls) != 1 || calls[0] != tt.call {
				t.Fatalf("RDS calls %q, want [%q]", calls, tt.call)
			}
			if f.rds.Writer() != standbyARN {
				t.Fatalf("writer %s", f.rds.Writer())
			}
			st := got.StepStates[0]
			if st.Status != types.StepStatusCompleted || st.StepMode != tt.mode || st.StartTime == nil || st.EndTime == nil {
				t.Fatalf("step state %+v", st)
			}
			if got.EndTime == nil || got.ExecutionRegion == nil || *got.ExecutionRegion != standby || got.Mode != tt.mode {
				t.Fatalf("execution %+v", got)
			}
			want := []string{"executionPending", "executionStarted", "stepStarted:promote", "stepUpdate:promote", "stepUpdate:promote", "stepSucceeded:promote", "executionSucceeded"}
			if evs := f.eventTypes(arn, id); !slices.Equal(evs, want) {
				t.Fatalf("events %q, want %q", evs, want)
			}
			list, err := f.s.ListPlanExecutions(ctx, primary, &sdk.ListPlanExecutionsInput{PlanArn: &arn, State: types.ExecutionStateCompleted})
			if err != nil || len(list.Items) != 1 || deref(list.Items[0].ExecutionId) != id {
				t.Fatalf("ListPlanExecutions = %+v, %v", list, err)
			}
		})
	}
}

func TestService_StartPlanExecution_refusals(t *testing.T) {
	f := newFixture(t)
	arn := f.createPlan(planInput("orders", approvalStep("approve")))
	id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
	f.waitState(arn, id, types.ExecutionStatePendingManualApproval)
	tests := []struct {
		name   string
		region string
		in     sdk.StartPlanExecutionInput
		code   string
	}{
		{name: "already active", region: standby, in: sdk.StartPlanExecutionInput{PlanArn: &arn, TargetRegion: ptr(standby), Action: types.ExecutionActionActivate}, code: errIllegalState},
		{name: "target outside the plan", region: standby, in: sdk.StartPlanExecutionInput{PlanArn: &arn, TargetRegion: ptr("eu-west-1"), Action: types.ExecutionActionActivate}, code: errIllegalArg},
		{name: "no such workflow", region: standby, in: sdk.StartPlanExecutionInput{PlanArn: &arn, TargetRegion: ptr(standby), Action: types.ExecutionActionDeactivate}, code: errIllegalArg},
		{name: "called outside the plan's Regions", region: "eu-west-1", in: sdk.StartPlanExecutionInput{PlanArn: &arn, TargetRegion: ptr(standby), Action: types.ExecutionActionActivate}, code: errNotFound},
		{name: "postRecovery without recovery execution", region: standby, in: sdk.StartPlanExecutionInput{PlanArn: &arn, TargetRegion: ptr(standby), Action: types.ExecutionActionPostRecovery}, code: errIllegalArg},
		{name: "bad mode", region: standby, in: sdk.StartPlanExecutionInput{PlanArn: &arn, TargetRegion: ptr(standby), Action: types.ExecutionActionActivate, Mode: "practice"}, code: errValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.s.StartPlanExecution(ctx, tt.region, &tt.in); errCode(err) != tt.code {
				t.Fatalf("StartPlanExecution error = %v, want %s", err, tt.code)
			}
		})
	}
	if _, err := f.s.DeletePlan(ctx, ControlPlaneRegion, &sdk.DeletePlanInput{Arn: &arn}); errCode(err) != errIllegalState {
		t.Fatalf("DeletePlan with an active execution: %v", err)
	}
}

func TestService_ApprovePlanExecutionStep(t *testing.T) {
	tests := []struct {
		approval types.Approval
		state    types.ExecutionState
		step     types.StepStatus
		calls    int
	}{
		{approval: types.ApprovalApprove, state: types.ExecutionStateCompleted, step: types.StepStatusCompleted, calls: 1},
		{approval: types.ApprovalDecline, state: types.ExecutionStateCancelled, step: types.StepStatusCancelled, calls: 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.approval), func(t *testing.T) {
			f := newFixture(t)
			arn := f.createPlan(planInput("orders", approvalStep("approve"), auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover)))
			id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
			got := f.waitState(arn, id, types.ExecutionStatePendingManualApproval)
			if got.StepStates[0].Status != types.StepStatusPendingApproval || got.StepStates[1].Status != types.StepStatusNotStarted {
				t.Fatalf("steps %s", stepSummary(got.StepStates))
			}
			if _, err := f.s.ApprovePlanExecutionStep(ctx, standby, &sdk.ApprovePlanExecutionStepInput{PlanArn: &arn, ExecutionId: &id,
				StepName: ptr("promote"), Approval: tt.approval}); errCode(err) != errIllegalState {
				t.Fatalf("approving a step that does not wait: %v", err)
			}
			if _, err := f.s.ApprovePlanExecutionStep(ctx, primary, &sdk.ApprovePlanExecutionStepInput{PlanArn: &arn, ExecutionId: &id,
				StepName: ptr("approve"), Approval: tt.approval, Comment: ptr("on call")}); err != nil {
				t.Fatal(err)
			}
			got = f.waitState(arn, id, tt.state)
			if got.StepStates[0].Status != tt.step || len(f.rds.Calls()) != tt.calls {
				t.Fatalf("steps %s; RDS calls %q", stepSummary(got.StepStates), f.rds.Calls())
			}
		})
	}
}

func TestService_CancelPlanExecution(t *testing.T) {
	f := newFixture(t)
	arn := f.createPlan(planInput("orders", approvalStep("approve"), auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover)))
	id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
	f.waitState(arn, id, types.ExecutionStatePendingManualApproval)
	if _, err := f.s.CancelPlanExecution(ctx, standby, &sdk.CancelPlanExecutionInput{PlanArn: &arn, ExecutionId: &id}); err != nil {
		t.Fatal(err)
	}
	got := f.waitState(arn, id, types.ExecutionStateCancelled)
	if got.StepStates[0].Status != types.StepStatusCancelled || got.StepStates[1].Status != types.StepStatusNotStarted || len(f.rds.Calls()) != 0 {
		t.Fatalf("steps %s; RDS calls %q", stepSummary(got.StepStates), f.rds.Calls())
	}
	evs := f.eventTypes(arn, id)
	if !slices.Contains(evs, "executionCanceling") || evs[len(evs)-1] != "executionCanceled" {
		t.Fatalf("events %q", evs)
	}
	if _, err := f.s.CancelPlanExecution(ctx, standby, &sdk.CancelPlanExecutionInput{PlanArn: &arn, ExecutionId: &id}); errCode(err) != errIllegalState {
		t.Fatalf("second cancel: %v", err)
	}
	// The plan is free again.
	f.startExecution(arn, standby, types.ExecutionModeGraceful)
}

// A graceful switchover cannot run while the primary's Region is out: the
// step fails, the execution pauses, and switching to ungraceful fails over
// with data loss.
func TestService_UpdatePlanExecution_switchToUngraceful(t *testing.T) {
	f := newFixture(t)
	arn := f.createPlan(planInput("orders", auroraStep("promote", types.GlobalAuroraDefaultBehaviorSwitchoverOnly)))
	f.out.set(primary, true)
	id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
	got := f.waitState(arn, id, types.ExecutionStatePausedByFailedStep)
	if got.StepStates[0].Status != types.StepStatusFailed {
		t.Fatalf("steps %s", stepSummary(got.StepStates))
	}
	evs, err := f.s.ListPlanExecutionEvents(ctx, standby, &sdk.ListPlanExecutionEventsInput{PlanArn: &arn, ExecutionId: &id, Name: ptr("promote")})
	if err != nil {
		t.Fatal(err)
	}
	last := evs.Items[len(evs.Items)-1]
	if last.Type != types.ExecutionEventTypeStepFailed || !strings.Contains(deref(last.Error), "ungraceful") {
		t.Fatalf("last step event %s %q", last.Type, deref(last.Error))
	}
	if _, err := f.s.UpdatePlanExecution(ctx, standby, &sdk.UpdatePlanExecutionInput{PlanArn: &arn, ExecutionId: &id,
		Action: types.UpdatePlanExecutionActionSwitchToUngraceful}); err != nil {
		t.Fatal(err)
	}
	got = f.waitState(arn, id, types.ExecutionStateCompleted)
	if got.Mode != types.ExecutionModeUngraceful || got.StepStates[0].StepMode != types.ExecutionModeUngraceful {
		t.Fatalf("mode %s, steps %s", got.Mode, stepSummary(got.StepStates))
	}
	if calls := f.rds.Calls(); len(calls) != 1 || !strings.HasPrefix(calls[0], "FailoverGlobalCluster "+standby) {
		t.Fatalf("RDS calls %q", calls)
	}
}

func TestService_UpdatePlanExecutionStep(t *testing.T) {
	t.Run("skip a failed step", func(t *testing.T) {
		f := newFixture(t)
		arn := f.createPlan(planInput("orders", auroraStep("promote", types.GlobalAuroraDefaultBehaviorSwitchoverOnly), approvalStep("approve")))
		f.out.set(primary, true)
		id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
		f.waitState(arn, id, types.ExecutionStatePausedByFailedStep)
		if _, err := f.s.UpdatePlanExecutionStep(ctx, standby, &sdk.UpdatePlanExecutionStepInput{PlanArn: &arn, ExecutionId: &id,
			StepName: ptr("promote"), ActionToTake: types.UpdatePlanExecutionStepActionSkip, Comment: ptr("done by hand")}); err != nil {
			t.Fatal(err)
		}
		f.waitState(arn, id, types.ExecutionStatePendingManualApproval)
		if _, err := f.s.ApprovePlanExecutionStep(ctx, standby, &sdk.ApprovePlanExecutionStepInput{PlanArn: &arn, ExecutionId: &id,
			StepName: ptr("approve"), Approval: types.ApprovalApprove}); err != nil {
			t.Fatal(err)
		}
		got := f.waitState(arn, id, types.ExecutionStateCompletedWithExceptions)
		if got.StepStates[0].Status != types.StepStatusSkipped {
			t.Fatalf("steps %s", stepSummary(got.StepStates))
		}
	})
	t.Run("switch a failed step to ungraceful", func(t *testing.T) {
		f := newFixture(t)
		arn := f.createPlan(planInput("orders", auroraStep("promote", types.GlobalAuroraDefaultBehaviorSwitchoverOnly)))
		f.out.set(primary, true)
		id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
		f.waitState(arn, id, types.ExecutionStatePausedByFailedStep)
		if _, err := f.s.UpdatePlanExecutionStep(ctx, standby, &sdk.UpdatePlanExecutionStepInput{PlanArn: &arn, ExecutionId: &id,
			StepName: ptr("promote"), ActionToTake: types.UpdatePlanExecutionStepActionSwitchToUngraceful, Comment: ptr("primary is gone")}); err != nil {
			t.Fatal(err)
		}
		got := f.waitState(arn, id, types.ExecutionStateCompleted)
		if got.Mode != types.ExecutionModeGraceful || got.StepStates[0].StepMode != types.ExecutionModeUngraceful {
			t.Fatalf("mode %s, steps %s", got.Mode, stepSummary(got.StepStates))
		}
	})
	t.Run("skip a step waiting for approval", func(t *testing.T) {
		f := newFixture(t)
		arn := f.createPlan(planInput("orders", approvalStep("approve"), auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover)))
		id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
		f.waitState(arn, id, types.ExecutionStatePendingManualApproval)
		if _, err := f.s.UpdatePlanExecutionStep(ctx, standby, &sdk.UpdatePlanExecutionStepInput{PlanArn: &arn, ExecutionId: &id,
			StepName: ptr("approve"), ActionToTake: types.UpdatePlanExecutionStepActionSkip, Comment: ptr("approver away")}); err != nil {
			t.Fatal(err)
		}
		got := f.waitState(arn, id, types.ExecutionStateCompletedWithExceptions)
		if got.StepStates[0].Status != types.StepStatusSkipped || got.StepStates[1].Status != types.StepStatusCompleted {
			t.Fatalf("steps %s", stepSummary(got.StepStates))
		}
	})
	t.Run("unknown step", func(t *testing.T) {
		f := newFixture(t)
		arn := f.createPlan(planInput("orders", approvalStep("approve")))
		id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
		if _, err := f.s.UpdatePlanExecutionStep(ctx, standby, &sdk.UpdatePlanExecutionStepInput{PlanArn: &arn, ExecutionId: &id,
			StepName: ptr("nope"), ActionToTake: types.UpdatePlanExecutionStepActionSkip, Comment: ptr("")}); errCode(err) != errNotFound {
			t.Fatalf("error = %v", err)
		}
	})
}

func TestService_UpdatePlanExecution_pauseResume(t *testing.T) {
	f := newFixture(t)
	arn := f.createPlan(planInput("orders", approvalStep("approve"), auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover)))
	id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
	f.waitState(arn, id, types.ExecutionStatePendingManualApproval)
	update := func(a types.UpdatePlanExecutionAction) error {
		_, err := f.s.UpdatePlanExecution(ctx, standby, &sdk.UpdatePlanExecutionInput{PlanArn: &arn, ExecutionId: &id, Action: a})
		return err
	}
	if err := update(types.UpdatePlanExecutionActionResume); errCode(err) != errIllegalState {
		t.Fatalf("resume while running: %v", err)
	}
	if err := update(types.UpdatePlanExecutionActionPause); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.ApprovePlanExecutionStep(ctx, standby, &sdk.ApprovePlanExecutionStepInput{PlanArn: &arn, ExecutionId: &id,
		StepName: ptr("approve"), Approval: types.ApprovalApprove}); err != nil {
		t.Fatal(err)
	}
	got := f.waitState(arn, id, types.ExecutionStatePausedByOperator)
	if got.StepStates[1].Status != types.StepStatusNotStarted || len(f.rds.Calls()) != 0 {
		t.Fatalf("paused execution ran on: %s", stepSummary(got.StepStates))
	}
	if err := update(types.UpdatePlanExecutionActionResume); err != nil {
		t.Fatal(err)
	}
	f.waitState(arn, id, types.ExecutionStateCompleted)
	evs := f.eventTypes(arn, id)
	for _, want := range []string{"executionPausing", "executionPaused"} {
		if !slices.Contains(evs, want) {
			t.Fatalf("events %q lack %s", evs, want)
		}
	}
}

func TestService_parallelAndChildPlan(t *testing.T) {
	f := newFixture(t)
	child := f.createPlan(planInput("child", auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover)))
	parallel := types.Step{Name: ptr("together"), ExecutionBlockType: types.ExecutionBlockTypeParallel,
		ExecutionBlockConfiguration: &types.ExecutionBlockConfigurationMemberParallelConfig{Value: types.ParallelExecutionBlockConfiguration{
			Steps: []types.Step{approvalStep("approve"), {Name: ptr("run-child"), ExecutionBlockType: types.ExecutionBlockTypeRegionSwitch,
				ExecutionBlockConfiguration: &types.ExecutionBlockConfigurationMemberRegionSwitchPlanConfig{Value: types.RegionSwitchPlanConfiguration{Arn: &child}}}}}}}
	parent := f.createPlan(planInput("parent", parallel))
	// The child waits for an approval too.
	if _, err := f.s.UpdatePlan(ctx, ControlPlaneRegion, &sdk.UpdatePlanInput{Arn: &child, ExecutionRole: ptr(role),
		Workflows: []types.Workflow{{WorkflowTargetAction: types.WorkflowTargetActionActivate,
			Steps: []types.Step{approvalStep("child-approve"), auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover)}}}}); err != nil {
		t.Fatal(err)
	}
	id := f.startExecution(parent, standby, types.ExecutionModeGraceful)
	f.waitState(parent, id, types.ExecutionStatePendingManualApproval)
	if _, err := f.s.ApprovePlanExecutionStep(ctx, standby, &sdk.ApprovePlanExecutionStepInput{PlanArn: &parent, ExecutionId: &id,
		StepName: ptr("approve"), Approval: types.ApprovalApprove}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		return slices.Contains(f.eventTypes(parent, id), "executionPendingChildPlanManualApproval:run-child")
	})
	list, err := f.s.ListPlanExecutions(ctx, standby, &sdk.ListPlanExecutionsInput{PlanArn: &child})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("child executions %+v, %v", list, err)
	}
	if _, err := f.s.ApprovePlanExecutionStep(ctx, standby, &sdk.ApprovePlanExecutionStepInput{PlanArn: &child, ExecutionId: list.Items[0].ExecutionId,
		StepName: ptr("child-approve"), Approval: types.ApprovalApprove}); err != nil {
		t.Fatal(err)
	}
	got := f.waitState(parent, id, types.ExecutionStateCompleted)
	if s := stepSummary(got.StepStates); !strings.Contains(s, "together=completed") || !strings.Contains(s, "run-child=completed") {
		t.Fatalf("steps %s", s)
	}
	list, err = f.s.ListPlanExecutions(ctx, standby, &sdk.ListPlanExecutionsInput{PlanArn: &child})
	if err != nil || len(list.Items) != 1 || list.Items[0].ExecutionState != types.ExecutionStateCompleted {
		t.Fatalf("child executions %+v, %v", list, err)
	}
	if f.rds.Writer() != standbyARN {
		t.Fatalf("writer %s", f.rds.Writer())
	}
	if _, err := f.s.DeletePlan(ctx, ControlPlaneRegion, &sdk.DeletePlanInput{Arn: &child}); errCode(err) != errIllegalState {
		t.Fatalf("deleting a child plan in use: %v", err)
	}
}

// Switching an execution to ungraceful while a switchover is under way
// waits for that role change instead of starting a second one.
func TestService_UpdatePlanExecution_ungracefulWhileRunning(t *testing.T) {
	f := newFixture(t)
	arn := f.createPlan(planInput("orders", auroraStep("promote", types.GlobalAuroraDefaultBehaviorSwitchoverOnly)))
	f.rds.setHold(true)
	id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
	waitFor(t, func() bool { return len(f.rds.Calls()) == 1 })
	if _, err := f.s.UpdatePlanExecution(ctx, standby, &sdk.UpdatePlanExecutionInput{PlanArn: &arn, ExecutionId: &id,
		Action: types.UpdatePlanExecutionActionSwitchToUngraceful}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		return f.execution(arn, id).StepStates[0].StepMode == types.ExecutionModeUngraceful
	})
	f.rds.setHold(false)
	f.waitState(arn, id, types.ExecutionStateCompleted)
	if calls := f.rds.Calls(); len(calls) != 1 || !strings.HasPrefix(calls[0], "SwitchoverGlobalCluster") {
		t.Fatalf("RDS calls %q", calls)
	}
	evs := f.eventTypes(arn, id)
	for _, want := range []string{"executionBehaviorChangedToUngraceful", "stepExecutionBehaviorChangedToUngraceful:promote"} {
		if !slices.Contains(evs, want) {
			t.Fatalf("events %q lack %s", evs, want)
		}
	}
}
