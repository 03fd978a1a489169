package metrics

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/globaldb/globaldb/internal/emulator/controller"
	"github.com/globaldb/globaldb/internal/emulator/wfront"
)

func TestForwarding(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	replica := func(dml, commits int64, lat time.Duration, open int64) controller.Forwarding {
		return controller.Forwarding{Region: "ap-southeast-2", Instance: "s-1", Forwards: true,
			Replica: wfront.Stats{DMLStatements: dml, Commits: commits, DMLLatencySum: lat, DMLLatencyCount: dml, OpenSessions: open}}
	}
	writer := func(dml, open, total int64) controller.Forwarding {
		return controller.Forwarding{Region: "ap-southeast-1", Instance: "p-1", WriterTarget: true,
			Writer: controller.WriterStats{DMLStatements: dml, OpenSessions: open, TotalSessions: total}}
	}
	facts := map[string]controller.InstanceFacts{"ap-southeast-2/s-1": {Key: "ap-southeast-2/s-1", Region: "ap-southeast-2", ID: "s-1", ClusterID: "s"}}
	tests := []struct {
		name      string
		prev, cur map[string]controller.Forwarding
		want      map[string]float64 // region/metric → value on DBInstanceIdentifier
		absent    []string
	}{
		{
			name: "replica: rates over the period, mean latency of its statements",
			prev: map[string]controller.Forwarding{"ap-southeast-2/s-1": replica(10, 10, time.Second, 2)},
			cur:  map[string]controller.Forwarding{"ap-southeast-2/s-1": replica(30, 25, 3*time.Second, 3)},
			want: map[string]float64{
				"ap-southeast-2/" + ReplicaDMLThroughput: 2, "ap-southeast-2/" + ReplicaCommitThroughput: 1.5,
				"ap-southeast-2/" + ReplicaDMLLatency: 100, "ap-southeast-2/" + ReplicaOpenSessions: 3,
				"ap-southeast-2/" + ReplicaErrorSessionsLimit: 0,
			},
			absent: []string{ReplicaReadWaitLatency},
		},
		{
			name:   "no statements: throughput 0, no latency",
			prev:   map[string]controller.Forwarding{"ap-southeast-2/s-1": replica(10, 10, time.Second, 1)},
			cur:    map[string]controller.Forwarding{"ap-southeast-2/s-1": replica(10, 10, time.Second, 1)},
			want:   map[string]float64{"ap-southeast-2/" + ReplicaDMLThroughput: 0},
			absent: []string{ReplicaDMLLatency},
		},
		{
			name: "writer side on the writer's region",
			prev: map[string]controller.Forwarding{"ap-southeast-1/p-1": writer(0, 0, 0)},
			cur:  map[string]controller.Forwarding{"ap-southeast-1/p-1": writer(40, 2, 3)},
			want: map[string]float64{"ap-southeast-1/" + WriterDMLThroughput: 4, "ap-southeast-1/" + WriterOpenSessions: 2,
				"ap-southeast-1/" + WriterTotalSessions: 3},
			absent: []string{ReplicaDMLThroughput, LocalWriterDMLThroughput},
		},
		{
			name:   "first reading: nothing",
			cur:    map[string]controller.Forwarding{"ap-southeast-2/s-1": replica(10, 10, time.Second, 1)},
			absent: []string{ReplicaDMLThroughput},
		},
		{
			name:   "an instance that never forwarded: nothing",
			prev:   map[string]controller.Forwarding{"ap-southeast-2/s-2": {Region: "ap-southeast-2", Instance: "s-2"}},
			cur:    map[string]controller.Forwarding{"ap-southeast-2/s-2": {Region: "ap-southeast-2", Instance: "s-2"}},
			absent: []string{ReplicaDMLThroughput, WriterDMLThroughput},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := Forwarding(ForwardingPeriod{Now: now, Elapsed: 10 * time.Second, Current: tc.cur, Previous: tc.prev, Instances: facts})
			got := map[string]float64{}
			for region, data := range out {
				for _, d := range data {
					if len(d.Dimensions) == 1 && aws.ToString(d.Dimensions[0].Name) == "DBInstanceIdentifier" {
						got[region+"/"+aws.ToString(d.MetricName)] = aws.ToFloat64(d.Value)
					}
					if !d.Timestamp.Equal(now) {
						t.Errorf("%s stamped %v", aws.ToString(d.MetricName), d.Timestamp)
					}
				}
			}
			for k, v := range tc.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
				}
			}
			for _, name := range tc.absent {
				for k := range got {
					if k[len(k)-len(name):] == name && k[len(k)-len(name)-1] == '/' {
						t.Errorf("%s published, want none", k)
					}
				}
			}
		})
	}
}
