package topology

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares got with testdata file name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestLoad_Example(t *testing.T) {
	topo, err := Load("../../examples/global.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(topo.Warnings) != 0 {
		t.Errorf("warnings: %v", topo.Warnings)
	}
	if p := topo.Primary(); p == nil || p.Name != "ap-southeast-1" || len(p.Instances) != 2 {
		t.Errorf("primary = %+v", p)
	}
	if s := topo.Secondaries(); len(s) != 1 || s[0].Name != "ap-southeast-2" || s[0].MasterPasswordFrom != nil {
		t.Errorf("secondaries = %+v", s)
	}
	b, err := json.MarshalIndent(topo, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "global.json.golden", string(b)+"\n")
	for _, r := range topo.Regions {
		if r.Network.PubliclyAccessible {
			t.Errorf("%s is publicly accessible; the seed is private", r.Name)
		}
	}
	if h := topo.DNS.HealthChecks; h.Type != Alarm {
		t.Errorf("health checks are %s, want alarm", h.Type)
	}
}

// TestLoad_PublicExample: examples/global-public.yaml is the seed with
// public endpoints and TCP checks, and loads without warnings.
func TestLoad_PublicExample(t *testing.T) {
	topo, err := Load("../../examples/global-public.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(topo.Warnings) != 0 {
		t.Errorf("warnings: %v", topo.Warnings)
	}
	for _, r := range topo.Regions {
		if !r.Network.PubliclyAccessible {
			t.Errorf("%s is private; the public example's TCP checks need public endpoints", r.Name)
		}
	}
	if h := topo.DNS.HealthChecks; h.Type != TCP || h.Alarms != nil {
		t.Errorf("health checks %+v, want TCP without alarms", h)
	}
}

// TestParse_Invalid loads each document under testdata/invalid and compares
// the full error text (file:line:column: field: message (hint)) with its
// golden file. field is a field path every case's errors must name.
func TestParse_Invalid(t *testing.T) {
	tests := []struct {
		name  string
		field string
	}{
		{"unknown-field", "regions[0].instance"},
		{"unknown-top-level-field", "engine_version"},
		{"unknown-field-no-suggestion", "replicas"},
		{"two-primaries", "regions[1].role"},
		{"no-secondary", "regions"},
		{"role-typo", "regions[1].role"},
		{"zero-instances", "regions[1].instances"},
		{"instances-missing", "regions[1].instances"},
		{"az-not-in-region", "regions[0].instances[1]"},
		{"az-zone-id", "regions[1].instances[0]"},
		{"unknown-region", "regions[1].name"},
		{"region-without-aurora-global", "regions[1].name"},
		{"duplicate-region", "regions[1].name"},
		{"secondary-master-username", "regions[1].masterUsername"},
		{"secondary-password", "regions[1].masterPasswordFrom"},
		{"secondary-database-name", "regions[1].databaseName"},
		{"missing-password-source", "regions[0].masterPasswordFrom"},
		{"password-env-and-file", "regions[0].masterPasswordFrom"},
		{"password-env-is-value", "regions[0].masterPasswordFrom.env"},
		{"encrypted-missing-kms", "regions[1].kmsKeyId"},
		{"kms-wrong-region", "regions[1].kmsKeyId"},
		{"kms-without-encryption", "regions[1].kmsKeyId"},
		{"parameter-group-differs", "regions[1].clusterParameterGroup"},
		{"health-checks-private", "dns.healthChecks.type"},
		{"tcp-checks-private-default", "dns.healthChecks.type"},
		{"alarm-values", "dns.healthChecks.alarms.period"},
		{"alarm-window", "dns.healthChecks.alarms.evaluationPeriods"},
		{"alarms-with-tcp", "dns.healthChecks.alarms"},
		{"health-check-values", "dns.healthChecks.interval"},
		{"writer-failover-global-endpoint", "dns.writerRecord.routing"},
		{"record-outside-zone", "dns.readerRecord.name"},
		{"private-zone-without-vpc", "dns.hostedZone.vpc"},
		{"reserved-tag", "tags.globaldb:stack"},
		{"yes-is-not-a-bool", "regions[0].network.publiclyAccessible"},
		{"engine-mysql-no-version", "engineVersion"},
		{"instance-class-not-offered", "instanceClass"},
		{"instance-class-typo", "instanceClass"},
		{"instance-class-version", "instanceClass"},
		{"bad-stack-name", "name"},
		{"subnet-group-and-ids", "regions[0].network.subnetIds"},
		{"duplicate-key", "regions[0].role"},
		{"negative-ttl-wrong-type", "dns.healthChecks.interval"},
		{"not-a-list", "regions"},
		{"yaml-syntax", ""},
		{"empty", ""},
		{"two-documents", ""},
		{"write-forwarding-typo", "regions[1].writeForwarding"},
		{"write-forwarding-global-on-primary", "regions[0].writeForwarding"},
		{"write-forwarding-consistency-off", "regions[1].writeForwardingConsistency"},
		{"write-forwarding-consistency-needs-group", "regions[1].writeForwardingConsistency"},
		{"write-forwarding-local-old-version", "regions[0].writeForwarding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", "invalid", tt.name+".yaml")
			topo, err := Load(path)
			if err == nil {
				t.Fatalf("Load succeeded: %+v", topo)
			}
			var first *Error
			if !errors.As(err, &first) {
				t.Fatalf("error %T is not a *Error: %v", err, err)
			}
			if first.File != path {
				t.Errorf("File = %q, want %q", first.File, path)
			}
			if tt.field != "" && !strings.Contains(err.Error(), " "+tt.field+": ") {
				t.Errorf("no error names %s:\n%v", tt.field, err)
			}
			golden(t, filepath.Join("invalid", tt.name+".golden"), err.Error()+"\n")
		})
	}
}

func TestParse_Warnings(t *testing.T) {
	tests := []struct {
		name  string
		field string
	}{
		{"same-az", "regions[0].instances[1]"},
		{"high-ttl-http-check", "dns.ttl"},
		{"unconfirmed-region-small-class", "regions[1].name"},
		{"failover-without-checks", "dns.writerRecord"},
		{"burstable-class", "instanceClass"},
		{"alarm-endpoint-fields", "dns.healthChecks.interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topo, err := Load(filepath.Join("testdata", "warn", tt.name+".yaml"))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var b strings.Builder
			for _, w := range topo.Warnings {
				b.WriteString(w.String() + "\n")
			}
			if !strings.Contains(b.String(), " "+tt.field+": ") {
				t.Errorf("no warning names %s:\n%s", tt.field, b.String())
			}
			golden(t, filepath.Join("warn", tt.name+".golden"), b.String())
		})
	}
}

// TestParse_PrivateDefaults: a dns section that says nothing about its
// health checks gets CloudWatch alarm checks, and regions that say nothing
// about their network are private.
func TestParse_PrivateDefaults(t *testing.T) {
	topo, err := Load("testdata/valid-private.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	h := topo.DNS.HealthChecks
	if h == nil || h.Alarms == nil {
		t.Fatalf("health checks %+v: want alarm checks with alarm settings", h)
	}
	checks := []struct {
		field     string
		got, want any
	}{
		{"regions[0].network.publiclyAccessible", topo.Regions[0].Network.PubliclyAccessible, false},
		{"regions[1].network.publiclyAccessible", topo.Regions[1].Network.PubliclyAccessible, false},
		{"dns.healthChecks.type", h.Type, Alarm},
		{"dns.healthChecks.alarms.metric", h.Alarms.Metric, EngineUptime},
		{"dns.healthChecks.alarms.period", h.Alarms.Period, DefaultAlarmPeriod},
		{"dns.healthChecks.alarms.evaluationPeriods", h.Alarms.EvaluationPeriods, DefaultAlarmEvaluations},
		{"dns.healthChecks.alarms.insufficientData", h.Alarms.InsufficientData, InsufficientUnhealthy},
		{"dns.healthChecks.alarms.rpoLagThresholdMs", h.Alarms.RPOLagThresholdMs, DefaultRPOLagThresholdMs},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
	if len(topo.Warnings) != 0 {
		t.Errorf("warnings: %v", topo.Warnings)
	}
}

// TestParse_HealthCheckType: the type is read in any case for alarm and
// tcp; an alarms section is kept only for alarm checks.
func TestParse_HealthCheckType(t *testing.T) {
	base, err := os.ReadFile("testdata/valid-minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		written string
		want    HealthCheckType
		alarms  bool
	}{
		{"TCP", TCP, false},
		{"tcp", TCP, false},
		{"alarm", Alarm, true},
		{"ALARM", Alarm, true},
	}
	for _, tt := range tests {
		t.Run(tt.written, func(t *testing.T) {
			doc := strings.Replace(string(base), "    type: TCP\n", "    type: "+tt.written+"\n", 1)
			topo, err := Parse("topo.yaml", []byte(doc))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			h := topo.DNS.HealthChecks
			if h.Type != tt.want || (h.Alarms != nil) != tt.alarms {
				t.Errorf("type %q read as %q with alarms %+v; want %q, alarms %v", tt.written, h.Type, h.Alarms, tt.want, tt.alarms)
			}
		})
	}
}

func TestHealthChecks_Window(t *testing.T) {
	tests := []struct {
		name string
		h    HealthChecks
		want time.Duration
	}{
		{"TCP", HealthChecks{Type: TCP, Interval: 10, Threshold: 3}, 30 * time.Second},
		{"alarm", HealthChecks{Type: Alarm, Interval: 30, Threshold: 3, Alarms: &Alarms{Period: 60, EvaluationPeriods: 2}}, 120 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.h.Window(); got != tt.want {
				t.Errorf("Window() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParse_Defaults(t *testing.T) {
	topo, err := Load("testdata/valid-minimal.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	d := topo.DNS
	checks := []struct {
		field     string
		got, want any
	}{
		{"engine", topo.Engine, DefaultEngine},
		{"instanceClass", topo.InstanceClass, DefaultInstanceClass},
		{"masterUsername", topo.Primary().MasterUsername, DefaultMasterUser},
		{"secondary masterUsername", topo.Secondaries()[0].MasterUsername, ""},
		{"tags", topo.Tags[StackTag], "test"},
		{"ttl", d.TTL, DefaultTTL},
		{"writer routing", d.Writer.Routing, Failover},
		{"writer target", d.Writer.Target, ClusterEndpoints},
		{"reader routing", d.Reader.Routing, Latency},
		{"interval", d.HealthChecks.Interval, DefaultCheckInterval},
		{"threshold", d.HealthChecks.Threshold, DefaultThreshold},
		{"port", d.HealthChecks.Port, DefaultPostgresPort},
		{"instances", len(topo.Regions[1].Instances), 2},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
}

const testPassword = "Sup3r-s3cret-Pa55"

func TestTopology_MasterPassword(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte(testPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc := func(source string) []byte {
		b, err := os.ReadFile("testdata/valid-minimal.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return []byte(strings.Replace(string(b), "      env: PW\n", source, 1))
	}
	tests := []struct {
		name    string
		source  string
		env     string
		want    string
		wantErr string
	}{
		{name: "from env", source: "      env: GLOBALDB_TEST_PW\n", env: testPassword, want: testPassword},
		{name: "from file relative to the topology", source: "      file: pw\n", want: testPassword},
		{name: "env unset", source: "      env: GLOBALDB_TEST_UNSET\n",
			wantErr: "topo.yaml:10:7: regions[0].masterPasswordFrom.env: environment variable GLOBALDB_TEST_UNSET is not set"},
		{name: "file missing", source: "      file: nope\n",
			wantErr: "regions[0].masterPasswordFrom.file: read secret file:"},
		{name: "too short", source: "      env: GLOBALDB_TEST_PW\n", env: "abc12",
			wantErr: "the master password from env:GLOBALDB_TEST_PW is shorter than 8 characters"},
		{name: "refused character", source: "      env: GLOBALDB_TEST_PW\n", env: "has@sign-in-it",
			wantErr: "contains a character AWS refuses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("GLOBALDB_TEST_PW", tt.env)
			}
			topo, err := Parse(filepath.Join(dir, "topo.yaml"), doc(tt.source))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := topo.MasterPassword()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				if tt.env != "" && strings.Contains(err.Error(), tt.env) {
					t.Errorf("error reveals the password: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("MasterPassword() = %q, %v; want the password", got, err)
			}
		})
	}
}

// TestTopology_NoSecrets: the password never appears when a topology is
// printed or marshalled, before or after it has been read.
func TestTopology_NoSecrets(t *testing.T) {
	t.Setenv("GLOBALDB_MASTER_PASSWORD", testPassword)
	topo, err := Load("../../examples/global.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if pw, err := topo.MasterPassword(); err != nil || pw != testPassword {
		t.Fatalf("MasterPassword() = %q, %v", pw, err)
	}
	js, err := json.Marshal(topo)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{
		"%v": fmt.Sprintf("%v", topo), "%+v": fmt.Sprintf("%+v", topo), "%#v": fmt.Sprintf("%#v", topo),
		"%+v of the primary": fmt.Sprintf("%+v", *topo.Primary()), "json": string(js),
	} {
		if strings.Contains(s, testPassword) {
			t.Errorf("%s reveals the master password", name)
		}
	}
	if !strings.Contains(string(js), `"env":"GLOBALDB_MASTER_PASSWORD"`) {
		t.Errorf("json lacks the password source: %s", js)
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"instances", "network", "kmsKeyId", "masterUsername"}
	tests := []struct{ name, want string }{
		{"instance", `did you mean "instances"?`},
		{"master_username", `did you mean "masterUsername"?`},
		{"KMSKeyID", `did you mean "kmsKeyId"?`},
		{"zzz", "known fields: instances, network, kmsKeyId, masterUsername"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := suggest(tt.name, known); got != tt.want {
				t.Errorf("suggest(%q) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

// FuzzParse: Parse never panics and either fails with *Error values or
// returns a topology with a primary.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"../../examples/global.yaml", "testdata/valid-minimal.yaml", "testdata/invalid/duplicate-key.yaml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		topo, err := Parse("fuzz.yaml", data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not a *Error: %v", err, err)
			}
			return
		}
		if topo.Primary() == nil {
			t.Fatal("valid topology without a primary")
		}
	})
}
