package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/globaldb/globaldb/internal/orchestrator"
)

func canaryCmd() *cobra.Command {
	f := &observeFlags{}
	var region string
	var interval, timeout time.Duration
	var once bool
	cmd := &cobra.Command{
		Use:   "canary -f FILE [--region R] [--interval D] [--once]",
		Short: "Probe a region's database from inside the region and publish its health to CloudWatch",
		Long: `Probes the stack's cluster in one region, as an application there would: a TLS connection
to the cluster (writer) endpoint, pg_is_in_recovery(), and a small write (one row per region
in globaldb_canary_probe); a TLS connection to the reader endpoint and a query. Each round
publishes Globaldb/Canary Healthy (1 or 0) and LatencyMs, dimensions DBClusterIdentifier
and Role (WRITER, READER), to the region's CloudWatch with PutMetricData. With
dns.healthChecks.alarms.metric: canary the stack's health alarms watch these series, and
Route 53's CLOUDWATCH_METRIC checks follow the alarms: the pattern for private endpoints,
which Route 53's checkers (on the internet) cannot reach.

Run one canary per region, inside the region's VPC (where the endpoints resolve and
connect), as a long-lived process: it probes every --interval until SIGINT or SIGTERM.
A stopped canary publishes nothing and its alarms treat missing data as breaching, so
the region turns unhealthy. --once probes and publishes once (cron, a Lambda-like
scheduler, a test). It logs in as the master user (masterPasswordFrom); its IAM policy
is printed by 'globaldb iam-policy --canary'. See docs/runbook.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := f.load()
			if err != nil {
				return err
			}
			if region == "" {
				region = t.Primary().Name
			}
			c, err := f.connect(cmd.Context(), t)
			if err != nil {
				return err
			}
			if _, err := t.MasterPassword(); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			err = orchestrator.RunCanary(cmd.Context(), c, t, orchestrator.CanaryOptions{Region: region, Interval: interval, Timeout: timeout,
				Once: once, Resolver: f.resolverOrNil(cmd), Logger: logger(cmd),
				Report: func(rs []orchestrator.CanaryResult, err error) {
					for _, r := range rs {
						state := "healthy"
						if !r.Healthy {
							state = "unhealthy"
						}
						fmt.Fprintf(out, "%s %s %s %s %s (%.1f ms)\n", time.Now().UTC().Format(time.RFC3339), region, r.Role, state, r.Reason,
							float64(r.Latency.Microseconds())/1000)
					}
					if err != nil {
						fmt.Fprintf(out, "%s %s not published: %v\n", time.Now().UTC().Format(time.RFC3339), region, err)
					}
				}})
			if errors.Is(err, orchestrator.ErrUnknownRegion) {
				return usageError(err)
			}
			return err
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&region, "region", "", "the region probed and published to (default: the topology's primary)")
	fl.DurationVar(&interval, "interval", time.Minute, "time between probes (one data point per alarm period)")
	fl.DurationVar(&timeout, "timeout", 10*time.Second, "longest wait for one endpoint's probe")
	fl.BoolVar(&once, "once", false, "probe and publish once, then exit")
	return cmd
}
