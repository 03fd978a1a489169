package cli

import (
	"bytes"
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

func TestStackCommands_killAndRerun(t *testing.T) {
	e := emulatortest.StartScaled(t, 0.05)
	ep := e.Endpoint()
	file := seedFile(t)
	flags := []string{"-f", file, "--poll-interval", "100ms"}

	if r := runCLI(t, ep, append([]string{"plan"}, flags...)...); r.code != ExitChanges || !strings.Contains(r.stdout, "Plan: 16 to create") {
		t.Fatalf("plan on an empty account: exit %d, want %d\n%s%s", r.code, ExitChanges, r.stdout, r.stderr)
	}
	// kill -9 at three points of apply, re-running each time.
	apply := append([]string{"apply", "--auto-approve"}, flags...)
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
	r := runCLI(t, ep, apply...)
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
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"topology error names file, line and field", []string{"plan", "-f", bad}, bad + ":4:5: regions[0].role: \"primry\" is not a role"},
		{"missing file", []string{"apply", "-f", filepath.Join(dir, "none.yaml"), "--auto-approve"}, "none.yaml"},
		{"no -f", []string{"destroy"}, `required flag(s) "file" not set`},
		{"apply without a terminal or --auto-approve", []string{"apply", "-f", seedFile(t)}, "pass --auto-approve"},
	}
	e := emulatortest.Start(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, e.Endpoint(), tc.args...)
			if r.code != ExitFailure || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, ExitFailure, tc.want)
			}
		})
	}
}

func TestDrillCommand(t *testing.T) {
	e := emulatortest.StartScaled(t, 0.05)
	ep := e.Endpoint()
	file := seedFile(t)
	if r := runCLI(t, ep, "apply", "--auto-approve", "-f", file, "--poll-interval", "100ms"); r.code != ExitOK {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	dir := t.TempDir()
	r := runCLI(t, ep, "drill", "-f", file, "--scenario", "switchover", "--duration", "5s", "--report", dir,
		"--resolver", e.DNSAddr(), "--time-scale", "0.05", "--output", "json")
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
	r = runCLI(t, ep, "failover", "-f", file, "--mode", "switchover", "--to", "ap-southeast-2", "--resolver", e.DNSAddr(), "--output", "json", "--poll-interval", "100ms")
	if r.code != ExitOK || !strings.Contains(r.stdout, `"to": "ap-southeast-2"`) {
		t.Fatalf("failover: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, ep, "failover", "-f", file, "--mode", "switchover", "--to", "ap-southeast-2", "--resolver", e.DNSAddr())
	if r.code != ExitFailed || !strings.Contains(r.stdout, "already holds the writer") {
		t.Errorf("failover to the writer: exit %d, want %d\n%s%s", r.code, ExitFailed, r.stdout, r.stderr)
	}
}
