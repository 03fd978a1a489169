package cloudwatch

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// PutMetricAlarm limits.
const (
	maxAlarmName        = 255
	maxDescription      = 1024
	maxActions          = 5
	maxWindow           = 7 * 24 * 3600 // Period × EvaluationPeriods
	maxShortWindow      = 24 * 3600     // … when Period < 3600
	maxAlarmsPerRequest = 100
	defaultMaxRecords   = 50
)

const initialReason = "Unchecked: Initial alarm creation"

// staticOperators are the comparison operators of threshold alarms; the
// anomaly-detection ones need bands the emulator does not compute.
var staticOperators = []types.ComparisonOperator{
	types.ComparisonOperatorGreaterThanOrEqualToThreshold, types.ComparisonOperatorGreaterThanThreshold,
	types.ComparisonOperatorLessThanThreshold, types.ComparisonOperatorLessThanOrEqualToThreshold,
}

// PutMetricAlarm creates or replaces a metric alarm. A new alarm starts in
// INSUFFICIENT_DATA; a replaced one keeps its state until its next
// evaluation (which is scheduled at once).
func (s *Service) PutMetricAlarm(_ context.Context, region string, in *cloudwatch.PutMetricAlarmInput) (*cloudwatch.PutMetricAlarmOutput, error) {
	if err := validateMetricAlarm(in); err != nil {
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
	if old != nil && old.Composite != nil {
		return nil, invalidf("The alarm %s already exists as a composite alarm.", name)
	}
	m := &types.MetricAlarm{
		AlarmName: aws.String(name), AlarmArn: aws.String(s.alarmARN(region, name)),
		AlarmDescription: in.AlarmDescription, ActionsEnabled: aws.Bool(in.ActionsEnabled == nil || *in.ActionsEnabled),
		AlarmActions: orEmpty(in.AlarmActions), OKActions: orEmpty(in.OKActions), InsufficientDataActions: orEmpty(in.InsufficientDataActions),
		AlarmConfigurationUpdatedTimestamp: aws.Time(now),
		MetricName:                         in.MetricName, Namespace: in.Namespace, Statistic: in.Statistic, ExtendedStatistic: in.ExtendedStatistic,
		Dimensions: orEmpty(in.Dimensions), Period: in.Period, Unit: in.Unit,
		EvaluationPeriods: in.EvaluationPeriods, DatapointsToAlarm: in.DatapointsToAlarm, Threshold: in.Threshold,
		ComparisonOperator: in.ComparisonOperator, TreatMissingData: in.TreatMissingData,
		EvaluateLowSampleCountPercentile: in.EvaluateLowSampleCountPercentile, Metrics: in.Metrics,
		StateValue: types.StateValueInsufficientData, StateReason: aws.String(initialReason),
		StateUpdatedTimestamp: aws.Time(now), StateTransitionedTimestamp: aws.Time(now),
	}
	if len(in.Metrics) > 0 {
		m.Dimensions = nil
	}
	a := &Alarm{Region: region, Metric: m, Tags: in.Tags, Computed: types.StateValueInsufficientData}
	if old != nil {
		prev := old.Metric
		m.StateValue, m.StateReason, m.StateReasonData = prev.StateValue, prev.StateReason, prev.StateReasonData
		m.StateUpdatedTimestamp, m.StateTransitionedTimestamp = prev.StateUpdatedTimestamp, prev.StateTransitionedTimestamp
		a.Tags, a.Computed = old.Tags, old.Computed // tags apply on creation only
		s.addHistory(a, types.HistoryItemTypeConfigurationUpdate, `Alarm "`+name+`" updated`,
			configData("Update", a, old), now)
	} else {
		s.addHistory(a, types.HistoryItemTypeConfigurationUpdate, `Alarm "`+name+`" created`, configData("Create", a, nil), now)
	}
	s.st.Alarms[key] = a
	s.nextEval[key] = now
	s.markParents(region, name)
	if err := s.save(); err != nil {
		return nil, err
	}
	return &cloudwatch.PutMetricAlarmOutput{}, nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func validateMetricAlarm(in *cloudwatch.PutMetricAlarmInput) error {
	if err := validateAlarmCommon(in.AlarmName, in.AlarmDescription, in.AlarmActions, in.OKActions, in.InsufficientDataActions); err != nil {
		return err
	}
	if in.EvaluationPeriods == nil {
		return missingParam("EvaluationPeriods")
	}
	n := *in.EvaluationPeriods
	if n < 1 {
		return invalidf("The parameter EvaluationPeriods must be greater than or equal to 1.")
	}
	if in.ComparisonOperator == "" {
		return missingParam("ComparisonOperator")
	}
	if !slices.Contains(staticOperators, in.ComparisonOperator) {
		if slices.Contains(types.ComparisonOperator("").Values(), in.ComparisonOperator) {
			return invalidf("The comparison operator %s needs an anomaly detection band, which the globaldb emulator does not compute.", in.ComparisonOperator)
		}
		return invalidf("The value %s for parameter ComparisonOperator is invalid.", in.ComparisonOperator)
	}
	if in.ThresholdMetricId != nil {
		return combinationf("ThresholdMetricId is for anomaly detection alarms, which the globaldb emulator does not support.")
	}
	if in.Threshold == nil {
		return missingParam("Threshold")
	}
	period, err := alarmMetricPeriod(in)
	if err != nil {
		return err
	}
	if period != 10 && period != 20 && period != 30 && (period < 60 || period%60 != 0) {
		return invalidf("The parameter Period must be 10, 20, 30 or a multiple of 60.")
	}
	window := int64(period) * int64(n)
	if window > maxWindow {
		return invalidf("The product of Period and EvaluationPeriods (%d seconds) must not exceed %d seconds (7 days).", window, maxWindow)
	}
	if period < 3600 && window > maxShortWindow {
		return invalidf("The product of Period and EvaluationPeriods (%d seconds) must not exceed %d seconds (1 day) when Period is less than 3600 seconds.", window, maxShortWindow)
	}
	if d := in.DatapointsToAlarm; d != nil && (*d < 1 || *d > n) {
		return invalidf("DatapointsToAlarm (%d) must be between 1 and EvaluationPeriods (%d).", *d, n)
	}
	if t := in.TreatMissingData; t != nil && !slices.Contains([]string{missingMissing, missingIgnore, missingBreaching, missingNotBreaching}, *t) {
		return invalidf("The value %s for parameter TreatMissingData is invalid: it must be breaching, notBreaching, ignore or missing.", *t)
	}
	if e := in.EvaluateLowSampleCountPercentile; e != nil {
		if *e != "evaluate" && *e != "ignore" {
			return invalidf("The value %s for parameter EvaluateLowSampleCountPercentile is invalid: it must be evaluate or ignore.", *e)
		}
		if in.ExtendedStatistic == nil {
			return combinationf("EvaluateLowSampleCountPercentile is only valid with a percentile ExtendedStatistic.")
		}
	}
	if in.Unit != "" && !slices.Contains(types.StandardUnit("").Values(), in.Unit) {
		return invalidf("The value %s for parameter Unit is invalid.", in.Unit)
	}
	return nil
}

// alarmMetricPeriod checks the metric an alarm watches (a metric, or one
// MetricStat query) and returns its period.
func alarmMetricPeriod(in *cloudwatch.PutMetricAlarmInput) (int32, error) {
	if len(in.Metrics) > 0 {
		if in.MetricName != nil || in.Namespace != nil || in.Statistic != "" || in.ExtendedStatistic != nil ||
			len(in.Dimensions) > 0 || in.Period != nil || in.Unit != "" {
			return 0, combinationf("The parameters Metrics and MetricName, Namespace, Statistic, ExtendedStatistic, Dimensions, Period and Unit are mutually exclusive.")
		}
		var ret []types.MetricDataQuery
		seen := map[string]bool{}
		for i, q := range in.Metrics {
			if q.Expression != nil {
				return 0, invalidf("The globaldb emulator does not evaluate metric math: Metrics.member.%d has an Expression; alarm on one MetricStat.", i+1)
			}
			if err := validateQuery(q, i+1, seen); err != nil {
				return 0, err
			}
			if q.ReturnData == nil || *q.ReturnData {
				ret = append(ret, q)
			}
		}
		if len(ret) != 1 {
			return 0, invalidf("Exactly one element of the Metrics array must have ReturnData set to true.")
		}
		return *ret[0].MetricStat.Period, nil
	}
	if in.MetricName == nil {
		return 0, missingParam("MetricName")
	}
	if in.Namespace == nil {
		return 0, missingParam("Namespace")
	}
	if (in.Statistic == "") == (in.ExtendedStatistic == nil) {
		return 0, combinationf("Exactly one of the parameters Statistic and ExtendedStatistic must be specified.")
	}
	if in.Statistic != "" && !slices.Contains(types.Statistic("").Values(), in.Statistic) {
		return 0, invalidf("The value %s for parameter Statistic is invalid.", in.Statistic)
	}
	if e := in.ExtendedStatistic; e != nil && !percentileRe.MatchString(*e) {
		return 0, invalidf("The value %s for parameter ExtendedStatistic is not supported: the globaldb emulator computes percentiles (p0-p100) only.", *e)
	}
	if len(in.Dimensions) > maxDimensions {
		return 0, invalidf("The collection Dimensions must not have a size greater than %d.", maxDimensions)
	}
	if in.Period == nil {
		return 0, missingParam("Period")
	}
	return *in.Period, nil
}

func validateAlarmCommon(name, desc *string, actions ...[]string) error {
	if name == nil || *name == "" {
		return missingParam("AlarmName")
	}
	if len(*name) > maxAlarmName {
		return invalidf("The parameter AlarmName must be no longer than %d characters.", maxAlarmName)
	}
	if desc != nil && len(*desc) > maxDescription {
		return invalidf("The parameter AlarmDescription must be no longer than %d characters.", maxDescription)
	}
	for i, list := range actions {
		param := []string{"AlarmActions", "OKActions", "InsufficientDataActions"}[i]
		if len(list) > maxActions {
			return invalidf("The collection %s must not have a size greater than %d.", param, maxActions)
		}
		for _, arn := range list {
			if !validActionARN(arn) {
				return invalidf("Invalid arn syntax: %s", arn)
			}
		}
	}
	return nil
}

// validActionARN accepts the ARN shapes of CloudWatch actions: SNS
// topics, Auto Scaling policies, EC2 automate actions, Systems Manager,
// Lambda functions.
func validActionARN(arn string) bool {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || parts[1] == "" || parts[5] == "" {
		return false
	}
	return slices.Contains([]string{"sns", "autoscaling", "automate", "ssm", "ssm-incidents", "lambda", "swf", "aiops"}, parts[2])
}

// DeleteAlarms deletes metric and composite alarms, all or none. Unknown
// names are skipped: AWS does not fail for them (the CloudFormation
// resource team found "CloudWatch Alarm resource does not throw an
// exception if we try to delete a resource which does not exist",
// aws-cloudformation/cloudformation-cli#456). An alarm that a composite
// outside the request names, or one in a cycle of composites, cannot be
// deleted: ValidationError "Cannot delete X as there are composite
// alarm(s) depending on it." as AWS words it.
func (s *Service) DeleteAlarms(_ context.Context, region string, in *cloudwatch.DeleteAlarmsInput) (*cloudwatch.DeleteAlarmsOutput, error) {
	if len(in.AlarmNames) == 0 {
		return nil, missingParam("AlarmNames")
	}
	if len(in.AlarmNames) > maxAlarmsPerRequest {
		return nil, invalidf("The collection AlarmNames must not have a size greater than %d.", maxAlarmsPerRequest)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var blocked []string
	for _, n := range in.AlarmNames {
		key := alarmKey(region, n)
		if s.st.Alarms[key] == nil || slices.Contains(blocked, n) {
			continue
		}
		dependent := s.inCycle(key)
		for _, p := range s.parentAlarms(region, n) {
			dependent = dependent || !slices.Contains(in.AlarmNames, p.name())
		}
		if dependent {
			blocked = append(blocked, n)
		}
	}
	if len(blocked) > 0 {
		return nil, awserr.New(codeValidation, "Cannot delete %s as there are composite alarm(s) depending on %s.",
			strings.Join(blocked, ","), plural(len(blocked), "it", "them"))
	}
	for _, n := range in.AlarmNames {
		key := alarmKey(region, n)
		a := s.st.Alarms[key]
		if a == nil {
			continue
		}
		s.addHistory(a, types.HistoryItemTypeConfigurationUpdate, `Alarm "`+n+`" deleted`, configData("Delete", nil, a), now)
		delete(s.st.Alarms, key)
		delete(s.nextEval, key)
		delete(s.dirty, key)
	}
	if err := s.save(); err != nil {
		return nil, err
	}
	return &cloudwatch.DeleteAlarmsOutput{}, nil
}

// EnableAlarmActions turns the actions of the named alarms on; unknown
// names are skipped.
func (s *Service) EnableAlarmActions(_ context.Context, region string, in *cloudwatch.EnableAlarmActionsInput) (*cloudwatch.EnableAlarmActionsOutput, error) {
	if err := s.setActionsEnabled(region, in.AlarmNames, true); err != nil {
		return nil, err
	}
	return &cloudwatch.EnableAlarmActionsOutput{}, nil
}

// DisableAlarmActions turns the actions of the named alarms off.
func (s *Service) DisableAlarmActions(_ context.Context, region string, in *cloudwatch.DisableAlarmActionsInput) (*cloudwatch.DisableAlarmActionsOutput, error) {
	if err := s.setActionsEnabled(region, in.AlarmNames, false); err != nil {
		return nil, err
	}
	return &cloudwatch.DisableAlarmActionsOutput{}, nil
}

func (s *Service) setActionsEnabled(region string, names []string, on bool) error {
	if len(names) == 0 {
		return missingParam("AlarmNames")
	}
	if len(names) > maxAlarmsPerRequest {
		return invalidf("The collection AlarmNames must not have a size greater than %d.", maxAlarmsPerRequest)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		a := s.st.Alarms[alarmKey(region, n)]
		switch {
		case a == nil:
		case a.Metric != nil:
			c := *a.Metric
			c.ActionsEnabled = aws.Bool(on)
			a.Metric = &c
		default:
			c := *a.Composite
			c.ActionsEnabled = aws.Bool(on)
			a.Composite = &c
		}
	}
	return s.save()
}

// SetAlarmState forces an alarm's state: a metric alarm returns to the
// state its data gives at its next evaluation; a composite keeps it until
// one of its children changes state.
func (s *Service) SetAlarmState(_ context.Context, region string, in *cloudwatch.SetAlarmStateInput) (*cloudwatch.SetAlarmStateOutput, error) {
	if in.AlarmName == nil {
		return nil, missingParam("AlarmName")
	}
	if in.StateValue == "" {
		return nil, missingParam("StateValue")
	}
	if in.StateReason == nil {
		return nil, missingParam("StateReason")
	}
	if !slices.Contains(types.StateValue("").Values(), in.StateValue) {
		return nil, invalidf("The value %s for parameter StateValue is invalid.", in.StateValue)
	}
	if len(*in.StateReason) > 1023 {
		return nil, invalidf("The parameter StateReason must be no longer than 1023 characters.")
	}
	if d := in.StateReasonData; d != nil && !json.Valid([]byte(*d)) {
		return nil, awserr.New(codeInvalidFormat, "Data was not syntactically valid JSON")
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.Alarms[alarmKey(region, *in.AlarmName)]
	if a == nil {
		return nil, awserr.New(codeNotFound, "Alarm %s does not exist.", *in.AlarmName)
	}
	data := aws.ToString(in.StateReasonData)
	if a.state() == in.StateValue {
		s.setReason(a, *in.StateReason, data, now)
	} else {
		s.transition(a, in.StateValue, *in.StateReason, data, now)
	}
	if err := s.save(); err != nil {
		return nil, err
	}
	return &cloudwatch.SetAlarmStateOutput{}, nil
}

// setReason updates the reason of an alarm whose state does not change.
func (s *Service) setReason(a *Alarm, reason, data string, now time.Time) {
	if a.Metric != nil {
		c := *a.Metric
		c.StateReason, c.StateReasonData, c.StateUpdatedTimestamp = aws.String(reason), nilIfEmpty(data), aws.Time(now)
		a.Metric = &c
		return
	}
	c := *a.Composite
	c.StateReason, c.StateReasonData, c.StateUpdatedTimestamp = aws.String(reason), nilIfEmpty(data), aws.Time(now)
	a.Composite = &c
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
