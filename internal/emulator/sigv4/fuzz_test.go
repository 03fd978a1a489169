package sigv4

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/rds/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=abc")
	f.Add("AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/rds/aws4_request,SignedHeaders=host,Signature=")
	f.Add("AWS4-HMAC-SHA256 ,,,=,Credential=////")
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseAuthorization(h)
		if err != nil {
			if e, ok := awserr.As(err); !ok || e.Code != awserr.IncompleteSignature {
				t.Fatalf("ParseAuthorization(%q) error %v is not IncompleteSignature", h, err)
			}
			return
		}
		if a.AccessKeyID == "" || a.Signature == "" || len(a.SignedHeaders) == 0 || !isDigits(a.Date, 8) {
			t.Fatalf("ParseAuthorization(%q) accepted an incomplete header: %+v", h, a)
		}
	})
}

// FuzzVerify feeds arbitrary headers, targets and bodies to Verify: it must
// never panic, every failure must be an *awserr.Error, and a request that
// declares UNSIGNED-PAYLOAD is only ever verified for S3.
func FuzzVerify(f *testing.F) {
	valid := fuzzSeed(f, "")
	f.Add(valid.Header.Get("Authorization"), valid.Header.Get("X-Amz-Date"), "", "", valid.Host, "/", "", rdsForm)
	unsigned := fuzzSeed(f, unsignedPayload)
	f.Add(unsigned.Header.Get("Authorization"), unsigned.Header.Get("X-Amz-Date"), "", unsignedPayload, unsigned.Host, "/", "", rdsForm)
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDTEST/20250102/eu-west-1/rds/aws4_request, SignedHeaders=host;content-length, Signature=00",
		"20250102T030405Z", "", "", "h:443", "/a%zz/b", "x=%&y=+&&=", "")
	f.Add("", "", "", "", "db:5432", "/", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDTEST%2F20250102%2Fx%2Fy%2Faws4_request"+
		"&X-Amz-Date=20250102T030405Z&X-Amz-SignedHeaders=host&X-Amz-Signature=ab&X-Amz-Expires=99999999999999999999", "")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDTEST/20250102/r/s/aws4_request, SignedHeaders=host, Signature=0", "",
		"Thu, 02 Jan 2025 03:04:05 GMT", "", "", "", "", "")
	v := &Verifier{Secrets: testSecrets{}, Now: func() time.Time { return signedAt }}
	f.Fuzz(func(t *testing.T, authz, amzDate, date, contentSHA, host, path, rawQuery, body string) {
		r := &http.Request{
			Method:     http.MethodPost,
			URL:        &url.URL{Path: path, RawQuery: rawQuery},
			Header:     http.Header{},
			Host:       host,
			RequestURI: path + "?" + rawQuery,
		}
		for k, val := range map[string]string{"Authorization": authz, "X-Amz-Date": amzDate, "Date": date, "X-Amz-Content-Sha256": contentSHA} {
			if val != "" {
				r.Header.Set(k, val)
			}
		}
		id, err := v.Verify(context.Background(), r, []byte(body))
		if err != nil {
			if _, ok := awserr.As(err); !ok || id != nil {
				t.Fatalf("Verify error %v (identity %v) is not a bare *awserr.Error", err, id)
			}
			return
		}
		if id == nil {
			t.Fatal("Verify returned neither identity nor error")
		}
		if contentSHA == unsignedPayload && !id.Presigned && id.Service != unsignedPayloadService && hashHex([]byte(body)) != unsignedPayload {
			t.Fatalf("Verify accepted an unsigned %s payload", id.Service)
		}
	})
}

// fuzzSeed returns a request signed by aws-sdk-go-v2 so the fuzzer starts
// from inputs that reach the signature comparison; payloadHash "" signs
// the body's hash.
func fuzzSeed(f *testing.F, payloadHash string) *http.Request {
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", strings.NewReader(rdsForm))
	if err != nil {
		f.Fatalf("new request: %v", err)
	}
	if payloadHash == "" {
		payloadHash = hashHex([]byte(rdsForm))
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), longTerm, r, payloadHash, "rds", "eu-west-1", signedAt); err != nil {
		f.Fatalf("sign: %v", err)
	}
	r.Host = "127.0.0.1:4566"
	return r
}
