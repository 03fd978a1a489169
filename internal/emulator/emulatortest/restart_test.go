package emulatortest_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/cli"
	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/runbook"
)

// TestMain lets a test re-run this binary as `globaldb emulator` in a
// child process, so the test can kill it with SIGKILL.
func TestMain(m *testing.M) {
	if dir := os.Getenv("GLOBALDB_TEST_EMULATOR_DIR"); dir != "" {
		root := cli.Root()
		root.SetArgs([]string{"emulator", "--data-dir", dir, "--listen", "127.0.0.1:0", "--dns-listen", "127.0.0.1:0", "--log-level", "warn"})
		if err := root.Execute(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type child struct {
	cmd           *exec.Cmd
	endpoint, dns string
}

var readyRE = regexp.MustCompile(`ready: endpoint (\S+), dns (\S+),`)

func startChild(t *testing.T, dir string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GLOBALDB_TEST_EMULATOR_DIR="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := readyRE.FindStringSubmatch(sc.Text()); m != nil {
			go func() {
				for sc.Scan() {
				}
			}()
			return &child{cmd: cmd, endpoint: m[1], dns: m[2]}
		}
	}
	t.Fatalf("emulator child exited before it was ready: %v", sc.Err())
	return nil
}

func (c *child) rds(region string) *rds.Client {
	return rds.New(rds.Options{Region: region, BaseEndpoint: aws.String(c.endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}

// TestEmulator_RestartAfterKill9: after kill -9 of the emulator its
// servers die with it; a restart on the same data directory brings every
// instance back in its role with its data, and replication resumes.
func TestEmulator_RestartAfterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	dir, err := os.MkdirTemp("", "globaldb-restart-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	c := startChild(t, dir)
	s := restartSpec(c)
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatalf("up: %v", err)
	}
	if _, err := runbook.VerifyReplication(ctx, s, dnsserver.Resolver(c.dns)); err != nil {
		t.Fatalf("verify before kill: %v", err)
	}
	// Route 53 state survives too.
	r53 := route53.New(route53.Options{Region: "us-east-1", BaseEndpoint: aws.String(c.endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	zone, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("restart.example"), CallerReference: aws.String("rs")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id,
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: aws.String("db.restart.example"), Type: r53types.RRTypeA, TTL: aws.Int64(5),
			ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("192.0.2.7")}}}}}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()
	waitFor(ctx, t, "postgres servers to die with the emulator", func() bool { return len(emulatortest.PostgresUnder(dir)) == 0 })

	c = startChild(t, dir)
	s = restartSpec(c)
	for _, r := range append([]runbook.Region{s.Primary}, s.Secondaries...) {
		w := rds.NewDBInstanceAvailableWaiter(r.Client, func(o *rds.DBInstanceAvailableWaiterOptions) {
			o.MinDelay, o.MaxDelay = 100*time.Millisecond, 100*time.Millisecond
		})
		if err := w.Wait(ctx, &rds.DescribeDBInstancesInput{Filters: dbClusterFilter(r.Cluster)}, time.Minute); err != nil {
			t.Fatalf("instances of %s after restart: %v", r.Cluster, err)
		}
	}
	reps, err := runbook.VerifyReplication(ctx, s, dnsserver.Resolver(c.dns))
	if err != nil {
		t.Fatalf("verify after restart: %v", err)
	}
	res := dnsserver.Resolver(c.dns)
	pe, _ := runbook.ClusterEndpoints(ctx, s.Primary)
	conn, err := runbook.Connect(ctx, res, pe.Writer, pe.Port, s.MasterUser, s.Password, s.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM globaldb_canary`).Scan(&n); err != nil || n != 2 {
		t.Errorf("canary rows after restart = %d (%v), want 2 (one from before the kill)", n, err)
	}
	t.Logf("replication after restart: %v", reps[0].Lag)
	if got := dnsA(t, c.dns, "db.restart.example"); got != "192.0.2.7" {
		t.Errorf("Route 53 record after restart answers %q, want 192.0.2.7", got)
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("emulator exit after SIGTERM: %v", err)
	}
	if pids := emulatortest.PostgresUnder(dir); len(pids) > 0 {
		t.Errorf("postgres left after SIGTERM: %v", pids)
	}
}

func restartSpec(c *child) *runbook.Spec {
	return &runbook.Spec{
		GlobalCluster: "rs", Engine: "aurora-postgresql", EngineVersion: "15.10", InstanceClass: "db.r6g.large",
		Database: "app", MasterUser: "app_admin", Password: "test-password-1",
		Primary: runbook.Region{Name: "ap-southeast-1", Client: c.rds("ap-southeast-1"), Cluster: "rs-apse1",
			Instances: []runbook.Instance{{ID: "rs-apse1-1", AZ: "ap-southeast-1a"}, {ID: "rs-apse1-2", AZ: "ap-southeast-1b"}}},
		Secondaries: []runbook.Region{{Name: "ap-southeast-2", Client: c.rds("ap-southeast-2"), Cluster: "rs-apse2",
			Instances: []runbook.Instance{{ID: "rs-apse2-1", AZ: "ap-southeast-2a"}}}},
		WaiterDelay: 100 * time.Millisecond,
	}
}
