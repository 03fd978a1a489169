package emulatortest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/runbook"
)

// TestIAM_DatabaseAuthentication: on a cluster with
// EnableIAMDatabaseAuthentication, a token made by aws-sdk-go-v2's
// feature/rds/auth logs a member of rds_iam in when the signing principal
// may rds-db:connect to that user; other principals, forged tokens and
// passwords are refused.
func TestIAM_DatabaseAuthentication(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.StartWith(t, emulatorConfig(true))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := seedSpec(e, "db")
	s.Primary.Instances = s.Primary.Instances[:1]
	s.Secondaries = nil
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := emulatortest.RDS(e, "ap-southeast-1").ModifyDBCluster(ctx, &rds.ModifyDBClusterInput{DBClusterIdentifier: &s.Primary.Cluster, EnableIAMDatabaseAuthentication: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	out, err := s.Primary.Client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &s.Primary.Cluster})
	if err != nil {
		t.Fatal(err)
	}
	resID := aws.ToString(out.DBClusters[0].DbClusterResourceId)
	ep, _ := runbook.ClusterEndpoints(ctx, s.Primary)
	res := dnsserver.Resolver(e.DNSAddr())
	admin, err := runbook.Connect(ctx, res, ep.Writer, ep.Port, s.MasterUser, s.Password, s.Database)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, `CREATE ROLE app_iam LOGIN; GRANT rds_iam TO app_iam`); err != nil {
		t.Fatalf("create IAM database user: %v", err)
	}
	admin.Close(ctx)
	allowed := userWithPolicy(ctx, t, e, "app", doc(stmt("Allow", `"Action":"rds-db:connect"`,
		fmt.Sprintf(`"Resource":"arn:aws:rds-db:ap-southeast-1:000000000000:dbuser:%s/app_iam"`, resID))))
	other := userWithPolicy(ctx, t, e, "other", doc(stmt("Allow", `"Action":"rds-db:connect"`,
		`"Resource":"arn:aws:rds-db:ap-southeast-1:000000000000:dbuser:cluster-OTHER/app_iam"`)))
	endpoint := fmt.Sprintf("%s:%d", ep.Writer, ep.Port)
	// As RDS documents it: verify-full with the CA bundle.
	connectSSL := func(sslmode, password string) error {
		cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s sslmode=%s sslrootcert=%s", ep.Writer, sslmode, e.BundleFile()))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Port, cfg.User, cfg.Password, cfg.Database = uint16(ep.Port), "app_iam", password, s.Database
		cfg.LookupFunc = res.LookupHost
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			conn.Close(ctx)
		}
		return err
	}
	connect := func(password string) error { return connectSSL("verify-full", password) }
	token := func(c creds) string {
		tok, err := auth.BuildAuthToken(ctx, endpoint, "ap-southeast-1", "app_iam", c.provider())
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := token(allowed)
	if err := connect(good); err != nil {
		t.Errorf("token of a principal allowed rds-db:connect: %v", err)
	}
	// RDS refuses IAM logins without SSL.
	err = connectSSL("disable", good)
	if err == nil || !strings.Contains(err.Error(), `pg_hba.conf rejects connection for host "127.0.0.1", user "app_iam", database "app", no encryption`) {
		t.Errorf("valid token without TLS: %v, want pg_hba's rejection", err)
	}
	if err := connect(token(other)); err == nil {
		t.Error("token of a principal allowed only another cluster's user logged in")
	}
	forged := good[:len(good)-6] + "abcdef"
	if err := connect(forged); err == nil {
		t.Error("forged token logged in")
	}
	if err := connect("not-a-token"); err == nil {
		t.Error("a plain password logged an rds_iam member in")
	}
}
