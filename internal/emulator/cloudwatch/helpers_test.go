package cloudwatch

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/clock"
)

const region = "us-east-1"

var ctx = context.Background()

// fakeClock is set by the test; After never fires (tests call tick).
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) After(time.Duration) <-chan time.Time { return nil }

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	s     *Service
	clock *fakeClock
	down  map[string]bool
}

// newFixture returns a model at 2026-12-05 10:00:30 UTC with time scale 1.
func newFixture(t *testing.T, store Store) *fixture {
	t.Helper()
	f := &fixture{clock: &fakeClock{t: t0.Add(30 * time.Second)}, down: map[string]bool{}}
	s, err := New(Config{AccountID: "123456789012", Clock: clock.Scaled{Base: f.clock, Scale: 1}, Store: store,
		RegionDown: func(r string) bool { return f.down[r] }})
	if err != nil {
		t.Fatal(err)
	}
	f.s = s
	return f
}

func (f *fixture) put(t *testing.T, ns, name string, v float64, dims ...types.Dimension) {
	t.Helper()
	_, err := f.s.PutMetricData(ctx, region, &cloudwatch.PutMetricDataInput{Namespace: aws.String(ns),
		MetricData: []types.MetricDatum{{MetricName: aws.String(name), Value: aws.Float64(v), Dimensions: dims}}})
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) alarm(t *testing.T, name string) *types.MetricAlarm {
	t.Helper()
	out, err := f.s.DescribeAlarms(ctx, region, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{name}})
	if err != nil || len(out.MetricAlarms) != 1 {
		t.Fatalf("describe %s: %v %v", name, out, err)
	}
	return &out.MetricAlarms[0]
}

func (f *fixture) composite(t *testing.T, name string) *types.CompositeAlarm {
	t.Helper()
	out, err := f.s.DescribeAlarms(ctx, region, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{name},
		AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}})
	if err != nil || len(out.CompositeAlarms) != 1 {
		t.Fatalf("describe %s: %v %v", name, out, err)
	}
	return &out.CompositeAlarms[0]
}

func (f *fixture) history(t *testing.T, name string, typ types.HistoryItemType) []types.AlarmHistoryItem {
	t.Helper()
	out, err := f.s.DescribeAlarmHistory(ctx, region, &cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String(name),
		HistoryItemType: typ, ScanBy: types.ScanByTimestampAscending,
		AlarmTypes: []types.AlarmType{types.AlarmTypeMetricAlarm, types.AlarmTypeCompositeAlarm}})
	if err != nil {
		t.Fatal(err)
	}
	return out.AlarmHistoryItems
}

// tick advances the clock by d and runs one evaluator tick.
func (f *fixture) tick(d time.Duration) {
	f.clock.advance(d)
	f.s.tick(f.clock.Now())
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *awserr.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

func cpuAlarm(name string) *cloudwatch.PutMetricAlarmInput {
	return &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(name), Namespace: aws.String("App"), MetricName: aws.String("Errors"),
		Statistic: types.StatisticMaximum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1),
		Threshold: aws.Float64(3), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold,
		AlarmActions: []string{"arn:aws:sns:us-east-1:123456789012:page"},
		OKActions:    []string{"arn:aws:sns:us-east-1:123456789012:relax"},
	}
}
