package emulatortest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/emulator/query/querytest"
)

// cloudWatchTap keeps the emulator's CloudWatch responses for botocore.
type cloudWatchTap struct {
	mu  sync.Mutex
	exs []emulator.Exchange
}

func (c *cloudWatchTap) tap(ex emulator.Exchange) {
	if ex.Service != "monitoring" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.exs = append(c.exs, ex)
}

func (c *cloudWatchTap) exchanges() []emulator.Exchange {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]emulator.Exchange(nil), c.exs...)
}

// TestCloudWatch_QueryProtocol runs CloudWatch over the Query protocol
// with Debian's aws CLI v2.9 and a raw SigV4-signed Query request:
// PutMetricData → GetMetricStatistics and GetMetricData, an alarm that
// goes ALARM and back to OK with its history, DescribeAlarms, errors, and
// the region outage. Every response is validated with botocore.
func TestCloudWatch_QueryProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator and runs the aws CLI")
	}
	cli2, ok := emulatortest.AWSCLIVersion("2")
	if !ok {
		t.Skip("Debian's aws CLI v2 (/usr/bin/aws) is not installed")
	}
	tap := &cloudWatchTap{}
	// Scale 0.05: an alarm's 60 s period spans 3 s.
	e := emulatortest.StartWith(t, emulator.Config{TimeScale: 0.05, ResponseTap: tap.tap})
	cli := &awsCLI{t: t, bin: cli2.Bin, endpoint: e.Endpoint(), service: "cloudwatch", env: []string{
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_PAGER=",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ENDPOINT_URL="}}
	const region = "eu-west-1"
	start := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)

	t.Run("metrics", func(t *testing.T) {
		cli.t = t
		cli.must(region, "put-metric-data", "--namespace", "Globaldb/Test", "--metric-data",
			`[{"MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"a"}],"Values":[10,30],"Counts":[1,1],"Unit":"Milliseconds"}]`)
		cli.must(region, "put-metric-data", "--namespace", "Globaldb/Test", "--metric-name", "Latency",
			"--dimensions", "Host=a", "--value", "50", "--unit", "Milliseconds")
		end := time.Now().UTC().Add(time.Minute).Format(time.RFC3339)
		out := cli.must(region, "get-metric-statistics", "--namespace", "Globaldb/Test", "--metric-name", "Latency",
			"--dimensions", "Name=Host,Value=a", "--start-time", start, "--end-time", end, "--period", "300",
			"--statistics", "SampleCount", "Sum", "Maximum")
		dps := out["Datapoints"].([]any)
		var n, sum, maxv float64
		for _, d := range dps {
			dp := d.(map[string]any)
			n += dp["SampleCount"].(float64)
			sum += dp["Sum"].(float64)
			maxv = max(maxv, dp["Maximum"].(float64))
		}
		if n != 3 || sum != 90 || maxv != 50 || out["Label"] != "Latency" {
			t.Errorf("statistics = %v", out)
		}
		list := cli.must(region, "list-metrics", "--namespace", "Globaldb/Test")
		if m := list["Metrics"].([]any); len(m) != 1 {
			t.Errorf("list-metrics = %v", list)
		}
		if _, stderr, err := cli.run(region, "put-metric-data", "--namespace", "AWS/EC2", "--metric-name", "X", "--value", "1"); err == nil ||
			!strings.Contains(stderr, "InvalidParameterValue") || !strings.Contains(stderr, "The value AWS/EC2 for parameter Namespace is invalid.") {
			t.Errorf("put-metric-data in AWS/EC2: err=%v stderr=%s", err, stderr)
		}
		// GetMetricData as a raw Query request, signed like any SDK.
		form := url.Values{"Action": {"GetMetricData"}, "Version": {"2010-08-01"}, "StartTime": {start}, "EndTime": {end},
			"MetricDataQueries.member.1.Id": {"lat"}, "MetricDataQueries.member.1.MetricStat.Metric.Namespace": {"Globaldb/Test"},
			"MetricDataQueries.member.1.MetricStat.Metric.MetricName":                {"Latency"},
			"MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name":  {"Host"},
			"MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value": {"a"},
			"MetricDataQueries.member.1.MetricStat.Period":                           {"300"}, "MetricDataQueries.member.1.MetricStat.Stat": {"Average"}}
		status, body := rawQuery(t, e.Endpoint(), region, form)
		var res struct {
			Results []struct {
				ID     string    `xml:"Id"`
				Status string    `xml:"StatusCode"`
				Values []float64 `xml:"Values>member"`
			} `xml:"GetMetricDataResult>MetricDataResults>member"`
		}
		if err := xml.Unmarshal(body, &res); status != http.StatusOK || err != nil || len(res.Results) != 1 ||
			res.Results[0].ID != "lat" || res.Results[0].Status != "Complete" || len(res.Results[0].Values) == 0 {
			t.Errorf("GetMetricData: %d %v\n%s", status, err, body)
		}
	})

	t.Run("alarm goes ALARM and back", func(t *testing.T) {
		cli.t = t
		cli.must(region, "put-metric-alarm", "--alarm-name", "errors-high", "--namespace", "Globaldb/Test", "--metric-name", "Errors",
			"--statistic", "Maximum", "--period", "60", "--evaluation-periods", "1", "--threshold", "3",
			"--comparison-operator", "GreaterThanThreshold", "--alarm-actions", "arn:aws:sns:eu-west-1:000000000000:page",
			"--tags", "Key=team,Value=db")
		if got := alarmState(t, cli, region, "errors-high"); got["StateValue"] != "INSUFFICIENT_DATA" || got["StateReason"] != "Unchecked: Initial alarm creation" {
			t.Fatalf("new alarm = %v", got)
		}
		cli.must(region, "put-metric-data", "--namespace", "Globaldb/Test", "--metric-name", "Errors", "--value", "5")
		a := waitAlarm(t, cli, region, "errors-high", "ALARM")
		if r := a["StateReason"].(string); !strings.HasPrefix(r, "Threshold Crossed: 1 out of the last 1 datapoints [5.0 (") ||
			!strings.HasSuffix(r, ")] was greater than the threshold (3.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition).") {
			t.Errorf("StateReason = %q", r)
		}
		if err := pollMetricAlarm(e, region, "errors-high"); err != "" {
			t.Error(err)
		}
		cli.must(region, "put-metric-data", "--namespace", "Globaldb/Test", "--metric-name", "Errors", "--value", "1")
		waitAlarm(t, cli, region, "errors-high", "OK")
		hist := cli.must(region, "describe-alarm-history", "--alarm-name", "errors-high", "--scan-by", "TimestampAscending")
		var summaries []string
		for _, h := range hist["AlarmHistoryItems"].([]any) {
			item := h.(map[string]any)
			summaries = append(summaries, item["HistoryItemType"].(string)+": "+strings.SplitN(item["HistorySummary"].(string), ",", 2)[0])
		}
		want := []string{`ConfigurationUpdate: Alarm "errors-high" created`, "StateUpdate: Alarm updated from INSUFFICIENT_DATA to ALARM",
			"Action: Action arn:aws:sns:eu-west-1:000000000000:page recorded", "StateUpdate: Alarm updated from ALARM to OK"}
		if strings.Join(summaries, "\n") != strings.Join(want, "\n") {
			t.Errorf("history:\n%s\nwant:\n%s", strings.Join(summaries, "\n"), strings.Join(want, "\n"))
		}
		tags := cli.must(region, "list-tags-for-resource", "--resource-arn", "arn:aws:cloudwatch:eu-west-1:000000000000:alarm:errors-high")
		if len(tags["Tags"].([]any)) != 1 {
			t.Errorf("tags = %v", tags)
		}
		cli.must(region, "put-composite-alarm", "--alarm-name", "any-high", "--alarm-rule", `ALARM("errors-high") OR FALSE`)
		all := cli.must(region, "describe-alarms", "--alarm-types", "MetricAlarm", "CompositeAlarm")
		if len(all["MetricAlarms"].([]any)) != 1 || len(all["CompositeAlarms"].([]any)) != 1 {
			t.Errorf("describe-alarms = %v", all)
		}
		cli.must(region, "set-alarm-state", "--alarm-name", "errors-high", "--state-value", "ALARM", "--state-reason", "drill")
		if _, stderr, err := cli.run(region, "delete-alarms", "--alarm-names", "errors-high"); err == nil ||
			!strings.Contains(stderr, "ValidationError") || !strings.Contains(stderr, "Cannot delete errors-high as there are composite alarm(s) depending on it.") {
			t.Errorf("delete-alarms of a composite's child: err=%v stderr=%s", err, stderr)
		}
		cli.must(region, "delete-alarms", "--alarm-names", "any-high", "errors-high", "never-created")
	})

	t.Run("region outage", func(t *testing.T) {
		cli.t = t
		f, err := e.Faults().Add(context.Background(), faults.Fault{Kind: faults.RegionOutage, Region: "eu-central-1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := cli.run("eu-central-1", "list-metrics"); err == nil {
			t.Error("list-metrics in a region in an outage answered")
		}
		cli.must(region, "list-metrics")
		if err := e.Faults().Clear(context.Background(), f.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("botocore", func(t *testing.T) {
		exs := tap.exchanges()
		if len(exs) < 10 {
			t.Fatalf("only %d CloudWatch responses recorded", len(exs))
		}
		seen := map[string]bool{}
		for _, ex := range exs {
			key := ex.Operation + "/" + http.StatusText(ex.Status)
			if seen[key] {
				continue
			}
			seen[key] = true
			t.Run(key, func(t *testing.T) {
				querytest.ValidateWithBotocore(t, "cloudwatch", ex.Operation, ex.Body)
			})
		}
	})
}

func alarmState(t *testing.T, cli *awsCLI, region, name string) map[string]any {
	t.Helper()
	out := cli.must(region, "describe-alarms", "--alarm-names", name)
	alarms := out["MetricAlarms"].([]any)
	if len(alarms) != 1 {
		t.Fatalf("describe-alarms %s = %v", name, out)
	}
	return alarms[0].(map[string]any)
}

// waitAlarm polls until the alarm is in state want (alarms are evaluated
// every 3 s at scale 0.05).
func waitAlarm(t *testing.T, cli *awsCLI, region, name, want string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		a := alarmState(t, cli, region, name)
		if a["StateValue"] == want {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("alarm %s is %v (%v), want %s", name, a["StateValue"], a["StateReason"], want)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// pollMetricAlarm checks what Route 53 reads: the state the data gives.
func pollMetricAlarm(e *emulator.Emulator, region, name string) string {
	st, alarm, ok := e.CloudWatch().MetricAlarmState(region, name)
	if !ok || st != "ALARM" || aws.ToString(alarm.MetricName) != "Errors" {
		return "MetricAlarmState = " + string(st) + ", " + aws.ToString(alarm.AlarmName)
	}
	return ""
}

// rawQuery posts a SigV4-signed Query request to CloudWatch.
func rawQuery(t *testing.T, endpoint, region string, form url.Values) (int, []byte) {
	t.Helper()
	ctx := context.Background()
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req,
		hex.EncodeToString(sum[:]), "monitoring", region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}
