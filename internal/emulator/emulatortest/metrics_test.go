package emulatortest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/runbook"
)

// point is one published datum, its dimensions rendered "k=v,k=v".
type point struct {
	region, namespace, name, dims string
	value                         float64
	at                            time.Time
}

// metricSink records what the emulator publishes (a metrics.Sink).
type metricSink struct {
	mu     sync.Mutex
	points []point
}

func (s *metricSink) Publish(region, namespace string, data []types.MetricDatum) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range data {
		var dims []string
		for _, dim := range d.Dimensions {
			dims = append(dims, aws.ToString(dim.Name)+"="+aws.ToString(dim.Value))
		}
		slices.Sort(dims)
		s.points = append(s.points, point{region: region, namespace: namespace, name: aws.ToString(d.MetricName),
			dims: strings.Join(dims, ","), value: aws.ToFloat64(d.Value), at: aws.ToTime(d.Timestamp)})
	}
}

// find returns the points that match, oldest first.
func (s *metricSink) find(match func(point) bool) []point {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []point
	for _, p := range s.points {
		if match(p) {
			out = append(out, p)
		}
	}
	return out
}

// series matches the points of one metric series stamped after since.
func series(region, name, dims string, since time.Time) func(point) bool {
	return func(p point) bool {
		return p.region == region && p.name == name && p.dims == dims && p.at.After(since)
	}
}

// latest returns the newest point of a series stamped after since.
func (s *metricSink) latest(region, name, dims string, since time.Time) (point, bool) {
	ps := s.find(series(region, name, dims, since))
	if len(ps) == 0 {
		return point{}, false
	}
	return ps[len(ps)-1], true
}

// log logs the instance and cluster series of the named metrics since
// a moment, for -v.
func (s *metricSink) log(t *testing.T, since time.Time, names ...string) {
	t.Helper()
	for _, name := range names {
		var vs []string
		for _, p := range s.find(func(p point) bool { return p.name == name && p.at.After(since) }) {
			if id, ok := strings.CutPrefix(p.dims, "DBInstanceIdentifier="); ok {
				vs = append(vs, fmt.Sprintf("%s=%g", id, p.value))
			} else if id, ok := strings.CutPrefix(p.dims, "DBClusterIdentifier="); ok && !strings.Contains(id, ",") {
				vs = append(vs, fmt.Sprintf("%s=%g", id, p.value))
			}
		}
		t.Logf("%s: %s", name, strings.Join(vs, " "))
	}
}

// TestMetrics_GlobalCluster: a 2-region global cluster publishes its
// instances' AWS/RDS metrics in their regions every 60 s × time scale;
// the replication lag of the secondary, published in its region only,
// follows a delay injected on the link; Route 53's health-check metrics
// are published in us-east-1; a region in an outage publishes nothing.
func TestMetrics_GlobalCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	const scale = 0.05 // a 60 s period is 3 s
	period := time.Duration(float64(time.Minute) * scale)
	rec := &metricSink{}
	e := emulatortest.StartWith(t, emulator.Config{TimeScale: scale, MetricSink: rec})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s := seedSpec(e, "mx")
	s.Primary.Instances = []runbook.Instance{{ID: "mx-apse1-1", AZ: "ap-southeast-1a", Public: true}, {ID: "mx-apse1-2", AZ: "ap-southeast-1b"}}
	s.Secondaries[0].Instances = []runbook.Instance{{ID: "mx-apse2-1", AZ: "ap-southeast-2a", Public: true}}
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatalf("up: %v", err)
	}
	primary, secondary := s.Primary.Name, s.Secondaries[0].Name
	// within bounds a wait to a few periods (publication is every period).
	within := func(n int) (context.Context, context.CancelFunc) {
		return context.WithTimeout(ctx, time.Duration(n)*period+10*time.Second)
	}

	t.Run("EngineUptime grows", func(t *testing.T) {
		wctx, wcancel := within(4)
		defer wcancel()
		var ps []point
		waitFor(wctx, t, "two EngineUptime datapoints of the writer", func() bool {
			ps = rec.find(series(primary, "EngineUptime", "DBInstanceIdentifier=mx-apse1-1", time.Time{}))
			return len(ps) >= 2
		})
		first, last := ps[0], ps[len(ps)-1]
		if last.value <= first.value || !last.at.After(first.at) {
			t.Errorf("EngineUptime %v at %v, then %v at %v: want it to grow", first.value, first.at, last.value, last.at)
		}
		for _, dims := range []string{"DBClusterIdentifier=mx-apse1", "DBClusterIdentifier=mx-apse1,Role=WRITER", "EngineName=aurora-postgresql"} {
			if _, ok := rec.latest(primary, "EngineUptime", dims, time.Time{}); !ok {
				t.Errorf("no EngineUptime{%s} in %s", dims, primary)
			}
		}
		if _, ok := rec.latest(secondary, "EngineUptime", "DBClusterIdentifier=mx-apse2,Role=READER", time.Time{}); !ok {
			t.Errorf("no EngineUptime of the secondary cluster's reader in %s", secondary)
		}
	})

	t.Run("replica lags of the readers, extremes on the writer", func(t *testing.T) {
		wctx, wcancel := within(4)
		defer wcancel()
		for _, m := range []struct{ region, name, dims string }{
			{primary, "AuroraReplicaLag", "DBInstanceIdentifier=mx-apse1-2"},
			{primary, "AuroraReplicaLag", "DBClusterIdentifier=mx-apse1,Role=READER"},
			{primary, "AuroraReplicaLagMaximum", "DBInstanceIdentifier=mx-apse1-1"},
			{primary, "AuroraReplicaLagMinimum", "DBInstanceIdentifier=mx-apse1-1"},
			{secondary, "AuroraReplicaLag", "DBInstanceIdentifier=mx-apse2-1"},
		} {
			waitFor(wctx, t, m.name+"{"+m.dims+"} in "+m.region, func() bool {
				_, ok := rec.latest(m.region, m.name, m.dims, time.Time{})
				return ok
			})
		}
		if ps := rec.find(series(primary, "AuroraReplicaLag", "DBInstanceIdentifier=mx-apse1-1", time.Time{})); len(ps) > 0 {
			t.Errorf("the writer published AuroraReplicaLag %v; only readers do", ps[0].value)
		}
	})

	t.Run("DatabaseConnections counts a held connection", func(t *testing.T) {
		ep, err := runbook.ClusterEndpoints(ctx, s.Primary)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := runbook.Connect(ctx, dnsserver.Resolver(e.DNSAddr()), ep.Writer, ep.Port, s.MasterUser, s.Password, s.Database)
		if err != nil {
			t.Fatal(err)
		}
		opened := time.Now()
		wctx, wcancel := within(3)
		defer wcancel()
		waitFor(wctx, t, "DatabaseConnections = 1 while a client holds a connection", func() bool {
			p, ok := rec.latest(primary, "DatabaseConnections", "DBInstanceIdentifier=mx-apse1-1", opened)
			return ok && p.value == 1
		})
		if err := conn.Close(ctx); err != nil {
			t.Fatal(err)
		}
		closed := time.Now()
		waitFor(wctx, t, "DatabaseConnections = 0 once it is closed", func() bool {
			p, ok := rec.latest(primary, "DatabaseConnections", "DBInstanceIdentifier=mx-apse1-1", closed)
			return ok && p.value == 0
		})
	})

	global := []string{"AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag", "AuroraGlobalDBProgressLag",
		"AuroraGlobalDBReplicatedWriteIO", "AuroraGlobalDBDataTransferBytes"}
	t.Run("global database metrics in the secondary region only", func(t *testing.T) {
		wctx, wcancel := within(4)
		defer wcancel()
		for _, name := range global {
			for _, dims := range []string{"DBClusterIdentifier=mx-apse2", "DBClusterIdentifier=mx-apse2,SourceRegion=" + primary} {
				waitFor(wctx, t, name+"{"+dims+"} in "+secondary, func() bool {
					_, ok := rec.latest(secondary, name, dims, time.Time{})
					return ok
				})
			}
		}
		elsewhere := rec.find(func(p point) bool {
			return slices.Contains(global, p.name) && (p.region != secondary || !strings.Contains(p.dims, "DBClusterIdentifier=mx-apse2"))
		})
		for _, p := range elsewhere {
			t.Errorf("%s{%s} published in %s; only the secondary cluster publishes it, in its region", p.name, p.dims, p.region)
		}
	})

	t.Run("replication lag follows a link delay", func(t *testing.T) {
		l := startLoad(t, e, s, globalEndpoint(ctx, t, s), 5432)
		defer l.stop()
		l.waitAcks(ctx, t, 50)
		const delay = 1500 * time.Millisecond
		lag := func(since time.Time) (float64, bool) {
			p, ok := rec.latest(secondary, "AuroraGlobalDBReplicationLag", "DBClusterIdentifier=mx-apse2", since)
			return p.value, ok
		}
		f, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.LinkFault, From: primary, To: secondary, Delay: faults.Duration(delay)})
		if err != nil {
			t.Fatal(err)
		}
		delayed := time.Now()
		wctx, wcancel := within(4)
		defer wcancel()
		waitFor(wctx, t, fmt.Sprintf("AuroraGlobalDBReplicationLag of at least %v", delay*2/3), func() bool {
			v, ok := lag(delayed)
			return ok && v >= float64(delay*2/3/time.Millisecond)
		})
		if err := e.Faults().Clear(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		healed := time.Now()
		waitFor(wctx, t, "AuroraGlobalDBReplicationLag back under 500 ms", func() bool {
			v, ok := lag(healed)
			return ok && v < 500
		})
		rec.log(t, delayed, append([]string{"AuroraReplicaLag", "CPUUtilization"}, global...)...)
		if p, ok := rec.latest(secondary, "AuroraGlobalDBDataTransferBytes", "DBClusterIdentifier=mx-apse2", delayed); !ok || p.value <= 0 {
			t.Errorf("AuroraGlobalDBDataTransferBytes under load = %v (published %v), want > 0", p.value, ok)
		}
	})

	t.Run("a region in an outage publishes nothing", func(t *testing.T) {
		se, err := runbook.ClusterEndpoints(ctx, s.Secondaries[0])
		if err != nil {
			t.Fatal(err)
		}
		r53 := route53Client(e)
		hc, err := r53.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: aws.String("mx-s"),
			HealthCheckConfig: &r53types.HealthCheckConfig{Type: r53types.HealthCheckTypeTcp, FullyQualifiedDomainName: aws.String(se.Reader),
				Port: aws.Int32(int32(se.Port)), RequestInterval: aws.Int32(10), FailureThreshold: aws.Int32(2)}})
		if err != nil {
			t.Fatal(err)
		}
		dims := "HealthCheckId=" + aws.ToString(hc.HealthCheck.Id)
		created := time.Now()
		wctx, wcancel := within(6)
		defer wcancel()
		waitFor(wctx, t, "HealthCheckStatus 1 and HealthCheckPercentageHealthy 100 in us-east-1", func() bool {
			st, ok1 := rec.latest("us-east-1", "HealthCheckStatus", dims, created)
			pct, ok2 := rec.latest("us-east-1", "HealthCheckPercentageHealthy", dims, created)
			return ok1 && ok2 && st.value == 1 && pct.value == 100
		})
		if _, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.RegionOutage, Region: secondary}); err != nil {
			t.Fatal(err)
		}
		out := time.Now()
		waitFor(wctx, t, "HealthCheckStatus 0 in us-east-1 while the checked region is out", func() bool {
			st, ok := rec.latest("us-east-1", "HealthCheckStatus", dims, out)
			return ok && st.value == 0
		})
		waitFor(wctx, t, "two more periods of "+primary+"'s metrics", func() bool {
			return len(rec.find(series(primary, "EngineUptime", "DBInstanceIdentifier=mx-apse1-1", out))) >= 2
		})
		for _, p := range rec.find(func(p point) bool { return p.region == secondary && p.at.After(out) }) {
			t.Errorf("%s{%s} = %v published in %s at %v, during its outage", p.name, p.dims, p.value, p.region, p.at)
		}
	})
}

// TestMetrics_CloudWatchModel: without a MetricSink the emulator
// publishes into its CloudWatch model: the writer's EngineUptime is
// listed in its region and has statistics, and a health check's
// HealthCheckStatus is listed in us-east-1.
func TestMetrics_CloudWatchModel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.StartScaled(t, 0.05)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := seedSpec(e, "mc")
	s.Primary.Instances = []runbook.Instance{{ID: "mc-apse1-1", AZ: "ap-southeast-1a", Public: true}}
	s.Secondaries = nil
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatalf("up: %v", err)
	}
	ep, err := runbook.ClusterEndpoints(ctx, s.Primary)
	if err != nil {
		t.Fatal(err)
	}
	hc, err := route53Client(e).CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: aws.String("mc"),
		HealthCheckConfig: &r53types.HealthCheckConfig{Type: r53types.HealthCheckTypeTcp, FullyQualifiedDomainName: aws.String(ep.Writer),
			Port: aws.Int32(int32(ep.Port)), RequestInterval: aws.Int32(10), FailureThreshold: aws.Int32(2)}})
	if err != nil {
		t.Fatal(err)
	}
	cw := e.CloudWatch()
	listed := func(region, namespace, name string, dim types.DimensionFilter) bool {
		out, err := cw.ListMetrics(ctx, region, &cloudwatch.ListMetricsInput{Namespace: aws.String(namespace),
			MetricName: aws.String(name), Dimensions: []types.DimensionFilter{dim}})
		return err == nil && len(out.Metrics) == 1
	}
	waitFor(ctx, t, "EngineUptime of the writer listed in "+s.Primary.Name, func() bool {
		return listed(s.Primary.Name, "AWS/RDS", "EngineUptime", types.DimensionFilter{Name: aws.String("DBInstanceIdentifier"), Value: aws.String("mc-apse1-1")})
	})
	waitFor(ctx, t, "HealthCheckStatus listed in us-east-1", func() bool {
		return listed("us-east-1", "AWS/Route53", "HealthCheckStatus", types.DimensionFilter{Name: aws.String("HealthCheckId"), Value: hc.HealthCheck.Id})
	})
	if listed(s.Primary.Name, "AWS/Route53", "HealthCheckStatus", types.DimensionFilter{Name: aws.String("HealthCheckId"), Value: hc.HealthCheck.Id}) {
		t.Errorf("HealthCheckStatus listed in %s; Route 53 publishes in us-east-1 only", s.Primary.Name)
	}
	now := time.Now()
	stats, err := cw.GetMetricStatistics(ctx, s.Primary.Name, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("AWS/RDS"), MetricName: aws.String("EngineUptime"),
		Dimensions: []types.Dimension{{Name: aws.String("DBClusterIdentifier"), Value: aws.String("mc-apse1")}, {Name: aws.String("Role"), Value: aws.String("WRITER")}},
		StartTime:  aws.Time(now.Add(-10 * time.Minute)), EndTime: aws.Time(now.Add(time.Minute)), Period: aws.Int32(600),
		Statistics: []types.Statistic{types.StatisticMaximum, types.StatisticSampleCount}})
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.Datapoints) != 1 || aws.ToFloat64(stats.Datapoints[0].Maximum) <= 0 || stats.Datapoints[0].Unit != types.StandardUnitSeconds {
		t.Errorf("EngineUptime{DBClusterIdentifier,Role=WRITER} statistics %+v: want one datapoint, a positive maximum in Seconds", stats.Datapoints)
	}
}
