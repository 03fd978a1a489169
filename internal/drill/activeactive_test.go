package drill

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

// TestActiveActiveOutage runs active-active-outage once on the emulator:
// clients in both regions, the secondary's writing through its reader
// endpoint (forwarded); the primary region goes out, the drill fails
// over. It asserts the scenario's invariants, that the secondary's
// clients wrote both before the fault and after the failover, and the
// per-region figures in the JSON result.
func TestActiveActiveOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator with PostgreSQL servers")
	}
	const scale = 0.05
	e := emulatortest.StartScaled(t, scale)
	top := seed(t)
	for i := range top.Regions {
		top.Regions[i].Instances = top.Regions[i].Instances[:1] // one instance a region: half the servers
	}
	top.Regions[1].WriteForwarding = topology.ForwardGlobal
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, faults := applied(ctx, t, e, top)
	r, err := Run(ctx, c, top, Options{Scenario: activeActive, Duration: 6 * time.Second, Resolver: resolve.Server(e.DNSAddr()), Faults: faults, TimeScale: scale})
	if err != nil {
		t.Fatalf("%v (phases %v)", err, phasesOf(r))
	}
	for _, inv := range r.Invariants {
		if !inv.Pass {
			t.Errorf("invariant %q failed: %s", inv.Name, inv.Detail)
		}
	}
	primary, secondary := top.Regions[0].Name, top.Regions[1].Name
	if r.PromotedTo != secondary {
		t.Fatalf("promoted to %q, want %s", r.PromotedTo, secondary)
	}
	sec, pri := r.Regions[secondary], r.Regions[primary]
	if sec == nil || pri == nil {
		t.Fatalf("per-region results %v: want %s and %s", r.Regions, primary, secondary)
	}
	if !sec.Forwarded || sec.AckedBeforeFault == 0 || sec.AckedAfterPromotion == 0 {
		t.Errorf("%s: %+v; want forwarded writes acknowledged before the fault and after the failover", secondary, *sec)
	}
	if pri.Forwarded || pri.AckedBeforeFault == 0 {
		t.Errorf("%s: %+v; want local writes acknowledged before the fault", primary, *pri)
	}
	if sec.AcknowledgedWrites+pri.AcknowledgedWrites != r.AcknowledgedWrites {
		t.Errorf("per-region acknowledged writes %d + %d, overall %d", sec.AcknowledgedWrites, pri.AcknowledgedWrites, r.AcknowledgedWrites)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Regions map[string]map[string]any `json:"regions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{primary, secondary} {
		for _, k := range []string{"write_latency_p50_ms", "write_latency_p99_ms", "acknowledged_writes", "lost_writes", "rto_seconds"} {
			if _, ok := doc.Regions[region][k]; !ok {
				t.Errorf("JSON result: regions[%s] lacks %q", region, k)
			}
		}
	}
	t.Logf("RTO %.2fs (floor %.2fs), RPO %.3fs, %d acked, %d lost; %s p50/p99 %.1f/%.1f ms (forwarded %.1f/%.1f ms), %d/%d acked before fault/after failover, slowest failed write %.3fs; %s p50/p99 %.1f/%.1f ms, RTO %.2fs; phases %v",
		r.RTOSeconds, deref(r.FloorSeconds), r.RPOSeconds, r.AcknowledgedWrites, r.LostWrites,
		secondary, sec.LatencyP50Ms, sec.LatencyP99Ms, sec.ForwardedP50Ms, sec.ForwardedP99Ms, sec.AckedBeforeFault, sec.AckedAfterPromotion, sec.MaxFailedWriteSeconds,
		primary, pri.LatencyP50Ms, pri.LatencyP99Ms, pri.RTOSeconds, phasesOf(r))
	for _, inv := range r.Invariants {
		t.Logf("%v %s: %s", inv.Pass, inv.Name, inv.Detail)
	}
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}
