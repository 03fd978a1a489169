package regionswitch

import (
	"context"
	"fmt"
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
	state := types.EvaluationStatusPassed
	if len(warns) > 0 {
		state = types.EvaluationStatusActionRequired
	}
	p.Evaluation = Evaluation{Time: now, Version: p.Version, State: state, Warnings: warns}
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
