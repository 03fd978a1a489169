package emulator

import (
	"bytes"
	"context"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/cloudwatch"
	"github.com/globaldb/globaldb/internal/emulator/query"
	"github.com/globaldb/globaldb/internal/emulator/query/querytest"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time                       { return c.t }
func (c fixedClock) After(time.Duration) <-chan time.Time { return nil }

// TestCloudWatch_QueryWire runs Query-protocol forms through the wired
// CloudWatch handler and codec, compares the responses with the golden
// files in testdata/cloudwatch/ (-update rewrites them) and validates them
// with botocore.
func TestCloudWatch_QueryWire(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 30, 0, time.UTC)
	m, err := cloudwatch.New(cloudwatch.Config{AccountID: "123456789012", Clock: clock.Scaled{Base: fixedClock{now}, Scale: 1}})
	if err != nil {
		t.Fatal(err)
	}
	model := awsmodel.MustLoad("cloudwatch")
	codec := query.NewCodec(model)
	h := cloudWatchHandler(m, model)
	steps := []struct {
		name string
		form string
	}{
		{"put-metric-data", "Action=PutMetricData&Namespace=App&MetricData.member.1.MetricName=Latency&MetricData.member.1.Unit=Milliseconds" +
			"&MetricData.member.1.Dimensions.member.1.Name=Host&MetricData.member.1.Dimensions.member.1.Value=a" +
			"&MetricData.member.1.Values.member.1=10&MetricData.member.1.Values.member.2=30&MetricData.member.1.Counts.member.1=1&MetricData.member.1.Counts.member.2=3"},
		{"put-metric-data-aws-namespace", "Action=PutMetricData&Namespace=AWS/RDS&MetricData.member.1.MetricName=X&MetricData.member.1.Value=1"},
		{"get-metric-statistics", "Action=GetMetricStatistics&Namespace=App&MetricName=Latency&Dimensions.member.1.Name=Host&Dimensions.member.1.Value=a" +
			"&StartTime=2026-12-05T09:55:00Z&EndTime=2026-12-05T10:05:00Z&Period=300&Statistics.member.1=Sum&Statistics.member.2=SampleCount"},
		{"get-metric-statistics-percentiles", "Action=GetMetricStatistics&Namespace=App&MetricName=Latency&Dimensions.member.1.Name=Host&Dimensions.member.1.Value=a" +
			"&StartTime=2026-12-05T09:55:00Z&EndTime=2026-12-05T10:05:00Z&Period=300&ExtendedStatistics.member.1=p50&ExtendedStatistics.member.2=p99"},
		{"get-metric-data", "Action=GetMetricData&StartTime=2026-12-05T09:55:00Z&EndTime=2026-12-05T10:05:00Z" +
			"&MetricDataQueries.member.1.Id=lat&MetricDataQueries.member.1.MetricStat.Metric.Namespace=App&MetricDataQueries.member.1.MetricStat.Metric.MetricName=Latency" +
			"&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name=Host&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value=a" +
			"&MetricDataQueries.member.1.MetricStat.Period=60&MetricDataQueries.member.1.MetricStat.Stat=Maximum"},
		{"list-metrics", "Action=ListMetrics&Namespace=App"},
		{"put-metric-alarm", "Action=PutMetricAlarm&AlarmName=latency-high&Namespace=App&MetricName=Latency&Dimensions.member.1.Name=Host&Dimensions.member.1.Value=a" +
			"&Statistic=Average&Period=60&EvaluationPeriods=3&DatapointsToAlarm=2&Threshold=25&ComparisonOperator=GreaterThanThreshold&TreatMissingData=breaching" +
			"&AlarmActions.member.1=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Apage&Tags.member.1.Key=team&Tags.member.1.Value=db"},
		{"put-metric-alarm-bad-period", "Action=PutMetricAlarm&AlarmName=bad&Namespace=App&MetricName=Latency&Statistic=Average&Period=45" +
			"&EvaluationPeriods=1&Threshold=1&ComparisonOperator=GreaterThanThreshold"},
		{"put-composite-alarm", "Action=PutCompositeAlarm&AlarmName=any-high&AlarmRule=ALARM(%22latency-high%22)%20OR%20FALSE"},
		{"set-alarm-state", "Action=SetAlarmState&AlarmName=latency-high&StateValue=ALARM&StateReason=drill"},
		{"describe-alarms", "Action=DescribeAlarms&AlarmTypes.member.1=MetricAlarm&AlarmTypes.member.2=CompositeAlarm"},
		{"describe-alarms-for-metric", "Action=DescribeAlarmsForMetric&Namespace=App&MetricName=Latency"},
		{"describe-alarm-history", "Action=DescribeAlarmHistory&AlarmName=latency-high&ScanBy=TimestampAscending"},
		{"list-tags-for-resource", "Action=ListTagsForResource&ResourceARN=arn%3Aaws%3Acloudwatch%3Aus-east-1%3A123456789012%3Aalarm%3Alatency-high"},
		{"delete-alarms-child", "Action=DeleteAlarms&AlarmNames.member.1=latency-high"},
		{"disable-alarm-actions", "Action=DisableAlarmActions&AlarmNames.member.1=latency-high"},
		{"delete-alarms", "Action=DeleteAlarms&AlarmNames.member.1=any-high&AlarmNames.member.2=latency-high"},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			form, err := url.ParseQuery(st.form + "&Version=2010-08-01")
			if err != nil {
				t.Fatal(err)
			}
			call, err := codec.Decode(form)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			call.Region = "us-east-1"
			reqID := "00000000-0000-4000-8000-" + strings.Repeat("0", 10) + string(rune('a'+i/10)) + string(rune('0'+i%10))
			var body []byte
			doc, err := h.Handle(context.Background(), call)
			if err != nil {
				body, _ = codec.EncodeError(err, reqID)
			} else if body, err = codec.EncodeResult(call.Action, doc, reqID); err != nil {
				t.Fatalf("encode: %v", err)
			}
			golden(t, filepath.Join("testdata", "cloudwatch", st.name+".xml"), body)
			querytest.ValidateWithBotocore(t, "cloudwatch", call.Action, body)
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("response differs from %s (run with -update if the change is intended)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
