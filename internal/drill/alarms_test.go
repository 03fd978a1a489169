package drill

import (
	"context"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
	"github.com/globaldb/globaldb/internal/topology/topologytest"
)

// TestRegionOutage_AlarmChecks runs region-outage on the private seed
// (examples/global.yaml): its databases are not publicly accessible, so
// its health checks follow CloudWatch alarms on the writers' EngineUptime
// (missing data breaching, InsufficientDataHealthStatus Unhealthy). When
// the primary region goes out its CloudWatch goes dark with it: Route 53
// reads insufficient data and calls the region down at once, fails the
// writer name over, and the operator fails over; the drill holds its
// invariants and no RTO beats the floor.
func TestRegionOutage_AlarmChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator with PostgreSQL servers")
	}
	const scale = 0.05
	e := emulatortest.StartScaled(t, scale)
	top := topologytest.PrivateSeed(t)
	if hc := top.DNS.HealthChecks; hc == nil || hc.Type != topology.Alarm {
		t.Fatalf("examples/global.yaml health checks: %+v, want alarm checks", hc)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, faults := applied(ctx, t, e, top)
	r, err := Run(ctx, c, top, Options{Scenario: "region-outage", Duration: 6 * time.Second,
		Resolver: resolve.Server(e.DNSAddr()), Faults: faults, TimeScale: scale})
	if err != nil {
		t.Fatalf("%v (phases %v)", err, phasesOf(r))
	}
	for _, inv := range r.Invariants {
		if !inv.Pass {
			t.Errorf("invariant %q failed: %s", inv.Name, inv.Detail)
		}
	}
	if r.DetectionSeconds == nil || r.FloorSeconds == nil {
		t.Fatalf("no detection or floor: %+v", r)
	}
	window := detectionFloor(top.DNS.HealthChecks, scale).Seconds()
	if *r.DetectionSeconds < window {
		t.Errorf("detected after %.2fs, before the alarm could have fired (%.2fs)", *r.DetectionSeconds, window)
	}
	if *r.FloorSeconds > r.RTOSeconds {
		t.Errorf("RTO %.3fs is below its floor %.3fs", r.RTOSeconds, *r.FloorSeconds)
	}
	t.Logf("region-outage with alarm checks: RTO %.2fs (floor %.2fs), detection %.2fs, %d acked, %d lost, phases %v",
		r.RTOSeconds, *r.FloorSeconds, *r.DetectionSeconds, r.AcknowledgedWrites, r.LostWrites, phasesOf(r))
}
