package cli

import (
	"strings"
	"testing"

	"github.com/globaldb/globaldb/internal/topology/topologytest"
)

// TestCanaryCmd covers what needs no endpoint: a region the topology does
// not name is a usage error, and iam-policy --canary prints the canary's
// policy (PutMetricData confined to its namespace) without asking STS.
func TestCanaryCmd(t *testing.T) {
	file := topologytest.PrivateSeedFile(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // nothing may be asked of it
	tests := []struct {
		name    string
		args    []string
		want    string
		usage   bool
		wantErr bool
	}{
		{name: "unknown region", args: []string{"canary", "-f", file, "--region", "eu-west-1", "--once"},
			want: `canary region "eu-west-1": not a region of the topology`, usage: true, wantErr: true},
		{name: "canary policy", args: []string{"iam-policy", "-f", file, "--canary"}, want: `"cloudwatch:namespace": "Globaldb/Canary"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := execute(t, tt.args...)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v\n%s", err, tt.wantErr, out)
			}
			got := out
			if err != nil {
				got = err.Error()
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("output %q lacks %q", got, tt.want)
			}
			if tt.usage && Code(err) != ExitUsage {
				t.Errorf("exit %d for %v, want %d (usage)", Code(err), err, ExitUsage)
			}
		})
	}
}
