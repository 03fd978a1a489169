package regionswitch

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

// stepInput is what happens to a step.
type stepInput int

const (
	stepStart         stepInput = iota // the engine starts the step
	stepAwaitApproval                  // a ManualApproval step waits for its approver
	stepApprove                        // ApprovePlanExecutionStep approve
	stepDecline                        // ApprovePlanExecutionStep decline
	stepSucceed                        // the block finished
	stepFail                           // the block failed or timed out
	stepSkip                           // UpdatePlanExecutionStep skip
	stepCancel                         // the execution is canceled
	stepRetry                          // resume or switchToUngraceful after a failure
)

var stepInputNames = [...]string{"start", "awaitApproval", "approve", "decline", "succeed", "fail", "skip", "cancel", "retry"}

func (i stepInput) String() string { return stepInputNames[i] }

// stepNext is the step-state machine: the status a step in status from
// moves to on in, and the execution event AWS records for it (empty when
// none). Illegal moves return an error that says why.
func stepNext(from types.StepStatus, in stepInput) (types.StepStatus, types.ExecutionEventType, error) {
	bad := func() (types.StepStatus, types.ExecutionEventType, error) {
		return from, "", fmt.Errorf("step is %s: cannot %s it", from, in)
	}
	switch in {
	case stepStart:
		if from == types.StepStatusNotStarted {
			return types.StepStatusRunning, types.ExecutionEventTypeStepStarted, nil
		}
	case stepAwaitApproval:
		if from == types.StepStatusRunning {
			return types.StepStatusPendingApproval, types.ExecutionEventTypeStepPendingApproval, nil
		}
	case stepApprove:
		if from == types.StepStatusPendingApproval {
			return types.StepStatusCompleted, types.ExecutionEventTypeStepSucceeded, nil
		}
	case stepDecline:
		if from == types.StepStatusPendingApproval {
			return types.StepStatusCancelled, types.ExecutionEventTypeStepCanceled, nil
		}
	case stepSucceed:
		if from == types.StepStatusRunning {
			return types.StepStatusCompleted, types.ExecutionEventTypeStepSucceeded, nil
		}
	case stepFail:
		if from == types.StepStatusRunning || from == types.StepStatusPendingApproval {
			return types.StepStatusFailed, types.ExecutionEventTypeStepFailed, nil
		}
	case stepSkip:
		switch from {
		case types.StepStatusNotStarted, types.StepStatusRunning, types.StepStatusPendingApproval, types.StepStatusFailed:
			return types.StepStatusSkipped, types.ExecutionEventTypeStepSkipped, nil
		}
	case stepCancel:
		switch from {
		case types.StepStatusRunning, types.StepStatusPendingApproval:
			return types.StepStatusCancelled, types.ExecutionEventTypeStepCanceled, nil
		case types.StepStatusNotStarted, types.StepStatusFailed:
			return from, "", nil // left as they are
		}
	case stepRetry:
		if from == types.StepStatusFailed {
			return types.StepStatusNotStarted, "", nil
		}
	}
	return bad()
}

// execInput is what happens to an execution.
type execInput int

const (
	execStart         execInput = iota // the engine picks it up
	execAwaitApproval                  // a step waits for approval
	execApproved                       // no step waits for approval any more
	execStepFailed                     // a step failed
	execPauseRequest                   // UpdatePlanExecution pause
	execPaused                         // the running step ended with a pause requested
	execResume                         // UpdatePlanExecution resume (also retries a failed step)
	execCancel                         // CancelPlanExecution, or an approval declined
	execCanceled                       // the running steps have stopped
	execMonitor                        // all steps done; application-health alarms watched
	execComplete                       // all steps done
	execCompleteExc                    // all steps done, some skipped
	execFail                           // the execution cannot go on
)

var execInputNames = [...]string{"start", "awaitApproval", "approved", "stepFailed", "pauseRequest", "paused", "resume", "cancel", "canceled", "monitor", "complete", "completeWithExceptions", "fail"}

func (i execInput) String() string { return execInputNames[i] }

// terminal reports whether an execution has ended.
func terminal(s types.ExecutionState) bool {
	switch s {
	case types.ExecutionStateCompleted, types.ExecutionStateCompletedWithExceptions, types.ExecutionStateCancelled,
		types.ExecutionStatePlanExecutionTimedOut, types.ExecutionStateFailed:
		return true
	}
	return false
}

// execNext is the execution-state machine: the state an execution in
// from moves to on in, and the event AWS records (empty when none).
func execNext(from types.ExecutionState, in execInput) (types.ExecutionState, types.ExecutionEventType, error) {
	bad := func() (types.ExecutionState, types.ExecutionEventType, error) {
		return from, "", fmt.Errorf("execution is %s: cannot %s it", from, in)
	}
	if terminal(from) {
		return bad()
	}
	running := from == types.ExecutionStateInProgress || from == types.ExecutionStatePendingManualApproval
	switch in {
	case execStart:
		if from == types.ExecutionStatePending {
			return types.ExecutionStateInProgress, types.ExecutionEventTypeExecutionStarted, nil
		}
	case execAwaitApproval:
		if running {
			return types.ExecutionStatePendingManualApproval, types.ExecutionEventTypeExecutionPendingApproval, nil
		}
	case execApproved:
		if from == types.ExecutionStatePendingManualApproval {
			return types.ExecutionStateInProgress, "", nil
		}
	case execStepFailed:
		if running {
			return types.ExecutionStatePausedByFailedStep, types.ExecutionEventTypeStepPausedByError, nil
		}
	case execPauseRequest:
		if running {
			return from, types.ExecutionEventTypeExecutionPausing, nil
		}
	case execPaused:
		if running {
			return types.ExecutionStatePausedByOperator, types.ExecutionEventTypeExecutionPaused, nil
		}
	case execResume:
		if from == types.ExecutionStatePausedByOperator || from == types.ExecutionStatePausedByFailedStep {
			return types.ExecutionStateInProgress, types.ExecutionEventTypeExecutionStarted, nil
		}
	case execCancel:
		if from != types.ExecutionStateCompletedMonitoringApplicationHealth {
			return from, types.ExecutionEventTypeExecutionCanceling, nil
		}
	case execCanceled:
		return types.ExecutionStateCancelled, types.ExecutionEventTypeExecutionCanceled, nil
	case execMonitor:
		if running {
			return types.ExecutionStateCompletedMonitoringApplicationHealth, types.ExecutionEventTypeExecutionSuccessMonitoringApplicationHealth, nil
		}
	case execComplete:
		if running || from == types.ExecutionStateCompletedMonitoringApplicationHealth {
			return types.ExecutionStateCompleted, types.ExecutionEventTypeExecutionSucceeded, nil
		}
	case execCompleteExc:
		if running || from == types.ExecutionStateCompletedMonitoringApplicationHealth {
			return types.ExecutionStateCompletedWithExceptions, types.ExecutionEventTypeExecutionSucceeded, nil
		}
	case execFail:
		return types.ExecutionStateFailed, types.ExecutionEventTypeExecutionFailed, nil
	}
	return bad()
}
