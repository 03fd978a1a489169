package orchestrator

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

func TestCanaryVerdict(t *testing.T) {
	refused := errors.New("connect to x:5432: connection refused")
	tests := []struct {
		name    string
		obs     CanaryObservation
		healthy bool
		reason  string
	}{
		{"writer wrote", CanaryObservation{Role: CanaryWriter, Connected: true, Wrote: true}, true, "connected, wrote"},
		{"writer endpoint on a replica (a secondary region)", CanaryObservation{Role: CanaryWriter, Connected: true, InRecovery: true}, false,
			"the cluster endpoint is a replica (pg_is_in_recovery): no writer in this region"},
		{"writer write failed", CanaryObservation{Role: CanaryWriter, Connected: true, Err: errors.New("disk full")}, false,
			"the write did not commit: disk full"},
		{"writer unreachable", CanaryObservation{Role: CanaryWriter, Err: refused}, false, "cannot query: " + refused.Error()},
		{"reader on a replica", CanaryObservation{Role: CanaryReader, Connected: true, InRecovery: true}, true, "connected, reads (replica)"},
		{"reader on the writer (one instance)", CanaryObservation{Role: CanaryReader, Connected: true}, true, "connected, reads"},
		{"reader unreachable", CanaryObservation{Role: CanaryReader, Err: refused}, false, "cannot query: " + refused.Error()},
		{"nothing seen", CanaryObservation{Role: CanaryReader}, false, "no answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			healthy, reason := canaryVerdict(tt.obs)
			if healthy != tt.healthy || reason != tt.reason {
				t.Errorf("canaryVerdict = %v, %q; want %v, %q", healthy, reason, tt.healthy, tt.reason)
			}
		})
	}
}

// TestCanaryData: each probe gives Healthy (1 or 0) and LatencyMs, with
// the dimensions the canary alarms watch.
func TestCanaryData(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	data := canaryData("seed-ap-southeast-2", now, []CanaryResult{
		{CanaryObservation: CanaryObservation{Role: CanaryWriter, Latency: 1500 * time.Microsecond}, Healthy: false},
		{CanaryObservation: CanaryObservation{Role: CanaryReader, Latency: 3 * time.Millisecond}, Healthy: true},
	})
	want := []string{
		"Globaldb/Canary Healthy {DBClusterIdentifier=seed-ap-southeast-2, Role=WRITER} = 0 Count",
		"Globaldb/Canary LatencyMs {DBClusterIdentifier=seed-ap-southeast-2, Role=WRITER} = 1.5 Milliseconds",
		"Globaldb/Canary Healthy {DBClusterIdentifier=seed-ap-southeast-2, Role=READER} = 1 Count",
		"Globaldb/Canary LatencyMs {DBClusterIdentifier=seed-ap-southeast-2, Role=READER} = 3 Milliseconds",
	}
	if len(data) != len(want) {
		t.Fatalf("%d data, want %d", len(data), len(want))
	}
	for i, d := range data {
		got := metricString(CanaryNamespace, aws.ToString(d.MetricName), d.Dimensions) + " = " + trimFloat(aws.ToFloat64(d.Value)) + " " + string(d.Unit)
		if got != want[i] || !aws.ToTime(d.Timestamp).Equal(now) {
			t.Errorf("datum %d: %s at %v, want %s at %v", i, got, aws.ToTime(d.Timestamp), want[i], now)
		}
	}
	// The alarms watch exactly these series.
	top := topologytestPrivateCanary(t)
	for _, kind := range []AlarmKind{WriterAlarm, ReaderAlarm} {
		s, _ := alarmSpecOf(top, "ap-southeast-2", kind)
		i := 0
		if kind == ReaderAlarm {
			i = 2
		}
		if got := metricString(CanaryNamespace, aws.ToString(data[i].MetricName), data[i].Dimensions); got != s.metric() {
			t.Errorf("%s alarm watches %s; the canary publishes %s", kind, s.metric(), got)
		}
	}
}

func topologytestPrivateCanary(t *testing.T) *topology.Topology {
	top := privateSeed(t)
	top.DNS.HealthChecks.Alarms.Metric = topology.Canary
	return top
}

// cloudWatchServed reports whether the endpoint answers CloudWatch (an
// emulator before CloudWatch does not), and why not.
func cloudWatchServed(ctx context.Context, c *Clients, region string) (bool, error) {
	_, err := c.CloudWatch(region).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{MaxRecords: aws.Int32(1)})
	return err == nil, err
}

// testCanaryProbes runs one canary round in each region of the applied
// seed, against its real databases: the primary's writer takes the write,
// the secondary's cluster endpoint is a replica (no writer there), every
// reader endpoint answers. Publishing needs CloudWatch on the endpoint.
func testCanaryProbes(ctx context.Context, t *testing.T, c *Clients, top *topology.Topology, res resolve.Resolver) {
	served, why := cloudWatchServed(ctx, c, top.Primary().Name)
	want := map[string]map[CanaryRole]bool{
		"ap-southeast-1": {CanaryWriter: true, CanaryReader: true},
		"ap-southeast-2": {CanaryWriter: false, CanaryReader: true},
	}
	for region, roles := range want {
		t.Run(region, func(t *testing.T) {
			var got []CanaryResult
			var pubErr error
			err := RunCanary(ctx, c, top, CanaryOptions{Region: region, Once: true, Resolver: res, Timeout: 20 * time.Second,
				Report: func(r []CanaryResult, err error) { got, pubErr = r, err }})
			if len(got) != 2 {
				t.Fatalf("results %+v, err %v; want a writer and a reader probe", got, err)
			}
			for _, r := range got {
				if r.Healthy != roles[r.Role] {
					t.Errorf("%s probe of %s: healthy %v (%s), want %v", r.Role, r.Endpoint, r.Healthy, r.Reason, roles[r.Role])
				}
				if r.Connected && r.Latency <= 0 {
					t.Errorf("%s probe: latency not measured", r.Role)
				}
			}
			if !served || err != nil || pubErr != nil {
				t.Errorf("publish: %v, %v (CloudWatch served: %v %v)", err, pubErr, served, why)
			}
		})
	}
	if err := RunCanary(ctx, c, top, CanaryOptions{Region: "eu-west-1", Once: true}); !errors.Is(err, ErrUnknownRegion) {
		t.Errorf("canary in a region the topology does not name: %v, want ErrUnknownRegion", err)
	}
}
