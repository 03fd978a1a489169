package sigv4

import (
	"cmp"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// signedAt is when the test requests are signed.
var signedAt = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

const (
	testKey     = "AKIDTEST"
	testSecret  = "s3cr3t/with+chars"
	tempKey     = "ASIATEMP"
	tempSecret  = "temp-secret"
	tempToken   = "FwoGZXIvYXdzEBc//token+with/slashes=="
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	rdsForm     = "Action=DescribeDBEngineVersions&Version=2014-10-31"
)

// testSecrets knows one long-term key and one temporary key.
type testSecrets struct{}

func (testSecrets) Secret(_ context.Context, id string) (string, string, bool) {
	switch id {
	case testKey:
		return testSecret, "", true
	case tempKey:
		return tempSecret, tempToken, true
	}
	return "", "", false
}

var (
	longTerm  = aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}
	temporary = aws.Credentials{AccessKeyID: tempKey, SecretAccessKey: tempSecret, SessionToken: tempToken}
)

// verification is what the test server's handler observed.
type verification struct {
	id  *Identity
	err error
}

// serve starts a real HTTP server whose handler runs v.Verify on every
// request and reports the outcome.
func serve(t *testing.T, v *Verifier) (string, <-chan verification) {
	t.Helper()
	results := make(chan verification, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			results <- verification{err: err}
			return
		}
		id, err := v.Verify(r.Context(), r, body)
		results <- verification{id: id, err: err}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, results
}

// request describes a request to build, sign with aws-sdk-go-v2, and
// possibly alter before it is sent.
type request struct {
	method, target, body string
	header               map[string]string
	host                 string // overrides the Host header
	creds                aws.Credentials
	service, region      string
	unsignedLength       bool   // sign like botocore: content-length not signed
	payloadHash          string // signed payload hash; "" means the body's (presigned: empty body's)
	presign              bool
	noSign               bool
	after                func(r *http.Request) // runs after signing
}

// send builds, signs and sends rq to base and returns the verification.
func send(t *testing.T, base string, results <-chan verification, rq request) verification {
	t.Helper()
	ctx := context.Background()
	req, err := http.NewRequestWithContext(ctx, rq.method, base+rq.target, strings.NewReader(rq.body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	if rq.host != "" {
		req.Host = rq.host
	}
	signer := v4.NewSigner()
	switch {
	case rq.noSign:
	case rq.presign:
		hash := cmp.Or(rq.payloadHash, emptySHA256)
		uri, hdr, err := signer.PresignHTTP(ctx, rq.creds, req, hash, rq.service, rq.region, signedAt)
		if err != nil {
			t.Fatalf("presign: %v", err)
		}
		req, err = http.NewRequestWithContext(ctx, rq.method, uri, strings.NewReader(rq.body))
		if err != nil {
			t.Fatalf("new presigned request: %v", err)
		}
		for k, vs := range hdr {
			if k != "Host" {
				req.Header[k] = vs
			}
		}
		req.Host = hdr.Get("Host")
	default:
		length := req.ContentLength
		if rq.unsignedLength {
			req.ContentLength = 0
		}
		hash := cmp.Or(rq.payloadHash, hashHex([]byte(rq.body)))
		if err := signer.SignHTTP(ctx, rq.creds, req, hash, rq.service, rq.region, signedAt); err != nil {
			t.Fatalf("sign: %v", err)
		}
		req.ContentLength = length
	}
	if rq.after != nil {
		rq.after(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	resp.Body.Close()
	return <-results
}

func rdsPost(creds aws.Credentials) request {
	return request{
		method: http.MethodPost, target: "/", body: rdsForm,
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
		creds:  creds, service: "rds", region: "eu-west-1",
	}
}

func with(r request, f func(*request)) request {
	f(&r)
	return r
}

func TestVerifier_Verify(t *testing.T) {
	okID := Identity{AccessKeyID: testKey, Region: "eu-west-1", Service: "rds"}
	tests := []struct {
		name     string
		req      request
		now      time.Time // zero: signedAt + 1m
		wantCode string    // "" means verified
		wantID   Identity
	}{
		{name: "query POST, content-length signed (Go SDK)", req: rdsPost(longTerm), wantID: okID},
		{name: "query POST, content-length unsigned (botocore)",
			req: with(rdsPost(longTerm), func(r *request) { r.unsignedLength = true }), wantID: okID},
		{name: "GET with escaped query", req: request{
			method: http.MethodGet, target: "/2013-04-01/testdnsanswer?recordname=a%20b.example.com&recordtype=A&hostedzoneid=Z1~x",
			creds: longTerm, service: "route53", region: "eu-west-1",
		}, wantID: Identity{AccessKeyID: testKey, Region: "eu-west-1", Service: "route53"}},
		{name: "Route 53 REST path with escapes", req: request{
			method: http.MethodPost, target: "/2013-04-01/hostedzone/Z1%3Ax/rrset/",
			body:  `<?xml version="1.0"?><ChangeResourceRecordSetsRequest/>`,
			creds: longTerm, service: "route53", region: "us-east-1",
		}, wantID: Identity{AccessKeyID: testKey, Region: "us-east-1", Service: "route53"}},
		{name: "presigned RDS IAM auth token", req: request{
			method: http.MethodGet, target: "/?Action=connect&DBUser=app%20user&X-Amz-Expires=900",
			creds: longTerm, service: "rds-db", region: "eu-west-1", presign: true,
		}, wantID: Identity{AccessKeyID: testKey, Region: "eu-west-1", Service: "rds-db", Presigned: true}},
		{name: "temporary credentials", req: rdsPost(temporary),
			wantID: Identity{AccessKeyID: tempKey, Region: "eu-west-1", Service: "rds", SessionToken: tempToken}},
		{name: "temporary credentials presigned", req: request{
			method: http.MethodGet, target: "/?Action=connect&DBUser=u&X-Amz-Expires=60",
			creds: temporary, service: "rds-db", region: "eu-west-1", presign: true,
		}, wantID: Identity{AccessKeyID: tempKey, Region: "eu-west-1", Service: "rds-db", SessionToken: tempToken, Presigned: true}},
		{name: "unsigned extra headers added after signing", req: with(rdsPost(longTerm), func(r *request) {
			r.after = func(h *http.Request) {
				h.Header.Set("Accept-Encoding", "gzip")
				h.Header.Set("X-Forwarded-For", "10.0.0.1")
				h.Header.Set("User-Agent", "terraform")
			}
		}), wantID: okID},
		{name: "default port stripped by the signer", req: with(rdsPost(longTerm), func(r *request) { r.host = "rds.example:80" }), wantID: okID},
		{name: "non-default port kept by the signer", req: with(rdsPost(longTerm), func(r *request) { r.host = "rds.example:443" }), wantID: okID},
		{name: "wrong secret", req: rdsPost(aws.Credentials{AccessKeyID: testKey, SecretAccessKey: "wrong"}),
			wantCode: awserr.SignatureDoesNotMatch},
		{name: "unknown key", req: rdsPost(aws.Credentials{AccessKeyID: "AKIDNOPE", SecretAccessKey: testSecret}),
			wantCode: awserr.InvalidClientTokenID},
		{name: "no auth", req: with(rdsPost(longTerm), func(r *request) { r.noSign = true }),
			wantCode: awserr.MissingAuthenticationToken},
		{name: "garbage Authorization", req: with(rdsPost(longTerm), func(r *request) {
			r.after = func(h *http.Request) { h.Header.Set("Authorization", "garbage") }
		}), wantCode: awserr.IncompleteSignature},
		{name: "Authorization without Signature", req: with(rdsPost(longTerm), func(r *request) {
			r.after = func(h *http.Request) {
				a := h.Header.Get("Authorization")
				h.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
			}
		}), wantCode: awserr.IncompleteSignature},
		{name: "missing X-Amz-Date", req: with(rdsPost(longTerm), func(r *request) {
			r.after = func(h *http.Request) { h.Header.Del("X-Amz-Date") }
		}), wantCode: awserr.IncompleteSignature},
		{name: "signed 20 minutes ago", req: rdsPost(longTerm), now: signedAt.Add(20 * time.Minute),
			wantCode: awserr.RequestExpired},
		{name: "signed 20 minutes ahead", req: rdsPost(longTerm), now: signedAt.Add(-20 * time.Minute),
			wantCode: awserr.RequestExpired},
		{name: "tampered body", req: with(rdsPost(longTerm), func(r *request) {
			r.after = func(h *http.Request) {
				h.Body = io.NopCloser(strings.NewReader(strings.Replace(rdsForm, "Describe", "Deleted_", 1)))
			}
		}), wantCode: awserr.SignatureDoesNotMatch},
		{name: "signed header changed", req: with(rdsPost(longTerm), func(r *request) {
			r.after = func(h *http.Request) { h.Header.Set("Content-Type", "text/plain") }
		}), wantCode: awserr.SignatureDoesNotMatch},
		{name: "temporary key without session token", req: with(rdsPost(temporary), func(r *request) {
			r.after = func(h *http.Request) { h.Header.Del("X-Amz-Security-Token") }
		}), wantCode: awserr.InvalidClientTokenID},
		{name: "temporary key with wrong session token",
			req:      rdsPost(aws.Credentials{AccessKeyID: tempKey, SecretAccessKey: tempSecret, SessionToken: "other"}),
			wantCode: awserr.InvalidClientTokenID},
		{name: "long-term key with a session token",
			req:      rdsPost(aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret, SessionToken: "t"}),
			wantCode: awserr.InvalidClientTokenID},
		{name: "presigned URL past X-Amz-Expires", req: request{
			method: http.MethodGet, target: "/?Action=connect&DBUser=u&X-Amz-Expires=900",
			creds: longTerm, service: "rds-db", region: "eu-west-1", presign: true,
		}, now: signedAt.Add(16 * time.Minute), wantCode: awserr.RequestExpired},
		{name: "presigned URL with tampered query", req: request{
			method: http.MethodGet, target: "/?Action=connect&DBUser=u&X-Amz-Expires=900",
			creds: longTerm, service: "rds-db", region: "eu-west-1", presign: true,
			after: func(h *http.Request) { h.URL.RawQuery = strings.Replace(h.URL.RawQuery, "DBUser=u", "DBUser=root", 1) },
		}, wantCode: awserr.SignatureDoesNotMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := tt.now
			if now.IsZero() {
				now = signedAt.Add(time.Minute)
			}
			base, results := serve(t, &Verifier{Secrets: testSecrets{}, Now: func() time.Time { return now }})
			got := send(t, base, results, tt.req)
			assertOutcome(t, got, tt.wantCode, tt.wantID)
		})
	}
}

// TestVerifier_VerifyPayload checks that the body is signed: only S3 may
// declare UNSIGNED-PAYLOAD (issue 13), and a presigned URL leaves nothing
// unsigned because it carries no body.
func TestVerifier_VerifyPayload(t *testing.T) {
	const (
		describe = "Action=DescribeDBClusters&Version=2014-10-31"
		create   = "Action=CreateGlobalCluster&Version=2014-10-31&GlobalClusterIdentifier=evil&Engine=aurora-postgresql"
	)
	// unsigned signs describe for service with UNSIGNED-PAYLOAD, declared
	// in a signed x-amz-content-sha256 header; content-length is not signed
	// (botocore), so the body can be swapped without touching a signed header.
	unsigned := func(service string) request {
		return request{
			method: http.MethodPost, target: "/", body: describe, service: service, region: "eu-west-1", creds: longTerm,
			header: map[string]string{
				"Content-Type":         "application/x-www-form-urlencoded; charset=utf-8",
				"X-Amz-Content-Sha256": unsignedPayload,
			},
			payloadHash: unsignedPayload, unsignedLength: true,
		}
	}
	swapBody := func(body string) func(*http.Request) {
		return func(h *http.Request) {
			h.Body, h.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
		}
	}
	okID := func(service string, presigned bool) Identity {
		return Identity{AccessKeyID: testKey, Region: "eu-west-1", Service: service, Presigned: presigned}
	}
	tests := []struct {
		name     string
		req      request
		wantCode string
		wantID   Identity
	}{
		{name: "rds: UNSIGNED-PAYLOAD, body swapped for CreateGlobalCluster",
			req: with(unsigned("rds"), func(r *request) { r.after = swapBody(create) }), wantCode: awserr.SignatureDoesNotMatch},
		{name: "rds: UNSIGNED-PAYLOAD, body as sent", req: unsigned("rds"), wantCode: awserr.SignatureDoesNotMatch},
		{name: "iam: UNSIGNED-PAYLOAD", req: unsigned("iam"), wantCode: awserr.SignatureDoesNotMatch},
		{name: "sts: UNSIGNED-PAYLOAD", req: unsigned("sts"), wantCode: awserr.SignatureDoesNotMatch},
		{name: "route53: UNSIGNED-PAYLOAD", req: unsigned("route53"), wantCode: awserr.SignatureDoesNotMatch},
		{name: "s3: UNSIGNED-PAYLOAD is accepted", req: with(unsigned("s3"), func(r *request) { r.after = swapBody(create) }),
			wantID: okID("s3", false)},
		{name: "rds: body hash declared in x-amz-content-sha256", req: with(rdsPost(longTerm), func(r *request) {
			r.header = map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "X-Amz-Content-Sha256": hashHex([]byte(rdsForm))}
		}), wantID: okID("rds", false)},
		{name: "rds: declared hash is not the body's", req: with(rdsPost(longTerm), func(r *request) {
			r.header = map[string]string{"X-Amz-Content-Sha256": emptySHA256}
		}), wantCode: awserr.SignatureDoesNotMatch},
		{name: "presigned UNSIGNED-PAYLOAD without a body (botocore)", req: request{
			method: http.MethodGet, target: "/?Action=connect&DBUser=u&X-Amz-Expires=900", payloadHash: unsignedPayload,
			creds: longTerm, service: "rds-db", region: "eu-west-1", presign: true,
		}, wantID: okID("rds-db", true)},
		{name: "presigned UNSIGNED-PAYLOAD with a body", req: request{
			method: http.MethodPost, target: "/?Action=DescribeDBClusters&Version=2014-10-31", body: create, payloadHash: unsignedPayload,
			creds: longTerm, service: "rds", region: "eu-west-1", presign: true,
		}, wantCode: awserr.SignatureDoesNotMatch},
		{name: "signed header present but empty", req: with(rdsPost(longTerm), func(r *request) {
			r.header = map[string]string{"X-Amz-Meta-Note": ""}
		}), wantID: okID("rds", false)},
		{name: "signed header absent", req: with(rdsPost(longTerm), func(r *request) {
			r.header = map[string]string{"X-Amz-Meta-Note": ""}
			r.after = func(h *http.Request) { h.Header.Del("X-Amz-Meta-Note") }
		}), wantCode: awserr.SignatureDoesNotMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, results := serve(t, &Verifier{Secrets: testSecrets{}, Now: func() time.Time { return signedAt.Add(time.Minute) }})
			got := send(t, base, results, tt.req)
			assertOutcome(t, got, tt.wantCode, tt.wantID)
		})
	}
}

// assertOutcome checks a verification against the expected error code, or
// against the expected identity when wantCode is "".
func assertOutcome(t *testing.T, got verification, wantCode string, wantID Identity) {
	t.Helper()
	if wantCode == "" {
		if got.err != nil {
			t.Fatalf("Verify: unexpected error %v", got.err)
		}
		if *got.id != wantID {
			t.Fatalf("Verify identity = %+v, want %+v", *got.id, wantID)
		}
		return
	}
	e, ok := awserr.As(got.err)
	if !ok {
		t.Fatalf("Verify error = %v, want *awserr.Error %s", got.err, wantCode)
	}
	if e.Code != wantCode {
		t.Fatalf("Verify error code = %s (%s), want %s", e.Code, e.Message, wantCode)
	}
	if got.id != nil {
		t.Fatalf("Verify returned identity %+v with an error", got.id)
	}
}

// TestVerifier_VerifyAWSExample checks the worked example of the AWS
// documentation (IAM ListUsers, signature 5d672d79...), which no SDK produced
// in this test run.
func TestVerifier_VerifyAWSExample(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "+
		"SignedHeaders=content-type;host;x-amz-date, "+
		"Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
	v := &Verifier{
		Secrets: StaticSecrets{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
		Now:     func() time.Time { return time.Date(2015, 8, 30, 12, 40, 0, 0, time.UTC) },
	}
	id, err := v.Verify(context.Background(), r, nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := Identity{AccessKeyID: "AKIDEXAMPLE", Region: "us-east-1", Service: "iam"}
	if *id != want {
		t.Fatalf("identity = %+v, want %+v", *id, want)
	}
}

func TestVerifier_VerifyMessages(t *testing.T) {
	now := signedAt.Add(20 * time.Minute)
	base, results := serve(t, &Verifier{Secrets: testSecrets{}, Now: func() time.Time { return now }})
	tests := []struct {
		name string
		req  request
		want string
	}{
		{name: "expired", req: rdsPost(longTerm),
			want: "Signature expired: 20250102T030405Z is now earlier than 20250102T030905Z (20250102T032405Z - 15 min.)"},
		{name: "no auth", req: with(rdsPost(longTerm), func(r *request) { r.noSign = true }),
			want: "Request is missing Authentication Token"},
		{name: "unknown key", req: rdsPost(aws.Credentials{AccessKeyID: "nope", SecretAccessKey: "x"}),
			want: "The security token included in the request is invalid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := send(t, base, results, tt.req)
			e, ok := awserr.As(got.err)
			if !ok || e.Message != tt.want {
				t.Fatalf("Verify error = %v, want message %q", got.err, tt.want)
			}
		})
	}
}
