package regionswitch

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// triggerMemory is what the evaluator remembers of one trigger between
// ticks; it is persisted with the plans so a restart neither loses an
// armed trigger nor fires on a condition that already held.
type triggerMemory struct {
	Seen  bool `json:"seen"`  // evaluated at least once since the trigger was added
	Held  bool `json:"held"`  // the conditions held at the last tick
	Armed bool `json:"armed"` // the conditions became true and no execution has run for it yet
}

// triggerObservation is what one tick sees for a trigger.
type triggerObservation struct {
	Holds      bool          // every condition holds now
	Active     bool          // the plan has an execution that has not ended
	TargetDown bool          // the Region the execution would run in is out
	Now        time.Time     // wall clock
	LastStart  time.Time     // start of the plan's last automatic execution; zero if none
	MinDelay   time.Duration // minDelayMinutesBetweenExecutions, scaled
}

// decideTrigger is the trigger decision: a trigger fires on the
// transition of its conditions into holding, never for conditions that
// already held when it was added, and no sooner than MinDelay after the
// plan's last automatic execution started. A transition that cannot fire yet (delay, an
// active execution, the Region out) stays armed while the conditions keep
// holding and is dropped when they stop: a heal followed by a second
// short outage inside the delay starts nothing (region-switch.md,
// Triggers).
func decideTrigger(m triggerMemory, o triggerObservation) (triggerMemory, bool) {
	if !m.Seen {
		return triggerMemory{Seen: true, Held: o.Holds}, false
	}
	armed := o.Holds && (m.Armed || !m.Held)
	fire := armed && !o.Active && !o.TargetDown && (o.LastStart.IsZero() || o.Now.Sub(o.LastStart) >= o.MinDelay)
	if fire {
		armed = false
	}
	return triggerMemory{Seen: true, Held: o.Holds, Armed: armed}, fire
}

// triggerKey identifies a trigger within a plan across updates.
func triggerKey(t types.Trigger) string {
	var conds []string
	for _, c := range t.Conditions {
		conds = append(conds, deref(c.AssociatedAlarmName)+"="+string(c.Condition))
	}
	slices.Sort(conds)
	return string(t.Action) + " " + deref(t.TargetRegion) + " " + strings.Join(conds, ",")
}

// conditionsHold reports whether every condition of t holds, and the
// alarms that make them hold ("name (red)").
func (s *Service) conditionsHold(p *Plan, t types.Trigger) (bool, []string) {
	if s.cfg.Alarms == nil {
		return false, nil
	}
	var why []string
	for _, c := range t.Conditions {
		a, ok := p.AssociatedAlarms[deref(c.AssociatedAlarmName)]
		if !ok {
			return false, nil
		}
		region, name, ok := parseAlarmARN(deref(a.ResourceIdentifier))
		if !ok {
			return false, nil
		}
		st, ok := s.cfg.Alarms.AlarmState(region, name)
		want := cwtypes.StateValueAlarm
		if c.Condition == types.AlarmConditionGreen {
			want = cwtypes.StateValueOk
		}
		if !ok || st != want {
			return false, nil
		}
		why = append(why, fmt.Sprintf("%s (%s, %s)", deref(c.AssociatedAlarmName), deref(a.ResourceIdentifier), c.Condition))
	}
	return len(t.Conditions) > 0, why
}

// triggerAllowedLocked checks what an automatic execution needs of the
// plan's execution role: arc-region-switch:StartPlanExecution on the plan
// and cloudwatch:DescribeAlarms on the alarms of the trigger's conditions
// (region-switch.md, Triggers). Callers hold s.mu.
func (s *Service) triggerAllowedLocked(ctx context.Context, p *Plan, t types.Trigger) error {
	if err := s.authorize(ctx, p.ExecutionRole, "arc-region-switch:StartPlanExecution", p.ARN); err != nil {
		return err
	}
	for _, c := range t.Conditions {
		a := p.AssociatedAlarms[deref(c.AssociatedAlarmName)]
		if err := s.authorize(ctx, p.ExecutionRole, "cloudwatch:DescribeAlarms", deref(a.ResourceIdentifier)); err != nil {
			return err
		}
	}
	return nil
}

// evaluateTriggers runs one tick of every plan's triggers. A trigger
// whose execution role may not start the plan or read its alarms starts
// nothing (the transition is spent) and says why in the log; plan
// evaluation shows the same as a warning.
func (s *Service) evaluateTriggers(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := false
	for _, arn := range sortedPlans(s.st.Plans) {
		p := s.st.Plans[arn]
		mem := s.st.Triggers[arn]
		if mem == nil {
			mem = map[string]triggerMemory{}
			s.st.Triggers[arn] = mem
		}
		for _, t := range p.Triggers {
			key := triggerKey(t)
			holds, why := s.conditionsHold(p, t)
			runIn := deref(t.TargetRegion)
			if t.Action == types.WorkflowTargetActionDeactivate {
				runIn = otherRegion(p, runIn)
			}
			o := triggerObservation{Holds: holds, Active: s.activeExecutionLocked(arn) != nil, TargetDown: s.down(runIn),
				Now: s.now(), LastStart: s.lastTriggeredLocked(arn),
				MinDelay: s.cfg.Clock.Duration(time.Duration(deref(t.MinDelayMinutesBetweenExecutions)) * time.Minute)}
			next, fire := decideTrigger(mem[key], o)
			if next != mem[key] {
				mem[key] = next
				changed = true
			}
			if !fire {
				continue
			}
			if err := s.triggerAllowedLocked(ctx, p, t); err != nil {
				s.log.Warn("trigger cannot start an execution: the plan's execution role is not allowed",
					"plan", arn, "trigger", key, "role", p.ExecutionRole, "err", err)
				changed = true
				continue
			}
			e, err := s.startLocked(p, runIn, deref(t.TargetRegion), types.ExecutionAction(t.Action), types.ExecutionModeGraceful,
				"Started by trigger: "+strings.Join(why, " and ")+".", "", "")
			if err != nil {
				s.log.Warn("trigger could not start an execution", "plan", arn, "trigger", key, "err", err)
				continue
			}
			e.Trigger, e.TriggeredBy = key, why
			s.log.Info("trigger started an execution", "plan", arn, "execution", e.ID, "alarms", strings.Join(why, ", "))
			changed = true
		}
	}
	if changed {
		s.saveLocked()
	}
}

// lastTriggeredLocked returns when the plan's latest automatic execution
// started: minDelayMinutesBetweenExecutions is "the minimum time that must
// elapse between automatic executions of the plan" (API_Trigger), whichever
// trigger started them.
func (s *Service) lastTriggeredLocked(plan string) time.Time {
	var last time.Time
	for _, e := range s.st.Executions {
		if e.PlanARN == plan && e.Trigger != "" && e.Start.After(last) {
			last = e.Start
		}
	}
	return last
}

func otherRegion(p *Plan, region string) string {
	if p.Regions[0] == region {
		return p.Regions[1]
	}
	return p.Regions[0]
}

func sortedPlans(m map[string]*Plan) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
