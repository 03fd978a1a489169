package emulatortest_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/runbook"
)

const halfMadePassword = "half-Made-pw-2718"

// newDataDir returns a data directory the postgres user can reach.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "globaldb-datadir-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// createStandalone creates a standalone cluster "hm" with the master
// password halfMadePassword.
func createStandalone(ctx context.Context, t *testing.T, c *child) *rds.Client {
	t.Helper()
	cl := c.rds("ap-southeast-1")
	if _, err := cl.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("hm"),
		Engine: aws.String("aurora-postgresql"), EngineVersion: aws.String("15.10"),
		MasterUsername: aws.String("app_admin"), MasterUserPassword: aws.String(halfMadePassword)}); err != nil {
		t.Fatalf("create cluster: %v", err)
	}
	return cl
}

// connectInstance creates instance id in cluster hm, waits until it is
// available and logs in as the master user through its endpoint.
func connectInstance(ctx context.Context, t *testing.T, c *child, cl *rds.Client, id string) *pgx.Conn {
	t.Helper()
	if _, err := cl.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String(id),
		DBClusterIdentifier: aws.String("hm"), Engine: aws.String("aurora-postgresql"),
		DBInstanceClass: aws.String("db.r6g.large")}); err != nil {
		t.Fatalf("create instance: %v", err)
	}
	w := rds.NewDBInstanceAvailableWaiter(cl, func(o *rds.DBInstanceAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second
	})
	out, err := w.WaitForOutput(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)}, 9*time.Minute)
	if err != nil {
		t.Fatalf("instance %s available: %v", id, err)
	}
	ep := out.DBInstances[0].Endpoint
	conn, err := runbook.Connect(ctx, dnsserver.Resolver(c.dns), aws.ToString(ep.Address), int(aws.ToInt32(ep.Port)), "app_admin", halfMadePassword, "postgres")
	if err != nil {
		t.Fatalf("master user login: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestEmulator_SecondEmulatorOnDataDir: starting an emulator on a data
// dir another emulator serves fails with "emulator already running on D
// (pid N)" and a non-zero exit, and touches nothing: a client of the first
// emulator's database does not notice.
func TestEmulator_SecondEmulatorOnDataDir(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := newDataDir(t)
	a := startChild(t, dir)
	conn := connectInstance(ctx, t, a, createStandalone(ctx, t, a), "hm-1")
	if _, err := conn.Exec(ctx, "CREATE TABLE t (id int); INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}

	b := exec.Command(os.Args[0], "-test.run=^$")
	b.Env = append(os.Environ(), "GLOBALDB_TEST_EMULATOR_DIR="+dir)
	var out bytes.Buffer
	b.Stdout, b.Stderr = &out, &out
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- b.Wait() }()
	select {
	case err := <-exited:
		if err == nil {
			t.Errorf("second emulator exited 0, want a failure")
		}
	case <-ctx.Done():
		_ = b.Process.Kill()
		t.Fatalf("second emulator still runs on the data dir of the first; output:\n%s", out.String())
	}
	want := fmt.Sprintf("emulator already running on %s (pid %d)", dir, a.cmd.Process.Pid)
	if !strings.Contains(out.String(), want) {
		t.Errorf("second emulator said:\n%s\nwant it to say %q", out.String(), want)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Errorf("the first emulator's client after the second start: count = %d, err = %v; want 1, nil", n, err)
	}
	if pids := emulatortest.PostgresUnder(dir); len(pids) == 0 {
		t.Errorf("the first emulator's postgres is gone")
	}
}

// TestEmulator_RestartRebuildsHalfMadeVolume: the emulator is killed
// (SIGKILL) right after CreateDBCluster, and the cluster volume is left
// half-made as a crash in the middle of its step leaves it. After a
// restart the cluster becomes available, its master user logs in with the
// password given to CreateDBCluster, and no server logs a stream of
// authentication failures. No file of the data dir holds the password at
// any point.
func TestEmulator_RestartRebuildsHalfMadeVolume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	tests := []struct {
		name  string
		plant func(t *testing.T, pg, vol string)
	}{
		{
			// initdb was killed after writing PG_VERSION: the directory
			// looks initialised but holds no usable cluster.
			name: "initdb interrupted",
			plant: func(t *testing.T, pg, vol string) {
				if err := os.MkdirAll(filepath.Join(vol, "base"), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(vol, "PG_VERSION"), []byte("15\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			// A whole data directory whose internal superuser does not
			// have the emulator's password (initdb stopped before setting
			// it): every login attempt fails.
			name: "admin password never set",
			plant: func(t *testing.T, pg, vol string) {
				s, err := engine.New(engine.Config{Root: pg, Admin: engine.Credentials{User: "rdsadmin", Password: "some-other-password-123"}})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				defer cancel()
				if err := s.Init(ctx, engine.Node{Name: "volume", Dir: vol, Host: "127.0.0.1", Port: 5432}); err != nil {
					t.Fatal(err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
			defer cancel()
			dir := newDataDir(t)
			a := startChild(t, dir)
			createStandalone(ctx, t, a)
			if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = a.cmd.Wait()
			waitFor(ctx, t, "postgres to die with the emulator", func() bool { return len(emulatortest.PostgresUnder(dir)) == 0 })
			assertNoPassword(t, dir, "after the kill")

			pg := filepath.Join(dir, "pg")
			vol := filepath.Join(pg, "vol-ap-southeast-1-hm")
			for _, p := range []string{vol, vol + ".initdb", vol + ".log"} {
				if err := os.RemoveAll(p); err != nil {
					t.Fatal(err)
				}
			}
			tt.plant(t, pg, vol)

			b := startChild(t, dir)
			conn := connectInstance(ctx, t, b, b.rds("ap-southeast-1"), "hm-1")
			if _, err := conn.Exec(ctx, "SELECT 1"); err != nil {
				t.Fatal(err)
			}
			logs, _ := filepath.Glob(filepath.Join(pg, "*.log"))
			for _, l := range logs {
				data, _ := os.ReadFile(l)
				if n := strings.Count(string(data), "password authentication failed"); n > 0 {
					t.Errorf("%s logs %d authentication failures", filepath.Base(l), n)
				}
			}
			assertNoPassword(t, dir, "after the restart")
		})
	}
}

// assertNoPassword fails if any file under dir holds halfMadePassword.
func assertNoPassword(t *testing.T, dir, when string) {
	t.Helper()
	_ = filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return nil
		}
		if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(halfMadePassword)) {
			t.Errorf("%s: the master password is at rest in %s", when, path)
		}
		return nil
	})
}
