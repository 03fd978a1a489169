package regionswitch

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

var globalARN = "arn:aws:rds::" + account + ":global-cluster:" + global

// fakeRole is an Authorizer for the plans' role: it refuses the actions
// in deny (as IAM words it) or, without the role, everything; it records
// every "action resource" it is asked.
type fakeRole struct {
	missing bool
	deny    []string

	mu    sync.Mutex
	asked []string
}

func (a *fakeRole) authorize(_ context.Context, roleARN, action, resource string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked = append(a.asked, action+" "+resource)
	if a.missing {
		return awserr.New("AccessDenied", "%s is not authorized to perform: sts:AssumeRole on resource: %s (no such role exists)", ServicePrincipal, roleARN)
	}
	if slices.Contains(a.deny, action) {
		return awserr.New("AccessDenied", "User: %s is not authorized to perform: %s on resource: %s", roleARN, action, resource)
	}
	return nil
}

func (a *fakeRole) askedFor() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.asked)
}

// stepError returns the error of the step's stepFailed event.
func (f *fixture) stepError(plan, id, step string) string {
	f.t.Helper()
	out, err := f.s.ListPlanExecutionEvents(ctx, regionOfID(id), &sdk.ListPlanExecutionEventsInput{PlanArn: &plan, ExecutionId: &id})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, ev := range out.Items {
		if ev.Type == types.ExecutionEventTypeStepFailed && deref(ev.StepName) == step {
			return deref(ev.Error)
		}
	}
	return ""
}

// TestService_executionRole: an execution makes its Aurora block's calls
// as the plan's execution role; a call the role may not make, or a role
// that cannot be assumed, fails the step before RDS is called, pausing
// the execution with the refusal in the stepFailed event.
func TestService_executionRole(t *testing.T) {
	tests := []struct {
		name     string
		role     *fakeRole
		behavior types.GlobalAuroraDefaultBehavior
		wantErr  string // "" means the execution completes
	}{
		{name: "allowed", role: &fakeRole{}, behavior: types.GlobalAuroraDefaultBehaviorSwitchoverOnly},
		{name: "switchover denied", role: &fakeRole{deny: []string{"rds:SwitchoverGlobalCluster"}}, behavior: types.GlobalAuroraDefaultBehaviorSwitchoverOnly,
			wantErr: "is not authorized to perform: rds:SwitchoverGlobalCluster on resource: " + globalARN},
		{name: "failover denied", role: &fakeRole{deny: []string{"rds:FailoverGlobalCluster"}}, behavior: types.GlobalAuroraDefaultBehaviorFailover,
			wantErr: "is not authorized to perform: rds:FailoverGlobalCluster on resource: " + globalARN},
		{name: "reads denied", role: &fakeRole{deny: []string{"rds:DescribeDBClusters"}}, behavior: types.GlobalAuroraDefaultBehaviorFailover,
			wantErr: "is not authorized to perform: rds:DescribeDBClusters on resource: " + primaryARN},
		{name: "missing role", role: &fakeRole{missing: true}, behavior: types.GlobalAuroraDefaultBehaviorSwitchoverOnly,
			wantErr: "arc-region-switch.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: " + role},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newAuthFixture(t, tt.role.authorize)
			arn := f.createPlan(planInput("orders", auroraStep("promote", tt.behavior)))
			id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
			if tt.wantErr == "" {
				f.waitState(arn, id, types.ExecutionStateCompleted)
				want := auroraCallFor(tt.behavior, types.ExecutionModeGraceful).action()
				for _, res := range []string{globalARN, standbyARN} {
					if asked := tt.role.askedFor(); !slices.Contains(asked, want+" "+res) {
						t.Errorf("the role was not asked for %s on %s: %q", want, res, asked)
					}
				}
				return
			}
			got := f.waitState(arn, id, types.ExecutionStatePausedByFailedStep)
			if st := got.StepStates[0]; st.Status != types.StepStatusFailed {
				t.Errorf("step %s, want failed", st.Status)
			}
			if msg := f.stepError(arn, id, "promote"); !strings.Contains(msg, tt.wantErr) {
				t.Errorf("stepFailed error %q, want it to contain %q", msg, tt.wantErr)
			}
			if calls := f.rds.Calls(); len(calls) != 0 {
				t.Errorf("RDS role changes %q despite the refusal", calls)
			}
		})
	}
}

// TestService_triggerRole: a trigger whose plan's role may not start the
// plan starts nothing, and plan evaluation warns of it; with the
// permission it starts the execution.
func TestService_triggerRole(t *testing.T) {
	tests := []struct {
		name  string
		deny  []string
		runs  int
		warns string
	}{
		{name: "allowed", runs: 1},
		{name: "no StartPlanExecution", deny: []string{"arc-region-switch:StartPlanExecution"}, warns: "arc-region-switch:StartPlanExecution"},
		{name: "no DescribeAlarms", deny: []string{"cloudwatch:DescribeAlarms"}, warns: "cloudwatch:DescribeAlarms on resource: " + alarmARN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newAuthFixture(t, (&fakeRole{deny: tt.deny}).authorize)
			arn := f.createPlan(triggeredPlan("orders", 0))
			f.tick(cwtypes.StateValueOk)
			f.tick(cwtypes.StateValueAlarm)
			if n := countExecutions(f.s, arn); n != tt.runs {
				t.Fatalf("%d executions after the alarm, want %d", n, tt.runs)
			}
			// Evaluate once the execution is over: while it runs the
			// global cluster reads failing-over, which evaluation warns of.
			for _, id := range executionIDs(f.s, arn) {
				f.waitState(arn, id, types.ExecutionStateCompleted)
			}
			out, msgs := f.evaluation(arn)
			if tt.warns == "" {
				if out.EvaluationState != types.EvaluationStatusPassed {
					t.Errorf("evaluation %s, warnings %q", out.EvaluationState, msgs)
				}
				return
			}
			if out.EvaluationState != types.EvaluationStatusActionRequired || !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, tt.warns) }) {
				t.Errorf("evaluation %s, warnings %q; want one naming %q", out.EvaluationState, msgs, tt.warns)
			}
		})
	}
}

// executionIDs lists the IDs of plan's executions.
func executionIDs(s *Service, plan string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.st.Executions {
		if e.PlanARN == plan {
			out = append(out, e.ID)
		}
	}
	return out
}

// TestService_route53BlockRole: a Route 53 health check block reads the
// record's sets as the plan's execution role; a role without
// route53:ListResourceRecordSets on the hosted zone fails the step,
// leaves the health checks as they were, and plan evaluation warns of it.
func TestService_route53BlockRole(t *testing.T) {
	const zoneARN = "arn:aws:route53:::hostedzone/Z123"
	for _, denied := range []bool{false, true} {
		t.Run(map[bool]string{false: "allowed", true: "denied"}[denied], func(t *testing.T) {
			r := &fakeRole{}
			if denied {
				r.deny = []string{"route53:ListResourceRecordSets"}
			}
			f := newAuthFixture(t, r.authorize)
			step := types.Step{Name: ptr("dns"), ExecutionBlockType: types.ExecutionBlockTypeRoute53HealthCheck,
				ExecutionBlockConfiguration: &types.ExecutionBlockConfigurationMemberRoute53HealthCheckConfig{Value: types.Route53HealthCheckConfiguration{
					HostedZoneId: ptr("Z123"), RecordName: ptr("writer.db.example.com")}}}
			arn := f.createPlan(planInput("orders", step))
			id := f.startExecution(arn, standby, types.ExecutionModeGraceful)
			healthy := map[string]bool{}
			if !denied {
				f.waitState(arn, id, types.ExecutionStateCompleted)
				if asked := r.askedFor(); !slices.Contains(asked, "route53:ListResourceRecordSets "+zoneARN) {
					t.Errorf("the role was not asked for route53:ListResourceRecordSets on %s: %q", zoneARN, asked)
				}
				healthy[standby] = true
			} else {
				f.waitState(arn, id, types.ExecutionStatePausedByFailedStep)
				if msg := f.stepError(arn, id, "dns"); !strings.Contains(msg, "is not authorized to perform: route53:ListResourceRecordSets on resource: "+zoneARN) {
					t.Errorf("stepFailed error %q", msg)
				}
				healthy[primary] = true
			}
			for _, hc := range f.s.HealthChecks(arn) {
				if got := hc.Status == types.Route53HealthCheckStatusHealthy; got != healthy[hc.Region] {
					t.Errorf("%s check %s, want healthy=%v", hc.Region, hc.Status, healthy[hc.Region])
				}
			}
			_, msgs := f.evaluation(arn)
			warned := slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, "route53:ListResourceRecordSets") })
			if warned != denied {
				t.Errorf("evaluation warns of route53:ListResourceRecordSets: %v, want %v", warned, denied)
			}
		})
	}
}

// TestService_approvalRoleEvaluation: plan evaluation warns when a manual
// approval block's approval role may not approve the plan's steps (by its
// policies: Config.Approver), and not when it may.
func TestService_approvalRoleEvaluation(t *testing.T) {
	for _, denied := range []bool{false, true} {
		t.Run(map[bool]string{false: "allowed", true: "denied"}[denied], func(t *testing.T) {
			r := &fakeRole{}
			if denied {
				r.deny = []string{"arc-region-switch:ApprovePlanExecutionStep"}
			}
			f := &fixture{t: t, rds: newFakeRDS(), r53: &fakeRoute53{}, alarms: &fakeAlarms{}, out: &outages{}, appr: r.authorize,
				path: filepath.Join(t.TempDir(), "arc-region-switch.json")}
			f.start()
			t.Cleanup(f.stop)
			arn := f.createPlan(planInput("orders", approvalStep("approve"), auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover)))
			out, msgs := f.evaluation(arn)
			warned := slices.ContainsFunc(msgs, func(m string) bool {
				return strings.Contains(m, "approval role "+role+" of step approve cannot approve it") && strings.Contains(m, "ApprovePlanExecutionStep")
			})
			if warned != denied || (out.EvaluationState == types.EvaluationStatusPassed) == denied {
				t.Errorf("evaluation %s, warnings %q; want a warning about the approval role: %v", out.EvaluationState, msgs, denied)
			}
			if asked := r.askedFor(); !slices.Contains(asked, "arc-region-switch:ApprovePlanExecutionStep "+arn) {
				t.Errorf("the approval role was not asked for ApprovePlanExecutionStep on the plan: %q", asked)
			}
		})
	}
}

// evaluation returns the plan's evaluation, read in the standby Region,
// and its warnings' messages.
func (f *fixture) evaluation(plan string) (*sdk.GetPlanEvaluationStatusOutput, []string) {
	f.t.Helper()
	out, err := f.s.GetPlanEvaluationStatus(ctx, standby, &sdk.GetPlanEvaluationStatusInput{PlanArn: &plan})
	if err != nil {
		f.t.Fatal(err)
	}
	var msgs []string
	for _, w := range out.Warnings {
		msgs = append(msgs, deref(w.WarningMessage))
	}
	return out, msgs
}
