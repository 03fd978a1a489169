package cloudwatch

import (
	"context"
	"encoding/base64"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// DescribeAlarms lists alarms by name, prefix, state, type, action prefix,
// or the children or parents of a composite, sorted by name, paginated.
func (s *Service) DescribeAlarms(_ context.Context, region string, in *cloudwatch.DescribeAlarmsInput) (*cloudwatch.DescribeAlarmsOutput, error) {
	if err := validateDescribe(in); err != nil {
		return nil, err
	}
	limit := int(aws.ToInt32(in.MaxRecords))
	if limit == 0 {
		limit = defaultMaxRecords
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var selected []*Alarm
	switch {
	case in.ChildrenOfAlarmName != nil:
		if p := s.st.Alarms[alarmKey(region, *in.ChildrenOfAlarmName)]; p != nil && p.Composite != nil {
			selected = s.childAlarms(p)
		}
	case in.ParentsOfAlarmName != nil:
		selected = s.parentAlarms(region, *in.ParentsOfAlarmName)
	default:
		for _, a := range s.regionAlarms(region) {
			if describeMatches(a, in) {
				selected = append(selected, a)
			}
		}
	}
	sort.Slice(selected, func(i, j int) bool { return selected[i].name() < selected[j].name() })
	out := &cloudwatch.DescribeAlarmsOutput{MetricAlarms: []types.MetricAlarm{}, CompositeAlarms: []types.CompositeAlarm{}}
	start := sort.Search(len(selected), func(i int) bool { return selected[i].name() > after })
	if after == "" {
		start = 0
	}
	end := min(start+limit, len(selected))
	for _, a := range selected[start:end] {
		if a.Metric != nil {
			out.MetricAlarms = append(out.MetricAlarms, *a.Metric)
		} else {
			out.CompositeAlarms = append(out.CompositeAlarms, *a.Composite)
		}
	}
	if end < len(selected) {
		out.NextToken = encodeToken(selected[end-1].name())
	}
	return out, nil
}

func validateDescribe(in *cloudwatch.DescribeAlarmsInput) error {
	if m := in.MaxRecords; m != nil && (*m < 1 || *m > 100) {
		return invalidf("The parameter MaxRecords must be between 1 and 100.")
	}
	if len(in.AlarmNames) > maxAlarmsPerRequest {
		return invalidf("The collection AlarmNames must not have a size greater than %d.", maxAlarmsPerRequest)
	}
	if len(in.AlarmNames) > 0 && in.AlarmNamePrefix != nil {
		return combinationf("The parameters AlarmNames and AlarmNamePrefix are mutually exclusive and you have specified both.")
	}
	if in.ChildrenOfAlarmName != nil && in.ParentsOfAlarmName != nil {
		return combinationf("The parameters ChildrenOfAlarmName and ParentsOfAlarmName are mutually exclusive and you have specified both.")
	}
	if (in.ChildrenOfAlarmName != nil || in.ParentsOfAlarmName != nil) &&
		(len(in.AlarmNames) > 0 || in.AlarmNamePrefix != nil || in.StateValue != "" || in.ActionPrefix != nil || len(in.AlarmTypes) > 0) {
		return combinationf("With ChildrenOfAlarmName or ParentsOfAlarmName, only MaxRecords and NextToken may be specified.")
	}
	if in.StateValue != "" && !slices.Contains(types.StateValue("").Values(), in.StateValue) {
		return invalidf("The value %s for parameter StateValue is invalid.", in.StateValue)
	}
	for _, t := range in.AlarmTypes {
		if !slices.Contains(types.AlarmType("").Values(), t) {
			return invalidf("The value %s for parameter AlarmTypes is invalid.", t)
		}
	}
	return nil
}

// describeMatches applies DescribeAlarms' filters; without AlarmTypes
// only metric alarms are returned, as on AWS.
func describeMatches(a *Alarm, in *cloudwatch.DescribeAlarmsInput) bool {
	types_ := in.AlarmTypes
	if len(types_) == 0 {
		types_ = []types.AlarmType{types.AlarmTypeMetricAlarm}
	}
	if !slices.Contains(types_, a.kind()) {
		return false
	}
	if len(in.AlarmNames) > 0 && !slices.Contains(in.AlarmNames, a.name()) {
		return false
	}
	if in.AlarmNamePrefix != nil && !strings.HasPrefix(a.name(), *in.AlarmNamePrefix) {
		return false
	}
	if in.StateValue != "" && a.state() != in.StateValue {
		return false
	}
	if p := in.ActionPrefix; p != nil {
		found := false
		for _, v := range []types.StateValue{types.StateValueAlarm, types.StateValueOk, types.StateValueInsufficientData} {
			for _, act := range a.actions(v) {
				found = found || strings.HasPrefix(act, *p)
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (s *Service) regionAlarms(region string) []*Alarm {
	var out []*Alarm
	for _, a := range s.st.Alarms {
		if a.Region == region {
			out = append(out, a)
		}
	}
	return out
}

// encodeToken and decodeToken make the opaque NextToken of name-sorted
// listings: the last name returned.
func encodeToken(last string) *string {
	return aws.String(base64.RawURLEncoding.EncodeToString([]byte(last)))
}

func decodeToken(tok *string) (string, error) {
	if tok == nil || *tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*tok)
	if err != nil || len(b) == 0 {
		return "", awserr.New(codeInvalidNextToken, "The service couldn't process the NextToken.")
	}
	return string(b), nil
}

// DescribeAlarmsForMetric returns the metric alarms on one metric,
// filtered by statistic, period, dimensions and unit.
func (s *Service) DescribeAlarmsForMetric(_ context.Context, region string, in *cloudwatch.DescribeAlarmsForMetricInput) (*cloudwatch.DescribeAlarmsForMetricOutput, error) {
	if in.MetricName == nil {
		return nil, missingParam("MetricName")
	}
	if in.Namespace == nil {
		return nil, missingParam("Namespace")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	want := dimsKey(sortedDims(in.Dimensions))
	out := &cloudwatch.DescribeAlarmsForMetricOutput{MetricAlarms: []types.MetricAlarm{}}
	alarms := s.regionAlarms(region)
	sort.Slice(alarms, func(i, j int) bool { return alarms[i].name() < alarms[j].name() })
	for _, a := range alarms {
		m := a.Metric
		if m == nil || aws.ToString(m.MetricName) != *in.MetricName || aws.ToString(m.Namespace) != *in.Namespace {
			continue
		}
		if (len(in.Dimensions) > 0 && dimsKey(sortedDims(m.Dimensions)) != want) ||
			(in.Statistic != "" && m.Statistic != in.Statistic) ||
			(in.ExtendedStatistic != nil && aws.ToString(m.ExtendedStatistic) != *in.ExtendedStatistic) ||
			(in.Period != nil && aws.ToInt32(m.Period) != *in.Period) || (in.Unit != "" && m.Unit != in.Unit) {
			continue
		}
		out.MetricAlarms = append(out.MetricAlarms, *m)
	}
	return out, nil
}
