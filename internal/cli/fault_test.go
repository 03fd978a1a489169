package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/adminapi"
	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/emulator/faults/faultstest"
	"github.com/globaldb/globaldb/internal/regions"
)

// isolateAWSConfig gives config.LoadDefaultConfig the emulator's root
// credentials and nothing from the machine's AWS configuration.
func isolateAWSConfig(t *testing.T) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_PROFILE": "",
		"AWS_REGION": "ap-southeast-2", "AWS_DEFAULT_REGION": "", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_ENDPOINT_URL": "",
	} {
		t.Setenv(k, v)
	}
}

func TestFaultCmd_Execute(t *testing.T) {
	created := time.Date(2025, 1, 2, 12, 0, 1, 0, time.UTC)
	since := created.Local().Format(time.TimeOnly)
	tests := []struct {
		name      string
		seed      bool // start with f-1 outage ap-southeast-1, f-2 cut ap-southeast-1 ↔ us-east-1
		envURL    bool // endpoint from AWS_ENDPOINT_URL instead of --endpoint-url
		args      []string
		wantOut   string
		wantErr   string // substring
		wantCalls []string
	}{
		{
			name: "link cut", args: []string{"link", "--from", "ap-southeast-1", "--to", "ap-southeast-2", "--cut"},
			wantOut:   "injected f-1: link from=ap-southeast-1 to=ap-southeast-2 cut\n",
			wantCalls: []string{"Link ap-southeast-1 ap-southeast-2 delay=0s cut=true on"},
		},
		{
			name: "link delay, endpoint from the environment", envURL: true,
			args:      []string{"link", "--from", "ap-southeast-1", "--to", "ap-southeast-2", "--delay", "200ms"},
			wantOut:   "injected f-1: link from=ap-southeast-1 to=ap-southeast-2 delay=200ms\n",
			wantCalls: []string{"Link ap-southeast-1 ap-southeast-2 delay=200ms cut=false on"},
		},
		{
			name: "region outage json", args: []string{"region-outage", "--region", "ap-southeast-1", "--output", "json"},
			wantOut:   `{"id":"f-1","kind":"region-outage","region":"ap-southeast-1","created":"2025-01-02T12:00:01Z"}`,
			wantCalls: []string{"RegionOutage ap-southeast-1 on"},
		},
		{
			name: "region isolation", args: []string{"region-isolation", "--region", "us-east-1"},
			wantOut: "injected f-1: region-isolation region=us-east-1\n", wantCalls: []string{"RegionIsolation us-east-1 on"},
		},
		{
			name: "instance failure", args: []string{"instance-failure", "--region", "us-east-1", "--instance", "db-1"},
			wantOut: "injected f-1: instance-failure region=us-east-1 instance=db-1\n", wantCalls: []string{"InstanceFailure us-east-1 db-1 on"},
		},
		{
			name: "list", seed: true, args: []string{"list"},
			wantOut: "f-1  region-outage  region=ap-southeast-1                 since " + since + "\n" +
				"f-2  link           from=ap-southeast-1 to=us-east-1 cut  since " + since + "\n",
		},
		{name: "list empty", args: []string{"list"}, wantOut: "no active faults\n"},
		{
			name: "list json", seed: true, args: []string{"list", "--output", "json"},
			wantOut: `{"faults":[{"id":"f-1","kind":"region-outage","region":"ap-southeast-1","created":"2025-01-02T12:00:01Z"},` +
				`{"id":"f-2","kind":"link","from":"ap-southeast-1","to":"us-east-1","cut":true,"created":"2025-01-02T12:00:01Z"}]}`,
		},
		{
			name: "clear one", seed: true, args: []string{"clear", "f-2"}, wantOut: "cleared f-2\n",
			wantCalls: []string{"Link ap-southeast-1 us-east-1 delay=0s cut=true off", "RegionOutage ap-southeast-1 on"},
		},
		{
			name: "clear all", seed: true, args: []string{"clear"}, wantOut: "cleared f-1 f-2\n",
			wantCalls: []string{"Link ap-southeast-1 us-east-1 delay=0s cut=true off", "RegionOutage ap-southeast-1 off"},
		},
		{name: "clear all json", seed: true, args: []string{"clear", "--output", "json"}, wantOut: `{"cleared":["f-1","f-2"]}`,
			wantCalls: []string{"Link ap-southeast-1 us-east-1 delay=0s cut=true off", "RegionOutage ap-southeast-1 off"}},
		{name: "clear none", args: []string{"clear"}, wantOut: "no active faults\n"},
		{name: "clear unknown", args: []string{"clear", "f-9"}, wantErr: "NotFound: clear f-9: fault not found"},
		{name: "API error", args: []string{"region-outage", "--region", "mars-1"}, wantErr: `ValidationError: region: unknown region "mars-1"`},
		{name: "delay and cut", args: []string{"link", "--from", "a", "--to", "b", "--cut", "--delay", "1s"}, wantErr: "none of the others can be"},
		{name: "neither delay nor cut", args: []string{"link", "--from", "a", "--to", "b"}, wantErr: "at least one of the flags in the group [delay cut] is required"},
		{name: "missing region", args: []string{"region-outage"}, wantErr: `required flag(s) "region" not set`},
		{name: "bad output", args: []string{"list", "--output", "yaml"}, wantErr: `--output "yaml": want text or json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWSConfig(t)
			rec := &faultstest.Recorder{}
			known := func(r string) bool { _, ok := regions.Lookup(r); return ok }
			reg := faults.NewRegistry(rec, known, func() time.Time { return created })
			if tt.seed {
				for _, f := range []faults.Fault{
					{Kind: faults.RegionOutage, Region: "ap-southeast-1"},
					{Kind: faults.LinkFault, From: "ap-southeast-1", To: "us-east-1", Cut: true},
				} {
					if _, err := reg.Add(context.Background(), f); err != nil {
						t.Fatal(err)
					}
				}
				rec.Reset()
			}
			srv := httptest.NewServer(adminapi.Handler(reg))
			defer srv.Close()
			args := append([]string{"fault"}, tt.args...)
			if tt.envURL {
				t.Setenv("AWS_ENDPOINT_URL", srv.URL)
			} else {
				args = append(args, "--endpoint-url", srv.URL)
			}
			out, err := execute(t, args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("globaldb %s: %v", strings.Join(args, " "), err)
			}
			if got := out; got != tt.wantOut && compactJSON(got) != tt.wantOut {
				t.Errorf("output =\n%s\nwant\n%s", got, tt.wantOut)
			}
			if calls := rec.Calls(); !slices.Equal(calls, tt.wantCalls) {
				t.Errorf("injector calls = %q, want %q", calls, tt.wantCalls)
			}
		})
	}
}

func TestFaultCmd_Execute_noEndpoint(t *testing.T) {
	isolateAWSConfig(t)
	_, err := execute(t, "fault", "region-outage", "--region", "ap-southeast-1")
	if err == nil || !strings.Contains(err.Error(), "AWS_ENDPOINT_URL") || !strings.Contains(err.Error(), "--endpoint-url") {
		t.Fatalf("error = %v, want a hint naming AWS_ENDPOINT_URL and --endpoint-url", err)
	}
}

func execute(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := Root()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func compactJSON(s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return s
	}
	return b.String()
}
