package rdsapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/query"
	"github.com/globaldb/globaldb/internal/emulator/query/querytest"
	"github.com/globaldb/globaldb/internal/emulator/rds"
	"github.com/globaldb/globaldb/internal/emulator/rdsapi"
	"github.com/globaldb/globaldb/internal/emulator/sigv4"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixedNow is the model's clock: every timestamp in the goldens is this.
var fixedNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return fixedNow }

// After never fires: the model does not wait, and a golden test must not.
func (fixedClock) After(time.Duration) <-chan time.Time { return make(chan time.Time) }

// seqAddresses hands out 127.0.0.2, 127.0.0.3, … in call order.
type seqAddresses struct {
	mu sync.Mutex
	n  int
}

func (a *seqAddresses) Allocate(int) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	return fmt.Sprintf("127.0.0.%d", a.n+1), nil
}

// exchange is one request and the raw response the server wrote.
type exchange struct {
	action string
	status int
	body   []byte
	header http.Header
}

// harness serves the RDS model over real HTTP with SigV4 verification, the
// way the emulator's router does, and records every response.
type harness struct {
	model    *rds.Service
	srv      *httptest.Server
	codec    *query.Codec
	handler  *rdsapi.Handler
	verifier *sigv4.Verifier

	mu        sync.Mutex
	requestID string
	got       []exchange
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	model, err := rds.New(rds.Config{
		Clock:     fixedClock{},
		Random:    rand.NewChaCha8([32]byte{'g', 'l', 'o', 'b', 'a', 'l', 'd', 'b'}),
		Addresses: &seqAddresses{},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{
		model:    model,
		codec:    query.NewCodec(awsmodel.MustLoad("rds")),
		handler:  rdsapi.New(model),
		verifier: &sigv4.Verifier{Secrets: sigv4.StaticSecrets{"test": "test"}},
	}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	reqID := h.requestID
	h.mu.Unlock()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	form, _ := url.ParseQuery(string(body))
	if id, err := h.verifier.Verify(r.Context(), r, body); err != nil {
		h.codec.WriteError(rec, err, reqID)
	} else {
		meta := query.CallMeta{Region: id.Region, RequestID: reqID, AccessKeyID: id.AccessKeyID}
		h.codec.Serve(r.Context(), rec, r, body, meta, h.handler)
	}
	h.mu.Lock()
	h.got = append(h.got, exchange{action: form.Get("Action"), status: rec.status, body: rec.body.Bytes(), header: w.Header().Clone()})
	h.mu.Unlock()
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

// begin sets the request id of the next request and forgets earlier
// responses.
func (h *harness) begin(requestID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requestID, h.got = requestID, nil
}

// responses returns what the server answered since begin.
func (h *harness) responses() []exchange {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

func (h *harness) client(region string) *sdk.Client {
	return sdk.New(sdk.Options{
		Region:       region,
		BaseEndpoint: aws.String(h.srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		Retryer:      aws.NopRetryer{},
	})
}

// sendRaw POSTs form signed with test/test for region, for requests the SDK
// refuses to build.
func (h *harness) sendRaw(ctx context.Context, region, form string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.srv.URL+"/", strings.NewReader(form))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(form))
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "rds", region, time.Now()); err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// recorder keeps a copy of the status and body written.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

// WriteHeader and Write buffer the response: serve records it before the
// client can see it, so a test never reads the capture before it exists.
func (r *recorder) WriteHeader(code int) { r.status = code }

func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// step is one request of the script and what its response must be.
type step struct {
	op, name string
	region   string // default primaryRegion
	status   int    // default 200, or 400 with code
	code     string // wire error code; "" for success
	message  string // substring of the error message, when it matters
	// errAs, when set, points to a typed SDK error the call's error must
	// match with errors.As (e.g. new(*types.DBInstanceNotFoundFault)).
	errAs any
	// before plays the runtime: Observe* calls the step depends on.
	before runtimeFunc
	// call makes the request with the SDK and checks decoded fields.
	call callFunc
	// raw, instead of call, is a form body sent signed without the SDK.
	raw string
}

// runtimeFunc plays the runtime: it reports what the real world did
// through the model's Observe methods.
type runtimeFunc func(t *testing.T, m *rds.Service)

// callFunc makes one request with an SDK client, checks the decoded
// output and returns the SDK's error.
type callFunc func(t *testing.T, ctx context.Context, c *sdk.Client) error

func (s step) golden(i int) string { return fmt.Sprintf("%02d-%s-%s.xml", i+1, s.op, s.name) }

func TestHandler_Handle(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	steps := script()
	var (
		captured = map[string]exchange{} // by golden file name
		okOps    = map[string]bool{}
	)
	for i, st := range steps {
		golden := st.golden(i)
		t.Run(strings.TrimSuffix(golden, ".xml"), func(t *testing.T) {
			if st.before != nil {
				st.before(t, h.model)
			}
			h.begin(fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1))
			err := run(t, ctx, h, st)
			got := h.responses()
			if len(got) != 1 {
				t.Fatalf("server answered %d requests, want 1 (call error: %v)", len(got), err)
			}
			ex := got[0]
			captured[golden] = ex
			checkResponse(t, st, ex)
			if st.raw == "" {
				checkSDKError(t, st, err)
			}
			compareGolden(t, golden, ex.body)
			if st.code == "" && !t.Failed() {
				okOps[st.op] = true
			}
		})
	}
	t.Run("every operation succeeds once", func(t *testing.T) {
		for _, op := range h.handler.Operations() {
			if !okOps[op] {
				t.Errorf("no successful %s in the script", op)
			}
		}
	})
	t.Run("no stale goldens", func(t *testing.T) { checkStaleGoldens(t, captured) })
	t.Run("botocore", func(t *testing.T) {
		if testing.Short() {
			t.Skip("skip botocore validation in -short mode (the goldens were validated when written)")
		}
		model := awsmodel.MustLoad("rds")
		for name, ex := range captured {
			op := ex.action
			if model.Operation(op) == nil {
				op = "DescribeDBClusters" // an error envelope of an unknown action
			}
			t.Run(strings.TrimSuffix(name, ".xml"), func(t *testing.T) {
				t.Parallel()
				querytest.ValidateWithBotocore(t, "rds", op, ex.body)
			})
		}
	})
}

func run(t *testing.T, ctx context.Context, h *harness, st step) error {
	t.Helper()
	region := st.region
	if region == "" {
		region = primaryRegion
	}
	if st.raw != "" {
		if err := h.sendRaw(ctx, region, st.raw); err != nil {
			t.Fatalf("send raw request: %v", err)
		}
		return nil
	}
	return st.call(t, ctx, h.client(region))
}

// checkResponse checks the status, the action and the envelope's root
// element or error code.
func checkResponse(t *testing.T, st step, ex exchange) {
	t.Helper()
	want := st.status
	switch {
	case want != 0:
	case st.code != "":
		want = http.StatusBadRequest
	default:
		want = http.StatusOK
	}
	if ex.status != want {
		t.Errorf("HTTP status = %d, want %d\n%s", ex.status, want, ex.body)
	}
	if ex.action != st.op {
		t.Errorf("request Action = %q, want %q", ex.action, st.op)
	}
	if ex.header.Get("x-amzn-RequestId") == "" || ex.header.Get("Content-Type") != "text/xml" {
		t.Errorf("headers = %v, want x-amzn-RequestId and Content-Type text/xml", ex.header)
	}
	var env struct {
		XMLName xml.Name
		Error   struct{ Code, Message string }
	}
	if err := xml.Unmarshal(ex.body, &env); err != nil {
		t.Fatalf("response is not XML: %v\n%s", err, ex.body)
	}
	if st.code == "" {
		if env.XMLName.Local != st.op+"Response" {
			t.Errorf("root element = %s, want %sResponse\n%s", env.XMLName.Local, st.op, ex.body)
		}
		return
	}
	if env.XMLName.Local != "ErrorResponse" || env.Error.Code != st.code {
		t.Errorf("error code = %s %q, want ErrorResponse %q\n%s", env.XMLName.Local, env.Error.Code, st.code, ex.body)
	}
	if !strings.Contains(env.Error.Message, st.message) {
		t.Errorf("error message = %q, want it to contain %q", env.Error.Message, st.message)
	}
}

// checkSDKError checks what the SDK made of the response.
func checkSDKError(t *testing.T, st step, err error) {
	t.Helper()
	if st.code == "" {
		if err != nil {
			t.Errorf("%s: %v", st.op, err)
		}
		return
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("%s error = %v, want an API error %s", st.op, err, st.code)
	}
	if apiErr.ErrorCode() != st.code {
		t.Errorf("ErrorCode() = %q, want %q", apiErr.ErrorCode(), st.code)
	}
	if st.errAs != nil && !errors.As(err, st.errAs) {
		t.Errorf("error %T (%v) does not match %T", err, err, st.errAs)
	}
}

func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
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

// checkStaleGoldens reports (or, with -update, removes) golden files no
// step produced any more.
func checkStaleGoldens(t *testing.T, captured map[string]exchange) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, ok := captured[filepath.Base(f)]; ok {
			continue
		}
		if *update {
			if err := os.Remove(f); err != nil {
				t.Error(err)
			}
			continue
		}
		t.Errorf("stale golden %s: no step produces it (run with -update to remove it)", f)
	}
}

const (
	primaryRegion   = "us-east-1"
	secondaryRegion = "eu-west-1"
	pagingRegion    = "ap-southeast-2"
	globalID        = "app-global"
	primaryID       = "app-use1"
	secondaryID     = "app-euw1"
	engine          = "aurora-postgresql"
)

var (
	primaryARN   = "arn:aws:rds:" + primaryRegion + ":000000000000:cluster:" + primaryID
	secondaryARN = "arn:aws:rds:" + secondaryRegion + ":000000000000:cluster:" + secondaryID
)

// script is the whole scripted sequence: every operation succeeds at least
// once, and every error the model raises for a client mistake shows up.
func script() []step {
	return slices.Concat(subnetGroupSteps(), createSteps(), describeGlobalSteps(), describeClusterSteps(),
		describeInstanceAndVersionSteps(), modifyAndTagSteps(),
		refusedDeleteSteps(), teardownSteps(), pagingSteps(), failoverSteps(), rawSteps(), instanceSettingSteps(),
		orderableSteps(), limitSteps(), parameterGroupSteps(), writeForwardingSteps())
}

// key is the model's key of a cluster or instance.
func key(region, id string) string { return region + "/" + id }

// observe plays the runtime between two requests.
func observe(fs ...runtimeFunc) runtimeFunc {
	return func(t *testing.T, m *rds.Service) {
		for _, f := range fs {
			f(t, m)
		}
	}
}

func volumeReady(region, id string) runtimeFunc {
	return func(t *testing.T, m *rds.Service) { m.ObserveVolumeReady(key(region, id)) }
}

func clusterReady(region, id string) runtimeFunc {
	return func(t *testing.T, m *rds.Service) { m.ObserveClusterReady(key(region, id)) }
}

func instanceReady(region, id string) runtimeFunc {
	return func(t *testing.T, m *rds.Service) { m.ObserveInstanceReady(key(region, id)) }
}

func subnetGroupSteps() []step {
	create := func(name string, subnets ...string) callFunc {
		return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.CreateDBSubnetGroup(ctx, &sdk.CreateDBSubnetGroupInput{
				DBSubnetGroupName: aws.String(name), DBSubnetGroupDescription: aws.String("subnets of " + name),
				SubnetIds: subnets,
			})
			if err == nil && len(out.DBSubnetGroup.Subnets) != len(subnets) {
				t.Errorf("Subnets = %+v, want %d", out.DBSubnetGroup.Subnets, len(subnets))
			}
			return err
		}
	}
	return []step{
		{op: "CreateDBSubnetGroup", name: "ok", call: create("app-subnets", "subnet-1", "subnet-2", "subnet-3")},
		{op: "CreateDBSubnetGroup", name: "spare", call: create("spare-subnets", "subnet-4", "subnet-5")},
		{op: "CreateDBSubnetGroup", name: "one-az", code: "DBSubnetGroupDoesNotCoverEnoughAZs",
			errAs: new(*types.DBSubnetGroupDoesNotCoverEnoughAZs), call: create("narrow", "subnet-9")},
		{op: "CreateDBSubnetGroup", name: "exists", code: "DBSubnetGroupAlreadyExists",
			errAs: new(*types.DBSubnetGroupAlreadyExistsFault), call: create("app-subnets", "subnet-1", "subnet-2")},
		{op: "DescribeDBSubnetGroups", name: "by-name", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.DescribeDBSubnetGroups(ctx, &sdk.DescribeDBSubnetGroupsInput{DBSubnetGroupName: aws.String("app-subnets")})
			if err == nil && (len(out.DBSubnetGroups) != 1 || aws.ToString(out.DBSubnetGroups[0].Subnets[2].SubnetAvailabilityZone.Name) != "us-east-1c") {
				t.Errorf("DBSubnetGroups = %+v, want app-subnets with its third subnet in us-east-1c", out.DBSubnetGroups)
			}
			return err
		}},
		{op: "DescribeDBSubnetGroups", name: "not-found", status: http.StatusNotFound, code: "DBSubnetGroupNotFoundFault",
			errAs: new(*types.DBSubnetGroupNotFoundFault), call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				_, err := c.DescribeDBSubnetGroups(ctx, &sdk.DescribeDBSubnetGroupsInput{DBSubnetGroupName: aws.String("nope")})
				return err
			}},
	}
}

func createGlobal(id string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
		out, err := c.CreateGlobalCluster(ctx, &sdk.CreateGlobalClusterInput{
			GlobalClusterIdentifier: aws.String(id), Engine: aws.String(engine),
			EngineVersion: aws.String("15.10"), DatabaseName: aws.String("appdb"),
		})
		if err == nil && (aws.ToString(out.GlobalCluster.Status) != "available" || len(out.GlobalCluster.GlobalClusterMembers) != 0) {
			t.Errorf("GlobalCluster = %+v, want available and empty", out.GlobalCluster)
		}
		return err
	}
}

// createCluster creates a cluster of the global cluster; edit adjusts the
// input of a case.
func createCluster(id string, edit func(in *sdk.CreateDBClusterInput)) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
		in := &sdk.CreateDBClusterInput{
			DBClusterIdentifier: aws.String(id), Engine: aws.String(engine),
			GlobalClusterIdentifier: aws.String(globalID),
		}
		if edit != nil {
			edit(in)
		}
		out, err := c.CreateDBCluster(ctx, in)
		if err == nil && (aws.ToString(out.DBCluster.Status) != "creating" || aws.ToString(out.DBCluster.GlobalClusterIdentifier) != globalID) {
			t.Errorf("DBCluster = %+v, want creating in %s", out.DBCluster, globalID)
		}
		return err
	}
}

func primaryInput(in *sdk.CreateDBClusterInput) {
	in.MasterUsername, in.MasterUserPassword = aws.String("app_admin"), aws.String("correct-horse-battery")
	in.DBSubnetGroupName = aws.String("app-subnets")
}

func createInstance(id, cluster string, edit func(in *sdk.CreateDBInstanceInput)) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
		in := &sdk.CreateDBInstanceInput{
			DBInstanceIdentifier: aws.String(id), DBClusterIdentifier: aws.String(cluster),
			DBInstanceClass: aws.String("db.r6g.large"), Engine: aws.String(engine),
		}
		if edit != nil {
			edit(in)
		}
		out, err := c.CreateDBInstance(ctx, in)
		if err == nil && (aws.ToString(out.DBInstance.DBInstanceStatus) != "creating" || out.DBInstance.Endpoint != nil) {
			t.Errorf("DBInstance = %+v, want creating without an endpoint", out.DBInstance)
		}
		return err
	}
}

func createSteps() []step {
	const secondary = secondaryRegion
	return []step{
		{op: "CreateGlobalCluster", name: "ok", call: createGlobal(globalID)},
		{op: "CreateGlobalCluster", name: "exists", code: "GlobalClusterAlreadyExistsFault",
			errAs: new(*types.GlobalClusterAlreadyExistsFault), call: createGlobal(globalID)},
		{op: "CreateDBCluster", name: "primary", call: createCluster(primaryID, primaryInput)},
		{op: "CreateDBCluster", name: "exists", code: "DBClusterAlreadyExistsFault",
			errAs: new(*types.DBClusterAlreadyExistsFault), call: createCluster(primaryID, primaryInput)},
		{op: "CreateDBCluster", name: "bad-az", code: "InvalidParameterValue", message: "us-east-1z",
			call: createCluster("other", func(in *sdk.CreateDBClusterInput) {
				primaryInput(in)
				in.AvailabilityZones = []string{"us-east-1a", "us-east-1z"}
			})},
		{op: "CreateDBCluster", name: "bad-identifier", code: "InvalidParameterValue", message: "not a valid identifier",
			call: createCluster("1st--cluster", primaryInput)},
		{op: "CreateDBCluster", name: "no-subnet-group", status: http.StatusNotFound, code: "DBSubnetGroupNotFoundFault",
			errAs: new(*types.DBSubnetGroupNotFoundFault),
			call: createCluster("other", func(in *sdk.CreateDBClusterInput) {
				primaryInput(in)
				in.DBSubnetGroupName = aws.String("missing")
			})},
		{op: "CreateDBInstance", name: "primary", call: createInstance("app-use1-1", primaryID, nil)},
		{op: "CreateDBInstance", name: "exists", code: "DBInstanceAlreadyExists",
			errAs: new(*types.DBInstanceAlreadyExistsFault), call: createInstance("app-use1-1", primaryID, nil)},
		{op: "CreateDBInstance", name: "bad-az", code: "InvalidParameterValue", message: "us-east-1z",
			call: createInstance("app-use1-2", primaryID, func(in *sdk.CreateDBInstanceInput) {
				in.AvailabilityZone = aws.String("us-east-1z")
			})},
		{op: "CreateDBInstance", name: "bad-promotion-tier", code: "InvalidParameterValue", message: "PromotionTier",
			call: createInstance("app-use1-2", primaryID, func(in *sdk.CreateDBInstanceInput) {
				in.PromotionTier = aws.Int32(16)
			})},
		{op: "CreateDBInstance", name: "no-cluster", status: http.StatusNotFound, code: "DBClusterNotFoundFault",
			errAs: new(*types.DBClusterNotFoundFault), call: createInstance("app-use1-2", "nope", nil)},
		{op: "CreateDBCluster", name: "secondary-username", region: secondary, code: "InvalidParameterCombination",
			message: "Cannot specify user name for cross region replication cluster",
			before:  observe(volumeReady(primaryRegion, primaryID), instanceReady(primaryRegion, "app-use1-1")),
			call: createCluster(secondaryID, func(in *sdk.CreateDBClusterInput) {
				in.MasterUsername = aws.String("app_admin")
			})},
		{op: "CreateDBCluster", name: "secondary-password", region: secondary, code: "InvalidParameterCombination",
			message: "Cannot specify password for cross region replication cluster",
			call: createCluster(secondaryID, func(in *sdk.CreateDBClusterInput) {
				in.MasterUserPassword = aws.String("correct-horse-battery")
			})},
		{op: "CreateDBCluster", name: "secondary-database", region: secondary, code: "InvalidParameterCombination",
			message: "Cannot specify database name for cross region replication cluster",
			call: createCluster(secondaryID, func(in *sdk.CreateDBClusterInput) {
				in.DatabaseName = aws.String("appdb")
			})},
		{op: "CreateDBCluster", name: "secondary", region: secondary, call: createCluster(secondaryID, nil)},
		{op: "CreateDBInstance", name: "secondary", region: secondary, call: createInstance("app-euw1-1", secondaryID, nil)},
	}
}

func describeGlobalSteps() []step {
	return []step{
		{op: "DescribeGlobalClusters", name: "members",
			before: observe(clusterReady(secondaryRegion, secondaryID), instanceReady(secondaryRegion, "app-euw1-1")),
			call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				out, err := c.DescribeGlobalClusters(ctx, &sdk.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(globalID)})
				if err != nil {
					return err
				}
				if len(out.GlobalClusters) != 1 || len(out.GlobalClusters[0].GlobalClusterMembers) != 2 {
					t.Fatalf("GlobalClusters = %+v, want one with two members", out.GlobalClusters)
				}
				g := out.GlobalClusters[0]
				w, r := g.GlobalClusterMembers[0], g.GlobalClusterMembers[1]
				if aws.ToString(w.DBClusterArn) != primaryARN || !aws.ToBool(w.IsWriter) || !slices.Equal(w.Readers, []string{secondaryARN}) {
					t.Errorf("writer member = %+v, want %s writing with reader %s", w, primaryARN, secondaryARN)
				}
				if aws.ToString(r.DBClusterArn) != secondaryARN || aws.ToBool(r.IsWriter) {
					t.Errorf("reader member = %+v", r)
				}
				if !strings.HasPrefix(aws.ToString(g.Endpoint), globalID+".global-") {
					t.Errorf("Endpoint = %q", aws.ToString(g.Endpoint))
				}
				return nil
			}},
		{op: "DescribeGlobalClusters", name: "not-found", status: http.StatusNotFound, code: "GlobalClusterNotFoundFault",
			errAs: new(*types.GlobalClusterNotFoundFault), call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				_, err := c.DescribeGlobalClusters(ctx, &sdk.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String("nope")})
				return err
			}},
	}
}

func describeClusterSteps() []step {
	return []step{
		{op: "DescribeDBClusters", name: "secondary", region: secondaryRegion, call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.DescribeDBClusters(ctx, &sdk.DescribeDBClustersInput{DBClusterIdentifier: aws.String(secondaryID)})
			if err != nil {
				return err
			}
			if len(out.DBClusters) != 1 || aws.ToString(out.DBClusters[0].Status) != "available" ||
				aws.ToString(out.DBClusters[0].MasterUsername) != "app_admin" || aws.ToString(out.DBClusters[0].DatabaseName) != "appdb" {
				t.Errorf("DBClusters = %+v, want the available secondary with the primary's user and database", out.DBClusters)
			}
			return nil
		}},
		{op: "DescribeDBClusters", name: "filter", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.DescribeDBClusters(ctx, &sdk.DescribeDBClustersInput{Filters: []types.Filter{
				{Name: aws.String("db-cluster-id"), Values: []string{primaryARN, "unknown"}},
				{Name: aws.String("engine"), Values: []string{engine}},
			}})
			if err == nil && (len(out.DBClusters) != 1 || len(out.DBClusters[0].DBClusterMembers) != 1 ||
				!aws.ToBool(out.DBClusters[0].DBClusterMembers[0].IsClusterWriter)) {
				t.Errorf("DBClusters = %+v, want %s with its writer", out.DBClusters, primaryID)
			}
			return err
		}},
		{op: "DescribeDBClusters", name: "not-found", status: http.StatusNotFound, code: "DBClusterNotFoundFault",
			errAs: new(*types.DBClusterNotFoundFault), call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				_, err := c.DescribeDBClusters(ctx, &sdk.DescribeDBClustersInput{DBClusterIdentifier: aws.String("nope")})
				return err
			}},
		{op: "DescribeDBClusters", name: "max-records-5", code: "InvalidParameterValue", message: "MaxRecords",
			call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				_, err := c.DescribeDBClusters(ctx, &sdk.DescribeDBClustersInput{MaxRecords: aws.Int32(5)})
				return err
			}},
		{op: "DescribeDBClusters", name: "bad-filter", code: "InvalidParameterValue", message: "Unrecognized filter name",
			call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				_, err := c.DescribeDBClusters(ctx, &sdk.DescribeDBClustersInput{Filters: []types.Filter{
					{Name: aws.String("status"), Values: []string{"available"}},
				}})
				return err
			}},
	}
}

func describeInstanceAndVersionSteps() []step {
	return []step{
		{op: "DescribeDBInstances", name: "filter", region: secondaryRegion, call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.DescribeDBInstances(ctx, &sdk.DescribeDBInstancesInput{Filters: []types.Filter{
				{Name: aws.String("db-cluster-id"), Values: []string{secondaryID}},
			}})
			if err == nil && (len(out.DBInstances) != 1 || out.DBInstances[0].Endpoint == nil ||
				aws.ToInt32(out.DBInstances[0].Endpoint.Port) != 5432) {
				t.Errorf("DBInstances = %+v, want app-euw1-1 with an endpoint on 5432", out.DBInstances)
			}
			return err
		}},
		{op: "DescribeDBInstances", name: "not-found", status: http.StatusNotFound, code: "DBInstanceNotFound",
			errAs: new(*types.DBInstanceNotFoundFault), call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				_, err := c.DescribeDBInstances(ctx, &sdk.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("nope")})
				return err
			}},
		{op: "DescribeDBEngineVersions", name: "ok", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.DescribeDBEngineVersions(ctx, &sdk.DescribeDBEngineVersionsInput{
				Engine: aws.String(engine), MaxRecords: aws.Int32(20), Marker: aws.String("1"),
				Filters: []types.Filter{{Name: aws.String("engine-mode"), Values: []string{"global"}}},
			})
			if err == nil && (len(out.DBEngineVersions) != 3 || out.Marker != nil || !aws.ToBool(out.DBEngineVersions[0].SupportsGlobalDatabases)) {
				t.Errorf("DBEngineVersions = %+v, Marker %v: want the 3 versions after the first, no marker", out.DBEngineVersions, out.Marker)
			}
			return err
		}},
	}
}

func modifyAndTagSteps() []step {
	return []step{
		{op: "ModifyDBCluster", name: "ok", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.ModifyDBCluster(ctx, &sdk.ModifyDBClusterInput{
				DBClusterIdentifier: aws.String(primaryID), BackupRetentionPeriod: aws.Int32(7),
				EnableIAMDatabaseAuthentication: aws.Bool(true), ApplyImmediately: aws.Bool(true),
			})
			if err == nil && (aws.ToInt32(out.DBCluster.BackupRetentionPeriod) != 7 || !aws.ToBool(out.DBCluster.IAMDatabaseAuthenticationEnabled)) {
				t.Errorf("DBCluster = %+v, want retention 7 and IAM auth", out.DBCluster)
			}
			return err
		}},
		{op: "ModifyGlobalCluster", name: "ok", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.ModifyGlobalCluster(ctx, &sdk.ModifyGlobalClusterInput{
				GlobalClusterIdentifier: aws.String(globalID), DeletionProtection: aws.Bool(false),
			})
			if err == nil && aws.ToBool(out.GlobalCluster.DeletionProtection) {
				t.Errorf("DeletionProtection = true, want false")
			}
			return err
		}},
		{op: "AddTagsToResource", name: "ok", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			_, err := c.AddTagsToResource(ctx, &sdk.AddTagsToResourceInput{ResourceName: aws.String(primaryARN), Tags: []types.Tag{
				{Key: aws.String("owner"), Value: aws.String("drtool & <ops>")},
				{Key: aws.String("env"), Value: aws.String("test")},
			}})
			return err
		}},
		{op: "AddTagsToResource", name: "no-cluster", status: http.StatusNotFound, code: "DBClusterNotFoundFault",
			errAs: new(*types.DBClusterNotFoundFault), call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				_, err := c.AddTagsToResource(ctx, &sdk.AddTagsToResourceInput{
					ResourceName: aws.String(primaryARN + "-gone"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
				})
				return err
			}},
		{op: "RemoveTagsFromResource", name: "ok", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			_, err := c.RemoveTagsFromResource(ctx, &sdk.RemoveTagsFromResourceInput{ResourceName: aws.String(primaryARN), TagKeys: []string{"env"}})
			return err
		}},
		{op: "ListTagsForResource", name: "ok", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{ResourceName: aws.String(primaryARN)})
			if err == nil && (len(out.TagList) != 1 || aws.ToString(out.TagList[0].Value) != "drtool & <ops>") {
				t.Errorf("TagList = %+v, want only owner", out.TagList)
			}
			return err
		}},
	}
}

func deleteCluster(id string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
		out, err := c.DeleteDBCluster(ctx, &sdk.DeleteDBClusterInput{DBClusterIdentifier: aws.String(id), SkipFinalSnapshot: aws.Bool(true)})
		if err == nil && aws.ToString(out.DBCluster.Status) != "deleting" {
			t.Errorf("Status = %q, want deleting", aws.ToString(out.DBCluster.Status))
		}
		return err
	}
}

func deleteInstance(id string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
		out, err := c.DeleteDBInstance(ctx, &sdk.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(id)})
		if err == nil && aws.ToString(out.DBInstance.DBInstanceStatus) != "deleting" {
			t.Errorf("DBInstanceStatus = %q, want deleting", aws.ToString(out.DBInstance.DBInstanceStatus))
		}
		return err
	}
}

func removeFromGlobal(arn string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
		_, err := c.RemoveFromGlobalCluster(ctx, &sdk.RemoveFromGlobalClusterInput{
			GlobalClusterIdentifier: aws.String(globalID), DbClusterIdentifier: aws.String(arn),
		})
		return err
	}
}

func deleteGlobal(t *testing.T, ctx context.Context, c *sdk.Client) error {
	_, err := c.DeleteGlobalCluster(ctx, &sdk.DeleteGlobalClusterInput{GlobalClusterIdentifier: aws.String(globalID)})
	return err
}

// refusedDeleteSteps are the deletions AWS refuses while the global
// cluster has two members.
func refusedDeleteSteps() []step {
	return []step{
		{op: "DeleteDBCluster", name: "global-member", region: secondaryRegion, code: "InvalidDBClusterStateFault",
			errAs: new(*types.InvalidDBClusterStateFault), message: "part of a global cluster", call: deleteCluster(secondaryID)},
		{op: "DeleteGlobalCluster", name: "has-members", code: "InvalidGlobalClusterStateFault",
			errAs: new(*types.InvalidGlobalClusterStateFault), call: deleteGlobal},
		{op: "RemoveFromGlobalCluster", name: "primary-with-secondaries", code: "InvalidGlobalClusterStateFault",
			errAs: new(*types.InvalidGlobalClusterStateFault), call: removeFromGlobal(primaryARN)},
		{op: "DeleteDBInstance", name: "last-of-master", code: "InvalidDBClusterStateFault",
			errAs: new(*types.InvalidDBClusterStateFault), message: "Cannot delete the last instance of the master cluster",
			call: deleteInstance("app-use1-1")},
		{op: "DeleteDBInstance", name: "not-found", status: http.StatusNotFound, code: "DBInstanceNotFound",
			errAs: new(*types.DBInstanceNotFoundFault), call: deleteInstance("nope")},
		{op: "DeleteDBSubnetGroup", name: "in-use", code: "InvalidDBSubnetGroupStateFault",
			errAs: new(*types.InvalidDBSubnetGroupStateFault), call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				_, err := c.DeleteDBSubnetGroup(ctx, &sdk.DeleteDBSubnetGroupInput{DBSubnetGroupName: aws.String("app-subnets")})
				return err
			}},
	}
}

// teardownSteps detach and delete the secondary, then dissolve the global
// cluster.
func teardownSteps() []step {
	return []step{
		{op: "RemoveFromGlobalCluster", name: "secondary", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.RemoveFromGlobalCluster(ctx, &sdk.RemoveFromGlobalClusterInput{
				GlobalClusterIdentifier: aws.String(globalID), DbClusterIdentifier: aws.String(secondaryARN),
			})
			// The member stays listed until its promotion completes.
			if err == nil && len(out.GlobalCluster.GlobalClusterMembers) != 2 {
				t.Errorf("GlobalClusterMembers = %+v, want both until the promotion is observed", out.GlobalCluster.GlobalClusterMembers)
			}
			return err
		}},
		{op: "DeleteDBCluster", name: "has-instances", region: secondaryRegion, code: "InvalidDBClusterStateFault",
			errAs: new(*types.InvalidDBClusterStateFault), message: "still contains DB instances",
			before: func(t *testing.T, m *rds.Service) { m.ObservePromoted(key(secondaryRegion, secondaryID)) },
			call:   deleteCluster(secondaryID)},
		{op: "DeleteDBInstance", name: "ok", region: secondaryRegion, call: deleteInstance("app-euw1-1")},
		{op: "DeleteDBCluster", name: "ok", region: secondaryRegion,
			before: func(t *testing.T, m *rds.Service) { m.ObserveInstanceDeleted(key(secondaryRegion, "app-euw1-1")) },
			call:   deleteCluster(secondaryID)},
		{op: "RemoveFromGlobalCluster", name: "primary",
			before: func(t *testing.T, m *rds.Service) { m.ObserveClusterDeleted(key(secondaryRegion, secondaryID)) },
			call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				out, err := c.RemoveFromGlobalCluster(ctx, &sdk.RemoveFromGlobalClusterInput{
					GlobalClusterIdentifier: aws.String(globalID), DbClusterIdentifier: aws.String(primaryARN),
				})
				if err == nil && len(out.GlobalCluster.GlobalClusterMembers) != 0 {
					t.Errorf("GlobalClusterMembers = %+v, want none", out.GlobalCluster.GlobalClusterMembers)
				}
				return err
			}},
		{op: "DeleteGlobalCluster", name: "ok", call: deleteGlobal},
		{op: "DeleteGlobalCluster", name: "not-found", status: http.StatusNotFound, code: "GlobalClusterNotFoundFault",
			errAs: new(*types.GlobalClusterNotFoundFault), call: deleteGlobal},
		{op: "DeleteDBSubnetGroup", name: "ok", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			_, err := c.DeleteDBSubnetGroup(ctx, &sdk.DeleteDBSubnetGroupInput{DBSubnetGroupName: aws.String("spare-subnets")})
			return err
		}},
	}
}

// pagingClusters is one more cluster than a page of 20 holds.
const pagingClusters = 21

// pagingSteps page through the clusters of a region of their own, created
// straight in the model (their creation is not what is being tested).
func pagingSteps() []step {
	page := func(marker *string, want int, wantMarker *string) callFunc {
		return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.DescribeDBClusters(ctx, &sdk.DescribeDBClustersInput{MaxRecords: aws.Int32(20), Marker: marker})
			if err == nil && (len(out.DBClusters) != want || aws.ToString(out.Marker) != aws.ToString(wantMarker)) {
				t.Errorf("got %d clusters, Marker %q; want %d, Marker %q", len(out.DBClusters), aws.ToString(out.Marker), want, aws.ToString(wantMarker))
			}
			return err
		}
	}
	createAll := func(t *testing.T, m *rds.Service) {
		for i := range pagingClusters {
			_, err := m.CreateDBCluster(context.Background(), pagingRegion, &sdk.CreateDBClusterInput{
				DBClusterIdentifier: aws.String(fmt.Sprintf("page-%02d", i)), Engine: aws.String(engine),
				MasterUsername: aws.String("app_admin"), MasterUserPassword: aws.String("correct-horse-battery"),
			})
			if err != nil {
				t.Fatalf("create paging cluster: %v", err)
			}
		}
	}
	return []step{
		{op: "DescribeDBClusters", name: "page-1", region: pagingRegion, before: createAll, call: page(nil, 20, aws.String("20"))},
		{op: "DescribeDBClusters", name: "page-2", region: pagingRegion, call: page(aws.String("20"), 1, nil)},
		{op: "DescribeDBClusters", name: "bad-marker", region: pagingRegion, code: "InvalidParameterValue", message: "Marker",
			call: page(aws.String("not-a-marker"), 0, nil)},
	}
}

// The role-change steps use a global cluster of their own, dr-global:
// primary dr-usw2 (two instances) in us-west-2, secondary dr-euc1 (one
// instance) in eu-central-1, and secondary dr-apne1 without an instance in
// ap-northeast-1.
const (
	drGlobalID      = "dr-global"
	drPrimaryRegion = "us-west-2"
	drSecRegion     = "eu-central-1"
	drSpareRegion   = "ap-northeast-1"
	drPrimaryID     = "dr-usw2"
	drSecID         = "dr-euc1"
	drSpareID       = "dr-apne1"
)

var (
	drPrimaryARN = "arn:aws:rds:" + drPrimaryRegion + ":000000000000:cluster:" + drPrimaryID
	drSecARN     = "arn:aws:rds:" + drSecRegion + ":000000000000:cluster:" + drSecID
	drSpareARN   = "arn:aws:rds:" + drSpareRegion + ":000000000000:cluster:" + drSpareID
)

// setupDRGlobal creates dr-global straight in the model (its creation is
// not what is being tested) and plays the runtime until every cluster and
// instance is available and every server runs in its role.
func setupDRGlobal(t *testing.T, m *rds.Service) {
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("set up %s: %v", drGlobalID, err)
		}
	}
	cluster := func(region, id string, edit func(in *sdk.CreateDBClusterInput)) {
		t.Helper()
		in := &sdk.CreateDBClusterInput{DBClusterIdentifier: aws.String(id), Engine: aws.String(engine),
			GlobalClusterIdentifier: aws.String(drGlobalID)}
		if edit != nil {
			edit(in)
		}
		must(m.CreateDBCluster(ctx, region, in))
	}
	instance := func(region, id, cluster string) {
		t.Helper()
		must(m.CreateDBInstance(ctx, region, &sdk.CreateDBInstanceInput{DBInstanceIdentifier: aws.String(id),
			DBClusterIdentifier: aws.String(cluster), DBInstanceClass: aws.String("db.r6g.large"), Engine: aws.String(engine)}))
		m.ObserveInstanceReady(key(region, id))
	}
	must(m.CreateGlobalCluster(ctx, drPrimaryRegion, &sdk.CreateGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(drGlobalID), Engine: aws.String(engine), EngineVersion: aws.String("15.10"),
	}))
	cluster(drPrimaryRegion, drPrimaryID, func(in *sdk.CreateDBClusterInput) {
		in.MasterUsername, in.MasterUserPassword = aws.String("dr_admin"), aws.String("correct-horse-battery")
	})
	instance(drPrimaryRegion, "dr-usw2-1", drPrimaryID)
	instance(drPrimaryRegion, "dr-usw2-2", drPrimaryID)
	m.ObserveVolumeReady(key(drPrimaryRegion, drPrimaryID))
	m.ObserveInstanceRole(key(drPrimaryRegion, "dr-usw2-1"), "writer")
	m.ObserveInstanceRole(key(drPrimaryRegion, "dr-usw2-2"), "reader")
	cluster(drSecRegion, drSecID, nil)
	instance(drSecRegion, "dr-euc1-1", drSecID)
	m.ObserveClusterReady(key(drSecRegion, drSecID))
	m.ObserveInstanceRole(key(drSecRegion, "dr-euc1-1"), "reader")
	cluster(drSpareRegion, drSpareID, nil)
	m.ObserveClusterReady(key(drSpareRegion, drSpareID))
}

// instanceRole reports the role a server runs in (ObserveInstanceRole).
func instanceRole(region, id, role string) runtimeFunc {
	return func(t *testing.T, m *rds.Service) { m.ObserveInstanceRole(key(region, id), role) }
}

// rebuilt plays the runtime rebuilding an old primary's instance after a
// failover with data loss: it was rewound (ObserveResynced) and streams
// as a reader again.
func rebuilt(region, id string) runtimeFunc {
	return func(t *testing.T, m *rds.Service) {
		m.ObserveResynced(key(region, id))
		m.ObserveInstanceRole(key(region, id), "reader")
		m.ObserveInstanceReady(key(region, id))
		m.ObserveRecords(m.Topology().Records) // the DNS server answers for it
	}
}

// held plays a fault holding an instance's server down (or releasing it).
func held(region, id string, on bool) runtimeFunc {
	return func(t *testing.T, m *rds.Service) { m.ObserveInstanceHeld(key(region, id), on) }
}

// expectGlobalStatus checks dr-global's status straight from the model.
func expectGlobalStatus(want string) runtimeFunc {
	return func(t *testing.T, m *rds.Service) {
		t.Helper()
		out, err := m.DescribeGlobalClusters(context.Background(), drPrimaryRegion, &sdk.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(drGlobalID)})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(out.GlobalClusters[0].Status); got != want {
			t.Errorf("global cluster status = %q, want %q", got, want)
		}
	}
}

// beginGlobalFailover plays the runtime starting a pending role change.
func beginGlobalFailover(id string) runtimeFunc {
	return func(t *testing.T, m *rds.Service) { m.BeginGlobalFailover(id) }
}

func failoverDBCluster(cluster, target string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
		_, err := c.FailoverDBCluster(ctx, &sdk.FailoverDBClusterInput{
			DBClusterIdentifier: aws.String(cluster), TargetDBInstanceIdentifier: aws.String(target),
		})
		return err
	}
}

func switchoverGlobal(global, target string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
		_, err := c.SwitchoverGlobalCluster(ctx, &sdk.SwitchoverGlobalClusterInput{
			GlobalClusterIdentifier: aws.String(global), TargetDbClusterIdentifier: aws.String(target),
		})
		return err
	}
}

func failoverGlobal(target string, allowDataLoss, switchover *bool) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
		_, err := c.FailoverGlobalCluster(ctx, &sdk.FailoverGlobalClusterInput{
			GlobalClusterIdentifier: aws.String(drGlobalID), TargetDbClusterIdentifier: aws.String(target),
			AllowDataLoss: allowDataLoss, Switchover: switchover,
		})
		return err
	}
}

// wantGlobal is what checkGlobal expects of dr-global.
type wantGlobal struct {
	status string
	writer string // ARN of the member with IsWriter
	// failover is the FailoverState status, "" for none; dataLoss its
	// IsDataLossAllowed; from and to its cluster ARNs.
	failover, from, to string
	dataLoss           bool
	resync             []string // ARNs of members pending-resync
}

// checkGlobal checks the role-change view of a rendered dr-global.
func checkGlobal(t *testing.T, g *types.GlobalCluster, want wantGlobal) {
	t.Helper()
	if aws.ToString(g.Status) != want.status {
		t.Errorf("Status = %q, want %q", aws.ToString(g.Status), want.status)
	}
	f := g.FailoverState
	switch {
	case want.failover == "" && f != nil:
		t.Errorf("FailoverState = %+v, want none", *f)
	case want.failover != "" && f == nil:
		t.Errorf("FailoverState = nil, want %s", want.failover)
	case want.failover != "":
		if string(f.Status) != want.failover || aws.ToBool(f.IsDataLossAllowed) != want.dataLoss ||
			aws.ToString(f.FromDbClusterArn) != want.from || aws.ToString(f.ToDbClusterArn) != want.to {
			t.Errorf("FailoverState = {%s dataLoss=%v %s -> %s}, want {%s dataLoss=%v %s -> %s}",
				f.Status, aws.ToBool(f.IsDataLossAllowed), aws.ToString(f.FromDbClusterArn), aws.ToString(f.ToDbClusterArn),
				want.failover, want.dataLoss, want.from, want.to)
		}
	}
	if len(g.GlobalClusterMembers) != 3 {
		t.Fatalf("GlobalClusterMembers = %+v, want 3", g.GlobalClusterMembers)
	}
	for _, m := range g.GlobalClusterMembers {
		arn := aws.ToString(m.DBClusterArn)
		if aws.ToBool(m.IsWriter) != (arn == want.writer) {
			t.Errorf("member %s IsWriter = %v, want writer %s", arn, aws.ToBool(m.IsWriter), want.writer)
		}
		if arn == want.writer && len(m.Readers) != 2-len(want.resync) {
			t.Errorf("writer %s Readers = %v, want the other members but those pending resync %v", arn, m.Readers, want.resync)
		}
		sync := types.GlobalClusterMemberSynchronizationStatusConnected
		if slices.Contains(want.resync, arn) {
			sync = types.GlobalClusterMemberSynchronizationStatusPendingResync
		}
		if m.SynchronizationStatus != sync {
			t.Errorf("member %s SynchronizationStatus = %q, want %q", arn, m.SynchronizationStatus, sync)
		}
	}
}

func describeDRGlobal(want wantGlobal) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
		out, err := c.DescribeGlobalClusters(ctx, &sdk.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(drGlobalID)})
		if err != nil {
			return err
		}
		if len(out.GlobalClusters) != 1 {
			t.Fatalf("GlobalClusters = %+v, want %s", out.GlobalClusters, drGlobalID)
		}
		checkGlobal(t, &out.GlobalClusters[0], want)
		return nil
	}
}

// clusterWriter returns the identifier of the member with IsClusterWriter.
func clusterWriter(c *types.DBCluster) string {
	for _, m := range c.DBClusterMembers {
		if aws.ToBool(m.IsClusterWriter) {
			return aws.ToString(m.DBInstanceIdentifier)
		}
	}
	return ""
}

// failoverSteps move writers: in a region (FailoverDBCluster), then the
// primary role of dr-global (SwitchoverGlobalCluster, then
// FailoverGlobalCluster with data loss and without), playing the runtime
// through BeginGlobalFailover and ObserveInstanceRole.
func failoverSteps() []step {
	const (
		pr, sr = drPrimaryRegion, drSecRegion
	)
	return []step{
		{op: "FailoverDBCluster", name: "ok", region: pr, before: setupDRGlobal,
			call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				out, err := c.FailoverDBCluster(ctx, &sdk.FailoverDBClusterInput{
					DBClusterIdentifier: aws.String(drPrimaryID), TargetDBInstanceIdentifier: aws.String("dr-usw2-2"),
				})
				if err == nil && (aws.ToString(out.DBCluster.Status) != "failing-over" || clusterWriter(out.DBCluster) != "dr-usw2-2") {
					t.Errorf("DBCluster status %q writer %q, want failing-over to dr-usw2-2",
						aws.ToString(out.DBCluster.Status), clusterWriter(out.DBCluster))
				}
				return err
			}},
		{op: "DescribeDBClusters", name: "failed-over", region: pr,
			before: observe(instanceRole(pr, "dr-usw2-2", "writer"), instanceRole(pr, "dr-usw2-1", "reader")),
			call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				out, err := c.DescribeDBClusters(ctx, &sdk.DescribeDBClustersInput{DBClusterIdentifier: aws.String(drPrimaryID)})
				if err != nil {
					return err
				}
				if len(out.DBClusters) != 1 || aws.ToString(out.DBClusters[0].Status) != "available" ||
					clusterWriter(&out.DBClusters[0]) != "dr-usw2-2" || len(out.DBClusters[0].DBClusterMembers) != 2 {
					t.Errorf("DBClusters = %+v, want %s available with writer dr-usw2-2", out.DBClusters, drPrimaryID)
				}
				return nil
			}},
		{op: "FailoverDBCluster", name: "secondary", region: sr, code: "InvalidDBClusterStateFault",
			errAs: new(*types.InvalidDBClusterStateFault), message: "is a secondary cluster",
			call: failoverDBCluster(drSecID, "dr-euc1-1")},
		{op: "FailoverDBCluster", name: "target-not-member", region: pr, code: "InvalidParameterValue",
			message: "is not a member of DB cluster",
			call:    failoverDBCluster(drPrimaryID, "arn:aws:rds:"+sr+":000000000000:db:dr-euc1-1")},
		{op: "FailoverDBCluster", name: "target-is-writer", region: pr, code: "InvalidDBInstanceState",
			errAs: new(*types.InvalidDBInstanceStateFault), message: "already the writer",
			call: failoverDBCluster(drPrimaryID, "dr-usw2-2")},
		{op: "FailoverDBCluster", name: "not-found", region: pr, status: http.StatusNotFound, code: "DBClusterNotFoundFault",
			errAs: new(*types.DBClusterNotFoundFault), call: failoverDBCluster("nope", "dr-usw2-1")},

		// Switchover dr-usw2 -> dr-euc1.
		{op: "SwitchoverGlobalCluster", name: "wrong-region", region: sr, code: "InvalidParameterValue",
			message: "region of the current primary cluster (" + pr + ")", call: switchoverGlobal(drGlobalID, drSecARN)},
		{op: "SwitchoverGlobalCluster", name: "not-member", region: pr, status: http.StatusNotFound, code: "DBClusterNotFoundFault",
			errAs: new(*types.DBClusterNotFoundFault), message: "is not a member of global cluster",
			call: switchoverGlobal(drGlobalID, primaryARN)},
		{op: "SwitchoverGlobalCluster", name: "already-primary", region: pr, code: "InvalidGlobalClusterStateFault",
			errAs: new(*types.InvalidGlobalClusterStateFault), message: "already the primary cluster",
			call: switchoverGlobal(drGlobalID, drPrimaryARN)},
		{op: "SwitchoverGlobalCluster", name: "no-available-instance", region: pr, code: "InvalidDBClusterStateFault",
			errAs: new(*types.InvalidDBClusterStateFault), message: "has no available DB instance",
			call: switchoverGlobal(drGlobalID, drSpareARN)},
		{op: "SwitchoverGlobalCluster", name: "not-found", region: pr, status: http.StatusNotFound, code: "GlobalClusterNotFoundFault",
			errAs: new(*types.GlobalClusterNotFoundFault), call: switchoverGlobal("nope", drSecARN)},
		{op: "SwitchoverGlobalCluster", name: "ok", region: pr, call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.SwitchoverGlobalCluster(ctx, &sdk.SwitchoverGlobalClusterInput{
				GlobalClusterIdentifier: aws.String(drGlobalID), TargetDbClusterIdentifier: aws.String(drSecARN),
			})
			if err == nil {
				// Requested: the old primary still writes.
				checkGlobal(t, out.GlobalCluster, wantGlobal{status: "switching-over", writer: drPrimaryARN,
					failover: "pending", from: drPrimaryARN, to: drSecARN})
			}
			return err
		}},
		{op: "SwitchoverGlobalCluster", name: "pending", region: pr, code: "InvalidGlobalClusterStateFault",
			errAs: new(*types.InvalidGlobalClusterStateFault), message: "not in available state",
			call: switchoverGlobal(drGlobalID, drSecARN)},
		{op: "DescribeGlobalClusters", name: "switching-over", before: beginGlobalFailover(drGlobalID),
			call: describeDRGlobal(wantGlobal{status: "switching-over", writer: drSecARN,
				failover: "switching-over", from: drPrimaryARN, to: drSecARN})},
		{op: "DescribeGlobalClusters", name: "switched-over",
			before: observe(instanceRole(sr, "dr-euc1-1", "writer"), instanceRole(pr, "dr-usw2-2", "reader")),
			call:   describeDRGlobal(wantGlobal{status: "available", writer: drSecARN})},

		// Failover with data loss dr-euc1 -> dr-usw2.
		{op: "FailoverGlobalCluster", name: "data-loss-and-switchover", region: pr, code: "InvalidParameterCombination",
			message: "mutually exclusive", call: failoverGlobal(drPrimaryARN, aws.Bool(true), aws.Bool(true))},
		{op: "FailoverGlobalCluster", name: "data-loss-wrong-region", region: sr, code: "InvalidParameterValue",
			message: "region of the target cluster (" + pr + ")", call: failoverGlobal(drPrimaryARN, aws.Bool(true), nil)},
		{op: "FailoverGlobalCluster", name: "data-loss", region: pr, call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.FailoverGlobalCluster(ctx, &sdk.FailoverGlobalClusterInput{
				GlobalClusterIdentifier: aws.String(drGlobalID), TargetDbClusterIdentifier: aws.String(drPrimaryARN),
				AllowDataLoss: aws.Bool(true),
			})
			if err == nil {
				checkGlobal(t, out.GlobalCluster, wantGlobal{status: "failing-over", writer: drSecARN,
					failover: "pending", from: drSecARN, to: drPrimaryARN, dataLoss: true})
			}
			return err
		}},
		{op: "DescribeGlobalClusters", name: "failing-over", before: beginGlobalFailover(drGlobalID),
			call: describeDRGlobal(wantGlobal{status: "failing-over", writer: drPrimaryARN,
				failover: "failing-over", from: drSecARN, to: drPrimaryARN, dataLoss: true, resync: []string{drSecARN}})},
		// The new primary writes while the old primary's region is down:
		// the failover is over, but the old primary must still be rebuilt
		// from it, and serves no reads meanwhile.
		{op: "DescribeGlobalClusters", name: "failed-over",
			before: observe(held(sr, "dr-euc1-1", true), instanceRole(pr, "dr-usw2-2", "writer")),
			call:   describeDRGlobal(wantGlobal{status: "available", writer: drPrimaryARN, resync: []string{drSecARN}})},
		// Its region is back: it is being rebuilt (failing-over) until its
		// instances serve and its reader endpoint resolves to them.
		{op: "DescribeGlobalClusters", name: "resynced",
			before: observe(held(sr, "dr-euc1-1", false), expectGlobalStatus("failing-over"), rebuilt(sr, "dr-euc1-1")),
			call:   describeDRGlobal(wantGlobal{status: "available", writer: drPrimaryARN})},

		// Without AllowDataLoss, FailoverGlobalCluster is a switchover.
		{op: "FailoverGlobalCluster", name: "switchover", region: pr, call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.FailoverGlobalCluster(ctx, &sdk.FailoverGlobalClusterInput{
				GlobalClusterIdentifier: aws.String(drGlobalID), TargetDbClusterIdentifier: aws.String(drSecARN),
			})
			if err == nil {
				checkGlobal(t, out.GlobalCluster, wantGlobal{status: "switching-over", writer: drPrimaryARN,
					failover: "pending", from: drPrimaryARN, to: drSecARN})
			}
			return err
		}},
	}
}

// rawSteps are requests the SDK refuses to send.
func rawSteps() []step {
	return []step{
		{op: "CreateDBCluster", name: "missing-identifier", code: "MissingParameter", message: "DBClusterIdentifier",
			raw: "Action=CreateDBCluster&Version=2014-10-31&Engine=aurora-postgresql"},
		{op: "NoSuchOp", name: "invalid-action", code: "InvalidAction", message: "NoSuchOp",
			raw: "Action=NoSuchOp&Version=2014-10-31"},
		{op: "CreateDBCluster", name: "bad-boolean", code: "InvalidParameterValue", message: "maybe",
			raw: "Action=CreateDBCluster&Version=2014-10-31&DBClusterIdentifier=app-x&Engine=aurora-postgresql&DeletionProtection=maybe"},
	}
}

// monitoringRole is the Enhanced Monitoring role the instance steps pass.
const monitoringRole = "arn:aws:iam::000000000000:role/rds-monitoring"

// wantInstance is what checkInstance expects of a rendered instance.
type wantInstance struct {
	tier     int32
	public   bool
	interval int32
	role     string // "" for none
}

// checkInstance checks the settings ModifyDBInstance changes, and that the
// Enhanced Monitoring resource ARN shows exactly while monitoring is on.
func checkInstance(t *testing.T, inst *types.DBInstance, want wantInstance) {
	t.Helper()
	got := wantInstance{tier: aws.ToInt32(inst.PromotionTier), public: aws.ToBool(inst.PubliclyAccessible),
		interval: aws.ToInt32(inst.MonitoringInterval), role: aws.ToString(inst.MonitoringRoleArn)}
	if got != want {
		t.Errorf("%s settings = %+v, want %+v", aws.ToString(inst.DBInstanceIdentifier), got, want)
	}
	if inst.MonitoringInterval == nil {
		t.Errorf("MonitoringInterval missing, want it reported even when 0")
	}
	res := aws.ToString(inst.EnhancedMonitoringResourceArn)
	if on := want.interval > 0; on != strings.HasPrefix(res, "arn:aws:logs:us-east-1:000000000000:log-group:RDSOSMetrics:log-stream:db-") {
		t.Errorf("EnhancedMonitoringResourceArn = %q with MonitoringInterval %d", res, want.interval)
	}
}

func modifyInstance(id string, edit func(in *sdk.ModifyDBInstanceInput), want *wantInstance) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
		in := &sdk.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String(id)}
		edit(in)
		out, err := c.ModifyDBInstance(ctx, in)
		if err == nil && want != nil {
			checkInstance(t, out.DBInstance, *want)
		}
		return err
	}
}

func monitoring(interval int32, role string) func(in *sdk.CreateDBInstanceInput) {
	return func(in *sdk.CreateDBInstanceInput) {
		if interval >= 0 {
			in.MonitoringInterval = aws.Int32(interval)
		}
		if role != "" {
			in.MonitoringRoleArn = aws.String(role)
		}
	}
}

// instanceSettingSteps add a monitored reader to app-use1 (left by the
// refused deletions) and change instance settings with ModifyDBInstance.
func instanceSettingSteps() []step {
	const reader = "app-use1-2"
	return []step{
		{op: "CreateDBInstance", name: "monitoring", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.CreateDBInstance(ctx, &sdk.CreateDBInstanceInput{
				DBInstanceIdentifier: aws.String(reader), DBClusterIdentifier: aws.String(primaryID),
				DBInstanceClass: aws.String("db.r6g.large"), Engine: aws.String(engine),
				MonitoringInterval: aws.Int32(30), MonitoringRoleArn: aws.String(monitoringRole),
			})
			if err == nil {
				checkInstance(t, out.DBInstance, wantInstance{tier: 1, interval: 30, role: monitoringRole})
			}
			return err
		}},
		{op: "CreateDBInstance", name: "monitoring-without-role", code: "InvalidParameterCombination",
			message: "A MonitoringRoleARN value is required if you specify a MonitoringInterval value other than 0.",
			call:    createInstance("app-use1-3", primaryID, monitoring(60, ""))},
		{op: "CreateDBInstance", name: "role-without-monitoring", code: "InvalidParameterCombination",
			message: "You must specify a MonitoringInterval value other than 0 when you specify a MonitoringRoleARN value.",
			call:    createInstance("app-use1-3", primaryID, monitoring(-1, monitoringRole))},
		{op: "CreateDBInstance", name: "role-with-zero-interval", code: "InvalidParameterCombination",
			message: "You must specify a MonitoringInterval value other than 0",
			call:    createInstance("app-use1-3", primaryID, monitoring(0, monitoringRole))},
		{op: "CreateDBInstance", name: "bad-monitoring-interval", code: "InvalidParameterValue", message: "MonitoringInterval",
			call: createInstance("app-use1-3", primaryID, monitoring(7, monitoringRole))},
		{op: "DescribeDBInstances", name: "monitoring", before: instanceReady(primaryRegion, reader),
			call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				out, err := c.DescribeDBInstances(ctx, &sdk.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(reader)})
				if err != nil {
					return err
				}
				if len(out.DBInstances) != 1 {
					t.Fatalf("DBInstances = %+v, want %s", out.DBInstances, reader)
				}
				checkInstance(t, &out.DBInstances[0], wantInstance{tier: 1, interval: 30, role: monitoringRole})
				return nil
			}},
		{op: "ModifyDBInstance", name: "ok", call: modifyInstance("app-use1-1", func(in *sdk.ModifyDBInstanceInput) {
			in.PromotionTier, in.PubliclyAccessible, in.ApplyImmediately = aws.Int32(2), aws.Bool(true), aws.Bool(true)
			in.MonitoringInterval, in.MonitoringRoleArn = aws.Int32(15), aws.String(monitoringRole)
		}, &wantInstance{tier: 2, public: true, interval: 15, role: monitoringRole})},
		{op: "ModifyDBInstance", name: "interval-only", call: modifyInstance(reader, func(in *sdk.ModifyDBInstanceInput) {
			in.MonitoringInterval = aws.Int32(60)
		}, &wantInstance{tier: 1, interval: 60, role: monitoringRole})},
		{op: "ModifyDBInstance", name: "monitoring-off", call: modifyInstance(reader, func(in *sdk.ModifyDBInstanceInput) {
			in.MonitoringInterval = aws.Int32(0)
		}, &wantInstance{tier: 1})},
		{op: "ModifyDBInstance", name: "monitoring-without-role", code: "InvalidParameterCombination",
			message: "A MonitoringRoleARN value is required", call: modifyInstance(reader, func(in *sdk.ModifyDBInstanceInput) {
				in.MonitoringInterval = aws.Int32(5)
			}, nil)},
		{op: "ModifyDBInstance", name: "role-without-monitoring", code: "InvalidParameterCombination",
			message: "You must specify a MonitoringInterval value other than 0", call: modifyInstance(reader, func(in *sdk.ModifyDBInstanceInput) {
				in.MonitoringRoleArn = aws.String(monitoringRole)
			}, nil)},
		{op: "ModifyDBInstance", name: "bad-monitoring-interval", code: "InvalidParameterValue", message: "MonitoringInterval",
			call: modifyInstance(reader, func(in *sdk.ModifyDBInstanceInput) {
				in.MonitoringInterval, in.MonitoringRoleArn = aws.Int32(120), aws.String(monitoringRole)
			}, nil)},
		{op: "ModifyDBInstance", name: "bad-promotion-tier", code: "InvalidParameterValue", message: "PromotionTier",
			call: modifyInstance(reader, func(in *sdk.ModifyDBInstanceInput) { in.PromotionTier = aws.Int32(16) }, nil)},
		{op: "ModifyDBInstance", name: "unsupported", code: "InvalidParameterValue",
			message: "it does not support DBInstanceClass, NewDBInstanceIdentifier.",
			call: modifyInstance(reader, func(in *sdk.ModifyDBInstanceInput) {
				in.DBInstanceClass, in.NewDBInstanceIdentifier = aws.String("db.r6g.xlarge"), aws.String("renamed")
			}, nil)},
		{op: "ModifyDBInstance", name: "not-found", status: http.StatusNotFound, code: "DBInstanceNotFound",
			errAs: new(*types.DBInstanceNotFoundFault),
			call:  modifyInstance("nope", func(in *sdk.ModifyDBInstanceInput) { in.PromotionTier = aws.Int32(3) }, nil)},
		{op: "ModifyDBInstance", name: "deleting", code: "InvalidDBInstanceState",
			errAs: new(*types.InvalidDBInstanceStateFault), message: "not in available state",
			before: func(t *testing.T, m *rds.Service) {
				if _, err := m.DeleteDBInstance(context.Background(), primaryRegion, &sdk.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(reader)}); err != nil {
					t.Fatalf("delete %s: %v", reader, err)
				}
			},
			call: modifyInstance(reader, func(in *sdk.ModifyDBInstanceInput) { in.PromotionTier = aws.Int32(3) }, nil)},
	}
}

// orderableSteps: instance classes RDS does not offer for the engine
// version are refused with RDS's error, and the orderable options are
// listed and paged as the SDK paginator reads them.
func orderableSteps() []step {
	describe := func(in *sdk.DescribeOrderableDBInstanceOptionsInput, want int, marker bool) callFunc {
		return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.DescribeOrderableDBInstanceOptions(ctx, in)
			if err == nil && (len(out.OrderableDBInstanceOptions) != want || (out.Marker != nil) != marker) {
				t.Errorf("%d options, Marker %v; want %d, marker %v", len(out.OrderableDBInstanceOptions), aws.ToString(out.Marker), want, marker)
			}
			return err
		}
	}
	return []step{
		{op: "CreateDBInstance", name: "t3-micro", code: "InvalidParameterCombination",
			message: "RDS does not support creating a DB instance with the following combination: DBInstanceClass=db.t3.micro, Engine=aurora-postgresql, EngineVersion=15.10, LicenseModel=postgresql-license. For supported combinations of instance class and database engine version, see the documentation.",
			call:    createInstance("app-use1-5", primaryID, func(in *sdk.CreateDBInstanceInput) { in.DBInstanceClass = aws.String("db.t3.micro") })},
		{op: "CreateDBInstance", name: "general-purpose", code: "InvalidParameterCombination", message: "DBInstanceClass=db.m5.large,",
			call: createInstance("app-use1-5", primaryID, func(in *sdk.CreateDBInstanceInput) { in.DBInstanceClass = aws.String("db.m5.large") })},
		{op: "DescribeOrderableDBInstanceOptions", name: "first-page", call: describe(&sdk.DescribeOrderableDBInstanceOptionsInput{
			Engine: aws.String(engine), EngineVersion: aws.String("15.10"), MaxRecords: aws.Int32(20)}, 20, true)},
		{op: "DescribeOrderableDBInstanceOptions", name: "last-page", call: describe(&sdk.DescribeOrderableDBInstanceOptionsInput{
			Engine: aws.String(engine), EngineVersion: aws.String("15.10"), MaxRecords: aws.Int32(20), Marker: aws.String("20")}, 16, false)},
		{op: "DescribeOrderableDBInstanceOptions", name: "class", call: describe(&sdk.DescribeOrderableDBInstanceOptionsInput{
			Engine: aws.String(engine), DBInstanceClass: aws.String("db.r6g.large")}, 4, false)},
		{op: "DescribeOrderableDBInstanceOptions", name: "not-offered", call: describe(&sdk.DescribeOrderableDBInstanceOptionsInput{
			Engine: aws.String(engine), DBInstanceClass: aws.String("db.t3.micro")}, 0, false)},
		{op: "DescribeOrderableDBInstanceOptions", name: "filter", code: "InvalidParameterValue", message: "Unrecognized filter name: db-instance-class.",
			call: describe(&sdk.DescribeOrderableDBInstanceOptionsInput{Engine: aws.String(engine),
				Filters: []types.Filter{{Name: aws.String("db-instance-class"), Values: []string{"db.r6g.large"}}}}, 0, false)},
		{op: "DescribeOrderableDBInstanceOptions", name: "max-records", code: "InvalidParameterValue", message: "Must be between 20 and 1000",
			call: describe(&sdk.DescribeOrderableDBInstanceOptionsInput{Engine: aws.String(engine), MaxRecords: aws.Int32(1001)}, 0, false)},
	}
}

// TestHandler_OrderablePaginator walks every orderable option with the
// SDK's paginator: each served engine version lists each class it
// offers once, and none AWS refuses.
func TestHandler_OrderablePaginator(t *testing.T) {
	h := newHarness(t)
	p := sdk.NewDescribeOrderableDBInstanceOptionsPaginator(h.client(primaryRegion),
		&sdk.DescribeOrderableDBInstanceOptionsInput{Engine: aws.String(engine), MaxRecords: aws.Int32(25)})
	seen := map[string]bool{}
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range out.OrderableDBInstanceOptions {
			k := aws.ToString(o.EngineVersion) + " " + aws.ToString(o.DBInstanceClass)
			if seen[k] {
				t.Errorf("%s listed twice", k)
			}
			seen[k] = true
			if len(o.AvailabilityZones) == 0 || aws.ToString(o.LicenseModel) != "postgresql-license" {
				t.Errorf("%s: AvailabilityZones %v, LicenseModel %s", k, o.AvailabilityZones, aws.ToString(o.LicenseModel))
			}
			if strings.HasPrefix(aws.ToString(o.DBInstanceClass), "db.t") == aws.ToBool(o.SupportsGlobalDatabases) {
				t.Errorf("%s: SupportsGlobalDatabases %v", k, aws.ToBool(o.SupportsGlobalDatabases))
			}
		}
	}
	if len(seen) != 4*36 || pages != 6 {
		t.Errorf("%d options over %d pages, want 144 (4 versions x 36 classes) over 6", len(seen), pages)
	}
	for _, k := range []string{"15.10 db.r6g.large", "15.4 db.serverless", "15.12 db.t4g.medium"} {
		if !seen[k] {
			t.Errorf("%s missing", k)
		}
	}
	for _, k := range []string{"15.10 db.t3.micro", "15.10 db.t3.small", "15.10 db.r4.large"} {
		if seen[k] {
			t.Errorf("%s listed, but RDS does not offer it", k)
		}
	}
}

// limitGroup is the subnet group the limit steps tag.
const limitGroup = "Limits.Subnets_1-a"

var limitGroupARN = "arn:aws:rds:" + primaryRegion + ":000000000000:subgrp:" + strings.ToLower(limitGroup)

// numberedTags returns n tags "<prefix>NN=v".
func numberedTags(prefix string, n int) []types.Tag {
	out := make([]types.Tag, n)
	for i := range out {
		out[i] = types.Tag{Key: aws.String(fmt.Sprintf("%s%02d", prefix, i)), Value: aws.String("v")}
	}
	return out
}

func addTags(arn string, tags ...types.Tag) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
		_, err := c.AddTagsToResource(ctx, &sdk.AddTagsToResourceInput{ResourceName: aws.String(arn), Tags: tags})
		return err
	}
}

func tag(key, value string) types.Tag {
	return types.Tag{Key: aws.String(key), Value: aws.String(value)}
}

func createSubnetGroup(name string, tags ...types.Tag) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
		out, err := c.CreateDBSubnetGroup(ctx, &sdk.CreateDBSubnetGroupInput{
			DBSubnetGroupName: aws.String(name), DBSubnetGroupDescription: aws.String("limits"),
			SubnetIds: []string{"subnet-a", "subnet-b"}, Tags: tags,
		})
		if err == nil && aws.ToString(out.DBSubnetGroup.DBSubnetGroupName) != strings.ToLower(name) {
			t.Errorf("DBSubnetGroupName = %q, want %q (stored lowercase)", aws.ToString(out.DBSubnetGroup.DBSubnetGroupName), strings.ToLower(name))
		}
		return err
	}
}

func modifyRetention(days int32) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
		out, err := c.ModifyDBCluster(ctx, &sdk.ModifyDBClusterInput{
			DBClusterIdentifier: aws.String(primaryID), BackupRetentionPeriod: aws.Int32(days), ApplyImmediately: aws.Bool(true),
		})
		if err == nil && aws.ToInt32(out.DBCluster.BackupRetentionPeriod) != days {
			t.Errorf("BackupRetentionPeriod = %d, want %d", aws.ToInt32(out.DBCluster.BackupRetentionPeriod), days)
		}
		return err
	}
}

// limitSteps are the limits AWS enforces on names, retention and tags
// (issue 13). Sources, checked against botocore's rds model:
//   - DBSubnetGroupName: at most 255 letters, digits, spaces, periods,
//     underscores or hyphens, beginning with a letter, not "default"
//     https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html
//   - BackupRetentionPeriod: 1 to 35
//     https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
//     https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html
//   - tags: keys 1-128 and values up to 256 characters, no aws: or rds:
//     prefix (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Tag.html),
//     at most 50 per resource ("Tagging Amazon Aurora and Amazon RDS
//     resources", https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Tagging.html).
//     botocore declares no tag-specific fault for these operations, so the
//     code is InvalidParameterValue.
//   - list members are numbered from 1 (botocore's QuerySerializer).
func limitSteps() []step {
	long := func(c byte, n int) string { return strings.Repeat(string(c), n) }
	return []step{
		{op: "CreateDBSubnetGroup", name: "name-punctuation", call: createSubnetGroup(limitGroup)},
		{op: "CreateDBSubnetGroup", name: "name-with-spaces", call: createSubnetGroup("Limits subnets 2")},
		{op: "CreateDBSubnetGroup", name: "name-255", call: createSubnetGroup("l" + long('x', 254))},
		{op: "CreateDBSubnetGroup", name: "name-256", code: "InvalidParameterValue", message: "at most 255 characters",
			call: createSubnetGroup("l" + long('x', 255))},
		{op: "CreateDBSubnetGroup", name: "name-default", code: "InvalidParameterValue", message: "'default' is reserved",
			call: createSubnetGroup("Default")},
		{op: "CreateDBSubnetGroup", name: "name-slash", code: "InvalidParameterValue", message: "must begin with a letter",
			call: createSubnetGroup("limits/subnets")},
		{op: "CreateDBSubnetGroup", name: "name-digit-first", code: "InvalidParameterValue", message: "must begin with a letter",
			call: createSubnetGroup("1-limits")},
		{op: "CreateDBSubnetGroup", name: "reserved-tag", code: "InvalidParameterValue", message: "reserved prefix 'aws:'",
			call: createSubnetGroup("limits-3", tag("aws:cloudformation:stack-name", "x"))},
		{op: "ModifyDBCluster", name: "retention-35", call: modifyRetention(35)},
		{op: "ModifyDBCluster", name: "retention-0", code: "InvalidParameterValue", message: "Must be between 1 and 35",
			call: modifyRetention(0)},
		{op: "ModifyDBCluster", name: "retention-36", code: "InvalidParameterValue", message: "Must be between 1 and 35",
			call: modifyRetention(36)},
		{op: "CreateDBCluster", name: "retention-36", code: "InvalidParameterValue", message: "Invalid value 36 for BackupRetentionPeriod",
			call: createCluster("app-retention", func(in *sdk.CreateDBClusterInput) {
				primaryInput(in)
				in.GlobalClusterIdentifier, in.BackupRetentionPeriod = nil, aws.Int32(36)
			})},
		{op: "AddTagsToResource", name: "50-tags", call: addTags(limitGroupARN, numberedTags("k", 50)...)},
		{op: "AddTagsToResource", name: "replace-at-50", call: addTags(limitGroupARN, tag("k07", "new"))},
		{op: "AddTagsToResource", name: "51-tags", code: "InvalidParameterValue", message: "at most 50 tags",
			call: addTags(limitGroupARN, tag("k50", "v"))},
		{op: "AddTagsToResource", name: "key-129", code: "InvalidParameterValue", message: "longer than 128 characters",
			call: addTags(primaryARN, tag(long('k', 129), "v"))},
		{op: "AddTagsToResource", name: "value-257", code: "InvalidParameterValue", message: "longer than 256 characters",
			call: addTags(primaryARN, tag("k", long('v', 257)))},
		{op: "AddTagsToResource", name: "key-128-value-256", call: addTags(primaryARN, tag(long('k', 128), long('v', 256)))},
		{op: "AddTagsToResource", name: "rds-prefix", code: "InvalidParameterValue", message: "reserved prefix 'rds:'",
			call: addTags(primaryARN, tag("RDS:owner", "v"))},
		{op: "AddTagsToResource", name: "empty-key", code: "InvalidParameterValue", message: "Tag.Key must be provided",
			call: addTags(primaryARN, tag("", "v"))},
		{op: "CreateGlobalCluster", name: "51-tags", code: "InvalidParameterValue", message: "at most 50 tags",
			call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				_, err := c.CreateGlobalCluster(ctx, &sdk.CreateGlobalClusterInput{
					GlobalClusterIdentifier: aws.String("limits-global"), Engine: aws.String(engine), Tags: numberedTags("k", 51),
				})
				return err
			}},
		{op: "CreateDBInstance", name: "reserved-tag", code: "InvalidParameterValue", message: "reserved prefix 'aws:'",
			call: createInstance("app-use1-9", primaryID, func(in *sdk.CreateDBInstanceInput) { in.Tags = []types.Tag{tag("AWS:x", "v")} })},
		{op: "AddTagsToResource", name: "list-index-0", code: "InvalidParameterValue", message: "Invalid list index '0'",
			raw: "Action=AddTagsToResource&Version=2014-10-31&ResourceName=" + url.QueryEscape(primaryARN) + "&Tags.Tag.0.Key=dropped"},
		{op: "ListTagsForResource", name: "limits", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{ResourceName: aws.String(limitGroupARN)})
			if err != nil {
				return err
			}
			got := map[string]string{}
			for _, tg := range out.TagList {
				got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
			}
			if len(got) != 50 || got["k07"] != "new" {
				t.Errorf("tags = %d (k07=%q), want the 50 tags with k07 replaced", len(got), got["k07"])
			}
			return nil
		}},
	}
}

// parameterGroupSteps cover DB cluster parameter groups: the default
// group, a user group setting rds.force_ssl, and AWS's refusals.
func parameterGroupSteps() []step {
	const group = "tls-only"
	modifyPG := func(name, param, value string) callFunc {
		return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.ModifyDBClusterParameterGroup(ctx, &sdk.ModifyDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String(name),
				Parameters: []types.Parameter{{ParameterName: aws.String(param), ParameterValue: aws.String(value), ApplyMethod: types.ApplyMethodImmediate}}})
			if err == nil && aws.ToString(out.DBClusterParameterGroupName) != name {
				t.Errorf("DBClusterParameterGroupName = %q, want %q", aws.ToString(out.DBClusterParameterGroupName), name)
			}
			return err
		}
	}
	createPG := func(name string) callFunc {
		return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.CreateDBClusterParameterGroup(ctx, &sdk.CreateDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String(name),
				DBParameterGroupFamily: aws.String("aurora-postgresql15"), Description: aws.String("TLS only")})
			if err == nil && aws.ToString(out.DBClusterParameterGroup.DBClusterParameterGroupArn) != "arn:aws:rds:us-east-1:000000000000:cluster-pg:"+name {
				t.Errorf("DBClusterParameterGroupArn = %q", aws.ToString(out.DBClusterParameterGroup.DBClusterParameterGroupArn))
			}
			return err
		}
	}
	return []step{
		{op: "CreateDBClusterParameterGroup", name: "ok", call: createPG(group)},
		{op: "CreateDBClusterParameterGroup", name: "exists", code: "DBParameterGroupAlreadyExists",
			errAs: new(*types.DBParameterGroupAlreadyExistsFault), message: "already exists", call: createPG(group)},
		{op: "DescribeDBClusterParameterGroups", name: "all", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.DescribeDBClusterParameterGroups(ctx, &sdk.DescribeDBClusterParameterGroupsInput{})
			if err == nil && (len(out.DBClusterParameterGroups) != 2 || aws.ToString(out.DBClusterParameterGroups[0].DBClusterParameterGroupName) != "default.aurora-postgresql15") {
				t.Errorf("groups = %+v, want the default and %s", out.DBClusterParameterGroups, group)
			}
			return err
		}},
		{op: "DescribeDBClusterParameterGroups", name: "not-found", status: http.StatusNotFound, code: "DBParameterGroupNotFound",
			errAs: new(*types.DBParameterGroupNotFoundFault), call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				_, err := c.DescribeDBClusterParameterGroups(ctx, &sdk.DescribeDBClusterParameterGroupsInput{DBClusterParameterGroupName: aws.String("nope")})
				return err
			}},
		{op: "ModifyDBClusterParameterGroup", name: "ok", call: modifyPG(group, "rds.force_ssl", "1")},
		{op: "ModifyDBClusterParameterGroup", name: "default", code: "InvalidParameterValue", message: "cannot be modified",
			call: modifyPG("default.aurora-postgresql15", "rds.force_ssl", "1")},
		{op: "ModifyDBClusterParameterGroup", name: "unknown-parameter", code: "InvalidParameterValue",
			message: "Could not find parameter with name: shared_buffers", call: modifyPG(group, "shared_buffers", "1")},
		{op: "DescribeDBClusterParameters", name: "ok", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.DescribeDBClusterParameters(ctx, &sdk.DescribeDBClusterParametersInput{DBClusterParameterGroupName: aws.String(group)})
			if err == nil && (len(out.Parameters) != 6 || aws.ToString(out.Parameters[0].ParameterValue) != "1" || aws.ToString(out.Parameters[0].Source) != "user") {
				t.Errorf("parameters = %+v, want rds.force_ssl=1 from the user and the five apg_write_forward defaults", out.Parameters)
			}
			return err
		}},
		{op: "DeleteDBClusterParameterGroup", name: "ok", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			_, err := c.DeleteDBClusterParameterGroup(ctx, &sdk.DeleteDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String(group)})
			return err
		}},
		{op: "DeleteDBClusterParameterGroup", name: "default", code: "InvalidDBParameterGroupState",
			errAs: new(*types.InvalidDBParameterGroupStateFault), call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
				_, err := c.DeleteDBClusterParameterGroup(ctx, &sdk.DeleteDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("default.aurora-postgresql15")})
				return err
			}},
	}
}
