package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/globaldb/globaldb/internal/drill"
	"github.com/globaldb/globaldb/internal/emulator/admin"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/resolve"
)

// BenchmarkDrills runs every drill scenario once on the private seed
// (examples/global.yaml: health checks follow CloudWatch alarms) and
// switchover and region-outage on the public one (TCP checks), side by
// side, and prints each one's RTO, and region-outage's against its floor.
func BenchmarkDrills(b *testing.B) {
	for i := 0; i < b.N; i++ {
		for _, run := range []struct {
			title, file string
			only        []string
		}{
			{"drills, private seed (alarm checks), time scale 0.05", "../../examples/global.yaml", nil},
			{"drills, public seed (TCP checks), time scale 0.05", "../../examples/global-public.yaml", []string{"switchover", "region-outage"}},
		} {
			rows := drillFigures(b, run.file, "", run.only)
			fmt.Println()
			fmt.Printf("%-55s %-22s %s\n", "figure ("+run.title+")", "measured", "goal")
			for _, r := range rows {
				fmt.Printf("%-55s %-22s %s\n", r.name, r.value, r.goal)
			}
		}
	}
}

// BenchmarkAutomaticFailover runs region-outage on the private seed with
// automation (a Region switch plan whose triggers fail over) twice on one
// stack: first with no operator (drill --automatic: the trigger fails
// over), then with the drill playing the operator (it fails over once
// Route 53 calls the region down), and prints both RTOs side by side,
// each against its floor (and the automatic one against its budget).
func BenchmarkAutomaticFailover(b *testing.B) {
	for i := 0; i < b.N; i++ {
		rows := drillFigures(b, "../../examples/global.yaml", "\nautomation:\n  behavior: failover\n  stalledLagMs: 1000\n", nil, "region-outage --automatic", "region-outage")
		// The same, with the writer record on the plan's Route 53 health
		// checks: the name moves after the promotion, not before.
		for _, r := range drillFigures(b, "../../examples/global.yaml", "\nautomation:\n  behavior: failover\n  stalledLagMs: 1000\n  route53HealthChecks: true\n", nil, "region-outage --automatic") {
			r.name = strings.Replace(r.name, "--automatic", "--automatic (route53HealthChecks)", 1)
			rows = append(rows, r)
		}
		fmt.Println()
		fmt.Printf("%-55s %-22s %s\n", "figure (automatic vs operator failover, private seed, time scale 0.05)", "measured", "goal")
		for _, r := range rows {
			fmt.Printf("%-55s %-22s %s\n", r.name, r.value, r.goal)
		}
	}
}

// drillFigures applies file (plus extra YAML) and runs the scenarios
// (all but active-active-outage when none are given; "--automatic" after
// a name runs it with no operator).
func drillFigures(b *testing.B, file, extra string, only []string, scenarios ...string) []row {
	const scale = 0.05
	e := emulatortest.StartScaled(b, scale)
	top := benchTopologyWith(b, file, extra)
	ctx := context.Background()
	c, err := orchestrator.Connect(ctx, orchestrator.Target{EndpointURL: e.Endpoint(), Region: top.Primary().Name,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}, []string{"ap-southeast-1", "ap-southeast-2"})
	if err != nil {
		b.Fatal(err)
	}
	p, w, err := orchestrator.PlanApply(ctx, c, top)
	if err == nil {
		err = orchestrator.Apply(ctx, c, top, p, w, orchestrator.Options{PollMin: 100 * time.Millisecond})
	}
	if err != nil {
		b.Fatal(err)
	}
	res := resolve.Server(e.DNSAddr())
	// Drills inject faults as a user does: through the signed admin API.
	faults := &admin.Client{Endpoint: e.Endpoint(), Creds: credentials.NewStaticCredentialsProvider("test", "test", "")}
	var rows []row
	if len(scenarios) == 0 {
		for _, sc := range drill.Scenarios {
			// active-active-outage needs a stack whose secondary forwards
			// writes (drill.TestActiveActiveOutage).
			if sc != "active-active-outage" && (only == nil || slices.Contains(only, sc)) {
				scenarios = append(scenarios, sc)
			}
		}
	}
	for _, name := range scenarios {
		sc, automatic := strings.CutSuffix(name, " --automatic")
		r, err := drill.Run(ctx, c, top, drill.Options{Scenario: sc, Automatic: automatic, Duration: 8 * time.Second, Resolver: res, Faults: faults, TimeScale: scale})
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		if automatic {
			sc = name
		}
		verdict := "pass"
		if !r.Pass {
			verdict = "FAIL"
		}
		value := fmt.Sprintf("%.2f s, %d lost", r.RTOSeconds, r.LostWrites)
		goal := verdict
		switch {
		case r.BudgetSeconds != nil && r.FloorSeconds != nil:
			goal = fmt.Sprintf("%s; floor %.2f s, <= budget %.2f s", verdict, *r.FloorSeconds, *r.BudgetSeconds)
		case r.FloorSeconds != nil:
			goal = fmt.Sprintf("%s; <= floor %.2f s + 2 s", verdict, *r.FloorSeconds)
		}
		rows = append(rows, row{sc + ": RTO, lost acknowledged writes", value, goal})
		if automatic {
			rows = append(rows, row{sc + ": detection / trigger / promotion / DNS flip",
				fmt.Sprintf("%.2f / %.2f / %.2f / %.2f s", deref(r.DetectionSeconds), deref(r.TriggerSeconds), deref(r.PromotionSeconds), deref(r.DNSFlipSeconds)),
				fmt.Sprintf("(from the fault); %d execution(s)", len(r.PlanExecutions))})
		}
		if sc == "region-outage" {
			rows = append(rows, row{"region-outage: detection / DNS flip / promotion",
				fmt.Sprintf("%.2f / %.2f / %.2f s", deref(r.DetectionSeconds), deref(r.DNSFlipSeconds), deref(r.PromotionSeconds)), "(from the fault)"})
			rows = append(rows, row{"region-outage: RPO (span of lost writes)", fmt.Sprintf("%.3f s", r.RPOSeconds), "<= the lag window"})
		}
	}
	return rows
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}
