package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/topology"
	"github.com/globaldb/globaldb/internal/topology/topologytest"
)

// BenchmarkStack applies and destroys examples/global.yaml with the
// orchestrator on the emulator and prints wall time and API calls.
func BenchmarkStack(b *testing.B) {
	for i := 0; i < b.N; i++ {
		rows := stackFigures(b)
		fmt.Println()
		fmt.Printf("%-55s %-22s %s\n", "figure (globaldb apply/destroy of examples/global.yaml)", "measured", "goal")
		for _, r := range rows {
			fmt.Printf("%-55s %-22s %s\n", r.name, r.value, r.goal)
		}
	}
}

func stackFigures(b *testing.B) []row {
	e := emulatortest.StartScaled(b, 0.05)
	top := benchTopology(b, "../../examples/global.yaml")
	var regions []string
	for _, r := range top.Regions {
		regions = append(regions, r.Name)
	}
	ctx := context.Background()
	c, err := orchestrator.Connect(ctx, orchestrator.Target{EndpointURL: e.Endpoint(), Region: top.Primary().Name,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}, regions)
	if err != nil {
		b.Fatal(err)
	}
	opts := orchestrator.Options{PollMin: 100 * time.Millisecond}
	run := func(destroy bool) (time.Duration, orchestrator.Counts) {
		before := c.Calls.Snapshot()
		t0 := time.Now()
		var p *orchestrator.Plan
		var w *orchestrator.World
		if destroy {
			p, w, err = orchestrator.PlanDestroy(ctx, c, top, false)
			if err == nil {
				err = orchestrator.Destroy(ctx, c, top, p, w, opts)
			}
		} else {
			p, w, err = orchestrator.PlanApply(ctx, c, top)
			if err == nil {
				err = orchestrator.Apply(ctx, c, top, p, w, opts)
			}
		}
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(t0), c.Calls.Snapshot().Since(before)
	}
	upT, up := run(false)
	_, again := run(false)
	downT, down := run(true)
	ratio := func(c orchestrator.Counts) string {
		return fmt.Sprintf("%.2f", float64(c.Total-c.Polls)/float64(max(c.Mutating, 1)))
	}
	return []row{
		{"apply: wall time", secs(upT), "<= 8 s"},
		{"apply: API calls (mutating / polls / total)", fmt.Sprintf("%d / %d / %d", up.Mutating, up.Polls, up.Total), ""},
		{"apply: calls other than polls per mutating call", ratio(up), "<= 1.3"},
		{"second apply: mutating calls", fmt.Sprint(again.Mutating), "0"},
		{"destroy: wall time", secs(downT), "<= 3 s"},
		{"destroy: API calls (mutating / polls / total)", fmt.Sprintf("%d / %d / %d", down.Mutating, down.Polls, down.Total), ""},
	}
}

// benchTopology loads a topology file with its master password read from
// a file, whatever the file says.
func benchTopology(b *testing.B, path string) *topology.Topology {
	return benchTopologyWith(b, path, "")
}

// benchTopologyWith loads path with extra appended.
func benchTopologyWith(b *testing.B, path, extra string) *topology.Topology {
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	t, err := topology.Load(topologytest.WriteFile(b, filepath.Base(path), string(raw)+extra))
	if err != nil {
		b.Fatal(err)
	}
	return t
}
