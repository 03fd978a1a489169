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

	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/topology"
)

// Exit codes, documented in docs/runbook.md.
const (
	ExitOK      = 0
	ExitFailure = 1 // bad input, an API error, an interrupted run
	ExitChanges = 2 // plan: changes pending
	ExitFailed  = 3 // verify: a check failed; destroy: something of the stack is left
)

// ExitError carries an exit code other than 1 up to main.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// stackFlags are the flags every stack command takes.
type stackFlags struct {
	file        string
	profile     string
	endpointURL string
	output      string
	pollMin     time.Duration
}

func (f *stackFlags) register(cmd *cobra.Command, outputs ...string) {
	fl := cmd.Flags()
	fl.StringVarP(&f.file, "file", "f", "", "topology file (YAML)")
	_ = cmd.MarkFlagRequired("file")
	fl.StringVar(&f.profile, "profile", "", "AWS shared config profile (default: the SDK's default chain, $AWS_PROFILE)")
	fl.StringVar(&f.endpointURL, "endpoint-url", "", "AWS endpoint URL, e.g. the emulator's (default $AWS_ENDPOINT_URL)")
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
		return nil, fmt.Errorf("--output %q: use text, table or json", f.output)
	}
	return t, nil
}

func (f *stackFlags) connect(ctx context.Context, t *topology.Topology) (*orchestrator.Clients, error) {
	var regions []string
	for _, r := range t.Regions {
		regions = append(regions, r.Name)
	}
	return orchestrator.Connect(ctx, orchestrator.Target{Profile: f.profile, EndpointURL: f.endpointURL}, regions)
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
	fmt.Fprintf(cmd.OutOrStdout(), "\n%s Only 'yes' proceeds: ", question)
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
		Use:   "apply -f FILE [--auto-approve]",
		Short: "Create or converge the stack: IAM roles, global cluster, regions, Route 53",
		Long: `Plans as 'globaldb plan' does, then executes the steps in AWS's order, in parallel
across regions where AWS allows, polling with backoff (AWS has no waiter for global
clusters). Safe to interrupt: a re-run reads the world again and converges. A second
apply on a converged stack makes no change and no mutating call.`,
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
			out := cmd.OutOrStdout()
			p.WriteText(out)
			if p.Empty() || len(p.Problems) > 0 {
				if len(p.Problems) > 0 {
					return fmt.Errorf("%w: see above", orchestrator.ErrProblems)
				}
				return nil
			}
			if !auto {
				if err := confirm(cmd, "Apply these steps?"); err != nil {
					return err
				}
			}
			fmt.Fprintln(out)
			err = orchestrator.Apply(ctx, c, t, p, w, orchestrator.Options{PollMin: f.pollMin, Reporter: reporter(cmd)})
			calls := c.Calls.Snapshot()
			if err != nil {
				return fmt.Errorf("apply stopped (re-run to continue; nothing done is lost):\n%w", err)
			}
			fmt.Fprintf(out, "\nApply complete in %.1fs: %d API calls (%d mutating).\n", time.Since(t0).Seconds(), calls.Total, calls.Mutating)
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&auto, "auto-approve", false, "apply without asking")
	return cmd
}

func destroyCmd() *cobra.Command {
	f := &stackFlags{}
	var auto, lift bool
	cmd := &cobra.Command{
		Use:   "destroy -f FILE [--auto-approve] [--lift-deletion-protection]",
		Short: "Remove everything the stack created, in AWS's order, then scan for leftovers",
		Long: `Deletes the stack's Route 53 records, health checks and (if globaldb created it) hosted
zone; detaches the secondary clusters from the global cluster and deletes their instances
and clusters, then the writer's, then the global cluster; then subnet groups and IAM
roles. Deletion protection is turned off only with --lift-deletion-protection. Safe to
re-run. Ends with a scan by tag; anything left is listed and the exit status is 3.`,
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
			out := cmd.OutOrStdout()
			p.WriteText(out)
			if len(p.Problems) > 0 {
				return fmt.Errorf("%w: see above", orchestrator.ErrProblems)
			}
			if !p.Empty() {
				if !auto {
					if err := confirm(cmd, "Destroy everything listed?"); err != nil {
						return err
					}
				}
				fmt.Fprintln(out)
				if err := orchestrator.Destroy(ctx, c, t, p, w, orchestrator.Options{PollMin: f.pollMin, Reporter: reporter(cmd), LiftDeletionProtection: lift}); err != nil {
					return fmt.Errorf("destroy stopped (re-run to continue):\n%w", err)
				}
			}
			left, err := orchestrator.Orphans(ctx, c, t, w.Regions()...)
			if err != nil {
				return fmt.Errorf("orphan scan: %w", err)
			}
			calls := c.Calls.Snapshot()
			if len(left) > 0 {
				fmt.Fprintf(out, "\nThe scan by tag %s=%s found resources left:\n  %s\n", topology.StackTag, t.Name, strings.Join(left, "\n  "))
				return &ExitError{ExitFailed, fmt.Errorf("%d resources of stack %s are left", len(left), t.Name)}
			}
			fmt.Fprintf(out, "\nDestroy complete in %.1fs: %d API calls (%d mutating); the scan by tag %s=%s found nothing left.\n",
				time.Since(t0).Seconds(), calls.Total, calls.Mutating, topology.StackTag, t.Name)
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&auto, "auto-approve", false, "destroy without asking")
	cmd.Flags().BoolVar(&lift, "lift-deletion-protection", false, "turn deletion protection off where it is on, then delete")
	return cmd
}

func iamPolicyCmd() *cobra.Command {
	f := &stackFlags{}
	var account string
	cmd := &cobra.Command{
		Use:   "iam-policy -f FILE [--account ID]",
		Short: "Print the least-privilege IAM policy for the operator who runs globaldb on this topology",
		Long: `Prints the identity policy that lets a user or role run plan, apply, status, verify,
failover and destroy on this topology and nothing more: reads on every resource (RDS and
Route 53 describe and list calls are not resource-scoped), changes only on the stack's
own resources by name. The account ID comes from --account, or from STS.

The document is larger than the 2,048 characters IAM allows for a user's inline
policies: create it as a customer managed policy (aws iam create-policy) and attach
it to the operator's user, group or role, or put it inline on a role (10,240).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := f.load()
			if err != nil {
				return err
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
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
