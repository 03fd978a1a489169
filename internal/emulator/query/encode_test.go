package query

import (
	"bytes"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/query/querytest"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden:\ngot:  %s\nwant: %s", name, got, want)
	}
}

var (
	created  = time.Date(2026, 1, 2, 15, 4, 5, 123456789, time.UTC)
	primary  = "arn:aws:rds:ap-southeast-1:123456789012:cluster:app-apse1"
	replica  = "arn:aws:rds:ap-southeast-2:123456789012:cluster:app-apse2"
	globalID = "app-global"
)

func globalClustersDoc() map[string]any {
	return map[string]any{"GlobalClusters": []any{map[string]any{
		"GlobalClusterIdentifier": globalID,
		"GlobalClusterResourceId": "cluster-0123456789abcdef",
		"GlobalClusterArn":        "arn:aws:rds::123456789012:global-cluster:app-global",
		"Status":                  "switching-over",
		"Engine":                  "aurora-postgresql",
		"EngineVersion":           "15.4",
		"StorageEncrypted":        true,
		"DeletionProtection":      false,
		"Endpoint":                "app-global.global-abc123.global.rds.amazonaws.com",
		"GlobalClusterMembers": []any{
			map[string]any{"DBClusterArn": primary, "Readers": []any{replica}, "IsWriter": true, "SynchronizationStatus": "connected"},
			map[string]any{"DBClusterArn": replica, "Readers": []any{}, "IsWriter": false, "GlobalWriteForwardingStatus": "disabled"},
		},
		"FailoverState": map[string]any{"Status": "pending", "FromDbClusterArn": primary, "ToDbClusterArn": replica, "IsDataLossAllowed": false},
		"TagList":       []any{map[string]any{"Key": "owner", "Value": "drtool & <ops>"}},
	}}}
}

func dbClustersDoc() map[string]any {
	return map[string]any{"Marker": "next-1", "DBClusters": []any{map[string]any{
		"DBClusterIdentifier":     "app-apse1",
		"DBClusterArn":            primary,
		"Status":                  "available",
		"Engine":                  "aurora-postgresql",
		"EngineVersion":           "15.4",
		"Endpoint":                "app-apse1.cluster-xyz.ap-southeast-1.rds.amazonaws.com",
		"ReaderEndpoint":          "app-apse1.cluster-ro-xyz.ap-southeast-1.rds.amazonaws.com",
		"Port":                    int64(5432),
		"MultiAZ":                 true,
		"ClusterCreateTime":       created,
		"AvailabilityZones":       []any{"ap-southeast-1a", "ap-southeast-1b"},
		"GlobalClusterIdentifier": globalID,
		"DBClusterMembers": []any{
			map[string]any{"DBInstanceIdentifier": "app-apse1-1", "IsClusterWriter": true, "PromotionTier": int64(1)},
			map[string]any{"DBInstanceIdentifier": "app-apse1-2", "IsClusterWriter": false, "PromotionTier": int64(1)},
		},
		"VpcSecurityGroups": []any{map[string]any{"VpcSecurityGroupId": "sg-1", "Status": "active"}},
		"TagList":           []any{},
	}}}
}

func dbInstancesDoc() map[string]any {
	return map[string]any{"DBInstances": []any{map[string]any{
		"DBInstanceIdentifier": "app-apse1-1",
		"DBInstanceClass":      "db.r6g.large",
		"Engine":               "aurora-postgresql",
		"DBInstanceStatus":     "available",
		"Endpoint":             map[string]any{"Address": "app-apse1-1.xyz.ap-southeast-1.rds.amazonaws.com", "Port": int64(5432), "HostedZoneId": "Z2ZZ"},
		"InstanceCreateTime":   created,
		"AvailabilityZone":     "ap-southeast-1a",
		"DBClusterIdentifier":  "app-apse1",
		"PubliclyAccessible":   false,
		"DBSubnetGroup": map[string]any{
			"DBSubnetGroupName": "app", "VpcId": "vpc-1", "SubnetGroupStatus": "Complete",
			"Subnets": []any{map[string]any{"SubnetIdentifier": "subnet-1",
				"SubnetAvailabilityZone": map[string]any{"Name": "ap-southeast-1a"}, "SubnetStatus": "Active"}},
		},
	}}}
}

func TestCodec_EncodeResult(t *testing.T) {
	tests := []struct {
		name, service, op string
		doc               map[string]any
	}{
		{"rds_describe_global_clusters", awsmodel.RDS, "DescribeGlobalClusters", globalClustersDoc()},
		{"rds_describe_db_clusters", awsmodel.RDS, "DescribeDBClusters", dbClustersDoc()},
		{"rds_describe_db_instances", awsmodel.RDS, "DescribeDBInstances", dbInstancesDoc()},
		{"rds_create_db_cluster_empty", awsmodel.RDS, "CreateDBCluster", map[string]any{"DBCluster": map[string]any{}}},
		{"rds_add_tags_no_output", awsmodel.RDS, "AddTagsToResource", nil},
		{"iam_get_user", awsmodel.IAM, "GetUser", map[string]any{"User": map[string]any{
			"Path": "/", "UserName": "ops", "UserId": "AIDAEXAMPLE", "Arn": "arn:aws:iam::123456789012:user/ops", "CreateDate": created}}},
		{"sts_get_caller_identity", awsmodel.STS, "GetCallerIdentity", map[string]any{
			"UserId": "AIDAEXAMPLE", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/ops"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := NewCodec(awsmodel.MustLoad(tt.service)).EncodeResult(tt.op, tt.doc, "req-1")
			if err != nil {
				t.Fatalf("EncodeResult: %v", err)
			}
			golden(t, tt.name+".xml", out)
			querytest.ValidateWithBotocore(t, tt.service, tt.op, out)
		})
	}
}

func TestCodec_EncodeResult_synthetic(t *testing.T) {
	doc := map[string]any{
		"Attrs": map[string]any{"b": "2", "a": "1"},
		"Named": map[string]string{"x": "y"},
		"Flat":  []string{"first", "second"},
	}
	out, err := NewCodec(syntheticService()).EncodeResult("Put", doc, "req-1")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "synthetic_maps_flattened.xml", out)
}

func TestCodec_EncodeResult_errors(t *testing.T) {
	rds := NewCodec(awsmodel.MustLoad(awsmodel.RDS))
	tests := []struct {
		name, op string
		doc      map[string]any
		want     string
	}{
		{"unknown operation", "DescribeEverything", nil, "unknown operation"},
		{"unknown member", "DescribeDBClusters", map[string]any{"DBCluster": []any{}}, `"DBCluster" is not a member of DBClusterMessage`},
		{"typo in nested member", "DescribeDBClusters", map[string]any{"DBClusters": []any{map[string]any{"Statu": "x"}}}, `"Statu" is not a member of DBCluster`},
		{"string for boolean", "DescribeDBClusters", map[string]any{"DBClusters": []any{map[string]any{"MultiAZ": "true"}}}, "does not fit boolean"},
		{"string for timestamp", "DescribeDBClusters", map[string]any{"DBClusters": []any{map[string]any{"ClusterCreateTime": "2026"}}}, "does not fit timestamp"},
		{"scalar for list", "DescribeDBClusters", map[string]any{"DBClusters": "x"}, "want a slice"},
		{"output for an operation without one", "AddTagsToResource", map[string]any{"X": 1}, "has no output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rds.EncodeResult(tt.op, tt.doc, "req-1")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("EncodeResult error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestCodec_WriteError(t *testing.T) {
	tests := []struct {
		name, service string
		err           error
		status        int
	}{
		{"rds_db_instance_not_found", awsmodel.RDS, awserr.New("DBInstanceNotFoundFault", "DBInstance %s not found.", "foobar"), http.StatusNotFound},
		{"rds_invalid_action", awsmodel.RDS, awserr.New(awserr.InvalidAction, "Could not find operation X for version 2014-10-31"), http.StatusBadRequest},
		{"rds_missing_parameter", awsmodel.RDS, awserr.New(awserr.MissingParameter, "The request must contain the parameter DBClusterIdentifier"), http.StatusBadRequest},
		{"rds_internal", awsmodel.RDS, errors.New("pg_ctl: secret detail"), http.StatusInternalServerError},
		{"iam_no_such_entity", awsmodel.IAM, awserr.New("NoSuchEntityException", "The user with name foobar cannot be found."), http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			NewCodec(awsmodel.MustLoad(tt.service)).WriteError(rec, tt.err, "req-1")
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("x-amzn-RequestId"); got != "req-1" {
				t.Errorf("x-amzn-RequestId = %q", got)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/xml" {
				t.Errorf("Content-Type = %q", ct)
			}
			golden(t, "error_"+tt.name+".xml", rec.Body.Bytes())
			querytest.ValidateWithBotocore(t, tt.service, errorOp[tt.service], rec.Body.Bytes()) // envelope check only
		})
	}
}

// errorOp names some operation of each service for validating error
// envelopes, which do not depend on the operation.
var errorOp = map[string]string{awsmodel.RDS: "DescribeDBInstances", awsmodel.IAM: "GetUser"}
