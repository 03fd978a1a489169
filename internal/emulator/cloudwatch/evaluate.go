package cloudwatch

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// TreatMissingData values.
const (
	missingMissing      = "missing"
	missingIgnore       = "ignore"
	missingBreaching    = "breaching"
	missingNotBreaching = "notBreaching"
)

// evalConfig is what the evaluation of a metric alarm needs.
type evalConfig struct {
	EvaluationPeriods int // N
	DatapointsToAlarm int // M
	Comparison        types.ComparisonOperator
	Threshold         float64
	TreatMissingData  string
	Statistic         string // "Average", "p99", …
	Period            int32  // seconds of emulated time (reported in StateReasonData)
}

// sample is one period of the evaluation range; Value is meaningful when
// Present.
type sample struct {
	Start   time.Time
	Value   float64
	Present bool
}

// outcome is an evaluation's result. When Keep is set the alarm keeps its
// state and reason (TreatMissingData ignore with no data at all).
type outcome struct {
	State      types.StateValue
	Reason     string
	ReasonData string
	Keep       bool
}

// evaluationRange is how many periods an evaluation looks at for N
// evaluation periods: AWS retrieves "a higher number of data points than
// Evaluation Periods" (its example shows 5 for 3); the emulator takes N+2.
func evaluationRange(n int) int { return n + 2 }

// evaluate decides a metric alarm's state from its evaluation range
// (oldest first), following AWS's missing-data rules
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html):
//   - when the range holds at least N real datapoints, the most recent N
//     real ones decide and TreatMissingData is not used;
//   - with fewer, missing periods are filled as TreatMissingData says, and
//     used only as many times as needed to make N: breaching and
//     notBreaching fill bad and good points; missing and ignore evaluate
//     the real points alone (so M becomes at most their number: a single
//     breaching point with the rest missing alarms);
//   - with none, missing gives INSUFFICIENT_DATA and ignore keeps the
//     current state.
func evaluate(cfg evalConfig, rng []sample, now time.Time, prev types.StateValue) outcome {
	n, m := cfg.EvaluationPeriods, cfg.DatapointsToAlarm
	var real []sample
	for _, s := range rng {
		if s.Present {
			real = append(real, s)
		}
	}
	if len(real) >= n {
		return decide(cfg, real[len(real)-n:], 0, m, now, prev)
	}
	fills := n - len(real)
	switch cfg.TreatMissingData {
	case missingBreaching, missingNotBreaching:
		if len(real) == 0 {
			return noData(cfg, rng, now)
		}
		if cfg.TreatMissingData == missingBreaching {
			return decide(cfg, real, fills, m, now, prev)
		}
		return decide(cfg, real, 0, m, now, prev)
	}
	if len(real) == 0 {
		if cfg.TreatMissingData == missingIgnore {
			return outcome{State: prev, Keep: true}
		}
		return outcome{State: types.StateValueInsufficientData, Reason: fmt.Sprintf("Insufficient Data: %d %s unknown.", n, plural(n, "datapoint was", "datapoints were")),
			ReasonData: reasonData(cfg, nil, rng, now)}
	}
	return decide(cfg, real, 0, min(m, len(real)), now, prev)
}

// decide compares the evaluated real points (plus breachingFills missing
// points that count as breaching) with the threshold: ALARM when at least
// m breach.
func decide(cfg evalConfig, evaluated []sample, breachingFills, m int, now time.Time, prev types.StateValue) outcome {
	var breaching []sample
	for _, s := range evaluated {
		if breaches(cfg.Comparison, s.Value, cfg.Threshold) {
			breaching = append(breaching, s)
		}
	}
	data := reasonData(cfg, evaluated, evaluated, now)
	op := comparisonText(cfg.Comparison)
	if b := len(breaching) + breachingFills; b >= m {
		total := len(evaluated) + breachingFills
		return outcome{State: types.StateValueAlarm, ReasonData: data, Reason: fmt.Sprintf(
			"Threshold Crossed: %d out of the last %d datapoints [%s] %s %s the threshold (%s) (minimum %d %s for %s -> ALARM transition).",
			b, total, pointList(breaching), plural(b, "was", "were"), op, javaDouble(cfg.Threshold), m, plural(m, "datapoint", "datapoints"), prev)}
	}
	var fine []sample
	for _, s := range evaluated {
		if !breaches(cfg.Comparison, s.Value, cfg.Threshold) {
			fine = append(fine, s)
		}
	}
	k := len(fine)
	if prev == types.StateValueAlarm {
		total := len(evaluated) + breachingFills
		need := total - m + 1
		return outcome{State: types.StateValueOk, ReasonData: data, Reason: fmt.Sprintf(
			"Threshold Crossed: %d out of the last %d datapoints [%s] %s not %s the threshold (%s) (minimum %d %s for ALARM -> OK transition).",
			k, total, pointList(fine), plural(k, "was", "were"), op, javaDouble(cfg.Threshold), need, plural(need, "datapoint", "datapoints"))}
	}
	return outcome{State: types.StateValueOk, ReasonData: data, Reason: fmt.Sprintf(
		"Threshold Crossed: %d %s [%s] %s not %s the threshold (%s).",
		k, plural(k, "datapoint", "datapoints"), pointList(fine), plural(k, "was", "were"), op, javaDouble(cfg.Threshold))}
}

// noData is the outcome of breaching/notBreaching when every period of
// the range is missing.
func noData(cfg evalConfig, rng []sample, now time.Time) outcome {
	n := cfg.EvaluationPeriods
	state, as := types.StateValueOk, "NonBreaching"
	if cfg.TreatMissingData == missingBreaching {
		state, as = types.StateValueAlarm, "Breaching"
	}
	return outcome{State: state, ReasonData: reasonData(cfg, nil, rng, now), Reason: fmt.Sprintf(
		"Threshold Crossed: no datapoints were received for %d %s and %d missing %s treated as [%s].",
		n, plural(n, "period", "periods"), n, plural(n, "datapoint was", "datapoints were"), as)}
}

func breaches(op types.ComparisonOperator, v, threshold float64) bool {
	switch op {
	case types.ComparisonOperatorGreaterThanOrEqualToThreshold:
		return v >= threshold
	case types.ComparisonOperatorGreaterThanThreshold:
		return v > threshold
	case types.ComparisonOperatorLessThanThreshold:
		return v < threshold
	case types.ComparisonOperatorLessThanOrEqualToThreshold:
		return v <= threshold
	}
	return false
}

func comparisonText(op types.ComparisonOperator) string {
	switch op {
	case types.ComparisonOperatorGreaterThanOrEqualToThreshold:
		return "greater than or equal to"
	case types.ComparisonOperatorGreaterThanThreshold:
		return "greater than"
	case types.ComparisonOperatorLessThanThreshold:
		return "less than"
	case types.ComparisonOperatorLessThanOrEqualToThreshold:
		return "less than or equal to"
	}
	return string(op)
}

// pointList renders datapoints most recent first, as AWS's reasons do:
// "5.0 (05/12/26 10:01:00), 4.0 (05/12/26 10:00:00)".
func pointList(ps []sample) string {
	parts := make([]string, 0, len(ps))
	for i := len(ps) - 1; i >= 0; i-- {
		parts = append(parts, javaDouble(ps[i].Value)+" ("+ps[i].Start.UTC().Format("02/01/06 15:04:05")+")")
	}
	return strings.Join(parts, ", ")
}

// javaDouble formats v like Java's Double.toString, which AWS's reasons
// use: 5.0, 0.25, 1.0E7.
func javaDouble(v float64) string {
	a := math.Abs(v)
	if a == 0 || (a >= 1e-3 && a < 1e7) {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	mant, exp, _ := strings.Cut(strconv.FormatFloat(v, 'E', -1, 64), "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// awsTime is the timestamp format of StateReasonData and HistoryData.
const awsTime = "2006-01-02T15:04:05.000-0700"

type evaluatedPoint struct {
	Timestamp string  `json:"timestamp"`
	Value     float64 `json:"value"`
}

// reasonData renders StateReasonData: recentDatapoints are the evaluated
// values (oldest first), startDate the start of the range.
func reasonData(cfg evalConfig, evaluated, rng []sample, now time.Time) string {
	d := struct {
		Version             string           `json:"version"`
		QueryDate           string           `json:"queryDate"`
		StartDate           string           `json:"startDate,omitempty"`
		Statistic           string           `json:"statistic"`
		Period              int32            `json:"period"`
		RecentDatapoints    []float64        `json:"recentDatapoints"`
		Threshold           float64          `json:"threshold"`
		EvaluatedDatapoints []evaluatedPoint `json:"evaluatedDatapoints,omitempty"`
	}{Version: "1.0", QueryDate: now.UTC().Format(awsTime), Statistic: cfg.Statistic, Period: cfg.Period,
		RecentDatapoints: []float64{}, Threshold: cfg.Threshold}
	if len(rng) > 0 {
		d.StartDate = rng[0].Start.UTC().Format(awsTime)
	}
	for _, s := range evaluated {
		d.RecentDatapoints = append(d.RecentDatapoints, s.Value)
	}
	for i := len(evaluated) - 1; i >= 0; i-- {
		d.EvaluatedDatapoints = append(d.EvaluatedDatapoints, evaluatedPoint{Timestamp: evaluated[i].Start.UTC().Format(awsTime), Value: evaluated[i].Value})
	}
	b, _ := json.Marshal(d)
	return string(b)
}
