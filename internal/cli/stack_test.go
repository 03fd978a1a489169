package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/topology/topologytest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// globaldbBinary builds cmd/globaldb once per test run.
func globaldbBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "globaldb-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "globaldb")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/globaldb").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build globaldb: %v", buildErr)
	}
	return binPath
}

// seedFile writes examples/global.yaml with its password in a file.
func seedFile(t *testing.T) string { return topologytest.SeedFile(t) }

type run struct {
	code           int
	stdout, stderr string
}

// start runs the binary with the emulator's endpoint and root keys.
func command(t *testing.T, endpoint string, args ...string) *exec.Cmd {
	cmd := exec.Command(globaldbBinary(t), args...)
	cmd.WaitDelay = time.Second
	none := filepath.Join(t.TempDir(), "none")
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+endpoint, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_REGION=ap-southeast-1", "AWS_CONFIG_FILE="+none, "AWS_SHARED_CREDENTIALS_FILE="+none, "AWS_EC2_METADATA_DISABLED=true")
	return cmd
}

func runCLI(t *testing.T, endpoint string, args ...string) run {
	t.Helper()
	cmd := command(t, endpoint, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// No command of these tests takes minutes: one that does is stuck.
	timer := time.AfterFunc(3*time.Minute, func() { _ = cmd.Process.Signal(syscall.SIGQUIT) })
	err := cmd.Wait()
	timer.Stop()
	r := run{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return r
}

// killAfter starts the command and kills it with SIGKILL after d (or
// lets it finish first).
func killAfter(t *testing.T, endpoint string, d time.Duration, args ...string) (killed bool) {
	t.Helper()
	cmd := command(t, endpoint, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return false
	case <-time.After(d):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
		return true
	}
}

// lockedBuffer is a bytes.Buffer the command writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// signalWhen starts the command, sends it sig once cond holds (polled
// with what the command printed on stdout so far), and returns how it
// ended. The test fails if the command ends first.
func signalWhen(t *testing.T, endpoint string, sig syscall.Signal, cond func(ctx context.Context, stdout string) bool, args ...string) run {
	t.Helper()
	cmd := command(t, endpoint, args...)
	var out, errb lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var err error
wait:
	for {
		select {
		case err = <-done:
			t.Fatalf("%v ended (%v) before the condition to signal it held\n%s%s", args, err, out.String(), errb.String())
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("%v: the condition to signal it never held\n%s%s", args, out.String(), errb.String())
		case <-tick.C:
			if cond(ctx, out.String()) {
				_ = cmd.Process.Signal(sig)
				break wait
			}
		}
	}
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		<-done
		t.Fatalf("%v did not end after %v\n%s%s", args, sig, out.String(), errb.String())
	}
	r := run{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestStackCommands_killAndRerun(t *testing.T) {
	// Not 0.05: see TestStackCommands_emulatorDiscovery.
	e := emulatortest.StartScaled(t, 0.5)
	ep := e.Endpoint()
	file := seedFile(t)
	flags := []string{"-f", file, "--poll-interval", "100ms"}

	if r := runCLI(t, ep, append([]string{"plan"}, flags...)...); r.code != ExitChanges || !strings.Contains(r.stdout, "Plan: 16 to create") {
		t.Fatalf("plan on an empty account: exit %d, want %d\n%s%s", r.code, ExitChanges, r.stdout, r.stderr)
	}
	apply := append([]string{"apply", "--auto-approve"}, flags...)
	// Ctrl-C once apply has created the global cluster (it then waits for
	// the clusters): one line, the documented code, and a re-run converges
	// (below).
	rdsc := emulatortest.RDS(e, "ap-southeast-1")
	r := signalWhen(t, ep, syscall.SIGINT, func(ctx context.Context, _ string) bool {
		out, err := rdsc.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{})
		return err == nil && len(out.GlobalClusters) > 0
	}, apply...)
	if r.code != ExitInterrupted || !strings.Contains(r.stderr, "globaldb: interrupted; re-run to continue") {
		t.Fatalf("apply interrupted: exit %d, want %d and the interrupted line\n%s%s", r.code, ExitInterrupted, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if last := lines[len(lines)-1]; last != "globaldb: interrupted; re-run to continue" || strings.Contains(r.stderr, "globaldb: apply stopped") || strings.Contains(r.stdout, "Apply complete") {
		t.Errorf("interrupted apply: want the interrupted line last and no error or completion line:\n%s%s", r.stdout, r.stderr)
	}
	// kill -9 at three points of apply, re-running each time.
	kills := 0
	for _, d := range []time.Duration{150 * time.Millisecond, 700 * time.Millisecond, 1500 * time.Millisecond} {
		if killAfter(t, ep, d, apply...) {
			kills++
		}
	}
	if kills == 0 {
		t.Fatal("apply always finished before the kill: the test proves nothing")
	}
	if r := runCLI(t, ep, apply...); r.code != ExitOK {
		t.Fatalf("apply after %d kills: exit %d\n%s%s", kills, r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, ep, append([]string{"plan"}, flags...)...); r.code != ExitOK || !strings.Contains(r.stdout, "No changes") {
		t.Fatalf("plan after apply: exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, ep, apply...)
	if r.code != ExitOK || !strings.Contains(r.stdout, "No changes") {
		t.Fatalf("second apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// kill -9 during destroy, then re-run: nothing left.
	destroy := append([]string{"destroy", "--auto-approve"}, flags...)
	killAfter(t, ep, 400*time.Millisecond, destroy...)
	r = runCLI(t, ep, destroy...)
	if r.code != ExitOK || !strings.Contains(r.stdout, "found nothing left") {
		t.Fatalf("destroy after a kill: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, ep, destroy...)
	if r.code != ExitOK || !strings.Contains(r.stdout, "Nothing to destroy") {
		t.Fatalf("second destroy: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestStackCommands_badInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: seed\nregions:\n  - name: ap-southeast-1\n    role: primry\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	seed := seedFile(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"topology error names file, line and field", []string{"plan", "-f", bad}, ExitFailure, bad + ":4:5: regions[0].role: \"primry\" is not a role"},
		{"missing file", []string{"apply", "-f", filepath.Join(dir, "none.yaml"), "--auto-approve"}, ExitFailure, "none.yaml"},
		{"no -f", []string{"destroy"}, ExitUsage, `required flag(s) "file" not set`},
		{"unknown flag", []string{"apply", "-f", seed, "--auto-aprove"}, ExitUsage, "unknown flag: --auto-aprove\nRun 'globaldb apply --help' for usage."},
		{"unknown command", []string{"aply"}, ExitUsage, `unknown command "aply"`},
		{"bad --output", []string{"status", "-f", seed, "--output", "yaml"}, ExitUsage, `--output "yaml"`},
		{"failover --to a typo", []string{"failover", "-f", seed, "--to", "ap-southeast-3"}, ExitUsage,
			`--to "ap-southeast-3" is not a region of stack seed (` + seed + `): did you mean "ap-southeast-1"? (one of ap-southeast-1, ap-southeast-2)`},
		{"failover --to a region not in the file", []string{"failover", "-f", seed, "--to", "us-east-1", "--mode", "failover"}, ExitUsage,
			`--to "us-east-1" is not a region of stack seed`},
		{"failover --mode a typo", []string{"failover", "-f", seed, "--mode", "swichover"}, ExitUsage, `did you mean "switchover"?`},
		{"drill --scenario a typo", []string{"drill", "-f", seed, "--scenario", "region-outag"}, ExitUsage, `did you mean "region-outage"?`},
		{"apply without a terminal or --auto-approve", []string{"apply", "-f", seed}, ExitFailure, "pass --auto-approve"},
		{"status of a stack not deployed", []string{"status", "-f", seed}, ExitNotDeployed, "globaldb: stack seed is not deployed (run apply)\n"},
		{"verify of a stack not deployed", []string{"verify", "-f", seed}, ExitNotDeployed, "globaldb: stack seed is not deployed (run apply)\n"},
		{"failover of a stack not deployed", []string{"failover", "-f", seed}, ExitNotDeployed, "stack seed is not deployed (run apply)"},
	}
	e := emulatortest.Start(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, e.Endpoint(), tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tc.code, tc.want)
			}
			if tc.code == ExitUsage && r.stdout != "" {
				t.Errorf("a usage error printed on stdout first: %q", r.stdout)
			}
			if tc.code == ExitNotDeployed && (r.stdout != "" || strings.Count(r.stderr, "\n") != 1) {
				t.Errorf("not deployed: want one line on stderr and nothing on stdout, got %q %q", r.stdout, r.stderr)
			}
		})
	}
}

// TestStackCommands_emulatorDiscovery runs the commands that reach the
// databases against an emulator started on its own, with neither
// --resolver nor --time-scale: they learn both from the emulator.
func TestStackCommands_emulatorDiscovery(t *testing.T) {
	// 0.5, not 0.05: Route 53's TCP checkers connect to the writer 16
	// times a second at 0.05, each connection a postgres backend, which a
	// loaded machine does not keep up with (apply then cannot clone).
	e := emulatortest.StartScaled(t, 0.5)
	ep := e.Endpoint()
	file := seedFile(t)
	r := runCLI(t, ep, "apply", "--auto-approve", "-f", file, "--poll-interval", "100ms", "--output", "json")
	if r.code != ExitOK {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var applied runSummary
	if err := json.Unmarshal([]byte(r.stdout), &applied); err != nil {
		t.Fatalf("apply --output json: %v\n%s", err, r.stdout)
	}
	if !applied.Complete || applied.Kind != "apply" || applied.Planned.Create != 16 || len(applied.Steps) != 16 || applied.MutatingCalls == 0 {
		t.Errorf("apply summary: complete %v, kind %q, planned %+v, %d steps done, %d mutating calls; want 16 creates done",
			applied.Complete, applied.Kind, applied.Planned, len(applied.Steps), applied.MutatingCalls)
	}
	r = runCLI(t, ep, "verify", "-f", file)
	if r.code != ExitOK {
		t.Fatalf("verify without --resolver: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, ep, "status", "-f", file)
	// The health checks' details are the emulator's checkers' last
	// observations (right after apply they may still be failing from
	// before the instances were up); the DNS section is status's own
	// resolution, through the emulator's DNS server it discovered.
	_, names, _ := strings.Cut(r.stdout, "DNS NAME")
	if r.code != ExitOK || !strings.Contains(r.stdout, "seed-ap-southeast-1-writer") ||
		strings.Contains(names, "no such host") || !strings.Contains(names, "→ 127.") {
		t.Errorf("status without --resolver: exit %d, want health checks by name and resolved names\n%s%s", r.code, r.stdout, r.stderr)
	}

	dir := t.TempDir()
	r = runCLI(t, ep, "drill", "-f", file, "--scenario", "switchover", "--duration", "5s", "--report", dir, "--output", "json")
	if r.code != ExitOK {
		t.Fatalf("drill: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("drill --output json: %v\n%s", err, r.stdout)
	}
	if res["scenario"] != "switchover" || res["target"] != "emulator" || res["pass"] != true || res["lost_writes"] != float64(0) {
		t.Errorf("drill result %v", res)
	}
	if res["time_scale"] != 0.5 {
		t.Errorf("drill judged with time scale %v, want the emulator's 0.5", res["time_scale"])
	}
	html, _ := filepath.Glob(filepath.Join(dir, "drill-switchover-*.html"))
	js, _ := filepath.Glob(filepath.Join(dir, "drill-switchover-*.json"))
	if len(html) != 1 || len(js) != 1 {
		t.Fatalf("report files: %v %v", html, js)
	}
	b, _ := os.ReadFile(html[0])
	if !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("PASS")) {
		t.Errorf("report %s lacks the timeline or the verdict", html[0])
	}
	// The failover command moves the writer and reports in JSON.
	r = runCLI(t, ep, "failover", "-f", file, "--mode", "switchover", "--to", "ap-southeast-2", "--output", "json", "--poll-interval", "100ms")
	if r.code != ExitOK || !strings.Contains(r.stdout, `"to": "ap-southeast-2"`) {
		t.Fatalf("failover: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, ep, "failover", "-f", file, "--mode", "switchover", "--to", "ap-southeast-2")
	if r.code != ExitFailed || !strings.Contains(r.stdout, "already holds the writer") {
		t.Errorf("failover to the writer: exit %d, want %d\n%s%s", r.code, ExitFailed, r.stdout, r.stderr)
	}
	// The flags still override what the emulator announces: a DNS server
	// that does not answer fails verify, and says which one was asked.
	r = runCLI(t, ep, "verify", "-f", file, "--resolver", "127.0.0.1:9")
	if r.code != ExitFailed || !strings.Contains(r.stdout+r.stderr, "127.0.0.1:9") {
		t.Errorf("verify --resolver 127.0.0.1:9: exit %d, want %d naming the server\n%s%s", r.code, ExitFailed, r.stdout, r.stderr)
	}
}
