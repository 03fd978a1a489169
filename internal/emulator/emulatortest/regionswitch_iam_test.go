package emulatortest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	arc "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	arctypes "github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

func arcAs(e *emulator.Emulator, c creds, region string) *arc.Client {
	return arc.New(arc.Options{Region: region, BaseEndpoint: aws.String(e.Endpoint()), Credentials: c.provider()})
}

// regionSwitchTrust lets Region switch assume a plan's execution role.
const regionSwitchTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"arc-region-switch.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// executionRole creates a role Region switch may assume, with policy as
// its inline policy, and returns its ARN.
func executionRole(ctx context.Context, t *testing.T, e *emulator.Emulator, name, policy string) string {
	t.Helper()
	c := iamClient(e, root)
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(regionSwitchTrust)})
	if err != nil {
		t.Fatalf("create role %s: %v", name, err)
	}
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("aurora"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Role.Arn)
}

// passRole allows iam:PassRole on role to Region switch only.
func passRole(role string) string {
	return stmt("Allow", `"Action":"iam:PassRole"`, fmt.Sprintf(`"Resource":%q`, role),
		`"Condition":{"StringEquals":{"iam:PassedToService":"arc-region-switch.amazonaws.com"}}`)
}

// waitExecution polls the execution until it reaches one of states and
// returns it.
func waitExecution(ctx context.Context, t *testing.T, c *arc.Client, plan, id string, states ...arctypes.ExecutionState) *arc.GetPlanExecutionOutput {
	t.Helper()
	for {
		ex, err := c.GetPlanExecution(ctx, &arc.GetPlanExecutionInput{PlanArn: aws.String(plan), ExecutionId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetPlanExecution: %v", err)
		}
		for _, s := range states {
			if ex.ExecutionState == s {
				return ex
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("execution %s is still %s, want one of %v", id, ex.ExecutionState, states)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// TestRegionSwitch_ExecutionRole runs a plan under --enforce-iam as a
// non-root user against a real global cluster: the Aurora block runs as
// the plan's execution role, so while the role lacks
// rds:FailoverGlobalCluster the step fails with IAM's refusal in its
// stepFailed event (and plan evaluation warns of it); once the role's
// policy allows the failover, a new execution completes and the writer
// has moved.
func TestRegionSwitch_ExecutionRole(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.StartWith(t, emulator.Config{EnforceIAM: true, TimeScale: 0.05})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s, primaryARN, secondaryARN := twoRegionStack(ctx, t, e, "rsiam")
	primary, secondary := s.Primary.Name, s.Secondaries[0].Name
	globalARN := "arn:aws:rds::000000000000:global-cluster:" + s.GlobalCluster
	moveWriter := func(actions string) string {
		return doc(stmt("Allow", `"Action":["rds:DescribeGlobalClusters","rds:DescribeDBClusters"]`, `"Resource":"*"`),
			stmt("Allow", `"Action":`+actions, fmt.Sprintf(`"Resource":[%q,%q,%q]`, globalARN, primaryARN, secondaryARN)))
	}
	role := executionRole(ctx, t, e, "rsiam-region-switch", moveWriter(`"rds:SwitchoverGlobalCluster"`))
	user := userWithPolicy(ctx, t, e, "rs-operator", doc(stmt("Allow", `"Action":"arc-region-switch:*"`, `"Resource":"*"`), passRole(role)))
	control, data := arcAs(e, user, "us-east-1"), arcAs(e, user, secondary)

	created, err := control.CreatePlan(ctx, &arc.CreatePlanInput{
		Name: aws.String("rsiam-plan"), Regions: []string{primary, secondary}, PrimaryRegion: aws.String(primary),
		RecoveryApproach: arctypes.RecoveryApproachActivePassive, ExecutionRole: aws.String(role),
		Workflows: []arctypes.Workflow{{WorkflowTargetAction: arctypes.WorkflowTargetActionActivate, Steps: []arctypes.Step{{
			Name: aws.String("move-writer"), ExecutionBlockType: arctypes.ExecutionBlockTypeAurora,
			ExecutionBlockConfiguration: &arctypes.ExecutionBlockConfigurationMemberGlobalAuroraConfig{Value: arctypes.GlobalAuroraConfiguration{
				Behavior: arctypes.GlobalAuroraDefaultBehaviorFailover, GlobalClusterIdentifier: aws.String(s.GlobalCluster),
				DatabaseClusterArns: []string{primaryARN, secondaryARN}}},
		}}}},
	})
	if err != nil {
		t.Fatalf("CreatePlan as the user: %v", err)
	}
	plan := aws.ToString(created.Plan.Arn)
	start := func() string {
		t.Helper()
		out, err := data.StartPlanExecution(ctx, &arc.StartPlanExecutionInput{PlanArn: aws.String(plan), TargetRegion: aws.String(secondary),
			Action: arctypes.ExecutionActionActivate, Mode: arctypes.ExecutionModeGraceful})
		if err != nil {
			t.Fatalf("StartPlanExecution: %v", err)
		}
		return aws.ToString(out.ExecutionId)
	}

	denied := "is not authorized to perform: rds:FailoverGlobalCluster on resource: " + globalARN
	ev, err := data.GetPlanEvaluationStatus(ctx, &arc.GetPlanEvaluationStatusInput{PlanArn: aws.String(plan)})
	if err != nil {
		t.Fatalf("GetPlanEvaluationStatus: %v", err)
	}
	warned := false
	for _, w := range ev.Warnings {
		warned = warned || strings.Contains(aws.ToString(w.WarningMessage), denied)
	}
	if ev.EvaluationState != arctypes.EvaluationStatusActionRequired || !warned {
		t.Errorf("evaluation %s, warnings %+v: want one naming the refused failover", ev.EvaluationState, ev.Warnings)
	}

	first := start()
	ex := waitExecution(ctx, t, data, plan, first, arctypes.ExecutionStatePausedByFailedStep, arctypes.ExecutionStateFailed, arctypes.ExecutionStateCompleted)
	if ex.ExecutionState == arctypes.ExecutionStateCompleted || len(ex.StepStates) != 1 || ex.StepStates[0].Status != arctypes.StepStatusFailed {
		t.Fatalf("execution with a role lacking rds:FailoverGlobalCluster: %s, steps %+v", ex.ExecutionState, ex.StepStates)
	}
	events, err := data.ListPlanExecutionEvents(ctx, &arc.ListPlanExecutionEventsInput{PlanArn: aws.String(plan), ExecutionId: aws.String(first)})
	if err != nil {
		t.Fatalf("ListPlanExecutionEvents: %v", err)
	}
	var stepErr string
	for _, ev := range events.Items {
		if ev.Type == arctypes.ExecutionEventTypeStepFailed && aws.ToString(ev.StepName) == "move-writer" {
			stepErr = aws.ToString(ev.Error)
		}
	}
	if !strings.Contains(stepErr, denied) || !strings.Contains(stepErr, "assumed-role/rsiam-region-switch/") {
		t.Errorf("stepFailed error %q: want the role's session refused %q", stepErr, denied)
	}

	if _, err := iamClient(e, root).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("rsiam-region-switch"), PolicyName: aws.String("aurora"),
		PolicyDocument: aws.String(moveWriter(`["rds:SwitchoverGlobalCluster","rds:FailoverGlobalCluster"]`))}); err != nil {
		t.Fatal(err)
	}
	if _, err := data.CancelPlanExecution(ctx, &arc.CancelPlanExecutionInput{PlanArn: aws.String(plan), ExecutionId: aws.String(first)}); err != nil {
		t.Fatalf("CancelPlanExecution: %v", err)
	}
	waitExecution(ctx, t, data, plan, first, arctypes.ExecutionStateCancelled)
	second := start()
	if ex := waitExecution(ctx, t, data, plan, second, arctypes.ExecutionStateCompleted, arctypes.ExecutionStatePausedByFailedStep, arctypes.ExecutionStateFailed); ex.ExecutionState != arctypes.ExecutionStateCompleted {
		t.Fatalf("execution with the failover allowed: %s, steps %+v", ex.ExecutionState, ex.StepStates)
	}
	gc, err := emulatortest.RDS(e, secondary).DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(s.GlobalCluster)})
	if err != nil || len(gc.GlobalClusters) != 1 {
		t.Fatalf("DescribeGlobalClusters: %v", err)
	}
	if w := writerARN(gc.GlobalClusters[0]); w != secondaryARN {
		t.Errorf("writer after the execution: %s, want %s", w, secondaryARN)
	}
}

// TestRegionSwitch_IAMScope: under --enforce-iam Region switch actions
// are authorized on the plan they name, refused with the code
// AccessDeniedException (the SDK types it only for operations whose
// model lists it, e.g. StartPlanExecution, not GetPlan): a
// user allowed arc-region-switch:* on plan A alone cannot read or run
// plan B, nor list plans; CreatePlan needs iam:PassRole on the execution
// role, passed to arc-region-switch.amazonaws.com.
func TestRegionSwitch_IAMScope(t *testing.T) {
	e := emulatortest.StartWith(t, emulatorConfig(true))
	ctx := context.Background()
	role := executionRole(ctx, t, e, "scope-region-switch", doc(stmt("Allow", `"Action":"rds:DescribeGlobalClusters"`, `"Resource":"*"`)))
	planInput := func(name string) *arc.CreatePlanInput {
		return &arc.CreatePlanInput{Name: aws.String(name), Regions: []string{"ap-southeast-1", "ap-southeast-2"}, PrimaryRegion: aws.String("ap-southeast-1"),
			RecoveryApproach: arctypes.RecoveryApproachActivePassive, ExecutionRole: aws.String(role),
			Workflows: []arctypes.Workflow{{WorkflowTargetAction: arctypes.WorkflowTargetActionActivate, Steps: []arctypes.Step{{
				Name: aws.String("approve"), ExecutionBlockType: arctypes.ExecutionBlockTypeExecutionApproval,
				ExecutionBlockConfiguration: &arctypes.ExecutionBlockConfigurationMemberExecutionApprovalConfig{Value: arctypes.ExecutionApprovalConfiguration{
					ApprovalRole: aws.String(role), TimeoutMinutes: aws.Int32(60)}},
			}}}}}
	}
	planARN := func(name string) string {
		t.Helper()
		out, err := arcAs(e, root, "us-east-1").CreatePlan(ctx, planInput(name))
		if err != nil {
			t.Fatalf("CreatePlan %s as root: %v", name, err)
		}
		return aws.ToString(out.Plan.Arn)
	}
	a, b := planARN("scope-a"), planARN("scope-b")
	user := userWithPolicy(ctx, t, e, "plan-a-only", doc(stmt("Allow", `"Action":"arc-region-switch:*"`, fmt.Sprintf(`"Resource":%q`, a))))
	control, data := arcAs(e, user, "us-east-1"), arcAs(e, user, "ap-southeast-2")
	start := func(plan string) error {
		_, err := data.StartPlanExecution(ctx, &arc.StartPlanExecutionInput{PlanArn: aws.String(plan), TargetRegion: aws.String("ap-southeast-2"),
			Action: arctypes.ExecutionActionActivate})
		return err
	}
	calls := []struct {
		name   string
		call   func() error
		denied string // the refused action; "" when allowed
	}{
		{"GetPlan A", func() error { _, err := control.GetPlan(ctx, &arc.GetPlanInput{Arn: aws.String(a)}); return err }, ""},
		{"GetPlanInRegion A", func() error {
			_, err := data.GetPlanInRegion(ctx, &arc.GetPlanInRegionInput{Arn: aws.String(a)})
			return err
		}, ""},
		{"GetPlan B", func() error { _, err := control.GetPlan(ctx, &arc.GetPlanInput{Arn: aws.String(b)}); return err }, "arc-region-switch:GetPlan on resource: " + b},
		{"StartPlanExecution B", func() error { return start(b) }, "arc-region-switch:StartPlanExecution on resource: " + b},
		{"ListPlans", func() error { _, err := control.ListPlans(ctx, &arc.ListPlansInput{}); return err }, "arc-region-switch:ListPlans on resource: *"},
		{"StartPlanExecution A", func() error { return start(a) }, ""},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if c.denied == "" {
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				return
			}
			if apiCode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "is not authorized to perform: "+c.denied) {
				t.Errorf("%s: %v, want AccessDeniedException refusing %s", c.name, err, c.denied)
			}
		})
	}

	creates := []struct {
		name   string
		pass   string // the user's iam:PassRole statement, if any
		denied bool
	}{
		{"without iam:PassRole", "", true},
		{"with iam:PassRole to another service", stmt("Allow", `"Action":"iam:PassRole"`, fmt.Sprintf(`"Resource":%q`, role),
			`"Condition":{"StringEquals":{"iam:PassedToService":"rds.amazonaws.com"}}`), true},
		{"with iam:PassRole to Region switch", passRole(role), false},
	}
	for i, c := range creates {
		t.Run("CreatePlan "+c.name, func(t *testing.T) {
			stmts := []string{stmt("Allow", `"Action":"arc-region-switch:*"`, `"Resource":"*"`)}
			if c.pass != "" {
				stmts = append(stmts, c.pass)
			}
			u := userWithPolicy(ctx, t, e, fmt.Sprintf("creator-%d", i), doc(stmts...))
			_, err := arcAs(e, u, "us-east-1").CreatePlan(ctx, planInput(fmt.Sprintf("created-%d", i)))
			switch {
			case c.denied && (apiCode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "iam:PassRole on resource: "+role)):
				t.Errorf("CreatePlan: %v, want AccessDeniedException refusing iam:PassRole on %s", err, role)
			case !c.denied && err != nil:
				t.Errorf("CreatePlan: %v", err)
			}
		})
	}
}
