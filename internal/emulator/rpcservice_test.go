package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/fxamacker/cbor/v2"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/iam"
	"github.com/globaldb/globaldb/internal/emulator/opadapter"
	"github.com/globaldb/globaldb/internal/emulator/query"
	"github.com/globaldb/globaldb/internal/emulator/query/querytest"
	"github.com/globaldb/globaldb/internal/emulator/rpcdoc/rpcdoctest"
	"github.com/globaldb/globaldb/internal/emulator/sigv4"
)

// cwEcho is a tiny CloudWatch on the aws-sdk-go-v2 types for the wire
// tests: GetMetricData returns the datapoints PutMetricData stored,
// DescribeAlarms one fixed alarm, SetAlarmState ResourceNotFound for any
// other alarm.
type cwEcho struct {
	mu     sync.Mutex
	points map[string][]types.MetricDatum // by namespace/metric name
}

var (
	echoT0 = time.Date(2026, 12, 5, 10, 1, 0, 0, time.UTC)
	echoT1 = time.Date(2026, 12, 5, 10, 2, 30, 250_000_000, time.UTC)
)

func (m *cwEcho) PutMetricData(_ context.Context, _ string, in *cloudwatch.PutMetricDataInput) (*cloudwatch.PutMetricDataOutput, error) {
	ns := aws.ToString(in.Namespace)
	if strings.HasPrefix(ns, "AWS/") {
		return nil, awserr.New(awserr.InvalidParameterValue, "The value AWS/ for parameter Namespace is invalid.")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range in.MetricData {
		k := ns + "/" + aws.ToString(d.MetricName)
		m.points[k] = append(m.points[k], d)
	}
	return &cloudwatch.PutMetricDataOutput{}, nil
}

func (m *cwEcho) GetMetricData(_ context.Context, _ string, in *cloudwatch.GetMetricDataInput) (*cloudwatch.GetMetricDataOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := &cloudwatch.GetMetricDataOutput{}
	for _, q := range in.MetricDataQueries {
		if q.MetricStat == nil || q.MetricStat.Metric == nil {
			continue
		}
		met := q.MetricStat.Metric
		r := types.MetricDataResult{Id: q.Id, Label: met.MetricName, StatusCode: types.StatusCodeComplete, Timestamps: []time.Time{}, Values: []float64{}}
		for _, d := range m.points[aws.ToString(met.Namespace)+"/"+aws.ToString(met.MetricName)] {
			ts := aws.ToTime(d.Timestamp)
			if ts.Before(aws.ToTime(in.StartTime)) || !ts.Before(aws.ToTime(in.EndTime)) {
				continue
			}
			r.Timestamps = append(r.Timestamps, ts)
			r.Values = append(r.Values, aws.ToFloat64(d.Value))
		}
		out.MetricDataResults = append(out.MetricDataResults, r)
	}
	return out, nil
}

func echoAlarm() types.MetricAlarm {
	return types.MetricAlarm{
		AlarmName:  aws.String("orders-lag"),
		AlarmArn:   aws.String("arn:aws:cloudwatch:ap-southeast-2:000000000000:alarm:orders-lag"),
		StateValue: types.StateValueAlarm, StateReason: aws.String("Threshold Crossed"),
		StateUpdatedTimestamp: aws.Time(echoT1), ActionsEnabled: aws.Bool(true),
		AlarmActions: []string{"arn:aws:sns:ap-southeast-2:000000000000:pager"},
		MetricName:   aws.String("AuroraGlobalDBReplicationLag"), Namespace: aws.String("AWS/RDS"),
		Statistic: types.StatisticAverage, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(3),
		DatapointsToAlarm: aws.Int32(2), Threshold: aws.Float64(5000), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold,
		TreatMissingData: aws.String("breaching"),
		Dimensions: []types.Dimension{
			{Name: aws.String("DBClusterIdentifier"), Value: aws.String("orders-apse2")},
			{Name: aws.String("SourceRegion"), Value: aws.String("ap-southeast-1")},
		},
	}
}

func (m *cwEcho) DescribeAlarms(_ context.Context, _ string, in *cloudwatch.DescribeAlarmsInput) (*cloudwatch.DescribeAlarmsOutput, error) {
	out := &cloudwatch.DescribeAlarmsOutput{}
	if len(in.AlarmNames) == 0 || slices.Contains(in.AlarmNames, "orders-lag") {
		out.MetricAlarms = []types.MetricAlarm{echoAlarm()}
	}
	return out, nil
}

func (m *cwEcho) SetAlarmState(_ context.Context, _ string, in *cloudwatch.SetAlarmStateInput) (*cloudwatch.SetAlarmStateOutput, error) {
	if aws.ToString(in.AlarmName) != "orders-lag" {
		return nil, awserr.New("ResourceNotFound", "Alarm %s does not exist", aws.ToString(in.AlarmName))
	}
	return &cloudwatch.SetAlarmStateOutput{}, nil
}

// cwServer is the router serving cwEcho over every CloudWatch protocol.
type cwServer struct {
	url    string
	mu     sync.Mutex
	calls  []string // the query.Call.Action of every call the handler saw
	tapped []Exchange
}

// protocolOf names the protocol of a response by its Content-Type.
func protocolOf(h http.Header) string {
	switch ct := h.Get("Content-Type"); {
	case h.Get("Smithy-Protocol") == "rpc-v2-cbor":
		return "cbor"
	case strings.HasPrefix(ct, "application/x-amz-json"):
		return "json"
	case strings.HasPrefix(ct, "text/xml"):
		return "query"
	}
	return "?"
}

// newCWServer starts the router; regions in down are in an outage.
func newCWServer(t *testing.T, down ...string) *cwServer {
	t.Helper()
	model := awsmodel.MustLoad(awsmodel.CloudWatch)
	echo := &cwEcho{points: map[string][]types.MetricDatum{}}
	names := make([]string, 0, len(model.Operations))
	for n := range model.Operations {
		names = append(names, n)
	}
	ops := &opadapter.Table{InputCode: awserr.InvalidParameterValue, Ops: opadapter.Methods(echo, names)}
	s := &cwServer{}
	h := query.HandlerFunc(func(ctx context.Context, call *query.Call) (map[string]any, error) {
		s.mu.Lock()
		s.calls = append(s.calls, call.Action)
		s.mu.Unlock()
		doc, err := ops.Call(ctx, call.Action, call.Region, call.Params)
		if err != nil {
			return nil, err
		}
		// aws-sdk-go-v2 cloudwatch v1.76 has DescribeAlarmsOutput.LogAlarms,
		// which botocore 1.43.11's model lacks; docconv sends it as an
		// empty list because the output is paginated. Drop such empty
		// members (the real handler needs the same; see the report).
		ref := model.Operations[call.Action].Output
		if ref == nil {
			return doc, nil
		}
		out := model.Shape(ref.Shape)
		for k, v := range doc {
			if l, ok := v.([]any); ok && len(l) == 0 && out.MemberNamed(k) == nil {
				delete(doc, k)
			}
		}
		return doc, nil
	})
	log := slog.New(slog.NewTextHandler(testWriter{t}, nil))
	rt := &router{
		log:        log,
		verifier:   &sigv4.Verifier{Secrets: sigv4.StaticSecrets{"test": "test"}},
		services:   map[string]service{"monitoring": protocolService(model, h, log)},
		fallback:   query.NewCodec(model),
		health:     func() map[string]any { return map[string]any{} },
		rootKey:    "test",
		principal:  func(string) (iam.Principal, error) { return iam.RootPrincipal("000000000000"), nil },
		regionDown: func(region string) bool { return slices.Contains(down, region) },
		tap: func(ex Exchange) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.tapped = append(s.tapped, ex)
		},
	}
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// exchanges returns the responses sent so far and forgets them.
func (s *cwServer) exchanges() []Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	ex := s.tapped
	s.tapped = nil
	return ex
}

// handled returns the actions the handler saw so far and forgets them.
func (s *cwServer) handled() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	calls := s.calls
	s.calls = nil
	return calls
}

// checkExchanges asserts every response went out in protocol and names an
// operation, and validates each body against botocore.
func checkExchanges(t *testing.T, s *cwServer, protocol string, wantOps ...string) {
	t.Helper()
	var ops []string
	for _, ex := range s.exchanges() {
		ops = append(ops, ex.Operation)
		if got := protocolOf(ex.Header); got != protocol {
			t.Errorf("%s (%s) answered in %s, want %s", ex.Operation, ex.UserAgent, got, protocol)
			continue
		}
		if ex.Header.Get("X-Amzn-Requestid") == "" {
			t.Errorf("%s: no x-amzn-RequestId", ex.Operation)
		}
		op := ex.Operation
		if op == "" { // refused before routing (signature): an error body
			op = "DescribeAlarms"
		}
		if testing.Short() {
			continue // the validators start python3 with botocore
		}
		switch protocol {
		case "cbor":
			rpcdoctest.ValidateWithBotocore(t, rpcdoctest.CBOR, awsmodel.CloudWatch, op, ex.Body)
		case "json":
			rpcdoctest.ValidateWithBotocore(t, rpcdoctest.JSON, awsmodel.CloudWatch, op, ex.Body)
		case "query":
			querytest.ValidateWithBotocore(t, awsmodel.CloudWatch, op, ex.Body)
		}
	}
	// The handler (and so the authorization wrapped around it) sees the
	// same Call.Action whichever protocol carried the request.
	calls := s.handled()
	for _, op := range wantOps {
		if !slices.Contains(ops, op) || !slices.Contains(calls, op) {
			t.Errorf("operations answered %v, handled %v; want %s among both", ops, calls, op)
		}
	}
}

func TestRPCService_sdkCBOR(t *testing.T) {
	s := newCWServer(t)
	ctx := t.Context()
	client := func(secret string) *cloudwatch.Client {
		return cloudwatch.NewFromConfig(aws.Config{Region: "ap-southeast-2",
			Credentials: credentials.NewStaticCredentialsProvider("test", secret, "")},
			func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(s.url); o.RetryMaxAttempts = 1 })
	}
	cw := client("test")
	dims := []types.Dimension{{Name: aws.String("Region"), Value: aws.String("ap-southeast-2")}}
	_, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("globaldb/sdk"), MetricData: []types.MetricDatum{
		{MetricName: aws.String("Healthy"), Dimensions: dims, Timestamp: aws.Time(echoT0), Value: aws.Float64(1), Unit: types.StandardUnitCount},
		{MetricName: aws.String("Healthy"), Dimensions: dims, Timestamp: aws.Time(echoT1), Value: aws.Float64(0), Unit: types.StandardUnitCount},
	}})
	if err != nil {
		t.Fatalf("PutMetricData (gzip, CBOR): %v", err)
	}
	got, err := cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("h"), MetricStat: &types.MetricStat{
			Metric: &types.Metric{Namespace: aws.String("globaldb/sdk"), MetricName: aws.String("Healthy"), Dimensions: dims},
			Period: aws.Int32(60), Stat: aws.String("Minimum")}}},
		StartTime: aws.Time(echoT0.Add(-5 * time.Minute)), EndTime: aws.Time(echoT1.Add(5 * time.Minute)),
	})
	if err != nil {
		t.Fatalf("GetMetricData: %v", err)
	}
	if len(got.MetricDataResults) != 1 {
		t.Fatalf("MetricDataResults = %+v", got.MetricDataResults)
	}
	r := got.MetricDataResults[0]
	if aws.ToString(r.Id) != "h" || r.StatusCode != types.StatusCodeComplete || !slices.Equal(r.Values, []float64{1, 0}) ||
		len(r.Timestamps) != 2 || !r.Timestamps[0].Equal(echoT0) || !r.Timestamps[1].Equal(echoT1) {
		t.Errorf("result = %+v (timestamps %v)", r, r.Timestamps)
	}
	alarms, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"orders-lag"}})
	if err != nil {
		t.Fatalf("DescribeAlarms: %v", err)
	}
	if len(alarms.MetricAlarms) != 1 || len(alarms.CompositeAlarms) != 0 {
		t.Fatalf("alarms = %+v", alarms)
	}
	a, want := alarms.MetricAlarms[0], echoAlarm()
	if aws.ToString(a.AlarmName) != "orders-lag" || a.StateValue != types.StateValueAlarm || !aws.ToTime(a.StateUpdatedTimestamp).Equal(echoT1) ||
		len(a.Dimensions) != 2 || aws.ToString(a.Dimensions[1].Value) != "ap-southeast-1" || !slices.Equal(a.AlarmActions, want.AlarmActions) ||
		aws.ToFloat64(a.Threshold) != 5000 || aws.ToInt32(a.DatapointsToAlarm) != 2 || a.ComparisonOperator != want.ComparisonOperator {
		t.Errorf("alarm = %+v", a)
	}

	_, err = cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("nope"), StateValue: types.StateValueOk, StateReason: aws.String("test")})
	var notFound *types.ResourceNotFound
	if !errors.As(err, &notFound) || notFound.ErrorCode() != "ResourceNotFound" || !strings.Contains(notFound.ErrorMessage(), "nope") {
		t.Errorf("SetAlarmState(nope) = %v, want *types.ResourceNotFound", err)
	}
	_, err = cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/RDS"), MetricData: []types.MetricDatum{{MetricName: aws.String("x"), Value: aws.Float64(1)}}})
	var invalid *types.InvalidParameterValueException
	if !errors.As(err, &invalid) || invalid.ErrorCode() != "InvalidParameterValue" || invalid.ErrorFault() != smithy.FaultClient {
		t.Errorf("PutMetricData(AWS/RDS) = %v, want *types.InvalidParameterValueException coded InvalidParameterValue", err)
	}
	checkExchanges(t, s, "cbor", "PutMetricData", "GetMetricData", "DescribeAlarms", "SetAlarmState")

	// A bad signature is refused in CBOR too, so the SDK reads its code.
	_, err = client("wrong").DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret: %v, want SignatureDoesNotMatch", err)
	}
	checkExchanges(t, s, "cbor")
}

// cliEnv is the environment of a CLI or boto3 child: root credentials, a
// region, no config files, no retries.
func cliEnv(t *testing.T) []string {
	dir := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=ap-southeast-2",
		"AWS_CONFIG_FILE="+filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
}

func run(t *testing.T, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = cliEnv(t)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func TestRPCService_boto3JSON(t *testing.T) {
	if testing.Short() {
		t.Skip("starts python3 with boto3 (-short)")
	}
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Skipf("boto3 not installed: %v", err)
	}
	s := newCWServer(t)
	stdout, stderr, err := run(t, "python3", filepath.Join("testdata", "cloudwatch_boto3.py"), s.url)
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, stderr)
	}
	var got struct {
		GetMetricData struct {
			ID              string `json:"Id"`
			StatusCode      string
			Values          []float64
			Timestamps      []string
			TimestampsAware bool
		} `json:"get_metric_data"`
		DescribeAlarms struct {
			AlarmName, StateValue string
			Dimensions            []map[string]string
			AlarmActions          []string
			Threshold             float64
			EvaluationPeriods     int
			StateUpdatedTimestamp string
			CompositeAlarms       int
		} `json:"describe_alarms"`
		Errors map[string]struct {
			Modeled bool
			Code    string
			Status  int
		}
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("boto3 output %q: %v", stdout, err)
	}
	g := got.GetMetricData
	if g.ID != "h" || g.StatusCode != "Complete" || !slices.Equal(g.Values, []float64{1, 0}) || !g.TimestampsAware ||
		// botocore's JSON serializer sends whole epoch seconds (int), so
		// the stored point lost its .25 s; the response's fractions
		// survive (StateUpdatedTimestamp below).
		!slices.Equal(g.Timestamps, []string{"2026-12-05T10:01:00+00:00", "2026-12-05T10:02:30+00:00"}) {
		t.Errorf("get_metric_data = %+v", g)
	}
	d := got.DescribeAlarms
	if d.AlarmName != "orders-lag" || d.StateValue != "ALARM" || len(d.Dimensions) != 2 || d.Dimensions[0]["Value"] != "orders-apse2" ||
		len(d.AlarmActions) != 1 || d.Threshold != 5000 || d.EvaluationPeriods != 3 ||
		d.StateUpdatedTimestamp != "2026-12-05T10:02:30.250000+00:00" || d.CompositeAlarms != 0 {
		t.Errorf("describe_alarms = %+v", d)
	}
	if e := got.Errors["set_alarm_state"]; !e.Modeled || e.Code != "ResourceNotFound" || e.Status != 404 {
		t.Errorf("set_alarm_state error = %+v, want modeled ResourceNotFound 404", e)
	}
	if e := got.Errors["put_metric_data"]; !e.Modeled || e.Code != "InvalidParameterValue" {
		t.Errorf("put_metric_data error = %+v, want modeled InvalidParameterValue", e)
	}
	checkExchanges(t, s, "json", "PutMetricData", "GetMetricData", "DescribeAlarms", "SetAlarmState")
}

// cliCase is one aws CLI run against the CloudWatch wire.
type cliCase struct {
	op       string // the operation the command calls
	args     []string
	contains []string // in stdout, or in stderr when wantErr
	wantErr  bool
}

var cliCases = []cliCase{
	{op: "PutMetricData", args: []string{"cloudwatch", "put-metric-data", "--namespace", "globaldb/cli", "--metric-data",
		`[{"MetricName":"Healthy","Dimensions":[{"Name":"Region","Value":"ap-southeast-2"}],"Timestamp":"2026-12-05T10:01:00Z","Value":1,"Unit":"Count"},` +
			`{"MetricName":"Healthy","Dimensions":[{"Name":"Region","Value":"ap-southeast-2"}],"Timestamp":"2026-12-05T10:02:30.250Z","Value":0,"Unit":"Count"}]`}},
	{op: "GetMetricData", args: []string{"cloudwatch", "get-metric-data", "--start-time", "2026-12-05T09:00:00Z", "--end-time", "2026-12-05T11:00:00Z",
		"--metric-data-queries", `[{"Id":"h","MetricStat":{"Metric":{"Namespace":"globaldb/cli","MetricName":"Healthy"},"Period":60,"Stat":"Minimum"}}]`},
		contains: []string{`"Id": "h"`, `"StatusCode": "Complete"`, `"Values": [`, `1.0,`, `0.0`,
			// CLI v1 prints epoch seconds, v2 ISO 8601
			`1796464860|2026-12-05T10:01:00+00:00`, `1796464950|2026-12-05T10:02:30.250000+00:00`}}, // v1 sends whole seconds
	{op: "DescribeAlarms", args: []string{"cloudwatch", "describe-alarms", "--alarm-names", "orders-lag"},
		contains: []string{`"AlarmName": "orders-lag"`, `"StateValue": "ALARM"`, `"Value": "ap-southeast-1"`, `"Threshold": 5000.0`, `"CompositeAlarms": []`}},
	{op: "SetAlarmState", args: []string{"cloudwatch", "set-alarm-state", "--alarm-name", "nope", "--state-value", "OK", "--state-reason", "test"},
		wantErr: true, contains: []string{"(ResourceNotFound)", "nope"}},
}

func testCLI(t *testing.T, bin, version, protocol string) {
	if testing.Short() {
		t.Skip("starts the aws CLI (-short)")
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), version) {
		t.Skipf("%s is not %s: %s %v", bin, version, out, err)
	}
	s := newCWServer(t)
	for _, tc := range cliCases {
		t.Run(tc.args[1], func(t *testing.T) {
			stdout, stderr, err := run(t, bin, append([]string{"--endpoint-url", s.url, "--output", "json"}, tc.args...)...)
			if (err != nil) != tc.wantErr {
				t.Fatalf("aws %s: err %v, want error %v\n%s%s", strings.Join(tc.args, " "), err, tc.wantErr, stdout, stderr)
			}
			text := stdout
			if tc.wantErr {
				text = stderr
			}
			for _, want := range tc.contains {
				if !slices.ContainsFunc(strings.Split(want, "|"), func(w string) bool { return strings.Contains(text, w) }) {
					t.Errorf("aws %s output lacks %q:\n%s", tc.args[1], want, text)
				}
			}
			checkExchanges(t, s, protocol, tc.op)
		})
	}
}

func TestRPCService_cliV1JSON(t *testing.T) {
	bin, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("aws CLI v1 not on PATH")
	}
	testCLI(t, bin, "aws-cli/1.", "json")
}

func TestRPCService_cliV2Query(t *testing.T) {
	testCLI(t, "/usr/bin/aws", "aws-cli/2.", "query")
}

// TestRequestProtocol pins the routing rule between the three protocols.
func TestRequestProtocol(t *testing.T) {
	for _, tc := range []struct {
		path   string
		header map[string]string
		want   wireProtocol
	}{
		{"/service/GraniteServiceVersion20100801/operation/ListMetrics", map[string]string{"Smithy-Protocol": "rpc-v2-cbor"}, protoCBOR},
		{"/prefix/service/GraniteServiceVersion20100801/operation/ListMetrics", map[string]string{"Smithy-Protocol": "rpc-v2-cbor"}, protoCBOR},
		{"/service/GraniteServiceVersion20100801/operation/ListMetrics", nil, protoQuery},
		{"/", map[string]string{"Smithy-Protocol": "rpc-v2-cbor"}, protoQuery},
		{"/", map[string]string{"X-Amz-Target": "GraniteServiceVersion20100801.ListMetrics"}, protoJSON},
		{"/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, protoQuery},
	} {
		t.Run(fmt.Sprintf("%s %v", tc.path, tc.header), func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tc.path, nil)
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			if got := requestProtocol(r); got != tc.want {
				t.Errorf("requestProtocol = %d, want %d", got, tc.want)
			}
		})
	}
}

// testWriter sends log lines to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// TestRPCService_refusals checks that a request refused before it reaches
// the service (no signature) is answered in the request's own protocol,
// so that each client reads the code.
func TestRPCService_refusals(t *testing.T) {
	s := newCWServer(t)
	for _, tc := range []struct {
		name, path, protocol string
		header               map[string]string
		body                 string
		queryError           string
	}{
		{"cbor", "/service/GraniteServiceVersion20100801/operation/ListMetrics", "cbor",
			map[string]string{"Smithy-Protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"}, "\xa0", "MissingAuthenticationToken;Sender"},
		{"json", "/", "json",
			map[string]string{"X-Amz-Target": "GraniteServiceVersion20100801.ListMetrics", "Content-Type": "application/x-amz-json-1.0"}, "{}", "MissingAuthenticationToken;Sender"},
		{"query", "/", "query",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "Action=ListMetrics&Version=2010-08-01", ""},
		{"json for another service", "/", "query",
			map[string]string{"X-Amz-Target": "DynamoDB_20120810.ListTables"}, "{}", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.url+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := protocolOf(resp.Header); got != tc.protocol || resp.StatusCode != http.StatusForbidden {
				t.Errorf("refusal answered %d in %s, want 403 in %s", resp.StatusCode, got, tc.protocol)
			}
			if got := resp.Header.Get("X-Amzn-Query-Error"); got != tc.queryError {
				t.Errorf("x-amzn-query-error = %q, want %q", got, tc.queryError)
			}
			checkExchanges(t, s, tc.protocol)
		})
	}
}

// TestRPCService_regionOutage checks that CloudWatch's API goes down with
// its region, as RDS's does.
func TestRPCService_regionOutage(t *testing.T) {
	s := newCWServer(t, "ap-southeast-2")
	cw := cloudwatch.NewFromConfig(aws.Config{Region: "ap-southeast-2",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")},
		func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(s.url); o.RetryMaxAttempts = 1 })
	_, err := cw.DescribeAlarms(t.Context(), &cloudwatch.DescribeAlarmsInput{})
	var apiErr smithy.APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Errorf("DescribeAlarms in a region in outage = %v, want a connection error", err)
	}
	other := cloudwatch.NewFromConfig(aws.Config{Region: "ap-southeast-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")},
		func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(s.url); o.RetryMaxAttempts = 1 })
	if _, err := other.DescribeAlarms(t.Context(), &cloudwatch.DescribeAlarmsInput{}); err != nil {
		t.Errorf("DescribeAlarms in a healthy region: %v", err)
	}
}

// BenchmarkRPCService_serve measures decode + handler + encode of one
// DescribeAlarms call (nested output with timestamps) in each protocol,
// without the network and SigV4.
func BenchmarkRPCService_serve(b *testing.B) {
	model := awsmodel.MustLoad(awsmodel.CloudWatch)
	doc := rpcdoctest.DescribeAlarmsOutput()
	h := query.HandlerFunc(func(context.Context, *query.Call) (map[string]any, error) { return doc, nil })
	svc := protocolService(model, h, slog.New(slog.DiscardHandler))
	id := &sigv4.Identity{Region: "ap-southeast-2", AccessKeyID: "test"}
	cborBody, err := cbor.Marshal(map[string]any{"AlarmNames": []string{"orders-lag", "orders-math"}, "StateValue": "ALARM", "MaxRecords": 50})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		header     map[string]string
		body       []byte
	}{
		{"cbor", "/service/GraniteServiceVersion20100801/operation/DescribeAlarms", map[string]string{"Smithy-Protocol": "rpc-v2-cbor"}, cborBody},
		{"json", "/", map[string]string{"X-Amz-Target": "GraniteServiceVersion20100801.DescribeAlarms"},
			[]byte(`{"AlarmNames":["orders-lag","orders-math"],"StateValue":"ALARM","MaxRecords":50}`)},
		{"query", "/", nil, []byte("Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=orders-lag&AlarmNames.member.2=orders-math&StateValue=ALARM&MaxRecords=50")},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodPost, tc.path, nil)
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				svc.serve(context.Background(), w, r, tc.body, id, "req-1")
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
