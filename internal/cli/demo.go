package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/spf13/cobra"

	"github.com/globaldb/globaldb/examples"
	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/runbook"
	"github.com/globaldb/globaldb/internal/topology"
)

func demoCmd() *cobra.Command {
	var keep bool
	var file string
	var scale float64
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Apply, verify, show and destroy examples/global.yaml on an in-process emulator",
		Long: `Starts an emulator in this process and runs the seed's runbook against it through
aws-sdk-go-v2, exactly as against AWS: apply examples/global.yaml (IAM roles, a global
cluster with its primary in ap-southeast-1 and a secondary in ap-southeast-2, two
instances each in different AZs, Route 53 failover and latency records with health
checks), verify replication and every endpoint, show the status, then destroy it all in
AWS's order and scan for leftovers. The master password comes from
GLOBALDB_MASTER_PASSWORD (or the variable the topology file names), or, when
that is not set, is generated for the run; it is never printed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd, file, scale, keep)
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "leave the stack up and the emulator running until interrupted, then destroy")
	cmd.Flags().StringVarP(&file, "file", "f", "", "topology file (default: the embedded examples/global.yaml)")
	cmd.Flags().Float64Var(&scale, "time-scale", 0.1, "emulator time scale for health checks and DNS propagation")
	return cmd
}

// demoReporter shows progress for people on stdout, in line with the rest
// of the demo, even through a pipe (the demo is for reading); --log-format
// logfmt or json sends it to stderr in that format.
func demoReporter(cmd *cobra.Command) orchestrator.Reporter {
	if explicitLogFormat(cmd) && logFormat(cmd) != "human" {
		return reporter(cmd)
	}
	return reporterFor(cmd.OutOrStdout(), "human")
}

func runDemo(ctx context.Context, cmd *cobra.Command, file string, scale float64, keep bool) (err error) {
	out := cmd.OutOrStdout()
	top, err := demoTopology(file)
	if err != nil {
		return err
	}
	if err := demoPassword(top); err != nil {
		return err
	}
	// The emulator's log is for debugging: it goes to a file, kept when
	// the demo fails.
	cfg := emulator.Config{Listen: "127.0.0.1:0", DNSListen: "127.0.0.1:0", TimeScale: scale}
	logs, err := openEmulatorLog(&cfg, "")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			if kept, kerr := keepLog(logs.path); kerr == nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "the emulator's log is kept: %s\n", kept)
			}
		}
		logs.cleanup()
	}()
	cfg.Logger = loggerTo(cmd, logs.writer())
	e, err := emulator.New(cfg)
	if err != nil {
		return err
	}
	if err := e.Start(ctx); err != nil {
		return err
	}
	defer e.Close()
	fmt.Fprintf(out, "emulator: %s (DNS %s, log %s)\neverything below goes through aws-sdk-go-v2, exactly as against AWS\n\n", e.Endpoint(), e.DNSAddr(), logs.path)
	var regions []string
	for _, r := range top.Regions {
		regions = append(regions, r.Name)
	}
	c, err := orchestrator.Connect(ctx, orchestrator.Target{EndpointURL: e.Endpoint(), Region: top.Primary().Name,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}, regions)
	if err != nil {
		return err
	}
	opts := orchestrator.Options{PollMin: 200 * time.Millisecond, Reporter: demoReporter(cmd)}

	fmt.Fprintf(out, "== globaldb apply -f %s\n", top.File)
	fmt.Fprintln(out, "   (builds the stack: IAM roles, the global database in two regions, CloudWatch alarms, Route 53 names and the health checks that follow the alarms)")
	t0 := time.Now()
	p, w, err := orchestrator.PlanApply(ctx, c, top)
	if err != nil {
		return err
	}
	p.WriteText(out)
	if err := orchestrator.Apply(ctx, c, top, p, w, opts); err != nil {
		return err
	}
	calls := c.Calls.Snapshot()
	fmt.Fprintf(out, "applied in %.1fs with %d API calls (%d mutating)\n\n", time.Since(t0).Seconds(), calls.Total, calls.Mutating)

	res := resolve.Server(e.DNSAddr())
	fmt.Fprintf(out, "== globaldb verify -f %s\n", top.File)
	fmt.Fprintln(out, "   (proves it: every endpoint and DNS name answers, the primary writes, the secondary replicates and refuses writes)")
	vr, err := orchestrator.Verify(ctx, c, top, res, orchestrator.VerifyOptions{})
	if err != nil {
		return err
	}
	if err := vr.WriteText(out); err != nil {
		return err
	}
	if !vr.OK() {
		return fmt.Errorf("verify failed: %s", strings.Join(vr.Failures(), "; "))
	}
	st, err := demoSettled(ctx, out, c, top, res)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n== globaldb status -f %s\n", top.File)
	fmt.Fprintln(out, "   (what runs where: roles, endpoints, instances, health checks, DNS answers)")
	if err := st.WriteTable(out); err != nil {
		return err
	}
	fmt.Fprintln(out)
	if err := demoChecks(ctx, out, e, c, top); err != nil {
		return err
	}
	if keep {
		fmt.Fprintf(out, "keeping the stack up: AWS_ENDPOINT_URL=%s, DNS %s; interrupt (Ctrl-C) to destroy it\n", e.Endpoint(), e.DNSAddr())
		<-ctx.Done() // cancelled by SIGINT or SIGTERM (NotifyInterrupt)
		fmt.Fprintln(out, "\ninterrupted: destroying the stack (interrupt again to stop at once)")
	}
	ctx = context.WithoutCancel(ctx)
	fmt.Fprintf(out, "== globaldb destroy -f %s\n", top.File)
	fmt.Fprintln(out, "   (removes everything in AWS's order, then scans by tag for anything left)")
	t1 := time.Now()
	before := c.Calls.Snapshot()
	p, w, err = orchestrator.PlanDestroy(ctx, c, top, true)
	if err != nil {
		return err
	}
	p.WriteText(out)
	if err := orchestrator.Destroy(ctx, c, top, p, w, opts); err != nil {
		return err
	}
	left, err := orchestrator.Orphans(ctx, c, top)
	if err != nil {
		return err
	}
	if len(left) > 0 {
		return fmt.Errorf("left after destroy: %s", strings.Join(left, ", "))
	}
	calls = c.Calls.Snapshot().Since(before)
	fmt.Fprintf(out, "destroyed in %.1fs with %d API calls (%d mutating); the scan by tag %s=%s found nothing left\n",
		time.Since(t1).Seconds(), calls.Total, calls.Mutating, topology.StackTag, top.Name)
	writeNext(out, keep)
	return nil
}

// writeNext ends the demo with where to go from here.
func writeNext(w io.Writer, kept bool) {
	fmt.Fprintln(w, `
Next:
  docs/runbook.md      the same steps one command at a time, against AWS or an emulator
  an emulator of your own, which the commands find by themselves (no --resolver, no --time-scale):
      bin/globaldb emulator --data-dir /tmp/gdb --time-scale 0.1 &
      export AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
      export GLOBALDB_MASTER_PASSWORD=choose-a-long-one
      bin/globaldb apply -f examples/global.yaml --auto-approve && bin/globaldb verify -f examples/global.yaml
  docs/drills.md       rehearse a regional failure under load, with a verdict:
      bin/globaldb drill -f examples/global.yaml --scenario region-outage --report ./reports`)
	if !kept {
		fmt.Fprintln(w, "  bin/globaldb demo --keep   keep the stack up to look around; Ctrl-C destroys it")
	}
}

// demoChecks proves replication: a row written in the primary is read in
// every secondary, and a secondary refuses writes.
func demoChecks(ctx context.Context, out io.Writer, e *emulator.Emulator, c *orchestrator.Clients, top *topology.Topology) error {
	spec, err := runbookSpec(c, top)
	if err != nil {
		return err
	}
	// verify-full against the endpoint names, with the emulator's CA
	// bundle (the one it serves at /_globaldb/global-bundle.pem).
	if spec.Roots, err = c.DBTrust(ctx).Roots(); err != nil {
		return err
	}
	res := resolve.Server(e.DNSAddr())
	fmt.Fprintln(out, "== the runbook's own replication check")
	reps, err := runbook.VerifyReplication(ctx, spec, res)
	if err != nil {
		return err
	}
	for _, r := range reps {
		fmt.Fprintf(out, "row written in %s read in %s %.1f ms after its commit\n", spec.Primary.Name, r.Region, float64(r.Lag.Microseconds())/1000)
	}
	for _, r := range spec.Secondaries {
		refused, err := runbook.WriteRefused(ctx, spec, r, res)
		if err != nil {
			return err
		}
		if !refused {
			return fmt.Errorf("a write in the secondary %s was accepted", r.Name)
		}
		fmt.Fprintf(out, "a write in the secondary %s is refused (read-only)\n", r.Name)
	}
	fmt.Fprintln(out)
	return nil
}

// runbookSpec describes the applied stack for the runbook's checks.
func runbookSpec(c *orchestrator.Clients, top *topology.Topology) (*runbook.Spec, error) {
	pw, err := top.MasterPassword()
	if err != nil {
		return nil, err
	}
	n := orchestrator.Names{Stack: top.Name}
	p := top.Primary()
	db := p.DatabaseName
	if db == "" {
		db = "postgres"
	}
	region := func(r *topology.Region) runbook.Region {
		return runbook.Region{Name: r.Name, Client: c.RDS(r.Name), Cluster: n.Cluster(r.Name)}
	}
	spec := &runbook.Spec{GlobalCluster: n.GlobalCluster(), Engine: top.Engine, EngineVersion: top.EngineVersion,
		MasterUser: p.MasterUsername, Password: pw, Database: db, Primary: region(p)}
	for _, s := range top.Secondaries() {
		spec.Secondaries = append(spec.Secondaries, region(s))
	}
	return spec, nil
}

func demoTopology(file string) (*topology.Topology, error) {
	if file != "" {
		return topology.Load(file)
	}
	dir, err := os.MkdirTemp("", "globaldb-demo-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "global.yaml")
	if err := os.WriteFile(path, examples.Global, 0o644); err != nil {
		return nil, err
	}
	t, err := topology.Load(path)
	if err != nil {
		return nil, err
	}
	t.File = "examples/global.yaml"
	return t, nil
}

// demoPassword generates a master password for the run when the
// environment variable the topology reads it from is not set. It hands the
// password to the topology only: the process environment (global state that
// every child process inherits and /proc/PID/environ shows) never holds it.
func demoPassword(top *topology.Topology) error {
	pw, err := randomPassword()
	if err != nil {
		return err
	}
	top.SetEnv(func(name string) (string, bool) {
		if v, ok := os.LookupEnv(name); ok {
			return v, true
		}
		return pw, true
	})
	return nil
}

func randomPassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", errors.New("generate a password: " + err.Error())
	}
	return "gdb" + strings.NewReplacer("/", "x", "+", "y").Replace(base64.StdEncoding.EncodeToString(b)), nil
}

// keepLog copies the log out of the temporary data directory, which is
// removed, so that a failed demo can be looked into.
func keepLog(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp("", "globaldb-demo-*.log")
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = f.Write(b)
	return f.Name(), err
}

// demoSettled waits, for a bounded time, until every health check and
// alarm that should pass does, and returns the status then. Alarm checks start
// unhealthy: a new alarm whose missing data is breaching goes to ALARM at
// its first evaluation, and the databases' first metrics reach CloudWatch
// a period or two later, as on AWS.
func demoSettled(ctx context.Context, out io.Writer, c *orchestrator.Clients, top *topology.Topology, res resolve.Resolver) (*orchestrator.StatusReport, error) {
	deadline := time.Now().Add(45 * time.Second)
	said := false
	for {
		st, err := orchestrator.Status(ctx, c, top, res)
		if err != nil {
			return nil, err
		}
		settled := true
		for _, hc := range st.HealthChecks {
			if hc.Note == "" && hc.State != "healthy" {
				settled = false
			}
		}
		for _, a := range st.Alarms { // evaluated once a period: they follow the checks
			if a.Note == "" && a.State != "OK" {
				settled = false
			}
		}
		if settled || time.Now().After(deadline) {
			if said {
				fmt.Fprintf(out, "   alarms and health checks settled: %v\n", settled)
			}
			return st, nil
		}
		if !said {
			fmt.Fprintln(out, "\n   (waiting for the alarms and health checks: new alarms start in ALARM, their missing data breaching, until the databases' first metrics reach CloudWatch)")
			said = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
