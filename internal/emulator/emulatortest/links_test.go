package emulatortest_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/runbook"
)

// TestRoles_LinkFaults: a short cut of the cross-region link changes no
// role and loses nothing; a switchover to a target that lags behind a
// slow link still loses nothing (it waits for the target to catch up).
func TestRoles_LinkFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := seedSpec(e, "lf")
	s.Secondaries[0].Instances = s.Secondaries[0].Instances[:1]
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatalf("up: %v", err)
	}
	a, b := s.Primary, s.Secondaries[0]
	l := startLoad(t, e, s, globalEndpoint(ctx, t, s), 5432)
	l.waitAcks(ctx, t, 50)

	t.Run("short link cut", func(t *testing.T) {
		f, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.LinkFault, From: a.Name, To: b.Name, Cut: true})
		if err != nil {
			t.Fatal(err)
		}
		_, fail0, _ := l.w.Counts()
		l.waitAcks(ctx, t, 200) // about a second of writes while cut
		if err := e.Faults().Clear(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		if _, fail, _ := l.w.Counts(); fail != fail0 {
			t.Errorf("%d writes failed while only the cross-region link was cut", fail-fail0)
		}
		g, err := a.Client.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: &s.GlobalCluster})
		if err != nil {
			t.Fatal(err)
		}
		if gc := g.GlobalClusters[0]; aws.ToString(gc.Status) != "available" || writerARN(gc) != "arn:aws:rds:"+a.Name+":000000000000:cluster:"+a.Cluster {
			t.Errorf("after a link cut: status %s, writer %s; want no role change", aws.ToString(gc.Status), writerARN(gc))
		}
		if _, err := runbook.VerifyReplication(ctx, s, dnsserver.Resolver(e.DNSAddr())); err != nil {
			t.Errorf("replication after the link healed: %v", err)
		}
	})
	t.Run("lagging target", func(t *testing.T) {
		f, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.LinkFault, From: a.Name, To: b.Name, Delay: faults.Duration(1500 * time.Millisecond)})
		if err != nil {
			t.Fatal(err)
		}
		l.waitAcks(ctx, t, 200)
		start := time.Now()
		switchover(ctx, t, s, a, b)
		if took := time.Since(start); took < 1500*time.Millisecond {
			t.Errorf("switchover to a target 1.5 s behind took %v; it must wait for the target", took)
		}
		if err := e.Faults().Clear(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		l.waitAcks(ctx, t, 50)
	})
	// The writer is b now. A switchover requested while the link into
	// the target is down cannot hand over: the old writer refuses
	// clients but keeps its last WAL until the target can receive it,
	// and the switchover completes, losing nothing, once the link heals.
	t.Run("switchover while the target's link is cut", func(t *testing.T) {
		f, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.LinkFault, From: b.Name, To: a.Name, Cut: true})
		if err != nil {
			t.Fatal(err)
		}
		l.waitAcks(ctx, t, 100) // writes the target has not received
		arn := "arn:aws:rds:" + a.Name + ":000000000000:cluster:" + a.Cluster
		if _, err := b.Client.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: &s.GlobalCluster, TargetDbClusterIdentifier: &arn}); err != nil {
			t.Fatalf("switchover to %s: %v", a.Name, err)
		}
		_, fail0, _ := l.w.Counts()
		waitFor(ctx, t, "the old writer to refuse writes", func() bool {
			_, fail, _ := l.w.Counts()
			return fail > fail0
		})
		if err := e.Faults().Clear(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		waitSwitchover(ctx, t, s, b, a)
		l.waitAcks(ctx, t, 50)
	})
	// The writer is a again. A cut that outlasts the emulator's re-clone
	// threshold (8 s without streaming) must still hold replication
	// back: nothing may reach b until the link heals.
	t.Run("long link cut", func(t *testing.T) {
		res := dnsserver.Resolver(e.DNSAddr())
		aw, err := runbook.ClusterEndpoints(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		bw, err := runbook.ClusterEndpoints(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		w, err := runbook.Connect(ctx, res, aw.Writer, aw.Port, s.MasterUser, s.Password, s.Database)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close(ctx)
		if _, err := w.Exec(ctx, `CREATE TABLE long_cut (id int)`); err != nil {
			t.Fatal(err)
		}
		r, err := runbook.Connect(ctx, res, bw.Reader, bw.Port, s.MasterUser, s.Password, s.Database)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close(ctx)
		count := func() int {
			var n int
			if err := r.QueryRow(ctx, `SELECT count(*) FROM long_cut`).Scan(&n); err != nil {
				return -1
			}
			return n
		}
		waitFor(ctx, t, "the table to reach "+b.Name, func() bool { return count() == 0 })
		f, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.LinkFault, From: a.Name, To: b.Name, Cut: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Exec(ctx, `INSERT INTO long_cut VALUES (1)`); err != nil {
			t.Fatal(err)
		}
		const window = 10 * time.Second // longer than the 8 s re-clone threshold
		for end := time.Now().Add(window); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
			if n := count(); n != 0 {
				t.Fatalf("%s changed while its link was cut (rows %d; -1: its server was rebuilt from across the cut)", b.Name, n)
			}
		}
		if err := e.Faults().Clear(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(ctx, t, "the row after the link healed", func() bool { return count() == 1 })
	})
	rep := l.check(ctx, t, e, s, a)
	if !rep.OK || len(rep.Lost) > 0 {
		t.Errorf("link faults lost acknowledged writes: %s", rep)
	}
}

// TestRoles_DetachWhilePrimaryDown: with the primary region down, the
// secondary can still be detached and promoted (the manual DR path); it
// is writable with the data it had.
func TestRoles_DetachWhilePrimaryDown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := seedSpec(e, "dd")
	s.Primary.Instances = s.Primary.Instances[:1]
	s.Secondaries[0].Instances = s.Secondaries[0].Instances[:1]
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatalf("up: %v", err)
	}
	res := dnsserver.Resolver(e.DNSAddr())
	if _, err := runbook.VerifyReplication(ctx, s, res); err != nil {
		t.Fatal(err)
	}
	a, b := s.Primary, s.Secondaries[0]
	f, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.RegionOutage, Region: a.Name})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:rds:" + b.Name + ":000000000000:cluster:" + b.Cluster
	if _, err := b.Client.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: &s.GlobalCluster, DbClusterIdentifier: &arn}); err != nil {
		t.Fatalf("detach while the primary region is down: %v", err)
	}
	waitFor(ctx, t, "the detached cluster to be available", func() bool {
		_, st := clusterWriter(ctx, t, b)
		return st == "available"
	})
	ep, _ := runbook.ClusterEndpoints(ctx, b)
	conn, err := runbook.Connect(ctx, res, ep.Writer, ep.Port, s.MasterUser, s.Password, s.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM globaldb_canary`).Scan(&n); err != nil || n != 1 {
		t.Errorf("promoted cluster has %d canary rows (%v), want 1", n, err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO globaldb_canary (id) VALUES ('detached')`); err != nil {
		t.Errorf("write to the detached cluster: %v", err)
	}
	if err := e.Faults().Clear(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
}
