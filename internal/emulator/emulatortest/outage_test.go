package emulatortest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/runbook"
	"github.com/globaldb/globaldb/internal/workload"
)

// TestRoles_RegionOutageFailover: the primary region goes down under
// load; FailoverGlobalCluster with AllowDataLoss from the secondary region
// restores writes; lost writes are bounded by the lag window; when the
// region comes back the old primary is fenced, rewound and rejoins as a
// secondary, and it never accepted a write after the failover.
func TestRoles_RegionOutageFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := seedSpec(e, "ro")
	s.Secondaries[0].Instances = s.Secondaries[0].Instances[:1]
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatalf("up: %v", err)
	}
	a, b := s.Primary, s.Secondaries[0]
	l := startLoad(t, e, s, globalEndpoint(ctx, t, s), 5432)
	l.waitAcks(ctx, t, 100)

	out, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.RegionOutage, Region: a.Name})
	if err != nil {
		t.Fatal(err)
	}
	faultAt := time.Now()
	// The primary region's API endpoint is unreachable.
	if _, err := a.Client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{}, func(o *rds.Options) { o.RetryMaxAttempts = 1 }); err == nil {
		t.Error("DescribeDBClusters in the region in an outage succeeded")
	}
	arn := "arn:aws:rds:" + b.Name + ":000000000000:cluster:" + b.Cluster
	_, err = b.Client.FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: &s.GlobalCluster,
		TargetDbClusterIdentifier: &arn, AllowDataLoss: aws.Bool(true)})
	if err != nil {
		t.Fatalf("failover with data loss: %v", err)
	}
	failoverAt := time.Now()
	waitFor(ctx, t, "the failover to complete", func() bool {
		g, err := b.Client.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: &s.GlobalCluster})
		if err != nil {
			return false
		}
		gc := g.GlobalClusters[0]
		return aws.ToString(gc.Status) == "available" && gc.FailoverState == nil && writerARN(gc) == arn &&
			syncStatus(gc, a.Name) == types.GlobalClusterMemberSynchronizationStatusPendingResync
	})
	l.waitAcks(ctx, t, 100) // writes resume through the global endpoint

	if err := e.Faults().Clear(ctx, out.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the old primary to rejoin as a secondary", func() bool {
		g, err := b.Client.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: &s.GlobalCluster})
		return err == nil && syncStatus(g.GlobalClusters[0], a.Name) == types.GlobalClusterMemberSynchronizationStatusConnected
	})
	if refused, err := runbook.WriteRefused(ctx, s, a, dnsserver.Resolver(e.DNSAddr())); err != nil || !refused {
		t.Errorf("old primary after rejoining: write refused=%v err=%v", refused, err)
	}
	rep := l.check(ctx, t, e, s, b)
	// Every instance of the rejoined region serves the new primary's
	// history: none holds a write the failover lost (their data is
	// rebuilt before the member reports connected), and each one
	// receives what is written now.
	res := dnsserver.Resolver(e.DNSAddr())
	bw, err := runbook.ClusterEndpoints(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	wconn, err := runbook.Connect(ctx, res, bw.Writer, bw.Port, s.MasterUser, s.Password, s.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer wconn.Close(ctx)
	if _, err := wconn.Exec(ctx, `CREATE TABLE rejoin_mark (id int)`); err != nil {
		t.Fatal(err)
	}
	if _, err := wconn.Exec(ctx, `INSERT INTO rejoin_mark VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	insts, err := a.Client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{Filters: dbClusterFilter(a.Cluster)})
	if err != nil {
		t.Fatal(err)
	}
	for _, inst := range insts.DBInstances {
		host, id := aws.ToString(inst.Endpoint.Address), aws.ToString(inst.DBInstanceIdentifier)
		conn, err := runbook.Connect(ctx, res, host, int(aws.ToInt32(inst.Endpoint.Port)), s.MasterUser, s.Password, s.Database)
		if err != nil {
			t.Errorf("%s after the rejoin: %v", id, err)
			continue
		}
		var stale int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+workload.DefaultTable+` WHERE id = ANY($1)`, rep.Lost).Scan(&stale); err != nil || stale > 0 {
			t.Errorf("%s serves %d of the %d writes the failover lost (%v)", id, stale, len(rep.Lost), err)
		}
		waitFor(ctx, t, id+" to receive a write made after the rejoin", func() bool {
			var n int
			return conn.QueryRow(ctx, `SELECT count(*) FROM rejoin_mark`).Scan(&n) == nil && n == 1
		})
		conn.Close(ctx)
	}
	// Writes acknowledged by the old primary after the failover would be
	// split brain; it was down, then fenced.
	oldHosts := instanceHosts(ctx, t, e, s, a)
	for _, op := range l.w.History() {
		if op.Outcome == workload.OK && op.Complete.After(failoverAt) && oldHosts[strings.Split(op.Server, ":")[0]] {
			t.Errorf("write %d acknowledged by the old primary %s after the failover", op.ID, op.Server)
		}
	}
	// Lost writes are those acknowledged in the lag window before the fault.
	for _, id := range rep.Lost {
		for _, op := range l.w.History() {
			if op.ID == id && op.Complete.Before(faultAt.Add(-2*time.Second)) {
				t.Errorf("write %d acknowledged at %v, long before the fault at %v, was lost", id, op.Complete, faultAt)
			}
		}
	}
	if len(rep.Unexpected) > 0 || len(rep.Duplicates) > 0 {
		t.Errorf("history violations: %s", rep)
	}
	t.Logf("lost %d acknowledged writes spanning %v (RPO); longest write outage %v", len(rep.Lost), rep.LostSpan, rep.MaxOutage)
}

func writerARN(gc types.GlobalCluster) string {
	for _, m := range gc.GlobalClusterMembers {
		if aws.ToBool(m.IsWriter) {
			return aws.ToString(m.DBClusterArn)
		}
	}
	return ""
}

func syncStatus(gc types.GlobalCluster, region string) types.GlobalClusterMemberSynchronizationStatus {
	for _, m := range gc.GlobalClusterMembers {
		if strings.Contains(aws.ToString(m.DBClusterArn), ":"+region+":") {
			return m.SynchronizationStatus
		}
	}
	return ""
}

// instanceHosts resolves the addresses of r's instances.
func instanceHosts(ctx context.Context, t *testing.T, e interface{ DNSAddr() string }, s *runbook.Spec, r runbook.Region) map[string]bool {
	t.Helper()
	out, err := r.Client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{Filters: dbClusterFilter(r.Cluster)})
	if err != nil {
		t.Fatal(err)
	}
	hosts := map[string]bool{}
	res := dnsserver.Resolver(e.DNSAddr())
	for _, inst := range out.DBInstances {
		if inst.Endpoint == nil {
			continue
		}
		addrs, err := res.LookupHost(ctx, aws.ToString(inst.Endpoint.Address))
		if err == nil {
			for _, a := range addrs {
				hosts[a] = true
			}
		}
	}
	if len(hosts) == 0 {
		t.Fatal(errors.New("no instance addresses resolved"))
	}
	return hosts
}
