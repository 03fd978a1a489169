package cloudwatch

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// maxParents is how many composites may name one alarm.
const maxParents = 150

// PutCompositeAlarm creates or replaces a composite alarm. Its children
// must exist; cycles are accepted (their members are then not evaluated).
func (s *Service) PutCompositeAlarm(_ context.Context, region string, in *cloudwatch.PutCompositeAlarmInput) (*cloudwatch.PutCompositeAlarmOutput, error) {
	if err := validateAlarmCommon(in.AlarmName, in.AlarmDescription, in.AlarmActions, in.OKActions, in.InsufficientDataActions); err != nil {
		return nil, err
	}
	if in.AlarmRule == nil {
		return nil, missingParam("AlarmRule")
	}
	r, err := parseRule(*in.AlarmRule)
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	name := *in.AlarmName
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	key := alarmKey(region, name)
	old := s.st.Alarms[key]
	if old != nil && old.Metric != nil {
		return nil, invalidf("The alarm %s already exists as a metric alarm.", name)
	}
	var absent []string
	for _, c := range children(r) {
		child := s.resolve(region, c)
		if child == nil && c != name {
			absent = append(absent, c)
			continue
		}
		if child != nil && len(s.parentAlarms(region, child.name())) >= maxParents && !s.isParent(old, child) {
			return nil, invalidf("The alarm %s is already a child of %d composite alarms, the most allowed.", child.name(), maxParents)
		}
	}
	if len(absent) > 0 {
		return nil, invalidf("Could not save the composite alarm as alarms [%s] in the alarm rule do not exist", strings.Join(absent, ", "))
	}
	if sup := in.ActionsSuppressor; sup != nil && (in.ActionsSuppressorWaitPeriod == nil || in.ActionsSuppressorExtensionPeriod == nil) {
		return nil, combinationf("ActionsSuppressorWaitPeriod and ActionsSuppressorExtensionPeriod are required with ActionsSuppressor.")
	}
	c := &types.CompositeAlarm{
		AlarmName: aws.String(name), AlarmArn: aws.String(s.alarmARN(region, name)), AlarmRule: in.AlarmRule,
		AlarmDescription: in.AlarmDescription, ActionsEnabled: aws.Bool(in.ActionsEnabled == nil || *in.ActionsEnabled),
		AlarmActions: orEmpty(in.AlarmActions), OKActions: orEmpty(in.OKActions), InsufficientDataActions: orEmpty(in.InsufficientDataActions),
		ActionsSuppressor: in.ActionsSuppressor, ActionsSuppressorWaitPeriod: in.ActionsSuppressorWaitPeriod,
		ActionsSuppressorExtensionPeriod:   in.ActionsSuppressorExtensionPeriod,
		AlarmConfigurationUpdatedTimestamp: aws.Time(now),
		StateValue:                         types.StateValueInsufficientData, StateReason: aws.String(initialReason),
		StateUpdatedTimestamp: aws.Time(now), StateTransitionedTimestamp: aws.Time(now),
	}
	a := &Alarm{Region: region, Composite: c, Tags: in.Tags}
	if old != nil {
		p := old.Composite
		c.StateValue, c.StateReason, c.StateReasonData = p.StateValue, p.StateReason, p.StateReasonData
		c.StateUpdatedTimestamp, c.StateTransitionedTimestamp = p.StateUpdatedTimestamp, p.StateTransitionedTimestamp
		a.Tags = old.Tags
		s.addHistory(a, types.HistoryItemTypeConfigurationUpdate, `Alarm "`+name+`" updated`, configData("Update", a, old), now)
	} else {
		s.addHistory(a, types.HistoryItemTypeConfigurationUpdate, `Alarm "`+name+`" created`, configData("Create", a, nil), now)
	}
	s.st.Alarms[key] = a
	s.dirty[key] = true
	s.markParents(region, name)
	if err := s.save(); err != nil {
		return nil, err
	}
	return &cloudwatch.PutCompositeAlarmOutput{}, nil
}

func (s *Service) isParent(composite, child *Alarm) bool {
	if composite == nil || composite.Composite == nil {
		return false
	}
	for _, c := range s.childAlarms(composite) {
		if c == child {
			return true
		}
	}
	return false
}

// resolve finds the alarm a rule names (a name, or an ARN of this account
// and region).
func (s *Service) resolve(region, ref string) *Alarm {
	name := ref
	if strings.HasPrefix(ref, "arn:") {
		parts := strings.SplitN(ref, ":", 7)
		if len(parts) != 7 || parts[2] != "cloudwatch" || parts[3] != region || parts[4] != s.cfg.AccountID || parts[5] != "alarm" {
			return nil
		}
		name = parts[6]
	}
	return s.st.Alarms[alarmKey(region, name)]
}

// childAlarms returns the existing alarms a composite's rule names.
func (s *Service) childAlarms(a *Alarm) []*Alarm {
	r, err := parseRule(aws.ToString(a.Composite.AlarmRule))
	if err != nil {
		return nil
	}
	var out []*Alarm
	seen := map[*Alarm]bool{}
	for _, ref := range children(r) {
		if c := s.resolve(a.Region, ref); c != nil && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// parentAlarms returns the composites whose rules name the alarm.
func (s *Service) parentAlarms(region, name string) []*Alarm {
	var out []*Alarm
	for _, a := range s.st.Alarms {
		if a.Region != region || a.Composite == nil {
			continue
		}
		for _, c := range s.childAlarms(a) {
			if c.name() == name {
				out = append(out, a)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name() < out[j].name() })
	return out
}

func (s *Service) markParents(region, name string) {
	for _, p := range s.parentAlarms(region, name) {
		s.dirty[alarmKey(region, p.name())] = true
	}
}

// inCycle reports whether the alarm is reachable from itself through
// composite rules.
func (s *Service) inCycle(key string) bool {
	start := s.st.Alarms[key]
	if start == nil || start.Composite == nil {
		return false
	}
	seen := map[*Alarm]bool{}
	stack := s.childAlarms(start)
	for len(stack) > 0 {
		a := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if a == start {
			return true
		}
		if seen[a] || a.Composite == nil {
			continue
		}
		seen[a] = true
		stack = append(stack, s.childAlarms(a)...)
	}
	return false
}

// evaluateComposites re-evaluates the composites marked dirty (new,
// changed, or a child changed state) until none is; members of a cycle
// are skipped. It reports whether any state changed. Called with s.mu
// held.
func (s *Service) evaluateComposites(now time.Time) bool {
	changed := false
	for round := 0; len(s.dirty) > 0 && round <= len(s.st.Alarms); round++ {
		keys := make([]string, 0, len(s.dirty))
		for k := range s.dirty {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		clear(s.dirty)
		for _, k := range keys {
			a := s.st.Alarms[k]
			if a == nil || a.Composite == nil || s.regionDown(a.Region) || s.inCycle(k) {
				continue
			}
			if s.evaluateComposite(a, now) {
				changed = true
			}
		}
	}
	return changed
}

func (s *Service) evaluateComposite(a *Alarm, now time.Time) bool {
	r, err := parseRule(aws.ToString(a.Composite.AlarmRule))
	if err != nil {
		return false
	}
	v := types.StateValueOk
	if r.eval(func(ref string) types.StateValue {
		if c := s.resolve(a.Region, ref); c != nil {
			return c.state()
		}
		return ""
	}) {
		v = types.StateValueAlarm
	}
	if v == a.Composite.StateValue {
		return false
	}
	reason, data := s.compositeReason(a, now)
	s.transition(a, v, reason, data, now)
	return true
}

// compositeReason names the child whose state changed last, as AWS does:
// "arn:… transitioned to ALARM at Saturday 05 December, 2026 10:01:00 UTC".
func (s *Service) compositeReason(a *Alarm, now time.Time) (string, string) {
	var last *Alarm
	var lastAt time.Time
	for _, c := range s.childAlarms(a) {
		at := aws.ToTime(stateUpdated(c))
		if last == nil || at.After(lastAt) {
			last, lastAt = c, at
		}
	}
	if last == nil {
		return "The alarm rule has no alarms (TRUE/FALSE only).", `{"triggeringAlarms":[]}`
	}
	type state struct {
		Value     types.StateValue `json:"value"`
		Timestamp string           `json:"timestamp"`
	}
	type trig struct {
		Arn   string `json:"arn"`
		State state  `json:"state"`
	}
	b, _ := json.Marshal(struct {
		TriggeringAlarms []trig `json:"triggeringAlarms"`
	}{[]trig{{Arn: last.arn(), State: state{Value: last.state(), Timestamp: lastAt.UTC().Format(awsTime)}}}})
	return last.arn() + " transitioned to " + string(last.state()) + " at " + lastAt.UTC().Format("Monday 02 January, 2006 15:04:05 UTC"), string(b)
}

func stateUpdated(a *Alarm) *time.Time {
	if a.Metric != nil {
		return a.Metric.StateTransitionedTimestamp
	}
	return a.Composite.StateTransitionedTimestamp
}
