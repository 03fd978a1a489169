package emulatortest_test

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/emulator/rpcdoc/rpcdoctest"
)

// TestCloudWatch_SDKAndBoto3 drives the emulated CloudWatch model with the
// two clients that do not speak Query: aws-sdk-go-v2 (Smithy RPC v2 CBOR)
// and boto3 (AWS JSON 1.0). Each puts datapoints, reads them back with
// GetMetricData, creates an alarm on them that goes to ALARM, and finds it
// with DescribeAlarms; the SDK also gets AWS's typed error for a bad
// namespace. Every response body is validated with botocore in its
// protocol.
func TestCloudWatch_SDKAndBoto3(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator and python3")
	}
	tap := &cloudWatchTap{}
	e := emulatortest.StartWith(t, emulator.Config{TimeScale: 0.05, ResponseTap: tap.tap})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const region = "ap-southeast-2"

	t.Run("aws-sdk-go-v2 (CBOR)", func(t *testing.T) {
		cw := cloudwatch.New(cloudwatch.Options{Region: region, BaseEndpoint: aws.String(e.Endpoint()),
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
		dims := []types.Dimension{{Name: aws.String("DBClusterIdentifier"), Value: aws.String("sdk")}}
		now := time.Now().UTC().Truncate(time.Second)
		_, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("Globaldb/Canary"),
			MetricData: []types.MetricDatum{
				{MetricName: aws.String("Healthy"), Dimensions: dims, Value: aws.Float64(0), Timestamp: aws.Time(now), Unit: types.StandardUnitCount},
				{MetricName: aws.String("Healthy"), Dimensions: dims, Value: aws.Float64(0), Timestamp: aws.Time(now.Add(-time.Second)), Unit: types.StandardUnitCount},
			}})
		if err != nil {
			t.Fatalf("PutMetricData: %v", err)
		}
		out, err := cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
			StartTime: aws.Time(now.Add(-5 * time.Minute)), EndTime: aws.Time(now.Add(5 * time.Minute)),
			MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("h"), MetricStat: &types.MetricStat{
				Metric: &types.Metric{Namespace: aws.String("Globaldb/Canary"), MetricName: aws.String("Healthy"), Dimensions: dims},
				Period: aws.Int32(600), Stat: aws.String("SampleCount")}}}})
		if err != nil {
			t.Fatalf("GetMetricData: %v", err)
		}
		if len(out.MetricDataResults) != 1 || len(out.MetricDataResults[0].Values) != 1 || out.MetricDataResults[0].Values[0] != 2 {
			t.Fatalf("GetMetricData: %+v, want one result with SampleCount 2", out.MetricDataResults)
		}
		if len(out.MetricDataResults[0].Timestamps) != 1 || out.MetricDataResults[0].Timestamps[0].IsZero() {
			t.Errorf("GetMetricData timestamps %v", out.MetricDataResults[0].Timestamps)
		}
		_, err = cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/RDS"),
			MetricData: []types.MetricDatum{{MetricName: aws.String("EngineUptime"), Value: aws.Float64(1)}}})
		var bad *types.InvalidParameterValueException
		if !errors.As(err, &bad) {
			t.Errorf("PutMetricData into AWS/RDS: %v, want InvalidParameterValue", err)
		}
		_, err = cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("sdk-canary"),
			Namespace: aws.String("Globaldb/Canary"), MetricName: aws.String("Healthy"), Dimensions: dims,
			Statistic: types.StatisticMinimum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1),
			Threshold: aws.Float64(1), ComparisonOperator: types.ComparisonOperatorLessThanThreshold,
			TreatMissingData: aws.String("breaching")})
		if err != nil {
			t.Fatalf("PutMetricAlarm: %v", err)
		}
		for {
			d, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"sdk-canary"}})
			if err != nil {
				t.Fatalf("DescribeAlarms: %v", err)
			}
			if len(d.MetricAlarms) != 1 {
				t.Fatalf("DescribeAlarms: %d metric alarms, want 1", len(d.MetricAlarms))
			}
			if a := d.MetricAlarms[0]; a.StateValue == types.StateValueAlarm {
				if !strings.HasPrefix(aws.ToString(a.StateReason), "Threshold Crossed") {
					t.Errorf("state reason %q", aws.ToString(a.StateReason))
				}
				break
			}
			select {
			case <-ctx.Done():
				t.Fatal("the alarm never went to ALARM")
			case <-time.After(100 * time.Millisecond):
			}
		}
	})

	t.Run("boto3 (JSON)", func(t *testing.T) {
		out := runBoto3(ctx, t, boto3CloudWatch, e.Endpoint(), region)
		var got struct {
			Protocol    string    `json:"protocol"`
			SampleCount []float64 `json:"sample_count"`
			State       string    `json:"state"`
			Missing     string    `json:"missing"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("boto3 output %q: %v", out, err)
		}
		if got.Protocol != "json" || len(got.SampleCount) != 1 || got.SampleCount[0] != 3 || got.State != "ALARM" || got.Missing != "ResourceNotFound" {
			t.Errorf("boto3: %+v, want protocol json, SampleCount [3], the alarm in ALARM, ResourceNotFound for a missing alarm's history", got)
		}
	})

	n, boto3JSON := 0, 0
	for _, ex := range tap.exchanges() {
		if strings.Contains(ex.UserAgent, "Boto3") && strings.Contains(ex.Header.Get("Content-Type"), "json") {
			boto3JSON++
		}
		protocol := ""
		switch ct := ex.Header.Get("Content-Type"); {
		case strings.Contains(ct, "cbor"):
			protocol = rpcdoctest.CBOR
		case strings.Contains(ct, "json"):
			protocol = rpcdoctest.JSON
		default:
			continue
		}
		n++
		rpcdoctest.ValidateWithBotocore(t, protocol, "cloudwatch", ex.Operation, ex.Body)
	}
	if n == 0 || boto3JSON == 0 {
		t.Errorf("%d CBOR or JSON responses validated, %d JSON answers to boto3; want some of both", n, boto3JSON)
	}
}

// boto3CloudWatch puts three datapoints, reads their SampleCount, creates
// a breaching alarm and waits for it; it prints what it saw as JSON.
const boto3CloudWatch = `
import datetime, json, sys, time
import boto3, botocore
endpoint, region = sys.argv[1], sys.argv[2]
cw = boto3.client("cloudwatch", endpoint_url=endpoint, region_name=region,
                  config=botocore.config.Config(retries={"max_attempts": 1}))
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
dims = [{"Name": "DBClusterIdentifier", "Value": "boto3"}]
cw.put_metric_data(Namespace="Globaldb/Canary", MetricData=[
    {"MetricName": "Healthy", "Dimensions": dims, "Value": 0.0, "Timestamp": now - datetime.timedelta(seconds=i)}
    for i in range(3)])
res = cw.get_metric_data(StartTime=now - datetime.timedelta(minutes=5), EndTime=now + datetime.timedelta(minutes=5),
    MetricDataQueries=[{"Id": "h", "MetricStat": {"Metric": {"Namespace": "Globaldb/Canary", "MetricName": "Healthy",
    "Dimensions": dims}, "Period": 600, "Stat": "SampleCount"}}])
cw.put_metric_alarm(AlarmName="boto3-canary", Namespace="Globaldb/Canary", MetricName="Healthy", Dimensions=dims,
    Statistic="Minimum", Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="LessThanThreshold",
    TreatMissingData="breaching")
state = ""
deadline = time.time() + 60
while time.time() < deadline:
    state = cw.describe_alarms(AlarmNames=["boto3-canary"])["MetricAlarms"][0]["StateValue"]
    if state == "ALARM":
        break
    time.sleep(0.1)
try:
    cw.set_alarm_state(AlarmName="no-such-alarm", StateValue="OK", StateReason="test")
    missing = ""
except botocore.exceptions.ClientError as e:
    missing = e.response["Error"]["Code"]
print(json.dumps({"protocol": cw.meta.service_model.resolved_protocol, "sample_count": res["MetricDataResults"][0]["Values"],
    "state": state, "missing": missing}))
`

// runBoto3 runs a python3 script with the root credentials and no AWS
// configuration of the machine, and returns its standard output; it skips
// without python3.
func runBoto3(ctx context.Context, t *testing.T, script string, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	cmd := exec.CommandContext(ctx, "python3", append([]string{"-c", script}, args...)...)
	cmd.Env = append(cmd.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ENDPOINT_URL=")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("boto3: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("boto3: %v", err)
	}
	return out
}
