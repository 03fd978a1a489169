package emulator_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/smithy-go"

	"github.com/globaldb/globaldb/internal/emulator"
)

// startEmulator runs an emulator on free ports and a fresh data directory
// for the test. No DB instance is created, so no PostgreSQL server starts;
// the engine supervisor still needs the binaries to be installed.
func startEmulator(t *testing.T) *emulator.Emulator {
	t.Helper()
	if testing.Short() {
		t.Skip("starts an emulator and PostgreSQL servers (-short)")
	}
	if _, err := exec.LookPath("pg_config"); err != nil {
		if _, err := os.Stat("/usr/lib/postgresql"); err != nil {
			t.Skip("PostgreSQL server binaries not installed (run scripts/install-deps.sh)")
		}
	}
	dir, err := os.MkdirTemp("", "globaldb-emulator-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	e, err := emulator.New(emulator.Config{Listen: "127.0.0.1:0", DNSListen: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("close emulator: %v", err)
		}
	})
	return e
}

// recordingClient is an SDK HTTP client that keeps the last response.
type recordingClient struct {
	mu   sync.Mutex
	last *http.Response
}

func (c *recordingClient) Do(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = resp
	return resp, err
}

func (c *recordingClient) response() *http.Response {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// outcome is what a request got back.
type outcome struct {
	status  int
	code    string // error code, "" on success
	message string
	header  http.Header
}

const region = "us-east-1"

// viaSDK calls DescribeDBEngineVersions with an SDK client signing with
// key and secret.
func viaSDK(key, secret string) func(t *testing.T, ctx context.Context, endpoint string) outcome {
	return func(t *testing.T, ctx context.Context, endpoint string) outcome {
		rec := &recordingClient{}
		c := rds.New(rds.Options{
			Region: region, BaseEndpoint: aws.String(endpoint), HTTPClient: rec, Retryer: aws.NopRetryer{},
			Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
		})
		out, err := c.DescribeDBEngineVersions(ctx, &rds.DescribeDBEngineVersionsInput{Engine: aws.String("aurora-postgresql")})
		resp := rec.response()
		if resp == nil {
			t.Fatalf("no response: %v", err)
		}
		o := outcome{status: resp.StatusCode, header: resp.Header}
		var apiErr smithy.APIError
		switch {
		case errors.As(err, &apiErr):
			o.code, o.message = apiErr.ErrorCode(), apiErr.ErrorMessage()
		case err != nil:
			t.Fatalf("DescribeDBEngineVersions: %v", err)
		case len(out.DBEngineVersions) == 0:
			t.Errorf("DBEngineVersions is empty")
		}
		return o
	}
}

// viaRaw POSTs a DescribeDBEngineVersions form, signed with test/test at
// signedAt unless signedAt is zero (then unsigned).
func viaRaw(signedAt func() time.Time) func(t *testing.T, ctx context.Context, endpoint string) outcome {
	return func(t *testing.T, ctx context.Context, endpoint string) outcome {
		const form = "Action=DescribeDBEngineVersions&Version=2014-10-31"
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		if signedAt != nil {
			sum := sha256.Sum256([]byte(form))
			creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
			if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "rds", region, signedAt()); err != nil {
				t.Fatalf("sign: %v", err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			XMLName xml.Name
			Error   struct{ Code, Message string }
		}
		if err := xml.Unmarshal(body, &env); err != nil {
			t.Fatalf("response is not XML: %v\n%s", err, body)
		}
		return outcome{status: resp.StatusCode, code: env.Error.Code, message: env.Error.Message, header: resp.Header}
	}
}

func TestEmulator_Start_signatures(t *testing.T) {
	e := startEmulator(t)
	ctx := context.Background()
	tests := []struct {
		name        string
		send        func(t *testing.T, ctx context.Context, endpoint string) outcome
		wantStatus  int
		wantCode    string
		wantMessage string
	}{
		{name: "right credentials", send: viaSDK("test", "test"), wantStatus: http.StatusOK},
		{name: "wrong secret", send: viaSDK("test", "not-the-secret"), wantStatus: http.StatusForbidden,
			wantCode: "SignatureDoesNotMatch", wantMessage: "does not match the signature you provided"},
		{name: "unknown key", send: viaSDK("AKIDUNKNOWN", "test"), wantStatus: http.StatusForbidden,
			wantCode: "InvalidClientTokenId", wantMessage: "security token included in the request is invalid"},
		{name: "unsigned", send: viaRaw(nil), wantStatus: http.StatusForbidden,
			wantCode: "MissingAuthenticationToken", wantMessage: "Request is missing Authentication Token"},
		{name: "signed 20 minutes ago", send: viaRaw(func() time.Time { return time.Now().Add(-20 * time.Minute) }),
			wantStatus: http.StatusBadRequest, wantCode: "RequestExpired", wantMessage: "Signature expired"},
		{name: "signed now, raw", send: viaRaw(time.Now), wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.send(t, ctx, e.Endpoint())
			if got.status != tt.wantStatus || got.code != tt.wantCode {
				t.Errorf("got %d %q (%s), want %d %q", got.status, got.code, got.message, tt.wantStatus, tt.wantCode)
			}
			if !strings.Contains(got.message, tt.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", got.message, tt.wantMessage)
			}
			for _, h := range []string{"x-amzn-RequestId", "Date"} {
				if got.header.Get(h) == "" {
					t.Errorf("response has no %s header: %v", h, got.header)
				}
			}
		})
	}
}

func TestEmulator_Start_health(t *testing.T) {
	e := startEmulator(t)
	resp, err := http.Get(e.Endpoint() + "/_globaldb/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var health struct {
		Status   string   `json:"status"`
		Endpoint string   `json:"endpoint"`
		Services []string `json:"services"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&health); err != nil {
		t.Fatalf("decode health: %v", err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("status %d, Content-Type %q; want 200 application/json", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if health.Status != "ready" || health.Endpoint != e.Endpoint() || len(health.Services) == 0 {
		t.Errorf("health = %+v, want ready at %s", health, e.Endpoint())
	}
}
