package cloudwatch

import (
	"context"
	"encoding/base64"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// AWS limits of PutMetricData and ListMetrics.
const (
	maxMetricsPerPut  = 1000
	maxDimensions     = 30
	maxValuesPerDatum = 150
	pastLimit         = 14 * 24 * time.Hour
	futureLimit       = 2 * time.Hour
	listPageSize      = 500
	recentlyActive    = 3 * time.Hour
	listedFor         = 14 * 24 * time.Hour
	maxMagnitude      = 1.174271e+108
	minMagnitude      = 8.515920e-109
	defaultResolution = 60
	highResolution    = 1
	metricNameMaxLen  = 255
	namespaceMaxLen   = 255
	dimensionNameMax  = 255
	dimensionValueMax = 1024
)

// retention is how long datapoints are kept (by timestamp): enough for
// every alarm window at the time scales the emulator runs, small in
// memory. Older datapoints are dropped (docs/emulator.md).
const retention = 3 * time.Hour

// point is one PutMetricData datum: a statistic set, with the raw values
// (weighted by counts) when it was published as values (percentiles need
// them).
type point struct {
	t                    time.Time
	unit                 types.StandardUnit
	count, sum, min, max float64
	values, counts       []float64 // nil for a statistic set
}

// series is one metric: namespace, name and dimension set in a region.
type series struct {
	region, namespace, name string
	dims                    []types.Dimension // sorted by name
	points                  []point           // by timestamp
	lastPut                 time.Time         // wall time of the last datum received
}

type seriesKey struct{ region, namespace, name, dims string }

// metricStore holds every series; its own lock keeps publishers off the
// alarm lock.
type metricStore struct {
	mu     sync.Mutex
	series map[seriesKey]*series
}

func newMetricStore() *metricStore { return &metricStore{series: map[seriesKey]*series{}} }

func sortedDims(dims []types.Dimension) []types.Dimension {
	out := make([]types.Dimension, len(dims))
	for i, d := range dims {
		out[i] = types.Dimension{Name: aws.String(aws.ToString(d.Name)), Value: aws.String(aws.ToString(d.Value))}
	}
	sort.Slice(out, func(i, j int) bool { return *out[i].Name < *out[j].Name })
	return out
}

func dimsKey(sorted []types.Dimension) string {
	var b strings.Builder
	for _, d := range sorted {
		b.WriteString(*d.Name)
		b.WriteByte(0)
		b.WriteString(*d.Value)
		b.WriteByte(0)
	}
	return b.String()
}

func keyOf(region, namespace, name string, dims []types.Dimension) (seriesKey, []types.Dimension) {
	sd := sortedDims(dims)
	return seriesKey{region, namespace, name, dimsKey(sd)}, sd
}

// add stores validated data; now is the wall time of the put.
func (m *metricStore) add(region, namespace string, data []types.MetricDatum, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range data {
		k, sd := keyOf(region, namespace, aws.ToString(d.MetricName), d.Dimensions)
		se := m.series[k]
		if se == nil {
			se = &series{region: region, namespace: namespace, name: k.name, dims: sd}
			m.series[k] = se
		}
		se.lastPut = now
		se.insert(toPoint(d, now))
		se.prune(now)
	}
}

func toPoint(d types.MetricDatum, now time.Time) point {
	p := point{t: now, unit: d.Unit}
	if p.unit == "" {
		p.unit = types.StandardUnitNone
	}
	if d.Timestamp != nil {
		p.t = d.Timestamp.UTC()
	}
	switch {
	case d.StatisticValues != nil:
		sv := d.StatisticValues
		p.count, p.sum, p.min, p.max = aws.ToFloat64(sv.SampleCount), aws.ToFloat64(sv.Sum), aws.ToFloat64(sv.Minimum), aws.ToFloat64(sv.Maximum)
	case d.Value != nil:
		v := *d.Value
		p.count, p.sum, p.min, p.max = 1, v, v, v
		p.values, p.counts = []float64{v}, []float64{1}
	default:
		p.values = slices.Clone(d.Values)
		p.counts = make([]float64, len(d.Values))
		p.min, p.max = math.Inf(1), math.Inf(-1)
		for i, v := range d.Values {
			c := 1.0
			if i < len(d.Counts) {
				c = d.Counts[i]
			}
			p.counts[i] = c
			p.count += c
			p.sum += v * c
			p.min, p.max = min(p.min, v), max(p.max, v)
		}
	}
	return p
}

func (se *series) insert(p point) {
	i := sort.Search(len(se.points), func(i int) bool { return se.points[i].t.After(p.t) })
	se.points = slices.Insert(se.points, i, p)
}

func (se *series) prune(now time.Time) {
	cut := now.Add(-retention)
	i := sort.Search(len(se.points), func(i int) bool { return !se.points[i].t.Before(cut) })
	if i > 0 {
		se.points = slices.Delete(se.points, 0, i)
	}
}

// pruneAll drops expired datapoints and series not written for listedFor.
func (m *metricStore) pruneAll(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, se := range m.series {
		se.prune(now)
		if now.Sub(se.lastPut) > listedFor {
			delete(m.series, k)
		}
	}
}

// window returns copies of the datapoints of one series with from <= t < to.
func (m *metricStore) window(region, namespace, name string, dims []types.Dimension, from, to time.Time) []point {
	k, _ := keyOf(region, namespace, name, dims)
	m.mu.Lock()
	defer m.mu.Unlock()
	se := m.series[k]
	if se == nil {
		return nil
	}
	lo := sort.Search(len(se.points), func(i int) bool { return !se.points[i].t.Before(from) })
	hi := sort.Search(len(se.points), func(i int) bool { return !se.points[i].t.Before(to) })
	return slices.Clone(se.points[lo:hi])
}

// PutMetricData stores custom metrics; namespaces starting with AWS/ are
// reserved (Publish is for them).
func (s *Service) PutMetricData(_ context.Context, region string, in *cloudwatch.PutMetricDataInput) (*cloudwatch.PutMetricDataOutput, error) {
	ns := aws.ToString(in.Namespace)
	if ns == "" {
		return nil, missingParam("Namespace")
	}
	if strings.HasPrefix(ns, "AWS/") {
		return nil, invalidf("The value %s for parameter Namespace is invalid.", ns)
	}
	if len(ns) > namespaceMaxLen {
		return nil, invalidf("The parameter Namespace must be no longer than %d characters.", namespaceMaxLen)
	}
	if len(in.MetricData) == 0 && len(in.EntityMetricData) == 0 {
		return nil, missingParam("MetricData")
	}
	if len(in.EntityMetricData) > 0 {
		return nil, invalidf("EntityMetricData is not supported by the globaldb emulator; send MetricData.")
	}
	if len(in.MetricData) > maxMetricsPerPut {
		return nil, invalidf("The collection MetricData must not have a size greater than %d.", maxMetricsPerPut)
	}
	now := s.now()
	for i, d := range in.MetricData {
		if err := validateDatum(d, i+1, now); err != nil {
			return nil, err
		}
	}
	s.metrics.add(region, ns, in.MetricData, now)
	return &cloudwatch.PutMetricDataOutput{}, nil
}

// Publish stores datapoints of the emulated services (AWS/ namespaces
// allowed); a region in an outage publishes nothing. Invalid data is
// logged and dropped.
func (s *Service) Publish(region, namespace string, data []types.MetricDatum) {
	if s.regionDown(region) || len(data) == 0 {
		return
	}
	now := s.now()
	for i, d := range data {
		if err := validateDatum(d, i+1, now); err != nil {
			s.log.Warn("publish: datum refused", "region", region, "namespace", namespace, "err", err)
			return
		}
	}
	s.metrics.add(region, namespace, data, now)
}

func validateDatum(d types.MetricDatum, n int, now time.Time) error {
	p := func(field string) string { return "MetricData.member." + itoa(n) + "." + field }
	name := aws.ToString(d.MetricName)
	if name == "" {
		return missingParam(p("MetricName"))
	}
	if len(name) > metricNameMaxLen {
		return invalidf("The parameter %s must be no longer than %d characters.", p("MetricName"), metricNameMaxLen)
	}
	if len(d.Dimensions) > maxDimensions {
		return invalidf("The collection %s must not have a size greater than %d.", p("Dimensions"), maxDimensions)
	}
	seen := map[string]bool{}
	for j, dim := range d.Dimensions {
		dn, dv := aws.ToString(dim.Name), aws.ToString(dim.Value)
		dp := p("Dimensions.member." + itoa(j+1))
		if dn == "" || dim.Value == nil || dv == "" {
			return invalidf("The parameter %s must have a non-empty Name and Value.", dp)
		}
		if len(dn) > dimensionNameMax || len(dv) > dimensionValueMax {
			return invalidf("The parameter %s is too long.", dp)
		}
		if seen[dn] {
			return invalidf("No metric may have duplicate dimension names: %s appears twice in %s.", dn, p("Dimensions"))
		}
		seen[dn] = true
	}
	if err := validateValues(d, p); err != nil {
		return err
	}
	if d.Timestamp != nil {
		if d.Timestamp.Before(now.Add(-pastLimit)) {
			return invalidf("The parameter %s must specify a time no more than two weeks in the past.", p("Timestamp"))
		}
		if d.Timestamp.After(now.Add(futureLimit)) {
			return invalidf("The parameter %s must specify a time no more than two hours in the future.", p("Timestamp"))
		}
	}
	if r := d.StorageResolution; r != nil && *r != defaultResolution && *r != highResolution {
		return invalidf("The value %d for parameter %s is invalid: it must be 1 or 60.", *r, p("StorageResolution"))
	}
	if d.Unit != "" && !slices.Contains(types.StandardUnit("").Values(), d.Unit) {
		return invalidf("The value %s for parameter %s is invalid.", d.Unit, p("Unit"))
	}
	return nil
}

func validateValues(d types.MetricDatum, p func(string) string) error {
	set := 0
	for _, b := range []bool{d.Value != nil, d.StatisticValues != nil, len(d.Values) > 0} {
		if b {
			set++
		}
	}
	if set > 1 {
		return combinationf("The parameters %s, %s and %s are mutually exclusive and you have specified more than one.",
			p("Value"), p("StatisticValues"), p("Values"))
	}
	if set == 0 {
		return awserr.New(codeMissing, "One of the parameters %s, %s or %s is required.", p("Value"), p("StatisticValues"), p("Values"))
	}
	if d.Value != nil {
		return checkMagnitude(*d.Value, p("Value"))
	}
	if sv := d.StatisticValues; sv != nil {
		if sv.SampleCount == nil || sv.Sum == nil || sv.Minimum == nil || sv.Maximum == nil {
			return missingParam(p("StatisticValues") + " (SampleCount, Sum, Minimum and Maximum)")
		}
		if *sv.SampleCount <= 0 {
			return invalidf("The parameter %s must be greater than 0.", p("StatisticValues.SampleCount"))
		}
		if *sv.Minimum > *sv.Maximum {
			return invalidf("The parameter %s must not be greater than %s.", p("StatisticValues.Minimum"), p("StatisticValues.Maximum"))
		}
		for _, v := range []float64{*sv.Sum, *sv.Minimum, *sv.Maximum} {
			if err := checkMagnitude(v, p("StatisticValues")); err != nil {
				return err
			}
		}
		return nil
	}
	if len(d.Values) > maxValuesPerDatum {
		return invalidf("The collection %s must not have a size greater than %d.", p("Values"), maxValuesPerDatum)
	}
	if len(d.Counts) > 0 && len(d.Counts) != len(d.Values) {
		return invalidf("The parameters %s and %s must be of the same size.", p("Values"), p("Counts"))
	}
	for _, v := range d.Values {
		if err := checkMagnitude(v, p("Values")); err != nil {
			return err
		}
	}
	for _, c := range d.Counts {
		if c < 0 || math.IsNaN(c) || math.IsInf(c, 0) {
			return invalidf("The parameter %s must hold non-negative numbers.", p("Counts"))
		}
	}
	return nil
}

func checkMagnitude(v float64, param string) error {
	a := math.Abs(v)
	if math.IsNaN(v) || math.IsInf(v, 0) || a > maxMagnitude || (a != 0 && a < minMagnitude) {
		return invalidf("The value %v for parameter %s is invalid.", v, param)
	}
	return nil
}

// ListMetrics lists the metrics with data in the last two weeks, filtered
// by namespace, name, dimensions and recent activity, 500 a page.
func (s *Service) ListMetrics(_ context.Context, region string, in *cloudwatch.ListMetricsInput) (*cloudwatch.ListMetricsOutput, error) {
	if in.RecentlyActive != "" && in.RecentlyActive != types.RecentlyActivePt3h {
		return nil, invalidf("The value %s for parameter RecentlyActive is invalid.", in.RecentlyActive)
	}
	if len(in.Dimensions) > 10 {
		return nil, invalidf("The collection Dimensions must not have a size greater than 10.")
	}
	now := s.now()
	type item struct {
		key string
		m   types.Metric
	}
	var items []item
	s.metrics.mu.Lock()
	for k, se := range s.metrics.series {
		if k.region != region || now.Sub(se.lastPut) > listedFor || !metricMatches(se, in) {
			continue
		}
		if in.RecentlyActive == types.RecentlyActivePt3h && now.Sub(se.lastPut) > recentlyActive {
			continue
		}
		items = append(items, item{key: k.namespace + "\x00" + k.name + "\x00" + k.dims, m: types.Metric{
			Namespace: aws.String(se.namespace), MetricName: aws.String(se.name), Dimensions: slices.Clone(se.dims)}})
	}
	s.metrics.mu.Unlock()
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	start := 0
	if tok := aws.ToString(in.NextToken); tok != "" {
		after, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			return nil, awserr.New(codeInvalidNextToken, "The service couldn't process the NextToken.")
		}
		start = sort.Search(len(items), func(i int) bool { return items[i].key > string(after) })
	}
	out := &cloudwatch.ListMetricsOutput{Metrics: []types.Metric{}}
	end := min(start+listPageSize, len(items))
	for _, it := range items[start:end] {
		out.Metrics = append(out.Metrics, it.m)
	}
	if end < len(items) {
		out.NextToken = aws.String(base64.RawURLEncoding.EncodeToString([]byte(items[end-1].key)))
	}
	return out, nil
}

func metricMatches(se *series, in *cloudwatch.ListMetricsInput) bool {
	if in.Namespace != nil && *in.Namespace != se.namespace {
		return false
	}
	if in.MetricName != nil && *in.MetricName != se.name {
		return false
	}
	for _, f := range in.Dimensions {
		found := false
		for _, d := range se.dims {
			if *d.Name == aws.ToString(f.Name) && (f.Value == nil || *d.Value == *f.Value) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func itoa(n int) string { return strconv.Itoa(n) }
