package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/globaldb/globaldb/internal/emulator/admin"
	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/topology"
)

// stackFlags are the flags every stack command takes.
type stackFlags struct {
	file        string
	profile     string
	endpointURL string
	caBundle    string
	output      string
	pollMin     time.Duration

	// discovered is set once the endpoint has been asked whether it is a
	// globaldb emulator; emu is its answer (nil: AWS).
	discovered bool
	emu        *admin.Health
}

func (f *stackFlags) register(cmd *cobra.Command, outputs ...string) {
	fl := cmd.Flags()
	fl.StringVarP(&f.file, "file", "f", "", "topology file (YAML)")
	_ = cmd.MarkFlagRequired("file")
	fl.StringVar(&f.profile, "profile", "", "AWS shared config profile (default: the SDK's default chain, $AWS_PROFILE)")
	fl.StringVar(&f.endpointURL, "endpoint-url", "", "AWS endpoint URL, e.g. the emulator's (default $AWS_ENDPOINT_URL)")
	fl.StringVar(&f.caBundle, "ca-bundle", "", "root CAs for database TLS (AWS: global-bundle.pem from truststore.pki.rds.amazonaws.com; default $PGSSLROOTCERT, or the emulator's own bundle)")
	fl.DurationVar(&f.pollMin, "poll-interval", 500*time.Millisecond, "first interval of the poller's backoff")
	if len(outputs) > 0 {
		fl.StringVarP(&f.output, "output", "o", outputs[0], "output format: "+strings.Join(outputs, " or "))
	}
}

func (f *stackFlags) load() (*topology.Topology, error) {
	t, err := topology.Load(f.file)
	if err != nil {
		return nil, err
	}
	if f.output != "" && f.output != "text" && f.output != "json" && f.output != "table" {
		return nil, usageError(fmt.Errorf("--output %q: use text, table or json", f.output))
	}
	return t, nil
}

func (f *stackFlags) connect(ctx context.Context, t *topology.Topology) (*orchestrator.Clients, error) {
	return orchestrator.Connect(ctx, orchestrator.Target{Profile: f.profile, EndpointURL: f.endpointURL, CABundle: f.caBundle}, regionNames(t))
}

// regionNames are the topology's regions in its order.
func regionNames(t *topology.Topology) []string {
	var regions []string
	for _, r := range t.Regions {
		regions = append(regions, r.Name)
	}
	return regions
}

// open loads the topology file and connects to the target its regions
// need.
func (f *stackFlags) open(ctx context.Context) (*topology.Topology, *orchestrator.Clients, error) {
	t, err := f.load()
	if err != nil {
		return nil, nil, err
	}
	c, err := f.connect(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	return t, c, nil
}

func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	// A terminal answers the termios ioctl; /dev/null (also a character
	// device) does not.
	_, err := unix.IoctlGetTermios(int(file.Fd()), unix.TCGETS)
	return err == nil
}

func planCmd() *cobra.Command {
	f := &stackFlags{}
	cmd := &cobra.Command{
		Use:   "plan -f FILE",
		Short: "Show the ordered steps that would bring AWS to the topology",
		Long: `Reads the world (every resource globaldb made carries the tag globaldb:stack=<name>),
compares it with the topology file and prints the steps apply would take, in order:
+ create, ~ change, - delete, … wait for a resource an interrupted run left behind.

Exit status: 0 no changes, 2 changes pending, 1 error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := f.load()
			if err != nil {
				return err
			}
			for _, w := range t.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
			}
			c, err := f.connect(cmd.Context(), t)
			if err != nil {
				return err
			}
			p, _, err := orchestrator.PlanApply(cmd.Context(), c, t)
			if err != nil {
				return err
			}
			if err := writePlan(cmd.OutOrStdout(), p, f.output); err != nil {
				return err
			}
			if len(p.Problems) > 0 {
				return &ExitError{ExitFailure, fmt.Errorf("%w: see above", orchestrator.ErrProblems)}
			}
			if !p.Empty() {
				return &ExitError{Code: ExitChanges, Err: errors.New("changes pending")}
			}
			return nil
		},
	}
	f.register(cmd, "text", "json")
	return cmd
}

func writePlan(w io.Writer, p *orchestrator.Plan, output string) error {
	if output == "json" {
		return p.WriteJSON(w)
	}
	p.WriteText(w)
	return nil
}

// confirm asks on the terminal; without one, it refuses.
func confirm(cmd *cobra.Command, question string) error {
	if !isTerminal(cmd.InOrStdin()) {
		return errors.New("not a terminal: pass --auto-approve to proceed without confirmation")
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "\n%s Only 'yes' proceeds: ", question)
	line, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		return errors.New("cancelled")
	}
	return nil
}

func applyCmd() *cobra.Command {
	f := &stackFlags{}
	var auto bool
	cmd := &cobra.Command{
		Use:   "apply -f FILE [--auto-approve] [--output text|json]",
		Short: "Create or converge the stack: IAM roles, global cluster, regions, Route 53",
		Long: `Plans as 'globaldb plan' does, then executes the steps in AWS's order, in parallel
across regions where AWS allows, polling with backoff (AWS has no waiter for global
clusters). Safe to interrupt (Ctrl-C, SIGTERM): a re-run reads the world again and
converges. A second apply on a converged stack makes no change and no mutating call.
With --output json, stdout holds one document: the steps done, with their times.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := f.load()
			if err != nil {
				return err
			}
			for _, w := range t.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
			}
			ctx := cmd.Context()
			c, err := f.connect(ctx, t)
			if err != nil {
				return err
			}
			t0 := time.Now()
			p, w, err := orchestrator.PlanApply(ctx, c, t)
			if err != nil {
				return err
			}
			return f.execute(cmd, c, p, auto, t0, "Apply these steps?", func(rep orchestrator.Reporter) error {
				return orchestrator.Apply(ctx, c, t, p, w, orchestrator.Options{PollMin: f.pollMin, Reporter: rep})
			}, nil)
		},
	}
	f.register(cmd, "text", "json")
	cmd.Flags().BoolVar(&auto, "auto-approve", false, "apply without asking")
	return cmd
}

// execute shows plan p, asks (unless auto), runs it with run and reports
// in f.output: text as it goes, or one JSON summary at the end. after,
// when set, runs once the plan has (destroy's scan) and returns what is
// left.
func (f *stackFlags) execute(cmd *cobra.Command, c *orchestrator.Clients, p *orchestrator.Plan, auto bool, t0 time.Time, question string,
	run func(orchestrator.Reporter) error, after func() ([]string, error)) error {
	out := cmd.OutOrStdout()
	jsonOut := f.output == "json"
	sum := newSummary(p)
	text := out
	if jsonOut {
		text = io.Discard
	}
	p.WriteText(text)
	if len(p.Problems) > 0 {
		err := fmt.Errorf("%w: see above", orchestrator.ErrProblems)
		if jsonOut {
			_ = sum.finish(out, t0, c.Calls.Snapshot(), err)
		}
		return err
	}
	rec := &recorder{Reporter: reporter(cmd)}
	if !p.Empty() {
		if !auto {
			if err := confirm(cmd, question); err != nil {
				return err
			}
		}
		fmt.Fprintln(text)
		err := run(rec)
		sum.Steps = rec.done(p)
		if err != nil {
			err = fmt.Errorf("%s stopped (re-run to continue; nothing done is lost):\n%w", p.Kind, err)
			if jsonOut && cmd.Context().Err() == nil {
				_ = sum.finish(out, t0, c.Calls.Snapshot(), err)
			}
			return err
		}
	}
	if after != nil {
		left, err := after()
		if err != nil {
			return err
		}
		sum.Left = left
	}
	calls := c.Calls.Snapshot()
	sum.Complete = len(sum.Left) == 0
	if jsonOut {
		if err := sum.finish(out, t0, calls, nil); err != nil {
			return err
		}
	}
	if len(sum.Left) > 0 {
		fmt.Fprintf(text, "\nThe scan by tag %s=%s found resources left:\n  %s\n", topology.StackTag, p.Stack, strings.Join(sum.Left, "\n  "))
		return &ExitError{ExitFailed, fmt.Errorf("%d resources of stack %s are left", len(sum.Left), p.Stack)}
	}
	switch {
	case p.Kind == "destroy":
		fmt.Fprintf(text, "\nDestroy complete in %.1fs: %d API calls (%d mutating); the scan by tag %s=%s found nothing left.\n",
			time.Since(t0).Seconds(), calls.Total, calls.Mutating, topology.StackTag, p.Stack)
	case !p.Empty():
		fmt.Fprintf(text, "\nApply complete in %.1fs: %d API calls (%d mutating).\n", time.Since(t0).Seconds(), calls.Total, calls.Mutating)
	}
	return nil
}

func destroyCmd() *cobra.Command {
	f := &stackFlags{}
	var auto, lift bool
	cmd := &cobra.Command{
		Use:   "destroy -f FILE [--auto-approve] [--lift-deletion-protection] [--output text|json]",
		Short: "Remove everything the stack created, in AWS's order, then scan for leftovers",
		Long: `Deletes the stack's Route 53 records, health checks and (if globaldb created it) hosted
zone; detaches the secondary clusters from the global cluster and deletes their instances
and clusters, then the writer's, then the global cluster; then subnet groups and IAM
roles. Deletion protection is turned off only with --lift-deletion-protection. Safe to
interrupt and re-run. Ends with a scan by tag; anything left is listed and the exit
status is 3. With --output json, stdout holds one document: the steps done and what is left.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			t, c, err := f.open(ctx)
			if err != nil {
				return err
			}
			t0 := time.Now()
			p, w, err := orchestrator.PlanDestroy(ctx, c, t, lift)
			if err != nil {
				return err
			}
			return f.execute(cmd, c, p, auto, t0, "Destroy everything listed?", func(rep orchestrator.Reporter) error {
				return orchestrator.Destroy(ctx, c, t, p, w, orchestrator.Options{PollMin: f.pollMin, Reporter: rep, LiftDeletionProtection: lift})
			}, func() ([]string, error) {
				left, err := orchestrator.Orphans(ctx, c, t, w.Regions()...)
				if err != nil {
					return nil, fmt.Errorf("orphan scan: %w", err)
				}
				return left, nil
			})
		},
	}
	f.register(cmd, "text", "json")
	cmd.Flags().BoolVar(&auto, "auto-approve", false, "destroy without asking")
	cmd.Flags().BoolVar(&lift, "lift-deletion-protection", false, "turn deletion protection off where it is on, then delete")
	return cmd
}

func iamPolicyCmd() *cobra.Command {
	f := &stackFlags{}
	var account string
	var canary bool
	cmd := &cobra.Command{
		Use:   "iam-policy -f FILE [--account ID] [--canary]",
		Short: "Print the least-privilege IAM policy for the operator who runs globaldb on this topology",
		Long: `Prints the identity policy that lets a user or role run plan, apply, status, verify,
failover and destroy on this topology and nothing more: reads on every resource (RDS and
Route 53 describe and list calls are not resource-scoped), changes only on the stack's
own resources by name (with alarm health checks, CloudWatch alarm changes on the
stack's alarm names). The account ID comes from --account, or from STS. --canary prints
the policy of 'globaldb canary' instead.

The document is larger than the 2,048 characters IAM allows for a user's inline
policies: create it as a customer managed policy (aws iam create-policy) and attach
it to the operator's user, group or role, or put it inline on a role (10,240).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := f.load()
			if err != nil {
				return err
			}
			if canary {
				fmt.Fprintln(cmd.OutOrStdout(), orchestrator.CanaryPolicy().Indented())
				return nil
			}
			if account == "" {
				c, err := f.connect(cmd.Context(), t)
				if err != nil {
					return err
				}
				if account, err = c.Account(cmd.Context()); err != nil {
					return err
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), orchestrator.PolicyFor(t, account).Indented())
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&account, "account", "", "AWS account ID (default: the caller's, from STS)")
	cmd.Flags().BoolVar(&canary, "canary", false, "print the policy of 'globaldb canary' instead (PutMetricData to Globaldb/Canary, DescribeDBClusters)")
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
