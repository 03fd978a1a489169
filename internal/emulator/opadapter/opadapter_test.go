package opadapter

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
)

type model struct{}

func (model) DescribeDBClusters(_ context.Context, region string, in *rds.DescribeDBClustersInput) (*rds.DescribeDBClustersOutput, error) {
	if aws.ToString(in.DBClusterIdentifier) == "missing" {
		return nil, awserr.New("DBClusterNotFoundFault", "DBCluster missing not found.")
	}
	return &rds.DescribeDBClustersOutput{Marker: aws.String(region)}, nil
}

func (model) NotAnOperation() {}

// TestTable_Call runs the same calls through a typed table (Method) and a
// reflected one (Methods): both dispatch alike.
func TestTable_Call(t *testing.T) {
	tables := map[string]*Table{
		"Method":  {InputCode: "InvalidInput", Ops: map[string]Func{"DescribeDBClusters": Method(model{}.DescribeDBClusters)}},
		"Methods": {InputCode: "InvalidInput", Ops: Methods(model{}, []string{"DescribeDBClusters", "NotAnOperation", "Absent"})},
	}
	tests := []struct {
		name     string
		op       string
		params   map[string]any
		want     map[string]any
		wantCode string
	}{
		{name: "output encoded", op: "DescribeDBClusters", params: map[string]any{}, want: map[string]any{"DBClusters": []any{}, "Marker": "eu-west-1"}},
		{name: "model error kept", op: "DescribeDBClusters", params: map[string]any{"DBClusterIdentifier": "missing"}, wantCode: "DBClusterNotFoundFault"},
		{name: "input that does not fit", op: "DescribeDBClusters", params: map[string]any{"MaxRecords": "many"}, wantCode: "InvalidInput"},
		{name: "unknown operation", op: "CreateBucket", wantCode: awserr.InvalidAction},
		{name: "method that is not an operation", op: "NotAnOperation", wantCode: awserr.InvalidAction},
	}
	for kind, tbl := range tables {
		for _, tt := range tests {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				got, err := tbl.Call(context.Background(), tt.op, "eu-west-1", tt.params)
				if tt.wantCode != "" {
					var e *awserr.Error
					if !errors.As(err, &e) || e.Code != tt.wantCode {
						t.Fatalf("Call error = %v, want code %s", err, tt.wantCode)
					}
					return
				}
				if err != nil || !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("Call = %v, %v; want %v", got, err, tt.want)
				}
			})
		}
	}
	if names := tables["Methods"].Names(); !reflect.DeepEqual(names, []string{"DescribeDBClusters"}) {
		t.Errorf("Names() = %v", names)
	}
}

// TestTable_Call_dropsUnmodelledLists: CloudWatch's SDK output for
// DescribeAlarms has LogAlarms, which the botocore model the codecs speak
// lacks; with the model set, its always-sent empty list is dropped, the
// modelled empty lists stay (waiters and paginators read them).
func TestTable_Call_dropsUnmodelledLists(t *testing.T) {
	m, err := awsmodel.Load(awsmodel.CloudWatch)
	if err != nil {
		t.Fatal(err)
	}
	describe := func(context.Context, string, *cloudwatch.DescribeAlarmsInput) (*cloudwatch.DescribeAlarmsOutput, error) {
		return &cloudwatch.DescribeAlarmsOutput{}, nil
	}
	for _, tc := range []struct {
		name  string
		model *awsmodel.Service
		want  map[string]any
	}{
		{"with the model", m, map[string]any{"MetricAlarms": []any{}, "CompositeAlarms": []any{}}},
		{"without", nil, map[string]any{"MetricAlarms": []any{}, "CompositeAlarms": []any{}, "LogAlarms": []any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := &Table{InputCode: "InvalidParameterValue", Model: tc.model, Ops: map[string]Func{"DescribeAlarms": Method(describe)}}
			got, err := tab.Call(context.Background(), "DescribeAlarms", "eu-west-1", map[string]any{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
