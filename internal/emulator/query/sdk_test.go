package query

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/globaldb/globaldb/internal/emulator/botocheck"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/query/querytest"
)

// recordingHandler answers every call with a fixed document or error and
// keeps the calls it saw.
type recordingHandler struct {
	mu    sync.Mutex
	calls []*Call
	doc   map[string]any
	err   error
}

func (h *recordingHandler) Handle(_ context.Context, call *Call) (map[string]any, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, call)
	return h.doc, h.err
}

// newRDSClient serves h with the RDS codec and returns an SDK client
// pointed at it.
func newRDSClient(t *testing.T, h Handler) *rds.Client {
	t.Helper()
	codec := NewCodec(awsmodel.MustLoad(awsmodel.RDS))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read body: %v", err)
			return
		}
		codec.Serve(r.Context(), w, r, body, CallMeta{Region: "ap-southeast-1", RequestID: "req-sdk", AccessKeyID: "test"}, h)
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:      "ap-southeast-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}
	return rds.NewFromConfig(cfg, func(o *rds.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		o.RetryMaxAttempts = 1
	})
}

func TestCodec_Serve_sdkRoundTrip(t *testing.T) {
	ctx := context.Background()
	t.Run("DescribeGlobalClusters", func(t *testing.T) {
		doc := globalClustersDoc()
		client := newRDSClient(t, &recordingHandler{doc: doc})
		out, err := client.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.GlobalClusters) != 1 {
			t.Fatalf("GlobalClusters = %d, want 1", len(out.GlobalClusters))
		}
		gc := out.GlobalClusters[0]
		if aws.ToString(gc.GlobalClusterIdentifier) != globalID || aws.ToString(gc.Status) != "switching-over" || !aws.ToBool(gc.StorageEncrypted) {
			t.Errorf("global cluster = %+v", gc)
		}
		if len(gc.GlobalClusterMembers) != 2 {
			t.Fatalf("GlobalClusterMembers = %d, want 2", len(gc.GlobalClusterMembers))
		}
		w, r := gc.GlobalClusterMembers[0], gc.GlobalClusterMembers[1]
		if !aws.ToBool(w.IsWriter) || !reflect.DeepEqual(w.Readers, []string{replica}) || aws.ToString(w.DBClusterArn) != primary {
			t.Errorf("writer member = %+v", w)
		}
		if aws.ToBool(r.IsWriter) || len(r.Readers) != 0 || r.GlobalWriteForwardingStatus != types.WriteForwardingStatusDisabled {
			t.Errorf("reader member = %+v", r)
		}
		if fs := gc.FailoverState; fs == nil || fs.Status != types.FailoverStatusPending || aws.ToString(fs.ToDbClusterArn) != replica {
			t.Errorf("FailoverState = %+v", fs)
		}
		if len(gc.TagList) != 1 || aws.ToString(gc.TagList[0].Value) != "drtool & <ops>" {
			t.Errorf("TagList = %+v", gc.TagList)
		}
		xml, _ := NewCodec(awsmodel.MustLoad(awsmodel.RDS)).EncodeResult("DescribeGlobalClusters", doc, "req-sdk")
		querytest.ValidateWithBotocore(t, awsmodel.RDS, "DescribeGlobalClusters", xml)
	})
	t.Run("DescribeDBClusters", func(t *testing.T) {
		h := &recordingHandler{doc: dbClustersDoc()}
		client := newRDSClient(t, h)
		out, err := client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{
			Filters: []types.Filter{{Name: aws.String("engine"), Values: []string{"aurora-postgresql", "aurora-mysql"}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Marker) != "next-1" || len(out.DBClusters) != 1 {
			t.Fatalf("output = %+v", out)
		}
		c := out.DBClusters[0]
		if !aws.ToTime(c.ClusterCreateTime).Equal(created.Truncate(1e6)) {
			t.Errorf("ClusterCreateTime = %v, want %v", aws.ToTime(c.ClusterCreateTime), created.Truncate(1e6))
		}
		if aws.ToInt32(c.Port) != 5432 || !aws.ToBool(c.MultiAZ) || len(c.DBClusterMembers) != 2 || !aws.ToBool(c.DBClusterMembers[0].IsClusterWriter) {
			t.Errorf("cluster = %+v", c)
		}
		if !reflect.DeepEqual(c.AvailabilityZones, []string{"ap-southeast-1a", "ap-southeast-1b"}) || len(c.VpcSecurityGroups) != 1 {
			t.Errorf("AvailabilityZones = %v, VpcSecurityGroups = %+v", c.AvailabilityZones, c.VpcSecurityGroups)
		}
		wantParams := map[string]any{"Filters": []any{map[string]any{"Name": "engine", "Values": []any{"aurora-postgresql", "aurora-mysql"}}}}
		if got := h.calls[0]; got.Action != "DescribeDBClusters" || !reflect.DeepEqual(got.Params, wantParams) || got.Region != "ap-southeast-1" || got.RequestID != "req-sdk" {
			t.Errorf("call = %+v", got)
		}
	})
	t.Run("DescribeDBInstances", func(t *testing.T) {
		client := newRDSClient(t, &recordingHandler{doc: dbInstancesDoc()})
		out, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
		if err != nil {
			t.Fatal(err)
		}
		in := out.DBInstances[0]
		if in.Endpoint == nil || aws.ToInt32(in.Endpoint.Port) != 5432 || !aws.ToTime(in.InstanceCreateTime).Equal(created.Truncate(1e6)) {
			t.Errorf("instance = %+v", in)
		}
		if sg := in.DBSubnetGroup; sg == nil || len(sg.Subnets) != 1 || aws.ToString(sg.Subnets[0].SubnetAvailabilityZone.Name) != "ap-southeast-1a" {
			t.Errorf("DBSubnetGroup = %+v", in.DBSubnetGroup)
		}
	})
	t.Run("CreateDBCluster request decoding", func(t *testing.T) {
		h := &recordingHandler{doc: map[string]any{"DBCluster": map[string]any{"DBClusterIdentifier": "app-apse2", "Status": "creating"}}}
		client := newRDSClient(t, h)
		out, err := client.CreateDBCluster(ctx, &rds.CreateDBClusterInput{
			DBClusterIdentifier: aws.String("app-apse2"),
			Engine:              aws.String("aurora-postgresql"),
			VpcSecurityGroupIds: []string{"sg-1", "sg-2"},
			Tags:                []types.Tag{{Key: aws.String("owner"), Value: aws.String("drtool")}},
			StorageEncrypted:    aws.Bool(true),
			Port:                aws.Int32(5432),
		})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.DBCluster.Status) != "creating" {
			t.Errorf("DBCluster = %+v", out.DBCluster)
		}
		want := map[string]any{
			"DBClusterIdentifier": "app-apse2", "Engine": "aurora-postgresql",
			"VpcSecurityGroupIds": []any{"sg-1", "sg-2"},
			"Tags":                []any{map[string]any{"Key": "owner", "Value": "drtool"}},
			"StorageEncrypted":    true, "Port": int64(5432),
		}
		if !reflect.DeepEqual(h.calls[0].Params, want) {
			t.Errorf("Params = %#v, want %#v", h.calls[0].Params, want)
		}
	})
}

func TestCodec_Serve_sdkErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("modeled fault", func(t *testing.T) {
		client := newRDSClient(t, &recordingHandler{err: awserr.New("DBInstanceNotFoundFault", "DBInstance foobar not found.")})
		_, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("foobar")})
		var nf *types.DBInstanceNotFoundFault
		if !errors.As(err, &nf) {
			t.Fatalf("error = %v, want *types.DBInstanceNotFoundFault", err)
		}
		if nf.ErrorMessage() != "DBInstance foobar not found." {
			t.Errorf("message = %q", nf.ErrorMessage())
		}
	})
	t.Run("common code", func(t *testing.T) {
		client := newRDSClient(t, &recordingHandler{err: awserr.New(awserr.InvalidParameterValue, "bad value")})
		_, err := client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "InvalidParameterValue" || api.ErrorMessage() != "bad value" {
			t.Fatalf("error = %v, want InvalidParameterValue API error", err)
		}
		if api.ErrorFault() != smithy.FaultUnknown && api.ErrorFault() != smithy.FaultClient {
			t.Errorf("fault = %v", api.ErrorFault())
		}
	})
	t.Run("internal error hides its text", func(t *testing.T) {
		client := newRDSClient(t, &recordingHandler{err: errors.New("password=hunter2")})
		_, err := client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "InternalFailure" || strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("error = %v, want InternalFailure without detail", err)
		}
	})
	t.Run("encode failure becomes internal error", func(t *testing.T) {
		client := newRDSClient(t, &recordingHandler{doc: map[string]any{"NoSuchMember": 1}})
		_, err := client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "InternalFailure" {
			t.Fatalf("error = %v, want InternalFailure", err)
		}
	})
}

func TestCodec_Serve_get(t *testing.T) {
	h := &recordingHandler{doc: map[string]any{"UserId": "u", "Account": "1", "Arn": "arn"}}
	codec := NewCodec(awsmodel.MustLoad(awsmodel.STS))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	codec.Serve(context.Background(), rec, req, nil, CallMeta{RequestID: "r"}, h)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<Account>1</Account>") {
		t.Errorf("GET response = %d %s", rec.Code, rec.Body)
	}
	if rec.Header().Get("Date") == "" {
		t.Error("no Date header")
	}
}

// TestValidateShapes checks that tools/validate_shapes.py rejects what it
// should, so that passing ValidateWithBotocore means something.
func TestValidateShapes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts python3 with botocore (-short)")
	}
	script, err := botocheck.Script("validate_shapes.py")
	if err != nil {
		t.Skipf("skip: %v", err)
	}
	if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
		t.Skipf("python3 with botocore not available: %v", err)
	}
	ns := `xmlns="http://rds.amazonaws.com/doc/2014-10-31/"`
	meta := `<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>`
	tests := []struct{ name, xml, want string }{
		{"wrong list member name", `<DescribeGlobalClustersResponse ` + ns + `><DescribeGlobalClustersResult><GlobalClusters><member/></GlobalClusters></DescribeGlobalClustersResult>` + meta + `</DescribeGlobalClustersResponse>`, "list item element must be <GlobalClusterMember>"},
		{"bad boolean", `<DescribeDBClustersResponse ` + ns + `><DescribeDBClustersResult><DBClusters><DBCluster><MultiAZ>True</MultiAZ></DBCluster></DBClusters></DescribeDBClustersResult>` + meta + `</DescribeDBClustersResponse>`, "is not true/false"},
		{"bad timestamp", `<DescribeDBClustersResponse ` + ns + `><DescribeDBClustersResult><DBClusters><DBCluster><ClusterCreateTime>2026-01-02 15:04</ClusterCreateTime></DBCluster></DBClusters></DescribeDBClustersResult>` + meta + `</DescribeDBClustersResponse>`, "is not ISO 8601"},
		{"unknown member", `<DescribeDBClustersResponse ` + ns + `><DescribeDBClustersResult><Clusters/></DescribeDBClustersResult>` + meta + `</DescribeDBClustersResponse>`, "not a member of DBClusterMessage"},
		{"missing result wrapper", `<DescribeDBClustersResponse ` + ns + `>` + meta + `</DescribeDBClustersResponse>`, "must hold exactly one <DescribeDBClustersResult>"},
		{"missing request id", `<DescribeDBClustersResponse ` + ns + `><DescribeDBClustersResult/></DescribeDBClustersResponse>`, "missing ResponseMetadata"},
		{"wrong namespace", `<DescribeDBClustersResponse><DescribeDBClustersResult/>` + meta + `</DescribeDBClustersResponse>`, "namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.xml")
			if err := writeFile(path, tt.xml); err != nil {
				t.Fatal(err)
			}
			op := strings.TrimSuffix(tt.xml[1:strings.IndexAny(tt.xml, " >")], "Response")
			out, err := exec.Command("python3", script, "rds", op, path).CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), tt.want) {
				t.Errorf("validate_shapes = %v\n%s\nwant exit 1 mentioning %q", err, out, tt.want)
			}
		})
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }
