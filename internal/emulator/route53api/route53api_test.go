package route53api_test

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
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/restxml"
	"github.com/globaldb/globaldb/internal/emulator/restxml/restxmltest"
	"github.com/globaldb/globaldb/internal/emulator/route53"
	"github.com/globaldb/globaldb/internal/emulator/route53api"
	"github.com/globaldb/globaldb/internal/emulator/sigv4"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// startTime is where the model's clock starts; steps move it forward.
var startTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// changeDelay is the model's ChangeDelay: GetChange says PENDING until the
// clock has moved this far past a change.
const changeDelay = 2 * time.Second

// fakeClock is the model's clock; only steps move it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// After never fires: the model does not wait, and a golden test must not.
func (*fakeClock) After(time.Duration) <-chan time.Time { return make(chan time.Time) }

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixedHealth is the health-check runner's view: every check healthy, and
// the same three checker observations for every check.
type fixedHealth struct{}

func (fixedHealth) Healthy(string) bool { return true }

func (fixedHealth) Observations(string) []types.HealthCheckObservation {
	obs := func(region types.HealthCheckRegion, ip, status string) types.HealthCheckObservation {
		return types.HealthCheckObservation{Region: region, IPAddress: aws.String(ip), StatusReport: &types.StatusReport{
			Status: aws.String(status), CheckedTime: aws.Time(startTime.Add(-10 * time.Second)),
		}}
	}
	return []types.HealthCheckObservation{
		obs(types.HealthCheckRegionUsEast1, "54.243.31.192", "Success: TCP connection established."),
		obs(types.HealthCheckRegionEuWest1, "176.34.159.192", "Success: TCP connection established."),
		obs(types.HealthCheckRegionApSoutheast2, "54.252.254.192", "Failure: Connection timed out."),
	}
}

// euResolver is the DNS client address the model places in eu-west-1
// (latency routing); every other address queries from us-east-1.
var euResolver = net.ParseIP("10.0.2.53")

func clientRegion(ip net.IP) string {
	if ip.Equal(euResolver) {
		return "eu-west-1"
	}
	return ""
}

// exchange is one request and the raw response the server wrote.
type exchange struct {
	op      string // the operation the codec routes the request to; "" for none
	service string // the SigV4 scope's service
	status  int
	body    []byte
	header  http.Header
}

// harness serves the Route 53 model over real HTTP with SigV4
// verification, the way the emulator's router does, and records every
// response.
type harness struct {
	model    *route53.Service
	clock    *fakeClock
	srv      *httptest.Server
	codec    *restxml.Codec
	handler  *route53api.Handler
	verifier *sigv4.Verifier

	mu        sync.Mutex
	requestID string
	got       []exchange
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	clk := &fakeClock{t: startTime}
	model, err := route53.New(route53.Config{
		Clock:        clk,
		Health:       fixedHealth{},
		ChangeDelay:  changeDelay,
		ClientRegion: clientRegion,
		Random:       rand.NewChaCha8([32]byte{'g', 'l', 'o', 'b', 'a', 'l', 'd', 'b', 'r', '5', '3'}),
		Rand:         rand.New(rand.NewPCG(1, 2)),
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{
		model:    model,
		clock:    clk,
		codec:    restxml.NewCodec(awsmodel.MustLoad(awsmodel.Route53)),
		handler:  route53api.New(model),
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
	op, _, _ := h.codec.Route(r.Method, r.URL.EscapedPath())
	service := ""
	if id, err := h.verifier.Verify(r.Context(), r, body); err != nil {
		h.codec.WriteError(rec, err, reqID)
	} else {
		service = id.Service
		meta := restxml.CallMeta{Region: id.Region, RequestID: reqID, AccessKeyID: id.AccessKeyID}
		h.codec.Serve(r.Context(), rec, r, body, meta, h.handler)
	}
	h.mu.Lock()
	h.got = append(h.got, exchange{op: op, service: service, status: rec.status, body: bytes.Clone(rec.body.Bytes()), header: w.Header().Clone()})
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

func (h *harness) client() *sdk.Client {
	return sdk.New(sdk.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(h.srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		Retryer:      aws.NopRetryer{},
	})
}

// rawRequest is a request the SDK refuses to build.
type rawRequest struct {
	method, path, body string
}

// sendRaw sends req signed with test/test for route53 in us-east-1.
func (h *harness) sendRaw(ctx context.Context, raw rawRequest) error {
	req, err := http.NewRequestWithContext(ctx, raw.method, h.srv.URL+raw.path, strings.NewReader(raw.body))
	if err != nil {
		return err
	}
	if raw.body != "" {
		req.Header.Set("Content-Type", "application/xml")
	}
	sum := sha256.Sum256([]byte(raw.body))
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "route53", "us-east-1", time.Now()); err != nil {
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

// ids are the identifiers the model generated, learnt from responses as
// the script runs (they are deterministic: Config.Random is seeded).
type ids struct {
	zone, privateZone, orgZone string // bare "Z…"
	zoneChange, recordChange   string // "/change/C…"
	tcpCheck, httpCheck        string
	replicaCheck               string
	zonesPage2, checksPage2    string // markers
}

// step is one request of the script and what its response must be.
type step struct {
	op, name string
	status   int    // default: the operation's success code, or 400 with code
	code     string // wire error code; "" for success
	message  string // substring of the error message, when it matters
	// errAs, when set, points to a typed SDK error the call's error must
	// match with errors.As (e.g. new(*types.NoSuchHostedZone)).
	errAs any
	// location, when set, returns the Location header the response must
	// carry.
	location func(x *ids) string
	// before plays the world between two requests (moves the clock).
	before func(t *testing.T, h *harness)
	// call makes the request with the SDK and checks decoded fields.
	call callFunc
	// raw, instead of call, is a request sent signed without the SDK.
	raw *rawRequest
}

// callFunc makes one request with an SDK client, checks the decoded
// output (recording generated IDs in x) and returns the SDK's error.
type callFunc func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error

func (s step) golden(i int) string { return fmt.Sprintf("%02d-%s-%s.xml", i+1, s.op, s.name) }

// successStatus is the responseCode of operations that do not answer 200.
var successStatus = map[string]int{"CreateHostedZone": http.StatusCreated, "CreateHealthCheck": http.StatusCreated}

func TestHandler_Handle(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	x := &ids{}
	steps := script()
	var (
		captured = map[string]exchange{} // by golden file name
		okOps    = map[string]bool{}
	)
	for i, st := range steps {
		golden := st.golden(i)
		t.Run(strings.TrimSuffix(golden, ".xml"), func(t *testing.T) {
			if st.before != nil {
				st.before(t, h)
			}
			h.begin(fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1))
			var err error
			if st.raw != nil {
				if err := h.sendRaw(ctx, *st.raw); err != nil {
					t.Fatalf("send raw request: %v", err)
				}
			} else {
				err = st.call(t, ctx, h.client(), x)
			}
			got := h.responses()
			if len(got) != 1 {
				t.Fatalf("server answered %d requests, want 1 (call error: %v)", len(got), err)
			}
			ex := got[0]
			captured[golden] = ex
			checkResponse(t, st, ex, x)
			if st.raw == nil {
				checkSDKError(t, st, err)
			}
			compareGolden(t, golden, ex.body)
			if st.code == "" && !t.Failed() {
				okOps[st.op] = true
			}
		})
	}
	t.Run("every operation succeeds once", func(t *testing.T) {
		ops := h.handler.Operations()
		if len(ops) != 18 {
			t.Errorf("Operations() = %d operations, want 18: %v", len(ops), ops)
		}
		for _, op := range ops {
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
		for name, ex := range captured {
			op := ex.op
			if op == "" {
				op = "GetHostedZone" // an error envelope of an unknown path
			}
			t.Run(strings.TrimSuffix(name, ".xml"), func(t *testing.T) {
				t.Parallel()
				restxmltest.ValidateWithBotocore(t, op, ex.status, ex.body)
			})
		}
	})
}

// checkResponse checks the status, the routed operation, the headers and
// the envelope's error code.
func checkResponse(t *testing.T, st step, ex exchange, x *ids) {
	t.Helper()
	want := st.status
	switch {
	case want != 0:
	case st.code != "":
		want = http.StatusBadRequest
	case successStatus[st.op] != 0:
		want = successStatus[st.op]
	default:
		want = http.StatusOK
	}
	if ex.status != want {
		t.Errorf("HTTP status = %d, want %d\n%s", ex.status, want, ex.body)
	}
	wantOp := st.op
	if st.code == restxml.UnknownOperation {
		wantOp = ""
	}
	if ex.op != wantOp {
		t.Errorf("request routed to %q, want %q", ex.op, wantOp)
	}
	if ex.service != "route53" {
		t.Errorf("SigV4 scope service = %q, want route53", ex.service)
	}
	if ex.header.Get("x-amzn-RequestId") == "" || ex.header.Get("Content-Type") != "text/xml" {
		t.Errorf("headers = %v, want x-amzn-RequestId and Content-Type text/xml", ex.header)
	}
	if st.location != nil {
		if got, want := ex.header.Get("Location"), st.location(x); got != want || want == "" {
			t.Errorf("Location header = %q, want %q", got, want)
		}
	} else if loc := ex.header.Get("Location"); loc != "" {
		t.Errorf("unexpected Location header %q", loc)
	}
	var env struct {
		XMLName  xml.Name
		Messages []string `xml:"Messages>Message"`
		Error    struct{ Code, Message string }
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
	root := "ErrorResponse"
	if st.code == "InvalidChangeBatch" {
		root = "InvalidChangeBatch"
		if len(env.Messages) == 0 {
			t.Errorf("InvalidChangeBatch without Messages\n%s", ex.body)
		}
	}
	if env.XMLName.Local != root || env.Error.Code != st.code {
		t.Errorf("error = %s %q, want %s %q\n%s", env.XMLName.Local, env.Error.Code, root, st.code, ex.body)
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
	// The SDK's InvalidChangeBatch reports a fixed message; its Messages
	// are checked by the step.
	if st.code != "InvalidChangeBatch" && !strings.Contains(apiErr.ErrorMessage(), st.message) {
		t.Errorf("ErrorMessage() = %q, want it to contain %q", apiErr.ErrorMessage(), st.message)
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
	zoneName   = "example.com."
	locationV1 = "https://route53.amazonaws.com/2013-04-01/"
	missingID  = "ZNOSUCHZONE0000000000"
	missingHC  = "00000000-0000-0000-0000-000000000000"
	// tcpRef is the CallerReference of the TCP health check.
	tcpRef = "hc-db-primary"
)

// script is the whole scripted sequence: every operation succeeds at least
// once, and every error the model raises for a client mistake shows up.
func script() []step {
	return slices.Concat(zoneSteps(), changeSteps(), zoneListSteps(), healthCheckSteps(), recordSteps(),
		recordErrorSteps(), listRecordSteps(), answerSteps(), tagSteps(), teardownSteps(), rawSteps(), multiTagSteps(),
		limitSteps())
}

func advance(d time.Duration) func(t *testing.T, h *harness) {
	return func(t *testing.T, h *harness) { h.clock.Advance(d) }
}

// bare strips the "/hostedzone/" prefix of a zone ID.
func bare(id *string) string { return strings.TrimPrefix(aws.ToString(id), "/hostedzone/") }

func createZone(name, ref, comment string, vpc *types.VPC, save func(t *testing.T, x *ids, id string)) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		out, err := c.CreateHostedZone(ctx, &sdk.CreateHostedZoneInput{
			Name: aws.String(name), CallerReference: aws.String(ref), VPC: vpc,
			HostedZoneConfig: &types.HostedZoneConfig{Comment: aws.String(comment)},
		})
		if err != nil {
			return err
		}
		z := out.HostedZone
		if aws.ToString(z.Name) != dnsName(name) || aws.ToInt64(z.ResourceRecordSetCount) != 2 || aws.ToString(z.CallerReference) != ref ||
			z.Config == nil || z.Config.PrivateZone != (vpc != nil) || aws.ToString(out.Location) != locationV1+"hostedzone/"+bare(z.Id) {
			t.Errorf("HostedZone = %+v, Location %q", z, aws.ToString(out.Location))
		}
		if vpc == nil && (out.DelegationSet == nil || len(out.DelegationSet.NameServers) != 4) {
			t.Errorf("DelegationSet = %+v, want 4 name servers", out.DelegationSet)
		}
		if vpc != nil && (out.VPC == nil || aws.ToString(out.VPC.VPCId) != aws.ToString(vpc.VPCId)) {
			t.Errorf("VPC = %+v, want %s", out.VPC, aws.ToString(vpc.VPCId))
		}
		if out.ChangeInfo == nil || out.ChangeInfo.Status != types.ChangeStatusPending || !aws.ToTime(out.ChangeInfo.SubmittedAt).Equal(startTime) {
			t.Errorf("ChangeInfo = %+v, want PENDING submitted at %s", out.ChangeInfo, startTime)
		}
		if save != nil {
			save(t, x, bare(z.Id))
		}
		if x.zoneChange == "" && out.ChangeInfo != nil {
			x.zoneChange = aws.ToString(out.ChangeInfo.Id)
		}
		return nil
	}
}

func dnsName(n string) string { return strings.TrimSuffix(n, ".") + "." }

func zoneSteps() []step {
	mainLocation := func(x *ids) string { return locationV1 + "hostedzone/" + x.zone }
	return []step{
		{op: "CreateHostedZone", name: "ok", location: mainLocation,
			call: createZone("example.com", "ref-example", "main zone", nil, func(t *testing.T, x *ids, id string) { x.zone = id })},
		// A retry with the same CallerReference and parameters is the same zone.
		{op: "CreateHostedZone", name: "retry", location: mainLocation,
			call: createZone("example.com", "ref-example", "main zone", nil, func(t *testing.T, x *ids, id string) {
				if id != x.zone {
					t.Errorf("retry created zone %s, want %s", id, x.zone)
				}
			})},
		{op: "CreateHostedZone", name: "private", location: func(x *ids) string { return locationV1 + "hostedzone/" + x.privateZone },
			call: createZone("internal.example.net", "ref-internal", "private zone",
				&types.VPC{VPCId: aws.String("vpc-0123456789abcdef0"), VPCRegion: types.VPCRegionUsEast1},
				func(t *testing.T, x *ids, id string) { x.privateZone = id })},
		{op: "CreateHostedZone", name: "org", location: func(x *ids) string { return locationV1 + "hostedzone/" + x.orgZone },
			call: createZone("example.org", "ref-org", "org zone", nil, func(t *testing.T, x *ids, id string) { x.orgZone = id })},
		{op: "CreateHostedZone", name: "reference-reused", status: http.StatusConflict, code: "HostedZoneAlreadyExists",
			errAs: new(*types.HostedZoneAlreadyExists), message: "caller reference",
			call: createZone("other.example.com", "ref-example", "main zone", nil, nil)},
		{op: "GetHostedZone", name: "ok", call: func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
			out, err := c.GetHostedZone(ctx, &sdk.GetHostedZoneInput{Id: aws.String("/hostedzone/" + x.zone)})
			if err == nil && (bare(out.HostedZone.Id) != x.zone || aws.ToString(out.HostedZone.Name) != zoneName ||
				aws.ToString(out.HostedZone.Config.Comment) != "main zone" || out.DelegationSet == nil || len(out.DelegationSet.NameServers) != 4) {
				t.Errorf("GetHostedZone = %+v %+v", out.HostedZone, out.DelegationSet)
			}
			return err
		}},
		{op: "GetHostedZone", name: "private", call: func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
			out, err := c.GetHostedZone(ctx, &sdk.GetHostedZoneInput{Id: aws.String(x.privateZone)})
			if err == nil && (!out.HostedZone.Config.PrivateZone || len(out.VPCs) != 1 || out.VPCs[0].VPCRegion != types.VPCRegionUsEast1 ||
				out.DelegationSet != nil) {
				t.Errorf("GetHostedZone = %+v VPCs %+v DelegationSet %+v, want private with one VPC", out.HostedZone, out.VPCs, out.DelegationSet)
			}
			return err
		}},
		{op: "GetHostedZone", name: "not-found", status: http.StatusNotFound, code: "NoSuchHostedZone",
			errAs: new(*types.NoSuchHostedZone), message: missingID,
			call: func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
				_, err := c.GetHostedZone(ctx, &sdk.GetHostedZoneInput{Id: aws.String(missingID)})
				return err
			}},
	}
}

func getChange(id func(x *ids) string, want types.ChangeStatus) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		out, err := c.GetChange(ctx, &sdk.GetChangeInput{Id: aws.String(id(x))})
		if err == nil && (aws.ToString(out.ChangeInfo.Id) != id(x) || out.ChangeInfo.Status != want) {
			t.Errorf("ChangeInfo = %+v, want %s %s", out.ChangeInfo, id(x), want)
		}
		return err
	}
}

func changeSteps() []step {
	zoneChange := func(x *ids) string { return x.zoneChange }
	return []step{
		{op: "GetChange", name: "pending", before: advance(changeDelay / 2), call: getChange(zoneChange, types.ChangeStatusPending)},
		{op: "GetChange", name: "insync", before: advance(changeDelay), call: getChange(zoneChange, types.ChangeStatusInsync)},
		{op: "GetChange", name: "not-found", status: http.StatusNotFound, code: "NoSuchChange", errAs: new(*types.NoSuchChange),
			call: getChange(func(*ids) string { return "/change/CNOSUCHCHANGE000000000" }, "")},
	}
}

func listZones(marker func(x *ids) string, maxItems int32, want func(x *ids) []string, next func(x *ids) *string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		in := &sdk.ListHostedZonesInput{}
		if marker != nil {
			in.Marker = aws.String(marker(x))
		}
		if maxItems > 0 {
			in.MaxItems = aws.Int32(maxItems)
		}
		out, err := c.ListHostedZones(ctx, in)
		if err != nil {
			return err
		}
		var got []string
		for _, z := range out.HostedZones {
			got = append(got, bare(z.Id))
		}
		if !reflect.DeepEqual(got, want(x)) {
			t.Errorf("HostedZones = %v, want %v", got, want(x))
		}
		if wantNext := next(x); out.IsTruncated != (wantNext != nil) || aws.ToString(out.NextMarker) != aws.ToString(wantNext) {
			t.Errorf("IsTruncated %v NextMarker %q, want %q", out.IsTruncated, aws.ToString(out.NextMarker), aws.ToString(wantNext))
		}
		if out.IsTruncated {
			x.zonesPage2 = aws.ToString(out.NextMarker)
		}
		return nil
	}
}

// byID returns the zone IDs sorted as ListHostedZones sorts zones created
// at the same instant.
func byID(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }

func listZonesByName(dnsName string, maxItems int32, want func(x *ids) []string, nextName string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		in := &sdk.ListHostedZonesByNameInput{}
		if dnsName != "" {
			in.DNSName = aws.String(dnsName)
		}
		if maxItems > 0 {
			in.MaxItems = aws.Int32(maxItems)
		}
		out, err := c.ListHostedZonesByName(ctx, in)
		if err != nil {
			return err
		}
		var got []string
		for _, z := range out.HostedZones {
			got = append(got, bare(z.Id))
		}
		if !reflect.DeepEqual(got, want(x)) {
			t.Errorf("HostedZones = %v, want %v", got, want(x))
		}
		if out.IsTruncated != (nextName != "") || aws.ToString(out.NextDNSName) != nextName {
			t.Errorf("IsTruncated %v NextDNSName %q, want %q", out.IsTruncated, aws.ToString(out.NextDNSName), nextName)
		}
		return nil
	}
}

func zoneListSteps() []step {
	all := func(x *ids) []string { return byID(x.zone, x.privateZone, x.orgZone) }
	return []step{
		{op: "ListHostedZones", name: "all", call: listZones(nil, 0, all, func(*ids) *string { return nil })},
		{op: "ListHostedZones", name: "page1", call: listZones(nil, 2,
			func(x *ids) []string { return all(x)[:2] }, func(x *ids) *string { return aws.String(all(x)[2]) })},
		{op: "ListHostedZones", name: "page2", call: listZones(func(x *ids) string { return x.zonesPage2 }, 2,
			func(x *ids) []string { return all(x)[2:] }, func(*ids) *string { return nil })},
		{op: "ListHostedZones", name: "bad-marker", code: "InvalidInput", errAs: new(*types.InvalidInput), message: "marker",
			call: listZones(func(*ids) string { return missingID }, 0, nil, nil)},
		// Labels reversed: com.example < net.example.internal < org.example.
		{op: "ListHostedZonesByName", name: "all", call: listZonesByName("", 0,
			func(x *ids) []string { return []string{x.zone, x.privateZone, x.orgZone} }, "")},
		{op: "ListHostedZonesByName", name: "from-name", call: listZonesByName("internal.example.net", 1,
			func(x *ids) []string { return []string{x.privateZone} }, "example.org.")},
	}
}

func createCheck(ref string, cfg types.HealthCheckConfig, save func(t *testing.T, x *ids, id string)) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		out, err := c.CreateHealthCheck(ctx, &sdk.CreateHealthCheckInput{CallerReference: aws.String(ref), HealthCheckConfig: &cfg})
		if err != nil {
			return err
		}
		hc := out.HealthCheck
		got := hc.HealthCheckConfig
		if aws.ToString(hc.CallerReference) != ref || aws.ToInt64(hc.HealthCheckVersion) != 1 || got.Type != cfg.Type ||
			aws.ToInt32(got.FailureThreshold) == 0 || aws.ToInt32(got.RequestInterval) == 0 || aws.ToInt32(got.Port) == 0 ||
			aws.ToString(out.Location) != locationV1+"healthcheck/"+aws.ToString(hc.Id) {
			t.Errorf("HealthCheck = %+v config %+v Location %q", hc, got, aws.ToString(out.Location))
		}
		if save != nil {
			save(t, x, aws.ToString(hc.Id))
		}
		return nil
	}
}

func tcpConfig(port int32) types.HealthCheckConfig {
	return types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: aws.String("93.184.215.10"), Port: aws.Int32(port),
		RequestInterval: aws.Int32(10), FailureThreshold: aws.Int32(2)}
}

var httpConfig = types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, FullyQualifiedDomainName: aws.String("app.example.com"),
	ResourcePath: aws.String("/health")}

func getCheck(id func(x *ids) string, check func(t *testing.T, hc *types.HealthCheck)) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		out, err := c.GetHealthCheck(ctx, &sdk.GetHealthCheckInput{HealthCheckId: aws.String(id(x))})
		if err == nil && check != nil {
			check(t, out.HealthCheck)
		}
		return err
	}
}

func listChecks(marker func(x *ids) string, maxItems int32, want func(x *ids) []string, truncated bool) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		in := &sdk.ListHealthChecksInput{}
		if marker != nil {
			in.Marker = aws.String(marker(x))
		}
		if maxItems > 0 {
			in.MaxItems = aws.Int32(maxItems)
		}
		out, err := c.ListHealthChecks(ctx, in)
		if err != nil {
			return err
		}
		var got []string
		for _, hc := range out.HealthChecks {
			got = append(got, aws.ToString(hc.Id))
		}
		if !reflect.DeepEqual(got, want(x)) || out.IsTruncated != truncated {
			t.Errorf("HealthChecks = %v truncated %v, want %v truncated %v", got, out.IsTruncated, want(x), truncated)
		}
		if out.IsTruncated {
			x.checksPage2 = aws.ToString(out.NextMarker)
		}
		return nil
	}
}

func updateCheck(id func(x *ids) string, version int64, threshold int32, wantVersion int64) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		out, err := c.UpdateHealthCheck(ctx, &sdk.UpdateHealthCheckInput{HealthCheckId: aws.String(id(x)),
			HealthCheckVersion: aws.Int64(version), FailureThreshold: aws.Int32(threshold)})
		if err == nil && (aws.ToInt64(out.HealthCheck.HealthCheckVersion) != wantVersion ||
			aws.ToInt32(out.HealthCheck.HealthCheckConfig.FailureThreshold) != threshold) {
			t.Errorf("HealthCheck = version %d config %+v, want version %d FailureThreshold %d",
				aws.ToInt64(out.HealthCheck.HealthCheckVersion), out.HealthCheck.HealthCheckConfig, wantVersion, threshold)
		}
		return err
	}
}

func healthCheckSteps() []step {
	tcp := func(x *ids) string { return x.tcpCheck }
	tcpLocation := func(x *ids) string { return locationV1 + "healthcheck/" + x.tcpCheck }
	both := func(x *ids) []string { return byID(x.tcpCheck, x.httpCheck) }
	return []step{
		{op: "CreateHealthCheck", name: "tcp", location: tcpLocation,
			call: createCheck(tcpRef, tcpConfig(5432), func(t *testing.T, x *ids, id string) { x.tcpCheck = id })},
		// The same CallerReference and configuration: the same check.
		{op: "CreateHealthCheck", name: "tcp-retry", location: tcpLocation,
			call: createCheck(tcpRef, tcpConfig(5432), func(t *testing.T, x *ids, id string) {
				if id != x.tcpCheck {
					t.Errorf("retry created health check %s, want %s", id, x.tcpCheck)
				}
			})},
		{op: "CreateHealthCheck", name: "http", location: func(x *ids) string { return locationV1 + "healthcheck/" + x.httpCheck },
			call: createCheck("hc-app-http", httpConfig, func(t *testing.T, x *ids, id string) { x.httpCheck = id })},
		{op: "CreateHealthCheck", name: "reference-reused", status: http.StatusConflict, code: "HealthCheckAlreadyExists",
			errAs: new(*types.HealthCheckAlreadyExists), message: tcpRef, call: createCheck(tcpRef, tcpConfig(5433), nil)},
		{op: "CreateHealthCheck", name: "bad-interval", code: "InvalidInput", errAs: new(*types.InvalidInput), message: "RequestInterval",
			call: createCheck("hc-bad", func() types.HealthCheckConfig {
				c := tcpConfig(5432)
				c.RequestInterval = aws.Int32(15)
				return c
			}(), nil)},
		{op: "GetHealthCheck", name: "tcp", call: getCheck(tcp, func(t *testing.T, hc *types.HealthCheck) {
			c := hc.HealthCheckConfig
			if c.Type != types.HealthCheckTypeTcp || aws.ToInt32(c.Port) != 5432 || aws.ToInt32(c.RequestInterval) != 10 ||
				aws.ToBool(c.Inverted) || c.Inverted == nil || c.EnableSNI != nil {
				t.Errorf("HealthCheckConfig = %+v", c)
			}
		})},
		{op: "GetHealthCheck", name: "http-defaults", call: getCheck(func(x *ids) string { return x.httpCheck }, func(t *testing.T, hc *types.HealthCheck) {
			c := hc.HealthCheckConfig
			if aws.ToInt32(c.Port) != 80 || aws.ToInt32(c.RequestInterval) != 30 || aws.ToInt32(c.FailureThreshold) != 3 ||
				c.EnableSNI == nil || *c.EnableSNI || aws.ToString(c.ResourcePath) != "/health" {
				t.Errorf("HealthCheckConfig = %+v, want AWS's defaults", c)
			}
		})},
		{op: "GetHealthCheck", name: "not-found", status: http.StatusNotFound, code: "NoSuchHealthCheck",
			errAs: new(*types.NoSuchHealthCheck), message: missingHC, call: getCheck(func(*ids) string { return missingHC }, nil)},
		{op: "ListHealthChecks", name: "all", call: listChecks(nil, 0, both, false)},
		{op: "ListHealthChecks", name: "page1", call: listChecks(nil, 1, func(x *ids) []string { return both(x)[:1] }, true)},
		{op: "ListHealthChecks", name: "page2", call: listChecks(func(x *ids) string { return x.checksPage2 }, 1,
			func(x *ids) []string { return both(x)[1:] }, false)},
		{op: "UpdateHealthCheck", name: "ok", call: updateCheck(tcp, 1, 5, 2)},
		{op: "UpdateHealthCheck", name: "version-mismatch", status: http.StatusConflict, code: "HealthCheckVersionMismatch",
			errAs: new(*types.HealthCheckVersionMismatch), call: updateCheck(tcp, 1, 4, 0)},
		{op: "UpdateHealthCheck", name: "not-found", status: http.StatusNotFound, code: "NoSuchHealthCheck",
			errAs: new(*types.NoSuchHealthCheck), call: updateCheck(func(*ids) string { return missingHC }, 1, 4, 0)},
		{op: "GetHealthCheckStatus", name: "ok", call: func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
			out, err := c.GetHealthCheckStatus(ctx, &sdk.GetHealthCheckStatusInput{HealthCheckId: aws.String(x.tcpCheck)})
			if err != nil {
				return err
			}
			want := fixedHealth{}.Observations(x.tcpCheck)
			if len(out.HealthCheckObservations) != len(want) {
				t.Fatalf("HealthCheckObservations = %+v, want %d", out.HealthCheckObservations, len(want))
			}
			for i, o := range out.HealthCheckObservations {
				w := want[i]
				if o.Region != w.Region || aws.ToString(o.IPAddress) != aws.ToString(w.IPAddress) || o.StatusReport == nil ||
					aws.ToString(o.StatusReport.Status) != aws.ToString(w.StatusReport.Status) ||
					!aws.ToTime(o.StatusReport.CheckedTime).Equal(*w.StatusReport.CheckedTime) {
					t.Errorf("observation %d = %+v %+v, want %+v %+v", i, o, o.StatusReport, w, w.StatusReport)
				}
			}
			return nil
		}},
		{op: "GetHealthCheckStatus", name: "not-found", status: http.StatusNotFound, code: "NoSuchHealthCheck",
			errAs: new(*types.NoSuchHealthCheck), call: func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
				_, err := c.GetHealthCheckStatus(ctx, &sdk.GetHealthCheckStatusInput{HealthCheckId: aws.String(missingHC)})
				return err
			}},
	}
}

// Record sets of example.com, as the steps create them.
func wwwA(values ...string) *types.ResourceRecordSet {
	rs := &types.ResourceRecordSet{Name: aws.String("www.example.com"), Type: types.RRTypeA, TTL: aws.Int64(300)}
	for _, v := range values {
		rs.ResourceRecords = append(rs.ResourceRecords, types.ResourceRecord{Value: aws.String(v)})
	}
	return rs
}

func failoverA(x *ids, role types.ResourceRecordSetFailover) *types.ResourceRecordSet {
	id, hc, ip := "primary", x.tcpCheck, "192.0.2.10"
	if role == types.ResourceRecordSetFailoverSecondary {
		id, hc, ip = "secondary", x.httpCheck, "198.51.100.10"
	}
	return &types.ResourceRecordSet{Name: aws.String("db.example.com"), Type: types.RRTypeA, SetIdentifier: aws.String(id),
		Failover: role, HealthCheckId: aws.String(hc), TTL: aws.Int64(60),
		ResourceRecords: []types.ResourceRecord{{Value: aws.String(ip)}}}
}

func weightedA(id string, weight int64, ip string) *types.ResourceRecordSet {
	return &types.ResourceRecordSet{Name: aws.String("api.example.com"), Type: types.RRTypeA, SetIdentifier: aws.String(id),
		Weight: aws.Int64(weight), TTL: aws.Int64(60), ResourceRecords: []types.ResourceRecord{{Value: aws.String(ip)}}}
}

func latencyA(id string, region types.ResourceRecordSetRegion, ip string) *types.ResourceRecordSet {
	return &types.ResourceRecordSet{Name: aws.String("app.example.com"), Type: types.RRTypeA, SetIdentifier: aws.String(id),
		Region: region, TTL: aws.Int64(60), ResourceRecords: []types.ResourceRecord{{Value: aws.String(ip)}}}
}

func aliasA(x *ids) *types.ResourceRecordSet {
	return &types.ResourceRecordSet{Name: aws.String("alias.example.com"), Type: types.RRTypeA,
		AliasTarget: &types.AliasTarget{HostedZoneId: aws.String(x.zone), DNSName: aws.String("www.example.com"), EvaluateTargetHealth: true}}
}

func change(action types.ChangeAction, rs *types.ResourceRecordSet) types.Change {
	return types.Change{Action: action, ResourceRecordSet: rs}
}

// changeRecords sends a change batch to example.com (or zone, when set).
func changeRecords(comment string, changes func(x *ids) []types.Change, zone string, check func(t *testing.T, err error)) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		id := zone
		if id == "" {
			id = x.zone
		}
		batch := &types.ChangeBatch{Changes: changes(x)}
		if comment != "" {
			batch.Comment = aws.String(comment)
		}
		out, err := c.ChangeResourceRecordSets(ctx, &sdk.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(id), ChangeBatch: batch})
		if check != nil {
			check(t, err)
		}
		if err != nil {
			return err
		}
		ci := out.ChangeInfo
		if ci == nil || ci.Status != types.ChangeStatusPending || !strings.HasPrefix(aws.ToString(ci.Id), "/change/C") ||
			aws.ToString(ci.Comment) != comment {
			t.Errorf("ChangeInfo = %+v, want PENDING with comment %q", ci, comment)
		} else if x.recordChange == "" {
			x.recordChange = aws.ToString(ci.Id)
		}
		return nil
	}
}

func creates(rs ...func(x *ids) *types.ResourceRecordSet) func(x *ids) []types.Change {
	return func(x *ids) []types.Change {
		var out []types.Change
		for _, r := range rs {
			out = append(out, change(types.ChangeActionCreate, r(x)))
		}
		return out
	}
}

func fixed(rs *types.ResourceRecordSet) func(*ids) *types.ResourceRecordSet {
	return func(*ids) *types.ResourceRecordSet { return rs }
}

func recordSteps() []step {
	return []step{
		{op: "ChangeResourceRecordSets", name: "create-simple", call: changeRecords("simple A",
			creates(fixed(wwwA("192.0.2.1", "192.0.2.2"))), "", nil)},
		{op: "ChangeResourceRecordSets", name: "create-failover", call: changeRecords("failover pair", creates(
			func(x *ids) *types.ResourceRecordSet { return failoverA(x, types.ResourceRecordSetFailoverPrimary) },
			func(x *ids) *types.ResourceRecordSet { return failoverA(x, types.ResourceRecordSetFailoverSecondary) }), "", nil)},
		{op: "ChangeResourceRecordSets", name: "create-weighted", call: changeRecords("", creates(
			fixed(weightedA("blue", 70, "192.0.2.20")), fixed(weightedA("green", 30, "192.0.2.21"))), "", nil)},
		{op: "ChangeResourceRecordSets", name: "create-latency", call: changeRecords("", creates(
			fixed(latencyA("use1", types.ResourceRecordSetRegionUsEast1, "192.0.2.30")),
			fixed(latencyA("euw1", types.ResourceRecordSetRegionEuWest1, "198.51.100.30"))), "", nil)},
		{op: "ChangeResourceRecordSets", name: "create-alias", call: changeRecords("", creates(aliasA), "", nil)},
		{op: "GetChange", name: "record-change-pending", call: getChange(func(x *ids) string { return x.recordChange }, types.ChangeStatusPending)},
		{op: "ChangeResourceRecordSets", name: "upsert", call: changeRecords("new addresses", func(*ids) []types.Change {
			return []types.Change{change(types.ChangeActionUpsert, wwwA("192.0.2.3"))}
		}, "", nil)},
		{op: "GetChange", name: "record-change-insync", before: advance(changeDelay),
			call: getChange(func(x *ids) string { return x.recordChange }, types.ChangeStatusInsync)},
	}
}

func wantMessages(want ...string) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		var icb *types.InvalidChangeBatch
		if !errors.As(err, &icb) {
			t.Fatalf("error = %v, want *types.InvalidChangeBatch", err)
		}
		if len(icb.Messages) != len(want) {
			t.Fatalf("Messages = %q, want %d messages containing %q", icb.Messages, len(want), want)
		}
		for i, m := range icb.Messages {
			if !strings.Contains(m, want[i]) {
				t.Errorf("Messages[%d] = %q, want it to contain %q", i, m, want[i])
			}
		}
	}
}

func recordErrorSteps() []step {
	missing := &types.ResourceRecordSet{Name: aws.String("nope.example.com"), Type: types.RRTypeA, TTL: aws.Int64(300),
		ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.99")}}}
	exists := "Tried to create resource record set [name='www.example.com.', type='A'] but it already exists"
	notFound := "Tried to delete resource record set [name='nope.example.com.', type='A'] but it was not found"
	return []step{
		{op: "ChangeResourceRecordSets", name: "create-existing", code: "InvalidChangeBatch", message: exists,
			call: changeRecords("", creates(fixed(wwwA("192.0.2.3"))), "", wantMessages(exists))},
		{op: "ChangeResourceRecordSets", name: "delete-missing", code: "InvalidChangeBatch", message: notFound,
			call: changeRecords("", func(*ids) []types.Change { return []types.Change{change(types.ChangeActionDelete, missing)} },
				"", wantMessages(notFound))},
		{op: "ChangeResourceRecordSets", name: "two-messages", code: "InvalidChangeBatch", message: "[" + exists + ", " + notFound + "]",
			call: changeRecords("", func(*ids) []types.Change {
				return []types.Change{change(types.ChangeActionCreate, wwwA("192.0.2.3")), change(types.ChangeActionDelete, missing)}
			}, "", wantMessages(exists, notFound))},
		{op: "ChangeResourceRecordSets", name: "no-such-zone", status: http.StatusNotFound, code: "NoSuchHostedZone",
			errAs: new(*types.NoSuchHostedZone), call: changeRecords("", creates(fixed(wwwA("192.0.2.3"))), missingID, nil)},
	}
}

// rrKey names a record set in listings: "name type [set-identifier]".
func rrKey(rs types.ResourceRecordSet) string {
	k := aws.ToString(rs.Name) + " " + string(rs.Type)
	if rs.SetIdentifier != nil {
		k += " " + *rs.SetIdentifier
	}
	return k
}

func listRecords(start []string, maxItems int32, want []string, next string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		in := &sdk.ListResourceRecordSetsInput{HostedZoneId: aws.String(x.zone)}
		if len(start) > 0 {
			in.StartRecordName = aws.String(start[0])
		}
		if len(start) > 1 {
			in.StartRecordType = types.RRType(start[1])
		}
		if len(start) > 2 {
			in.StartRecordIdentifier = aws.String(start[2])
		}
		if maxItems > 0 {
			in.MaxItems = aws.Int32(maxItems)
		}
		out, err := c.ListResourceRecordSets(ctx, in)
		if err != nil {
			return err
		}
		var got []string
		for _, rs := range out.ResourceRecordSets {
			got = append(got, rrKey(rs))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ResourceRecordSets = %q, want %q", got, want)
		}
		gotNext := ""
		if out.IsTruncated {
			gotNext = rrKey(types.ResourceRecordSet{Name: out.NextRecordName, Type: out.NextRecordType, SetIdentifier: out.NextRecordIdentifier})
		}
		if gotNext != next {
			t.Errorf("next record = %q (IsTruncated %v), want %q", gotNext, out.IsTruncated, next)
		}
		for _, rs := range out.ResourceRecordSets {
			switch rrKey(rs) {
			case "alias.example.com. A":
				if rs.AliasTarget == nil || !rs.AliasTarget.EvaluateTargetHealth || aws.ToString(rs.AliasTarget.DNSName) != "www.example.com." ||
					rs.TTL != nil {
					t.Errorf("alias record = %+v target %+v", rs, rs.AliasTarget)
				}
			case "db.example.com. A primary":
				if rs.Failover != types.ResourceRecordSetFailoverPrimary || aws.ToString(rs.HealthCheckId) != x.tcpCheck {
					t.Errorf("primary record = %+v", rs)
				}
			case "api.example.com. A blue":
				if aws.ToInt64(rs.Weight) != 70 {
					t.Errorf("blue record = %+v", rs)
				}
			case "app.example.com. A euw1":
				if rs.Region != types.ResourceRecordSetRegionEuWest1 {
					t.Errorf("euw1 record = %+v", rs)
				}
			case "www.example.com. A":
				if len(rs.ResourceRecords) != 1 || aws.ToString(rs.ResourceRecords[0].Value) != "192.0.2.3" || aws.ToInt64(rs.TTL) != 300 {
					t.Errorf("www record = %+v, want the upserted 192.0.2.3", rs)
				}
			}
		}
		return nil
	}
}

// allRecords is example.com's listing order: labels reversed, then type,
// then SetIdentifier.
var allRecords = []string{
	"example.com. NS", "example.com. SOA", "alias.example.com. A",
	"api.example.com. A blue", "api.example.com. A green",
	"app.example.com. A euw1", "app.example.com. A use1",
	"db.example.com. A primary", "db.example.com. A secondary",
	"www.example.com. A",
}

func listRecordSteps() []step {
	return []step{
		{op: "ListResourceRecordSets", name: "all", call: listRecords(nil, 0, allRecords, "")},
		{op: "ListResourceRecordSets", name: "page1", call: listRecords(nil, 4, allRecords[:4], allRecords[4])},
		{op: "ListResourceRecordSets", name: "page2", call: listRecords([]string{"api.example.com.", "A", "green"}, 4,
			allRecords[4:8], allRecords[8])},
		{op: "ListResourceRecordSets", name: "page3", call: listRecords([]string{"db.example.com.", "A", "secondary"}, 4,
			allRecords[8:], "")},
		{op: "ListResourceRecordSets", name: "not-found", status: http.StatusNotFound, code: "NoSuchHostedZone",
			errAs: new(*types.NoSuchHostedZone), call: func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
				_, err := c.ListResourceRecordSets(ctx, &sdk.ListResourceRecordSetsInput{HostedZoneId: aws.String(missingID)})
				return err
			}},
	}
}

func testAnswer(name string, typ types.RRType, resolver net.IP, want ...string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		in := &sdk.TestDNSAnswerInput{HostedZoneId: aws.String(x.zone), RecordName: aws.String(name), RecordType: typ}
		if resolver != nil {
			in.ResolverIP = aws.String(resolver.String())
		}
		out, err := c.TestDNSAnswer(ctx, in)
		if err == nil && (!reflect.DeepEqual(out.RecordData, want) || aws.ToString(out.ResponseCode) != "NOERROR" ||
			aws.ToString(out.Protocol) != "UDP" || out.RecordType != typ) {
			t.Errorf("TestDNSAnswer = %+v, want NOERROR %q", out, want)
		}
		return err
	}
}

func answerSteps() []step {
	return []step{
		{op: "TestDNSAnswer", name: "simple", call: testAnswer("www.example.com", types.RRTypeA, nil, "192.0.2.3")},
		{op: "TestDNSAnswer", name: "failover-primary", call: testAnswer("db.example.com", types.RRTypeA, nil, "192.0.2.10")},
		{op: "TestDNSAnswer", name: "latency-eu", call: testAnswer("app.example.com", types.RRTypeA, euResolver, "198.51.100.30")},
		{op: "TestDNSAnswer", name: "latency-us", call: testAnswer("app.example.com", types.RRTypeA, nil, "192.0.2.30")},
		{op: "TestDNSAnswer", name: "alias", call: testAnswer("alias.example.com", types.RRTypeA, nil, "192.0.2.3")},
		{op: "TestDNSAnswer", name: "not-found", status: http.StatusNotFound, code: "NoSuchHostedZone",
			errAs: new(*types.NoSuchHostedZone), call: func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
				_, err := c.TestDNSAnswer(ctx, &sdk.TestDNSAnswerInput{HostedZoneId: aws.String(missingID),
					RecordName: aws.String("www.example.com"), RecordType: types.RRTypeA})
				return err
			}},
	}
}

func changeTags(typ types.TagResourceType, id func(x *ids) string, add map[string]string, remove ...string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		in := &sdk.ChangeTagsForResourceInput{ResourceType: typ, ResourceId: aws.String(id(x)), RemoveTagKeys: remove}
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range add {
				if !yield(k) {
					return
				}
			}
		}) {
			in.AddTags = append(in.AddTags, types.Tag{Key: aws.String(k), Value: aws.String(add[k])})
		}
		_, err := c.ChangeTagsForResource(ctx, in)
		return err
	}
}

func listTags(typ types.TagResourceType, id func(x *ids) string, want ...string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		out, err := c.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{ResourceType: typ, ResourceId: aws.String(id(x))})
		if err != nil {
			return err
		}
		set := out.ResourceTagSet
		var got []string
		for _, tag := range set.Tags {
			got = append(got, aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
		}
		if set.ResourceType != typ || aws.ToString(set.ResourceId) != id(x) || !reflect.DeepEqual(got, want) {
			t.Errorf("ResourceTagSet = %s %s %q, want %s %s %q", set.ResourceType, aws.ToString(set.ResourceId), got, typ, id(x), want)
		}
		return nil
	}
}

func tagSteps() []step {
	zone := func(x *ids) string { return x.zone }
	tcp := func(x *ids) string { return x.tcpCheck }
	return []step{
		{op: "ChangeTagsForResource", name: "zone-add", call: changeTags(types.TagResourceTypeHostedzone, zone,
			map[string]string{"env": "prod", "team": "db"})},
		{op: "ChangeTagsForResource", name: "zone-replace-remove", call: changeTags(types.TagResourceTypeHostedzone, zone,
			map[string]string{"env": "staging"}, "team")},
		{op: "ListTagsForResource", name: "zone", call: listTags(types.TagResourceTypeHostedzone, zone, "env=staging")},
		{op: "ChangeTagsForResource", name: "healthcheck-add", call: changeTags(types.TagResourceTypeHealthcheck, tcp,
			map[string]string{"Name": "db primary", "role": "writer"})},
		{op: "ListTagsForResource", name: "healthcheck", call: listTags(types.TagResourceTypeHealthcheck, tcp,
			"Name=db primary", "role=writer")},
		{op: "ChangeTagsForResource", name: "no-such-healthcheck", status: http.StatusNotFound, code: "NoSuchHealthCheck",
			errAs: new(*types.NoSuchHealthCheck), call: changeTags(types.TagResourceTypeHealthcheck,
				func(*ids) string { return missingHC }, map[string]string{"a": "b"})},
		{op: "ListTagsForResource", name: "no-such-zone", status: http.StatusNotFound, code: "NoSuchHostedZone",
			errAs: new(*types.NoSuchHostedZone), call: listTags(types.TagResourceTypeHostedzone, func(*ids) string { return missingID })},
	}
}

func deleteCheck(id func(x *ids) string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		_, err := c.DeleteHealthCheck(ctx, &sdk.DeleteHealthCheckInput{HealthCheckId: aws.String(id(x))})
		return err
	}
}

func deleteZone(id func(x *ids) string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		out, err := c.DeleteHostedZone(ctx, &sdk.DeleteHostedZoneInput{Id: aws.String(id(x))})
		if err == nil && (out.ChangeInfo == nil || out.ChangeInfo.Status != types.ChangeStatusPending) {
			t.Errorf("ChangeInfo = %+v, want PENDING", out.ChangeInfo)
		}
		return err
	}
}

func teardownSteps() []step {
	zone := func(x *ids) string { return x.zone }
	tcp := func(x *ids) string { return x.tcpCheck }
	return []step{
		{op: "DeleteHealthCheck", name: "in-use", code: "HealthCheckInUse", errAs: new(*types.HealthCheckInUse),
			message: "db.example.com.", call: deleteCheck(tcp)},
		{op: "DeleteHostedZone", name: "not-empty", code: "HostedZoneNotEmpty", errAs: new(*types.HostedZoneNotEmpty),
			call: deleteZone(zone)},
		{op: "ChangeResourceRecordSets", name: "delete-all", call: changeRecords("teardown", func(x *ids) []types.Change {
			var out []types.Change
			for _, rs := range []*types.ResourceRecordSet{
				aliasA(x), // before its target
				wwwA("192.0.2.3"),
				failoverA(x, types.ResourceRecordSetFailoverPrimary), failoverA(x, types.ResourceRecordSetFailoverSecondary),
				weightedA("blue", 70, "192.0.2.20"), weightedA("green", 30, "192.0.2.21"),
				latencyA("use1", types.ResourceRecordSetRegionUsEast1, "192.0.2.30"),
				latencyA("euw1", types.ResourceRecordSetRegionEuWest1, "198.51.100.30"),
			} {
				out = append(out, change(types.ChangeActionDelete, rs))
			}
			return out
		}, "", nil)},
		{op: "ListResourceRecordSets", name: "apex-only", call: listRecords(nil, 0, allRecords[:2], "")},
		{op: "DeleteHealthCheck", name: "tcp", call: deleteCheck(tcp)},
		{op: "DeleteHealthCheck", name: "http", call: deleteCheck(func(x *ids) string { return x.httpCheck })},
		{op: "DeleteHealthCheck", name: "not-found", status: http.StatusNotFound, code: "NoSuchHealthCheck",
			errAs: new(*types.NoSuchHealthCheck), call: deleteCheck(tcp)},
		// AWS refuses to reuse the CallerReference of a deleted check.
		{op: "CreateHealthCheck", name: "deleted-reference", status: http.StatusConflict, code: "HealthCheckAlreadyExists",
			errAs: new(*types.HealthCheckAlreadyExists), call: createCheck(tcpRef, tcpConfig(5432), nil)},
		{op: "ListHealthChecks", name: "empty", call: listChecks(nil, 0, func(*ids) []string { return nil }, false)},
		{op: "DeleteHostedZone", name: "ok", call: deleteZone(zone)},
		{op: "DeleteHostedZone", name: "not-found", status: http.StatusNotFound, code: "NoSuchHostedZone",
			errAs: new(*types.NoSuchHostedZone), call: deleteZone(zone)},
		{op: "ListHostedZonesByName", name: "after-delete", call: listZonesByName("", 0,
			func(x *ids) []string { return []string{x.privateZone, x.orgZone} }, "")},
	}
}

// rawSteps are requests the SDK refuses to send.
func rawSteps() []step {
	return []step{
		{op: "CreateHostedZone", name: "missing-caller-reference", code: "InvalidInput", message: "CallerReference",
			raw: &rawRequest{method: http.MethodPost, path: "/2013-04-01/hostedzone",
				body: `<?xml version="1.0" encoding="UTF-8"?>` +
					`<CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>raw.example.com</Name></CreateHostedZoneRequest>`}},
		{op: "UnknownPath", name: "not-routed", status: http.StatusNotFound, code: restxml.UnknownOperation,
			raw: &rawRequest{method: http.MethodGet, path: "/2013-04-01/nothing/here"}},
	}
}

// listTagsOf lists the tags of several resources; want holds each
// resource's tags as "key=value", in request order.
func listTagsOf(typ types.TagResourceType, resourceIDs func(x *ids) []string, want ...[]string) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		resources := resourceIDs(x)
		out, err := c.ListTagsForResources(ctx, &sdk.ListTagsForResourcesInput{ResourceType: typ, ResourceIds: resources})
		if err != nil {
			return err
		}
		if len(out.ResourceTagSets) != len(want) {
			t.Fatalf("ResourceTagSets = %+v, want %d", out.ResourceTagSets, len(want))
		}
		for i, set := range out.ResourceTagSets {
			var got []string
			for _, tag := range set.Tags {
				got = append(got, aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
			}
			bare := strings.TrimPrefix(resources[i], "/hostedzone/")
			if set.ResourceType != typ || aws.ToString(set.ResourceId) != bare || !slices.Equal(got, want[i]) {
				t.Errorf("ResourceTagSets[%d] = %s %s %q, want %s %s %q", i, set.ResourceType, aws.ToString(set.ResourceId), got, typ, bare, want[i])
			}
		}
		return nil
	}
}

// multiTagSteps list the tags of several resources at once, on the zones
// left after the teardown and a new health check.
func multiTagSteps() []step {
	replica := func(x *ids) string { return x.replicaCheck }
	org := func(x *ids) string { return x.orgZone }
	return []step{
		{op: "CreateHealthCheck", name: "replica", location: func(x *ids) string { return locationV1 + "healthcheck/" + x.replicaCheck },
			call: createCheck("hc-db-replica", tcpConfig(5433), func(t *testing.T, x *ids, id string) { x.replicaCheck = id })},
		{op: "ChangeTagsForResource", name: "replica-add", call: changeTags(types.TagResourceTypeHealthcheck, replica,
			map[string]string{"Name": "db replica"})},
		{op: "ChangeTagsForResource", name: "org-zone-add", call: changeTags(types.TagResourceTypeHostedzone, org,
			map[string]string{"env": "prod", "team": "db"})},
		{op: "ListTagsForResources", name: "zones", call: listTagsOf(types.TagResourceTypeHostedzone,
			func(x *ids) []string { return []string{x.orgZone, "/hostedzone/" + x.privateZone} },
			[]string{"env=prod", "team=db"}, nil)},
		{op: "ListTagsForResources", name: "healthchecks", call: listTagsOf(types.TagResourceTypeHealthcheck,
			func(x *ids) []string { return []string{x.replicaCheck} }, []string{"Name=db replica"})},
		{op: "ListTagsForResources", name: "no-such-healthcheck", status: http.StatusNotFound, code: "NoSuchHealthCheck",
			errAs: new(*types.NoSuchHealthCheck), message: missingHC, call: listTagsOf(types.TagResourceTypeHealthcheck,
				func(x *ids) []string { return []string{x.replicaCheck, missingHC} })},
		{op: "ListTagsForResources", name: "no-such-zone", status: http.StatusNotFound, code: "NoSuchHostedZone",
			errAs: new(*types.NoSuchHostedZone), message: missingID, call: listTagsOf(types.TagResourceTypeHostedzone,
				func(x *ids) []string { return []string{missingID} })},
		{op: "ListTagsForResources", name: "too-many", code: "InvalidInput", errAs: new(*types.InvalidInput),
			message: "Member must have length less than or equal to 10", call: listTagsOf(types.TagResourceTypeHostedzone,
				func(x *ids) []string { return slices.Repeat([]string{x.orgZone}, 11) })},
	}
}

// orgChange sends changes to example.org (left by the teardown).
func orgChange(changes ...types.Change) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		_, err := c.ChangeResourceRecordSets(ctx, &sdk.ChangeResourceRecordSetsInput{
			HostedZoneId: aws.String(x.orgZone), ChangeBatch: &types.ChangeBatch{Changes: changes},
		})
		return err
	}
}

// addressRecords returns a record set of n A records named name.
func addressRecords(name string, n int) *types.ResourceRecordSet {
	rs := &types.ResourceRecordSet{Name: aws.String(name), Type: types.RRTypeA, TTL: aws.Int64(60)}
	for i := range n {
		rs.ResourceRecords = append(rs.ResourceRecords, types.ResourceRecord{Value: aws.String(fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255))})
	}
	return rs
}

// manyCreates returns n CREATEs of one-record A sets.
func manyCreates(n int) []types.Change {
	out := make([]types.Change, n)
	for i := range out {
		out[i] = change(types.ChangeActionCreate, addressRecords(fmt.Sprintf("h%d.example.org", i), 1))
	}
	return out
}

// txtRecords returns a TXT record set of n values, each a quoted string
// of size characters (quotes included).
func txtRecords(name string, n, size int) *types.ResourceRecordSet {
	rs := &types.ResourceRecordSet{Name: aws.String(name), Type: types.RRTypeTxt, TTL: aws.Int64(60)}
	for i := range n {
		v := fmt.Sprintf(`"%03d%s"`, i, strings.Repeat("x", size-5))
		rs.ResourceRecords = append(rs.ResourceRecords, types.ResourceRecord{Value: aws.String(v)})
	}
	return rs
}

func listOrgRecords(edit func(in *sdk.ListResourceRecordSetsInput)) callFunc {
	return func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
		in := &sdk.ListResourceRecordSetsInput{HostedZoneId: aws.String(x.orgZone)}
		edit(in)
		_, err := c.ListResourceRecordSets(ctx, in)
		return err
	}
}

// limitSteps are the quotas AWS enforces on one request (issue 13).
// ChangeResourceRecordSets: "Quotas on change requests",
// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html#limits-api-requests-changeresourcerecordsets
// (1,000 ResourceRecord elements, 32,000 characters of values; an UPSERT
// counts twice) and the InvalidChangeBatch error of
// https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html.
// maxitems and type: ListResourceRecordSets' InvalidInput ("The input is
// not valid"), https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html;
// botocore's RRType enum.
func limitSteps() []step {
	return []step{
		{op: "ChangeResourceRecordSets", name: "1000-creates", call: orgChange(manyCreates(1000)...)},
		{op: "ChangeResourceRecordSets", name: "1001-creates", code: "InvalidChangeBatch", errAs: new(*types.InvalidChangeBatch),
			message: "Number of records limit of 1000 exceeded", call: orgChange(manyCreates(1001)...)},
		{op: "ChangeResourceRecordSets", name: "upsert-500-records", call: orgChange(
			change(types.ChangeActionUpsert, addressRecords("many.example.org", 500)))},
		{op: "ChangeResourceRecordSets", name: "upsert-501-records", code: "InvalidChangeBatch", errAs: new(*types.InvalidChangeBatch),
			message: "the batch has 1002 ResourceRecord elements (an UPSERT counts twice)", call: orgChange(
				change(types.ChangeActionUpsert, addressRecords("many.example.org", 501)))},
		{op: "ChangeResourceRecordSets", name: "32000-characters", call: orgChange(
			change(types.ChangeActionCreate, txtRecords("txt.example.org", 128, 250)))},
		{op: "ChangeResourceRecordSets", name: "32001-characters", code: "InvalidChangeBatch", errAs: new(*types.InvalidChangeBatch),
			message: "Number of characters limit of 32000 exceeded", call: orgChange(
				change(types.ChangeActionCreate, txtRecords("txt2.example.org", 127, 250)),
				change(types.ChangeActionCreate, txtRecords("txt3.example.org", 1, 251)))},
		{op: "ChangeResourceRecordSets", name: "upsert-characters-twice", code: "InvalidChangeBatch", errAs: new(*types.InvalidChangeBatch),
			message: "hold 64000 characters (an UPSERT counts twice)", call: orgChange(
				change(types.ChangeActionUpsert, txtRecords("txt.example.org", 128, 250)))},
		{op: "ListResourceRecordSets", name: "negative-maxitems", code: "InvalidInput", errAs: new(*types.InvalidInput),
			message: "Value '-1' at 'maxItems'", call: listOrgRecords(func(in *sdk.ListResourceRecordSetsInput) { in.MaxItems = aws.Int32(-1) })},
		{op: "ListResourceRecordSets", name: "bogus-type", code: "InvalidInput", errAs: new(*types.InvalidInput),
			message: "Value 'BOGUS' at 'startRecordType'", call: listOrgRecords(func(in *sdk.ListResourceRecordSetsInput) {
				in.StartRecordName, in.StartRecordType = aws.String("example.org"), types.RRType("BOGUS")
			})},
		{op: "ListHostedZones", name: "zero-maxitems", code: "InvalidInput", errAs: new(*types.InvalidInput),
			message: "Value '0' at 'maxItems'", call: func(t *testing.T, ctx context.Context, c *sdk.Client, x *ids) error {
				_, err := c.ListHostedZones(ctx, &sdk.ListHostedZonesInput{MaxItems: aws.Int32(0)})
				return err
			}},
	}
}
