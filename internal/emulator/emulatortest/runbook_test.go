package emulatortest_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/regions"
	"github.com/globaldb/globaldb/internal/runbook"
)

func seedSpec(e *emulator.Emulator, name string) *runbook.Spec {
	c1, c2 := emulatortest.RDS(e, "ap-southeast-1"), emulatortest.RDS(e, "ap-southeast-2")
	return &runbook.Spec{
		GlobalCluster: name, Engine: "aurora-postgresql", EngineVersion: "15.10", InstanceClass: "db.r6g.large",
		Database: "app", MasterUser: "app_admin", Password: "test-password-1",
		Primary: runbook.Region{Name: "ap-southeast-1", Client: c1, Cluster: name + "-apse1",
			Instances: []runbook.Instance{{ID: name + "-apse1-1", AZ: "ap-southeast-1a"}, {ID: name + "-apse1-2", AZ: "ap-southeast-1b"}}},
		Secondaries: []runbook.Region{{Name: "ap-southeast-2", Client: c2, Cluster: name + "-apse2",
			Instances: []runbook.Instance{{ID: name + "-apse2-1", AZ: "ap-southeast-2a"}, {ID: name + "-apse2-2", AZ: "ap-southeast-2b"}}}},
		WaiterDelay: 200 * time.Millisecond,
	}
}

// TestEmulator_SeedRunbook runs the seed's creation runbook through the
// SDK and its waiters, proves cross-region replication, checks AWS's
// refusals, and tears down in AWS's order leaving nothing behind.
func TestEmulator_SeedRunbook(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := seedSpec(e, "seed")
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatalf("up: %v", err)
	}
	checkTopology(ctx, t, s)
	res := dnsserver.Resolver(e.DNSAddr())
	reps, err := runbook.VerifyReplication(ctx, s, res)
	if err != nil {
		t.Fatalf("verify replication: %v", err)
	}
	floor := regions.OneWayDelay("ap-southeast-1", "ap-southeast-2")
	if reps[0].SinceWrite < floor {
		t.Errorf("row visible in the secondary %v after the write was sent, faster than the link's one-way delay %v", reps[0].SinceWrite, floor)
	}
	refused, err := runbook.WriteRefused(ctx, s, s.Secondaries[0], res)
	if err != nil || !refused {
		t.Errorf("write to secondary: refused=%v err=%v, want refused with SQLSTATE 25006", refused, err)
	}
	t.Run("refusals", func(t *testing.T) { checkRefusals(ctx, t, s) })
	addrs := instanceAddrs(ctx, t, s, res)
	if err := runbook.Down(ctx, s); err != nil {
		t.Fatalf("down: %v", err)
	}
	checkNothingLeft(t, e)
	for _, a := range addrs {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after teardown", a)
		}
	}
}

// instanceAddrs resolves every instance endpoint to host:port, checking
// that each accepts connections.
func instanceAddrs(ctx context.Context, t *testing.T, s *runbook.Spec, res *net.Resolver) []string {
	t.Helper()
	var addrs []string
	for _, r := range append([]runbook.Region{s.Primary}, s.Secondaries...) {
		out, err := r.Client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{Filters: dbClusterFilter(r.Cluster)})
		if err != nil {
			t.Fatal(err)
		}
		for _, inst := range out.DBInstances {
			hosts, err := res.LookupHost(ctx, aws.ToString(inst.Endpoint.Address))
			if err != nil || len(hosts) != 1 {
				t.Fatalf("resolve %s: %v %v", aws.ToString(inst.Endpoint.Address), hosts, err)
			}
			a := net.JoinHostPort(hosts[0], fmt.Sprint(aws.ToInt32(inst.Endpoint.Port)))
			c, err := net.DialTimeout("tcp", a, time.Second)
			if err != nil {
				t.Fatalf("instance %s at %s: %v", aws.ToString(inst.DBInstanceIdentifier), a, err)
			}
			c.Close()
			addrs = append(addrs, a)
		}
	}
	return addrs
}

func checkTopology(ctx context.Context, t *testing.T, s *runbook.Spec) {
	t.Helper()
	g, err := s.Primary.Client.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: &s.GlobalCluster})
	if err != nil {
		t.Fatal(err)
	}
	members := g.GlobalClusters[0].GlobalClusterMembers
	if len(members) != 2 || !aws.ToBool(members[0].IsWriter) || aws.ToBool(members[1].IsWriter) {
		t.Fatalf("global members = %+v, want primary writer + one reader", members)
	}
	if len(members[0].Readers) != 1 || members[0].Readers[0] != aws.ToString(members[1].DBClusterArn) {
		t.Errorf("writer's Readers = %v, want [%s]", members[0].Readers, aws.ToString(members[1].DBClusterArn))
	}
	// The global cluster is visible from the secondary's region too.
	if _, err := s.Secondaries[0].Client.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: &s.GlobalCluster}); err != nil {
		t.Errorf("describe global cluster from secondary region: %v", err)
	}
	for _, r := range append([]runbook.Region{s.Primary}, s.Secondaries...) {
		c, err := r.Client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &r.Cluster})
		if err != nil {
			t.Fatal(err)
		}
		cl := c.DBClusters[0]
		writers := 0
		for _, m := range cl.DBClusterMembers {
			if aws.ToBool(m.IsClusterWriter) {
				writers++
			}
		}
		wantWriters := 1
		if r.Name != s.Primary.Name {
			wantWriters = 0
		}
		if writers != wantWriters || len(cl.DBClusterMembers) != 2 || !aws.ToBool(cl.MultiAZ) {
			t.Errorf("%s: %d writers of %d members, MultiAZ=%v; want %d writers of 2, Multi-AZ", r.Name, writers, len(cl.DBClusterMembers), aws.ToBool(cl.MultiAZ), wantWriters)
		}
	}
}

func checkRefusals(ctx context.Context, t *testing.T, s *runbook.Spec) {
	p, sec := s.Primary.Client, s.Secondaries[0].Client
	cases := []struct {
		name string
		call func() error
		code string
	}{
		{"secondary with master user", func() error {
			_, err := sec.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("x2"), Engine: aws.String("aurora-postgresql"),
				GlobalClusterIdentifier: &s.GlobalCluster, MasterUsername: aws.String("u")})
			return err
		}, "InvalidParameterCombination"},
		{"delete member cluster", func() error {
			_, err := sec.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: &s.Secondaries[0].Cluster, SkipFinalSnapshot: aws.Bool(true)})
			return err
		}, "InvalidDBClusterStateFault"},
		{"delete global with members", func() error {
			_, err := p.DeleteGlobalCluster(ctx, &rds.DeleteGlobalClusterInput{GlobalClusterIdentifier: &s.GlobalCluster})
			return err
		}, "InvalidGlobalClusterStateFault"},
		{"unknown instance", func() error {
			_, err := p.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("nope")})
			return err
		}, "DBInstanceNotFound"},
		{"bad AZ", func() error {
			_, err := p.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("x3"), DBClusterIdentifier: &s.Primary.Cluster,
				DBInstanceClass: aws.String("db.r6g.large"), Engine: aws.String("aurora-postgresql"), AvailabilityZone: aws.String("us-east-1a")})
			return err
		}, "InvalidParameterValue"},
		{"detach primary with secondaries", func() error {
			arn := "arn:aws:rds:ap-southeast-1:000000000000:cluster:" + s.Primary.Cluster
			_, err := p.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: &s.GlobalCluster, DbClusterIdentifier: &arn})
			return err
		}, "InvalidGlobalClusterStateFault"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var api smithy.APIError
			if err := tc.call(); !errors.As(err, &api) || api.ErrorCode() != tc.code {
				t.Errorf("got %v, want error code %s", err, tc.code)
			}
		})
	}
	var nf *types.DBInstanceNotFoundFault
	_, err := p.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("nope")})
	if !errors.As(err, &nf) {
		t.Errorf("unknown instance: %T, want *types.DBInstanceNotFoundFault", err)
	}
}

// checkNothingLeft asserts no postgres process, listening port or data
// directory of an instance remains.
func checkNothingLeft(t *testing.T, e *emulator.Emulator) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(emulatortest.PostgresUnder(e.DataDir())) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if pids := emulatortest.PostgresUnder(e.DataDir()); len(pids) > 0 {
		t.Errorf("postgres processes left after teardown: %v", pids)
	}
	entries, _ := os.ReadDir(filepath.Join(e.DataDir(), "pg"))
	for _, ent := range entries {
		t.Errorf("left in data dir after teardown: %s", ent.Name())
	}
}

func dbClusterFilter(id string) []types.Filter {
	return []types.Filter{{Name: aws.String("db-cluster-id"), Values: []string{id}}}
}
