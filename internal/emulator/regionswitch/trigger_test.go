package regionswitch

import (
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

const alarmName = "orders-apse1-writer-down"

var alarmARN = "arn:aws:cloudwatch:" + standby + ":" + account + ":alarm:" + alarmName

func triggeredPlan(name string, minDelay int32) *sdk.CreatePlanInput {
	in := planInput(name, auroraStep("promote", types.GlobalAuroraDefaultBehaviorFailover))
	in.AssociatedAlarms = map[string]types.AssociatedAlarm{"primary-down": {AlarmType: types.AlarmTypeTrigger, ResourceIdentifier: ptr(alarmARN)}}
	in.Triggers = []types.Trigger{{TargetRegion: ptr(standby), Action: types.WorkflowTargetActionActivate,
		MinDelayMinutesBetweenExecutions: ptr(minDelay),
		Conditions:                       []types.TriggerCondition{{AssociatedAlarmName: ptr("primary-down"), Condition: types.AlarmConditionRed}}}}
	return in
}

func (f *fixture) executions(plan string) []types.AbbreviatedExecution {
	f.t.Helper()
	out, err := f.s.ListPlanExecutions(ctx, standby, &sdk.ListPlanExecutionsInput{PlanArn: &plan})
	if err != nil {
		f.t.Fatal(err)
	}
	return out.Items
}

// tick evaluates the triggers once with the alarm in state.
func (f *fixture) tick(state cwtypes.StateValue) {
	f.alarms.set(standby, alarmName, state)
	f.s.evaluateTriggers(ctx)
}

func TestService_triggers(t *testing.T) {
	tests := []struct {
		name     string
		minDelay int32
		want     int // executions after outage, heal, second outage
	}{
		{name: "second outage inside the min delay starts nothing", minDelay: 24 * 60, want: 1},
		{name: "no min delay: the second outage runs again", minDelay: 0, want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			arn := f.createPlan(triggeredPlan("orders", tt.minDelay))
			f.tick(cwtypes.StateValueOk)
			if n := len(f.executions(arn)); n != 0 {
				t.Fatalf("%d executions before any alarm", n)
			}
			f.tick(cwtypes.StateValueAlarm)
			runs := f.executions(arn)
			if len(runs) != 1 {
				t.Fatalf("%d executions after the alarm, want 1", len(runs))
			}
			id := *runs[0].ExecutionId
			got := f.waitState(arn, id, types.ExecutionStateCompleted)
			if deref(got.ExecutionRegion) != standby || !strings.Contains(deref(got.Comment), alarmARN) {
				t.Fatalf("triggered execution: region %s, comment %q", deref(got.ExecutionRegion), deref(got.Comment))
			}
			f.s.mu.Lock()
			by := f.s.st.Executions[id].TriggeredBy
			f.s.mu.Unlock()
			if len(by) != 1 || !strings.HasPrefix(by[0], "primary-down") {
				t.Fatalf("TriggeredBy %q", by)
			}
			f.tick(cwtypes.StateValueAlarm) // still red: no new transition
			f.tick(cwtypes.StateValueOk)    // heal
			f.tick(cwtypes.StateValueAlarm) // second outage
			f.tick(cwtypes.StateValueOk)    // heals again
			if n := len(f.executions(arn)); n != tt.want {
				t.Fatalf("%d executions, want %d", n, tt.want)
			}
		})
	}
}

func TestService_triggers_conditionHeldWhenAdded(t *testing.T) {
	f := newFixture(t)
	f.alarms.set(standby, alarmName, cwtypes.StateValueAlarm)
	arn := f.createPlan(triggeredPlan("orders", 0))
	f.tick(cwtypes.StateValueAlarm)
	f.tick(cwtypes.StateValueAlarm)
	if n := len(f.executions(arn)); n != 0 {
		t.Fatalf("%d executions for a condition that held when the trigger was added", n)
	}
	f.restart()
	f.tick(cwtypes.StateValueAlarm)
	if n := len(f.executions(arn)); n != 0 {
		t.Fatalf("%d executions after a restart", n)
	}
}

func TestService_triggers_targetRegionOut(t *testing.T) {
	f := newFixture(t)
	arn := f.createPlan(triggeredPlan("orders", 0))
	f.tick(cwtypes.StateValueOk)
	f.out.set(standby, true)
	f.tick(cwtypes.StateValueAlarm)
	if n := countExecutions(f.s, arn); n != 0 {
		t.Fatalf("%d executions while the target Region is out", n)
	}
	f.out.set(standby, false)
	f.tick(cwtypes.StateValueAlarm) // still armed
	if n := len(f.executions(arn)); n != 1 {
		t.Fatalf("%d executions once the target Region is back, want 1", n)
	}
}

func countExecutions(s *Service, plan string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.st.Executions {
		if e.PlanARN == plan {
			n++
		}
	}
	return n
}
