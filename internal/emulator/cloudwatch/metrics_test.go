package cloudwatch

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

func TestService_PutMetricData_Validation(t *testing.T) {
	f := newFixture(t, nil)
	now := f.clock.Now()
	datum := func(mod func(*types.MetricDatum)) []types.MetricDatum {
		d := types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1)}
		mod(&d)
		return []types.MetricDatum{d}
	}
	var dims []types.Dimension
	for i := 0; i < 31; i++ {
		dims = append(dims, types.Dimension{Name: aws.String(fmt.Sprint("d", i)), Value: aws.String("v")})
	}
	tests := []struct {
		name string
		ns   string
		data []types.MetricDatum
		code string
	}{
		{name: "AWS namespace reserved", ns: "AWS/EC2", data: datum(func(*types.MetricDatum) {}), code: codeInvalidParameter},
		{name: "no namespace", ns: "", data: datum(func(*types.MetricDatum) {}), code: codeMissing},
		{name: "no data", ns: "App", code: codeMissing},
		{name: "1001 metrics", ns: "App", data: make([]types.MetricDatum, 1001), code: codeInvalidParameter},
		{name: "31 dimensions", ns: "App", data: datum(func(d *types.MetricDatum) { d.Dimensions = dims }), code: codeInvalidParameter},
		{name: "older than two weeks", ns: "App", data: datum(func(d *types.MetricDatum) { d.Timestamp = aws.Time(now.Add(-15 * 24 * time.Hour)) }), code: codeInvalidParameter},
		{name: "more than two hours ahead", ns: "App", data: datum(func(d *types.MetricDatum) { d.Timestamp = aws.Time(now.Add(3 * time.Hour)) }), code: codeInvalidParameter},
		{name: "storage resolution 5", ns: "App", data: datum(func(d *types.MetricDatum) { d.StorageResolution = aws.Int32(5) }), code: codeInvalidParameter},
		{name: "value and values", ns: "App", data: datum(func(d *types.MetricDatum) { d.Values = []float64{1} }), code: codeCombination},
		{name: "counts of another size", ns: "App", data: datum(func(d *types.MetricDatum) { d.Value = nil; d.Values = []float64{1, 2}; d.Counts = []float64{1} }), code: codeInvalidParameter},
		{name: "no value", ns: "App", data: datum(func(d *types.MetricDatum) { d.Value = nil }), code: codeMissing},
		{name: "huge value", ns: "App", data: datum(func(d *types.MetricDatum) { d.Value = aws.Float64(1e200) }), code: codeInvalidParameter},
		{name: "bad unit", ns: "App", data: datum(func(d *types.MetricDatum) { d.Unit = "Parsecs" }), code: codeInvalidParameter},
		{name: "valid high resolution", ns: "App", data: datum(func(d *types.MetricDatum) { d.StorageResolution = aws.Int32(1) })},
		{name: "valid statistic set", ns: "App", data: datum(func(d *types.MetricDatum) {
			d.Value = nil
			d.StatisticValues = &types.StatisticSet{SampleCount: aws.Float64(2), Sum: aws.Float64(3), Minimum: aws.Float64(1), Maximum: aws.Float64(2)}
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.s.PutMetricData(ctx, region, &cloudwatch.PutMetricDataInput{Namespace: aws.String(tt.ns), MetricData: tt.data})
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tt.code)
		})
	}
	t.Run("AWS namespace wording", func(t *testing.T) {
		_, err := f.s.PutMetricData(ctx, region, &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/RDS"), MetricData: datum(func(*types.MetricDatum) {})})
		if err == nil || !strings.Contains(err.Error(), "The value AWS/RDS for parameter Namespace is invalid.") {
			t.Errorf("error = %v", err)
		}
	})
}

func TestService_GetMetricStatistics(t *testing.T) {
	f := newFixture(t, nil)
	dim := types.Dimension{Name: aws.String("Host"), Value: aws.String("a")}
	base := t0.Add(-10 * time.Minute) // 09:50
	var data []types.MetricDatum
	for i := 0; i < 10; i++ { // 09:50:00 … 09:54:30, two a minute: values 0..9
		data = append(data, types.MetricDatum{MetricName: aws.String("Latency"), Dimensions: []types.Dimension{dim},
			Timestamp: aws.Time(base.Add(time.Duration(i) * 30 * time.Second)), Value: aws.Float64(float64(i)), Unit: types.StandardUnitMilliseconds})
	}
	data = append(data, types.MetricDatum{MetricName: aws.String("Latency"), Dimensions: []types.Dimension{dim},
		Timestamp: aws.Time(base), Values: []float64{100, 200}, Counts: []float64{1, 3}, Unit: types.StandardUnitMilliseconds})
	if _, err := f.s.PutMetricData(ctx, region, &cloudwatch.PutMetricDataInput{Namespace: aws.String("App"), MetricData: data}); err != nil {
		t.Fatal(err)
	}
	get := func(in cloudwatch.GetMetricStatisticsInput) (*cloudwatch.GetMetricStatisticsOutput, error) {
		in.Namespace, in.MetricName, in.Dimensions = aws.String("App"), aws.String("Latency"), []types.Dimension{dim}
		return f.s.GetMetricStatistics(ctx, region, &in)
	}
	out, err := get(cloudwatch.GetMetricStatisticsInput{StartTime: aws.Time(base.Add(15 * time.Second)), EndTime: aws.Time(t0),
		Period: aws.Int32(120), Statistics: []types.Statistic{types.StatisticSum, types.StatisticSampleCount, types.StatisticAverage, types.StatisticMaximum, types.StatisticMinimum}})
	if err != nil {
		t.Fatal(err)
	}
	// Start rounds down to 09:50:00; periods 09:50, 09:52, 09:54.
	type row struct {
		at                   string
		sum, n, avg, max, mn float64
	}
	want := []row{{"09:50", 0 + 1 + 2 + 3 + 700, 8, 706.0 / 8, 200, 0}, {"09:52", 4 + 5 + 6 + 7, 4, 5.5, 7, 4}, {"09:54", 17, 2, 8.5, 9, 8}}
	if len(out.Datapoints) != len(want) {
		t.Fatalf("datapoints = %d, want %d", len(out.Datapoints), len(want))
	}
	for i, w := range want {
		dp := out.Datapoints[i]
		got := row{dp.Timestamp.Format("15:04"), *dp.Sum, *dp.SampleCount, *dp.Average, *dp.Maximum, *dp.Minimum}
		if got != w || dp.Unit != types.StandardUnitMilliseconds {
			t.Errorf("datapoint %d = %+v %s, want %+v", i, got, dp.Unit, w)
		}
	}
	out, err = get(cloudwatch.GetMetricStatisticsInput{StartTime: aws.Time(base), EndTime: aws.Time(t0), Period: aws.Int32(60),
		ExtendedStatistics: []string{"p50", "p99"}})
	if err != nil {
		t.Fatal(err)
	}
	if p := out.Datapoints[0].ExtendedStatistics; p["p50"] != 100 || p["p99"] != 200 {
		t.Errorf("09:50 percentiles = %v (values 0, 1, 100, 200×3)", p)
	}
	if p := out.Datapoints[1].ExtendedStatistics; p["p50"] != 2 || p["p99"] != 3 {
		t.Errorf("09:51 percentiles = %v (values 2, 3)", p)
	}
	out, _ = get(cloudwatch.GetMetricStatisticsInput{StartTime: aws.Time(base), EndTime: aws.Time(t0), Period: aws.Int32(60),
		Statistics: []types.Statistic{types.StatisticSum}, Unit: types.StandardUnitSeconds})
	if len(out.Datapoints) != 0 {
		t.Errorf("datapoints in Seconds = %v, want none", out.Datapoints)
	}
	for name, in := range map[string]cloudwatch.GetMetricStatisticsInput{
		"both statistics kinds": {StartTime: aws.Time(base), EndTime: aws.Time(t0), Period: aws.Int32(60), Statistics: []types.Statistic{"Sum"}, ExtendedStatistics: []string{"p9"}},
		"too many datapoints":   {StartTime: aws.Time(base.Add(-48 * time.Hour)), EndTime: aws.Time(t0), Period: aws.Int32(60), Statistics: []types.Statistic{"Sum"}},
	} {
		if _, err := get(in); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			wantCode(t, err, codeCombination)
		}
	}
	_, err = get(cloudwatch.GetMetricStatisticsInput{StartTime: aws.Time(base), EndTime: aws.Time(t0), Period: aws.Int32(90), Statistics: []types.Statistic{"Sum"}})
	wantCode(t, err, codeInvalidParameter)
}

func TestService_GetMetricData(t *testing.T) {
	f := newFixture(t, nil)
	for i := 0; i < 3; i++ {
		_, err := f.s.PutMetricData(ctx, region, &cloudwatch.PutMetricDataInput{Namespace: aws.String("App"), MetricData: []types.MetricDatum{
			{MetricName: aws.String("Q"), Timestamp: aws.Time(t0.Add(time.Duration(i) * time.Minute)), Value: aws.Float64(float64(i + 1))}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	f.clock.advance(5 * time.Minute)
	q := func(id string, ret *bool) types.MetricDataQuery {
		return types.MetricDataQuery{Id: aws.String(id), ReturnData: ret, MetricStat: &types.MetricStat{
			Metric: &types.Metric{Namespace: aws.String("App"), MetricName: aws.String("Q")}, Period: aws.Int32(60), Stat: aws.String("Sum")}}
	}
	out, err := f.s.GetMetricData(ctx, region, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(t0), EndTime: aws.Time(t0.Add(10 * time.Minute)),
		MetricDataQueries: []types.MetricDataQuery{q("a", nil), q("hidden", aws.Bool(false))}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricDataResults) != 1 {
		t.Fatalf("results = %d, want 1 (ReturnData false hides one)", len(out.MetricDataResults))
	}
	r := out.MetricDataResults[0]
	if *r.Id != "a" || *r.Label != "Q" || r.StatusCode != types.StatusCodeComplete || fmt.Sprint(r.Values) != "[3 2 1]" || !r.Timestamps[0].Equal(t0.Add(2*time.Minute)) {
		t.Errorf("result = %s %s %s %v %v (want newest first)", *r.Id, *r.Label, r.StatusCode, r.Values, r.Timestamps)
	}
	out, _ = f.s.GetMetricData(ctx, region, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(t0), EndTime: aws.Time(t0.Add(10 * time.Minute)),
		MetricDataQueries: []types.MetricDataQuery{q("a", nil)}, ScanBy: types.ScanByTimestampAscending})
	if v := out.MetricDataResults[0].Values; fmt.Sprint(v) != "[1 2 3]" {
		t.Errorf("ascending values = %v", v)
	}
	t.Run("pages", func(t *testing.T) {
		in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(t0), EndTime: aws.Time(t0.Add(10 * time.Minute)), MaxDatapoints: aws.Int32(2),
			MetricDataQueries: []types.MetricDataQuery{q("a", nil), q("b", nil)}, ScanBy: types.ScanByTimestampAscending}
		var got []string
		for pages := 0; ; pages++ {
			out, err := f.s.GetMetricData(ctx, region, in)
			if err != nil || pages > 3 {
				t.Fatalf("page %d: %v", pages, err)
			}
			for _, r := range out.MetricDataResults {
				got = append(got, fmt.Sprint(*r.Id, r.Values, r.StatusCode))
			}
			if out.NextToken == nil {
				break
			}
			in.NextToken = out.NextToken
		}
		want := "a[1 2]PartialData b[]PartialData a[3]Complete b[1]PartialData a[]Complete b[2 3]Complete"
		if strings.Join(got, " ") != want {
			t.Errorf("pages = %s\nwant    %s", strings.Join(got, " "), want)
		}
	})
	for name, qs := range map[string][]types.MetricDataQuery{
		"expression":    {{Id: aws.String("e"), Expression: aws.String("a*2")}},
		"bad id":        {q("Bad", nil)},
		"duplicate":     {q("a", nil), q("a", nil)},
		"none returned": {q("a", aws.Bool(false))},
	} {
		_, err := f.s.GetMetricData(ctx, region, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(t0), EndTime: aws.Time(t0.Add(time.Hour)), MetricDataQueries: qs})
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestService_ListMetrics(t *testing.T) {
	f := newFixture(t, nil)
	for i := 0; i < 502; i++ {
		f.put(t, "Bulk", "M", 1, types.Dimension{Name: aws.String("I"), Value: aws.String(fmt.Sprintf("%04d", i))})
	}
	f.put(t, "App", "Old", 1)
	f.clock.advance(4 * time.Hour)
	f.put(t, "App", "New", 1, types.Dimension{Name: aws.String("Host"), Value: aws.String("a")})
	list := func(in cloudwatch.ListMetricsInput) []string {
		t.Helper()
		out, err := f.s.ListMetrics(ctx, region, &in)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range out.Metrics {
			names = append(names, *m.MetricName)
		}
		return names
	}
	if got := list(cloudwatch.ListMetricsInput{Namespace: aws.String("App")}); fmt.Sprint(got) != "[New Old]" {
		t.Errorf("App metrics = %v", got)
	}
	if got := list(cloudwatch.ListMetricsInput{Namespace: aws.String("App"), RecentlyActive: types.RecentlyActivePt3h}); fmt.Sprint(got) != "[New]" {
		t.Errorf("recently active = %v", got)
	}
	if got := list(cloudwatch.ListMetricsInput{Dimensions: []types.DimensionFilter{{Name: aws.String("Host")}}}); fmt.Sprint(got) != "[New]" {
		t.Errorf("with dimension Host = %v", got)
	}
	if got := list(cloudwatch.ListMetricsInput{Dimensions: []types.DimensionFilter{{Name: aws.String("Host"), Value: aws.String("b")}}}); len(got) != 0 {
		t.Errorf("with Host=b = %v", got)
	}
	out, _ := f.s.ListMetrics(ctx, region, &cloudwatch.ListMetricsInput{Namespace: aws.String("Bulk")})
	if len(out.Metrics) != 500 || out.NextToken == nil {
		t.Fatalf("first page = %d metrics, token %v", len(out.Metrics), out.NextToken)
	}
	out2, _ := f.s.ListMetrics(ctx, region, &cloudwatch.ListMetricsInput{Namespace: aws.String("Bulk"), NextToken: out.NextToken})
	if len(out2.Metrics) != 2 || out2.NextToken != nil || *out2.Metrics[1].Dimensions[0].Value != "0501" {
		t.Errorf("second page = %v, token %v", out2.Metrics, out2.NextToken)
	}
	if got := list(cloudwatch.ListMetricsInput{}); len(got) != 500 {
		t.Errorf("other region sees %d", len(got))
	}
	other, _ := f.s.ListMetrics(ctx, "eu-west-1", &cloudwatch.ListMetricsInput{})
	if len(other.Metrics) != 0 {
		t.Errorf("eu-west-1 lists %d metrics", len(other.Metrics))
	}
}

// TestService_Publish checks the in-process publishers: AWS/ namespaces
// allowed, nothing while the region is down.
func TestService_Publish(t *testing.T) {
	f := newFixture(t, nil)
	d := []types.MetricDatum{{MetricName: aws.String("EngineUptime"), Value: aws.Float64(5)}}
	f.s.Publish(region, "AWS/RDS", d)
	f.down["eu-west-1"] = true
	f.s.Publish("eu-west-1", "AWS/RDS", d)
	for r, want := range map[string]int{region: 1, "eu-west-1": 0} {
		out, _ := f.s.ListMetrics(ctx, r, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/RDS")})
		if len(out.Metrics) != want {
			t.Errorf("%s: %d metrics, want %d", r, len(out.Metrics), want)
		}
	}
}
