package orchestrator

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/globaldb/globaldb/internal/emulator/admin"
	"github.com/globaldb/globaldb/internal/regions"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

// TestStatusVerify_Seed applies the seed once and runs status and verify
// against it: healthy, during a region outage of the secondary, and after
// the outage is cleared.
func TestStatusVerify_Seed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := startEmulator(t)
	top := seedTopology(t)
	c := connect(t, e, top)
	applyT(t, c, top)
	res := resolve.Server(e.DNSAddr())
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	const primary, secondary = "ap-southeast-1", "ap-southeast-2"

	st := waitSettled(ctx, t, c, top, res)

	t.Run("status", func(t *testing.T) {
		if len(st.Regions) != 2 {
			t.Fatalf("regions: got %d, want 2", len(st.Regions))
		}
		if st.WriterRegion != primary || st.GlobalStatus != "available" {
			t.Errorf("writer %q global %q, want %s available", st.WriterRegion, st.GlobalStatus, primary)
		}
		roles := map[string]string{}
		available := 0
		for _, r := range st.Regions {
			if r.Cluster == nil {
				t.Fatalf("%s: no cluster (error %q)", r.Region, r.Error)
			}
			roles[r.Region] = r.Cluster.Role
			for _, i := range r.Instances {
				if i.Status == "available" {
					available++
				}
			}
		}
		if roles[primary] != "primary" || roles[secondary] != "secondary" {
			t.Errorf("roles %v", roles)
		}
		if available != 4 {
			t.Errorf("available instances: got %d, want 4", available)
		}
		writers := 0
		for _, i := range st.Regions[0].Instances {
			if i.Role == "writer" {
				writers++
			}
		}
		if writers != 1 {
			t.Errorf("writer instances in %s: %d, want 1", primary, writers)
		}
		if st.Regions[0].Replication != nil {
			t.Errorf("the primary has a replication lag: %+v", st.Regions[0].Replication)
		}
		lag := st.Regions[1].Replication
		if lag == nil || lag.Error != "" || lag.BytesBehind == nil || lag.Source != "postgresql" {
			t.Errorf("lag of %s not measured: %+v", secondary, lag)
		}
		if len(st.HealthChecks) != 4 {
			t.Errorf("health checks: %+v", st.HealthChecks)
		}
		if len(st.DNS) != 2 {
			t.Fatalf("dns: %+v", st.DNS)
		}
		w := st.DNS[0]
		if w.Name != "writer.seed.globaldb.example.com" || w.LandsOn != primary+" cluster endpoint" || w.Error != "" ||
			len(w.Chain) < 2 || !sameHost(w.Chain[0].CNAME, st.Regions[0].Cluster.Endpoint) || len(w.Addrs) == 0 {
			t.Errorf("writer name: %+v", w)
		}
		var table bytes.Buffer
		if err := st.WriteTable(&table); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"writer in " + primary, "seed-ap-southeast-2-2", "healthy", "writer.seed.globaldb.example.com"} {
			if !strings.Contains(table.String(), s) {
				t.Errorf("table lacks %q:\n%s", s, table.String())
			}
		}
	})

	t.Run("status json", func(t *testing.T) {
		golden(t, "status-seed.json", normaliseJSON(t, st))
	})

	t.Run("verify healthy", func(t *testing.T) {
		v, err := Verify(ctx, c, top, res, VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !v.OK() {
			t.Fatalf("verify failed on a healthy stack:\n%s", strings.Join(v.Failures(), "\n"))
		}
		// 2 DNS, 2×(cluster, reader, 2 instances), 2 names, 1 read-only, 2 canary.
		if len(v.Checks) != 15 {
			t.Errorf("checks: got %d, want 15", len(v.Checks))
		}
		for _, ch := range v.Checks {
			if ch.Name == "canary replicated" && (ch.LagMS == nil || *ch.LagMS <= 0) {
				t.Errorf("canary lag not measured: %+v", ch)
			}
		}
		golden(t, "verify-seed.json", normaliseJSON(t, v))
	})

	t.Run("canary", func(t *testing.T) { testCanaryProbes(ctx, t, c, top, res) })

	t.Run("region outage", func(t *testing.T) {
		ac := &admin.Client{Endpoint: e.Endpoint(), Creds: credentials.NewStaticCredentialsProvider("test", "test", "")}
		f, err := ac.Add(ctx, admin.Fault{Kind: admin.RegionOutage, Region: secondary})
		if err != nil {
			t.Fatal(err)
		}
		cleared := false
		clear := func() {
			if !cleared {
				cleared = true
				if err := ac.Clear(ctx, f.ID); err != nil {
					t.Errorf("clear fault: %v", err)
				}
			}
		}
		defer clear()

		v, err := Verify(ctx, c, top, res, VerifyOptions{CanaryTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if v.OK() {
			t.Fatalf("verify passed during an outage of %s", secondary)
		}
		failed := map[string]bool{}
		for _, ch := range v.Checks {
			if ch.OK {
				continue
			}
			failed[ch.Name+"/"+ch.Region] = true
			if ch.Error == "" {
				t.Errorf("failure without an explanation: %+v", ch)
			}
			// The reader record may still answer the failed region's
			// readers until its health check fails.
			if ch.Region != secondary && !strings.Contains(ch.Name, "reader record") {
				t.Errorf("check outside the failed region failed: %s", ch)
			}
		}
		for _, want := range []string{"select through the reader endpoint", "secondary refuses writes", "canary replicated"} {
			if !failed[want+"/"+secondary] {
				t.Errorf("%s in %s passed during its region's outage; failures:\n%s", want, secondary, strings.Join(v.Failures(), "\n"))
			}
		}
		if len(v.Errors) == 0 {
			t.Errorf("the unreachable RDS API of %s is not reported", secondary)
		}
		t.Logf("failures during the outage:\n%s", strings.Join(v.Failures(), "\n"))

		st, err := Status(ctx, c, top, res)
		if err != nil {
			t.Fatalf("status during an outage: %v", err)
		}
		r := st.Regions[1]
		if r.Error == "" || r.Replication == nil || r.Replication.Error == "" {
			t.Errorf("status of %s during its outage: %+v %+v", secondary, r, r.Replication)
		}
		if st.Regions[0].Cluster == nil || st.Regions[0].Cluster.Role != "primary" {
			t.Errorf("status of %s during the outage of %s: %+v", primary, secondary, st.Regions[0])
		}

		clear()
		waitUntil(ctx, t, "verify to pass again after the outage", func() (bool, string) {
			v, err := Verify(ctx, c, top, res, VerifyOptions{CanaryTimeout: 5 * time.Second})
			if err != nil {
				return false, err.Error()
			}
			return v.OK(), strings.Join(v.Failures(), "\n")
		})
	})

	destroyT(t, c, top)
}

// waitSettled waits (30 s at most) until every checker region has
// reported and every check is healthy, so that the stack's report no
// longer changes but for its volatile values (new alarm health checks
// read insufficient data, and fail over, until their alarms have data),
// and returns that report.
func waitSettled(ctx context.Context, t *testing.T, c *Clients, top *topology.Topology, res resolve.Resolver) *StatusReport {
	t.Helper()
	var st *StatusReport
	settle, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	waitUntil(settle, t, "the stack to settle: all available, every checker reporting healthy", func() (bool, string) {
		s, err := Status(settle, c, top, res)
		if err != nil {
			b, _ := json.MarshalIndent(st, "", "  ")
			return false, err.Error() + "; before:\n" + string(b)
		}
		st = s
		b, _ := json.MarshalIndent(s, "", "  ")
		return settled(s), string(b)
	})
	return st
}

// settled reports whether every region and health check is in its
// steady state: clusters and instances available, every checker region
// reporting Success, the lag measured.
func settled(st *StatusReport) bool {
	if len(st.HealthChecks) == 0 {
		return false
	}
	for _, h := range st.HealthChecks {
		// A secondary's writer check fails: its cluster endpoint is
		// inactive until promotion.
		if h.Checkers != len(regions.HealthCheckerRegions()) || h.State == "unknown" ||
			h.State == "unhealthy" && h.Note == "" {
			return false
		}
	}
	for _, r := range st.Regions {
		if r.Cluster == nil || r.Cluster.Status != "available" {
			return false
		}
		for _, i := range r.Instances {
			if i.Status != "available" {
				return false
			}
		}
		if r.Replication != nil && r.Replication.Error != "" {
			return false
		}
	}
	return true
}

// waitUntil polls cond every 200 ms until it holds, failing the test
// with cond's last word when ctx ends.
func waitUntil(ctx context.Context, t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, last := cond()
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v; last:\n%s", what, ctx.Err(), last)
		case <-tick.C:
		}
	}
}

// Volatile parts of reports: the emulator's random endpoint hashes,
// loopback addresses, health check IDs, canary row IDs and timings.
var (
	volatileKeys = regexp.MustCompile(`("(?:bytes_behind|lag_seconds|lag_ms|duration_ms|primary_lsn|receive_lsn|replay_lsn)": )("[^"]*"|[^,\n]+)`)
	volatileText = []struct {
		re   *regexp.Regexp
		with string
	}{
		{regexp.MustCompile(`\b(cluster-ro-|cluster-)?[a-z0-9]{12}\.([a-z]{2}(?:-[a-z]+)+-\d\.rds\.amazonaws\.com)`), "${1}HASH.$2"},
		{regexp.MustCompile(`\.global-[a-z0-9]+\.global\.rds\.amazonaws\.com`), ".global-HASH.global.rds.amazonaws.com"},
		// The checkers' failure reasons name the host's resolver.
		{regexp.MustCompile(`("failure": "[^:"]*: [^:"]*)[^"]*"`), `$1"`},
		// Which instance becomes the writer is a race; the report lists
		// the writer first.
		{regexp.MustCompile(`\b(seed-[a-z]{2}(?:-[a-z]+)+-\d)-\d\b`), "$1-N"},
		{regexp.MustCompile(`("az": "[a-z]{2}(?:-[a-z]+)+-\d)[a-z]"`), `$1?"`},
		{regexp.MustCompile(`\b127\.\d+\.\d+\.\d+(:\d+)?`), "ADDR"},
		{regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), "ID"}, // health checks
		{regexp.MustCompile(`row [a-z0-9]+ `), "row ID "},
		{regexp.MustCompile(`\d+(\.\d+)? ms\b`), "N ms"},
	}
)

// normaliseJSON renders v as indented JSON with its volatile values
// replaced by placeholders, keeping the key order and everything that
// must not change.
func normaliseJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	s := volatileKeys.ReplaceAllString(string(b), `$1"N"`)
	for _, r := range volatileText {
		s = r.re.ReplaceAllString(s, r.with)
	}
	return append([]byte(s), '\n')
}
