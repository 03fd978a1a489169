package scripttest_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/runbook"
)

// TestLib_VerifyFull runs lib.sh's sql through a Route 53 name: psql
// verifies the RDS endpoint name the record resolves through (host=) while
// dialling the address it resolves to (hostaddr=), with the bundle
// downloaded from the emulator; psql checking the Route 53 name itself
// fails hostname verification, as on AWS.
func TestLib_VerifyFull(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator with PostgreSQL servers")
	}
	for _, tool := range []string{"bash", "psql", "dig", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (scripts/install-deps.sh installs it)", tool)
		}
	}
	e := emulatortest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := &runbook.Spec{GlobalCluster: "lib", Engine: "aurora-postgresql", EngineVersion: "15.10", InstanceClass: "db.r6g.large",
		Database: "app", MasterUser: "app_admin", Password: password, WaiterDelay: 200 * time.Millisecond,
		Primary: runbook.Region{Name: "ap-southeast-1", Client: emulatortest.RDS(e, "ap-southeast-1"), Cluster: "lib-apse1",
			Instances: []runbook.Instance{{ID: "lib-apse1-1", AZ: "ap-southeast-1a"}}}}
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatal(err)
	}
	ep, err := runbook.ClusterEndpoints(ctx, s.Primary)
	if err != nil {
		t.Fatal(err)
	}
	const record = "writer.lib.example"
	createCNAME(ctx, t, e.Endpoint(), record, ep.Writer)
	res := resolve.Server(e.DNSAddr())
	for deadline := time.Now().Add(30 * time.Second); ; <-time.After(100 * time.Millisecond) {
		if _, err := res.LookupHost(ctx, record); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("%s does not resolve: %v", record, err)
		}
	}
	lib, err := filepath.Abs(filepath.Join("..", "..", "scripts", "lib.sh"))
	if err != nil {
		t.Fatal(err)
	}
	env := append(baseEnv(t, t.TempDir(), e.Endpoint(), "globaldb"),
		"MASTER_USER="+s.MasterUser, "MASTER_PASSWORD="+password, "DB_NAME="+s.Database)
	bash := func(script string) (string, string, error) {
		cmd := exec.CommandContext(ctx, "bash", "-c", "set -euo pipefail; source "+lib+"; trap remove_bundle EXIT; "+script)
		cmd.Env = env
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return strings.TrimSpace(out.String()), errOut.String(), err
	}

	t.Run("sql through the Route 53 name", func(t *testing.T) {
		out, stderr, err := bash(`sql "$(db_target ` + record + `)" "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"`)
		if err != nil || out != "t" {
			t.Fatalf("sql: %q, %v\n%s", out, err, stderr)
		}
		if want := "host=" + ep.Writer + " hostaddr=127."; !strings.Contains(stderr, want) || !strings.Contains(stderr, "sslmode=verify-full sslrootcert=") {
			t.Errorf("psql did not verify %s with the bundle:\n%s", ep.Writer, stderr)
		}
	})
	t.Run("psql verify-full to the Route 53 name fails", func(t *testing.T) {
		_, stderr, err := bash(`ca_bundle; read -r _ ip <<<"$(db_target ` + record + `)"
			PGPASSWORD="$MASTER_PASSWORD" psql -X -c 'SELECT 1' "host=` + record + ` hostaddr=$ip port=5432 user=$MASTER_USER dbname=$DB_NAME sslmode=verify-full sslrootcert=$PGSSLROOTCERT"`)
		want := fmt.Sprintf(`does not match host name "%s"`, record)
		if err == nil || !strings.Contains(stderr, want) {
			t.Fatalf("psql verify-full to %s: %v, want %q in\n%s", record, err, want, stderr)
		}
		t.Logf("psql: %s", strings.TrimSpace(stderr))
	})
}

// createCNAME makes a public hosted zone for name's parent and a CNAME
// name → target in it.
func createCNAME(ctx context.Context, t *testing.T, endpoint, name, target string) {
	t.Helper()
	c := route53.New(route53.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	zone, err := c.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String(name[strings.Index(name, ".")+1:]), CallerReference: aws.String("lib")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id,
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionCreate,
			ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String(name), Type: r53types.RRTypeCname, TTL: aws.Int64(5),
				ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(target)}}}}}}}); err != nil {
		t.Fatal(err)
	}
}
