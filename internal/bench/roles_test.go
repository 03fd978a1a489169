package bench

import (
	"context"
	"fmt"
	"sort"
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

// BenchmarkRoleChanges measures, under a 200 writes/s load through the
// global writer endpoint, the write outage and loss of an in-region
// writer crash (automatic failover) and of a planned switchover, and
// prints them beside their goals.
func BenchmarkRoleChanges(b *testing.B) {
	for i := 0; i < b.N; i++ {
		rows := roleFigures(b)
		fmt.Println()
		fmt.Printf("%-55s %-22s %s\n", "figure (role changes under 200 writes/s)", "measured", "goal")
		for _, r := range rows {
			fmt.Printf("%-55s %-22s %s\n", r.name, r.value, r.goal)
		}
	}
}

func roleFigures(b *testing.B) []row {
	e := emulatortest.Start(b)
	ctx := context.Background()
	s := seedSpec(e)
	if err := runbook.Up(ctx, s); err != nil {
		b.Fatal(err)
	}
	out, err := s.Primary.Client.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: &s.GlobalCluster})
	if err != nil {
		b.Fatal(err)
	}
	w, stop := runLoad(b, e, s, aws.ToString(out.GlobalClusters[0].Endpoint))
	time.Sleep(time.Second) // steady load before the first event (a measurement window, not a wait for a condition)
	crashAt := time.Now()
	if _, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.InstanceFailure, Region: s.Primary.Name, Instance: s.Primary.Instances[0].ID}); err != nil {
		b.Fatal(err)
	}
	waitWriter(ctx, b, s.Primary, s.Primary.Instances[1].ID)
	time.Sleep(2 * time.Second)
	switchAt := time.Now()
	arn := "arn:aws:rds:" + s.Secondaries[0].Name + ":000000000000:cluster:" + s.Secondaries[0].Cluster
	if _, err := s.Primary.Client.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: &s.GlobalCluster, TargetDbClusterIdentifier: &arn}); err != nil {
		b.Fatal(err)
	}
	waitGlobalAvailable(ctx, b, s)
	time.Sleep(2 * time.Second)
	stop()
	rep := checkAgainst(ctx, b, e, s, s.Secondaries[0], w)
	crashOut := outage(w.History(), crashAt, switchAt)
	switchOut := outage(w.History(), switchAt, time.Now())
	lost := func(from, to time.Time) int {
		n := 0
		for _, id := range rep.Lost {
			for _, op := range w.History() {
				if op.ID == id && op.Complete.After(from) && op.Complete.Before(to) {
					n++
				}
			}
		}
		return n
	}
	return []row{
		{"in-region failover (writer kill -9): write outage", secs(crashOut), "<= 3 s"},
		{"in-region failover: acknowledged writes lost", fmt.Sprint(lost(crashAt.Add(-5*time.Second), switchAt)), "0"},
		{"switchover ap-southeast-1 -> ap-southeast-2: write outage", secs(switchOut), "<= 2 s"},
		{"switchover: acknowledged writes lost", fmt.Sprint(lost(switchAt.Add(-time.Second), time.Now())), "0"},
		{"writes acknowledged / failed / ambiguous in the run", fmt.Sprintf("%d / %d / %d", rep.Acknowledged, rep.Failed, rep.Ambiguous), ""},
	}
}

// outage is the longest gap between consecutive acknowledged writes
// completing in [from-1s, to): how long writes were unavailable around an
// event, as the client saw it.
func outage(h []workload.Op, from, to time.Time) time.Duration {
	var done []time.Time
	for _, op := range h {
		if op.Outcome == workload.OK && op.Complete.After(from.Add(-time.Second)) && op.Complete.Before(to) {
			done = append(done, op.Complete)
		}
	}
	sort.Slice(done, func(i, j int) bool { return done[i].Before(done[j]) })
	var longest time.Duration
	for i := 1; i < len(done); i++ {
		longest = max(longest, done[i].Sub(done[i-1]))
	}
	return longest
}

func runLoad(b *testing.B, e *emulator.Emulator, s *runbook.Spec, host string) (*workload.Workload, func()) {
	cfg, err := pgx.ParseConfig("")
	if err != nil {
		b.Fatal(err)
	}
	cfg.Host, cfg.Port, cfg.User, cfg.Password, cfg.Database = host, 5432, s.MasterUser, s.Password, s.Database
	cfg.LookupFunc = dnsserver.Resolver(e.DNSAddr()).LookupHost
	cfg.ConnectTimeout = time.Second
	w, err := workload.New(workload.Config{Dial: workload.DialWith(cfg), Writers: 4, Rate: 200, OpTimeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := w.Setup(ctx); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = w.Run(ctx) }()
	return w, func() { cancel(); wg.Wait() }
}

func waitWriter(ctx context.Context, b *testing.B, r runbook.Region, want string) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		out, err := r.Client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &r.Cluster})
		if err == nil && aws.ToString(out.DBClusters[0].Status) == "available" {
			for _, m := range out.DBClusters[0].DBClusterMembers {
				if aws.ToBool(m.IsClusterWriter) && aws.ToString(m.DBInstanceIdentifier) == want {
					return
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatalf("writer of %s did not move to %s", r.Cluster, want)
}

func waitGlobalAvailable(ctx context.Context, b *testing.B, s *runbook.Spec) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		out, err := s.Secondaries[0].Client.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: &s.GlobalCluster})
		if err == nil && aws.ToString(out.GlobalClusters[0].Status) == "available" && out.GlobalClusters[0].FailoverState == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatal("switchover did not complete")
}

func checkAgainst(ctx context.Context, b *testing.B, e *emulator.Emulator, s *runbook.Spec, r runbook.Region, w *workload.Workload) workload.Report {
	ep, err := runbook.ClusterEndpoints(ctx, r)
	if err != nil {
		b.Fatal(err)
	}
	conn, err := runbook.Connect(ctx, dnsserver.Resolver(e.DNSAddr()), ep.Writer, ep.Port, s.MasterUser, s.Password, s.Database)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := workload.ReadRows(ctx, conn, workload.DefaultTable)
	if err != nil {
		b.Fatal(err)
	}
	return workload.Check(w.History(), rows)
}
