package regionswitch

import (
	"context"
	"fmt"
	"maps"
	"slices"

	sdk "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

// evaluateLocked evaluates a plan against the resources it names, as
// Region switch does after every create or update: each Aurora block's
// global cluster exists, the listed clusters are its members and
// available, and each trigger alarm exists. Callers hold s.mu.
func (s *Service) evaluateLocked(ctx context.Context, p *Plan) {
	var warns []Warning
	now := s.now()
	add := func(w types.WorkflowTargetAction, step, res, format string, args ...any) {
		warns = append(warns, Warning{Message: fmt.Sprintf(format, args...), Workflow: w, Step: step, Resource: res, Updated: now})
	}
	for _, w := range p.Workflows {
		for _, st := range flatten(w.Steps) {
			if st.Aurora == nil || s.cfg.RDS == nil {
				continue
			}
			id := deref(st.Aurora.GlobalClusterIdentifier)
			g, err := s.describeGlobal(ctx, id, p.Regions...)
			if err != nil {
				add(w.Action, st.Name, id, "Global cluster %s cannot be read: %v", id, err)
				continue
			}
			var members []string
			for _, m := range g.GlobalClusterMembers {
				members = append(members, deref(m.DBClusterArn))
			}
			for _, arn := range st.Aurora.DatabaseClusterArns {
				if !slices.Contains(members, arn) {
					add(w.Action, st.Name, arn, "Cluster %s is not a member of global cluster %s.", arn, id)
				}
			}
			if deref(g.Status) != "available" {
				add(w.Action, st.Name, deref(g.GlobalClusterArn), "Global cluster %s is %s, not available.", id, deref(g.Status))
			}
		}
	}
	if s.cfg.Alarms != nil {
		for name, a := range p.AssociatedAlarms {
			region, alarm, _ := parseAlarmARN(deref(a.ResourceIdentifier))
			if _, ok := s.cfg.Alarms.AlarmState(region, alarm); !ok {
				add("", "", deref(a.ResourceIdentifier), "Associated alarm %s (%s) does not exist.", name, deref(a.ResourceIdentifier))
			}
		}
	}
	for _, w := range s.roleWarnings(ctx, p) {
		add(w.Workflow, w.Step, w.Resource, "%s", w.Message)
	}
	state := types.EvaluationStatusPassed
	if len(warns) > 0 {
		state = types.EvaluationStatusActionRequired
	}
	p.Evaluation = Evaluation{Time: now, Version: p.Version, State: state, Warnings: warns}
}

// roleCheck is one call the plan's execution role must be allowed.
type roleCheck struct {
	workflow         types.WorkflowTargetAction
	step             string
	action, resource string
}

// roleWarnings checks the plan's execution role against Config.Authorizer
// for what Region switch evaluates (region-switch.md, Plan evaluation):
// each Aurora block's reads and its graceful and ungraceful RDS calls on
// the global cluster and every member (either may be the target), each
// child plan's StartPlanExecution, each Route 53 health check block's
// route53:ListResourceRecordSets on its hosted zone, each manual approval
// block's approval role for arc-region-switch:ApprovePlanExecutionStep on
// the plan (Config.Approver: its policies alone), and for triggers
// arc-region-switch:StartPlanExecution on the plan and
// cloudwatch:DescribeAlarms on their alarms; application-health alarms
// need cloudwatch:DescribeAlarms and cloudwatch:DescribeAlarmHistory. One
// warning per step and distinct refusal (a role that cannot be assumed
// refuses everything alike).
func (s *Service) roleWarnings(ctx context.Context, p *Plan) []Warning {
	if s.cfg.Authorizer == nil && s.cfg.Approver == nil {
		return nil
	}
	var checks []roleCheck
	var out []Warning
	seen := map[string]bool{}
	for _, w := range p.Workflows {
		for _, st := range flatten(w.Steps) {
			switch {
			case st.Aurora != nil:
				global := s.globalClusterARN(deref(st.Aurora.GlobalClusterIdentifier))
				members := append([]string{global}, st.Aurora.DatabaseClusterArns...)
				checks = append(checks, roleCheck{w.Action, st.Name, "rds:DescribeGlobalClusters", global})
				for _, m := range st.Aurora.DatabaseClusterArns {
					checks = append(checks, roleCheck{w.Action, st.Name, "rds:DescribeDBClusters", m})
				}
				actions := []string{auroraCallFor(st.Aurora.Behavior, types.ExecutionModeGraceful).action(), callFailover.action()}
				for _, a := range slices.Compact(actions) {
					for _, res := range members {
						checks = append(checks, roleCheck{w.Action, st.Name, a, res})
					}
				}
			case st.ChildPlan != nil:
				checks = append(checks, roleCheck{w.Action, st.Name, "arc-region-switch:StartPlanExecution", deref(st.ChildPlan.Arn)})
			case st.Route53 != nil:
				checks = append(checks, roleCheck{w.Action, st.Name, "route53:ListResourceRecordSets", hostedZoneARN(deref(st.Route53.HostedZoneId))})
			case st.Approval != nil && s.cfg.Approver != nil:
				if err := s.cfg.Approver(ctx, deref(st.Approval.ApprovalRole), "arc-region-switch:ApprovePlanExecutionStep", p.ARN); err != nil {
					msg := "The approval role " + deref(st.Approval.ApprovalRole) + " of step " + st.Name + " cannot approve it: " + err.Error()
					if key := string(w.Action) + "\x00" + st.Name + "\x00" + msg; !seen[key] {
						seen[key] = true
						out = append(out, Warning{Message: msg, Workflow: w.Action, Step: st.Name, Resource: p.ARN})
					}
				}
			}
		}
	}
	if len(p.Triggers) > 0 {
		checks = append(checks, roleCheck{action: "arc-region-switch:StartPlanExecution", resource: p.ARN})
	}
	for _, name := range slices.Sorted(maps.Keys(p.AssociatedAlarms)) {
		a := p.AssociatedAlarms[name]
		checks = append(checks, roleCheck{action: "cloudwatch:DescribeAlarms", resource: deref(a.ResourceIdentifier)})
		if a.AlarmType == types.AlarmTypeApplicationHealth {
			checks = append(checks, roleCheck{action: "cloudwatch:DescribeAlarmHistory", resource: deref(a.ResourceIdentifier)})
		}
	}
	if s.cfg.Authorizer == nil {
		return out
	}
	for _, c := range checks {
		err := s.cfg.Authorizer(ctx, p.ExecutionRole, c.action, c.resource)
		if err == nil {
			continue
		}
		msg := "The plan's execution role " + p.ExecutionRole + " lacks a permission Region switch needs: " + err.Error()
		if key := string(c.workflow) + "\x00" + c.step + "\x00" + msg; !seen[key] {
			seen[key] = true
			out = append(out, Warning{Message: msg, Workflow: c.workflow, Step: c.step, Resource: c.resource})
		}
	}
	return out
}

func flatten(steps []Step) []Step {
	var out []Step
	for _, st := range steps {
		out = append(out, st)
		out = append(out, flatten(st.Parallel)...)
	}
	return out
}

// GetPlanEvaluationStatus evaluates the plan again and returns the
// result (data plane).
func (s *Service) GetPlanEvaluationStatus(ctx context.Context, region string, in *sdk.GetPlanEvaluationStatusInput) (*sdk.GetPlanEvaluationStatusOutput, error) {
	if err := s.dataPlane(region); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planInRegionLocked(in.PlanArn, region)
	if err != nil {
		return nil, err
	}
	s.evaluateLocked(ctx, p)
	ev := p.Evaluation
	start, end, next, err := page(len(ev.Warnings), in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	warnings := []types.ResourceWarning{}
	for _, w := range ev.Warnings[start:end] {
		rw := types.ResourceWarning{Version: ptr(itoa(ev.Version)), WarningMessage: ptr(w.Message),
			WarningStatus: types.ResourceWarningStatusActive, WarningUpdatedTime: ptr(w.Updated),
			ResourceArn: optional(w.Resource), StepName: optional(w.Step)}
		if w.Workflow != "" {
			rw.Workflow = &types.MinimalWorkflow{Action: types.ExecutionAction(w.Workflow)}
		}
		warnings = append(warnings, rw)
	}
	return &sdk.GetPlanEvaluationStatusOutput{PlanArn: ptr(p.ARN), EvaluationState: ev.State,
		LastEvaluatedVersion: ptr(itoa(ev.Version)), LastEvaluationTime: ptr(ev.Time), Region: ptr(region),
		Warnings: warnings, NextToken: next}, nil
}
