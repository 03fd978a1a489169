package regionswitch

import (
	"context"
	"slices"

	sdk "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

// StartPlanExecution starts running the plan's workflow for action in
// targetRegion (data plane, called in any Region of the plan; the
// execution runs there).
func (s *Service) StartPlanExecution(_ context.Context, region string, in *sdk.StartPlanExecutionInput) (*sdk.StartPlanExecutionOutput, error) {
	if err := s.dataPlane(region); err != nil {
		return nil, err
	}
	if in.TargetRegion == nil {
		return nil, invalid("1 validation error detected: Value null at 'targetRegion' failed to satisfy constraint: Member must not be null")
	}
	if !slices.Contains(types.ExecutionAction("").Values(), in.Action) {
		return nil, invalid("1 validation error detected: Value '%s' at 'action' failed to satisfy constraint: Member must satisfy enum value set: [activate, deactivate, postRecovery]", in.Action)
	}
	mode := in.Mode
	if mode == "" {
		mode = types.ExecutionModeGraceful
	}
	if !slices.Contains(types.ExecutionMode("").Values(), mode) {
		return nil, invalid("1 validation error detected: Value '%s' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [graceful, ungraceful]", mode)
	}
	if len(deref(in.Comment)) > 1024 {
		return nil, invalid("1 validation error detected: Value at 'comment' failed to satisfy constraint: Member must have length less than or equal to 1024")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planInRegionLocked(in.PlanArn, region)
	if err != nil {
		return nil, err
	}
	e, err := s.startLocked(p, region, *in.TargetRegion, in.Action, mode, deref(in.Comment), deref(in.RecoveryExecutionId), "")
	if err != nil {
		return nil, err
	}
	return &sdk.StartPlanExecutionOutput{ExecutionId: ptr(e.ID), Plan: ptr(p.ARN), PlanVersion: ptr(itoa(p.Version)),
		ActivateRegion: ptr(e.ActivateRegion), DeactivateRegion: ptr(e.DeactivateRegion)}, nil
}

// startLocked validates and records a new execution and starts its
// runner; callers hold s.mu. childOf is the parent execution for a child
// plan's execution.
func (s *Service) startLocked(p *Plan, region, target string, action types.ExecutionAction, mode types.ExecutionMode, comment, recoveryID, childOf string) (*Execution, error) {
	if !slices.Contains(p.Regions, target) {
		return nil, illegalArg("Target Region %s is not one of the plan's Regions (%s, %s).", target, p.Regions[0], p.Regions[1])
	}
	other := p.Regions[0]
	if other == target {
		other = p.Regions[1]
	}
	act, deact := target, other
	if action == types.ExecutionActionDeactivate {
		if p.RecoveryApproach == types.RecoveryApproachActivePassive {
			return nil, illegalArg("An activePassive plan has no deactivate workflows; activate the other Region instead.")
		}
		act, deact = other, target
	}
	if action == types.ExecutionActionPostRecovery {
		if recoveryID == "" {
			return nil, illegalArg("A postRecovery execution needs recoveryExecutionId, the recovery execution it follows.")
		}
		if !recoveryIDRE.MatchString(recoveryID) {
			return nil, invalid("1 validation error detected: Value '%s' at 'recoveryExecutionId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]{2}(-[a-z]+)+-[0-9]+/[0-9a-fA-F]{16}", recoveryID)
		}
		rec := s.st.Executions[recoveryID]
		if rec == nil || rec.PlanARN != p.ARN {
			return nil, errorf(errNotFound, "Execution %s of plan %s not found.", recoveryID, p.ARN)
		}
		if rec.State != types.ExecutionStateCompleted && rec.State != types.ExecutionStateCompletedWithExceptions {
			return nil, errorf(errIllegalState, "Recovery execution %s is %s; postRecovery needs a completed one.", recoveryID, rec.State)
		}
	}
	w := pickWorkflow(p, workflowAction(action), target)
	if w == nil {
		return nil, illegalArg("Plan %s has no %s workflow for %s.", p.ARN, action, target)
	}
	if a := s.activeExecutionLocked(p.ARN); a != nil {
		return nil, errorf(errIllegalState, "Plan %s already has an active execution (%s, %s).", p.ARN, a.ID, a.State)
	}
	now := s.now()
	e := &Execution{ID: region + "/" + randomHex(16), PlanARN: p.ARN, Plan: clonePlan(p), Region: region,
		Action: action, Mode: mode, ActivateRegion: act, DeactivateRegion: deact, Comment: comment,
		RecoveryExecutionID: recoveryID, State: types.ExecutionStatePending, Start: now, Updated: now, ChildOf: childOf}
	for _, st := range w.Steps {
		e.Steps = append(e.Steps, &StepRun{Name: st.Name, Type: st.Type, Status: types.StepStatusNotStarted})
		for _, c := range st.Parallel {
			e.Steps = append(e.Steps, &StepRun{Name: c.Name, Type: c.Type, Parent: st.Name, Status: types.StepStatusNotStarted})
		}
	}
	s.eventLocked(e, types.ExecutionEventTypeExecutionPending, nil, "Execution requested: "+string(action)+" "+target+" ("+string(mode)+").", "")
	s.st.Executions[e.ID] = e
	s.saveLocked()
	s.startRunnerLocked(e)
	s.log.Info("plan execution started", "plan", p.ARN, "execution", e.ID, "action", action, "target", target, "mode", mode)
	return e, nil
}

// clonePlan copies the parts of a plan an execution keeps.
func clonePlan(p *Plan) Plan {
	c := *p
	c.Tags, c.HealthChecks = nil, nil
	return c
}

// activeExecutionLocked returns the plan's execution that has not ended.
func (s *Service) activeExecutionLocked(plan string) *Execution {
	for _, e := range s.st.Executions {
		if e.PlanARN == plan && !terminal(e.State) {
			return e
		}
	}
	return nil
}

// executionLocked finds an execution of a plan visible in region.
func (s *Service) executionLocked(planARN, id *string, region string) (*Execution, error) {
	p, err := s.planInRegionLocked(planARN, region)
	if err != nil {
		return nil, err
	}
	if id == nil {
		return nil, invalid("1 validation error detected: Value null at 'executionId' failed to satisfy constraint: Member must not be null")
	}
	e := s.st.Executions[*id]
	if e == nil || e.PlanARN != p.ARN {
		return nil, errorf(errNotFound, "Execution %s of plan %s not found.", *id, p.ARN)
	}
	return e, nil
}

// GetPlanExecution returns an execution with its step states.
func (s *Service) GetPlanExecution(_ context.Context, region string, in *sdk.GetPlanExecutionInput) (*sdk.GetPlanExecutionOutput, error) {
	if err := s.dataPlane(region); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.executionLocked(in.PlanArn, in.ExecutionId, region)
	if err != nil {
		return nil, err
	}
	start, end, next, err := page(len(e.Steps), in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	states := []types.StepState{}
	for _, r := range e.Steps[start:end] {
		states = append(states, renderStep(r))
	}
	a := renderExecution(e)
	return &sdk.GetPlanExecutionOutput{PlanArn: a.PlanArn, ExecutionId: a.ExecutionId, Version: a.Version,
		UpdatedAt: a.UpdatedAt, Comment: a.Comment, StartTime: a.StartTime, EndTime: a.EndTime, Mode: e.Mode,
		ExecutionState: e.State, ExecutionAction: e.Action, ExecutionRegion: a.ExecutionRegion,
		RecoveryExecutionId: a.RecoveryExecutionId, StepStates: states, Plan: renderPlan(&e.Plan),
		ActualRecoveryTime: a.ActualRecoveryTime, NextToken: next}, nil
}

// ListPlanExecutions lists a plan's executions, newest first.
func (s *Service) ListPlanExecutions(_ context.Context, region string, in *sdk.ListPlanExecutionsInput) (*sdk.ListPlanExecutionsOutput, error) {
	if err := s.dataPlane(region); err != nil {
		return nil, err
	}
	if in.State != "" && !slices.Contains(types.ExecutionState("").Values(), in.State) {
		return nil, invalid("1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: Member must satisfy enum value set: %v", in.State, types.ExecutionState("").Values())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planInRegionLocked(in.PlanArn, region)
	if err != nil {
		return nil, err
	}
	var list []*Execution
	for _, e := range s.st.Executions {
		if e.PlanARN == p.ARN && (in.State == "" || e.State == in.State) {
			list = append(list, e)
		}
	}
	slices.SortFunc(list, func(a, b *Execution) int {
		if c := b.Start.Compare(a.Start); c != 0 {
			return c
		}
		return compareStrings(a.ID, b.ID)
	})
	start, end, next, err := page(len(list), in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	items := []types.AbbreviatedExecution{}
	for _, e := range list[start:end] {
		items = append(items, renderExecution(e))
	}
	return &sdk.ListPlanExecutionsOutput{Items: items, NextToken: next}, nil
}

// ListPlanExecutionEvents lists an execution's events, oldest first,
// optionally those of one step.
func (s *Service) ListPlanExecutionEvents(_ context.Context, region string, in *sdk.ListPlanExecutionEventsInput) (*sdk.ListPlanExecutionEventsOutput, error) {
	if err := s.dataPlane(region); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.executionLocked(in.PlanArn, in.ExecutionId, region)
	if err != nil {
		return nil, err
	}
	var evs []Event
	for _, ev := range e.Events {
		if in.Name == nil || ev.Step == *in.Name {
			evs = append(evs, ev)
		}
	}
	start, end, next, err := page(len(evs), in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	items := []types.ExecutionEvent{}
	for _, ev := range evs[start:end] {
		items = append(items, renderEvent(ev))
	}
	return &sdk.ListPlanExecutionEventsOutput{Items: items, NextToken: next}, nil
}

// CancelPlanExecution cancels an execution that has not ended.
func (s *Service) CancelPlanExecution(_ context.Context, region string, in *sdk.CancelPlanExecutionInput) (*sdk.CancelPlanExecutionOutput, error) {
	if err := s.dataPlane(region); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.executionLocked(in.PlanArn, in.ExecutionId, region)
	if err != nil {
		return nil, err
	}
	if _, _, err := execNext(e.State, execCancel); err != nil || e.Canceling {
		return nil, errorf(errIllegalState, "Execution %s is %s and cannot be canceled.", e.ID, e.State)
	}
	desc := "Canceled by operator."
	if c := deref(in.Comment); c != "" {
		desc += " " + c
	}
	s.requestCancelLocked(e, desc)
	s.saveLocked()
	return &sdk.CancelPlanExecutionOutput{}, nil
}

// UpdatePlanExecution pauses, resumes, or changes the mode of an
// execution. pause takes effect when the running step ends; resume also
// retries a failed step.
func (s *Service) UpdatePlanExecution(_ context.Context, region string, in *sdk.UpdatePlanExecutionInput) (*sdk.UpdatePlanExecutionOutput, error) {
	if err := s.dataPlane(region); err != nil {
		return nil, err
	}
	if !slices.Contains(types.UpdatePlanExecutionAction("").Values(), in.Action) {
		return nil, invalid("1 validation error detected: Value '%s' at 'action' failed to satisfy constraint: Member must satisfy enum value set: [switchToGraceful, switchToUngraceful, pause, resume]", in.Action)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.executionLocked(in.PlanArn, in.ExecutionId, region)
	if err != nil {
		return nil, err
	}
	if terminal(e.State) || e.Canceling {
		return nil, errorf(errIllegalState, "Execution %s is %s.", e.ID, e.State)
	}
	switch in.Action {
	case types.UpdatePlanExecutionActionPause:
		if _, _, err := execNext(e.State, execPauseRequest); err != nil || e.PauseRequested {
			return nil, errorf(errIllegalState, "Execution %s is %s and cannot be paused.", e.ID, e.State)
		}
		e.PauseRequested = true
		s.execMoveLocked(e, execPauseRequest, "Pause requested by operator.")
	case types.UpdatePlanExecutionActionResume:
		if !s.execMoveLocked(e, execResume, "Resumed by operator.") {
			return nil, errorf(errIllegalState, "Execution %s is %s and cannot be resumed.", e.ID, e.State)
		}
		s.retryFailedLocked(e, false)
	case types.UpdatePlanExecutionActionSwitchToUngraceful, types.UpdatePlanExecutionActionSwitchToGraceful:
		mode, ev := types.ExecutionModeUngraceful, types.ExecutionEventTypeExecutionBehaviorChangedToUngraceful
		if in.Action == types.UpdatePlanExecutionActionSwitchToGraceful {
			mode, ev = types.ExecutionModeGraceful, types.ExecutionEventTypeExecutionBehaviorChangedToGraceful
		}
		if e.Mode == mode {
			return nil, errorf(errIllegalState, "Execution %s already runs in %s mode.", e.ID, mode)
		}
		e.Mode = mode
		s.eventLocked(e, ev, nil, "Execution mode changed to "+string(mode)+" by operator.", "")
		if mode == types.ExecutionModeUngraceful {
			// Running Aurora steps go on in ungraceful mode (a role change
			// already under way is waited for, not repeated).
			for _, r := range e.Steps {
				if cancel := s.runs[e.ID].stepCancel(r.Name); cancel != nil && r.Type == types.ExecutionBlockTypeAurora {
					cancel(errStepUngraceful)
				}
			}
		}
		// Steps not yet started run in the new mode; a failed step is retried in it.
		if e.State == types.ExecutionStatePausedByFailedStep {
			s.execMoveLocked(e, execResume, "")
			s.retryFailedLocked(e, mode == types.ExecutionModeUngraceful)
		}
	}
	s.notifyLocked(e.ID)
	s.saveLocked()
	return &sdk.UpdatePlanExecutionOutput{}, nil
}

// retryFailedLocked makes failed steps (and a Parallel step holding them)
// start again.
func (s *Service) retryFailedLocked(e *Execution, ungraceful bool) {
	for _, r := range e.Steps {
		if r.Status == types.StepStatusFailed {
			s.stepMoveLocked(e, r, stepRetry, "", "")
			if ungraceful {
				r.Ungraceful = true
			}
		}
	}
}

// UpdatePlanExecutionStep skips a step or switches it to ungraceful.
func (s *Service) UpdatePlanExecutionStep(_ context.Context, region string, in *sdk.UpdatePlanExecutionStepInput) (*sdk.UpdatePlanExecutionStepOutput, error) {
	if err := s.dataPlane(region); err != nil {
		return nil, err
	}
	if in.Comment == nil {
		return nil, invalid("1 validation error detected: Value null at 'comment' failed to satisfy constraint: Member must not be null")
	}
	if !slices.Contains(types.UpdatePlanExecutionStepAction("").Values(), in.ActionToTake) {
		return nil, invalid("1 validation error detected: Value '%s' at 'actionToTake' failed to satisfy constraint: Member must satisfy enum value set: [switchToUngraceful, skip]", in.ActionToTake)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.executionLocked(in.PlanArn, in.ExecutionId, region)
	if err != nil {
		return nil, err
	}
	r := stepRun(e, deref(in.StepName))
	if r == nil {
		return nil, errorf(errNotFound, "Step %s not found in execution %s.", deref(in.StepName), e.ID)
	}
	if terminal(e.State) || e.Canceling {
		return nil, errorf(errIllegalState, "Execution %s is %s.", e.ID, e.State)
	}
	cancel := s.runs[e.ID].stepCancel(r.Name)
	switch in.ActionToTake {
	case types.UpdatePlanExecutionStepActionSkip:
		switch {
		case cancel != nil:
			cancel(errStepSkipped)
		case r.Status == types.StepStatusNotStarted || r.Status == types.StepStatusFailed:
			s.stepMoveLocked(e, r, stepSkip, "Skipped by operator. "+*in.Comment, "")
			if e.State == types.ExecutionStatePausedByFailedStep && !hasFailed(e) {
				s.execMoveLocked(e, execResume, "")
			}
		default:
			return nil, errorf(errIllegalState, "Step %s is %s and cannot be skipped.", r.Name, r.Status)
		}
	case types.UpdatePlanExecutionStepActionSwitchToUngraceful:
		switch {
		case r.Mode == types.ExecutionModeUngraceful && r.Status == types.StepStatusRunning:
			return nil, errorf(errIllegalState, "Step %s already runs in ungraceful mode.", r.Name)
		case cancel != nil:
			cancel(errStepUngraceful)
		case r.Status == types.StepStatusNotStarted:
			r.Ungraceful = true
			s.eventLocked(e, types.ExecutionEventTypeStepExecutionBehaviorChangedToUngraceful, r, *in.Comment, "")
		case r.Status == types.StepStatusFailed:
			s.stepMoveLocked(e, r, stepRetry, "", "")
			r.Ungraceful = true
			s.eventLocked(e, types.ExecutionEventTypeStepExecutionBehaviorChangedToUngraceful, r, *in.Comment, "")
			if !hasFailed(e) {
				s.execMoveLocked(e, execResume, "")
			}
		default:
			return nil, errorf(errIllegalState, "Step %s is %s and cannot be switched to ungraceful.", r.Name, r.Status)
		}
	}
	s.notifyLocked(e.ID)
	s.saveLocked()
	return &sdk.UpdatePlanExecutionStepOutput{}, nil
}

// ApprovePlanExecutionStep approves or declines a step waiting for
// approval; decline cancels the execution.
func (s *Service) ApprovePlanExecutionStep(_ context.Context, region string, in *sdk.ApprovePlanExecutionStepInput) (*sdk.ApprovePlanExecutionStepOutput, error) {
	if err := s.dataPlane(region); err != nil {
		return nil, err
	}
	if in.Approval != types.ApprovalApprove && in.Approval != types.ApprovalDecline {
		return nil, invalid("1 validation error detected: Value '%s' at 'approval' failed to satisfy constraint: Member must satisfy enum value set: [approve, decline]", in.Approval)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.executionLocked(in.PlanArn, in.ExecutionId, region)
	if err != nil {
		return nil, err
	}
	r := stepRun(e, deref(in.StepName))
	if r == nil {
		return nil, errorf(errNotFound, "Step %s not found in execution %s.", deref(in.StepName), e.ID)
	}
	if r.Status != types.StepStatusPendingApproval || e.Canceling {
		return nil, errorf(errIllegalState, "Step %s is %s, not pendingApproval.", r.Name, r.Status)
	}
	desc := deref(in.Comment)
	r.Approval = in.Approval
	if in.Approval == types.ApprovalApprove {
		s.stepMoveLocked(e, r, stepApprove, "Approved. "+desc, "")
		if !pendingApproval(e) {
			s.execMoveLocked(e, execApproved, "")
		}
	} else {
		s.stepMoveLocked(e, r, stepDecline, "Declined. "+desc, "")
		s.requestCancelLocked(e, "Approval of step "+r.Name+" declined.")
	}
	s.notifyLocked(e.ID)
	s.saveLocked()
	return &sdk.ApprovePlanExecutionStepOutput{}, nil
}

func stepRun(e *Execution, name string) *StepRun {
	for _, r := range e.Steps {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func hasFailed(e *Execution) bool {
	return slices.ContainsFunc(e.Steps, func(r *StepRun) bool { return r.Status == types.StepStatusFailed })
}

// stepCancel returns the cancel function of a running step, or nil.
func (rt *runtime) stepCancel(name string) context.CancelCauseFunc {
	if rt == nil {
		return nil
	}
	return rt.steps[name]
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func itoa(n int) string { return renderVersion(n) }
