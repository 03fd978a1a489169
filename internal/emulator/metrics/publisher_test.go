package metrics

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/controller"
)

// recorder is a Sink that keeps what was published.
type recorder struct {
	mu    sync.Mutex
	calls []published
}

type published struct {
	region, namespace string
	data              []types.MetricDatum
}

func (r *recorder) Publish(region, namespace string, data []types.MetricDatum) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, published{region, namespace, data})
}

func (r *recorder) snapshot() []published {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]published(nil), r.calls...)
}

// staticFacts reports the same running instances every time.
type staticFacts struct{ instances []controller.InstanceFacts }

func (s staticFacts) InstanceFacts(context.Context) []controller.InstanceFacts {
	out := append([]controller.InstanceFacts(nil), s.instances...)
	for i := range out {
		out[i].At = time.Now()
	}
	return out
}

func (s staticFacts) WriterPositions(context.Context) []controller.WriterPosition {
	return []controller.WriterPosition{{Scope: "g", Key: "us-east-1/p1", At: time.Now(), LSN: 1000}}
}

// TestPublisher_RegionDown: every period publishes each up region's
// instances there and Route 53's checks in us-east-1; a region in an
// outage publishes nothing, and neither does Route 53 when us-east-1 is
// out.
func TestPublisher_RegionDown(t *testing.T) {
	facts := staticFacts{instances: []controller.InstanceFacts{
		instance("us-east-1/p1", "us-east-1/c1", "g", true, nil),
		instance("us-west-2/s1", "us-west-2/c2", "g", false, func(f *controller.InstanceFacts) { f.SourceRegion = "us-east-1" }),
	}}
	tests := []struct {
		name string
		down string
		want map[string]bool // region/namespace published
	}{
		{name: "all up", want: map[string]bool{"us-east-1 AWS/RDS": true, "us-west-2 AWS/RDS": true, "us-east-1 AWS/Route53": true}},
		{name: "us-west-2 out", down: "us-west-2", want: map[string]bool{"us-east-1 AWS/RDS": true, "us-east-1 AWS/Route53": true}},
		{name: "us-east-1 out", down: "us-east-1", want: map[string]bool{"us-west-2 AWS/RDS": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			p := New(Config{Sink: rec, Facts: facts, Clock: clock.Scaled{Base: clock.Real{}, Scale: 0.001},
				RegionDown:   func(r string) bool { return r == tt.down },
				HealthChecks: func() []HealthCheck { return []HealthCheck{{ID: "hc", Healthy: true}} }})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); _ = p.Run(ctx) }()
			deadline := time.Now().Add(10 * time.Second)
			for len(rec.snapshot()) < 3*len(tt.want) && time.Now().Before(deadline) {
				<-time.After(10 * time.Millisecond)
			}
			cancel()
			<-done
			calls := rec.snapshot()
			if len(calls) < 3*len(tt.want) {
				t.Fatalf("%d publications in 10 s, want at least %d", len(calls), 3*len(tt.want))
			}
			for _, c := range calls {
				if !tt.want[c.region+" "+c.namespace] {
					t.Errorf("published %d datums to %s %s", len(c.data), c.region, c.namespace)
				}
				for _, d := range c.data {
					if d.Timestamp == nil || d.Value == nil || aws.ToString(d.MetricName) == "" {
						t.Errorf("incomplete datum %+v", d)
					}
				}
			}
		})
	}
}
