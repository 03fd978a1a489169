package regionswitch

import (
	"maps"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

// renderPlan returns the plan as the API shows it.
func renderPlan(p *Plan) *types.Plan {
	out := &types.Plan{
		Arn: ptr(p.ARN), Name: ptr(p.Name), Owner: ptr(ownerOf(p.ARN)), ExecutionRole: ptr(p.ExecutionRole),
		RecoveryApproach: p.RecoveryApproach, Regions: slices.Clone(p.Regions), Description: optional(p.Description),
		PrimaryRegion: optional(p.PrimaryRegion), RecoveryTimeObjectiveMinutes: p.RTOMinutes,
		AssociatedAlarms: maps.Clone(p.AssociatedAlarms), Triggers: slices.Clone(p.Triggers),
		UpdatedAt: ptr(p.UpdatedAt), Version: ptr(strconv.Itoa(p.Version)), Workflows: []types.Workflow{},
	}
	for _, w := range p.Workflows {
		out.Workflows = append(out.Workflows, types.Workflow{WorkflowTargetAction: w.Action,
			WorkflowTargetRegion: optional(w.Region), WorkflowDescription: optional(w.Description), Steps: renderSteps(w.Steps)})
	}
	if len(p.ReportBuckets) > 0 {
		rc := &types.ReportConfiguration{}
		for _, r := range p.ReportBuckets {
			rc.ReportOutput = append(rc.ReportOutput, &types.ReportOutputConfigurationMemberS3Configuration{
				Value: types.S3ReportOutputConfiguration{BucketPath: optional(r.BucketPath), BucketOwner: optional(r.BucketOwner)}})
		}
		out.ReportConfiguration = rc
	}
	return out
}

func renderSteps(steps []Step) []types.Step {
	out := []types.Step{}
	for _, st := range steps {
		t := types.Step{Name: ptr(st.Name), Description: optional(st.Description), ExecutionBlockType: st.Type}
		switch {
		case st.Aurora != nil:
			t.ExecutionBlockConfiguration = &types.ExecutionBlockConfigurationMemberGlobalAuroraConfig{Value: *st.Aurora}
		case st.Approval != nil:
			t.ExecutionBlockConfiguration = &types.ExecutionBlockConfigurationMemberExecutionApprovalConfig{Value: *st.Approval}
		case st.ChildPlan != nil:
			t.ExecutionBlockConfiguration = &types.ExecutionBlockConfigurationMemberRegionSwitchPlanConfig{Value: *st.ChildPlan}
		case st.Route53 != nil:
			t.ExecutionBlockConfiguration = &types.ExecutionBlockConfigurationMemberRoute53HealthCheckConfig{Value: *st.Route53}
		case st.Type == types.ExecutionBlockTypeParallel:
			t.ExecutionBlockConfiguration = &types.ExecutionBlockConfigurationMemberParallelConfig{
				Value: types.ParallelExecutionBlockConfiguration{Steps: renderSteps(st.Parallel)}}
		}
		out = append(out, t)
	}
	return out
}

// ownerOf returns the account of a plan ARN.
func ownerOf(arn string) string {
	if m := planARNRE.FindStringSubmatch(arn); m != nil {
		// arn:aws:arc-region-switch::<account>:plan/...
		return arn[len("arn:aws:arc-region-switch::") : len("arn:aws:arc-region-switch::")+12]
	}
	return ""
}

func renderExecution(e *Execution) types.AbbreviatedExecution {
	return types.AbbreviatedExecution{
		ExecutionAction: e.Action, ExecutionId: ptr(e.ID), ExecutionRegion: ptr(e.Region),
		ExecutionState: e.State, Mode: e.Mode, PlanArn: ptr(e.PlanARN), StartTime: ptr(e.Start),
		ActualRecoveryTime: optional(e.ActualRecoveryTime), Comment: optional(e.Comment), EndTime: e.End,
		RecoveryExecutionId: optional(e.RecoveryExecutionID), UpdatedAt: ptr(e.Updated),
		Version: ptr(strconv.Itoa(e.Plan.Version)),
	}
}

func renderStep(r *StepRun) types.StepState {
	return types.StepState{Name: ptr(r.Name), Status: r.Status, StartTime: r.Start, EndTime: r.End, StepMode: r.Mode}
}

func renderEvent(ev Event) types.ExecutionEvent {
	return types.ExecutionEvent{EventId: ptr(ev.ID), PreviousEventId: optional(ev.Previous), Timestamp: ptr(ev.Time),
		Type: ev.Type, StepName: optional(ev.Step), ExecutionBlockType: ev.BlockType, Resources: ev.Resources,
		Error: optional(ev.Error), Description: optional(ev.Description)}
}

func renderVersion(v int) string { return strconv.Itoa(v) }
