package emulatortest_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/runbook"
)

// TestRoles_RegionOutageRebuildStatus watches, through aws-sdk-go-v2 and
// the emulator's DNS, what a client sees while the old primary is rebuilt
// after a failover with data loss during a region outage: no instance
// ever reads "failed" (they all come back); the old primary stays
// pending-resync, and out of the primary's Readers, until every one of
// its instances answers; and once the region is back the global cluster
// is not "available" before the old primary's reader endpoint resolves
// and accepts connections.
func TestRoles_RegionOutageRebuildStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := seedSpec(e, "rb")
	s.Secondaries[0].Instances = s.Secondaries[0].Instances[:1]
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatalf("up: %v", err)
	}
	a, b := s.Primary, s.Secondaries[0]
	aEnd, err := runbook.ClusterEndpoints(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	w := &rebuildWatch{e: e, s: s, old: a, home: b, reader: aEnd.Reader, port: aEnd.Port,
		oldARN: "arn:aws:rds:" + a.Name + ":000000000000:cluster:" + a.Cluster, seen: map[string]bool{}}
	stop := make(chan struct{})
	var done sync.WaitGroup
	done.Add(1)
	go func() { defer done.Done(); w.run(ctx, stop) }()

	out, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.RegionOutage, Region: a.Name})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:rds:" + b.Name + ":000000000000:cluster:" + b.Cluster
	if _, err := b.Client.FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: &s.GlobalCluster,
		TargetDbClusterIdentifier: &arn, AllowDataLoss: aws.Bool(true)}); err != nil {
		t.Fatalf("failover with data loss: %v", err)
	}
	// While the old primary's region is down the failover completes (the
	// target writes), as globaldb failover and the drills rely on.
	waitFor(ctx, t, "the failover to complete while the old primary is down", func() bool {
		gc, err := w.global(ctx)
		return err == nil && aws.ToString(gc.Status) == "available" && gc.FailoverState == nil && writerARN(gc) == arn &&
			syncStatus(gc, a.Name) == types.GlobalClusterMemberSynchronizationStatusPendingResync
	})
	// The contract holds from when the clearing returns (the model knows
	// the region is back): marking it cleared before would let the
	// watcher judge a poll made while the region was still out.
	if err := e.Faults().Clear(ctx, out.ID); err != nil {
		t.Fatal(err)
	}
	w.cleared.Store(true)
	waitFor(ctx, t, "the old primary to be rebuilt", func() bool {
		gc, err := w.global(ctx)
		return err == nil && aws.ToString(gc.Status) == "available" &&
			syncStatus(gc, a.Name) == types.GlobalClusterMemberSynchronizationStatusConnected
	})
	close(stop) // the watcher finishes the poll in flight
	done.Wait()
	for _, v := range w.violations {
		t.Error(v)
	}
	t.Logf("statuses seen: %v", w.statuses())
	if !w.seen["global:failing-over"] {
		t.Errorf("the global cluster never read failing-over while the old primary was rebuilt")
	}
}

// rebuildWatch polls Describe* and records what contradicts the
// contract above.
type rebuildWatch struct {
	e            *emulator.Emulator
	s            *runbook.Spec
	old, home    runbook.Region
	oldARN       string
	reader       string
	port         int
	cleared      atomic.Bool // the outage has been cleared
	violations   []string
	seen         map[string]bool
	checkedAvail bool
	checkedSync  bool
}

func (w *rebuildWatch) global(ctx context.Context) (types.GlobalCluster, error) {
	out, err := w.home.Client.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: &w.s.GlobalCluster})
	if err != nil || len(out.GlobalClusters) != 1 {
		return types.GlobalCluster{}, fmt.Errorf("describe global cluster: %v", err)
	}
	return out.GlobalClusters[0], nil
}

func (w *rebuildWatch) violate(format string, args ...any) {
	if len(w.violations) < 20 {
		w.violations = append(w.violations, fmt.Sprintf(format, args...))
	}
}

// run polls until stop is closed, never abandoning a poll half done.
func (w *rebuildWatch) run(ctx context.Context, stop <-chan struct{}) {
	for ctx.Err() == nil {
		w.poll(ctx)
		select {
		case <-stop:
			return
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (w *rebuildWatch) poll(ctx context.Context) {
	for _, r := range []runbook.Region{w.old, w.home} {
		insts, err := w.instances(ctx, r)
		if err != nil {
			continue // the old primary's API is unreachable during the outage
		}
		for _, i := range insts {
			st := aws.ToString(i.DBInstanceStatus)
			w.seen["instance:"+st] = true
			if st == "failed" {
				w.violate("instance %s reads failed", aws.ToString(i.DBInstanceIdentifier))
			}
		}
	}
	// Only a response asked for after the clearing returned is judged.
	cleared := w.cleared.Load()
	gc, err := w.global(ctx)
	if err != nil {
		return
	}
	st, sync := aws.ToString(gc.Status), syncStatus(gc, w.old.Name)
	w.seen["global:"+st] = true
	w.seen["member:"+string(sync)] = true
	for _, m := range gc.GlobalClusterMembers {
		if sync == types.GlobalClusterMemberSynchronizationStatusPendingResync && slices.Contains(m.Readers, w.oldARN) {
			w.violate("the old primary is listed among the Readers while pending-resync")
		}
	}
	// States only move forward, so what the response claims must hold
	// when checked right after it.
	if cleared && st == "available" && !w.checkedAvail {
		w.checkedAvail = true
		if err := w.readerAnswers(ctx); err != nil {
			w.violate("global cluster available after the outage while the old primary's reader endpoint does not answer: %v", err)
		}
	}
	if sync == types.GlobalClusterMemberSynchronizationStatusConnected && cleared && !w.checkedSync {
		w.checkedSync = true
		if err := w.readerAnswers(ctx); err != nil {
			w.violate("old primary connected while its reader endpoint does not answer: %v", err)
		}
		insts, err := w.instances(ctx, w.old)
		if err != nil {
			w.violate("describe old primary instances: %v", err)
		}
		for _, i := range insts {
			if st := aws.ToString(i.DBInstanceStatus); st != "available" {
				w.violate("old primary connected while instance %s reads %s", aws.ToString(i.DBInstanceIdentifier), st)
			}
		}
	}
}

func (w *rebuildWatch) instances(ctx context.Context, r runbook.Region) ([]types.DBInstance, error) {
	out, err := r.Client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{Filters: dbClusterFilter(r.Cluster)},
		func(o *rds.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		return nil, err
	}
	return out.DBInstances, nil
}

// readerAnswers resolves the old primary's reader endpoint with the
// emulator's DNS server and runs a query through it.
func (w *rebuildWatch) readerAnswers(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := runbook.Connect(cctx, dnsserver.Resolver(w.e.DNSAddr()), w.reader, w.port, w.s.MasterUser, w.s.Password, w.s.Database)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var one int
	return conn.QueryRow(cctx, `SELECT 1`).Scan(&one)
}

func (w *rebuildWatch) statuses() []string {
	var out []string
	for k := range w.seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
