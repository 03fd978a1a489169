package emulatortest_test

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

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// awsCLI runs one aws CLI binary against the emulator with --endpoint-url
// (which every CLI version honours).
type awsCLI struct {
	t        *testing.T
	service  string // default "rds"
	bin      string
	endpoint string
	env      []string
}

func (c *awsCLI) run(region string, args ...string) (string, string, error) {
	svc := c.service
	if svc == "" {
		svc = "rds"
	}
	full := append([]string{svc}, args...)
	full = append(full, "--region", region, "--endpoint-url", c.endpoint, "--output", "json")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, full...)
	cmd.Env = append(os.Environ(), c.env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func (c *awsCLI) must(region string, args ...string) map[string]any {
	c.t.Helper()
	out, stderr, err := c.run(region, args...)
	if err != nil {
		c.t.Fatalf("aws %s %s: %v\n%s", c.service, strings.Join(args, " "), err, stderr)
	}
	var doc map[string]any
	if strings.TrimSpace(out) != "" {
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			c.t.Fatalf("aws %s %s: output is not JSON: %v\n%s", c.service, args[0], err, out)
		}
	}
	return doc
}

// fastWaiters writes botocore's RDS waiter definitions with a 1 s delay
// into a data path, so the CLI's own waiters (same acceptors) poll fast.
func fastWaiters(t *testing.T) []string {
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		t.Log("botocore not found: CLI waiters keep their 30 s delay")
		return nil
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "data", "rds", "2014-10-31", "waiters-2.json")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Logf("read %s: %v", src, err)
		return nil
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	// Keep only the waiters the runbook uses: other definitions may name
	// operations an older CLI's model lacks.
	keep := map[string]any{}
	for name, w := range doc["waiters"].(map[string]any) {
		if strings.HasPrefix(name, "DBInstance") || strings.HasPrefix(name, "DBCluster") {
			w.(map[string]any)["delay"] = 1
			keep[name] = w
		}
	}
	doc["waiters"] = keep
	dir := t.TempDir()
	dst := filepath.Join(dir, "rds", "2014-10-31")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(doc)
	if err := os.WriteFile(filepath.Join(dst, "waiters-2.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"AWS_DATA_PATH=" + dir}
}

// awsCLIs lists every aws CLI on the machine (v1 on PATH, Debian's v2 at
// /usr/bin/aws), shims resolved.
func awsCLIs(t *testing.T) []string {
	var bins []string
	for _, c := range emulatortest.AWSCLIs() {
		bins = append(bins, c.Bin)
	}
	if len(bins) == 0 {
		t.Skip("no aws CLI installed")
	}
	return bins
}

// TestAWSCLI_Runbook runs the seed runbook with every aws CLI on the
// machine (v1 on PATH, Debian's v2 at /usr/bin/aws), waiters included.
func TestAWSCLI_Runbook(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	bins := awsCLIs(t)
	e := emulatortest.Start(t)
	env := append(fastWaiters(t), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_PAGER=",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ENDPOINT_URL=")
	for i, bin := range bins {
		cli := &awsCLI{t: t, bin: bin, endpoint: e.Endpoint(), env: env}
		t.Run(cliVersion(bin), func(t *testing.T) {
			t.Parallel()
			cli.t = t
			cliRunbook(t, cli, e, "cli"+string(rune('a'+i)))
		})
	}
}

func cliRunbook(t *testing.T, cli *awsCLI, e *emulator.Emulator, name string) {
	p, s := "ap-southeast-1", "ap-southeast-2"
	cli.must(p, "create-global-cluster", "--global-cluster-identifier", name, "--engine", "aurora-postgresql", "--engine-version", "15.10")
	cli.must(p, "create-db-cluster", "--db-cluster-identifier", name+"-p", "--engine", "aurora-postgresql", "--engine-version", "15.10",
		"--global-cluster-identifier", name, "--master-username", "app_admin", "--master-user-password", "cli-password-1",
		"--tags", "Key=globaldb:stack,Value="+name)
	for i, az := range []string{"ap-southeast-1a", "ap-southeast-1b"} {
		cli.must(p, "create-db-instance", "--db-instance-identifier", name+"-p"+string(rune('1'+i)), "--db-cluster-identifier", name+"-p",
			"--db-instance-class", "db.r6g.large", "--engine", "aurora-postgresql", "--availability-zone", az)
	}
	cli.must(s, "create-db-cluster", "--db-cluster-identifier", name+"-s", "--engine", "aurora-postgresql", "--engine-version", "15.10",
		"--global-cluster-identifier", name)
	for i, az := range []string{"ap-southeast-2a", "ap-southeast-2c"} {
		cli.must(s, "create-db-instance", "--db-instance-identifier", name+"-s"+string(rune('1'+i)), "--db-cluster-identifier", name+"-s",
			"--db-instance-class", "db.r6g.large", "--engine", "aurora-postgresql", "--availability-zone", az)
	}
	cli.must(p, "wait", "db-instance-available", "--filters", "Name=db-cluster-id,Values="+name+"-p")
	cli.must(s, "wait", "db-instance-available", "--filters", "Name=db-cluster-id,Values="+name+"-s")
	cli.must(s, "wait", "db-cluster-available", "--db-cluster-identifier", name+"-s")

	g := cli.must(s, "describe-global-clusters", "--global-cluster-identifier", name)
	members := g["GlobalClusters"].([]any)[0].(map[string]any)["GlobalClusterMembers"].([]any)
	if len(members) != 2 || members[0].(map[string]any)["IsWriter"] != true {
		t.Fatalf("global members = %v", members)
	}
	tags := cli.must(p, "list-tags-for-resource", "--resource-name", "arn:aws:rds:ap-southeast-1:000000000000:cluster:"+name+"-p")
	if len(tags["TagList"].([]any)) != 1 {
		t.Errorf("tags = %v", tags)
	}
	if _, stderr, err := cli.run(s, "create-db-cluster", "--db-cluster-identifier", name+"-bad", "--engine", "aurora-postgresql",
		"--global-cluster-identifier", name, "--master-username", "u", "--master-user-password", "pw-123456789"); err == nil ||
		!strings.Contains(stderr, "InvalidParameterCombination") {
		t.Errorf("secondary with credentials: err=%v stderr=%s", err, stderr)
	}

	// Teardown in AWS's order.
	cli.must(p, "remove-from-global-cluster", "--global-cluster-identifier", name,
		"--db-cluster-identifier", "arn:aws:rds:ap-southeast-2:000000000000:cluster:"+name+"-s")
	cli.must(s, "wait", "db-cluster-available", "--db-cluster-identifier", name+"-s")
	for _, r := range []struct{ region, c string }{{s, name + "-s"}, {p, name + "-p"}} {
		for i := 0; i < 2; i++ {
			cli.must(r.region, "delete-db-instance", "--db-instance-identifier", r.c+string(rune('1'+i)))
		}
		if r.region == s {
			// The cluster-wide form: it succeeds on an empty (but
			// present) DBInstances list.
			cli.must(r.region, "wait", "db-instance-deleted", "--filters", "Name=db-cluster-id,Values="+r.c)
		} else {
			for i := 0; i < 2; i++ {
				cli.must(r.region, "wait", "db-instance-deleted", "--db-instance-identifier", r.c+string(rune('1'+i)))
			}
		}
		if r.region == p {
			cli.must(p, "remove-from-global-cluster", "--global-cluster-identifier", name,
				"--db-cluster-identifier", "arn:aws:rds:ap-southeast-1:000000000000:cluster:"+name+"-p")
		}
		cli.must(r.region, "delete-db-cluster", "--db-cluster-identifier", r.c, "--skip-final-snapshot")
		cli.must(r.region, "wait", "db-cluster-deleted", "--db-cluster-identifier", r.c)
	}
	cli.must(p, "delete-global-cluster", "--global-cluster-identifier", name)
	if _, stderr, err := cli.run(p, "describe-global-clusters", "--global-cluster-identifier", name); err == nil ||
		!strings.Contains(stderr, "GlobalClusterNotFoundFault") {
		t.Errorf("describe deleted global cluster: err=%v stderr=%s", err, stderr)
	}
}

// cliVersion names a CLI by its major version ("aws-cli-v1", "aws-cli-v2").
func cliVersion(bin string) string {
	for _, c := range emulatortest.AWSCLIs() {
		if c.Bin == bin {
			return c.Name
		}
	}
	return filepath.Base(bin)
}
