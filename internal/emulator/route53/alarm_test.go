package route53

import (
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

func metricConfig(mod ...func(*types.HealthCheckConfig)) *types.HealthCheckConfig {
	c := &types.HealthCheckConfig{Type: types.HealthCheckTypeCloudwatchMetric,
		AlarmIdentifier: &types.AlarmIdentifier{Region: types.CloudWatchRegionEuCentral1, Name: ptr("db-canary")}}
	for _, m := range mod {
		m(c)
	}
	return c
}

// TestService_CreateHealthCheck_CloudWatchMetric validates CLOUDWATCH_METRIC
// configurations without a CloudWatch view (no alarm is read).
func TestService_CreateHealthCheck_CloudWatchMetric(t *testing.T) {
	tests := []struct {
		name    string
		config  *types.HealthCheckConfig
		code    string
		message string // prefix of the error message; "" to skip
	}{
		{name: "valid", config: metricConfig()},
		{name: "valid, Unhealthy", config: metricConfig(func(c *types.HealthCheckConfig) {
			c.InsufficientDataHealthStatus = types.InsufficientDataHealthStatusUnhealthy
		})},
		{name: "valid, inverted and disabled", config: metricConfig(func(c *types.HealthCheckConfig) { c.Inverted, c.Disabled = ptr(true), ptr(true) })},
		{name: "without AlarmIdentifier", config: metricConfig(func(c *types.HealthCheckConfig) { c.AlarmIdentifier = nil }), code: "InvalidInput",
			message: "Invalid parameter : AlarmIdentifier (Region and Name) is required for CLOUDWATCH_METRIC health checks."},
		{name: "without alarm name", config: metricConfig(func(c *types.HealthCheckConfig) { c.AlarmIdentifier.Name = nil }), code: "InvalidInput"},
		{name: "without alarm region", config: metricConfig(func(c *types.HealthCheckConfig) { c.AlarmIdentifier.Region = "" }), code: "InvalidInput"},
		{name: "unknown alarm region", config: metricConfig(func(c *types.HealthCheckConfig) { c.AlarmIdentifier.Region = "mars-north-1" }), code: "InvalidInput",
			message: "1 validation error detected: Value 'mars-north-1' at 'healthCheckConfig.alarmIdentifier.region' failed to satisfy constraint: Member must satisfy enum value set: [us-east-1, "},
		{name: "alarm name of 257 characters", config: metricConfig(func(c *types.HealthCheckConfig) { c.AlarmIdentifier.Name = ptr(strings.Repeat("a", 257)) }), code: "InvalidInput"},
		{name: "unknown InsufficientDataHealthStatus", config: metricConfig(func(c *types.HealthCheckConfig) { c.InsufficientDataHealthStatus = "Maybe" }), code: "InvalidInput",
			message: "1 validation error detected: Value 'Maybe' at 'healthCheckConfig.insufficientDataHealthStatus'"},
		{name: "IPAddress", config: metricConfig(func(c *types.HealthCheckConfig) { c.IPAddress = ptr("93.184.215.1") }), code: "InvalidInput",
			message: "Invalid parameter : IPAddress can't be specified for CLOUDWATCH_METRIC health checks."},
		{name: "Port", config: metricConfig(func(c *types.HealthCheckConfig) { c.Port = ptr(int32(443)) }), code: "InvalidInput",
			message: "Invalid parameter : Port can't be specified"},
		{name: "FullyQualifiedDomainName", config: metricConfig(func(c *types.HealthCheckConfig) { c.FullyQualifiedDomainName = ptr("db.example.com") }), code: "InvalidInput"},
		{name: "ResourcePath", config: metricConfig(func(c *types.HealthCheckConfig) { c.ResourcePath = ptr("/") }), code: "InvalidInput"},
		{name: "SearchString", config: metricConfig(func(c *types.HealthCheckConfig) { c.SearchString = ptr("ok") }), code: "InvalidInput"},
		{name: "EnableSNI", config: metricConfig(func(c *types.HealthCheckConfig) { c.EnableSNI = ptr(true) }), code: "InvalidInput"},
		{name: "MeasureLatency", config: metricConfig(func(c *types.HealthCheckConfig) { c.MeasureLatency = ptr(true) }), code: "InvalidInput"},
		{name: "Regions", config: metricConfig(func(c *types.HealthCheckConfig) {
			c.Regions = []types.HealthCheckRegion{"us-east-1", "us-west-1", "us-west-2"}
		}), code: "InvalidInput"},
		{name: "ChildHealthChecks", config: metricConfig(func(c *types.HealthCheckConfig) { c.ChildHealthChecks = []string{"x"} }), code: "InvalidInput"},
		{name: "HealthThreshold", config: metricConfig(func(c *types.HealthCheckConfig) { c.HealthThreshold = ptr(int32(1)) }), code: "InvalidInput"},
		{name: "RequestInterval 10 kept", config: metricConfig(func(c *types.HealthCheckConfig) { c.RequestInterval = ptr(int32(10)) })},
		{name: "RequestInterval 20", config: metricConfig(func(c *types.HealthCheckConfig) { c.RequestInterval = ptr(int32(20)) }), code: "InvalidInput"},
		{name: "FailureThreshold 11", config: metricConfig(func(c *types.HealthCheckConfig) { c.FailureThreshold = ptr(int32(11)) }), code: "InvalidInput"},
		{name: "AlarmIdentifier on a TCP check", config: &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: ptr("93.184.215.1"), Port: ptr(int32(5432)),
			AlarmIdentifier: &types.AlarmIdentifier{Region: types.CloudWatchRegionUsEast1, Name: ptr("a")}}, code: "InvalidInput",
			message: "Invalid parameter : Basic health checks must not have an metric region specified."},
		{name: "AlarmIdentifier on a CALCULATED check", config: &types.HealthCheckConfig{Type: types.HealthCheckTypeCalculated,
			AlarmIdentifier: &types.AlarmIdentifier{Region: types.CloudWatchRegionUsEast1, Name: ptr("a")}}, code: "InvalidInput"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			out, err := f.s.CreateHealthCheck(ctx, "", &sdk.CreateHealthCheckInput{CallerReference: ptr(string(rune('a' + i))), HealthCheckConfig: tt.config})
			if code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			if e, ok := awserr.As(err); ok && !strings.HasPrefix(e.Message, tt.message) {
				t.Errorf("message %q, want it to start with %q", e.Message, tt.message)
			}
			if err != nil {
				return
			}
			c := out.HealthCheck.HealthCheckConfig
			want := tt.config.InsufficientDataHealthStatus
			if want == "" {
				want = types.InsufficientDataHealthStatusLastKnownStatus
			}
			if c.InsufficientDataHealthStatus != want || c.Port != nil || c.MeasureLatency != nil || c.Inverted == nil || c.Disabled == nil {
				t.Errorf("config %+v: want InsufficientDataHealthStatus %s, no endpoint defaults, Inverted and Disabled set", c, want)
			}
			if out.HealthCheck.CloudWatchAlarmConfiguration != nil {
				t.Errorf("CloudWatchAlarmConfiguration %+v without a CloudWatch view", out.HealthCheck.CloudWatchAlarmConfiguration)
			}
		})
	}
}

func TestService_UpdateHealthCheck_CloudWatchMetric(t *testing.T) {
	f := newFixture(t)
	out, err := f.s.CreateHealthCheck(ctx, "", &sdk.CreateHealthCheckInput{CallerReference: ptr("cw"), HealthCheckConfig: metricConfig()})
	if err != nil {
		t.Fatalf("CreateHealthCheck: %v", err)
	}
	id := out.HealthCheck.Id
	tests := []struct {
		name string
		in   sdk.UpdateHealthCheckInput
		code string
	}{
		{"other alarm", sdk.UpdateHealthCheckInput{AlarmIdentifier: &types.AlarmIdentifier{Region: types.CloudWatchRegionUsEast1, Name: ptr("other")}}, ""},
		{"InsufficientDataHealthStatus", sdk.UpdateHealthCheckInput{InsufficientDataHealthStatus: types.InsufficientDataHealthStatusUnhealthy}, ""},
		{"IPAddress", sdk.UpdateHealthCheckInput{IPAddress: ptr("93.184.215.1")}, "InvalidInput"},
		{"Port", sdk.UpdateHealthCheckInput{Port: ptr(int32(80))}, "InvalidInput"},
		{"unknown alarm region", sdk.UpdateHealthCheckInput{AlarmIdentifier: &types.AlarmIdentifier{Region: "nowhere", Name: ptr("x")}}, "InvalidInput"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.HealthCheckId = id
			if _, err := f.s.UpdateHealthCheck(ctx, "", &in); code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
		})
	}
	got, _ := f.s.GetHealthCheck(ctx, "", &sdk.GetHealthCheckInput{HealthCheckId: id})
	c := got.HealthCheck.HealthCheckConfig
	if *c.AlarmIdentifier.Name != "other" || c.AlarmIdentifier.Region != types.CloudWatchRegionUsEast1 ||
		c.InsufficientDataHealthStatus != types.InsufficientDataHealthStatusUnhealthy || *got.HealthCheck.HealthCheckVersion != 3 {
		t.Errorf("after the updates: version %d, %+v", *got.HealthCheck.HealthCheckVersion, c)
	}
}
