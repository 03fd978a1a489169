//go:build soak

package drill

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/resolve"
)

// TestSoak repeats switchover 20 times and region-outage 10 times on one
// stack and prints the counts (make soak; not in CI).
func TestSoak(t *testing.T) {
	const scale = 0.05
	e := emulatortest.StartScaled(t, scale)
	top := seed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Minute)
	defer cancel()
	c, faults := applied(ctx, t, e, top)
	res := resolve.Server(e.DNSAddr())
	for _, sc := range []struct {
		name  string
		times int
	}{{"switchover", 20}, {"region-outage", 10}} {
		var pass, acked, lost, split, errs int
		var maxRTO float64
		for i := 0; i < sc.times; i++ {
			r, err := Run(ctx, c, top, Options{Scenario: sc.name, Duration: 6 * time.Second, Resolver: res, Faults: faults, TimeScale: scale})
			if err != nil {
				errs++
				t.Errorf("%s run %d: %v", sc.name, i+1, err)
				continue
			}
			fmt.Printf("soak run %-14s %2d  started %s  RTO %.2fs  pass %v\n", sc.name, i+1,
				r.Started.UTC().Format("15:04:05.000"), r.RTOSeconds, r.Pass)
			if r.Pass {
				pass++
			}
			acked += r.AcknowledgedWrites
			lost += r.LostWrites
			split += r.SplitBrainWrites
			maxRTO = max(maxRTO, r.RTOSeconds)
		}
		fmt.Printf("soak %-14s runs %2d  pass %2d  errors %d  acknowledged %6d  lost %3d  split-brain %d  max RTO %.2fs\n",
			sc.name, sc.times, pass, errs, acked, lost, split, maxRTO)
		if pass != sc.times {
			t.Errorf("%s: %d of %d runs passed", sc.name, pass, sc.times)
		}
	}
}
