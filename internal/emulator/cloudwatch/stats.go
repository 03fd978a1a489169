package cloudwatch

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// Limits of the read operations.
const (
	maxDatapointsGMS = 1440
	maxQueries       = 500
	maxDatapointsGMD = 100800
)

// percentileRe is the one extended statistic the emulator computes.
var percentileRe = regexp.MustCompile(`^p(\d{1,2}(\.\d{0,10})?|100(\.0{0,10})?)$`)

// agg is the statistic set of one period.
type agg struct {
	count, sum, min, max float64
	values, counts       []float64
	exact                bool // every datum carried its values (percentiles possible)
	unit                 types.StandardUnit
}

func aggregate(ps []point) agg {
	a := agg{min: math.Inf(1), max: math.Inf(-1), exact: true}
	for _, p := range ps {
		a.count += p.count
		a.sum += p.sum
		a.min, a.max = min(a.min, p.min), max(a.max, p.max)
		if p.values == nil {
			a.exact = false
		}
		a.values = append(a.values, p.values...)
		a.counts = append(a.counts, p.counts...)
		a.unit = p.unit
	}
	return a
}

// stat returns the named statistic (Average, Sum, SampleCount, Minimum,
// Maximum or pNN); ok is false when it cannot be computed.
func (a agg) stat(name string) (float64, bool) {
	if a.count <= 0 {
		return 0, false
	}
	switch name {
	case "Average":
		return a.sum / a.count, true
	case "Sum":
		return a.sum, true
	case "SampleCount":
		return a.count, true
	case "Minimum":
		return a.min, true
	case "Maximum":
		return a.max, true
	}
	if !percentileRe.MatchString(name) || !a.exact {
		return 0, false
	}
	q, _ := strconv.ParseFloat(name[1:], 64)
	return percentile(a.values, a.counts, q), true
}

// percentile is the nearest-rank percentile q (0-100) of weighted values.
func percentile(values, counts []float64, q float64) float64 {
	idx := make([]int, len(values))
	total := 0.0
	for i := range idx {
		idx[i] = i
		total += counts[i]
	}
	sort.Slice(idx, func(i, j int) bool { return values[idx[i]] < values[idx[j]] })
	rank := q / 100 * total
	cum := 0.0
	for _, i := range idx {
		cum += counts[i]
		if cum >= rank && counts[i] > 0 {
			return values[i]
		}
	}
	return values[idx[len(idx)-1]]
}

// bucketed groups points into period-wide buckets starting at start
// (aligned by the caller), split by unit; only units equal to unit when
// unit is set.
func bucketed(ps []point, start time.Time, period time.Duration, unit types.StandardUnit) map[time.Time]map[types.StandardUnit][]point {
	out := map[time.Time]map[types.StandardUnit][]point{}
	for _, p := range ps {
		if unit != "" && p.unit != unit {
			continue
		}
		b := start.Add(p.t.Sub(start) / period * period)
		if out[b] == nil {
			out[b] = map[types.StandardUnit][]point{}
		}
		out[b][p.unit] = append(out[b][p.unit], p)
	}
	return out
}

func validPeriod(period int32, param string) error {
	if period <= 0 {
		return invalidf("The parameter %s must be greater than 0.", param)
	}
	if period < 60 && !slices.Contains([]int32{1, 5, 10, 20, 30}, period) || period >= 60 && period%60 != 0 {
		return invalidf("The parameter %s must be 1, 5, 10, 20, 30, or a multiple of 60.", param)
	}
	return nil
}

// alignStart rounds a query's start time down as AWS does for recent
// data: to the period when under a minute, else to the whole minute.
func alignStart(t time.Time, period time.Duration) time.Time {
	if period < time.Minute {
		return t.Truncate(period)
	}
	return t.Truncate(time.Minute)
}

// GetMetricStatistics returns the statistics of one metric per period.
func (s *Service) GetMetricStatistics(_ context.Context, region string, in *cloudwatch.GetMetricStatisticsInput) (*cloudwatch.GetMetricStatisticsOutput, error) {
	for _, r := range []struct {
		name string
		ok   bool
	}{{"Namespace", in.Namespace != nil}, {"MetricName", in.MetricName != nil}, {"StartTime", in.StartTime != nil},
		{"EndTime", in.EndTime != nil}, {"Period", in.Period != nil}} {
		if !r.ok {
			return nil, missingParam(r.name)
		}
	}
	if len(in.Statistics) == 0 && len(in.ExtendedStatistics) == 0 {
		return nil, missingParam("Statistics")
	}
	if len(in.Statistics) > 0 && len(in.ExtendedStatistics) > 0 {
		return nil, combinationf("The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.")
	}
	if len(in.Statistics) > 5 || len(in.ExtendedStatistics) > 10 {
		return nil, invalidf("At most 5 Statistics and 10 ExtendedStatistics may be requested.")
	}
	for _, e := range in.ExtendedStatistics {
		if !percentileRe.MatchString(e) {
			return nil, invalidf("The value %s for parameter ExtendedStatistics is not supported: the globaldb emulator computes percentiles (p0-p100) only.", e)
		}
	}
	if err := validPeriod(*in.Period, "Period"); err != nil {
		return nil, err
	}
	if !in.StartTime.Before(*in.EndTime) {
		return nil, invalidf("The parameter StartTime must be less than the parameter EndTime.")
	}
	period := time.Duration(*in.Period) * time.Second
	start := alignStart(in.StartTime.UTC(), period)
	end := in.EndTime.UTC()
	if n := (end.Sub(start) + period - 1) / period; n > maxDatapointsGMS {
		return nil, combinationf("You have requested up to %d datapoints, which exceeds the limit of %d. You may reduce the datapoints requested by increasing Period, or decreasing the time range.", n, maxDatapointsGMS)
	}
	ps := s.metrics.window(region, *in.Namespace, *in.MetricName, in.Dimensions, start, end)
	out := &cloudwatch.GetMetricStatisticsOutput{Label: aws.String(*in.MetricName), Datapoints: []types.Datapoint{}}
	for b, byUnit := range bucketed(ps, start, period, in.Unit) {
		for unit, bps := range byUnit {
			out.Datapoints = append(out.Datapoints, datapoint(b, unit, aggregate(bps), in.Statistics, in.ExtendedStatistics))
		}
	}
	sort.Slice(out.Datapoints, func(i, j int) bool { return out.Datapoints[i].Timestamp.Before(*out.Datapoints[j].Timestamp) })
	return out, nil
}

func datapoint(t time.Time, unit types.StandardUnit, a agg, stats []types.Statistic, ext []string) types.Datapoint {
	dp := types.Datapoint{Timestamp: aws.Time(t), Unit: unit}
	for _, st := range stats {
		v, ok := a.stat(string(st))
		if !ok {
			continue
		}
		switch st {
		case types.StatisticAverage:
			dp.Average = aws.Float64(v)
		case types.StatisticSum:
			dp.Sum = aws.Float64(v)
		case types.StatisticSampleCount:
			dp.SampleCount = aws.Float64(v)
		case types.StatisticMinimum:
			dp.Minimum = aws.Float64(v)
		case types.StatisticMaximum:
			dp.Maximum = aws.Float64(v)
		}
	}
	for _, e := range ext {
		if v, ok := a.stat(e); ok {
			if dp.ExtendedStatistics == nil {
				dp.ExtendedStatistics = map[string]float64{}
			}
			dp.ExtendedStatistics[e] = v
		}
	}
	return dp
}

var queryIDRe = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// GetMetricData runs MetricStat queries (metric math is refused).
func (s *Service) GetMetricData(_ context.Context, region string, in *cloudwatch.GetMetricDataInput) (*cloudwatch.GetMetricDataOutput, error) {
	if in.StartTime == nil {
		return nil, missingParam("StartTime")
	}
	if in.EndTime == nil {
		return nil, missingParam("EndTime")
	}
	if len(in.MetricDataQueries) == 0 {
		return nil, missingParam("MetricDataQueries")
	}
	if len(in.MetricDataQueries) > maxQueries {
		return nil, invalidf("The collection MetricDataQueries must not have a size greater than %d.", maxQueries)
	}
	if !in.StartTime.Before(*in.EndTime) {
		return nil, invalidf("The parameter StartTime must be less than the parameter EndTime.")
	}
	if in.ScanBy != "" && in.ScanBy != types.ScanByTimestampAscending && in.ScanBy != types.ScanByTimestampDescending {
		return nil, invalidf("The value %s for parameter ScanBy is invalid.", in.ScanBy)
	}
	seen := map[string]bool{}
	returned := 0
	for i, q := range in.MetricDataQueries {
		if err := validateQuery(q, i+1, seen); err != nil {
			return nil, err
		}
		if q.ReturnData == nil || *q.ReturnData {
			returned++
		}
	}
	if returned == 0 {
		return nil, invalidf("No query in MetricDataQueries has ReturnData set to true.")
	}
	page := int(aws.ToInt32(in.MaxDatapoints))
	if page <= 0 || page > maxDatapointsGMD {
		page = maxDatapointsGMD
	}
	offset := 0
	if tok := aws.ToString(in.NextToken); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 {
			return nil, awserr.New(codeInvalidNextToken, "The service couldn't process the NextToken.")
		}
		offset = n
	}
	var results []types.MetricDataResult
	for _, q := range in.MetricDataQueries {
		if q.ReturnData == nil || *q.ReturnData {
			results = append(results, s.runQuery(region, q, in.StartTime.UTC(), in.EndTime.UTC(), in.ScanBy))
		}
	}
	return pageResults(results, offset, page), nil
}

// pageResults returns the datapoints offset..offset+page of the results
// taken in order; a result cut short is PartialData and NextToken says
// where the next page starts.
func pageResults(results []types.MetricDataResult, offset, page int) *cloudwatch.GetMetricDataOutput {
	out := &cloudwatch.GetMetricDataOutput{MetricDataResults: []types.MetricDataResult{}}
	seen, taken := 0, 0
	for _, r := range results {
		n := len(r.Values)
		lo := min(max(offset-seen, 0), n)
		hi := min(lo+page-taken, n)
		seen += n
		taken += hi - lo
		r.Timestamps, r.Values = r.Timestamps[lo:hi], r.Values[lo:hi]
		if hi < n {
			r.StatusCode = types.StatusCodePartialData
		}
		out.MetricDataResults = append(out.MetricDataResults, r)
	}
	if offset+taken < seen {
		out.NextToken = aws.String(base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset + taken))))
	}
	return out
}

func validateQuery(q types.MetricDataQuery, n int, seen map[string]bool) error {
	p := fmt.Sprintf("MetricDataQueries.member.%d", n)
	id := aws.ToString(q.Id)
	if id == "" {
		return missingParam(p + ".Id")
	}
	if !queryIDRe.MatchString(id) || len(id) > 255 {
		return invalidf("The value %s for parameter %s.Id is invalid: it must start with a lowercase letter and hold only letters, digits and underscores.", id, p)
	}
	if seen[id] {
		return invalidf("The value %s for parameter %s.Id is not unique.", id, p)
	}
	seen[id] = true
	if q.Expression != nil && q.MetricStat != nil {
		return combinationf("The parameters %s.MetricStat and %s.Expression are mutually exclusive and you have specified both.", p, p)
	}
	if q.Expression != nil {
		return invalidf("The globaldb emulator does not evaluate metric math: %s (Id %s) has the Expression %q; query metrics with MetricStat.", p, id, *q.Expression)
	}
	ms := q.MetricStat
	if ms == nil {
		return combinationf("Exactly one of %s.MetricStat and %s.Expression must be specified.", p, p)
	}
	if ms.Metric == nil || aws.ToString(ms.Metric.MetricName) == "" || aws.ToString(ms.Metric.Namespace) == "" {
		return missingParam(p + ".MetricStat.Metric (Namespace and MetricName)")
	}
	if ms.Period == nil {
		return missingParam(p + ".MetricStat.Period")
	}
	if err := validPeriod(*ms.Period, p+".MetricStat.Period"); err != nil {
		return err
	}
	if st := aws.ToString(ms.Stat); !validStat(st) {
		return invalidf("The value %s for parameter %s.MetricStat.Stat is invalid (the emulator computes Average, Sum, SampleCount, Minimum, Maximum and pNN).", st, p)
	}
	return nil
}

func validStat(s string) bool {
	return slices.Contains(types.Statistic("").Values(), types.Statistic(s)) || percentileRe.MatchString(s)
}

func (s *Service) runQuery(region string, q types.MetricDataQuery, from, to time.Time, scan types.ScanBy) types.MetricDataResult {
	ms := q.MetricStat
	m := ms.Metric
	period := time.Duration(*ms.Period) * time.Second
	start := alignStart(from, period)
	ps := s.metrics.window(region, *m.Namespace, *m.MetricName, m.Dimensions, start, to)
	label := aws.ToString(q.Label)
	if label == "" {
		label = *m.MetricName
	}
	r := types.MetricDataResult{Id: q.Id, Label: aws.String(label), StatusCode: types.StatusCodeComplete,
		Timestamps: []time.Time{}, Values: []float64{}}
	buckets := bucketed(ps, start, period, ms.Unit)
	times := make([]time.Time, 0, len(buckets))
	for b := range buckets {
		times = append(times, b)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	if scan != types.ScanByTimestampAscending {
		slices.Reverse(times)
	}
	for _, t := range times {
		var all []point
		for _, ups := range buckets[t] {
			all = append(all, ups...)
		}
		if v, ok := aggregate(all).stat(*ms.Stat); ok {
			r.Timestamps = append(r.Timestamps, t)
			r.Values = append(r.Values, v)
		}
	}
	return r
}

// statLabel is how an alarm names its statistic.
func statLabel(st types.Statistic, ext *string) string {
	if ext != nil {
		return *ext
	}
	return string(st)
}
