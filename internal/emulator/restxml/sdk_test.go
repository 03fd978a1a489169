package restxml

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
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

func (h *recordingHandler) last(t *testing.T) *Call {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.calls) != 1 {
		t.Fatalf("handler saw %d calls, want 1", len(h.calls))
	}
	return h.calls[0]
}

// newRoute53Client serves h with the Route 53 codec and returns an SDK
// client pointed at it.
func newRoute53Client(t *testing.T, h Handler) *route53.Client {
	t.Helper()
	codec := route53Codec(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read body: %v", err)
			return
		}
		codec.Serve(r.Context(), w, r, body, CallMeta{Region: "us-east-1", RequestID: "req-sdk", AccessKeyID: "test"}, h)
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}
	return route53.NewFromConfig(cfg, func(o *route53.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		o.RetryMaxAttempts = 1
	})
}

func TestCodec_Serve_sdkRoundTrip(t *testing.T) {
	ctx := context.Background()
	t.Run("CreateHostedZone", func(t *testing.T) {
		h := &recordingHandler{doc: createHostedZoneDoc()}
		out, err := newRoute53Client(t, h).CreateHostedZone(ctx, &route53.CreateHostedZoneInput{
			Name: aws.String("example.com"), CallerReference: aws.String("ref-1"),
			HostedZoneConfig: &types.HostedZoneConfig{Comment: aws.String("drtool"), PrivateZone: false},
		})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Location) != "https://route53.amazonaws.com/2013-04-01/hostedzone/"+zoneID {
			t.Errorf("Location = %q", aws.ToString(out.Location))
		}
		if aws.ToString(out.HostedZone.Id) != "/hostedzone/"+zoneID || aws.ToInt64(out.HostedZone.ResourceRecordSetCount) != 2 {
			t.Errorf("HostedZone = %+v", out.HostedZone)
		}
		if len(out.DelegationSet.NameServers) != 4 || out.ChangeInfo.Status != types.ChangeStatusPending ||
			!aws.ToTime(out.ChangeInfo.SubmittedAt).Equal(submitted.Truncate(1e6)) || aws.ToString(out.ChangeInfo.Comment) != "Failover & <more>" {
			t.Errorf("output = %+v %+v", out.DelegationSet, out.ChangeInfo)
		}
		call := h.last(t)
		want := map[string]any{
			"Name": "example.com", "CallerReference": "ref-1",
			"HostedZoneConfig": map[string]any{"Comment": "drtool"}, // the SDK omits PrivateZone=false
		}
		if call.Operation != "CreateHostedZone" || !reflect.DeepEqual(call.Params, want) || call.Region != "us-east-1" || call.RequestID != "req-sdk" {
			t.Errorf("call = %+v", call)
		}
	})
	t.Run("ChangeResourceRecordSets", func(t *testing.T) {
		h := &recordingHandler{doc: map[string]any{"ChangeInfo": changeInfo("PENDING")}}
		_, err := newRoute53Client(t, h).ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
			HostedZoneId: aws.String("/hostedzone/" + zoneID), // the SDK strips the prefix
			ChangeBatch: &types.ChangeBatch{Changes: []types.Change{
				{Action: types.ChangeActionCreate, ResourceRecordSet: &types.ResourceRecordSet{
					Name: aws.String("db.example.com"), Type: types.RRTypeA, SetIdentifier: aws.String("primary"),
					Failover: types.ResourceRecordSetFailoverPrimary, TTL: aws.Int64(60), HealthCheckId: aws.String("hc-1"),
					ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.10")}},
				}},
				{Action: types.ChangeActionUpsert, ResourceRecordSet: &types.ResourceRecordSet{
					Name: aws.String("www.example.com"), Type: types.RRTypeA,
					AliasTarget: &types.AliasTarget{HostedZoneId: aws.String("Z2"), DNSName: aws.String("lb.example.com"), EvaluateTargetHealth: true},
				}},
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"HostedZoneId": zoneID,
			"ChangeBatch": map[string]any{"Changes": []any{
				map[string]any{"Action": "CREATE", "ResourceRecordSet": map[string]any{
					"Name": "db.example.com", "Type": "A", "SetIdentifier": "primary", "Failover": "PRIMARY", "TTL": int64(60),
					"HealthCheckId": "hc-1", "ResourceRecords": []any{map[string]any{"Value": "192.0.2.10"}},
				}},
				map[string]any{"Action": "UPSERT", "ResourceRecordSet": map[string]any{
					"Name": "www.example.com", "Type": "A",
					"AliasTarget": map[string]any{"HostedZoneId": "Z2", "DNSName": "lb.example.com", "EvaluateTargetHealth": true},
				}},
			}},
		}
		if call := h.last(t); !reflect.DeepEqual(call.Params, want) {
			t.Errorf("params = %#v\nwant %#v", call.Params, want)
		}
	})
	t.Run("ListResourceRecordSets", func(t *testing.T) {
		h := &recordingHandler{doc: rrsetsDoc()}
		out, err := newRoute53Client(t, h).ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{
			HostedZoneId: aws.String(zoneID), StartRecordName: aws.String("db.example.com."), StartRecordType: types.RRTypeCname,
			StartRecordIdentifier: aws.String("primary us"), MaxItems: aws.Int32(2),
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"HostedZoneId": zoneID, "StartRecordName": "db.example.com.", "StartRecordType": "CNAME",
			"StartRecordIdentifier": "primary us", "MaxItems": "2"}
		if call := h.last(t); !reflect.DeepEqual(call.Params, want) {
			t.Errorf("params = %v, want %v", call.Params, want)
		}
		if !out.IsTruncated || aws.ToString(out.NextRecordName) != "zz.example.com." || aws.ToInt32(out.MaxItems) != 2 || len(out.ResourceRecordSets) != 2 {
			t.Fatalf("output = %+v", out)
		}
		p, a := out.ResourceRecordSets[0], out.ResourceRecordSets[1]
		if p.Failover != types.ResourceRecordSetFailoverPrimary || aws.ToInt64(p.TTL) != 60 || aws.ToString(p.HealthCheckId) == "" ||
			len(p.ResourceRecords) != 1 || aws.ToString(p.ResourceRecords[0].Value) != "app.cluster-abc.us-east-1.rds.amazonaws.com" {
			t.Errorf("failover record = %+v", p)
		}
		if a.AliasTarget == nil || !a.AliasTarget.EvaluateTargetHealth || aws.ToString(a.AliasTarget.DNSName) != "lb.example.com." {
			t.Errorf("alias record = %+v", a)
		}
	})
	t.Run("GetHealthCheckStatus", func(t *testing.T) {
		h := &recordingHandler{doc: healthCheckStatusDoc()}
		out, err := newRoute53Client(t, h).GetHealthCheckStatus(ctx, &route53.GetHealthCheckStatusInput{HealthCheckId: aws.String("hc-1")})
		if err != nil {
			t.Fatal(err)
		}
		if got := h.last(t).Params; !reflect.DeepEqual(got, map[string]any{"HealthCheckId": "hc-1"}) {
			t.Errorf("params = %v", got)
		}
		if len(out.HealthCheckObservations) != 2 {
			t.Fatalf("observations = %+v", out.HealthCheckObservations)
		}
		o := out.HealthCheckObservations[1]
		if o.Region != types.HealthCheckRegionEuWest1 || aws.ToString(o.IPAddress) != "176.34.159.192" || o.StatusReport == nil ||
			aws.ToString(o.StatusReport.Status) != "Failure: Connection timed out." || !aws.ToTime(o.StatusReport.CheckedTime).Equal(submitted.Truncate(1e6)) {
			t.Errorf("observation = %+v %+v", o, o.StatusReport)
		}
	})
	t.Run("CreateHealthCheck", func(t *testing.T) {
		h := &recordingHandler{doc: map[string]any{"HealthCheck": healthCheck(), "Location": "https://route53.amazonaws.com/2013-04-01/healthcheck/hc-1"}}
		out, err := newRoute53Client(t, h).CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{
			CallerReference: aws.String("hc-primary-2026"),
			HealthCheckConfig: &types.HealthCheckConfig{
				Type: types.HealthCheckTypeTcp, FullyQualifiedDomainName: aws.String("app.example.com"), Port: aws.Int32(5432),
				RequestInterval: aws.Int32(10), FailureThreshold: aws.Int32(2),
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"CallerReference": "hc-primary-2026", "HealthCheckConfig": map[string]any{
			"Type": "TCP", "FullyQualifiedDomainName": "app.example.com", "Port": int64(5432), "RequestInterval": int64(10), "FailureThreshold": int64(2),
		}}
		if call := h.last(t); !reflect.DeepEqual(call.Params, want) {
			t.Errorf("params = %v, want %v", call.Params, want)
		}
		if aws.ToString(out.Location) == "" || out.HealthCheck.HealthCheckConfig.Type != types.HealthCheckTypeTcp || len(out.HealthCheck.HealthCheckConfig.Regions) != 3 {
			t.Errorf("output = %+v", out.HealthCheck)
		}
	})
}

func TestCodec_Serve_sdkErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("NoSuchHostedZone", func(t *testing.T) {
		h := &recordingHandler{err: awserr.New("NoSuchHostedZone", "No hosted zone found with ID: Z404")}
		_, err := newRoute53Client(t, h).GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String("Z404")})
		var e *types.NoSuchHostedZone
		if !errors.As(err, &e) || e.ErrorMessage() != "No hosted zone found with ID: Z404" {
			t.Fatalf("err = %v, want *types.NoSuchHostedZone", err)
		}
		var re interface{ HTTPStatusCode() int }
		if !errors.As(err, &re) || re.HTTPStatusCode() != 404 {
			t.Errorf("status = %v", err)
		}
	})
	t.Run("InvalidChangeBatch", func(t *testing.T) {
		msgs := []string{"Tried to create resource record set [name='a.example.com.', type='A'] but it already exists", "second & <last>"}
		h := &recordingHandler{err: &awserr.Error{Code: "InvalidChangeBatch", Messages: msgs}}
		_, err := newRoute53Client(t, h).ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
			HostedZoneId: aws.String("Z1"),
			ChangeBatch: &types.ChangeBatch{Changes: []types.Change{{Action: types.ChangeActionCreate,
				ResourceRecordSet: &types.ResourceRecordSet{Name: aws.String("a.example.com"), Type: types.RRTypeA}}}},
		})
		var e *types.InvalidChangeBatch
		if !errors.As(err, &e) || !reflect.DeepEqual(e.Messages, msgs) {
			t.Fatalf("err = %#v, want *types.InvalidChangeBatch with %q", err, msgs)
		}
	})
	t.Run("HealthCheckAlreadyExists", func(t *testing.T) {
		h := &recordingHandler{err: awserr.New("HealthCheckAlreadyExists", "exists")}
		_, err := newRoute53Client(t, h).CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{
			CallerReference: aws.String("r"), HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp},
		})
		var e *types.HealthCheckAlreadyExists
		if !errors.As(err, &e) {
			t.Fatalf("err = %v, want *types.HealthCheckAlreadyExists", err)
		}
	})
	t.Run("internal error", func(t *testing.T) {
		h := &recordingHandler{err: errors.New("boom")}
		_, err := newRoute53Client(t, h).GetChange(ctx, &route53.GetChangeInput{Id: aws.String("C1")})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InternalFailure" || ae.ErrorMessage() != internalMessage {
			t.Fatalf("err = %v, want InternalFailure", err)
		}
	})
	t.Run("encode failure is internal", func(t *testing.T) {
		h := &recordingHandler{doc: map[string]any{"NotAMember": 1}}
		_, err := newRoute53Client(t, h).GetChange(ctx, &route53.GetChangeInput{Id: aws.String("C1")})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InternalFailure" {
			t.Fatalf("err = %v, want InternalFailure", err)
		}
	})
}

func TestCodec_Serve_unknownRoute(t *testing.T) {
	c := route53Codec(t)
	r := httptest.NewRequest(http.MethodGet, "/2013-04-01/nothing/here", nil)
	w := httptest.NewRecorder()
	c.Serve(context.Background(), w, r, nil, CallMeta{RequestID: "req-x"}, HandlerFunc(func(context.Context, *Call) (map[string]any, error) {
		t.Error("handler called for an unknown route")
		return nil, nil
	}))
	if w.Code != http.StatusNotFound || w.Header().Get("x-amzn-RequestId") != "req-x" {
		t.Errorf("response = %d %v", w.Code, w.Header())
	}
	golden(t, "serve_unknown_route.xml", w.Body.Bytes())
}
