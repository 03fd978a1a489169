package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

// The canary probes a region's database from inside the region (where a
// private endpoint can be reached) and publishes what it finds as the
// custom metrics Globaldb/Canary Healthy and LatencyMs, which the
// canary-based health alarms watch:
//
//	globaldb canary ──TLS──► cluster endpoint: SELECT pg_is_in_recovery(); upsert globaldb_canary_probe
//	     │          ──TLS──► reader endpoint:  SELECT pg_is_in_recovery()
//	     └─ PutMetricData (the region's CloudWatch) ─► alarm <stack>-<region>-{writer,reader}-health
//	                                                      └─► Route 53 CLOUDWATCH_METRIC check

// CanaryRole is the endpoint a probe targets, as the metric's Role
// dimension names it.
type CanaryRole string

// The two probes of a region.
const (
	// CanaryWriter probes the cluster (writer) endpoint: healthy when it
	// connects to a writable instance and a small write commits.
	CanaryWriter CanaryRole = "WRITER"
	// CanaryReader probes the reader endpoint: healthy when it connects
	// and answers a query.
	CanaryReader CanaryRole = "READER"
)

// CanaryObservation is what one probe of one endpoint saw.
type CanaryObservation struct {
	Role     CanaryRole
	Endpoint string // host:port
	// Err is why the probe stopped early (no endpoint, no connection, a
	// failed query or write); nil when every step it tried worked.
	Err error
	// Connected: a TLS session was established and the query answered.
	Connected bool
	// InRecovery is pg_is_in_recovery(): the instance is a replica.
	InRecovery bool
	// Wrote: the writer probe's upsert committed.
	Wrote   bool
	Latency time.Duration
}

// CanaryResult is a probe's verdict, as published.
type CanaryResult struct {
	CanaryObservation
	Healthy bool
	Reason  string
}

// canaryVerdict decides whether an observation is healthy. A writer
// endpoint that lands on a replica is unhealthy: the region has no writer
// (a secondary, or a primary mid-failover), and the writer record must not
// point there.
func canaryVerdict(o CanaryObservation) (bool, string) {
	switch {
	case !o.Connected && o.Err != nil:
		return false, "cannot query: " + o.Err.Error()
	case !o.Connected:
		return false, "no answer"
	case o.Role == CanaryWriter && o.InRecovery:
		return false, "the cluster endpoint is a replica (pg_is_in_recovery): no writer in this region"
	case o.Role == CanaryWriter && !o.Wrote:
		msg := "the write did not commit"
		if o.Err != nil {
			msg += ": " + o.Err.Error()
		}
		return false, msg
	case o.Role == CanaryWriter:
		return true, "connected, wrote"
	case o.InRecovery:
		return true, "connected, reads (replica)"
	}
	return true, "connected, reads"
}

// canaryData is the PutMetricData payload for results of cluster at now.
func canaryData(cluster string, now time.Time, results []CanaryResult) []cwtypes.MetricDatum {
	var out []cwtypes.MetricDatum
	for _, r := range results {
		dims := []cwtypes.Dimension{dim("DBClusterIdentifier", cluster), dim("Role", string(r.Role))}
		healthy := 0.0
		if r.Healthy {
			healthy = 1
		}
		out = append(out,
			cwtypes.MetricDatum{MetricName: aws.String(CanaryHealthy), Dimensions: dims, Timestamp: aws.Time(now),
				Value: aws.Float64(healthy), Unit: cwtypes.StandardUnitCount},
			cwtypes.MetricDatum{MetricName: aws.String(CanaryLatency), Dimensions: dims, Timestamp: aws.Time(now),
				Value: aws.Float64(float64(r.Latency.Microseconds()) / 1000), Unit: cwtypes.StandardUnitMilliseconds})
	}
	return out
}

// CanaryOptions configure RunCanary.
type CanaryOptions struct {
	// Region is the region probed and published to; it must be one of the
	// topology's.
	Region string
	// Interval is the time between probes (default 60 s: one data point
	// per standard-resolution period).
	Interval time.Duration
	// Timeout bounds one probe of one endpoint (default 10 s).
	Timeout time.Duration
	// Once probes and publishes once, then returns.
	Once bool
	// Resolver resolves the endpoints; nil is the host's resolver.
	Resolver resolve.Resolver
	Logger   *slog.Logger
	// Report, when set, receives each round's results after they are
	// published (or failed to be).
	Report func([]CanaryResult, error)
}

// ErrUnknownRegion is returned by RunCanary for a region the topology
// does not name.
var ErrUnknownRegion = errors.New("not a region of the topology")

// RunCanary probes opts.Region's cluster every Interval and publishes the
// results, until ctx ends (nil) or, with Once, after one round (the
// publish error, if any). An unhealthy database is data, not an error:
// it is published as Healthy 0.
func RunCanary(ctx context.Context, c *Clients, t *topology.Topology, opts CanaryOptions) error {
	found := false
	for _, r := range t.Regions {
		found = found || r.Name == opts.Region
	}
	if !found {
		return fmt.Errorf("canary region %q: %w", opts.Region, ErrUnknownRegion)
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Minute
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Resolver == nil {
		opts.Resolver = resolve.System()
	}
	log := opts.Logger.With("region", opts.Region, "cluster", Names{t.Name}.Cluster(opts.Region))
	tick := time.NewTicker(opts.Interval)
	defer tick.Stop()
	for {
		results := canaryRound(ctx, c, t, opts)
		if ctx.Err() != nil {
			return nil // interrupted mid-probe: publish nothing half-seen
		}
		err := publishCanary(ctx, c, t, opts.Region, time.Now(), results)
		for _, r := range results {
			log.Info("canary probe", "role", string(r.Role), "endpoint", r.Endpoint, "healthy", r.Healthy, "reason", r.Reason,
				"latency_ms", float64(r.Latency.Microseconds())/1000)
		}
		if err != nil {
			log.Warn("canary could not publish", "err", err)
		}
		if opts.Report != nil {
			opts.Report(results, err)
		}
		if opts.Once {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func publishCanary(ctx context.Context, c *Clients, t *topology.Topology, region string, now time.Time, results []CanaryResult) error {
	_, err := c.CloudWatch(region).PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String(CanaryNamespace),
		MetricData: canaryData(Names{t.Name}.Cluster(region), now, results)})
	if err != nil {
		return fmt.Errorf("publish canary metrics in %s: %w", region, err)
	}
	return nil
}

// canaryRound probes the region's writer and reader endpoints.
func canaryRound(ctx context.Context, c *Clients, t *topology.Topology, opts CanaryOptions) []CanaryResult {
	n := Names{t.Name}
	cluster, err := describeCluster(ctx, c.RDS(opts.Region), n.Cluster(opts.Region))
	if err == nil && cluster == nil {
		err = fmt.Errorf("DB cluster %s does not exist in %s", n.Cluster(opts.Region), opts.Region)
	}
	var out []CanaryResult
	for _, role := range []CanaryRole{CanaryWriter, CanaryReader} {
		o := CanaryObservation{Role: role, Err: err}
		if err == nil {
			host := aws.ToString(cluster.Endpoint)
			if role == CanaryReader {
				host = aws.ToString(cluster.ReaderEndpoint)
			}
			o = probeEndpoint(ctx, t, opts, c, host, int(aws.ToInt32(cluster.Port)), role)
		}
		healthy, reason := canaryVerdict(o)
		out = append(out, CanaryResult{CanaryObservation: o, Healthy: healthy, Reason: reason})
	}
	return out
}

// canaryTable holds one row per region whose canary last wrote through
// the writer; a row is overwritten, never added again.
const canaryTable = `CREATE TABLE IF NOT EXISTS globaldb_canary_probe (region text PRIMARY KEY, probed_at timestamptz NOT NULL)`

// probeEndpoint connects to host:port with TLS as the master user, asks
// pg_is_in_recovery(), and on the writer endpoint of a writable instance
// upserts the region's row.
func probeEndpoint(ctx context.Context, t *topology.Topology, opts CanaryOptions, c *Clients, host string, port int, role CanaryRole) (o CanaryObservation) {
	o = CanaryObservation{Role: role, Endpoint: fmt.Sprintf("%s:%d", host, port)}
	if host == "" {
		o.Err = errors.New("the cluster reports no such endpoint")
		return o
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	start := time.Now()
	defer func() { o.Latency = time.Since(start) }()
	conn, err := openDB(ctx, t, opts.Resolver, c.DBTrust(ctx), host, port)
	if err != nil {
		o.Err = err
		return o
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&o.InRecovery); err != nil {
		o.Err = fmt.Errorf("select pg_is_in_recovery(): %w", err)
		return o
	}
	o.Connected = true
	if role != CanaryWriter || o.InRecovery {
		return o
	}
	o.Err = canaryWrite(ctx, conn, opts.Region)
	o.Wrote = o.Err == nil
	return o
}

func canaryWrite(ctx context.Context, conn *pgx.Conn, region string) error {
	if _, err := conn.Exec(ctx, canaryTable); err != nil {
		return fmt.Errorf("create table globaldb_canary_probe: %w", err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO globaldb_canary_probe (region, probed_at) VALUES ($1, clock_timestamp())
		ON CONFLICT (region) DO UPDATE SET probed_at = excluded.probed_at`, region); err != nil {
		return fmt.Errorf("upsert into globaldb_canary_probe: %w", err)
	}
	return nil
}
