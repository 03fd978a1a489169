package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/globaldb/globaldb/internal/drill"
	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

func drillCmd() *cobra.Command {
	f := &stackFlags{}
	var scenario, reportDir, resolver string
	var duration time.Duration
	var automatic bool
	cmd := &cobra.Command{
		Use:   "drill -f FILE --scenario NAME [--automatic] [--duration D] [--report DIR] [--output json]",
		Short: "Rehearse a failure under a live client workload and judge it: RTO, RPO, lost and split-brain writes",
		Long: `Runs a client workload through the writer DNS name (4 writers, 100 writes/s, each
write recorded as acknowledged, failed or ambiguous) while the scenario's event happens,
then reads the rows back from the writer and checks the history.

Scenarios: ` + strings.Join(drill.Scenarios, ", ") + `.

On the emulator the drill injects the fault through its admin API and plays the
operator (it fails over once the Route 53 health checks call the primary region down,
heals the fault and waits for the old primary to rejoin). On AWS no fault can be
injected: only switchover and region-outage (run as a managed failover) are possible.

--automatic leaves the failover to the stack's ARC Region switch plan (topology
automation:): region-outage takes the primary region down and then only watches the
plan's trigger fail over (no AWS call that changes anything), then takes the new
primary's region down within the trigger's min delay and checks that no second
execution starts; switchover runs both role changes as plan executions (graceful).
docs/drills.md explains each scenario, its invariants and the report.

Exit status 3 when an invariant fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := oneOf("--scenario", scenario, "a drill scenario", drill.Scenarios); err != nil {
				return err
			}
			t, c, err := f.open(ctx)
			if err != nil {
				return err
			}
			w, err := orchestrator.Observe(ctx, c, t)
			if err != nil {
				return err
			}
			if w.Global == nil && len(w.Clusters) == 0 {
				return fmt.Errorf("stack %s is %w (run apply)", t.Name, orchestrator.ErrNotDeployed)
			}
			var res resolve.Resolver = orchestrator.ResolverFor(w, t, f.dnsServer(cmd, resolver))
			opts := drill.Options{Scenario: scenario, Duration: duration, Resolver: res, TimeScale: f.timeScale(cmd, "time-scale"), Logger: logger(cmd), Automatic: automatic}
			if inj := emulatorFaults(ctx, f.endpointURL); inj != nil {
				opts.Faults = inj
			}
			live := logFormat(cmd) == "human"
			if live {
				fmt.Fprintf(cmd.ErrOrStderr(), "drill %s on stack %s: 4 writers, 100 writes/s through %s for %s\n",
					scenario, t.Name, writerName(t), duration)
				opts.OnPhase = phasePrinter(cmd.ErrOrStderr())
			}
			r, err := drill.Run(ctx, c, t, opts)
			if err != nil {
				return fmt.Errorf("drill %s: %w", scenario, err)
			}
			if reportDir != "" {
				path, err := writeReport(reportDir, r)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.ErrOrStderr(), "report:", path)
			}
			if f.output == "json" {
				if err := writeJSON(cmd.OutOrStdout(), r); err != nil {
					return err
				}
			} else {
				writeDrillText(cmd, r, !live)
			}
			if !r.Pass {
				return &ExitError{ExitFailed, errors.New("an invariant failed")}
			}
			return nil
		},
	}
	f.register(cmd, "text", "json")
	fl := cmd.Flags()
	fl.StringVar(&scenario, "scenario", "region-outage", "one of "+strings.Join(drill.Scenarios, ", "))
	fl.BoolVar(&automatic, "automatic", false, "leave the failover to the stack's Region switch plan and its triggers (region-outage, switchover)")
	fl.DurationVar(&duration, "duration", 12*time.Second, "how long the workload runs (a quarter before the event)")
	fl.StringVar(&reportDir, "report", "", "directory for the HTML report and the JSON result")
	fl.StringVar(&resolver, "resolver", "", "DNS server for the stack's names (default: a globaldb emulator's own, as it announces)")
	fl.Float64("time-scale", 1, "the emulator's --time-scale: health-check intervals and the RTO floor scale with it (default: a globaldb emulator's own, as it announces; 1 on AWS)")
	return cmd
}

// emulatorFaults returns the emulator's fault API when the endpoint is a
// globaldb emulator, nil otherwise (AWS).
func emulatorFaults(ctx context.Context, endpoint string) drill.Injector {
	ff := &faultFlags{endpoint: endpoint, output: "text"}
	cl, err := ff.client(ctx)
	if err != nil {
		return nil
	}
	lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := cl.List(lctx); err != nil {
		return nil
	}
	return cl
}

func writeReport(dir string, r *drill.Result) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	base := filepath.Join(dir, fmt.Sprintf("drill-%s-%s", r.Scenario, r.Started.UTC().Format("20060102T150405Z")))
	fh, err := os.Create(base + ".html")
	if err != nil {
		return "", err
	}
	if err := drill.WriteHTML(fh, r); err != nil {
		fh.Close()
		return "", err
	}
	if err := fh.Close(); err != nil {
		return "", err
	}
	fj, err := os.Create(base + ".json")
	if err != nil {
		return "", err
	}
	defer fj.Close()
	return base + ".html", writeJSON(fj, r)
}

// phasePrinter prints a drill's phases for people as they happen, one
// line each.
func phasePrinter(w io.Writer) func(drill.Phase) {
	return func(p drill.Phase) { fmt.Fprintf(w, "  %7.2fs  %-11s %s\n", p.At, p.Name, p.Detail) }
}

func writerName(t *topology.Topology) string {
	if t.DNS == nil || t.DNS.Writer == nil {
		return "the writer name"
	}
	return t.DNS.Writer.Name
}

// writeDrillText prints the result for people: headline and verdict,
// notes, figures, the phases unless they were shown as they happened,
// and the invariants.
func writeDrillText(cmd *cobra.Command, r *drill.Result, phases bool) {
	out := cmd.OutOrStdout()
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(out, "%s: %s\n  drill %s on stack %s (%s)\n", verdict, r.Headline(), r.Scenario, r.Stack, r.Target)
	for _, n := range r.Notes {
		fmt.Fprintf(out, "  note: %s\n", n)
	}
	fmt.Fprintln(out)
	opt := func(p *float64) string {
		if p == nil {
			return "—"
		}
		return fmt.Sprintf("%.2fs", *p)
	}
	fmt.Fprintf(out, "  RTO (longest write outage)   %.2fs\n", r.RTOSeconds)
	fmt.Fprintf(out, "  RPO (span of lost writes)    %.3fs\n", r.RPOSeconds)
	fmt.Fprintf(out, "  writes: %d acknowledged, %d failed, %d ambiguous, %d lost, %d split-brain, %d duplicates\n",
		r.AcknowledgedWrites, r.FailedWrites, r.AmbiguousWrites, r.LostWrites, r.SplitBrainWrites, r.DuplicateWrites)
	fmt.Fprintf(out, "  detection %s, DNS flip %s, promotion %s, RTO floor (lower bound) %s, max replication lag %.2fs\n\n",
		opt(r.DetectionSeconds), opt(r.DNSFlipSeconds), opt(r.PromotionSeconds), opt(r.FloorSeconds), r.MaxReplicationLagSeconds)
	if r.Automatic {
		fmt.Fprintf(out, "  automatic: trigger %s, RTO budget %s, plan executions since the fault %v\n\n",
			opt(r.TriggerSeconds), opt(r.BudgetSeconds), r.PlanExecutions)
	}
	if phases {
		for _, p := range r.Phases {
			fmt.Fprintf(out, "  %7.2fs  %-11s %s\n", p.At, p.Name, p.Detail)
		}
		fmt.Fprintln(out)
	}
	for _, inv := range r.Invariants {
		mark := "✔"
		if !inv.Pass {
			mark = "✘"
		}
		fmt.Fprintf(out, "  %s %s: %s\n", mark, inv.Name, inv.Detail)
	}
}
