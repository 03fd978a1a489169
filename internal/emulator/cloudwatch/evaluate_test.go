package cloudwatch

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

var t0 = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

// samples builds an evaluation range from a row of AWS's missing-data
// table: "X" breaches (value 5), "0" does not (value 1), "-" is missing;
// one minute apart, oldest first, starting at t0.
func samples(row string) []sample {
	var out []sample
	for i, f := range strings.Fields(row) {
		s := sample{Start: t0.Add(time.Duration(i) * time.Minute)}
		switch f {
		case "X":
			s.Value, s.Present = 5, true
		case "0":
			s.Value, s.Present = 1, true
		}
		out = append(out, s)
	}
	return out
}

func cfg3of3(treat string) evalConfig {
	return evalConfig{EvaluationPeriods: 3, DatapointsToAlarm: 3, Comparison: types.ComparisonOperatorGreaterThanThreshold,
		Threshold: 3, TreatMissingData: treat, Statistic: "Average", Period: 60}
}

// TestEvaluate_MissingDataTable runs the rows of AWS's table "How alarm
// state is evaluated when data is missing" (N=3, M=3, evaluation range 5)
// for every TreatMissingData setting; "keep" is "retain current state".
func TestEvaluate_MissingDataTable(t *testing.T) {
	treatments := []string{missingMissing, missingIgnore, missingBreaching, missingNotBreaching}
	tests := []struct {
		row  string
		want [4]string // missing, ignore, breaching, notBreaching
	}{
		{row: "0 - X - X", want: [4]string{"OK", "OK", "OK", "OK"}},
		{row: "- - - - -", want: [4]string{"INSUFFICIENT_DATA", "keep", "ALARM", "OK"}},
		{row: "- - X - -", want: [4]string{"ALARM", "ALARM", "ALARM", "OK"}},
		// Enough real points: the three most recent decide, missing ones
		// are not used.
		{row: "X - X - X", want: [4]string{"ALARM", "ALARM", "ALARM", "ALARM"}},
		{row: "X X X 0 0", want: [4]string{"OK", "OK", "OK", "OK"}},
		// Fewer than N real points: fills used only as needed.
		{row: "- 0 - - -", want: [4]string{"OK", "OK", "OK", "OK"}},
		{row: "- X X - -", want: [4]string{"ALARM", "ALARM", "ALARM", "OK"}},
		{row: "- X 0 - -", want: [4]string{"OK", "OK", "OK", "OK"}},
		{row: "- X X 0 -", want: [4]string{"OK", "OK", "OK", "OK"}},
		{row: "- - X - X", want: [4]string{"ALARM", "ALARM", "ALARM", "OK"}},
	}
	for _, tt := range tests {
		for i, treat := range treatments {
			t.Run(tt.row+"/"+treat, func(t *testing.T) {
				got := evaluate(cfg3of3(treat), samples(tt.row), t0.Add(5*time.Minute), types.StateValueOk)
				state := string(got.State)
				if got.Keep {
					state = "keep"
				}
				if state != tt.want[i] {
					t.Errorf("state = %s (%s), want %s", state, got.Reason, tt.want[i])
				}
			})
		}
	}
}

// TestEvaluate_MOfN checks M-of-N alarms, every comparison operator and
// the reasons AWS writes.
func TestEvaluate_MOfN(t *testing.T) {
	tests := []struct {
		name       string
		n, m       int
		op         types.ComparisonOperator
		threshold  float64
		values     []float64 // oldest first, one a minute; NaN-free, all present
		prev       types.StateValue
		wantState  types.StateValue
		wantReason string
	}{
		{name: "1 of 1 greater", n: 1, m: 1, op: types.ComparisonOperatorGreaterThanThreshold, threshold: 3,
			values: []float64{5}, prev: types.StateValueOk, wantState: types.StateValueAlarm,
			wantReason: "Threshold Crossed: 1 out of the last 1 datapoints [5.0 (05/12/26 10:00:00)] was greater than the threshold (3.0) (minimum 1 datapoint for OK -> ALARM transition)."},
		{name: "2 of 3 from insufficient data", n: 3, m: 2, op: types.ComparisonOperatorGreaterThanOrEqualToThreshold, threshold: 3,
			values: []float64{3, 1, 4.5}, prev: types.StateValueInsufficientData, wantState: types.StateValueAlarm,
			wantReason: "Threshold Crossed: 2 out of the last 3 datapoints [4.5 (05/12/26 10:02:00), 3.0 (05/12/26 10:00:00)] were greater than or equal to the threshold (3.0) (minimum 2 datapoints for INSUFFICIENT_DATA -> ALARM transition)."},
		{name: "1 of 3 breaching is not enough for 2", n: 3, m: 2, op: types.ComparisonOperatorGreaterThanThreshold, threshold: 3,
			values: []float64{1, 1, 9}, prev: types.StateValueAlarm, wantState: types.StateValueOk,
			wantReason: "Threshold Crossed: 2 out of the last 3 datapoints [1.0 (05/12/26 10:01:00), 1.0 (05/12/26 10:00:00)] were not greater than the threshold (3.0) (minimum 2 datapoints for ALARM -> OK transition)."},
		{name: "insufficient data to OK", n: 3, m: 3, op: types.ComparisonOperatorGreaterThanThreshold, threshold: 3,
			values: []float64{1, 2, 3}, prev: types.StateValueInsufficientData, wantState: types.StateValueOk,
			wantReason: "Threshold Crossed: 3 datapoints [3.0 (05/12/26 10:02:00), 2.0 (05/12/26 10:01:00), 1.0 (05/12/26 10:00:00)] were not greater than the threshold (3.0)."},
		{name: "less than", n: 1, m: 1, op: types.ComparisonOperatorLessThanThreshold, threshold: 1,
			values: []float64{0}, prev: types.StateValueOk, wantState: types.StateValueAlarm,
			wantReason: "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (05/12/26 10:00:00)] was less than the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition)."},
		{name: "less than or equal, not breaching", n: 1, m: 1, op: types.ComparisonOperatorLessThanOrEqualToThreshold, threshold: 1,
			values: []float64{1.5}, prev: types.StateValueAlarm, wantState: types.StateValueOk,
			wantReason: "Threshold Crossed: 1 out of the last 1 datapoints [1.5 (05/12/26 10:00:00)] was not less than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition)."},
		{name: "only the last N of the range count", n: 2, m: 2, op: types.ComparisonOperatorGreaterThanThreshold, threshold: 3,
			values: []float64{9, 9, 1, 9}, prev: types.StateValueAlarm, wantState: types.StateValueOk},
		{name: "large values in Java notation", n: 1, m: 1, op: types.ComparisonOperatorGreaterThanThreshold, threshold: 1e7,
			values: []float64{2.5e7}, prev: types.StateValueOk, wantState: types.StateValueAlarm,
			wantReason: "Threshold Crossed: 1 out of the last 1 datapoints [2.5E7 (05/12/26 10:00:00)] was greater than the threshold (1.0E7) (minimum 1 datapoint for OK -> ALARM transition)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rng []sample
			for i, v := range tt.values {
				rng = append(rng, sample{Start: t0.Add(time.Duration(i) * time.Minute), Value: v, Present: true})
			}
			cfg := evalConfig{EvaluationPeriods: tt.n, DatapointsToAlarm: tt.m, Comparison: tt.op, Threshold: tt.threshold,
				TreatMissingData: missingMissing, Statistic: "Maximum", Period: 60}
			got := evaluate(cfg, rng, t0.Add(10*time.Minute), tt.prev)
			if got.State != tt.wantState {
				t.Fatalf("state = %s (%s), want %s", got.State, got.Reason, tt.wantState)
			}
			if tt.wantReason != "" && got.Reason != tt.wantReason {
				t.Errorf("reason =\n%s\nwant\n%s", got.Reason, tt.wantReason)
			}
		})
	}
}

// TestEvaluate_NoDataReasons checks the reasons of a range without data.
func TestEvaluate_NoDataReasons(t *testing.T) {
	tests := []struct {
		treat string
		want  string
	}{
		{missingMissing, "Insufficient Data: 3 datapoints were unknown."},
		{missingBreaching, "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching]."},
		{missingNotBreaching, "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [NonBreaching]."},
	}
	for _, tt := range tests {
		t.Run(tt.treat, func(t *testing.T) {
			got := evaluate(cfg3of3(tt.treat), samples("- - - - -"), t0.Add(5*time.Minute), types.StateValueOk)
			if got.Reason != tt.want {
				t.Errorf("reason = %q, want %q", got.Reason, tt.want)
			}
		})
	}
}

// TestEvaluate_ReasonData checks StateReasonData's fields.
func TestEvaluate_ReasonData(t *testing.T) {
	got := evaluate(cfg3of3(missingMissing), samples("0 X X X X"), t0.Add(5*time.Minute+time.Second), types.StateValueOk)
	var d struct {
		Version          string    `json:"version"`
		QueryDate        string    `json:"queryDate"`
		StartDate        string    `json:"startDate"`
		Statistic        string    `json:"statistic"`
		Period           int       `json:"period"`
		RecentDatapoints []float64 `json:"recentDatapoints"`
		Threshold        float64   `json:"threshold"`
	}
	if err := json.Unmarshal([]byte(got.ReasonData), &d); err != nil {
		t.Fatalf("StateReasonData is not JSON: %v\n%s", err, got.ReasonData)
	}
	if d.Version != "1.0" || d.QueryDate != "2026-12-05T10:05:01.000+0000" || d.StartDate != "2026-12-05T10:02:00.000+0000" ||
		d.Statistic != "Average" || d.Period != 60 || len(d.RecentDatapoints) != 3 || d.Threshold != 3 {
		t.Errorf("StateReasonData = %s", got.ReasonData)
	}
}

func TestJavaDouble(t *testing.T) {
	for v, want := range map[float64]string{5: "5.0", 0.25: "0.25", -3: "-3.0", 0: "0.0", 1e7: "1.0E7", 1.5e-5: "1.5E-5", 123456.5: "123456.5"} {
		if got := javaDouble(v); got != want {
			t.Errorf("javaDouble(%v) = %s, want %s", v, got, want)
		}
	}
}
