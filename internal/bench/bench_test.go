// Package bench measures the figures of DESIGN §5 on the emulator and
// prints them beside their goals. Run with `make bench`.
package bench

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/regions"
	"github.com/globaldb/globaldb/internal/runbook"
)

type row struct {
	name, value, goal string
}

// BenchmarkSeedTopology brings the 2×2 seed topology up and down on the
// emulator, measures cross-region replication lag under 200 commits/s
// and the memory of the running topology, and prints the table.
func BenchmarkSeedTopology(b *testing.B) {
	for i := 0; i < b.N; i++ {
		rows := seedFigures(b)
		fmt.Println()
		fmt.Printf("%-55s %-22s %s\n", "figure (seed topology: 2 regions x 2 instances)", "measured", "goal")
		for _, r := range rows {
			fmt.Printf("%-55s %-22s %s\n", r.name, r.value, r.goal)
		}
	}
}

func seedFigures(b *testing.B) []row {
	e := emulatortest.Start(b)
	ctx := context.Background()
	s := seedSpec(e)
	t0 := time.Now()
	if err := runbook.Up(ctx, s); err != nil {
		b.Fatal(err)
	}
	up := time.Since(t0)
	delay := regions.OneWayDelay(s.Primary.Name, s.Secondaries[0].Name)
	lags, err := measureLag(ctx, s, dnsserver.Resolver(e.DNSAddr()), 200, 5*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	mem := topologyMemory(e)
	t1 := time.Now()
	if err := runbook.Down(ctx, s); err != nil {
		b.Fatal(err)
	}
	down := time.Since(t1)
	return []row{
		{"bring up until every waiter is satisfied", secs(up), "<= 8 s"},
		{"tear down (AWS order, waiters)", secs(down), "<= 3 s"},
		{fmt.Sprintf("replication lag p50 at 200 commits/s (%d rows)", len(lags)), ms(pct(lags, 50)), fmt.Sprintf("(link one-way delay %s)", delay)},
		{"replication lag p99 at 200 commits/s", ms(pct(lags, 99)), fmt.Sprintf("<= %s (delay + 25 ms)", ms(delay+25*time.Millisecond))},
		{"memory of the running topology (PSS: postgres + emulator)", fmt.Sprintf("%.0f MB", mem), "<= 400 MB"},
	}
}

func seedSpec(e *emulator.Emulator) *runbook.Spec {
	c1, c2 := emulatortest.RDS(e, "ap-southeast-1"), emulatortest.RDS(e, "ap-southeast-2")
	return &runbook.Spec{
		GlobalCluster: "bench", Engine: "aurora-postgresql", EngineVersion: "15.10", InstanceClass: "db.r6g.large",
		Database: "app", MasterUser: "app_admin", Password: "bench-password-1",
		Primary: runbook.Region{Name: "ap-southeast-1", Client: c1, Cluster: "bench-apse1",
			Instances: []runbook.Instance{{ID: "bench-apse1-1", AZ: "ap-southeast-1a"}, {ID: "bench-apse1-2", AZ: "ap-southeast-1b"}}},
		Secondaries: []runbook.Region{{Name: "ap-southeast-2", Client: c2, Cluster: "bench-apse2",
			Instances: []runbook.Instance{{ID: "bench-apse2-1", AZ: "ap-southeast-2a"}, {ID: "bench-apse2-2", AZ: "ap-southeast-2b"}}}},
		WaiterDelay: 100 * time.Millisecond,
	}
}

// measureLag commits rows at rate per second through the primary's writer
// endpoint for d while a reader in the secondary polls for the newest
// row; a row's lag is from its commit acknowledgement to the first poll
// that sees it.
func measureLag(ctx context.Context, s *runbook.Spec, res runbook.Resolver, rate int, d time.Duration) ([]time.Duration, error) {
	pe, err := runbook.ClusterEndpoints(ctx, s.Primary)
	if err != nil {
		return nil, err
	}
	se, err := runbook.ClusterEndpoints(ctx, s.Secondaries[0])
	if err != nil {
		return nil, err
	}
	w, err := runbook.Connect(ctx, res, pe.Writer, pe.Port, s.MasterUser, s.Password, s.Database)
	if err != nil {
		return nil, err
	}
	defer w.Close(ctx)
	if _, err := w.Exec(ctx, `CREATE TABLE lag_probe (id bigint PRIMARY KEY)`); err != nil {
		return nil, err
	}
	r, err := runbook.Connect(ctx, res, se.Reader, se.Port, s.MasterUser, s.Password, s.Database)
	if err != nil {
		return nil, err
	}
	defer r.Close(ctx)
	n := int(d.Seconds() * float64(rate))
	acked := make([]time.Time, n+1)
	seen := make([]time.Time, n+1)
	done := make(chan error, 1)
	go func() {
		last := int64(0)
		for last < int64(n) {
			var max *int64
			err := r.QueryRow(ctx, `SELECT max(id) FROM lag_probe`).Scan(&max)
			if err != nil && !strings.Contains(err.Error(), "does not exist") {
				done <- err
				return
			}
			now := time.Now()
			if max != nil {
				for id := last + 1; id <= *max; id++ {
					seen[id] = now
				}
				last = *max
			}
		}
		done <- nil
	}()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for id := 1; id <= n; id++ {
		<-tick.C
		if _, err := w.Exec(ctx, `INSERT INTO lag_probe VALUES ($1)`, id); err != nil {
			return nil, err
		}
		acked[id] = time.Now()
	}
	if err := <-done; err != nil {
		return nil, err
	}
	lags := make([]time.Duration, 0, n)
	for id := 1; id <= n; id++ {
		lags = append(lags, seen[id].Sub(acked[id]))
	}
	return lags, nil
}

func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, len(s)*p/100)]
}

// topologyMemory sums the proportional set size (shared pages split
// between the processes sharing them) of the emulator's postgres
// processes and of this process, in MB.
func topologyMemory(e *emulator.Emulator) float64 {
	total := pss("self")
	for _, pid := range emulatortest.PostgresUnder(e.DataDir()) {
		total += pss(pid)
	}
	return total / 1024
}

func pss(pid string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/smaps_rollup")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
			v, _ := strconv.ParseFloat(f[1], 64)
			return v
		}
	}
	return 0
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
func ms(d time.Duration) string   { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
