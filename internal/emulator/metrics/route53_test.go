package metrics

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

func observations(statuses ...string) []r53types.HealthCheckObservation {
	var out []r53types.HealthCheckObservation
	for _, s := range statuses {
		out = append(out, r53types.HealthCheckObservation{StatusReport: &r53types.StatusReport{Status: aws.String(s)}})
	}
	return out
}

func TestRoute53(t *testing.T) {
	now := at(0)
	tests := []struct {
		name   string
		checks []HealthCheck
		want   []string
	}{
		{name: "no checks"},
		{
			name: "healthy, one checker failing",
			checks: []HealthCheck{{ID: "hc-1", Healthy: true, Observations: observations(
				"Success: TCP connection established.", "Success: TCP connection established.",
				"Success: TCP connection established.", "Failure: Connection timed out.")}},
			want: []string{
				"us-east-1 HealthCheckPercentageHealthy{HealthCheckId=hc-1} 75 Percent",
				"us-east-1 HealthCheckStatus{HealthCheckId=hc-1} 1 None",
			},
		},
		{
			name:   "unhealthy",
			checks: []HealthCheck{{ID: "hc-2", Observations: observations("Failure: Connection refused.", "Failure: Connection refused.")}},
			want: []string{
				"us-east-1 HealthCheckPercentageHealthy{HealthCheckId=hc-2} 0 Percent",
				"us-east-1 HealthCheckStatus{HealthCheckId=hc-2} 0 None",
			},
		},
		{
			name:   "calculated and not yet probed checks have a status only",
			checks: []HealthCheck{{ID: "calc", Healthy: true, Calculated: true}, {ID: "new", Healthy: true}},
			want: []string{
				"us-east-1 HealthCheckStatus{HealthCheckId=calc} 1 None",
				"us-east-1 HealthCheckStatus{HealthCheckId=new} 1 None",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(map[string][]types.MetricDatum{Route53Region: Route53(now, tt.checks)}, now)
			if !slices.Equal(got, tt.want) {
				t.Errorf("datums:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
