package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/resolve"
)

// observeFlags are the flags of status and verify: the stack's, and the
// DNS server to ask.
type observeFlags struct {
	stackFlags
	resolver string
}

func (f *observeFlags) register(cmd *cobra.Command, outputs ...string) {
	f.stackFlags.register(cmd, outputs...)
	cmd.Flags().StringVar(&f.resolver, "resolver", "", "DNS server (host:port) for every name "+
		"(default: a globaldb emulator's own, as it announces; on AWS the hosted zone's name servers for its names when it is public, the host's resolver for the rest)")
}

// resolverOrNil is the --resolver server, else the emulator's DNS server
// when the endpoint is a globaldb emulator, else nil: then status and
// verify choose with orchestrator.ResolverFor from the stack's zone.
func (f *observeFlags) resolverOrNil(cmd *cobra.Command) resolve.Resolver {
	if s := f.dnsServer(cmd, f.resolver); s != "" {
		return resolve.Server(s)
	}
	return nil
}

func statusCmd() *cobra.Command {
	f := &observeFlags{}
	cmd := &cobra.Command{
		Use:   "status -f FILE [--output table|json] [--resolver ADDR]",
		Short: "Show the stack: regions, roles, instances, replication lag, health checks, DNS answers",
		Long: `Reads the stack's clusters and instances in every region, the global writer, the
replication lag of each secondary as its database reports it (aurora_global_db_status(),
or the WAL positions on PostgreSQL), the Route 53 health checks as the checkers see them
(healthy when more than 18% report success) and what the writer and reader names resolve
to now. A region or database that cannot be reached is shown as such.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, c, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			rep, err := orchestrator.Status(cmd.Context(), c, t, f.resolverOrNil(cmd))
			if err != nil {
				return err
			}
			if f.output == "json" && f.emulator(cmd) != nil {
				// The emulator's counters; AWS publishes them in CloudWatch.
				if err := orchestrator.AddForwardingMetrics(cmd.Context(), c, rep); err != nil {
					logger(cmd).Warn("status without write forwarding metrics", "err", err)
				}
			}
			if f.output == "json" {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			return rep.WriteTable(cmd.OutOrStdout())
		},
	}
	f.register(cmd, "table", "json")
	return cmd
}

func verifyCmd() *cobra.Command {
	f := &observeFlags{}
	cmd := &cobra.Command{
		Use:   "verify -f FILE [--output text|json] [--resolver ADDR]",
		Short: "Check the stack as a client sees it: DNS, every endpoint, read-only secondaries, replication",
		Long: `Checks that the writer name resolves to the writer's cluster endpoint and the reader name
to a reader endpoint; that SELECT 1 works through every cluster, reader and instance
endpoint and both Route 53 names, writable where writes belong (the writer name must reach
a database with pg_is_in_recovery() false) and read-only elsewhere; that each secondary
refuses writes (SQLSTATE 25006); and that a canary row written through the writer shows
in each secondary, with the time it took.

Exit status: 0 all checks passed, 3 a check failed (each failure is listed), 1 error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, c, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			rep, err := orchestrator.Verify(cmd.Context(), c, t, f.resolverOrNil(cmd), orchestrator.VerifyOptions{})
			if err != nil {
				return err
			}
			if f.output == "json" {
				err = writeJSON(cmd.OutOrStdout(), rep)
			} else {
				err = rep.WriteText(cmd.OutOrStdout())
			}
			if err != nil {
				return err
			}
			if !rep.OK() {
				failures := rep.Failures()
				return &ExitError{ExitFailed, fmt.Errorf("%d of %d checks failed:\n  %s", len(failures), len(rep.Checks), strings.Join(failures, "\n  "))}
			}
			return nil
		},
	}
	f.register(cmd, "text", "json")
	return cmd
}
