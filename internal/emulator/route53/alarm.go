package route53

import (
	"fmt"
	"slices"
	"strings"

	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// Alarms is what the model reads of CloudWatch: the metric alarm a
// CLOUDWATCH_METRIC health check names, to validate it and snapshot its
// configuration (HealthCheck.CloudWatchAlarmConfiguration). The emulated
// CloudWatch (cloudwatch.Service) implements it; ok is false when there is
// no metric alarm of that name in that region. It is called without the
// model's lock held and must not call back into the model.
type Alarms interface {
	MetricAlarmState(region, name string) (state cwtypes.StateValue, alarm cwtypes.MetricAlarm, ok bool)
}

type alarmsBox struct{ a Alarms }

// SetAlarms installs the CloudWatch view used by CreateHealthCheck and
// UpdateHealthCheck. nil (the default) means CLOUDWATCH_METRIC checks are
// taken without reading their alarm and carry no
// CloudWatchAlarmConfiguration.
func (s *Service) SetAlarms(a Alarms) { s.alarms.Store(&alarmsBox{a: a}) }

func (s *Service) alarmSource() Alarms {
	if b := s.alarms.Load(); b != nil {
		return b.a
	}
	return nil
}

// alarmSnapshot reads the alarm id names and returns the configuration
// Route 53 keeps of it, or InvalidInput when the alarm does not exist or is
// of a kind Route 53 does not support. nil, nil without an Alarms view or
// an identifier. Call without s.mu held.
func (s *Service) alarmSnapshot(id *types.AlarmIdentifier) (*types.CloudWatchAlarmConfiguration, error) {
	src := s.alarmSource()
	if src == nil || id == nil || deref(id.Name) == "" {
		return nil, nil
	}
	_, alarm, ok := src.MetricAlarmState(string(id.Region), *id.Name)
	if !ok {
		// AWS's answer is not documented: the model offers no NoSuch…
		// error for CreateHealthCheck, and Route 53 must read the alarm to
		// return CloudWatchAlarmConfiguration, so we refuse with InvalidInput.
		return nil, errorf(errInvalidInput, "Invalid parameter : The CloudWatch metric alarm %s doesn't exist in region %s.", *id.Name, id.Region)
	}
	if reason := unsupportedAlarm(alarm); reason != "" {
		return nil, errorf(errInvalidInput, "Invalid parameter : The CloudWatch alarm %s is not supported by Route 53 health checks: %s.", *id.Name, reason)
	}
	return snapshot(alarm), nil
}

// unsupportedAlarm returns why Route 53 can't use alarm, "" if it can.
// Documented (AlarmIdentifier.Name in the botocore model): standard
// resolution only, statistics Average, Minimum, Maximum, Sum, SampleCount,
// no extended statistics. Reported by AWS's developer guide and repeated
// in reference/aws-semantics.md §3.1: no M-out-of-N alarms, no metric math
// (nor anomaly detection, which is metric math with ThresholdMetricId).
func unsupportedAlarm(a cwtypes.MetricAlarm) string {
	switch {
	case len(a.Metrics) > 0 || a.ThresholdMetricId != nil:
		return "alarms on Metrics (metric math) queries aren't supported, only on one metric (Namespace, MetricName, Statistic)"
	case a.ExtendedStatistic != nil || a.Statistic == "":
		return "extended statistics aren't supported, only Average, Minimum, Maximum, Sum and SampleCount"
	case !slices.Contains(types.Statistic("").Values(), types.Statistic(a.Statistic)):
		return fmt.Sprintf("statistic %s isn't supported", a.Statistic)
	case a.Period != nil && *a.Period < 60:
		return "high-resolution alarms (a period under 60 seconds) aren't supported"
	case a.DatapointsToAlarm != nil && a.EvaluationPeriods != nil && *a.DatapointsToAlarm < *a.EvaluationPeriods:
		return "alarms that need M out of N datapoints (DatapointsToAlarm less than EvaluationPeriods) aren't supported"
	case !slices.Contains(types.ComparisonOperator("").Values(), types.ComparisonOperator(a.ComparisonOperator)):
		return fmt.Sprintf("comparison operator %s isn't supported", a.ComparisonOperator)
	}
	return ""
}

// snapshot is the CloudWatchAlarmConfiguration Route 53 keeps of a metric
// alarm.
func snapshot(a cwtypes.MetricAlarm) *types.CloudWatchAlarmConfiguration {
	out := &types.CloudWatchAlarmConfiguration{
		ComparisonOperator: types.ComparisonOperator(a.ComparisonOperator),
		EvaluationPeriods:  copyPtr(a.EvaluationPeriods),
		MetricName:         copyPtr(a.MetricName),
		Namespace:          copyPtr(a.Namespace),
		Period:             copyPtr(a.Period),
		Statistic:          types.Statistic(a.Statistic),
		Threshold:          copyPtr(a.Threshold),
	}
	for _, d := range a.Dimensions {
		out.Dimensions = append(out.Dimensions, types.Dimension{Name: copyPtr(d.Name), Value: copyPtr(d.Value)})
	}
	return out
}

// cloneSnapshot deep-copies a snapshot (nil stays nil).
func cloneSnapshot(c *types.CloudWatchAlarmConfiguration) *types.CloudWatchAlarmConfiguration {
	if c == nil {
		return nil
	}
	out := *c
	out.EvaluationPeriods, out.Period, out.Threshold = copyPtr(c.EvaluationPeriods), copyPtr(c.Period), copyPtr(c.Threshold)
	out.MetricName, out.Namespace = copyPtr(c.MetricName), copyPtr(c.Namespace)
	out.Dimensions = nil
	for _, d := range c.Dimensions {
		out.Dimensions = append(out.Dimensions, types.Dimension{Name: copyPtr(d.Name), Value: copyPtr(d.Value)})
	}
	return &out
}

func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// normaliseMetric validates a CLOUDWATCH_METRIC configuration: an
// AlarmIdentifier naming a CloudWatch Region, none of the endpoint and
// CALCULATED fields, and fills InsufficientDataHealthStatus
// (LastKnownStatus). RequestInterval and FailureThreshold are kept when
// given (validated as for endpoints) but play no part: the alarm's
// EvaluationPeriods do.
func normaliseMetric(c types.HealthCheckConfig) (types.HealthCheckConfig, error) {
	invalid := func(format string, args ...any) (types.HealthCheckConfig, error) {
		return types.HealthCheckConfig{}, errorf(errInvalidInput, format, args...)
	}
	a := c.AlarmIdentifier
	if a == nil || deref(a.Name) == "" || a.Region == "" {
		return invalid("Invalid parameter : AlarmIdentifier (Region and Name) is required for CLOUDWATCH_METRIC health checks.")
	}
	if !slices.Contains(a.Region.Values(), a.Region) {
		return invalid("1 validation error detected: Value '%s' at 'healthCheckConfig.alarmIdentifier.region' failed to satisfy constraint: Member must satisfy enum value set: [%s]", a.Region, join(a.Region.Values()))
	}
	if n := len(*a.Name); n > 256 {
		return invalid("1 validation error detected: Value '%s' at 'healthCheckConfig.alarmIdentifier.name' failed to satisfy constraint: Member must have length less than or equal to 256", *a.Name)
	}
	if s := c.InsufficientDataHealthStatus; s != "" && !slices.Contains(s.Values(), s) {
		return invalid("1 validation error detected: Value '%s' at 'healthCheckConfig.insufficientDataHealthStatus' failed to satisfy constraint: Member must satisfy enum value set: [%s]", s, join(s.Values()))
	}
	if field := endpointField(c); field != "" {
		return invalid("Invalid parameter : %s can't be specified for CLOUDWATCH_METRIC health checks.", field)
	}
	switch {
	case c.RequestInterval != nil && *c.RequestInterval != 10 && *c.RequestInterval != 30:
		return invalid("Invalid parameter: RequestInterval must be 10 or 30, got %d", *c.RequestInterval)
	case c.FailureThreshold != nil && (*c.FailureThreshold < 1 || *c.FailureThreshold > 10):
		return invalid("Invalid parameter: FailureThreshold must be between 1 and 10, got %d", *c.FailureThreshold)
	}
	if c.InsufficientDataHealthStatus == "" {
		c.InsufficientDataHealthStatus = types.InsufficientDataHealthStatusLastKnownStatus
	}
	return c, nil
}

// endpointField names the first field of c that a CLOUDWATCH_METRIC check
// must not have (the botocore model: "omit IPAddress", "Don't specify a
// value for Port"; the others only make sense for endpoint, CALCULATED or
// RECOVERY_CONTROL checks), "" if none.
func endpointField(c types.HealthCheckConfig) string {
	fields := []struct {
		name string
		set  bool
	}{
		{"IPAddress", c.IPAddress != nil},
		{"Port", c.Port != nil},
		{"FullyQualifiedDomainName", c.FullyQualifiedDomainName != nil},
		{"ResourcePath", c.ResourcePath != nil},
		{"SearchString", c.SearchString != nil},
		{"EnableSNI", c.EnableSNI != nil},
		{"MeasureLatency", deref(c.MeasureLatency)},
		{"Regions", c.Regions != nil},
		{"ChildHealthChecks", c.ChildHealthChecks != nil},
		{"HealthThreshold", c.HealthThreshold != nil},
		{"RoutingControlArn", c.RoutingControlArn != nil},
	}
	for _, f := range fields {
		if f.set {
			return f.name
		}
	}
	return ""
}

func join[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
