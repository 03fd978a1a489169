package emulatortest_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/rdstls"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/runbook"
)

// TestTLS_Endpoints: every DB endpoint speaks TLS with a certificate from
// the emulator's CA for exactly the instance's RDS endpoint names, so
// verify-full works through RDS names and fails through a Route 53 name,
// as on AWS; rds.force_ssl in the cluster parameter group refuses
// connections without TLS, and applies without a reboot.
func TestTLS_Endpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := seedSpec(e, "tls")
	s.Secondaries = nil
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatal(err)
	}
	bundle := fetchBundle(ctx, t, e)
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(bundle) {
		t.Fatal("no certificate in the served bundle")
	}
	res := resolve.Server(e.DNSAddr())
	names := endpointNames(ctx, t, s)
	connect := func(host string) (*pgx.Conn, error) {
		return runbook.ConnectTLS(ctx, res, roots, host, 5432, s.MasterUser, s.Password, s.Database)
	}

	t.Run("bundle endpoint serves the bundle file", func(t *testing.T) {
		file, err := os.ReadFile(e.BundleFile())
		if err != nil || !bytes.Equal(file, bundle) {
			t.Fatalf("%s (err %v) differs from %s", e.BundleFile(), err, emulator.BundlePath)
		}
	})
	t.Run("sslmode=require", func(t *testing.T) {
		c, err := runbook.Connect(ctx, res, names.cluster, 5432, s.MasterUser, s.Password, s.Database)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		var ssl bool
		if err := c.QueryRow(ctx, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl); err != nil || !ssl {
			t.Fatalf("pg_stat_ssl.ssl = %v (%v), want true", ssl, err)
		}
	})
	for _, tt := range []struct{ name, host string }{
		{"instance endpoint", names.writer}, {"reader instance endpoint", names.reader},
		{"cluster endpoint", names.cluster}, {"reader endpoint", names.readerEP}, {"global writer endpoint", names.global},
	} {
		t.Run("verify-full via the "+tt.name, func(t *testing.T) {
			c, err := connect(tt.host)
			if err != nil {
				t.Fatalf("verify-full to %s: %v", tt.host, err)
			}
			c.Close(ctx)
		})
	}
	t.Run("certificate names are exactly the RDS endpoints", func(t *testing.T) {
		c, err := connect(names.writer)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		cert := c.PgConn().Conn().(*tls.Conn).ConnectionState().PeerCertificates[0]
		want := []string{names.writer, names.cluster, names.readerEP, names.global}
		if !slices.Equal(cert.DNSNames, want) || len(cert.IPAddresses) != 0 {
			t.Errorf("SANs %v %v, want exactly %v", cert.DNSNames, cert.IPAddresses, want)
		}
	})
	t.Run("verify-full via a Route 53 name", func(t *testing.T) {
		r53 := routeName(ctx, t, e, res, "writer.tls.example", names.cluster)
		cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=5432 user=%s password=%s dbname=%s sslmode=verify-full sslrootcert=%s",
			r53, s.MasterUser, s.Password, s.Database, e.BundleFile()))
		if err != nil {
			t.Fatal(err)
		}
		cfg.LookupFunc = res.LookupHost
		_, err = pgx.ConnectConfig(ctx, cfg)
		if err == nil || !strings.Contains(err.Error(), "certificate is valid for "+names.writer) || !strings.Contains(err.Error(), "not "+r53) {
			t.Fatalf("verify-full dialling %s: %v, want a hostname verification failure", r53, err)
		}
		// globaldb's own clients verify the RDS name the record resolves through.
		tr, err := rdstls.FromPEM(bundle, "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.Configure(cfg, res); err != nil {
			t.Fatal(err)
		}
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatalf("rdstls through %s: %v", r53, err)
		}
		c.Close(ctx)
	})
	t.Run("rds.force_ssl", func(t *testing.T) { checkForceSSL(ctx, t, e, s, res, names.cluster) })
}

func fetchBundle(ctx context.Context, t *testing.T, e *emulator.Emulator) []byte {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.Endpoint()+emulator.BundlePath, nil)
	resp, err := http.DefaultClient.Do(req) // unsigned, like AWS's public trust store
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", emulator.BundlePath, resp.StatusCode, err)
	}
	return body
}

type tlsNames struct{ writer, reader, cluster, readerEP, global string }

func endpointNames(ctx context.Context, t *testing.T, s *runbook.Spec) tlsNames {
	t.Helper()
	var n tlsNames
	ep, err := runbook.ClusterEndpoints(ctx, s.Primary)
	if err != nil {
		t.Fatal(err)
	}
	n.cluster, n.readerEP = ep.Writer, ep.Reader
	c := s.Primary.Client
	for i, id := range []string{s.Primary.Instances[0].ID, s.Primary.Instances[1].ID} {
		out, err := c.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		*[]*string{&n.writer, &n.reader}[i] = aws.ToString(out.DBInstances[0].Endpoint.Address)
	}
	g, err := c.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(s.GlobalCluster)})
	if err != nil {
		t.Fatal(err)
	}
	n.global = aws.ToString(g.GlobalClusters[0].Endpoint)
	return n
}

// routeName creates a Route 53 CNAME name → target and waits until the
// emulator's DNS answers it.
func routeName(ctx context.Context, t *testing.T, e *emulator.Emulator, res resolve.Resolver, name, target string) string {
	t.Helper()
	r53 := r53As(e, root)
	zone, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("tls.example"), CallerReference: aws.String("tls")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id,
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionCreate,
			ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String(name), Type: r53types.RRTypeCname, TTL: aws.Int64(5),
				ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(target)}}}}}}}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; pause() {
		if _, err := res.LookupHost(ctx, name); err == nil {
			return name
		} else if time.Now().After(deadline) {
			t.Fatalf("%s does not resolve: %v", name, err)
		}
	}
}

// checkForceSSL attaches a parameter group with rds.force_ssl=1 and
// expects logins without TLS to be refused with PostgreSQL's pg_hba
// error, then sets it back to 0 and expects them to work again.
func checkForceSSL(ctx context.Context, t *testing.T, e *emulator.Emulator, s *runbook.Spec, res resolve.Resolver, host string) {
	c := emulatortest.RDS(e, s.Primary.Name)
	if _, err := c.CreateDBClusterParameterGroup(ctx, &rds.CreateDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("tls-only"),
		DBParameterGroupFamily: aws.String("aurora-postgresql15"), Description: aws.String("TLS only")}); err != nil {
		t.Fatal(err)
	}
	set := func(v string) {
		if _, err := c.ModifyDBClusterParameterGroup(ctx, &rds.ModifyDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("tls-only"),
			Parameters: []rdstypes.Parameter{{ParameterName: aws.String("rds.force_ssl"), ParameterValue: aws.String(v), ApplyMethod: rdstypes.ApplyMethodImmediate}}}); err != nil {
			t.Fatal(err)
		}
	}
	set("1")
	if _, err := c.ModifyDBCluster(ctx, &rds.ModifyDBClusterInput{DBClusterIdentifier: &s.Primary.Cluster, DBClusterParameterGroupName: aws.String("tls-only")}); err != nil {
		t.Fatal(err)
	}
	plain := func() error {
		cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=5432 user=%s password=%s dbname=%s sslmode=disable", host, s.MasterUser, s.Password, s.Database))
		if err != nil {
			t.Fatal(err)
		}
		cfg.LookupFunc = res.LookupHost
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			conn.Close(ctx)
		}
		return err
	}
	want := fmt.Sprintf(`no pg_hba.conf entry for host "127.0.0.1", user "%s", database "%s", no encryption`, s.MasterUser, s.Database)
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); pause() {
		if err = plain(); err != nil && strings.Contains(err.Error(), want) {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("sslmode=disable with rds.force_ssl=1: %v, want %q", err, want)
	}
	if conn, err := runbook.Connect(ctx, res, host, 5432, s.MasterUser, s.Password, s.Database); err != nil {
		t.Fatalf("sslmode=require with rds.force_ssl=1: %v", err)
	} else {
		conn.Close(ctx)
	}
	set("0")
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); pause() {
		if err = plain(); err == nil {
			return
		}
	}
	t.Fatalf("sslmode=disable after rds.force_ssl=0: %v", err)
}

// pause is the interval between polls.
func pause() { <-time.After(100 * time.Millisecond) }
