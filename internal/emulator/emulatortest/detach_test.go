package emulatortest_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/runbook"
)

// TestEmulator_DetachAndPromote: RemoveFromGlobalCluster makes a
// secondary a standalone, writable cluster with the data it had, its
// cascaded replica following; membership disappears once it is available.
func TestEmulator_DetachAndPromote(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := seedSpec(e, "dp")
	s.Primary.Instances = s.Primary.Instances[:1]
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatalf("up: %v", err)
	}
	res := dnsserver.Resolver(e.DNSAddr())
	if _, err := runbook.VerifyReplication(ctx, s, res); err != nil {
		t.Fatalf("verify replication: %v", err)
	}
	sec := s.Secondaries[0]
	arn := "arn:aws:rds:ap-southeast-2:000000000000:cluster:" + sec.Cluster
	out, err := s.Primary.Client.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: &s.GlobalCluster, DbClusterIdentifier: &arn})
	if err != nil {
		t.Fatalf("detach: %v", err)
	}
	if n := len(out.GlobalCluster.GlobalClusterMembers); n != 2 {
		t.Errorf("members right after detach = %d, want 2 (membership disappears asynchronously)", n)
	}
	waitFor(ctx, t, "detached cluster available and out of the global cluster", func() bool {
		c, err := sec.Client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &sec.Cluster})
		if err != nil || aws.ToString(c.DBClusters[0].Status) != "available" {
			return false
		}
		g, err := s.Primary.Client.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: &s.GlobalCluster})
		return err == nil && len(g.GlobalClusters[0].GlobalClusterMembers) == 1 && c.DBClusters[0].GlobalClusterIdentifier == nil
	})
	ep, err := runbook.ClusterEndpoints(ctx, sec)
	if err != nil {
		t.Fatal(err)
	}
	w, err := runbook.Connect(ctx, res, ep.Writer, ep.Port, s.MasterUser, s.Password, s.Database)
	if err != nil {
		t.Fatalf("connect to the promoted cluster's writer endpoint: %v", err)
	}
	defer w.Close(ctx)
	var n int
	if err := w.QueryRow(ctx, `SELECT count(*) FROM globaldb_canary`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("canary rows in promoted cluster = %d (%v), want the 1 it had", n, err)
	}
	if _, err := w.Exec(ctx, `INSERT INTO globaldb_canary (id) VALUES ('after-promotion')`); err != nil {
		t.Fatalf("write to promoted cluster: %v", err)
	}
	r, err := runbook.Connect(ctx, res, ep.Reader, ep.Port, s.MasterUser, s.Password, s.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(ctx)
	waitFor(ctx, t, "the promoted cluster's replica to follow", func() bool {
		var n int
		return r.QueryRow(ctx, `SELECT count(*) FROM globaldb_canary WHERE id = 'after-promotion'`).Scan(&n) == nil && n == 1
	})
	if err := runbook.Down(ctx, s); err != nil {
		t.Fatalf("down: %v", err)
	}
	checkNothingLeft(t, e)
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
