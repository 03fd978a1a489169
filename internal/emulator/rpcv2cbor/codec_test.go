package rpcv2cbor

import (
	"context"
	"errors"
	"flag"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/fxamacker/cbor/v2"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/query"
	"github.com/globaldb/globaldb/internal/emulator/rpcdoc/rpcdoctest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const path = "/service/GraniteServiceVersion20100801/operation/"

func codec(t testing.TB) *Codec {
	t.Helper()
	return NewCodec(awsmodel.MustLoad(awsmodel.CloudWatch))
}

// sdkRequests are the requests of the decode tests, as aws-sdk-go-v2
// cloudwatch writes them.
var sdkRequests = []struct {
	name, op string
	call     func(ctx context.Context, c *cloudwatch.Client) error
}{
	{"put_metric_data", "PutMetricData", func(ctx context.Context, c *cloudwatch.Client) error {
		_, err := c.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{
			Namespace: aws.String("globaldb/canary"),
			MetricData: []types.MetricDatum{
				{MetricName: aws.String("Healthy"), Dimensions: []types.Dimension{{Name: aws.String("Region"), Value: aws.String("ap-southeast-2")}},
					Timestamp: aws.Time(rpcdoctest.T0), Value: aws.Float64(1), Unit: types.StandardUnitCount, StorageResolution: aws.Int32(60)},
				{MetricName: aws.String("Latency"), Timestamp: aws.Time(rpcdoctest.T1),
					StatisticValues: &types.StatisticSet{SampleCount: aws.Float64(3), Sum: aws.Float64(30.5), Minimum: aws.Float64(0.001), Maximum: aws.Float64(20)},
					Values:          []float64{1.5, math.Inf(1)}, Counts: []float64{2, 1}},
			},
		})
		return err
	}},
	{"get_metric_data", "GetMetricData", func(ctx context.Context, c *cloudwatch.Client) error {
		_, err := c.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
			MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("lag"), ReturnData: aws.Bool(true), MetricStat: &types.MetricStat{
				Metric: &types.Metric{Namespace: aws.String("AWS/RDS"), MetricName: aws.String("AuroraGlobalDBReplicationLag"),
					Dimensions: []types.Dimension{{Name: aws.String("DBClusterIdentifier"), Value: aws.String("orders-apse2")}}},
				Period: aws.Int32(60), Stat: aws.String("Average")}}},
			StartTime: aws.Time(rpcdoctest.T0.Add(-time.Minute)), EndTime: aws.Time(rpcdoctest.T1),
			ScanBy: types.ScanByTimestampDescending, MaxDatapoints: aws.Int32(100),
			LabelOptions: &types.LabelOptions{Timezone: aws.String("+1000")},
		})
		return err
	}},
	{"describe_alarms", "DescribeAlarms", func(ctx context.Context, c *cloudwatch.Client) error {
		_, err := c.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{
			AlarmNames: []string{"orders-lag", "orders-math"}, AlarmTypes: []types.AlarmType{types.AlarmTypeMetricAlarm, types.AlarmTypeCompositeAlarm},
			StateValue: types.StateValueAlarm, MaxRecords: aws.Int32(50),
		})
		return err
	}},
	{"describe_alarms_empty", "DescribeAlarms", func(ctx context.Context, c *cloudwatch.Client) error {
		_, err := c.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
		return err
	}},
}

// captured is one request the SDK sent.
type captured struct {
	path   string
	header http.Header
	body   []byte
}

// capture runs call against a server that records the request and
// answers an empty success.
func capture(t testing.TB, call func(context.Context, *cloudwatch.Client) error) captured {
	t.Helper()
	var (
		mu  sync.Mutex
		got captured
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = captured{path: r.URL.Path, header: r.Header.Clone(), body: b}
		mu.Unlock()
		w.Header().Set(ProtocolHeader, ProtocolName)
	}))
	defer srv.Close()
	client := cloudwatch.NewFromConfig(aws.Config{Region: "ap-southeast-2",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")},
		func(o *cloudwatch.Options) {
			o.BaseEndpoint = aws.String(srv.URL)
			o.RetryMaxAttempts = 1
			o.DisableRequestCompression = true // the router gunzips; the codec sees plain CBOR
		})
	if err := call(context.Background(), client); err != nil {
		t.Fatalf("SDK call: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return got
}

func diag(t testing.TB, b []byte) []byte {
	t.Helper()
	if len(b) == 0 {
		return []byte("(empty)\n")
	}
	d, err := cbor.Diagnose(b)
	if err != nil {
		t.Fatalf("diagnose %x: %v", b, err)
	}
	return []byte(d + "\n")
}

func TestCodec_Decode_sdkRequests(t *testing.T) {
	c := codec(t)
	for _, tc := range sdkRequests {
		t.Run(tc.name, func(t *testing.T) {
			req := capture(t, tc.call)
			if req.path != path+tc.op || req.header.Get(ProtocolHeader) != ProtocolName {
				t.Fatalf("SDK sent %s with %s %q", req.path, ProtocolHeader, req.header.Get(ProtocolHeader))
			}
			rpcdoctest.Golden(t, tc.name+".request.diag", diag(t, req.body), *update)
			call, err := c.Decode(req.path, req.body)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if call.Action != tc.op {
				t.Errorf("Action = %q, want %q", call.Action, tc.op)
			}
			rpcdoctest.Golden(t, tc.name+".params.golden", []byte(rpcdoctest.Dump(call.Params)), *update)
		})
	}
}

// enc is a CBOR body for the error tests.
func enc(t testing.TB, v any) []byte {
	t.Helper()
	b, err := cbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCodec_Decode_errors(t *testing.T) {
	c := codec(t)
	for _, tc := range []struct {
		name, path string
		body       []byte
		code       string
		contains   string
	}{
		{"unknown operation", path + "Nope", nil, awserr.InvalidAction, "Nope"},
		{"other service", "/service/ArcRegionSwitch/operation/ListPlans", nil, awserr.InvalidAction, "ListPlans"},
		{"not rpc path", "/", nil, awserr.InvalidAction, ""},
		{"not cbor", path + "ListMetrics", []byte{0xbf, 0x61}, "SerializationException", "request body"},
		{"not a map", path + "ListMetrics", enc(t, []string{"a"}), "SerializationException", "map"},
		{"trailing data", path + "ListMetrics", append(enc(t, map[string]any{}), 0xa0), "SerializationException", "after"},
		{"missing required", path + "PutMetricData", enc(t, map[string]any{"MetricData": []any{}}), awserr.MissingParameter, "Namespace"},
		{"text for integer", path + "DescribeAlarms", enc(t, map[string]any{"MaxRecords": "5"}), "SerializationException", "MaxRecords"},
		{"integer overflow", path + "DescribeAlarms", enc(t, map[string]any{"MaxRecords": uint64(1) << 40}), "SerializationException", "MaxRecords"},
		{"float for integer", path + "DescribeAlarms", enc(t, map[string]any{"MaxRecords": 1.5}), "SerializationException", "MaxRecords"},
		{"number for timestamp", path + "GetMetricData", enc(t, map[string]any{"MetricDataQueries": []any{}, "StartTime": 1, "EndTime": 2}), "SerializationException", "StartTime"},
		{"bytes for string", path + "ListMetrics", enc(t, map[string]any{"Namespace": []byte("x")}), "SerializationException", "Namespace"},
		{"unknown tag", path + "ListMetrics", enc(t, map[string]any{"Namespace": cbor.Tag{Number: 99, Content: "x"}}), "SerializationException", "Namespace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Decode(tc.path, tc.body)
			e, ok := awserr.As(err)
			if !ok || e.Code != tc.code || !strings.Contains(e.Message, tc.contains) {
				t.Fatalf("Decode error = %v, want %s containing %q", err, tc.code, tc.contains)
			}
		})
	}
}

func TestCodec_Decode_nullsAndPrefix(t *testing.T) {
	body := enc(t, map[string]any{"Namespace": nil, "MetricName": "m", "Dimensions": nil, "Unknown": map[string]any{"x": 1}})
	call, err := codec(t).Decode("/prefix"+path+"ListMetrics", body)
	if err != nil {
		t.Fatal(err)
	}
	if got := rpcdoctest.Dump(call.Params); got != "{\n  MetricName: string(\"m\")\n}\n" {
		t.Errorf("params = %s", got)
	}
}

func TestCodec_EncodeResult(t *testing.T) {
	c := codec(t)
	for _, tc := range []struct {
		name, op string
		doc      map[string]any
	}{
		{"get_metric_data", "GetMetricData", rpcdoctest.GetMetricDataOutput()},
		{"describe_alarms", "DescribeAlarms", rpcdoctest.DescribeAlarmsOutput()},
		{"put_metric_data", "PutMetricData", nil},
		{"list_metrics_empty", "ListMetrics", map[string]any{"Metrics": []any{}}},
		{"get_metric_data_nan", "GetMetricData", map[string]any{"MetricDataResults": []any{map[string]any{"Id": "x", "Values": []any{math.NaN(), math.Inf(-1)}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, err := c.EncodeResult(tc.op, tc.doc)
			if err != nil {
				t.Fatalf("EncodeResult: %v", err)
			}
			rpcdoctest.Golden(t, tc.name+".response.diag", diag(t, body), *update)
			rpcdoctest.ValidateWithBotocore(t, rpcdoctest.CBOR, awsmodel.CloudWatch, tc.op, body)
		})
	}
}

func TestCodec_WriteError(t *testing.T) {
	c := codec(t)
	for _, tc := range []struct {
		name       string
		err        error
		status     int
		queryError string
	}{
		{"resource_not_found", awserr.New("ResourceNotFound", "Alarm orders-lag does not exist."), 404, "ResourceNotFound;Sender"},
		{"limit_exceeded", awserr.New("LimitExceededFault", "Too many alarms."), 400, "LimitExceeded;Sender"},
		{"missing_parameter", awserr.New(awserr.MissingParameter, "The request must contain the parameter Namespace"), 400, "MissingParameter;Sender"},
		{"internal_service", awserr.New("InternalServiceFault", "boom"), 500, "InternalServiceError;Receiver"},
		{"internal", errors.New("disk on fire"), 500, "InternalFailure;Receiver"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c.WriteError(rec, tc.err, "req-1")
			h := rec.Header()
			if rec.Code != tc.status || h.Get(QueryErrorHeader) != tc.queryError {
				t.Errorf("status %d %s %q, want %d %q", rec.Code, QueryErrorHeader, h.Get(QueryErrorHeader), tc.status, tc.queryError)
			}
			if h.Get(ProtocolHeader) != ProtocolName || h.Get("Content-Type") != ContentType || h.Get("X-Amzn-Requestid") != "req-1" {
				t.Errorf("headers = %v", h)
			}
			rpcdoctest.Golden(t, "error_"+tc.name+".diag", diag(t, rec.Body.Bytes()), *update)
			rpcdoctest.ValidateWithBotocore(t, rpcdoctest.CBOR, awsmodel.CloudWatch, "DescribeAlarms", rec.Body.Bytes())
		})
	}
}

func TestCodec_Serve_headers(t *testing.T) {
	h := query.HandlerFunc(func(_ context.Context, call *query.Call) (map[string]any, error) {
		if call.Action == "DescribeAlarms" {
			return rpcdoctest.DescribeAlarmsOutput(), nil
		}
		return nil, nil
	})
	for _, tc := range []struct {
		op          string
		contentType string
		empty       bool
	}{
		{"DescribeAlarms", ContentType, false},
		{"PutMetricData", "", true},
	} {
		t.Run(tc.op, func(t *testing.T) {
			rec := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodPost, path+tc.op, nil)
			body := enc(t, map[string]any{"Namespace": "n"})
			codec(t).Serve(t.Context(), rec, r, body, query.CallMeta{RequestID: "req-1"}, h)
			if rec.Code != 200 || rec.Header().Get(ProtocolHeader) != ProtocolName || rec.Header().Get("Content-Type") != tc.contentType {
				t.Errorf("response %d %v", rec.Code, rec.Header())
			}
			if (rec.Body.Len() == 0) != tc.empty {
				t.Errorf("body %x, want empty %v", rec.Body.Bytes(), tc.empty)
			}
		})
	}
}

func FuzzCodec_Decode(f *testing.F) {
	for _, tc := range sdkRequests {
		req := capture(f, tc.call)
		f.Add(tc.op, req.body)
	}
	f.Add("GetMetricData", enc(f, map[string]any{"StartTime": cbor.Tag{Number: 1, Content: 1e300}}))
	f.Add("PutMetricAlarm", enc(f, map[string]any{"AlarmName": "a", "Threshold": cbor.Tag{Number: 1, Content: "x"}}))
	c := codec(f)
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		call, err := c.Decode(path+op, body)
		if err != nil {
			if _, ok := awserr.As(err); !ok {
				t.Fatalf("Decode error %v is not an *awserr.Error", err)
			}
			return
		}
		if call.Action != op || call.Params == nil {
			t.Fatalf("call = %+v", call)
		}
	})
}
