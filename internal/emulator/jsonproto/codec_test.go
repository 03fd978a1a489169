package jsonproto

import (
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/query"
	"github.com/globaldb/globaldb/internal/emulator/rpcdoc/rpcdoctest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const target = "GraniteServiceVersion20100801."

func cloudwatch(t testing.TB) *Codec {
	t.Helper()
	return NewCodec(awsmodel.MustLoad(awsmodel.CloudWatch))
}

func TestCodec_Decode(t *testing.T) {
	c := cloudwatch(t)
	for _, tc := range []struct {
		name, op string
	}{
		{"put_metric_data", "PutMetricData"},
		{"get_metric_data", "GetMetricData"},
		{"describe_alarms", "DescribeAlarms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.name+".request.json"))
			if err != nil {
				t.Fatal(err)
			}
			call, err := c.Decode(target+tc.op, body)
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

func TestCodec_Decode_errors(t *testing.T) {
	c := cloudwatch(t)
	for _, tc := range []struct {
		name, target, body, code, contains string
	}{
		{"unknown operation", target + "Nope", `{}`, awserr.InvalidAction, "Nope"},
		{"other service", "DynamoDB_20120810.ListTables", `{}`, awserr.InvalidAction, "ListTables"},
		{"no target", "", `{}`, awserr.InvalidAction, ""},
		{"not json", target + "ListMetrics", `{"Namespace": `, "SerializationException", "request body"},
		{"not an object", target + "ListMetrics", `["a"]`, "SerializationException", "object"},
		{"trailing data", target + "ListMetrics", `{} {}`, "SerializationException", "after"},
		{"missing required", target + "PutMetricData", `{"MetricData": []}`, awserr.MissingParameter, "Namespace"},
		{"string for integer", target + "DescribeAlarms", `{"MaxRecords": "5"}`, "SerializationException", "MaxRecords"},
		{"integer overflow", target + "DescribeAlarms", `{"MaxRecords": 4294967296}`, "SerializationException", "MaxRecords"},
		{"float for integer", target + "DescribeAlarms", `{"MaxRecords": 1.5}`, "SerializationException", "MaxRecords"},
		{"number for string", target + "ListMetrics", `{"Namespace": 5}`, "SerializationException", "Namespace"},
		{"object for list", target + "DescribeAlarms", `{"AlarmNames": {"a": "b"}}`, "SerializationException", "AlarmNames"},
		{"bad timestamp", target + "GetMetricData", `{"MetricDataQueries": [], "StartTime": "yesterday", "EndTime": 1}`, "SerializationException", "StartTime"},
		{"bad nested", target + "PutMetricData", `{"Namespace": "n", "MetricData": [{"MetricName": "m", "Value": "x"}]}`, "SerializationException", "MetricData[0].Value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Decode(tc.target, []byte(tc.body))
			e, ok := awserr.As(err)
			if !ok || e.Code != tc.code || !strings.Contains(e.Message, tc.contains) {
				t.Fatalf("Decode error = %v, want %s containing %q", err, tc.code, tc.contains)
			}
		})
	}
}

func TestCodec_Decode_emptyBody(t *testing.T) {
	call, err := cloudwatch(t).Decode(target+"DescribeAlarms", nil)
	if err != nil || call.Action != "DescribeAlarms" || len(call.Params) != 0 {
		t.Fatalf("Decode(empty) = %+v, %v", call, err)
	}
}

func TestCodec_EncodeResult(t *testing.T) {
	c := cloudwatch(t)
	for _, tc := range []struct {
		name, op string
		doc      map[string]any
	}{
		{"get_metric_data", "GetMetricData", rpcdoctest.GetMetricDataOutput()},
		{"describe_alarms", "DescribeAlarms", rpcdoctest.DescribeAlarmsOutput()},
		{"put_metric_data", "PutMetricData", nil},
		{"list_metrics_empty", "ListMetrics", map[string]any{"Metrics": []any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, err := c.EncodeResult(tc.op, tc.doc)
			if err != nil {
				t.Fatalf("EncodeResult: %v", err)
			}
			rpcdoctest.Golden(t, tc.name+".response.json", body, *update)
			rpcdoctest.ValidateWithBotocore(t, rpcdoctest.JSON, awsmodel.CloudWatch, tc.op, body)
		})
	}
}

func TestCodec_EncodeResult_programmingErrors(t *testing.T) {
	c := cloudwatch(t)
	for _, tc := range []struct {
		name, op string
		doc      map[string]any
	}{
		{"unknown member", "ListMetrics", map[string]any{"Metricz": []any{}}},
		{"wrong type", "DescribeAlarms", map[string]any{"MetricAlarms": []any{map[string]any{"Period": "60"}}}},
		{"unknown operation", "Nope", nil},
		{"output for no-output operation", "PutMetricData", map[string]any{"x": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.EncodeResult(tc.op, tc.doc); err == nil {
				t.Fatal("EncodeResult succeeded, want an error")
			}
		})
	}
}

func TestCodec_WriteError(t *testing.T) {
	c := cloudwatch(t)
	for _, tc := range []struct {
		name       string
		err        error
		status     int
		queryError string
	}{
		{"resource_not_found", awserr.New("ResourceNotFound", "Alarm orders-lag does not exist."), 404, "ResourceNotFound;Sender"},
		{"limit_exceeded", awserr.New("LimitExceeded", "Too many alarms."), 400, "LimitExceeded;Sender"},
		{"invalid_parameter_value", awserr.New(awserr.InvalidParameterValue, "bad namespace"), 400, "InvalidParameterValue;Sender"},
		{"internal_service", awserr.New("InternalServiceFault", "boom"), 500, "InternalServiceError;Receiver"},
		{"internal", errors.New("disk on fire"), 500, "InternalFailure;Receiver"},
		{"signature", awserr.New(awserr.SignatureDoesNotMatch, "The request signature we calculated does not match."), 403, "SignatureDoesNotMatch;Sender"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c.WriteError(rec, tc.err, "req-1")
			if rec.Code != tc.status {
				t.Errorf("status = %d, want %d", rec.Code, tc.status)
			}
			h := rec.Header()
			if got := h.Get(QueryErrorHeader); got != tc.queryError {
				t.Errorf("%s = %q, want %q", QueryErrorHeader, got, tc.queryError)
			}
			if h.Get("Content-Type") != "application/x-amz-json-1.0" || h.Get("X-Amzn-Requestid") != "req-1" {
				t.Errorf("headers = %v", h)
			}
			rpcdoctest.Golden(t, "error_"+tc.name+".json", rec.Body.Bytes(), *update)
			rpcdoctest.ValidateWithBotocore(t, rpcdoctest.JSON, awsmodel.CloudWatch, "DescribeAlarms", rec.Body.Bytes())
		})
	}
}

func TestCodec_Serve_rejectsGET(t *testing.T) {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set(TargetHeader, target+"ListMetrics")
	cloudwatch(t).Serve(t.Context(), rec, r, nil, queryMeta, nil)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "InvalidAction") {
		t.Fatalf("GET = %d %s", rec.Code, rec.Body)
	}
}

func FuzzCodec_Decode(f *testing.F) {
	for _, name := range []string{"put_metric_data", "get_metric_data", "describe_alarms"} {
		b, err := os.ReadFile(filepath.Join("testdata", name+".request.json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add("PutMetricData", b)
		f.Add("GetMetricData", b)
		f.Add("DescribeAlarms", b)
	}
	f.Add("PutMetricAlarm", []byte(`{"AlarmName":"a","EvaluationPeriods":1,"ComparisonOperator":"x","Threshold":"NaN"}`))
	c := cloudwatch(f)
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		call, err := c.Decode(target+op, body)
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

var queryMeta = query.CallMeta{Region: "ap-southeast-2", RequestID: "req-1", AccessKeyID: "test"}
