package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// cli runs one aws CLI binary against the emulator. Every command gets
// --endpoint-url and --region (v1 does not read AWS_ENDPOINT_URL) and
// --output json; the environment keeps the machine's AWS configuration
// out.
type cli struct {
	bin      string
	endpoint string
	env      []string
}

// slowCommand is how long a command may take before the test logs it.
const slowCommand = 5 * time.Second

// timed logs commands slower than slowCommand (waiters, mostly).
func timed(t *testing.T, args []string) func() {
	start := time.Now()
	return func() {
		if d := time.Since(start); d > slowCommand {
			t.Logf("slow: aws %s %s took %.1fs", args[0], args[1], d.Seconds())
		}
	}
}

// awsCLIs finds the aws CLIs: v1 on PATH (pip), v2 at /usr/bin/aws
// (Debian's awscli 2.x), keyed by client, pyenv shims resolved.
func awsCLIs() map[Client]string {
	out := map[Client]string{}
	for _, c := range emulatortest.AWSCLIs() {
		out[Client(c.Name)] = c.Bin
	}
	return out
}

func (c *cli) run(region string, args ...string) (stdout, stderr string, err error) {
	full := append(append([]string(nil), args...), "--region", region, "--endpoint-url", c.endpoint, "--output", "json")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, full...)
	cmd.Env = append(os.Environ(), c.env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// must runs a command that has to succeed and returns its JSON output.
func (c *cli) must(t *testing.T, region string, args ...string) map[string]any {
	t.Helper()
	defer timed(t, args)()
	out, stderr, err := c.run(region, args...)
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	var doc map[string]any
	if strings.TrimSpace(out) != "" {
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args[:2], " "), err, out)
		}
	}
	return doc
}

// fails runs a command that has to fail with the error code want.
func (c *cli) fails(t *testing.T, want, region string, args ...string) {
	t.Helper()
	defer timed(t, args)()
	if _, stderr, err := c.run(region, args...); err == nil || !strings.Contains(stderr, want) {
		t.Errorf("aws %s: err=%v stderr=%s, want %s", strings.Join(args[:2], " "), err, stderr, want)
	}
}

// cliEnv isolates the CLI from the machine's AWS configuration and makes
// its waiters poll every second (botocore's definitions, delay 1 s).
func cliEnv(t *testing.T) []string {
	env := []string{"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_SESSION_TOKEN=", "AWS_PAGER=",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ENDPOINT_URL="}
	if dir := fastWaiters(t); dir != "" {
		env = append(env, "AWS_DATA_PATH="+dir)
	}
	return env
}

// fastWaiters writes botocore's RDS and Route 53 waiter definitions with a
// 1 s delay into a data path directory, keeping only the waiters the
// runbook uses (others may name operations an older CLI lacks).
func fastWaiters(t *testing.T) string {
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		t.Log("botocore not found: CLI waiters keep their default delay")
		return ""
	}
	dir := t.TempDir()
	for _, w := range []struct {
		model string
		keep  func(name string) bool
	}{
		{filepath.Join("rds", "2014-10-31"), func(n string) bool {
			return strings.HasPrefix(n, "DBInstance") || strings.HasPrefix(n, "DBCluster")
		}},
		{filepath.Join("route53", "2013-04-01"), func(n string) bool { return n == "ResourceRecordSetsChanged" }},
	} {
		b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "data", w.model, "waiters-2.json"))
		if err != nil {
			t.Logf("read %s waiters: %v", w.model, err)
			continue
		}
		var doc struct {
			Version int                       `json:"version"`
			Waiters map[string]map[string]any `json:"waiters"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		for name, def := range doc.Waiters {
			if !w.keep(name) {
				delete(doc.Waiters, name)
				continue
			}
			def["delay"] = 1
		}
		dst := filepath.Join(dir, w.model)
		b, _ = json.Marshal(doc)
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, "waiters-2.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
