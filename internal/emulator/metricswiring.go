package emulator

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/cloudwatch"
	"github.com/globaldb/globaldb/internal/emulator/metrics"
)

// The CloudWatch model stores what the emulated services publish.
var _ metrics.Sink = (*cloudwatch.Service)(nil)

// startMetrics publishes the emulated services' CloudWatch metrics
// (AWS/RDS from the controller's instances, AWS/Route53 from the health
// checkers) to sink every 60 s of emulated time until ctx ends. A nil
// sink is the CloudWatch model (Config.MetricSink is for tests).
func (e *Emulator) startMetrics(ctx context.Context, clk clock.Scaled, sink metrics.Sink) {
	if sink == nil && e.cw != nil {
		sink = e.cw
	}
	if sink == nil {
		return
	}
	pub := metrics.New(metrics.Config{Sink: sink, Facts: e.ctrl, HealthChecks: e.healthResults, Forwarding: e.ctrl.ForwardingStats, Clock: clk,
		RegionDown: e.faults.RegionDown, Logger: e.log.With("component", "metrics")})
	e.done.Add(1)
	go func() {
		defer e.done.Done()
		if err := pub.Run(ctx); err != nil {
			e.log.Error("metrics stopped", "err", err)
		}
	}()
}

// healthResults are the Route 53 health checks' current results.
func (e *Emulator) healthResults() []metrics.HealthCheck {
	var out []metrics.HealthCheck
	for _, hc := range e.r53.HealthChecks() {
		id := aws.ToString(hc.Id)
		r := metrics.HealthCheck{ID: id, Healthy: true}
		if hc.HealthCheckConfig != nil {
			r.Calculated = hc.HealthCheckConfig.Type == r53types.HealthCheckTypeCalculated
		}
		if e.checkers != nil {
			r.Healthy, r.Observations = e.checkers.Healthy(id), e.checkers.Observations(id)
		}
		out = append(out, r)
	}
	return out
}
