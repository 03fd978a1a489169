package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/resolve"
)

func failoverCmd() *cobra.Command {
	f := &stackFlags{}
	var mode, to, resolver string
	var force, viaPlan bool
	var maxLag, timeout time.Duration
	cmd := &cobra.Command{
		Use:   "failover -f FILE --mode switchover|failover|detach [--to REGION] [--force] [--via-plan]",
		Short: "Move the global writer to another region (or detach a secondary), and make Route 53 follow",
		Long: `Moves the writer of the stack's Aurora global database:

  switchover  planned: SwitchoverGlobalCluster, called in the primary's region; Aurora
              waits until the target has every change (RPO 0). Needs the primary.
  failover    unplanned: FailoverGlobalCluster with AllowDataLoss, called in the
              target's region; works while the primary's region is down and loses
              what had not replicated (the lag at the time).
  detach      RemoveFromGlobalCluster: the target leaves the global database and
              becomes a standalone writer (detach-and-promote).

Pre-flight checks first: the target is an available member with an available
instance, engine versions match, the app role covers the target, and its replication
lag is under --max-lag (--force overrides the lag check only). Then it calls the API in
the right region, waits until the target writes, and points the writer record's
PRIMARY at the new writer (Route 53 alone never restores writes: Aurora does not
promote a secondary by itself). Prints what happened with timings.

With --via-plan the stack's ARC Region switch plan (topology automation:) moves the
writer instead: StartPlanExecution activating the target, graceful for switchover,
ungraceful for failover, from the target region's data plane; then it waits for the
execution to complete (approving a manual-approval step is up to you) and for the
target to write. With automation.route53HealthChecks the plan moves the writer
record too, so switchover and failover always go through it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			t, err := f.load()
			if err != nil {
				return err
			}
			// A typo must not reach AWS: checked before anything is asked
			// or printed.
			if err := oneOf("--mode", mode, "a failover mode", []string{"switchover", "failover", "detach"}); err != nil {
				return err
			}
			if to != "" {
				if err := oneOf("--to", to, fmt.Sprintf("a region of stack %s (%s)", t.Name, f.file), regionNames(t)); err != nil {
					return err
				}
			}
			c, err := f.connect(ctx, t)
			if err != nil {
				return err
			}
			var res resolve.Resolver
			if server := f.dnsServer(cmd, resolver); server != "" {
				res = resolve.Server(server)
			} else if w, err := orchestrator.Observe(ctx, c, t); err == nil {
				res = orchestrator.ResolverFor(w, t, "")
			}
			fo := orchestrator.FailoverOptions{
				Mode: orchestrator.FailoverMode(mode), To: to, Force: force, ViaPlan: viaPlan, MaxLag: maxLag, Timeout: timeout, Resolver: res,
				Options: orchestrator.Options{PollMin: f.pollMin, Reporter: failoverReporter(cmd)},
			}
			shown := false
			if f.output != "json" {
				// The pre-flight is shown before anything changes.
				fo.OnPreflight = func(r *orchestrator.FailoverReport) {
					r.WritePreflight(cmd.OutOrStdout())
					fmt.Fprintln(cmd.OutOrStdout())
					shown = true
				}
			}
			rep, err := orchestrator.Failover(ctx, c, t, fo)
			if errors.Is(err, orchestrator.ErrNotDeployed) {
				return err
			}
			switch {
			case f.output == "json":
				if werr := rep.WriteJSON(cmd.OutOrStdout()); werr != nil {
					return werr
				}
			case shown:
				rep.WriteOutcome(cmd.OutOrStdout())
			default:
				rep.WriteText(cmd.OutOrStdout())
			}
			if errors.Is(err, orchestrator.ErrPreflight) {
				return &ExitError{ExitFailed, err}
			}
			if err != nil {
				return fmt.Errorf("failover: %w", err)
			}
			return nil
		},
	}
	f.register(cmd, "text", "json")
	fl := cmd.Flags()
	fl.StringVar(&mode, "mode", "switchover", "switchover, failover or detach")
	fl.StringVar(&to, "to", "", "target region (default: the first other member in the topology's order)")
	fl.BoolVar(&viaPlan, "via-plan", false, "start the stack's ARC Region switch plan instead of calling RDS (switchover: graceful, failover: ungraceful)")
	fl.BoolVar(&force, "force", false, "fail over even when the target's replication lag is over --max-lag")
	fl.DurationVar(&maxLag, "max-lag", 5*time.Second, "largest replication lag of the target accepted without --force")
	fl.DurationVar(&timeout, "timeout", 15*time.Minute, "how long to wait for the target to write before giving up (the role change goes on in RDS)")
	fl.StringVar(&resolver, "resolver", "", "DNS server for the database and Route 53 names (default: a globaldb emulator's own, as it announces)")
	return cmd
}
