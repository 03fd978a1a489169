package orchestrator

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/emulator/admin"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

// TestForwardingMetrics_Emulator forwards N inserts through a secondary's
// reader endpoint and reads the counters back as an operator would: the
// admin API shows them replica-side on the secondary's instance and
// writer-side on the primary's writer, and status --output json carries
// them per instance.
func TestForwardingMetrics_Emulator(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := startEmulator(t)
	top := seedTopology(t)
	for i := range top.Regions {
		top.Regions[i].Instances = top.Regions[i].Instances[:1]
	}
	primary, secondary := top.Regions[0].Name, top.Regions[1].Name
	top.Regions[1].WriteForwarding = topology.ForwardGlobal
	c := connect(t, e, top)
	applyT(t, c, top)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res := resolve.Server(e.DNSAddr())
	trust := c.DBTrust(ctx)
	sec, err := ClusterEndpoints(ctx, c, top, secondary)
	if err != nil {
		t.Fatal(err)
	}
	pri, err := ClusterEndpoints(ctx, c, top, primary)
	if err != nil {
		t.Fatal(err)
	}
	w, err := openDB(ctx, top, res, trust, pri.Writer, pri.Port)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	if _, err := w.Exec(ctx, `CREATE TABLE wfm (id int PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	r, err := openDB(ctx, top, res, trust, sec.Reader, sec.Port)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	waitTable(ctx, t, r, "wfm")
	const n = 5
	for i := range n {
		if _, err := r.Exec(ctx, `INSERT INTO wfm (id) VALUES ($1)`, i); err != nil {
			t.Fatalf("forwarded insert %d: %v", i, err)
		}
	}
	names := Names{top.Name}
	repID, writerID := names.Instance(secondary, 0), names.Instance(primary, 0)

	cl := &admin.Client{Endpoint: e.Endpoint(), Creds: credentials.NewStaticCredentialsProvider("test", "test", ""), Region: primary}
	fs, err := cl.Forwarding(ctx)
	if err != nil {
		t.Fatalf("GET %s: %v", admin.ForwardingPath, err)
	}
	got := map[string]map[string]float64{}
	for _, f := range fs {
		got[f.Region+"/"+f.Instance] = f.Metrics
	}
	rep, wr := got[secondary+"/"+repID], got[primary+"/"+writerID]
	t.Run("admin API: replica side on the secondary's instance", func(t *testing.T) {
		if rep[admin.ReplicaDMLThroughput] < n || rep[admin.ReplicaCommitThroughput] < n {
			t.Errorf("replica metrics %v: want DML and commit counts ≥ %d", rep, n)
		}
		if rep[admin.ReplicaDMLLatency] <= 0 || rep[admin.ReplicaOpenSessions] != 1 {
			t.Errorf("replica metrics %v: want a positive DML latency and 1 open session (ours)", rep)
		}
		if _, ok := rep[admin.WriterDMLThroughput]; ok {
			t.Errorf("replica %s shows writer-side metrics: %v", repID, rep)
		}
	})
	t.Run("admin API: writer side on the primary's writer", func(t *testing.T) {
		if wr[admin.WriterDMLThroughput] < n || wr[admin.WriterOpenSessions] != 1 || wr[admin.WriterTotalSessions] < 1 {
			t.Errorf("writer metrics %v: want DML ≥ %d, 1 open session, ≥ 1 session opened", wr, n)
		}
		if _, ok := wr[admin.ReplicaDMLThroughput]; ok {
			t.Errorf("writer %s shows replica-side metrics: %v", writerID, wr)
		}
		if _, ok := wr[admin.LocalWriterDMLThroughput]; ok {
			t.Errorf("global forwarding counted as local on %s: %v", writerID, wr)
		}
	})
	t.Run("status JSON carries write_forwarding_metrics", func(t *testing.T) {
		st, err := Status(ctx, c, top, res)
		if err != nil {
			t.Fatal(err)
		}
		if err := AddForwardingMetrics(ctx, c, st); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(st)
		var doc struct {
			Regions []struct {
				Region    string `json:"region"`
				Instances []struct {
					ID      string             `json:"id"`
					Metrics map[string]float64 `json:"write_forwarding_metrics"`
				} `json:"instances"`
			} `json:"regions"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		seen := map[string]map[string]float64{}
		for _, rs := range doc.Regions {
			for _, i := range rs.Instances {
				seen[rs.Region+"/"+i.ID] = i.Metrics
			}
		}
		if m := seen[secondary+"/"+repID]; m[admin.ReplicaDMLThroughput] < n {
			t.Errorf("status %s/%s write_forwarding_metrics %v, want DML ≥ %d", secondary, repID, m, n)
		}
		if m := seen[primary+"/"+writerID]; m[admin.WriterDMLThroughput] < n {
			t.Errorf("status %s/%s write_forwarding_metrics %v, want writer DML ≥ %d", primary, writerID, m, n)
		}
		if t.Failed() {
			t.Logf("%s", b)
		}
	})
	t.Run("published to CloudWatch (AWS/RDS)", func(t *testing.T) {
		cw := cloudwatch.New(cloudwatch.Options{Region: secondary, BaseEndpoint: aws.String(e.Endpoint()),
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
		dims := []cwtypes.Dimension{{Name: aws.String("DBInstanceIdentifier"), Value: aws.String(repID)}}
		// Once the instance has a published series, a period holds the
		// next inserts: its throughput is above zero.
		for {
			out, err := cw.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/RDS"),
				MetricName: aws.String(admin.ReplicaDMLThroughput), Dimensions: []cwtypes.DimensionFilter{{Name: dims[0].Name, Value: dims[0].Value}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Metrics) > 0 {
				break
			}
			pause(ctx, t, "the replica's forwarding series")
		}
		for i := range n {
			if _, err := r.Exec(ctx, `INSERT INTO wfm (id) VALUES ($1)`, 100+i); err != nil {
				t.Fatal(err)
			}
		}
		for {
			end := time.Now().Add(time.Minute)
			st, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/RDS"),
				MetricName: aws.String(admin.ReplicaDMLThroughput), Dimensions: dims, StartTime: aws.Time(end.Add(-10 * time.Minute)),
				EndTime: aws.Time(end), Period: aws.Int32(600), Statistics: []cwtypes.Statistic{cwtypes.StatisticMaximum}})
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Datapoints) == 1 && aws.ToFloat64(st.Datapoints[0].Maximum) > 0 {
				break
			}
			pause(ctx, t, "a forwarded DML throughput above zero")
		}
	})
}

// waitTable waits until table has replicated to the server db is
// connected to: a secondary parses a forwarded statement against its own
// catalog, as Aurora's readers do, so a table created on the writer a
// moment ago is not there yet.
func waitTable(ctx context.Context, t *testing.T, db interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, table string) {
	t.Helper()
	for {
		var reg *string
		if err := db.QueryRow(ctx, `SELECT to_regclass($1)::text`, table).Scan(&reg); err != nil {
			t.Fatal(err)
		}
		if reg != nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("table %s never replicated", table)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func pause(ctx context.Context, t *testing.T, what string) {
	t.Helper()
	select {
	case <-ctx.Done():
		t.Fatalf("waiting for %s: %v", what, ctx.Err())
	case <-time.After(100 * time.Millisecond):
	}
}
