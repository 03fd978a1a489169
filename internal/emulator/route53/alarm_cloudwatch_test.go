package route53

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/clock"
	cw "github.com/globaldb/globaldb/internal/emulator/cloudwatch"
)

const alarmRegion = "eu-central-1"

// withCloudWatch gives f's model the emulated CloudWatch as its Alarms
// view and returns it.
func (f *fixture) withCloudWatch(t *testing.T) *cw.Service {
	t.Helper()
	m, err := cw.New(cw.Config{AccountID: "123456789012", Clock: clock.Scaled{Base: f.clock, Scale: 1}})
	if err != nil {
		t.Fatal(err)
	}
	f.s.SetAlarms(m)
	return m
}

// canaryAlarm is a metric alarm Route 53 supports: Minimum of a custom
// canary metric, 3 periods of 60 s.
func canaryAlarm(name string, mod ...func(*cloudwatch.PutMetricAlarmInput)) *cloudwatch.PutMetricAlarmInput {
	in := &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String(name), Namespace: aws.String("Globaldb/Canary"), MetricName: aws.String("Healthy"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("Endpoint"), Value: aws.String("db.example.net")}},
		Statistic:  cwtypes.StatisticMinimum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(3), Threshold: aws.Float64(1),
		ComparisonOperator: cwtypes.ComparisonOperatorLessThanThreshold}
	for _, m := range mod {
		m(in)
	}
	return in
}

func putAlarm(t *testing.T, m *cw.Service, in *cloudwatch.PutMetricAlarmInput) {
	t.Helper()
	if _, err := m.PutMetricAlarm(ctx, alarmRegion, in); err != nil {
		t.Fatalf("PutMetricAlarm %s: %v", aws.ToString(in.AlarmName), err)
	}
}

func alarmCheck(name string) *types.HealthCheckConfig {
	return metricConfig(func(c *types.HealthCheckConfig) { c.AlarmIdentifier.Name = aws.String(name) })
}

// TestService_CreateHealthCheck_AlarmSnapshot: with CloudWatch, creating
// a CLOUDWATCH_METRIC check reads the alarm: a supported alarm is kept as
// CloudWatchAlarmConfiguration, a missing or unsupported one is
// InvalidInput.
func TestService_CreateHealthCheck_AlarmSnapshot(t *testing.T) {
	f := newFixture(t)
	m := f.withCloudWatch(t)
	putAlarm(t, m, canaryAlarm("canary"))
	putAlarm(t, m, canaryAlarm("all-of-n", func(in *cloudwatch.PutMetricAlarmInput) { in.DatapointsToAlarm = aws.Int32(3) }))
	putAlarm(t, m, canaryAlarm("m-of-n", func(in *cloudwatch.PutMetricAlarmInput) { in.DatapointsToAlarm = aws.Int32(2) }))
	putAlarm(t, m, canaryAlarm("p99", func(in *cloudwatch.PutMetricAlarmInput) { in.Statistic, in.ExtendedStatistic = "", aws.String("p99") }))
	putAlarm(t, m, canaryAlarm("high-resolution", func(in *cloudwatch.PutMetricAlarmInput) { in.Period = aws.Int32(10) }))
	putAlarm(t, m, canaryAlarm("math", func(in *cloudwatch.PutMetricAlarmInput) {
		in.Namespace, in.MetricName, in.Dimensions, in.Statistic, in.Period = nil, nil, nil, "", nil
		in.Metrics = []cwtypes.MetricDataQuery{ // the emulator evaluates no expressions; one query is enough
			{Id: aws.String("m1"), ReturnData: aws.Bool(true), MetricStat: &cwtypes.MetricStat{Period: aws.Int32(60), Stat: aws.String("Minimum"),
				Metric: &cwtypes.Metric{Namespace: aws.String("Globaldb/Canary"), MetricName: aws.String("Healthy")}}}}
	}))
	if _, err := m.PutCompositeAlarm(ctx, alarmRegion, &cloudwatch.PutCompositeAlarmInput{AlarmName: aws.String("composite"), AlarmRule: aws.String(`ALARM("canary")`)}); err != nil {
		t.Fatalf("PutCompositeAlarm: %v", err)
	}
	tests := []struct {
		alarm   string
		code    string
		message string
	}{
		{alarm: "canary"},
		{alarm: "all-of-n"},
		{alarm: "nope", code: "InvalidInput", message: "Invalid parameter : The CloudWatch metric alarm nope doesn't exist in region eu-central-1."},
		{alarm: "composite", code: "InvalidInput", message: "Invalid parameter : The CloudWatch metric alarm composite doesn't exist"},
		{alarm: "m-of-n", code: "InvalidInput", message: "Invalid parameter : The CloudWatch alarm m-of-n is not supported by Route 53 health checks: alarms that need M out of N datapoints"},
		{alarm: "p99", code: "InvalidInput", message: "Invalid parameter : The CloudWatch alarm p99 is not supported by Route 53 health checks: extended statistics"},
		{alarm: "high-resolution", code: "InvalidInput", message: "Invalid parameter : The CloudWatch alarm high-resolution is not supported by Route 53 health checks: high-resolution"},
		{alarm: "math", code: "InvalidInput", message: "Invalid parameter : The CloudWatch alarm math is not supported by Route 53 health checks: alarms on Metrics (metric math) queries"},
	}
	for _, tt := range tests {
		t.Run(tt.alarm, func(t *testing.T) {
			out, err := f.s.CreateHealthCheck(ctx, "", &sdk.CreateHealthCheckInput{CallerReference: aws.String(tt.alarm), HealthCheckConfig: alarmCheck(tt.alarm)})
			if code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			if e, ok := awserr.As(err); ok && !strings.HasPrefix(e.Message, tt.message) {
				t.Errorf("message %q, want it to start with %q", e.Message, tt.message)
			}
			if err != nil {
				return
			}
			c := out.HealthCheck.CloudWatchAlarmConfiguration
			if c == nil || aws.ToInt32(c.EvaluationPeriods) != 3 || aws.ToFloat64(c.Threshold) != 1 || c.ComparisonOperator != types.ComparisonOperatorLessThanThreshold ||
				aws.ToInt32(c.Period) != 60 || aws.ToString(c.MetricName) != "Healthy" || aws.ToString(c.Namespace) != "Globaldb/Canary" ||
				c.Statistic != types.StatisticMinimum || len(c.Dimensions) != 1 || aws.ToString(c.Dimensions[0].Name) != "Endpoint" {
				t.Errorf("CloudWatchAlarmConfiguration = %+v", c)
			}
		})
	}
}

// TestService_UpdateHealthCheck_AlarmSnapshot: the snapshot is Route 53's
// own copy: editing the alarm changes nothing until UpdateHealthCheck
// re-sends the AlarmIdentifier; it is persisted with the check.
func TestService_UpdateHealthCheck_AlarmSnapshot(t *testing.T) {
	f := newFixture(t)
	store := &memStore{}
	f.s.cfg.Store = store
	m := f.withCloudWatch(t)
	putAlarm(t, m, canaryAlarm("canary"))
	putAlarm(t, m, canaryAlarm("p99", func(in *cloudwatch.PutMetricAlarmInput) { in.Statistic, in.ExtendedStatistic = "", aws.String("p99") }))
	out, err := f.s.CreateHealthCheck(ctx, "", &sdk.CreateHealthCheckInput{CallerReference: aws.String("cw"), HealthCheckConfig: alarmCheck("canary")})
	if err != nil {
		t.Fatalf("CreateHealthCheck: %v", err)
	}
	id := out.HealthCheck.Id
	putAlarm(t, m, canaryAlarm("canary", func(in *cloudwatch.PutMetricAlarmInput) { in.Threshold = aws.Float64(2) }))
	same := &types.AlarmIdentifier{Region: alarmRegion, Name: aws.String("canary")}
	tests := []struct {
		name      string
		in        sdk.UpdateHealthCheckInput
		before    func()
		code      string
		threshold float64
	}{
		{name: "alarm edited, not re-sent", in: sdk.UpdateHealthCheckInput{Inverted: aws.Bool(true)}, threshold: 1},
		{name: "AlarmIdentifier re-sent", in: sdk.UpdateHealthCheckInput{AlarmIdentifier: same}, threshold: 2},
		{name: "unsupported alarm", in: sdk.UpdateHealthCheckInput{AlarmIdentifier: &types.AlarmIdentifier{Region: alarmRegion, Name: aws.String("p99")}}, code: "InvalidInput", threshold: 2},
		{name: "alarm deleted, re-sent", before: func() {
			if _, err := m.DeleteAlarms(ctx, alarmRegion, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"canary"}}); err != nil {
				t.Fatal(err)
			}
		}, in: sdk.UpdateHealthCheckInput{AlarmIdentifier: same}, code: "InvalidInput", threshold: 2},
		{name: "alarm deleted, not re-sent", in: sdk.UpdateHealthCheckInput{Inverted: aws.Bool(false)}, threshold: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before()
			}
			in := tt.in
			in.HealthCheckId = id
			if _, err := f.s.UpdateHealthCheck(ctx, "", &in); code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			got, _ := f.s.GetHealthCheck(ctx, "", &sdk.GetHealthCheckInput{HealthCheckId: id})
			if th := aws.ToFloat64(got.HealthCheck.CloudWatchAlarmConfiguration.Threshold); th != tt.threshold {
				t.Errorf("snapshot threshold = %v, want %v", th, tt.threshold)
			}
			if saved := store.saved.HealthChecks[*id].Alarm; saved == nil || aws.ToFloat64(saved.Threshold) != tt.threshold {
				t.Errorf("persisted snapshot = %+v, want threshold %v", saved, tt.threshold)
			}
		})
	}
}
