package metrics

import (
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// HealthCheck is what the Route 53 metrics of one health check are made
// of: the runner's status and its checkers' latest observations.
type HealthCheck struct {
	ID           string
	Healthy      bool
	Calculated   bool
	Observations []r53types.HealthCheckObservation
}

// Route53 converts the health checks' current results into AWS/Route53
// datums (published in us-east-1 only).
func Route53(now time.Time, checks []HealthCheck) []types.MetricDatum {
	var out []types.MetricDatum
	for _, hc := range checks {
		d := []types.Dimension{dim("HealthCheckId", hc.ID)}
		status := 0.0
		if hc.Healthy {
			status = 1
		}
		out = append(out, datums("HealthCheckStatus", types.StandardUnitNone, status, now, d)...)
		if pct, ok := percentageHealthy(hc); ok {
			out = append(out, datums("HealthCheckPercentageHealthy", types.StandardUnitPercent, pct, now, d)...)
		}
	}
	return out
}

// percentageHealthy is the share of checker Regions whose latest
// observation succeeded; none for CALCULATED and never-probed checks.
func percentageHealthy(hc HealthCheck) (float64, bool) {
	if hc.Calculated || len(hc.Observations) == 0 {
		return 0, false
	}
	ok := 0
	for _, o := range hc.Observations {
		if o.StatusReport != nil && strings.HasPrefix(aws.ToString(o.StatusReport.Status), "Success") {
			ok++
		}
	}
	return 100 * float64(ok) / float64(len(hc.Observations)), true
}
