package crashtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/runbook"
	"github.com/globaldb/globaldb/internal/topology"
)

const (
	stackFile = "../../examples/global.yaml"
	// password is the master password apply gives CreateDBCluster; it
	// must never be at rest in the data dir nor in the emulator's log.
	password = "crash-Test-pw-4711"
)

// TestEmulator_KillNineDuringApplyAndDestroy kills the emulator with
// SIGKILL at 10 moments of `globaldb apply -f examples/global.yaml` and 3
// of `globaldb destroy`, restarting it on the same data directory after
// each kill. Every kill is followed by: its postgres servers die with it,
// no file of the data directory holds the master password, the restarted
// emulator takes the next run. The last apply must converge (the master
// user logs in through the writer endpoint) and the last destroy must
// leave nothing: no resource by tag, no postgres process, no data
// directory, no plaintext password.
//
// The moments are spread over the measured duration of a clean run (a
// first apply and destroy without kills, which is also the control): four
// in the first second, the others across the rest. They are counted on
// the run's own clock summed over the runs (the run after a kill resumes
// where the killed one stopped), so the kills land at successive stages
// of the work, from the first API calls to the last replica.
func TestEmulator_KillNineDuringApplyAndDestroy(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers and kills emulators")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	base := t.TempDir()
	// The engines run as the unprivileged postgres user when the test
	// runs as root: it must traverse the directories above the data dir.
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(base, "data")
	logPath := filepath.Join(base, "emulator.log")
	h := &harness{t: t, ctx: ctx, dir: dir, logPath: logPath}
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				t.Logf("emulator log (last 6000 bytes):\n%s", tailBytes(b, 6000))
			}
		}
	})

	h.emu = startEmulator(t, dir, logPath)
	applyTook := h.completeRun("apply (clean)", "apply")
	destroyTook := h.completeRun("destroy (clean)", "destroy")
	t.Logf("clean run: apply %.1fs, destroy %.1fs", applyTook.Seconds(), destroyTook.Seconds())

	applyKills := append([]time.Duration{150 * time.Millisecond, 400 * time.Millisecond, 650 * time.Millisecond, 900 * time.Millisecond},
		spread(applyTook, 1*time.Second, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9)...)
	h.crashRounds("apply", applyKills)
	h.completeRun("apply (after the kills)", "apply")
	h.checkLogin()

	h.crashRounds("destroy", spread(destroyTook, 0, 0.15, 0.45, 0.75))
	h.completeRun("destroy (after the kills)", "destroy")
	h.checkNothingLeft()
}

type harness struct {
	t            *testing.T
	ctx          context.Context
	dir, logPath string
	emu          *emulatorChild
}

// spread returns the moments f×d for each fraction, none earlier than
// floor (moments stay increasing).
func spread(d, floor time.Duration, fractions ...float64) []time.Duration {
	out := make([]time.Duration, len(fractions))
	for i, f := range fractions {
		out[i] = max(time.Duration(f*float64(d)), floor+time.Duration(i+1)*100*time.Millisecond)
	}
	return out
}

// completeRun runs a command to completion and returns how long it took.
func (h *harness) completeRun(what, verb string) time.Duration {
	h.t.Helper()
	r := h.emu.start(h.t, password, h.args(verb)...)
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Minute)
	defer cancel()
	if !r.wait(ctx) {
		h.t.Fatalf("%s failed: %v\n%s", what, r.cmd.ProcessState, r.tail())
	}
	return time.Since(r.t0)
}

func (h *harness) args(verb string) []string {
	return []string{verb, "-f", stackFile, "--auto-approve", "--poll-interval", "200ms", "--log-level", "warn"}
}

// crashRounds runs verb repeatedly and kills the emulator at each moment,
// counted on the runs' summed clock; after each kill it checks the data
// dir and restarts the emulator.
func (h *harness) crashRounds(verb string, moments []time.Duration) {
	h.t.Helper()
	var elapsed time.Duration
	for i, at := range moments {
		r := h.emu.start(h.t, password, h.args(verb)...)
		timer := time.NewTimer(at - elapsed)
		finished := false
		select {
		case <-timer.C:
		case <-r.done:
			finished = true // the work was done before this moment: kill now
			timer.Stop()
		}
		h.emu.kill(h.t)
		elapsed += time.Since(r.t0)
		h.t.Logf("%s kill %d at %.2fs of the run (finished first: %v)", verb, i+1, elapsed.Seconds(), finished)
		ctx, cancel := context.WithTimeout(h.ctx, time.Minute)
		r.wait(ctx) // it fails: its endpoint is gone
		waitNoPostgres(ctx, h.t, h.dir, fmt.Sprintf("after %s kill %d", verb, i+1))
		cancel()
		if files := filesContaining(h.t, []byte(password), h.dir); len(files) > 0 {
			h.t.Errorf("after %s kill %d: the master password is at rest in %v", verb, i+1, files)
		}
		h.emu = startEmulator(h.t, h.dir, h.logPath)
	}
}

// checkLogin logs in as the master user through the primary's writer
// endpoint: the volume was completed with the password's verifier.
func (h *harness) checkLogin() {
	h.t.Helper()
	top, err := topology.Load(stackFile)
	if err != nil {
		h.t.Fatal(err)
	}
	primary := top.Regions[0]
	cl := rds.New(rds.Options{Region: primary.Name, BaseEndpoint: aws.String(h.emu.endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	out, err := cl.DescribeDBClusters(h.ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(orchestrator.Names{Stack: top.Name}.Cluster(primary.Name))})
	if err != nil || len(out.DBClusters) != 1 {
		h.t.Fatalf("describe the primary cluster: %v", err)
	}
	c := out.DBClusters[0]
	conn, err := runbook.Connect(h.ctx, dnsserver.Resolver(h.emu.dns), aws.ToString(c.Endpoint), int(aws.ToInt32(c.Port)),
		aws.ToString(c.MasterUsername), password, "postgres")
	if err != nil {
		h.t.Fatalf("master user login through the writer endpoint: %v", err)
	}
	defer conn.Close(h.ctx)
	var one int
	if err := conn.QueryRow(h.ctx, "SELECT 1").Scan(&one); err != nil {
		h.t.Fatalf("query as the master user: %v", err)
	}
}

// checkNothingLeft: no resource of the stack by tag, no postgres process,
// no data directory, and (after a clean stop) no plaintext password in
// the data dir or the emulator's log.
func (h *harness) checkNothingLeft() {
	h.t.Helper()
	top, err := topology.Load(stackFile)
	if err != nil {
		h.t.Fatal(err)
	}
	var regions []string
	for _, r := range top.Regions {
		regions = append(regions, r.Name)
	}
	c, err := orchestrator.Connect(h.ctx, orchestrator.Target{EndpointURL: h.emu.endpoint, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}, regions)
	if err != nil {
		h.t.Fatal(err)
	}
	left, err := orchestrator.Orphans(h.ctx, c, top)
	if err != nil {
		h.t.Fatalf("scan by tag: %v", err)
	}
	if len(left) > 0 {
		h.t.Errorf("resources left by tag after destroy: %v", left)
	}
	ctx, cancel := context.WithTimeout(h.ctx, time.Minute)
	defer cancel()
	waitNoPostgres(ctx, h.t, h.dir, "after destroy")
	entries, err := os.ReadDir(filepath.Join(h.dir, "pg"))
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range entries {
		h.t.Errorf("left in the data dir after destroy: pg/%s", e.Name())
	}
	h.emu.stop(h.t)
	if files := filesContaining(h.t, []byte(password), h.dir, h.logPath); len(files) > 0 {
		h.t.Errorf("the master password is at rest in %v", files)
	}
}

func tailBytes(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
