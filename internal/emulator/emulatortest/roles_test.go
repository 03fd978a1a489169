package emulatortest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/runbook"
	"github.com/globaldb/globaldb/internal/workload"
)

// load is a write workload through an endpoint name, resolved with the
// emulator's DNS server on every connection attempt.
type load struct {
	w      *workload.Workload
	cancel context.CancelFunc
	done   sync.WaitGroup
}

func startLoad(t *testing.T, e *emulator.Emulator, s *runbook.Spec, host string, port int) *load {
	t.Helper()
	cfg, err := pgx.ParseConfig("")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Host, cfg.Port, cfg.User, cfg.Password, cfg.Database = host, uint16(port), s.MasterUser, s.Password, s.Database
	cfg.LookupFunc = dnsserver.Resolver(e.DNSAddr()).LookupHost
	cfg.ConnectTimeout = time.Second
	w, err := workload.New(workload.Config{Dial: workload.DialWith(cfg), Writers: 4, Rate: 200, OpTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	setup, scancel := context.WithTimeout(ctx, 10*time.Second)
	defer scancel()
	if err := w.Setup(setup); err != nil {
		t.Fatalf("workload setup: %v", err)
	}
	l := &load{w: w, cancel: cancel}
	l.done.Add(1)
	go func() {
		defer l.done.Done()
		_ = w.Run(ctx)
	}()
	t.Cleanup(l.stop)
	return l
}

func (l *load) stop() {
	l.cancel()
	l.done.Wait()
}

// waitAcks waits until the workload has n more acknowledged writes.
func (l *load) waitAcks(ctx context.Context, t *testing.T, n int) {
	t.Helper()
	ok0, _, _ := l.w.Counts()
	waitFor(ctx, t, "acknowledged writes", func() bool { ok, _, _ := l.w.Counts(); return ok >= ok0+n })
}

// check stops the load and checks its history against the rows the
// writer of region r holds.
func (l *load) check(ctx context.Context, t *testing.T, e *emulator.Emulator, s *runbook.Spec, r runbook.Region) workload.Report {
	t.Helper()
	l.stop()
	ep, err := runbook.ClusterEndpoints(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := runbook.Connect(ctx, dnsserver.Resolver(e.DNSAddr()), ep.Writer, ep.Port, s.MasterUser, s.Password, s.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := workload.ReadRows(ctx, conn, workload.DefaultTable)
	if err != nil {
		t.Fatal(err)
	}
	rep := workload.Check(l.w.History(), rows)
	t.Logf("workload: %s", rep)
	return rep
}

func clusterWriter(ctx context.Context, t *testing.T, r runbook.Region) (writer, status string) {
	out, err := r.Client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &r.Cluster})
	if err != nil {
		t.Fatal(err)
	}
	c := out.DBClusters[0]
	for _, m := range c.DBClusterMembers {
		if aws.ToBool(m.IsClusterWriter) {
			writer = aws.ToString(m.DBInstanceIdentifier)
		}
	}
	return writer, aws.ToString(c.Status)
}

func instanceStatus(ctx context.Context, r runbook.Region, id string) string {
	out, err := r.Client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: &id})
	if err != nil {
		return ""
	}
	return aws.ToString(out.DBInstances[0].DBInstanceStatus)
}

// TestRoles_WriterCrash: the writer instance dies (kill -9); the cluster
// fails over in-region by itself, the endpoint follows, no acknowledged
// write is lost, and the dead instance returns as a reader.
func TestRoles_WriterCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := seedSpec(e, "wc")
	s.Secondaries = nil
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatalf("up: %v", err)
	}
	p := s.Primary
	ep, _ := runbook.ClusterEndpoints(ctx, p)
	l := startLoad(t, e, s, ep.Writer, ep.Port)
	l.waitAcks(ctx, t, 100)
	f, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.InstanceFailure, Region: p.Name, Instance: "wc-apse1-1"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "in-region failover to wc-apse1-2", func() bool {
		w, st := clusterWriter(ctx, t, p)
		return w == "wc-apse1-2" && st == "available"
	})
	l.waitAcks(ctx, t, 100)
	if err := e.Faults().Clear(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the dead writer to return as a reader", func() bool {
		w, _ := clusterWriter(ctx, t, p)
		return w == "wc-apse1-2" && instanceStatus(ctx, p, "wc-apse1-1") == "available"
	})
	rep := l.check(ctx, t, e, s, p)
	if !rep.OK || len(rep.Lost) > 0 {
		t.Errorf("acknowledged writes lost or unexpected: %s", rep)
	}
	if rep.Acknowledged < 200 {
		t.Errorf("only %d writes acknowledged", rep.Acknowledged)
	}
}

// TestRoles_SwitchoverAndBack: planned switchovers A→B and back under
// load lose nothing; afterwards the old primary is read-only and
// replicates from the new one.
func TestRoles_SwitchoverAndBack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := seedSpec(e, "so")
	s.Secondaries[0].Instances = s.Secondaries[0].Instances[:1]
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatalf("up: %v", err)
	}
	a, b := s.Primary, s.Secondaries[0]
	g := globalEndpoint(ctx, t, s)
	l := startLoad(t, e, s, g, 5432)
	l.waitAcks(ctx, t, 100)
	switchover(ctx, t, s, a, b)
	l.waitAcks(ctx, t, 100)
	// The old primary is now read-only.
	if refused, err := runbook.WriteRefused(ctx, s, a, dnsserver.Resolver(e.DNSAddr())); err != nil || !refused {
		t.Errorf("old primary after switchover: write refused=%v err=%v", refused, err)
	}
	switchover(ctx, t, s, b, a)
	l.waitAcks(ctx, t, 100)
	rep := l.check(ctx, t, e, s, a)
	if !rep.OK || len(rep.Lost) > 0 {
		t.Errorf("switchovers lost acknowledged writes: %s", rep)
	}
	if _, err := runbook.VerifyReplication(ctx, s, dnsserver.Resolver(e.DNSAddr())); err != nil {
		t.Errorf("replication A→B after switching back: %v", err)
	}
}

func globalEndpoint(ctx context.Context, t *testing.T, s *runbook.Spec) string {
	t.Helper()
	out, err := s.Primary.Client.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: &s.GlobalCluster})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.GlobalClusters[0].Endpoint)
}

// switchover switches the primary from `from` to `to`, called in from's
// region, and checks AWS's status sequence until it is done.
func switchover(ctx context.Context, t *testing.T, s *runbook.Spec, from, to runbook.Region) {
	t.Helper()
	arn := "arn:aws:rds:" + to.Name + ":000000000000:cluster:" + to.Cluster
	out, err := from.Client.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: &s.GlobalCluster, TargetDbClusterIdentifier: &arn})
	if err != nil {
		t.Fatalf("switchover to %s: %v", to.Name, err)
	}
	gc := out.GlobalCluster
	if aws.ToString(gc.Status) != "switching-over" || gc.FailoverState == nil || string(gc.FailoverState.Status) != "pending" {
		t.Errorf("right after switchover: status %s, failover state %+v", aws.ToString(gc.Status), gc.FailoverState)
	}
	waitSwitchover(ctx, t, s, from, to)
}

// waitSwitchover waits until the global cluster is available again with
// to's cluster as its writer.
func waitSwitchover(ctx context.Context, t *testing.T, s *runbook.Spec, from, to runbook.Region) {
	t.Helper()
	arn := "arn:aws:rds:" + to.Name + ":000000000000:cluster:" + to.Cluster
	waitFor(ctx, t, "switchover to complete", func() bool {
		g, err := from.Client.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: &s.GlobalCluster})
		if err != nil {
			return false
		}
		gc := g.GlobalClusters[0]
		if aws.ToString(gc.Status) != "available" || gc.FailoverState != nil {
			return false
		}
		for _, m := range gc.GlobalClusterMembers {
			if aws.ToBool(m.IsWriter) && aws.ToString(m.DBClusterArn) != arn {
				t.Fatalf("switchover finished with writer %s", aws.ToString(m.DBClusterArn))
			}
		}
		return true
	})
}
