package regionswitch

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

func TestStepNext(t *testing.T) {
	tests := []struct {
		from  types.StepStatus
		in    stepInput
		to    types.StepStatus
		event types.ExecutionEventType
		bad   bool
	}{
		{from: types.StepStatusNotStarted, in: stepStart, to: types.StepStatusRunning, event: types.ExecutionEventTypeStepStarted},
		{from: types.StepStatusRunning, in: stepStart, bad: true},
		{from: types.StepStatusRunning, in: stepAwaitApproval, to: types.StepStatusPendingApproval, event: types.ExecutionEventTypeStepPendingApproval},
		{from: types.StepStatusPendingApproval, in: stepApprove, to: types.StepStatusCompleted, event: types.ExecutionEventTypeStepSucceeded},
		{from: types.StepStatusRunning, in: stepApprove, bad: true},
		{from: types.StepStatusPendingApproval, in: stepDecline, to: types.StepStatusCancelled, event: types.ExecutionEventTypeStepCanceled},
		{from: types.StepStatusRunning, in: stepSucceed, to: types.StepStatusCompleted, event: types.ExecutionEventTypeStepSucceeded},
		{from: types.StepStatusCompleted, in: stepSucceed, bad: true},
		{from: types.StepStatusRunning, in: stepFail, to: types.StepStatusFailed, event: types.ExecutionEventTypeStepFailed},
		{from: types.StepStatusPendingApproval, in: stepFail, to: types.StepStatusFailed, event: types.ExecutionEventTypeStepFailed},
		{from: types.StepStatusNotStarted, in: stepFail, bad: true},
		{from: types.StepStatusNotStarted, in: stepSkip, to: types.StepStatusSkipped, event: types.ExecutionEventTypeStepSkipped},
		{from: types.StepStatusRunning, in: stepSkip, to: types.StepStatusSkipped, event: types.ExecutionEventTypeStepSkipped},
		{from: types.StepStatusFailed, in: stepSkip, to: types.StepStatusSkipped, event: types.ExecutionEventTypeStepSkipped},
		{from: types.StepStatusCompleted, in: stepSkip, bad: true},
		{from: types.StepStatusRunning, in: stepCancel, to: types.StepStatusCancelled, event: types.ExecutionEventTypeStepCanceled},
		{from: types.StepStatusPendingApproval, in: stepCancel, to: types.StepStatusCancelled, event: types.ExecutionEventTypeStepCanceled},
		{from: types.StepStatusNotStarted, in: stepCancel, to: types.StepStatusNotStarted},
		{from: types.StepStatusCompleted, in: stepCancel, bad: true},
		{from: types.StepStatusFailed, in: stepRetry, to: types.StepStatusNotStarted},
		{from: types.StepStatusRunning, in: stepRetry, bad: true},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"/"+tt.in.String(), func(t *testing.T) {
			to, ev, err := stepNext(tt.from, tt.in)
			if tt.bad {
				if err == nil {
					t.Fatalf("stepNext(%s, %s) = %s, want an error", tt.from, tt.in, to)
				}
				return
			}
			if err != nil || to != tt.to || ev != tt.event {
				t.Fatalf("stepNext(%s, %s) = %s, %q, %v; want %s, %q", tt.from, tt.in, to, ev, err, tt.to, tt.event)
			}
		})
	}
}

func TestExecNext(t *testing.T) {
	const (
		pending    = types.ExecutionStatePending
		inProgress = types.ExecutionStateInProgress
		approval   = types.ExecutionStatePendingManualApproval
		failedStep = types.ExecutionStatePausedByFailedStep
		paused     = types.ExecutionStatePausedByOperator
		monitoring = types.ExecutionStateCompletedMonitoringApplicationHealth
		completed  = types.ExecutionStateCompleted
		canceled   = types.ExecutionStateCancelled
	)
	tests := []struct {
		from  types.ExecutionState
		in    execInput
		to    types.ExecutionState
		event types.ExecutionEventType
		bad   bool
	}{
		{from: pending, in: execStart, to: inProgress, event: types.ExecutionEventTypeExecutionStarted},
		{from: inProgress, in: execStart, bad: true},
		{from: inProgress, in: execAwaitApproval, to: approval, event: types.ExecutionEventTypeExecutionPendingApproval},
		{from: approval, in: execApproved, to: inProgress},
		{from: inProgress, in: execStepFailed, to: failedStep, event: types.ExecutionEventTypeStepPausedByError},
		{from: inProgress, in: execPauseRequest, to: inProgress, event: types.ExecutionEventTypeExecutionPausing},
		{from: paused, in: execPauseRequest, bad: true},
		{from: inProgress, in: execPaused, to: paused, event: types.ExecutionEventTypeExecutionPaused},
		{from: paused, in: execResume, to: inProgress, event: types.ExecutionEventTypeExecutionStarted},
		{from: failedStep, in: execResume, to: inProgress, event: types.ExecutionEventTypeExecutionStarted},
		{from: inProgress, in: execResume, bad: true},
		{from: approval, in: execCancel, to: approval, event: types.ExecutionEventTypeExecutionCanceling},
		{from: paused, in: execCanceled, to: canceled, event: types.ExecutionEventTypeExecutionCanceled},
		{from: monitoring, in: execCancel, bad: true},
		{from: inProgress, in: execMonitor, to: monitoring, event: types.ExecutionEventTypeExecutionSuccessMonitoringApplicationHealth},
		{from: inProgress, in: execComplete, to: completed, event: types.ExecutionEventTypeExecutionSucceeded},
		{from: monitoring, in: execComplete, to: completed, event: types.ExecutionEventTypeExecutionSucceeded},
		{from: inProgress, in: execCompleteExc, to: types.ExecutionStateCompletedWithExceptions, event: types.ExecutionEventTypeExecutionSucceeded},
		{from: paused, in: execComplete, bad: true},
		{from: inProgress, in: execFail, to: types.ExecutionStateFailed, event: types.ExecutionEventTypeExecutionFailed},
		{from: completed, in: execCancel, bad: true},
		{from: canceled, in: execResume, bad: true},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"/"+tt.in.String(), func(t *testing.T) {
			to, ev, err := execNext(tt.from, tt.in)
			if tt.bad {
				if err == nil {
					t.Fatalf("execNext(%s, %s) = %s, want an error", tt.from, tt.in, to)
				}
				return
			}
			if err != nil || to != tt.to || ev != tt.event {
				t.Fatalf("execNext(%s, %s) = %s, %q, %v; want %s, %q", tt.from, tt.in, to, ev, err, tt.to, tt.event)
			}
		})
	}
}

func TestAuroraCallFor(t *testing.T) {
	tests := []struct {
		behavior types.GlobalAuroraDefaultBehavior
		mode     types.ExecutionMode
		want     auroraCall
	}{
		{types.GlobalAuroraDefaultBehaviorSwitchoverOnly, types.ExecutionModeGraceful, callSwitchover},
		{types.GlobalAuroraDefaultBehaviorSwitchoverOnly, types.ExecutionModeUngraceful, callFailover},
		{types.GlobalAuroraDefaultBehaviorFailover, types.ExecutionModeGraceful, callFailover},
		{types.GlobalAuroraDefaultBehaviorFailover, types.ExecutionModeUngraceful, callFailover},
	}
	for _, tt := range tests {
		if got := auroraCallFor(tt.behavior, tt.mode); got != tt.want {
			t.Errorf("auroraCallFor(%s, %s) = %s, want %s", tt.behavior, tt.mode, callName(got), callName(tt.want))
		}
	}
}

func TestDecideTrigger(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	delay := 10 * time.Minute
	seenIdle := triggerMemory{Seen: true}
	seenHeld := triggerMemory{Seen: true, Held: true}
	armed := triggerMemory{Seen: true, Held: true, Armed: true}
	tests := []struct {
		name string
		mem  triggerMemory
		obs  triggerObservation
		want triggerMemory
		fire bool
	}{
		{name: "first tick, condition already holds: nothing",
			mem: triggerMemory{}, obs: triggerObservation{Holds: true, Now: t0, MinDelay: delay}, want: seenHeld},
		{name: "first tick, condition does not hold",
			mem: triggerMemory{}, obs: triggerObservation{Now: t0, MinDelay: delay}, want: seenIdle},
		{name: "transition into the condition fires",
			mem: seenIdle, obs: triggerObservation{Holds: true, Now: t0, MinDelay: delay}, want: seenHeld, fire: true},
		{name: "condition keeps holding after firing: no second run",
			mem: seenHeld, obs: triggerObservation{Holds: true, Now: t0.Add(time.Hour), LastStart: t0, MinDelay: delay}, want: seenHeld},
		{name: "transition inside the min delay arms only",
			mem: seenIdle, obs: triggerObservation{Holds: true, Now: t0.Add(5 * time.Minute), LastStart: t0, MinDelay: delay}, want: armed},
		{name: "heal inside the min delay disarms (anti-flap)",
			mem: armed, obs: triggerObservation{Now: t0.Add(7 * time.Minute), LastStart: t0, MinDelay: delay}, want: seenIdle},
		{name: "armed trigger fires once the min delay has passed",
			mem: armed, obs: triggerObservation{Holds: true, Now: t0.Add(delay), LastStart: t0, MinDelay: delay}, want: seenHeld, fire: true},
		{name: "transition after the min delay fires",
			mem: seenIdle, obs: triggerObservation{Holds: true, Now: t0.Add(11 * time.Minute), LastStart: t0, MinDelay: delay}, want: seenHeld, fire: true},
		{name: "active execution: stays armed",
			mem: seenIdle, obs: triggerObservation{Holds: true, Active: true, Now: t0, MinDelay: delay}, want: armed},
		{name: "target Region out: stays armed",
			mem: armed, obs: triggerObservation{Holds: true, TargetDown: true, Now: t0, MinDelay: delay}, want: armed},
		{name: "zero min delay",
			mem: seenIdle, obs: triggerObservation{Holds: true, Now: t0, LastStart: t0}, want: seenHeld, fire: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fire := decideTrigger(tt.mem, tt.obs)
			if got != tt.want || fire != tt.fire {
				t.Fatalf("decideTrigger = %+v, %v; want %+v, %v", got, fire, tt.want, tt.fire)
			}
		})
	}
}

func TestIsoDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "PT0S", 90 * time.Second: "PT1M30S", 2*time.Hour + 5*time.Second: "PT2H5S", time.Hour: "PT1H"} {
		if got := isoDuration(d); got != want {
			t.Errorf("isoDuration(%s) = %s, want %s", d, got, want)
		}
	}
}
