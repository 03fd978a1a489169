package drill

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/admin"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
	"github.com/globaldb/globaldb/internal/topology/topologytest"
)

func seed(t *testing.T) *topology.Topology { return topologytest.Seed(t) }

// TestScenarios runs every scenario, one after the other, on one applied
// seed stack, and asserts each scenario's invariants and figures.
func TestScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator with PostgreSQL servers")
	}
	const scale = 0.05
	e := emulatortest.StartScaled(t, scale)
	top := seed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, faults := applied(ctx, t, e, top)
	res := resolve.Server(e.DNSAddr())
	only := os.Getenv("GLOBALDB_DRILL")
	for _, sc := range Scenarios {
		if only != "" && only != sc {
			continue
		}
		t.Run(sc, func(t *testing.T) {
			if sc == activeActive {
				t.Skip("needs a stack whose secondary forwards writes: TestActiveActiveOutage")
			}
			r, err := Run(ctx, c, top, Options{Scenario: sc, Duration: 6 * time.Second, Resolver: res, Faults: faults, TimeScale: scale})
			if err != nil {
				t.Fatalf("%v (phases %v)", err, phasesOf(r))
			}
			b, _ := json.Marshal(r)
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"scenario", "rto_seconds", "rpo_seconds", "acknowledged_writes", "lost_writes", "split_brain_writes"} {
				if _, ok := doc[k]; !ok {
					t.Errorf("JSON result lacks %q", k)
				}
			}
			for _, inv := range r.Invariants {
				if !inv.Pass {
					t.Errorf("invariant %q failed: %s", inv.Name, inv.Detail)
				}
			}
			if r.AcknowledgedWrites < 20 {
				t.Errorf("only %d acknowledged writes: the workload did not run", r.AcknowledgedWrites)
			}
			t.Logf("%s: RTO %.2fs, RPO %.3fs, %d acked, %d lost, %d ambiguous, split-brain %d, max lag %.3fs, phases %v",
				sc, r.RTOSeconds, r.RPOSeconds, r.AcknowledgedWrites, r.LostWrites, r.AmbiguousWrites, r.SplitBrainWrites, r.MaxReplicationLagSeconds, phasesOf(r))
			if sc == "region-outage" {
				if r.DetectionSeconds == nil || r.DNSFlipSeconds == nil || r.FloorSeconds == nil {
					t.Fatalf("region-outage lacks detection, DNS flip or floor: %+v", r)
				}
				// The floor is a lower bound: no run may beat it.
				if *r.FloorSeconds > r.RTOSeconds {
					t.Errorf("RTO %.3fs is below its floor %.3fs", r.RTOSeconds, *r.FloorSeconds)
				}
				if h := r.Headline(); !strings.HasPrefix(h, "Region ap-southeast-1 outage: failover to ap-southeast-2 — ") {
					t.Errorf("headline %q: want the failed region and the failover", h)
				}
				if r.LostWrites > 0 && len(r.Notes) == 0 {
					t.Errorf("%d writes lost and no note explains porcupine's verdict", r.LostWrites)
				}
			}
		})
	}
}

func phasesOf(r *Result) []Phase {
	if r == nil {
		return nil
	}
	return r.Phases
}

// applied applies top to e through the orchestrator, as a user does, and
// returns the clients and the signed admin client drills inject faults
// with.
func applied(ctx context.Context, t *testing.T, e *emulator.Emulator, top *topology.Topology) (*orchestrator.Clients, *admin.Client) {
	t.Helper()
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	var regions []string
	for _, r := range top.Regions {
		regions = append(regions, r.Name)
	}
	c, err := orchestrator.Connect(ctx, orchestrator.Target{EndpointURL: e.Endpoint(), Region: top.Primary().Name, Credentials: creds}, regions)
	if err != nil {
		t.Fatal(err)
	}
	p, w, err := orchestrator.PlanApply(ctx, c, top)
	if err == nil {
		err = orchestrator.Apply(ctx, c, top, p, w, orchestrator.Options{PollMin: 100 * time.Millisecond})
	}
	if err != nil {
		t.Fatal(err)
	}
	// Drills inject faults as a user does: through the signed admin API.
	return c, &admin.Client{Endpoint: e.Endpoint(), Creds: creds}
}
