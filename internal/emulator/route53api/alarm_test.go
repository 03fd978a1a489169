package route53api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/restxml"
	"github.com/globaldb/globaldb/internal/emulator/restxml/restxmltest"
	"github.com/globaldb/globaldb/internal/emulator/route53"
	"github.com/globaldb/globaldb/internal/emulator/route53api"
)

// TestHandler_GetHealthCheck_CloudWatchAlarm: a CLOUDWATCH_METRIC check's
// CloudWatchAlarmConfiguration, persisted by the model's file store,
// reaches the SDK after a restart of the model and renders as botocore
// expects (golden testdata/cloudwatch/GetHealthCheck.xml).
func TestHandler_GetHealthCheck_CloudWatchAlarm(t *testing.T) {
	const id = "0b7f4a54-5a1e-4a3c-9b8e-1f2d3c4b5a69"
	path := filepath.Join(t.TempDir(), "route53.json")
	store := route53.NewFileStore(path)
	state := &route53.State{HealthChecks: map[string]*route53.HealthCheck{id: {
		ID: id, CallerReference: "cw", Version: 2,
		Config: types.HealthCheckConfig{Type: types.HealthCheckTypeCloudwatchMetric,
			AlarmIdentifier:              &types.AlarmIdentifier{Region: types.CloudWatchRegionEuCentral1, Name: aws.String("db-canary")},
			InsufficientDataHealthStatus: types.InsufficientDataHealthStatusLastKnownStatus,
			Inverted:                     aws.Bool(false), Disabled: aws.Bool(false)},
		Alarm: &types.CloudWatchAlarmConfiguration{
			EvaluationPeriods: aws.Int32(3), Threshold: aws.Float64(1), ComparisonOperator: types.ComparisonOperatorLessThanThreshold,
			Period: aws.Int32(60), MetricName: aws.String("Healthy"), Namespace: aws.String("Globaldb/Canary"), Statistic: types.StatisticMinimum,
			Dimensions: []types.Dimension{{Name: aws.String("Endpoint"), Value: aws.String("db.example.net")}}},
	}}}
	if err := store.Save(state); err != nil {
		t.Fatal(err)
	}
	model, err := route53.New(route53.Config{Store: route53.NewFileStore(path)})
	if err != nil {
		t.Fatal(err)
	}
	codec := restxml.NewCodec(awsmodel.MustLoad(awsmodel.Route53))
	handler := route53api.New(model)
	var last []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		codec.Serve(r.Context(), rec, r, body, restxml.CallMeta{Region: "us-east-1", RequestID: "00000000-0000-4000-9000-00000000cw01"}, handler)
		last = bytes.Clone(rec.body.Bytes())
		w.WriteHeader(rec.status)
		_, _ = w.Write(last)
	}))
	t.Cleanup(srv.Close)
	client := sdk.New(sdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}, Retryer: aws.NopRetryer{}})

	out, err := client.GetHealthCheck(context.Background(), &sdk.GetHealthCheckInput{HealthCheckId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetHealthCheck: %v", err)
	}
	c := out.HealthCheck.CloudWatchAlarmConfiguration
	if c == nil || aws.ToInt32(c.EvaluationPeriods) != 3 || aws.ToFloat64(c.Threshold) != 1 || c.ComparisonOperator != types.ComparisonOperatorLessThanThreshold ||
		aws.ToInt32(c.Period) != 60 || aws.ToString(c.MetricName) != "Healthy" || aws.ToString(c.Namespace) != "Globaldb/Canary" ||
		c.Statistic != types.StatisticMinimum || len(c.Dimensions) != 1 || aws.ToString(c.Dimensions[0].Value) != "db.example.net" {
		t.Errorf("CloudWatchAlarmConfiguration = %+v", c)
	}
	compareGolden(t, filepath.Join("cloudwatch", "GetHealthCheck.xml"), last)
	if !testing.Short() {
		restxmltest.ValidateWithBotocore(t, "GetHealthCheck", http.StatusOK, last)
	}
}
