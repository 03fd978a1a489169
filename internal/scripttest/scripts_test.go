package scripttest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// password is the stack's master password; no script output may contain it.
const password = "scripts-Test-pw-7319"

// awsCLI is one aws CLI binary and the stack the test gives it. Each CLI
// gets its own regions so that the stacks run in parallel: a region outage
// staged for one must not touch the other.
type awsCLI struct {
	name, bin          string
	primary, secondary string
}

// TestScripts_Emulator runs create (twice: the second creates nothing),
// test-failover and cleanup (twice: the second deletes nothing) with every
// aws CLI on the machine against one emulator, then checks with the CLI
// that nothing of the stack is left.
func TestScripts_Emulator(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator with PostgreSQL servers")
	}
	for _, tool := range []string{"bash", "psql", "dig", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (scripts/install-deps.sh installs it)", tool)
		}
	}
	if _, err := exec.LookPath("pg_config"); err != nil {
		if _, err := os.Stat("/usr/lib/postgresql"); err != nil {
			t.Skip("PostgreSQL server binaries not installed (scripts/install-deps.sh installs them)")
		}
	}
	clis := findCLIs(t)
	// Each CLI's lifecycle takes minutes on a 2-core machine: make test
	// runs the first CLI found (v1 when installed: it has
	// --allow-data-loss); GLOBALDB_SCRIPTS_ALL_CLIS=1 runs every one.
	if os.Getenv("GLOBALDB_SCRIPTS_ALL_CLIS") == "" && len(clis) > 1 {
		t.Logf("running the scripts with %s only; GLOBALDB_SCRIPTS_ALL_CLIS=1 runs %d CLIs", clis[0].name, len(clis))
		clis = clis[:1]
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := buildGlobaldb(t, root, dir)
	endpoint, _ := startEmulator(t, bin, dir)
	base := baseEnv(t, dir, endpoint, bin)
	for i, c := range clis {
		env := append(append([]string{}, base...), "AWS_CLI="+c.bin, "STACK=gdbs"+c.name[len(c.name)-2:],
			"PRIMARY_REGION="+c.primary, "SECONDARY_REGION="+c.secondary)
		if i == 0 {
			env = append(env, "MASTER_PASSWORD="+password)
		} else {
			env = append(env, "MASTER_PASSWORD_FILE="+writeFile(t, dir, "password", password+"\n"))
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runLifecycle(t, root, env, c)
		})
	}
}

func runLifecycle(t *testing.T, root string, env []string, c awsCLI) {
	s := &scripts{t: t, root: root, env: env}
	out := s.run("create-aurora-global.sh")
	if !strings.Contains(out, "created: DB instance") || !strings.Contains(out, "created: failover records") {
		t.Fatalf("first create created nothing:\n%s", out)
	}
	out = s.run("create-aurora-global.sh")
	if m := mutatingCall.FindString(out); m != "" || !strings.Contains(out, " 0 created,") || !strings.Contains(out, "skip: failover records") {
		t.Fatalf("second create changed something (%q):\n%s", m, out)
	}
	out = s.run("test-failover.sh")
	// Every query went over TLS, verified against the RDS endpoint name,
	// also the write through the Route 53 name (writer.<zone>).
	if !strings.Contains(out, "sslmode=verify-full sslrootcert=") || strings.Contains(out, "sslmode=disable") ||
		!regexp.MustCompile(`host=\S+\.cluster-\S+\.rds\.amazonaws\.com hostaddr=\S+ .*SELECT region FROM \S+ WHERE token = (?:'|'\\'')after-`).MatchString(out) {
		t.Fatalf("test-failover did not query with verify-full against RDS endpoint names:\n%s", out)
	}
	if i := strings.Index(out, "== failover rehearsal"); i < 0 {
		t.Fatalf("test-failover printed no timings:\n%s", out)
	} else {
		t.Logf("%s", out[i:])
	}
	s.run("cleanup.sh")
	out = s.run("cleanup.sh")
	if m := mutatingCall.FindString(out); m != "" || !strings.Contains(out, " 0 deleted,") {
		t.Fatalf("second cleanup changed something (%q):\n%s", m, out)
	}
	assertNothingLeft(t, env, c)
}

// mutatingCall matches an echoed aws command that changes something.
var mutatingCall = regexp.MustCompile(`(?m)^\+ \S+ .*\b(create-\S+|delete-\S+|put-role-policy|attach-role-policy|detach-role-policy|change-resource-record-sets|remove-from-global-cluster)\b.*$`)

// scripts runs the scripts of one stack and keeps their output.
type scripts struct {
	t    *testing.T
	root string
	env  []string
}

// run runs one script to completion; on failure the test fails with its
// whole output. It returns the output (stdout and stderr, interleaved).
func (s *scripts) run(name string) string {
	s.t.Helper()
	// Stop a script well before the test binary's deadline, so that the
	// emulator is still stopped cleanly.
	timeout := 6 * time.Minute
	if d, ok := s.t.Deadline(); ok && time.Until(d)-time.Minute < timeout {
		timeout = time.Until(d) - time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(s.root, "scripts", name))
	// SIGTERM lets test-failover.sh clear the fault it injected.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	cmd.Dir = s.root
	cmd.Env = s.env
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	start := time.Now()
	err := cmd.Run()
	out := buf.String()
	if strings.Contains(out, password) {
		s.t.Errorf("%s printed the master password", name)
	}
	if err != nil {
		s.t.Fatalf("%s: %v after %s; output:\n%s", name, err, time.Since(start).Round(time.Millisecond), out)
	}
	s.t.Logf("%s: ok in %s; %s", name, time.Since(start).Round(100*time.Millisecond), summary(out))
	return out
}

// summary picks the scripts' closing counts and timings from their output.
func summary(out string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "== stack ") || strings.HasPrefix(l, "timings (s)") {
			lines = append(lines, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(lines, "; ")
}

// assertNothingLeft lists, with the CLI under test, every kind of resource
// the stack made.
func assertNothingLeft(t *testing.T, env []string, c awsCLI) {
	t.Helper()
	stack := envValue(env, "STACK")
	endpoint := envValue(env, "AWS_ENDPOINT_URL")
	checks := []struct {
		region string
		args   []string
	}{
		{c.primary, []string{"rds", "describe-db-clusters", "--query", "DBClusters[?starts_with(DBClusterIdentifier, '" + stack + "-')].DBClusterIdentifier"}},
		{c.secondary, []string{"rds", "describe-db-clusters", "--query", "DBClusters[?starts_with(DBClusterIdentifier, '" + stack + "-')].DBClusterIdentifier"}},
		{c.primary, []string{"rds", "describe-db-instances", "--query", "DBInstances[?starts_with(DBInstanceIdentifier, '" + stack + "-')].DBInstanceIdentifier"}},
		{c.primary, []string{"rds", "describe-global-clusters", "--query", "GlobalClusters[?starts_with(GlobalClusterIdentifier, '" + stack + "-')].GlobalClusterIdentifier"}},
		{"us-east-1", []string{"route53", "list-hosted-zones", "--query", "HostedZones[?Name=='" + stack + ".globaldb.example.com.'].Id"}},
		{"us-east-1", []string{"route53", "list-health-checks", "--query", "HealthChecks[?starts_with(CallerReference, '" + stack + "-')].Id"}},
		{"us-east-1", []string{"iam", "list-roles", "--path-prefix", "/globaldb/" + stack + "/", "--query", "Roles[].RoleName"}},
	}
	for _, ch := range checks {
		args := append([]string{"--region", ch.region, "--endpoint-url", endpoint, "--output", "json"}, ch.args...)
		cmd := exec.Command(c.bin, args...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("%s %s: %v", c.bin, strings.Join(ch.args[:2], " "), err)
			continue
		}
		var left []any
		if s := strings.TrimSpace(string(out)); s != "" && s != "null" {
			if err := json.Unmarshal(out, &left); err != nil {
				t.Errorf("%s: not JSON: %v: %s", strings.Join(ch.args[:2], " "), err, out)
			}
		}
		if len(left) > 0 {
			t.Errorf("after cleanup, %s in %s still lists %v", strings.Join(ch.args[:2], " "), ch.region, left)
		}
	}
}

// findCLIs returns aws CLI v1 (the first `aws` on PATH) and v2
// (Debian's /usr/bin/aws), whichever are installed.
func findCLIs(t *testing.T) []awsCLI {
	var clis []awsCLI
	if c, ok := emulatortest.AWSCLIVersion("1"); ok {
		clis = append(clis, awsCLI{name: c.Name, bin: c.Bin, primary: "ap-southeast-1", secondary: "ap-southeast-2"})
	}
	if c, ok := emulatortest.AWSCLIVersion("2"); ok {
		clis = append(clis, awsCLI{name: c.Name, bin: c.Bin, primary: "eu-west-1", secondary: "eu-west-2"})
	}
	if len(clis) == 0 {
		t.Skip("no aws CLI v1 or v2 installed (scripts/install-deps.sh installs v2)")
	}
	return clis
}

func buildGlobaldb(t *testing.T, root, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "globaldb")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/globaldb")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/globaldb: %v\n%s", err, out)
	}
	return bin
}

var readyLine = regexp.MustCompile(`ready: endpoint (\S+), dns (\S+),`)

// startEmulator runs `globaldb emulator` on free ports with fast health
// checks, waits until /_globaldb/health answers, and stops it with SIGTERM
// (which stops its PostgreSQL servers) when the test ends.
func startEmulator(t *testing.T, bin, dir string) (endpoint, dns string) {
	t.Helper()
	logPath := filepath.Join(dir, "emulator.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// Not under t.TempDir(): the engines run as an unprivileged user when
	// the test runs as root, and must traverse every parent directory.
	data, err := os.MkdirTemp("", "globaldb-scripttest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(data) }) // runs after the emulator stopped
	cmd := exec.Command(bin, "emulator", "--listen", "127.0.0.1:0", "--dns-listen", "127.0.0.1:0",
		"--data-dir", data, "--time-scale", "0.25", "--log-level", "warn", "--log-file", "-")
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Errorf("emulator did not stop within 60 s of SIGTERM; killing it")
			_ = cmd.Process.Kill()
			<-done
		}
		logFile.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil && len(b) > 0 {
				t.Logf("emulator log:\n%s", b)
			}
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := readyLine.FindStringSubmatch(sc.Text()); m != nil {
			endpoint, dns = m[1], m[2]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	if endpoint == "" {
		t.Fatalf("emulator exited before it was ready (log: %s)", logPath)
	}
	waitHealthy(t, endpoint)
	return endpoint, dns
}

func waitHealthy(t *testing.T, endpoint string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(endpoint + "/_globaldb/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("emulator at %s not healthy after 30 s (last error: %v)", endpoint, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// baseEnv is the scripts' environment without AWS or PostgreSQL settings
// from the caller's: root credentials of the emulator and empty CLI config
// files. DNS_SERVER is left unset: the scripts learn it from the emulator,
// and they poll without the CLI's 30 s waiters.
func baseEnv(t *testing.T, dir, endpoint, globaldb string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"AWS_ENDPOINT_URL="+endpoint,
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_CONFIG_FILE="+writeFile(t, dir, "aws-config", ""),
		"AWS_SHARED_CREDENTIALS_FILE="+writeFile(t, dir, "aws-credentials", ""),
		"GLOBALDB="+globaldb)
	return env
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	panic(fmt.Sprintf("no %s in the environment", key))
}
