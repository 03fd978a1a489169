package regionswitch

import (
	"errors"
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

func TestService_CreatePlan_validation(t *testing.T) {
	f := newFixture(t)
	lambda := types.Step{Name: ptr("warm-up"), ExecutionBlockType: types.ExecutionBlockTypeCustomActionLambda,
		ExecutionBlockConfiguration: &types.ExecutionBlockConfigurationMemberCustomActionLambdaConfig{}}
	tests := []struct {
		name    string
		edit    func(*sdk.CreatePlanInput)
		code    string
		message string
	}{
		{name: "unsupported block named", edit: func(in *sdk.CreatePlanInput) { in.Workflows[0].Steps = append(in.Workflows[0].Steps, lambda) },
			code: errIllegalArg, message: "Step warm-up uses execution block type CustomActionLambda"},
		{name: "bad name", edit: func(in *sdk.CreatePlanInput) { in.Name = ptr("-bad") }, code: errValidation, message: "'name'"},
		{name: "one region", edit: func(in *sdk.CreatePlanInput) { in.Regions = in.Regions[:1] }, code: errValidation, message: "'regions'"},
		{name: "same region twice", edit: func(in *sdk.CreatePlanInput) { in.Regions = []string{primary, primary} }, code: errIllegalArg},
		{name: "activePassive without primary", edit: func(in *sdk.CreatePlanInput) { in.PrimaryRegion = nil }, code: errIllegalArg, message: "primaryRegion"},
		{name: "bad role", edit: func(in *sdk.CreatePlanInput) { in.ExecutionRole = ptr("role") }, code: errValidation, message: "'executionRole'"},
		{name: "config does not match type", edit: func(in *sdk.CreatePlanInput) {
			in.Workflows[0].Steps[0].ExecutionBlockConfiguration = approvalStep("x").ExecutionBlockConfiguration
		}, code: errIllegalArg, message: "executionApprovalConfig"},
		{name: "aurora cluster missing for a region", edit: func(in *sdk.CreatePlanInput) {
			c := in.Workflows[0].Steps[0].ExecutionBlockConfiguration.(*types.ExecutionBlockConfigurationMemberGlobalAuroraConfig)
			c.Value.DatabaseClusterArns = []string{primaryARN}
		}, code: errIllegalArg, message: standby},
		{name: "duplicate step names", edit: func(in *sdk.CreatePlanInput) {
			in.Workflows[0].Steps = append(in.Workflows[0].Steps, auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover))
		}, code: errIllegalArg, message: "promote"},
		{name: "trigger names an unknown alarm", edit: func(in *sdk.CreatePlanInput) {
			in.Triggers = []types.Trigger{{TargetRegion: ptr(standby), Action: types.WorkflowTargetActionActivate, MinDelayMinutesBetweenExecutions: ptr(int32(10)),
				Conditions: []types.TriggerCondition{{AssociatedAlarmName: ptr("nope"), Condition: types.AlarmConditionRed}}}}
		}, code: errIllegalArg, message: "nope"},
		{name: "workflow region outside the plan", edit: func(in *sdk.CreatePlanInput) { in.Workflows[0].WorkflowTargetRegion = ptr("eu-west-1") }, code: errIllegalArg},
		{name: "child plan not found", edit: func(in *sdk.CreatePlanInput) {
			in.Workflows[0].Steps = append(in.Workflows[0].Steps, types.Step{Name: ptr("child"), ExecutionBlockType: types.ExecutionBlockTypeRegionSwitch,
				ExecutionBlockConfiguration: &types.ExecutionBlockConfigurationMemberRegionSwitchPlanConfig{Value: types.RegionSwitchPlanConfiguration{
					Arn: ptr("arn:aws:arc-region-switch::123456789012:plan/other:abcdef")}}})
		}, code: errNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := planInput("p1", auroraStep("promote", types.GlobalAuroraDefaultBehaviorSwitchoverOnly))
			tt.edit(in)
			_, err := f.s.CreatePlan(ctx, ControlPlaneRegion, in)
			if errCode(err) != tt.code || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("CreatePlan error = %v, want %s containing %q", err, tt.code, tt.message)
			}
		})
	}
}

func TestService_planLifecycle(t *testing.T) {
	f := newFixture(t)
	in := planInput("orders", auroraStep("promote", types.GlobalAuroraDefaultBehaviorSwitchoverOnly))
	in.Tags = map[string]string{"stack": "orders"}
	arn := f.createPlan(in)
	if !planARNRE.MatchString(arn) || !strings.Contains(arn, ":plan/orders:") {
		t.Fatalf("plan ARN %s", arn)
	}
	t.Run("duplicate name", func(t *testing.T) {
		if _, err := f.s.CreatePlan(ctx, ControlPlaneRegion, planInput("orders", auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover))); errCode(err) != errIllegalState {
			t.Fatalf("second CreatePlan error = %v", err)
		}
	})
	t.Run("get from any signing region", func(t *testing.T) {
		out, err := f.s.GetPlan(ctx, "eu-west-1", &sdk.GetPlanInput{Arn: &arn})
		if err != nil {
			t.Fatal(err)
		}
		p := out.Plan
		if deref(p.Version) != "1" || deref(p.Owner) != account || len(p.Workflows) != 1 || len(p.Workflows[0].Steps) != 1 {
			t.Fatalf("plan = %+v", p)
		}
		c, ok := p.Workflows[0].Steps[0].ExecutionBlockConfiguration.(*types.ExecutionBlockConfigurationMemberGlobalAuroraConfig)
		if !ok || c.Value.Behavior != types.GlobalAuroraDefaultBehaviorSwitchoverOnly || deref(c.Value.GlobalClusterIdentifier) != global {
			t.Fatalf("step configuration = %#v", p.Workflows[0].Steps[0].ExecutionBlockConfiguration)
		}
	})
	t.Run("in region", func(t *testing.T) {
		if _, err := f.s.GetPlanInRegion(ctx, standby, &sdk.GetPlanInRegionInput{Arn: &arn}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.GetPlanInRegion(ctx, "eu-west-1", &sdk.GetPlanInRegionInput{Arn: &arn}); errCode(err) != errNotFound {
			t.Fatalf("GetPlanInRegion outside the plan's Regions: %v", err)
		}
		out, err := f.s.ListPlansInRegion(ctx, "eu-west-1", &sdk.ListPlansInRegionInput{})
		if err != nil || len(out.Plans) != 0 {
			t.Fatalf("ListPlansInRegion(eu-west-1) = %v, %v", out, err)
		}
	})
	t.Run("update", func(t *testing.T) {
		out, err := f.s.UpdatePlan(ctx, ControlPlaneRegion, &sdk.UpdatePlanInput{Arn: &arn, ExecutionRole: ptr(role), Description: ptr("v2"),
			Workflows: []types.Workflow{{WorkflowTargetAction: types.WorkflowTargetActionActivate,
				Steps: []types.Step{approvalStep("approve"), auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover)}}}})
		if err != nil {
			t.Fatal(err)
		}
		if deref(out.Plan.Version) != "2" || deref(out.Plan.Description) != "v2" || len(out.Plan.Workflows[0].Steps) != 2 {
			t.Fatalf("updated plan = %+v", out.Plan)
		}
	})
	t.Run("list", func(t *testing.T) {
		out, err := f.s.ListPlans(ctx, primary, &sdk.ListPlansInput{})
		if err != nil || len(out.Plans) != 1 || deref(out.Plans[0].Arn) != arn || deref(out.Plans[0].Version) != "2" {
			t.Fatalf("ListPlans = %+v, %v", out, err)
		}
	})
	t.Run("tags", func(t *testing.T) {
		if _, err := f.s.TagResource(ctx, ControlPlaneRegion, &sdk.TagResourceInput{Arn: &arn, Tags: map[string]string{"team": "db"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.UntagResource(ctx, ControlPlaneRegion, &sdk.UntagResourceInput{Arn: &arn, ResourceTagKeys: []string{"stack"}}); err != nil {
			t.Fatal(err)
		}
		out, err := f.s.ListTagsForResource(ctx, ControlPlaneRegion, &sdk.ListTagsForResourceInput{Arn: &arn})
		if err != nil || len(out.ResourceTags) != 1 || out.ResourceTags["team"] != "db" {
			t.Fatalf("ListTagsForResource = %v, %v", out, err)
		}
	})
	t.Run("evaluation", func(t *testing.T) {
		out, err := f.s.GetPlanEvaluationStatus(ctx, primary, &sdk.GetPlanEvaluationStatusInput{PlanArn: &arn})
		if err != nil || out.EvaluationState != types.EvaluationStatusPassed || deref(out.LastEvaluatedVersion) != "2" {
			t.Fatalf("GetPlanEvaluationStatus = %+v, %v", out, err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		if _, err := f.s.DeletePlan(ctx, ControlPlaneRegion, &sdk.DeletePlanInput{Arn: &arn}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.GetPlan(ctx, ControlPlaneRegion, &sdk.GetPlanInput{Arn: &arn}); errCode(err) != errNotFound {
			t.Fatalf("GetPlan after delete: %v", err)
		}
		if _, err := f.s.DeletePlan(ctx, ControlPlaneRegion, &sdk.DeletePlanInput{Arn: &arn}); errCode(err) != errNotFound {
			t.Fatalf("second DeletePlan: %v", err)
		}
	})
}

func TestService_GetPlanEvaluationStatus_warnings(t *testing.T) {
	f := newFixture(t)
	in := planInput("drift", auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover))
	c := in.Workflows[0].Steps[0].ExecutionBlockConfiguration.(*types.ExecutionBlockConfigurationMemberGlobalAuroraConfig)
	c.Value.DatabaseClusterArns = []string{primaryARN, "arn:aws:rds:" + standby + ":" + account + ":cluster:gone"}
	in.AssociatedAlarms = map[string]types.AssociatedAlarm{"health": {AlarmType: types.AlarmTypeApplicationHealth,
		ResourceIdentifier: ptr("arn:aws:cloudwatch:" + primary + ":" + account + ":alarm:missing")}}
	arn := f.createPlan(in)
	out, err := f.s.GetPlanEvaluationStatus(ctx, standby, &sdk.GetPlanEvaluationStatusInput{PlanArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if out.EvaluationState != types.EvaluationStatusActionRequired || len(out.Warnings) != 2 {
		t.Fatalf("evaluation = %s with %d warnings %+v", out.EvaluationState, len(out.Warnings), out.Warnings)
	}
}

func TestService_endpoints(t *testing.T) {
	f := newFixture(t)
	arn := f.createPlan(planInput("orders", auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover)))
	f.out.set(ControlPlaneRegion, true)
	t.Run("control plane is us-east-1", func(t *testing.T) {
		_, err := f.s.GetPlan(ctx, standby, &sdk.GetPlanInput{Arn: &arn})
		var u *UnreachableError
		if !IsUnreachable(err) || !asUnreachable(err, &u) || u.Region != ControlPlaneRegion {
			t.Fatalf("GetPlan while us-east-1 is out: %v", err)
		}
		if _, err := f.s.CreatePlan(ctx, standby, planInput("other", auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover))); !IsUnreachable(err) {
			t.Fatalf("CreatePlan while us-east-1 is out: %v", err)
		}
	})
	t.Run("data plane still answers", func(t *testing.T) {
		if _, err := f.s.GetPlanInRegion(ctx, standby, &sdk.GetPlanInRegionInput{Arn: &arn}); err != nil {
			t.Fatal(err)
		}
		id := f.startExecution(arn, standby, types.ExecutionModeUngraceful)
		f.waitState(arn, id, types.ExecutionStateCompleted)
	})
	t.Run("a Region out refuses its data plane", func(t *testing.T) {
		f.out.set(primary, true)
		if _, err := f.s.GetPlanInRegion(ctx, primary, &sdk.GetPlanInRegionInput{Arn: &arn}); !IsUnreachable(err) {
			t.Fatalf("GetPlanInRegion in a Region that is out: %v", err)
		}
	})
}

func asUnreachable(err error, u **UnreachableError) bool { return errors.As(err, u) }
