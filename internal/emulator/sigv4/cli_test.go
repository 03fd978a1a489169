package sigv4

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// recorder is an RDS-shaped endpoint that verifies every request and
// records the outcome.
type recorder struct {
	v  *Verifier
	mu sync.Mutex
	vs []verification
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, err := rec.v.Verify(r.Context(), r, body)
	rec.mu.Lock()
	rec.vs = append(rec.vs, verification{id: id, err: err})
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", "req-1")
	if e, ok := awserr.As(err); ok {
		status, _ := awserr.CommonStatus(e.Code)
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>`+
			`<RequestId>req-1</RequestId></ErrorResponse>`, e.Code, e.Message)
		return
	}
	fmt.Fprint(w, `<DescribeDBEngineVersionsResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">`+
		`<DescribeDBEngineVersionsResult><DBEngineVersions/></DescribeDBEngineVersionsResult>`+
		`<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></DescribeDBEngineVersionsResponse>`)
}

func (rec *recorder) take() []verification {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	vs := rec.vs
	rec.vs = nil
	return vs
}

// awsCLI runs the aws CLI with only the given credentials in its
// environment (no config files, no instance metadata, no retries).
func awsCLI(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", args...)
	dir := t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env,
		"AWS_CONFIG_FILE="+filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_MAX_ATTEMPTS=1",
		"AWS_PAGER=",
	)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// TestVerifier_VerifyAWSCLI signs real requests with aws-cli v1 (botocore)
// and checks what the verifier made of them.
func TestVerifier_VerifyAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH; skipping the botocore end-to-end test")
	}
	if testing.Short() {
		t.Skip("starts the aws CLI; skipped with -short")
	}
	rec := &recorder{v: &Verifier{Secrets: testSecrets{}}}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)

	tests := []struct {
		name     string
		env      map[string]string
		wantCode string
		wantID   Identity
	}{
		{name: "right secret", env: map[string]string{"AWS_ACCESS_KEY_ID": testKey, "AWS_SECRET_ACCESS_KEY": testSecret},
			wantID: Identity{AccessKeyID: testKey, Region: "eu-west-1", Service: "rds"}},
		{name: "temporary credentials", env: map[string]string{
			"AWS_ACCESS_KEY_ID": tempKey, "AWS_SECRET_ACCESS_KEY": tempSecret, "AWS_SESSION_TOKEN": tempToken},
			wantID: Identity{AccessKeyID: tempKey, Region: "eu-west-1", Service: "rds", SessionToken: tempToken}},
		{name: "wrong secret", env: map[string]string{"AWS_ACCESS_KEY_ID": testKey, "AWS_SECRET_ACCESS_KEY": "wrong"},
			wantCode: awserr.SignatureDoesNotMatch},
		{name: "unknown key", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIDUNKNOWN", "AWS_SECRET_ACCESS_KEY": testSecret},
			wantCode: awserr.InvalidClientTokenID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := awsCLI(t, tt.env, "rds", "describe-db-engine-versions",
				"--endpoint-url", srv.URL, "--region", "eu-west-1")
			vs := rec.take()
			if len(vs) != 1 {
				t.Fatalf("server saw %d requests, want 1 (stderr: %s)", len(vs), stderr)
			}
			assertOutcome(t, vs[0], tt.wantCode, tt.wantID)
			if tt.wantCode == "" && err != nil {
				t.Fatalf("aws CLI failed: %v: %s", err, stderr)
			}
			if tt.wantCode != "" && (err == nil || !strings.Contains(stderr, tt.wantCode)) {
				t.Fatalf("aws CLI err = %v, stderr %q; want failure naming %s", err, stderr, tt.wantCode)
			}
		})
	}
}

// TestVerifier_VerifyAWSCLIAuthToken verifies an RDS IAM auth token
// presigned by botocore (aws rds generate-db-auth-token).
func TestVerifier_VerifyAWSCLIAuthToken(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH; skipping the botocore end-to-end test")
	}
	if testing.Short() {
		t.Skip("starts the aws CLI; skipped with -short")
	}
	tests := []struct {
		name     string
		secret   string
		wantCode string
	}{
		{name: "right secret", secret: testSecret},
		{name: "wrong secret", secret: "wrong", wantCode: awserr.SignatureDoesNotMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, stderr, err := awsCLI(t, map[string]string{"AWS_ACCESS_KEY_ID": testKey, "AWS_SECRET_ACCESS_KEY": tt.secret},
				"rds", "generate-db-auth-token", "--hostname", "db.example", "--port", "5432",
				"--username", "app", "--region", "eu-west-1")
			if err != nil {
				t.Fatalf("generate-db-auth-token: %v: %s", err, stderr)
			}
			r := httptest.NewRequest(http.MethodGet, "http://"+strings.TrimSpace(token), nil)
			id, err := (&Verifier{Secrets: testSecrets{}}).Verify(context.Background(), r, nil)
			want := Identity{AccessKeyID: testKey, Region: "eu-west-1", Service: "rds-db", Presigned: true}
			assertOutcome(t, verification{id: id, err: err}, tt.wantCode, want)
		})
	}
}
