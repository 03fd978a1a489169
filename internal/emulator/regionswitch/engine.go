package regionswitch

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// runtime is a running execution's in-memory part.
type runtime struct {
	changed chan struct{}                      // closed (and replaced) when the execution changes
	steps   map[string]context.CancelCauseFunc // running leaf steps
}

// Causes a running step is stopped for.
var (
	errStepSkipped    = errors.New("step skipped")
	errStepCanceled   = errors.New("execution canceled")
	errStepUngraceful = errors.New("step switched to ungraceful")
)

// notifyLocked wakes whatever waits on the execution; callers hold s.mu.
func (s *Service) notifyLocked(id string) {
	if rt := s.runs[id]; rt != nil {
		close(rt.changed)
		rt.changed = make(chan struct{})
	}
}

// startRunnerLocked starts the goroutine that drives e, once Run has
// started; callers hold s.mu.
func (s *Service) startRunnerLocked(e *Execution) {
	if s.ctx == nil || s.runs[e.ID] != nil {
		return
	}
	s.runs[e.ID] = &runtime{changed: make(chan struct{}), steps: map[string]context.CancelCauseFunc{}}
	s.wg.Add(1)
	go s.run(s.ctx, e.ID)
}

// eventLocked appends an event; callers hold s.mu.
func (s *Service) eventLocked(e *Execution, typ types.ExecutionEventType, step *StepRun, desc, errMsg string, resources ...string) {
	if typ == "" {
		return
	}
	ev := Event{ID: strconv.Itoa(len(e.Events) + 1), Time: s.now(), Type: typ, Description: desc, Error: errMsg, Resources: resources}
	if n := len(e.Events); n > 0 {
		ev.Previous = e.Events[n-1].ID
	}
	if step != nil {
		ev.Step, ev.BlockType = step.Name, step.Type
	}
	e.Events = append(e.Events, ev)
	e.Updated = ev.Time
}

// execMoveLocked applies an execution transition; callers hold s.mu.
func (s *Service) execMoveLocked(e *Execution, in execInput, desc string) bool {
	to, ev, err := execNext(e.State, in)
	if err != nil {
		s.log.Debug("execution transition refused", "execution", e.ID, "err", err)
		return false
	}
	e.State = to
	s.eventLocked(e, ev, nil, desc, "")
	if terminal(to) {
		e.End = ptr(s.now())
	}
	return true
}

// stepMoveLocked applies a step transition; callers hold s.mu.
func (s *Service) stepMoveLocked(e *Execution, r *StepRun, in stepInput, desc, errMsg string) bool {
	to, ev, err := stepNext(r.Status, in)
	if err != nil {
		return false
	}
	now := s.now()
	switch {
	case to == types.StepStatusRunning:
		r.Start, r.End = ptr(now), nil
		r.Mode = e.Mode
		if r.Ungraceful {
			r.Mode = types.ExecutionModeUngraceful
		}
	case to != types.StepStatusPendingApproval && to != types.StepStatusNotStarted && to != r.Status:
		r.End = ptr(now)
	}
	r.Status = to
	s.eventLocked(e, ev, r, desc, errMsg)
	return true
}

// action is what the runner does next.
type action int

const (
	actWait action = iota
	actPoll        // wait one poll interval (application-health monitoring)
	actRun
	actDone
)

// run drives one execution until it ends or ctx ends.
func (s *Service) run(ctx context.Context, id string) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.runs, id)
		s.mu.Unlock()
	}()
	for ctx.Err() == nil {
		s.mu.Lock()
		e := s.st.Executions[id]
		if e == nil {
			s.mu.Unlock()
			return
		}
		events, state := len(e.Events), e.State
		act, step := s.nextLocked(ctx, e)
		changed := s.runs[id].changed
		if len(e.Events) != events || e.State != state {
			s.saveLocked()
		}
		s.mu.Unlock()
		switch act {
		case actDone:
			return
		case actRun:
			s.runTopStep(ctx, id, step)
		case actWait, actPoll:
			var tick <-chan time.Time
			if act == actPoll {
				tick = s.cfg.Clock.After(s.cfg.PollInterval)
			}
			select {
			case <-ctx.Done():
				return
			case <-changed:
			case <-tick:
			}
		}
	}
}

// nextLocked decides the runner's next move from the execution's state
// and applies the transitions that need no block to run.
func (s *Service) nextLocked(ctx context.Context, e *Execution) (action, int) {
	if terminal(e.State) {
		return actDone, 0
	}
	if e.Canceling {
		s.cancelStepsLocked(e)
		s.execMoveLocked(e, execCanceled, "Execution canceled.")
		return actDone, 0
	}
	if e.State == types.ExecutionStatePending {
		desc := "Execution started by " + e.Region + " operator request."
		if len(e.TriggeredBy) > 0 {
			desc = "Execution started by trigger alarm(s) " + joinNames(e.TriggeredBy) + "."
		}
		s.execMoveLocked(e, execStart, desc)
	}
	switch e.State {
	case types.ExecutionStatePausedByOperator, types.ExecutionStatePausedByFailedStep:
		return actWait, 0
	case types.ExecutionStateCompletedMonitoringApplicationHealth:
		return s.monitorLocked(e), 0
	}
	for i, r := range e.Steps {
		if r.Parent != "" {
			continue
		}
		switch r.Status {
		case types.StepStatusCompleted, types.StepStatusSkipped, types.StepStatusCancelled:
			continue
		case types.StepStatusFailed:
			s.execMoveLocked(e, execStepFailed, "")
			return actWait, 0
		case types.StepStatusNotStarted:
			if e.PauseRequested {
				e.PauseRequested = false
				s.execMoveLocked(e, execPaused, "Paused by operator.")
				return actWait, 0
			}
		}
		return actRun, i
	}
	return s.finishLocked(e), 0
}

// finishLocked ends an execution whose steps are all done: it monitors
// application health first when the plan has applicationHealth alarms.
func (s *Service) finishLocked(e *Execution) action {
	if len(appHealthAlarms(&e.Plan)) > 0 && s.cfg.Alarms != nil {
		s.execMoveLocked(e, execMonitor, "All steps done; monitoring the application-health alarms.")
		return s.monitorLocked(e)
	}
	s.completeLocked(e)
	return actDone
}

func (s *Service) completeLocked(e *Execution) {
	exc := slices.ContainsFunc(e.Steps, func(r *StepRun) bool { return r.Status == types.StepStatusSkipped })
	if exc {
		s.execMoveLocked(e, execCompleteExc, "Execution completed; some steps were skipped.")
	} else {
		s.execMoveLocked(e, execComplete, "Execution completed.")
	}
}

// monitorLocked completes a monitoring execution once every
// application-health alarm is OK, recording the actual recovery time
// (emulated, from the execution's start); it gives up waiting after the
// plan's RTO (60 minutes without one), emulated.
func (s *Service) monitorLocked(e *Execution) action {
	healthy := true
	for _, a := range appHealthAlarms(&e.Plan) {
		region, name, _ := parseAlarmARN(a)
		st, ok := s.cfg.Alarms.AlarmState(region, name)
		if !ok || st != cwtypes.StateValueOk {
			healthy = false
		}
	}
	limit := 60 * time.Minute
	if e.Plan.RTOMinutes != nil {
		limit = time.Duration(*e.Plan.RTOMinutes) * time.Minute
	}
	elapsed := s.now().Sub(e.Start)
	if healthy {
		e.ActualRecoveryTime = isoDuration(s.emulated(elapsed))
	}
	if healthy || elapsed >= s.cfg.Clock.Duration(limit) {
		s.completeLocked(e)
		return actDone
	}
	return actPoll
}

// emulated converts a wall-clock duration to emulated time.
func (s *Service) emulated(d time.Duration) time.Duration {
	if s.cfg.Clock.Scale <= 0 {
		return d
	}
	return time.Duration(float64(d) / s.cfg.Clock.Scale)
}

func isoDuration(d time.Duration) string {
	secs := int64(d.Round(time.Second) / time.Second)
	out := "PT"
	if h := secs / 3600; h > 0 {
		out += strconv.FormatInt(h, 10) + "H"
	}
	if m := secs % 3600 / 60; m > 0 {
		out += strconv.FormatInt(m, 10) + "M"
	}
	if sec := secs % 60; sec > 0 || out == "PT" {
		out += strconv.FormatInt(sec, 10) + "S"
	}
	return out
}

func appHealthAlarms(p *Plan) []string {
	var out []string
	for _, a := range p.AssociatedAlarms {
		if a.AlarmType == types.AlarmTypeApplicationHealth {
			out = append(out, deref(a.ResourceIdentifier))
		}
	}
	slices.Sort(out)
	return out
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

// runTopStep runs top-level step i (a Parallel step runs its children
// concurrently) and returns when it has ended or stopped.
func (s *Service) runTopStep(ctx context.Context, id string, i int) {
	s.mu.Lock()
	e := s.st.Executions[id]
	r := e.Steps[i]
	def := findStep(workflowSteps(e), r.Name)
	s.mu.Unlock()
	if def == nil {
		s.mu.Lock()
		s.stepMoveLocked(e, r, stepStart, "", "")
		s.stepMoveLocked(e, r, stepFail, "", "step definition missing")
		s.mu.Unlock()
		return
	}
	if def.Type != types.ExecutionBlockTypeParallel {
		s.runLeaf(ctx, id, r, def)
		return
	}
	s.mu.Lock()
	s.stepMoveLocked(e, r, stepStart, "", "")
	var children, open []*StepRun
	for _, c := range e.Steps {
		if c.Parent != r.Name {
			continue
		}
		children = append(children, c)
		switch c.Status {
		case types.StepStatusNotStarted, types.StepStatusRunning, types.StepStatusPendingApproval:
			open = append(open, c)
		}
	}
	s.saveLocked()
	s.mu.Unlock()
	done := make(chan struct{}, len(open))
	for _, c := range open {
		go func() {
			s.runLeaf(ctx, id, c, findStep(def.Parallel, c.Name))
			done <- struct{}{}
		}()
	}
	for range open {
		<-done
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ctx.Err() != nil {
		return
	}
	s.settleParallelLocked(e, r, children)
	s.saveLocked()
}

// settleParallelLocked gives a Parallel step the outcome of its children.
func (s *Service) settleParallelLocked(e *Execution, r *StepRun, children []*StepRun) {
	var failed, canceled, open bool
	for _, c := range children {
		switch c.Status {
		case types.StepStatusFailed:
			failed = true
		case types.StepStatusCancelled:
			canceled = true
		case types.StepStatusNotStarted, types.StepStatusRunning, types.StepStatusPendingApproval:
			open = true
		}
	}
	switch {
	case canceled:
		s.stepMoveLocked(e, r, stepCancel, "", "")
	case failed:
		s.stepMoveLocked(e, r, stepFail, "", "a step of the Parallel block failed")
	case open:
		// stopped (canceled execution) before finishing: leave running
	default:
		s.stepMoveLocked(e, r, stepSucceed, "", "")
	}
}

func findStep(steps []Step, name string) *Step {
	for i := range steps {
		if steps[i].Name == name {
			return &steps[i]
		}
		if st := findStep(steps[i].Parallel, name); st != nil {
			return st
		}
	}
	return nil
}

// workflowSteps returns the steps of the workflow e runs.
func workflowSteps(e *Execution) []Step {
	if w := pickWorkflow(&e.Plan, workflowAction(e.Action), targetOf(e)); w != nil {
		return w.Steps
	}
	return nil
}

func workflowAction(a types.ExecutionAction) types.WorkflowTargetAction {
	return types.WorkflowTargetAction(a)
}

// targetOf is the Region named by StartPlanExecution's targetRegion.
func targetOf(e *Execution) string {
	if e.Action == types.ExecutionActionDeactivate {
		return e.DeactivateRegion
	}
	return e.ActivateRegion
}

// pickWorkflow returns the workflow for action in region: one that names
// region, else one that names no Region.
func pickWorkflow(p *Plan, action types.WorkflowTargetAction, region string) *Workflow {
	var any *Workflow
	for i := range p.Workflows {
		w := &p.Workflows[i]
		if w.Action != action {
			continue
		}
		if w.Region == region {
			return w
		}
		if w.Region == "" {
			any = w
		}
	}
	return any
}

// runLeaf runs one block step until it ends, is skipped, canceled, or
// switched to ungraceful (then it runs again in ungraceful mode).
func (s *Service) runLeaf(ctx context.Context, id string, r *StepRun, def *Step) {
	for {
		stepCtx, cancel := context.WithCancelCause(ctx)
		s.mu.Lock()
		e := s.st.Executions[id]
		if r.Status == types.StepStatusNotStarted {
			s.stepMoveLocked(e, r, stepStart, "", "")
		}
		s.runs[id].steps[r.Name] = cancel
		s.saveLocked()
		s.mu.Unlock()

		err := s.runBlock(stepCtx, id, r, def)
		cause := context.Cause(stepCtx)
		cancel(nil)

		s.mu.Lock()
		delete(s.runs[id].steps, r.Name)
		if ctx.Err() != nil { // the emulator stops: resume after restart
			s.mu.Unlock()
			return
		}
		switch {
		case errors.Is(cause, errStepUngraceful):
			r.Ungraceful = true
			r.Mode = types.ExecutionModeUngraceful
			s.eventLocked(e, types.ExecutionEventTypeStepExecutionBehaviorChangedToUngraceful, r, "Step switched to ungraceful.", "")
			s.saveLocked()
			s.mu.Unlock()
			continue
		case errors.Is(cause, errStepSkipped):
			s.stepMoveLocked(e, r, stepSkip, "Skipped by operator.", "")
		case errors.Is(cause, errStepCanceled):
			s.stepMoveLocked(e, r, stepCancel, "", "")
		case err != nil:
			s.stepMoveLocked(e, r, stepFail, "", err.Error())
		case r.Status == types.StepStatusRunning:
			s.stepMoveLocked(e, r, stepSucceed, "", "")
		}
		if e.State == types.ExecutionStatePendingManualApproval && !pendingApproval(e) {
			s.execMoveLocked(e, execApproved, "")
		}
		s.saveLocked()
		s.notifyLocked(id)
		s.mu.Unlock()
		return
	}
}

// runBlock runs a step's block; nil means it succeeded.
func (s *Service) runBlock(ctx context.Context, id string, r *StepRun, def *Step) error {
	switch def.Type {
	case types.ExecutionBlockTypeAurora:
		return s.runAurora(ctx, id, r, def.Aurora)
	case types.ExecutionBlockTypeExecutionApproval:
		return s.runApproval(ctx, id, r, def.Approval)
	case types.ExecutionBlockTypeRegionSwitch:
		return s.runChild(ctx, id, r, def.ChildPlan)
	case types.ExecutionBlockTypeRoute53HealthCheck:
		return s.runRoute53(ctx, id, r, def.Route53)
	}
	return errors.New("execution block type " + string(def.Type) + " is not supported")
}

// deadline returns when a step that started at r.Start times out.
func (s *Service) deadline(r *StepRun, minutes *int32, def int32) <-chan time.Time {
	m := def
	if minutes != nil {
		m = *minutes
	}
	left := s.cfg.Clock.Duration(time.Duration(m)*time.Minute) - s.now().Sub(deref(r.Start))
	return s.cfg.Clock.Base.After(max(left, 0))
}

// wait blocks until the execution changes, one poll interval passes, the
// step times out (errTimeout) or ctx ends.
func (s *Service) wait(ctx context.Context, id string, timeout <-chan time.Time) error {
	s.mu.Lock()
	var changed chan struct{}
	if rt := s.runs[id]; rt != nil {
		changed = rt.changed
	}
	s.mu.Unlock()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timeout:
		return errTimeout
	case <-changed:
	case <-s.cfg.Clock.After(s.cfg.PollInterval):
	}
	return nil
}

var errTimeout = errors.New("timed out")

// cancelStepsLocked marks the steps that were running as canceled and
// cancels the child plan executions they started.
func (s *Service) cancelStepsLocked(e *Execution) {
	for _, r := range e.Steps {
		s.stepMoveLocked(e, r, stepCancel, "", "")
		if c := s.st.Executions[r.Child]; c != nil && !terminal(c.State) && !c.Canceling {
			s.requestCancelLocked(c, "Parent execution "+e.ID+" canceled.")
		}
	}
}

// requestCancelLocked starts canceling e: running steps stop and the
// runner ends the execution.
func (s *Service) requestCancelLocked(e *Execution, desc string) {
	s.execMoveLocked(e, execCancel, desc)
	e.Canceling = true
	if rt := s.runs[e.ID]; rt != nil {
		for _, cancel := range rt.steps {
			cancel(errStepCanceled)
		}
	}
	s.notifyLocked(e.ID)
}

func pendingApproval(e *Execution) bool {
	return slices.ContainsFunc(e.Steps, func(r *StepRun) bool { return r.Status == types.StepStatusPendingApproval })
}
