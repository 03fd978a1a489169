package cloudwatch

import (
	"context"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// tickInterval is how often (emulated time) Run looks for alarms due;
// the shortest alarm period is 10 s.
const tickInterval = 5 * time.Second

// Run evaluates alarms until ctx ends: each metric alarm every
// min(Period, 60 s) of emulated time, composites when a child changes.
func (s *Service) Run(ctx context.Context) error {
	for {
		s.tick(s.now())
		select {
		case <-ctx.Done():
			return nil
		case <-s.cfg.Clock.After(tickInterval):
		}
	}
}

// tick evaluates the alarms due at now and the composites marked dirty.
func (s *Service) tick(now time.Time) {
	s.metrics.pruneAll(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.st.Alarms))
	for k, a := range s.st.Alarms {
		if a.Metric != nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	changed := false
	for _, k := range keys {
		a := s.st.Alarms[k]
		if s.regionDown(a.Region) || now.Before(s.nextEval[k]) {
			continue
		}
		s.nextEval[k] = now.Add(s.cfg.Clock.Duration(min(time.Duration(alarmPeriod(a.Metric))*time.Second, time.Minute)))
		out := s.evaluateMetric(a, a.Metric.StateValue, now)
		if out.Keep {
			continue
		}
		if a.Computed != out.State {
			a.Computed, changed = out.State, true
		}
		if out.State != a.Metric.StateValue {
			s.transition(a, out.State, out.Reason, out.ReasonData, now)
			changed = true
		}
	}
	if s.evaluateComposites(now) {
		changed = true
	}
	if changed {
		if err := s.save(); err != nil {
			s.log.Error("save alarm states", "err", err)
		}
	}
}

// metricSpec is the one metric a metric alarm watches.
type metricSpec struct {
	namespace, name string
	dims            []types.Dimension
	period          int32
	stat            string
	unit            types.StandardUnit
}

func specOf(m *types.MetricAlarm) metricSpec {
	for _, q := range m.Metrics {
		if (q.ReturnData == nil || *q.ReturnData) && q.MetricStat != nil && q.MetricStat.Metric != nil {
			ms := q.MetricStat
			return metricSpec{namespace: aws.ToString(ms.Metric.Namespace), name: aws.ToString(ms.Metric.MetricName),
				dims: ms.Metric.Dimensions, period: aws.ToInt32(ms.Period), stat: aws.ToString(ms.Stat), unit: ms.Unit}
		}
	}
	return metricSpec{namespace: aws.ToString(m.Namespace), name: aws.ToString(m.MetricName), dims: m.Dimensions,
		period: aws.ToInt32(m.Period), stat: statLabel(m.Statistic, m.ExtendedStatistic), unit: m.Unit}
}

func alarmPeriod(m *types.MetricAlarm) int32 {
	if p := specOf(m).period; p > 0 {
		return p
	}
	return 60
}

func configOf(m *types.MetricAlarm) evalConfig {
	n := int(aws.ToInt32(m.EvaluationPeriods))
	mm := n
	if m.DatapointsToAlarm != nil {
		mm = int(*m.DatapointsToAlarm)
	}
	treat := aws.ToString(m.TreatMissingData)
	if treat == "" {
		treat = missingMissing
	}
	return evalConfig{EvaluationPeriods: n, DatapointsToAlarm: mm, Comparison: m.ComparisonOperator,
		Threshold: aws.ToFloat64(m.Threshold), TreatMissingData: treat, Statistic: specOf(m).stat, Period: alarmPeriod(m)}
}

// evaluateMetric evaluates a metric alarm on its data at now. Called with
// s.mu held (it takes the metric lock).
func (s *Service) evaluateMetric(a *Alarm, prev types.StateValue, now time.Time) outcome {
	return evaluate(configOf(a.Metric), s.evaluationRange(a.Region, a.Metric, now), now, prev)
}

// evaluationRange returns the alarm's last evaluationRange(N) periods of
// Period×scale real time, oldest first, aligned to multiples of the
// period; the current, unfinished period counts once it has data.
func (s *Service) evaluationRange(region string, m *types.MetricAlarm, now time.Time) []sample {
	spec := specOf(m)
	p := s.cfg.Clock.Duration(time.Duration(alarmPeriod(m)) * time.Second)
	if p <= 0 {
		p = time.Millisecond
	}
	r := evaluationRange(int(aws.ToInt32(m.EvaluationPeriods)))
	cur := now.Truncate(p)
	from := cur.Add(-time.Duration(r) * p)
	ps := s.metrics.window(region, spec.namespace, spec.name, spec.dims, from, cur.Add(p))
	buckets := bucketed(ps, from, p, spec.unit)
	all := make([]sample, 0, r+1)
	for i := 0; i <= r; i++ {
		start := from.Add(time.Duration(i) * p)
		smp := sample{Start: start}
		var pts []point
		for _, ups := range buckets[start] {
			pts = append(pts, ups...)
		}
		if v, ok := aggregate(pts).stat(spec.stat); ok {
			smp.Value, smp.Present = v, true
		}
		all = append(all, smp)
	}
	if all[r].Present {
		return all[1:]
	}
	return all[:r]
}

// transition moves an alarm to state v: its state fields, a StateUpdate
// history entry, an Action entry per action of the new state when actions
// are enabled, and its parents marked for evaluation. Called with s.mu
// held.
func (s *Service) transition(a *Alarm, v types.StateValue, reason, data string, now time.Time) {
	var oldV types.StateValue
	var oldReason, oldData string
	if a.Metric != nil {
		c := *a.Metric
		oldV, oldReason, oldData = c.StateValue, aws.ToString(c.StateReason), aws.ToString(c.StateReasonData)
		c.StateValue, c.StateReason, c.StateReasonData = v, aws.String(reason), nilIfEmpty(data)
		c.StateUpdatedTimestamp, c.StateTransitionedTimestamp = aws.Time(now), aws.Time(now)
		a.Metric = &c
	} else {
		c := *a.Composite
		oldV, oldReason, oldData = c.StateValue, aws.ToString(c.StateReason), aws.ToString(c.StateReasonData)
		c.StateValue, c.StateReason, c.StateReasonData = v, aws.String(reason), nilIfEmpty(data)
		c.StateUpdatedTimestamp, c.StateTransitionedTimestamp = aws.Time(now), aws.Time(now)
		a.Composite = &c
	}
	s.log.Info("alarm state changed", "region", a.Region, "alarm", a.name(), "from", oldV, "to", v)
	s.addHistory(a, types.HistoryItemTypeStateUpdate, "Alarm updated from "+string(oldV)+" to "+string(v),
		stateUpdateData(oldV, oldReason, oldData, v, reason, data), now)
	if a.actionsEnabled() {
		for _, arn := range a.actions(v) {
			s.addHistory(a, types.HistoryItemTypeAction,
				"Action "+arn+" recorded, not executed: the globaldb emulator does not deliver alarm actions (SNS, Auto Scaling, EC2, Systems Manager and Lambda are out of scope)",
				map[string]any{"actionState": "Recorded", "stateUpdateTimestamp": now.UnixMilli(), "notificationResource": arn,
					"newState": string(v), "oldState": string(oldV)}, now)
		}
	}
	s.markParents(a.Region, a.name())
}

// MetricAlarmState is what Route 53 reads for a CLOUDWATCH_METRIC health
// check: the state the metric alarm's data gives now (SetAlarmState does
// not change it) and a snapshot of the alarm. ok is false when there is no
// metric alarm of that name in that region.
func (s *Service) MetricAlarmState(region, name string) (types.StateValue, types.MetricAlarm, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.Alarms[alarmKey(region, name)]
	if a == nil || a.Metric == nil {
		return "", types.MetricAlarm{}, false
	}
	prev := a.Computed
	if prev == "" {
		prev = types.StateValueInsufficientData
	}
	out := s.evaluateMetric(a, prev, now)
	return out.State, *a.Metric, true
}
