package cloudwatch

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/clock"
)

func TestService_PutMetricAlarm_Validation(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name string
		mod  func(*cloudwatch.PutMetricAlarmInput)
		code string
	}{
		{name: "valid", mod: func(*cloudwatch.PutMetricAlarmInput) {}},
		{name: "period 10", mod: func(in *cloudwatch.PutMetricAlarmInput) { in.Period = aws.Int32(10) }},
		{name: "period 45", mod: func(in *cloudwatch.PutMetricAlarmInput) { in.Period = aws.Int32(45) }, code: codeInvalidParameter},
		{name: "period 90", mod: func(in *cloudwatch.PutMetricAlarmInput) { in.Period = aws.Int32(90) }, code: codeInvalidParameter},
		{name: "more than a day of short periods", mod: func(in *cloudwatch.PutMetricAlarmInput) { in.EvaluationPeriods = aws.Int32(1441) }, code: codeInvalidParameter},
		{name: "a week of hours", mod: func(in *cloudwatch.PutMetricAlarmInput) {
			in.Period = aws.Int32(3600)
			in.EvaluationPeriods = aws.Int32(168)
		}},
		{name: "more than a week", mod: func(in *cloudwatch.PutMetricAlarmInput) {
			in.Period = aws.Int32(3600)
			in.EvaluationPeriods = aws.Int32(169)
		}, code: codeInvalidParameter},
		{name: "datapoints above evaluation periods", mod: func(in *cloudwatch.PutMetricAlarmInput) { in.DatapointsToAlarm = aws.Int32(2) }, code: codeInvalidParameter},
		{name: "no evaluation periods", mod: func(in *cloudwatch.PutMetricAlarmInput) { in.EvaluationPeriods = nil }, code: codeMissing},
		{name: "statistic and extended statistic", mod: func(in *cloudwatch.PutMetricAlarmInput) { in.ExtendedStatistic = aws.String("p99") }, code: codeCombination},
		{name: "neither statistic", mod: func(in *cloudwatch.PutMetricAlarmInput) { in.Statistic = "" }, code: codeCombination},
		{name: "percentile", mod: func(in *cloudwatch.PutMetricAlarmInput) {
			in.Statistic = ""
			in.ExtendedStatistic = aws.String("p99.9")
		}},
		{name: "bad operator", mod: func(in *cloudwatch.PutMetricAlarmInput) { in.ComparisonOperator = "Above" }, code: codeInvalidParameter},
		{name: "anomaly operator", mod: func(in *cloudwatch.PutMetricAlarmInput) {
			in.ComparisonOperator = types.ComparisonOperatorLessThanLowerOrGreaterThanUpperThreshold
		}, code: codeInvalidParameter},
		{name: "bad treat missing data", mod: func(in *cloudwatch.PutMetricAlarmInput) { in.TreatMissingData = aws.String("Breaching") }, code: codeInvalidParameter},
		{name: "no threshold", mod: func(in *cloudwatch.PutMetricAlarmInput) { in.Threshold = nil }, code: codeMissing},
		{name: "bad action", mod: func(in *cloudwatch.PutMetricAlarmInput) { in.AlarmActions = []string{"page-me"} }, code: codeInvalidParameter},
		{name: "six actions", mod: func(in *cloudwatch.PutMetricAlarmInput) {
			in.AlarmActions = strings.Split(strings.Repeat("arn:aws:sns:us-east-1:1:t,", 6)[:6*len("arn:aws:sns:us-east-1:1:t,")-1], ",")
		}, code: codeInvalidParameter},
		{name: "metric math", mod: func(in *cloudwatch.PutMetricAlarmInput) {
			in.MetricName, in.Namespace, in.Statistic, in.Period = nil, nil, "", nil
			in.Metrics = []types.MetricDataQuery{{Id: aws.String("e"), Expression: aws.String("m*2")}}
		}, code: codeInvalidParameter},
		{name: "one MetricStat", mod: func(in *cloudwatch.PutMetricAlarmInput) {
			in.MetricName, in.Namespace, in.Statistic, in.Period = nil, nil, "", nil
			in.Metrics = []types.MetricDataQuery{{Id: aws.String("m"), MetricStat: &types.MetricStat{
				Metric: &types.Metric{Namespace: aws.String("App"), MetricName: aws.String("Errors")}, Period: aws.Int32(60), Stat: aws.String("Sum")}}}
		}},
		{name: "metrics with a metric name", mod: func(in *cloudwatch.PutMetricAlarmInput) {
			in.Metrics = []types.MetricDataQuery{{Id: aws.String("m")}}
		}, code: codeCombination},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := cpuAlarm(fmt.Sprint("v", i))
			tt.mod(in)
			_, err := f.s.PutMetricAlarm(ctx, region, in)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tt.code)
		})
	}
}

// TestService_AlarmLifecycle drives one alarm INSUFFICIENT_DATA → ALARM →
// OK, forces it with SetAlarmState and sees it return at the next
// evaluation, with AWS's history entries.
func TestService_AlarmLifecycle(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.s.PutMetricAlarm(ctx, region, cpuAlarm("high")); err != nil {
		t.Fatal(err)
	}
	a := f.alarm(t, "high")
	if a.StateValue != types.StateValueInsufficientData || *a.StateReason != "Unchecked: Initial alarm creation" ||
		*a.AlarmArn != "arn:aws:cloudwatch:us-east-1:123456789012:alarm:high" || !*a.ActionsEnabled {
		t.Fatalf("new alarm = %s %q %s", a.StateValue, *a.StateReason, *a.AlarmArn)
	}
	f.tick(0)
	if a := f.alarm(t, "high"); a.StateValue != types.StateValueInsufficientData {
		t.Fatalf("without data: %s", a.StateValue)
	}
	f.put(t, "App", "Errors", 5) // 10:00:30
	f.tick(time.Minute)          // the next evaluation, 10:01:30
	a = f.alarm(t, "high")
	want := "Threshold Crossed: 1 out of the last 1 datapoints [5.0 (05/12/26 10:00:00)] was greater than the threshold (3.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition)."
	if a.StateValue != types.StateValueAlarm || *a.StateReason != want {
		t.Fatalf("after 5.0: %s %q", a.StateValue, *a.StateReason)
	}
	if !json.Valid([]byte(*a.StateReasonData)) {
		t.Errorf("StateReasonData = %s", *a.StateReasonData)
	}
	f.clock.advance(69 * time.Second) // 10:02:39, past the next evaluation (10:02:30)
	f.put(t, "App", "Errors", 1)
	f.tick(0)
	if a := f.alarm(t, "high"); a.StateValue != types.StateValueOk {
		t.Fatalf("after 1.0: %s %q", a.StateValue, *a.StateReason)
	}
	if _, err := f.s.SetAlarmState(ctx, region, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("high"),
		StateValue: types.StateValueAlarm, StateReason: aws.String("testing")}); err != nil {
		t.Fatal(err)
	}
	if st, _, ok := f.s.MetricAlarmState(region, "high"); !ok || st != types.StateValueOk {
		t.Errorf("MetricAlarmState after SetAlarmState = %s %v, want OK (the data)", st, ok)
	}
	f.tick(10 * time.Second)
	if a := f.alarm(t, "high"); a.StateValue != types.StateValueAlarm || *a.StateReason != "testing" {
		t.Errorf("before the next evaluation: %s %q", a.StateValue, *a.StateReason)
	}
	f.tick(time.Minute)
	if a := f.alarm(t, "high"); a.StateValue != types.StateValueOk {
		t.Errorf("after the next evaluation: %s %q", a.StateValue, *a.StateReason)
	}
	var got []string
	for _, h := range f.history(t, "high", "") {
		got = append(got, string(h.HistoryItemType)+": "+strings.SplitN(*h.HistorySummary, ",", 2)[0])
	}
	wantHist := []string{
		`ConfigurationUpdate: Alarm "high" created`,
		"StateUpdate: Alarm updated from INSUFFICIENT_DATA to ALARM",
		"Action: Action arn:aws:sns:us-east-1:123456789012:page recorded",
		"StateUpdate: Alarm updated from ALARM to OK",
		"Action: Action arn:aws:sns:us-east-1:123456789012:relax recorded",
		"StateUpdate: Alarm updated from OK to ALARM",
		"Action: Action arn:aws:sns:us-east-1:123456789012:page recorded",
		"StateUpdate: Alarm updated from ALARM to OK",
		"Action: Action arn:aws:sns:us-east-1:123456789012:relax recorded",
	}
	if strings.Join(got, "\n") != strings.Join(wantHist, "\n") {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantHist, "\n"))
	}
	var data struct {
		Version  string `json:"version"`
		OldState struct {
			StateValue string `json:"stateValue"`
		} `json:"oldState"`
		NewState struct {
			StateValue      string          `json:"stateValue"`
			StateReason     string          `json:"stateReason"`
			StateReasonData json.RawMessage `json:"stateReasonData"`
		} `json:"newState"`
	}
	su := f.history(t, "high", types.HistoryItemTypeStateUpdate)[0]
	if err := json.Unmarshal([]byte(*su.HistoryData), &data); err != nil || data.Version != "1.0" ||
		data.OldState.StateValue != "INSUFFICIENT_DATA" || data.NewState.StateValue != "ALARM" || data.NewState.StateReason != want ||
		len(data.NewState.StateReasonData) == 0 {
		t.Errorf("StateUpdate HistoryData = %s (%v)", *su.HistoryData, err)
	}
}

func TestService_DisableAlarmActions(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.s.PutMetricAlarm(ctx, region, cpuAlarm("quiet")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.DisableAlarmActions(ctx, region, &cloudwatch.DisableAlarmActionsInput{AlarmNames: []string{"quiet", "absent"}}); err != nil {
		t.Fatal(err)
	}
	f.put(t, "App", "Errors", 9)
	f.tick(time.Second)
	if a := f.alarm(t, "quiet"); a.StateValue != types.StateValueAlarm || *a.ActionsEnabled {
		t.Fatalf("alarm = %s, actions enabled %v", a.StateValue, *a.ActionsEnabled)
	}
	if h := f.history(t, "quiet", types.HistoryItemTypeAction); len(h) != 0 {
		t.Errorf("actions recorded while disabled: %v", h)
	}
	if _, err := f.s.EnableAlarmActions(ctx, region, &cloudwatch.EnableAlarmActionsInput{AlarmNames: []string{"quiet"}}); err != nil {
		t.Fatal(err)
	}
	if a := f.alarm(t, "quiet"); !*a.ActionsEnabled {
		t.Error("actions still disabled")
	}
}

// TestService_TreatMissingData evaluates alarms with no data at all.
func TestService_TreatMissingData(t *testing.T) {
	tests := []struct {
		treat string
		want  types.StateValue
	}{
		{missingMissing, types.StateValueInsufficientData},
		{missingIgnore, types.StateValueInsufficientData},
		{missingBreaching, types.StateValueAlarm},
		{missingNotBreaching, types.StateValueOk},
	}
	for _, tt := range tests {
		t.Run(tt.treat, func(t *testing.T) {
			f := newFixture(t, nil)
			in := cpuAlarm("canary")
			in.TreatMissingData, in.EvaluationPeriods = aws.String(tt.treat), aws.Int32(3)
			if _, err := f.s.PutMetricAlarm(ctx, region, in); err != nil {
				t.Fatal(err)
			}
			f.tick(time.Second)
			if a := f.alarm(t, "canary"); a.StateValue != tt.want {
				t.Errorf("state = %s (%s), want %s", a.StateValue, *a.StateReason, tt.want)
			}
		})
	}
}

// TestService_TimeScale checks that an alarm's periods are emulated time:
// at scale 0.01 a 60 s period spans 0.6 s, and data stops counting after
// the evaluation range (3 periods for N=1).
func TestService_TimeScale(t *testing.T) {
	c := &fakeClock{t: t0}
	s, err := New(Config{Clock: clock.Scaled{Base: c, Scale: 0.01}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutMetricAlarm(ctx, region, cpuAlarm("fast")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutMetricData(ctx, region, &cloudwatch.PutMetricDataInput{Namespace: aws.String("App"),
		MetricData: []types.MetricDatum{{MetricName: aws.String("Errors"), Value: aws.Float64(7)}}}); err != nil {
		t.Fatal(err)
	}
	state := func() types.StateValue {
		out, _ := s.DescribeAlarms(ctx, region, &cloudwatch.DescribeAlarmsInput{})
		return out.MetricAlarms[0].StateValue
	}
	c.advance(100 * time.Millisecond)
	s.tick(c.Now())
	if st := state(); st != types.StateValueAlarm {
		t.Fatalf("state = %s, want ALARM", st)
	}
	c.advance(2500 * time.Millisecond) // past the 3-period range (0.6 s periods)
	s.tick(c.Now())
	if st := state(); st != types.StateValueInsufficientData {
		t.Errorf("state after the range = %s, want INSUFFICIENT_DATA", st)
	}
}

func TestService_RegionDown(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.s.PutMetricAlarm(ctx, region, cpuAlarm("x")); err != nil {
		t.Fatal(err)
	}
	f.put(t, "App", "Errors", 9)
	f.down[region] = true
	f.tick(time.Second)
	if a := f.alarm(t, "x"); a.StateValue != types.StateValueInsufficientData {
		t.Errorf("evaluated in a region that is down: %s", a.StateValue)
	}
	f.down[region] = false
	f.tick(time.Second)
	if a := f.alarm(t, "x"); a.StateValue != types.StateValueAlarm {
		t.Errorf("after the outage: %s", a.StateValue)
	}
}

func TestService_DescribeAlarms(t *testing.T) {
	f := newFixture(t, nil)
	for _, n := range []string{"b", "a", "db-1", "db-2", "c"} {
		in := cpuAlarm(n)
		if n == "c" {
			in.AlarmActions = []string{"arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x"}
		}
		if _, err := f.s.PutMetricAlarm(ctx, region, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.s.PutCompositeAlarm(ctx, region, &cloudwatch.PutCompositeAlarmInput{AlarmName: aws.String("dbs"),
		AlarmRule: aws.String(`ALARM("db-1") OR ALARM(db-2)`)}); err != nil {
		t.Fatal(err)
	}
	names := func(in cloudwatch.DescribeAlarmsInput) string {
		t.Helper()
		out, err := f.s.DescribeAlarms(ctx, region, &in)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, m := range out.MetricAlarms {
			n = append(n, *m.AlarmName)
		}
		for _, c := range out.CompositeAlarms {
			n = append(n, "composite:"+*c.AlarmName)
		}
		return strings.Join(n, " ")
	}
	tests := []struct {
		name string
		in   cloudwatch.DescribeAlarmsInput
		want string
	}{
		{"metric alarms by default", cloudwatch.DescribeAlarmsInput{}, "a b c db-1 db-2"},
		{"both types", cloudwatch.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm, types.AlarmTypeMetricAlarm}}, "a b c db-1 db-2 composite:dbs"},
		{"names", cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"c", "a", "zz"}}, "a c"},
		{"prefix", cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("db")}, "db-1 db-2"},
		{"action prefix", cloudwatch.DescribeAlarmsInput{ActionPrefix: aws.String("arn:aws:autoscaling")}, "c"},
		{"state", cloudwatch.DescribeAlarmsInput{StateValue: types.StateValueAlarm}, ""},
		{"children", cloudwatch.DescribeAlarmsInput{ChildrenOfAlarmName: aws.String("dbs")}, "db-1 db-2"},
		{"parents", cloudwatch.DescribeAlarmsInput{ParentsOfAlarmName: aws.String("db-2")}, "composite:dbs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := names(tt.in); got != tt.want {
				t.Errorf("alarms = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("pagination", func(t *testing.T) {
		var all []string
		in := cloudwatch.DescribeAlarmsInput{MaxRecords: aws.Int32(2)}
		for pages := 0; ; pages++ {
			out, err := f.s.DescribeAlarms(ctx, region, &in)
			if err != nil || pages > 3 {
				t.Fatalf("page %d: %v", pages, err)
			}
			for _, m := range out.MetricAlarms {
				all = append(all, *m.AlarmName)
			}
			if out.NextToken == nil {
				break
			}
			in.NextToken = out.NextToken
		}
		if strings.Join(all, " ") != "a b c db-1 db-2" {
			t.Errorf("pages = %v", all)
		}
	})
	t.Run("children with another filter", func(t *testing.T) {
		_, err := f.s.DescribeAlarms(ctx, region, &cloudwatch.DescribeAlarmsInput{ChildrenOfAlarmName: aws.String("dbs"), StateValue: types.StateValueOk})
		wantCode(t, err, codeCombination)
	})
	t.Run("for metric", func(t *testing.T) {
		out, err := f.s.DescribeAlarmsForMetric(ctx, region, &cloudwatch.DescribeAlarmsForMetricInput{Namespace: aws.String("App"),
			MetricName: aws.String("Errors"), Statistic: types.StatisticMaximum, Period: aws.Int32(60)})
		if err != nil || len(out.MetricAlarms) != 5 {
			t.Errorf("alarms for App/Errors = %d, %v", len(out.MetricAlarms), err)
		}
		out, _ = f.s.DescribeAlarmsForMetric(ctx, region, &cloudwatch.DescribeAlarmsForMetricInput{Namespace: aws.String("App"),
			MetricName: aws.String("Errors"), Statistic: types.StatisticSum})
		if len(out.MetricAlarms) != 0 {
			t.Errorf("alarms on Sum = %d", len(out.MetricAlarms))
		}
	})
}

func TestService_CompositeAlarms(t *testing.T) {
	f := newFixture(t, nil)
	for _, n := range []string{"a", "b"} {
		in := cpuAlarm(n)
		in.MetricName = aws.String("Errors-" + n)
		if _, err := f.s.PutMetricAlarm(ctx, region, in); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.s.PutCompositeAlarm(ctx, region, &cloudwatch.PutCompositeAlarmInput{AlarmName: aws.String("any"), AlarmRule: aws.String("ALARM(a) OR ALARM(nope)")})
	wantCode(t, err, codeInvalidParameter)
	if _, err := f.s.PutCompositeAlarm(ctx, region, &cloudwatch.PutCompositeAlarmInput{AlarmName: aws.String("any"),
		AlarmRule:    aws.String(`ALARM(a) OR ALARM("arn:aws:cloudwatch:us-east-1:123456789012:alarm:b")`),
		AlarmActions: []string{"arn:aws:sns:us-east-1:123456789012:page"}}); err != nil {
		t.Fatal(err)
	}
	if c := f.composite(t, "any"); c.StateValue != types.StateValueInsufficientData {
		t.Fatalf("new composite = %s", c.StateValue)
	}
	f.tick(time.Second)
	if c := f.composite(t, "any"); c.StateValue != types.StateValueOk {
		t.Fatalf("composite after its first evaluation = %s", c.StateValue)
	}
	f.put(t, "App", "Errors-a", 9)
	f.put(t, "App", "Errors-b", 9)
	f.tick(time.Minute) // the children's next evaluation
	c := f.composite(t, "any")
	if c.StateValue != types.StateValueAlarm || !strings.Contains(*c.StateReason, ":alarm:") || !strings.Contains(*c.StateReason, " transitioned to ALARM at ") {
		t.Fatalf("composite = %s %q", c.StateValue, *c.StateReason)
	}
	if h := f.history(t, "any", types.HistoryItemTypeAction); len(h) != 1 {
		t.Errorf("composite actions = %d, want 1", len(h))
	}
	if _, err := f.s.SetAlarmState(ctx, region, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("any"),
		StateValue: types.StateValueOk, StateReason: aws.String("forced")}); err != nil {
		t.Fatal(err)
	}
	f.tick(2 * time.Minute) // children evaluated again, unchanged (data still in range)
	if c := f.composite(t, "any"); c.StateValue != types.StateValueOk {
		t.Fatalf("forced composite with unchanged children = %s", c.StateValue)
	}
	f.put(t, "App", "Errors-a", 9)
	f.put(t, "App", "Errors-b", 0) // b goes OK; a stays ALARM
	f.tick(time.Minute)
	if b := f.alarm(t, "b"); b.StateValue != types.StateValueOk {
		t.Fatalf("b = %s", b.StateValue)
	}
	if c := f.composite(t, "any"); c.StateValue != types.StateValueAlarm {
		t.Errorf("composite after a child changed = %s, want ALARM (a is in ALARM)", c.StateValue)
	}
	_, err = f.s.DeleteAlarms(ctx, region, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"b", "a"}})
	wantCode(t, err, codeValidation)
	if want := "Cannot delete b,a as there are composite alarm(s) depending on them."; !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want %q", err, want)
	}

	t.Run("cycle", func(t *testing.T) {
		put := func(name, rule string) {
			t.Helper()
			if _, err := f.s.PutCompositeAlarm(ctx, region, &cloudwatch.PutCompositeAlarmInput{AlarmName: aws.String(name), AlarmRule: aws.String(rule)}); err != nil {
				t.Fatal(err)
			}
		}
		put("c1", "ALARM(a)")
		put("c2", "ALARM(c1)")
		put("c1", "ALARM(c2)") // accepted
		f.tick(time.Second)
		_, err := f.s.DeleteAlarms(ctx, region, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"c1", "c2"}})
		wantCode(t, err, codeValidation)
		put("c1", "FALSE")
		f.tick(time.Second)
		if c := f.composite(t, "c1"); c.StateValue != types.StateValueOk {
			t.Errorf("c1 after the cycle is broken = %s", c.StateValue)
		}
		if _, err := f.s.DeleteAlarms(ctx, region, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"c2", "c1"}}); err != nil {
			t.Errorf("delete after the cycle is broken: %v", err)
		}
	})
	if _, err := f.s.DeleteAlarms(ctx, region, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"any", "a"}}); err != nil {
		t.Errorf("delete a composite with its child: %v", err)
	}
}

func TestService_DeleteAlarms(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.s.PutMetricAlarm(ctx, region, cpuAlarm("keep")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.DeleteAlarms(ctx, region, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"keep", "absent"}}); err != nil {
		t.Fatalf("delete with an unknown name: %v (AWS skips it)", err)
	}
	out, _ := f.s.DescribeAlarms(ctx, region, &cloudwatch.DescribeAlarmsInput{})
	if len(out.MetricAlarms) != 0 {
		t.Errorf("alarms after delete = %d", len(out.MetricAlarms))
	}
	h := f.history(t, "keep", types.HistoryItemTypeConfigurationUpdate)
	if len(h) != 2 || *h[1].HistorySummary != `Alarm "keep" deleted` {
		t.Errorf("history = %v", h)
	}
}

func TestService_DescribeAlarmHistory(t *testing.T) {
	f := newFixture(t, nil)
	for i := 0; i < 3; i++ {
		in := cpuAlarm("h")
		in.Threshold = aws.Float64(float64(i))
		if _, err := f.s.PutMetricAlarm(ctx, region, in); err != nil {
			t.Fatal(err)
		}
		f.clock.advance(time.Minute)
	}
	get := func(in cloudwatch.DescribeAlarmHistoryInput) *cloudwatch.DescribeAlarmHistoryOutput {
		t.Helper()
		out, err := f.s.DescribeAlarmHistory(ctx, region, &in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := get(cloudwatch.DescribeAlarmHistoryInput{})
	if len(out.AlarmHistoryItems) != 3 || *out.AlarmHistoryItems[0].HistorySummary != `Alarm "h" updated` ||
		*out.AlarmHistoryItems[2].HistorySummary != `Alarm "h" created` {
		t.Fatalf("history (newest first) = %v", out.AlarmHistoryItems)
	}
	out = get(cloudwatch.DescribeAlarmHistoryInput{StartDate: aws.Time(t0.Add(time.Minute)), EndDate: aws.Time(t0.Add(2 * time.Minute))})
	if len(out.AlarmHistoryItems) != 1 {
		t.Errorf("history in [10:01, 10:02] = %d entries", len(out.AlarmHistoryItems))
	}
	out = get(cloudwatch.DescribeAlarmHistoryInput{MaxRecords: aws.Int32(2), ScanBy: types.ScanByTimestampAscending})
	if len(out.AlarmHistoryItems) != 2 || out.NextToken == nil || *out.AlarmHistoryItems[0].HistorySummary != `Alarm "h" created` {
		t.Fatalf("first page = %v", out.AlarmHistoryItems)
	}
	out = get(cloudwatch.DescribeAlarmHistoryInput{MaxRecords: aws.Int32(2), ScanBy: types.ScanByTimestampAscending, NextToken: out.NextToken})
	if len(out.AlarmHistoryItems) != 1 || out.NextToken != nil {
		t.Errorf("second page = %v", out.AlarmHistoryItems)
	}
	if out := get(cloudwatch.DescribeAlarmHistoryInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}}); len(out.AlarmHistoryItems) != 0 {
		t.Errorf("composite history = %v", out.AlarmHistoryItems)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(*get(cloudwatch.DescribeAlarmHistoryInput{}).AlarmHistoryItems[0].HistoryData), &d); err != nil ||
		d["type"] != "Update" || d["updatedAlarm"].(map[string]any)["threshold"] != 2.0 {
		t.Errorf("ConfigurationUpdate HistoryData = %v (%v)", d, err)
	}
}

func TestService_Tags(t *testing.T) {
	f := newFixture(t, nil)
	in := cpuAlarm("tagged")
	in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("db")}}
	if _, err := f.s.PutMetricAlarm(ctx, region, in); err != nil {
		t.Fatal(err)
	}
	arn := aws.String("arn:aws:cloudwatch:us-east-1:123456789012:alarm:tagged")
	if _, err := f.s.TagResource(ctx, region, &cloudwatch.TagResourceInput{ResourceARN: arn, Tags: []types.Tag{
		{Key: aws.String("team"), Value: aws.String("sre")}, {Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UntagResource(ctx, region, &cloudwatch.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"env", "absent"}}); err != nil {
		t.Fatal(err)
	}
	out, err := f.s.ListTagsForResource(ctx, region, &cloudwatch.ListTagsForResourceInput{ResourceARN: arn})
	if err != nil || len(out.Tags) != 1 || *out.Tags[0].Value != "sre" {
		t.Errorf("tags = %v, %v", out, err)
	}
	for name, a := range map[string]string{
		"unknown alarm": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:nope",
		"other region":  "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:tagged",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.s.ListTagsForResource(ctx, region, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String(a)})
			wantCode(t, err, codeResourceNotFound)
		})
	}
	_, err = f.s.TagResource(ctx, region, &cloudwatch.TagResourceInput{ResourceARN: arn, Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("y")}}})
	wantCode(t, err, codeInvalidParameter)
}

// TestFileStore_Restart checks that alarms, their states, tags and
// history survive a restart; metrics do not.
func TestFileStore_Restart(t *testing.T) {
	store := NewFileStore(filepath.Join(t.TempDir(), "cloudwatch.json"))
	f := newFixture(t, store)
	in := cpuAlarm("durable")
	in.Tags = []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}
	if _, err := f.s.PutMetricAlarm(ctx, region, in); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.PutCompositeAlarm(ctx, region, &cloudwatch.PutCompositeAlarmInput{AlarmName: aws.String("comp"), AlarmRule: aws.String("ALARM(durable)")}); err != nil {
		t.Fatal(err)
	}
	f.put(t, "App", "Errors", 9)
	f.tick(time.Second)
	s2, err := New(Config{AccountID: "123456789012", Clock: clock.Scaled{Base: f.clock, Scale: 1}, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	f.s = s2
	if a := f.alarm(t, "durable"); a.StateValue != types.StateValueAlarm {
		t.Errorf("state after restart = %s", a.StateValue)
	}
	if c := f.composite(t, "comp"); c.StateValue != types.StateValueAlarm {
		t.Errorf("composite after restart = %s", c.StateValue)
	}
	tags, _ := s2.ListTagsForResource(ctx, region, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String("arn:aws:cloudwatch:us-east-1:123456789012:alarm:durable")})
	if len(tags.Tags) != 1 {
		t.Errorf("tags after restart = %v", tags.Tags)
	}
	if h := f.history(t, "durable", ""); len(h) < 3 {
		t.Errorf("history after restart = %d entries", len(h))
	}
	out, _ := s2.ListMetrics(ctx, region, &cloudwatch.ListMetricsInput{})
	if len(out.Metrics) != 0 {
		t.Errorf("metrics after restart = %v (kept in memory only)", out.Metrics)
	}
}

func TestService_SetAlarmState_Errors(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.s.PutMetricAlarm(ctx, region, cpuAlarm("x")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   cloudwatch.SetAlarmStateInput
		code string
	}{
		{"unknown alarm", cloudwatch.SetAlarmStateInput{AlarmName: aws.String("nope"), StateValue: types.StateValueOk, StateReason: aws.String("r")}, codeNotFound},
		{"reason data not JSON", cloudwatch.SetAlarmStateInput{AlarmName: aws.String("x"), StateValue: types.StateValueOk, StateReason: aws.String("r"),
			StateReasonData: aws.String("{")}, codeInvalidFormat},
		{"bad state", cloudwatch.SetAlarmStateInput{AlarmName: aws.String("x"), StateValue: "BROKEN", StateReason: aws.String("r")}, codeInvalidParameter},
		{"no reason", cloudwatch.SetAlarmStateInput{AlarmName: aws.String("x"), StateValue: types.StateValueOk}, codeMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.s.SetAlarmState(ctx, region, &tt.in)
			wantCode(t, err, tt.code)
		})
	}
	t.Run("same state updates the reason only", func(t *testing.T) {
		if _, err := f.s.SetAlarmState(ctx, region, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("x"),
			StateValue: types.StateValueInsufficientData, StateReason: aws.String("again"), StateReasonData: aws.String(`{"k":1}`)}); err != nil {
			t.Fatal(err)
		}
		if a := f.alarm(t, "x"); *a.StateReason != "again" || *a.StateReasonData != `{"k":1}` {
			t.Errorf("alarm = %q %q", *a.StateReason, *a.StateReasonData)
		}
		if h := f.history(t, "x", types.HistoryItemTypeStateUpdate); len(h) != 0 {
			t.Errorf("state updates = %d, want none", len(h))
		}
	})
}

// TestService_EvaluationRange checks that an evaluation looks further
// back than N periods when data is missing: three breaching points spread
// over five minutes alarm a 3-of-3 alarm.
func TestService_EvaluationRange(t *testing.T) {
	f := newFixture(t, nil)
	in := cpuAlarm("gappy")
	in.EvaluationPeriods = aws.Int32(3)
	if _, err := f.s.PutMetricAlarm(ctx, region, in); err != nil {
		t.Fatal(err)
	}
	f.clock.advance(5 * time.Minute) // 10:05:30
	var data []types.MetricDatum
	for _, m := range []int{0, 2, 4} {
		data = append(data, types.MetricDatum{MetricName: aws.String("Errors"), Value: aws.Float64(9), Timestamp: aws.Time(t0.Add(time.Duration(m) * time.Minute))})
	}
	if _, err := f.s.PutMetricData(ctx, region, &cloudwatch.PutMetricDataInput{Namespace: aws.String("App"), MetricData: data}); err != nil {
		t.Fatal(err)
	}
	f.tick(0) // range 10:00-10:04 (10:05 has no data yet)
	a := f.alarm(t, "gappy")
	if a.StateValue != types.StateValueAlarm || !strings.HasPrefix(*a.StateReason, "Threshold Crossed: 3 out of the last 3 datapoints [9.0 (05/12/26 10:04:00), 9.0 (05/12/26 10:02:00), 9.0 (05/12/26 10:00:00)]") {
		t.Errorf("alarm = %s %q", a.StateValue, *a.StateReason)
	}
}
