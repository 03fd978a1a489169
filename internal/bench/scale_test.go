package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/regions"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

// scaleRegions: one primary and five secondaries, two instances each.
var scaleRegions = []string{"ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "us-west-2", "eu-west-1", "us-east-1"}

// BenchmarkScale applies a 1 + 5 region topology with the orchestrator,
// measures each secondary's replication lag, the memory of the 12
// instances, and destroys it.
func BenchmarkScale(b *testing.B) {
	for i := 0; i < b.N; i++ {
		rows := scaleFigures(b)
		fmt.Println()
		fmt.Printf("%-55s %-22s %s\n", "figure (1 primary + 5 secondary regions x 2 instances)", "measured", "goal")
		for _, r := range rows {
			fmt.Printf("%-55s %-22s %s\n", r.name, r.value, r.goal)
		}
	}
}

func scaleTopology(b *testing.B) *topology.Topology {
	var sb strings.Builder
	sb.WriteString("name: scale\nengineVersion: \"15.10\"\nregions:\n")
	for i, r := range scaleRegions {
		role := "secondary"
		if i == 0 {
			role = "primary"
		}
		fmt.Fprintf(&sb, "  - name: %s\n    role: %s\n    instances: [%sa, %sc]\n    network: {publiclyAccessible: true}\n", r, role, r, r)
		if i == 0 {
			sb.WriteString("    masterPasswordFrom: {file: pw}\n")
		}
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte("scale-master-pw-1"), 0o600); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "scale.yaml")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	t, err := topology.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	return t
}

func scaleFigures(b *testing.B) []row {
	e := emulatortest.StartScaled(b, 0.05)
	top := scaleTopology(b)
	ctx := context.Background()
	c, err := orchestrator.Connect(ctx, orchestrator.Target{EndpointURL: e.Endpoint(), Region: scaleRegions[0],
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}, scaleRegions)
	if err != nil {
		b.Fatal(err)
	}
	opts := orchestrator.Options{PollMin: 100 * time.Millisecond}
	t0 := time.Now()
	p, w, err := orchestrator.PlanApply(ctx, c, top)
	if err == nil {
		err = orchestrator.Apply(ctx, c, top, p, w, opts)
	}
	if err != nil {
		b.Fatal(err)
	}
	up := time.Since(t0)
	calls := c.Calls.Snapshot()
	res := resolve.Server(e.DNSAddr())
	lags, err := canaryLags(ctx, c, top, res)
	if err != nil {
		b.Fatal(err)
	}
	mem := topologyMemory(e)
	t1 := time.Now()
	p, w, err = orchestrator.PlanDestroy(ctx, c, top, false)
	if err == nil {
		err = orchestrator.Destroy(ctx, c, top, p, w, opts)
	}
	if err != nil {
		b.Fatal(err)
	}
	down := time.Since(t1)
	rows := []row{
		{"apply: wall time", secs(up), ""},
		{"apply: API calls (mutating / polls / total)", fmt.Sprintf("%d / %d / %d", calls.Mutating, calls.Polls, calls.Total), ""},
		{"memory of the running topology (PSS, 12 instances)", fmt.Sprintf("%.0f MB", mem), "<= 1200 MB"},
		{"destroy: wall time", secs(down), ""},
	}
	for _, r := range scaleRegions[1:] {
		d := regions.OneWayDelay(scaleRegions[0], r)
		rows = append(rows, row{"canary visible in " + r, ms(lags[r]), fmt.Sprintf("<= %s (one-way %s + 25 ms)", ms(d+25*time.Millisecond), ms(d))})
	}
	return rows
}

// canaryLags writes one row in the primary and times its arrival in each
// secondary's reader endpoint (median of 5 rounds).
func canaryLags(ctx context.Context, c *orchestrator.Clients, t *topology.Topology, res resolve.Resolver) (map[string]time.Duration, error) {
	connect := func(host string, port int) (*pgx.Conn, error) {
		cfg, err := orchestrator.DBConfig(t, res, c.DBTrust(ctx), host, port)
		if err != nil {
			return nil, err
		}
		return pgx.ConnectConfig(ctx, cfg)
	}
	pe, err := orchestrator.ClusterEndpoints(ctx, c, t, scaleRegions[0])
	if err != nil {
		return nil, err
	}
	w, err := connect(pe.Writer, pe.Port)
	if err != nil {
		return nil, err
	}
	defer w.Close(ctx)
	if _, err := w.Exec(ctx, `CREATE TABLE IF NOT EXISTS scale_canary (id int PRIMARY KEY)`); err != nil {
		return nil, err
	}
	readers := map[string]*pgx.Conn{}
	for _, r := range scaleRegions[1:] {
		se, err := orchestrator.ClusterEndpoints(ctx, c, t, r)
		if err != nil {
			return nil, err
		}
		conn, err := connect(se.Reader, se.Port)
		if err != nil {
			return nil, err
		}
		defer conn.Close(ctx)
		readers[r] = conn
	}
	samples := map[string][]time.Duration{}
	for round := 1; round <= 5; round++ {
		if _, err := w.Exec(ctx, `INSERT INTO scale_canary VALUES ($1)`, round); err != nil {
			return nil, err
		}
		committed := time.Now()
		type got struct {
			region string
			lag    time.Duration
			err    error
		}
		ch := make(chan got, len(readers))
		for r, conn := range readers {
			go func() {
				deadline := time.Now().Add(30 * time.Second)
				for {
					var n int
					err := conn.QueryRow(ctx, `SELECT count(*) FROM scale_canary WHERE id = $1`, round).Scan(&n)
					if err == nil && n == 1 {
						ch <- got{r, time.Since(committed), nil}
						return
					}
					if time.Now().After(deadline) {
						ch <- got{r, 0, fmt.Errorf("canary %d never reached %s: %v", round, r, err)}
						return
					}
				}
			}()
		}
		for range readers {
			g := <-ch
			if g.err != nil {
				return nil, g.err
			}
			samples[g.region] = append(samples[g.region], g.lag)
		}
	}
	out := map[string]time.Duration{}
	for r, s := range samples {
		out[r] = pct(s, 50)
	}
	return out, nil
}
