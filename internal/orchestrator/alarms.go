package orchestrator

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/topology"
)

// AlarmKind tells a region's CloudWatch alarms apart.
type AlarmKind string

// The alarms of a region with type alarm health checks.
const (
	// WriterAlarm: the region has a working writer. Its Route 53 check
	// guards the writer record's PRIMARY.
	WriterAlarm AlarmKind = "writer-health"
	// ReaderAlarm: the region's cluster is up. Its check guards the reader
	// records and the writer record's SECONDARY.
	ReaderAlarm AlarmKind = "reader-health"
	// LagAlarm: the region's AuroraGlobalDBRPOLag is above the threshold.
	// It is for people (status) and automation, not for DNS: during a
	// primary-region outage every secondary lags, and a lag-guarded
	// record would leave DNS with no healthy answer.
	LagAlarm AlarmKind = "rpo-lag"
	// StalledAlarm: the region's cluster has stopped hearing from the
	// primary: its AuroraGlobalDBReplicationLag, which a secondary
	// measures from the primary's heartbeats and which grows once they
	// stop, is above automation.stalledLagMs. Only with automation
	// triggers, which start an activation of a region when its writer and
	// stalled alarms are both red. Missing data does not breach: a
	// primary, or an old primary not yet replicating again, publishes no
	// replication lag and must not look like a secondary that lost it.
	StalledAlarm AlarmKind = "replication-stalled"
)

func (k AlarmKind) String() string { return string(k) }

// alarmKinds are a region's alarms in the order they are planned.
var alarmKinds = []AlarmKind{WriterAlarm, ReaderAlarm, LagAlarm, StalledAlarm}

// The canary's metrics (globaldb canary): Healthy is 1 or 0 and
// LatencyMs the probe's duration, per cluster and role.
const (
	CanaryNamespace = "Globaldb/Canary"
	CanaryHealthy   = "Healthy"
	CanaryLatency   = "LatencyMs"
)

// Alarm is the name of region's alarm of kind, e.g.
// seed-ap-southeast-1-writer-health. IAM scopes the operator's alarm
// actions to the names starting with the stack's.
func (n Names) Alarm(region string, kind AlarmKind) string {
	return n.Stack + "-" + region + "-" + string(kind)
}

// alarmPrefix starts the names of region's alarms.
func (n Names) alarmPrefix(region string) string { return n.Stack + "-" + region + "-" }

// alarmOf returns the region and kind of one of the stack's alarm names.
func (n Names) alarmOf(name string, regions []string) (string, AlarmKind, bool) {
	for _, r := range regions {
		for _, k := range alarmKinds {
			if name == n.Alarm(r, k) {
				return r, k, true
			}
		}
	}
	return "", "", false
}

// alarmKey is the World.Alarms key of region's alarm of kind.
func alarmKey(region string, kind AlarmKind) string { return region + "/" + string(kind) }

// checkAlarm is the alarm a region's health check follows.
func checkAlarm(kind CheckKind) AlarmKind {
	if kind == WriterCheck {
		return WriterAlarm
	}
	return ReaderAlarm
}

// alarmSpec is one alarm as the topology wants it.
type alarmSpec struct {
	Region      string
	Kind        AlarmKind
	Name        string
	Description string
	Namespace   string
	Metric      string
	// Dimensions are sorted by name.
	Dimensions        []cwtypes.Dimension
	Statistic         cwtypes.Statistic
	Period            int32
	EvaluationPeriods int32
	Threshold         float64
	Comparison        cwtypes.ComparisonOperator
	// TreatMissing is TreatMissingData: breaching for the health alarms
	// (a silent region is down), notBreaching for lag (a primary has no
	// lag series).
	TreatMissing string
}

func dim(name, value string) cwtypes.Dimension {
	return cwtypes.Dimension{Name: aws.String(name), Value: aws.String(value)}
}

// desiredAlarms returns every alarm of t, region by region in file order
// (writer health, reader health, lag), or nil when t has no alarm checks.
//
// Every region gets all three whatever its role, so that a failover
// needs no alarm change: a secondary's writer alarm is in ALARM (it has
// no writer) until it is promoted, and a primary's lag alarm is OK (it
// publishes no lag).
func desiredAlarms(t *topology.Topology) []alarmSpec {
	if t.DNS == nil || t.DNS.HealthChecks == nil || t.DNS.HealthChecks.Type != topology.Alarm {
		return nil
	}
	a := t.DNS.HealthChecks.Alarms
	n := Names{t.Name}
	var out []alarmSpec
	for _, r := range t.Regions {
		cluster := n.Cluster(r.Name)
		base := alarmSpec{Region: r.Name, Period: int32(a.Period), EvaluationPeriods: int32(a.EvaluationPeriods)}
		writer, reader := base, base
		writer.Kind, reader.Kind = WriterAlarm, ReaderAlarm
		writer.TreatMissing, reader.TreatMissing = "breaching", "breaching"
		switch a.Metric {
		case topology.Canary:
			for _, s := range []*alarmSpec{&writer, &reader} {
				role := "WRITER"
				if s.Kind == ReaderAlarm {
					role = "READER"
				}
				s.Namespace, s.Metric, s.Statistic = CanaryNamespace, CanaryHealthy, cwtypes.StatisticMinimum
				s.Dimensions = []cwtypes.Dimension{dim("DBClusterIdentifier", cluster), dim("Role", role)}
				s.Comparison, s.Threshold = cwtypes.ComparisonOperatorLessThanThreshold, 1
				s.Description = fmt.Sprintf("globaldb stack %s: the canary in %s finds no healthy %s on %s (or stopped reporting)",
					t.Name, r.Name, strings.ToLower(role), cluster)
			}
		default:
			// EngineUptime is never negative: only missing data (no
			// writer, the region silent) breaches.
			writer.Namespace, writer.Metric, writer.Statistic = "AWS/RDS", "EngineUptime", cwtypes.StatisticMinimum
			writer.Dimensions = []cwtypes.Dimension{dim("DBClusterIdentifier", cluster), dim("Role", "WRITER")}
			writer.Comparison, writer.Threshold = cwtypes.ComparisonOperatorLessThanThreshold, 0
			writer.Description = fmt.Sprintf("globaldb stack %s: %s has no writer reporting EngineUptime in %s", t.Name, cluster, r.Name)
			reader.Namespace, reader.Metric, reader.Statistic = "AWS/RDS", "EngineUptime", cwtypes.StatisticMinimum
			reader.Dimensions = []cwtypes.Dimension{dim("DBClusterIdentifier", cluster)}
			reader.Comparison, reader.Threshold = cwtypes.ComparisonOperatorLessThanThreshold, 0
			reader.Description = fmt.Sprintf("globaldb stack %s: no instance of %s reports EngineUptime in %s", t.Name, cluster, r.Name)
		}
		lag := base
		lag.Kind, lag.TreatMissing = LagAlarm, "notBreaching"
		lag.Namespace, lag.Metric, lag.Statistic = "AWS/RDS", "AuroraGlobalDBRPOLag", cwtypes.StatisticMaximum
		lag.Dimensions = []cwtypes.Dimension{dim("DBClusterIdentifier", cluster)}
		lag.Comparison, lag.Threshold = cwtypes.ComparisonOperatorGreaterThanThreshold, float64(a.RPOLagThresholdMs)
		lag.Description = fmt.Sprintf("globaldb stack %s: %s is more than %d ms behind the primary (AuroraGlobalDBRPOLag)", t.Name, cluster, a.RPOLagThresholdMs)
		specs := []alarmSpec{writer, reader, lag}
		if t.Automation.DefaultTriggers() {
			st := base
			st.Kind, st.TreatMissing = StalledAlarm, "notBreaching"
			st.Namespace, st.Metric, st.Statistic = "AWS/RDS", "AuroraGlobalDBReplicationLag", cwtypes.StatisticMaximum
			st.Dimensions = []cwtypes.Dimension{dim("DBClusterIdentifier", cluster)}
			st.Comparison, st.Threshold = cwtypes.ComparisonOperatorGreaterThanThreshold, float64(t.Automation.StalledLagMs)
			st.Description = fmt.Sprintf("globaldb stack %s: %s has stopped hearing from the primary (AuroraGlobalDBReplicationLag above %d ms)",
				t.Name, cluster, t.Automation.StalledLagMs)
			specs = append(specs, st)
		}
		for _, s := range specs {
			s.Name = n.Alarm(r.Name, s.Kind)
			slices.SortFunc(s.Dimensions, func(a, b cwtypes.Dimension) int { return strings.Compare(aws.ToString(a.Name), aws.ToString(b.Name)) })
			out = append(out, s)
		}
	}
	return out
}

// alarmSpecOf returns t's alarm of kind in region, if t has alarms.
func alarmSpecOf(t *topology.Topology, region string, kind AlarmKind) (alarmSpec, bool) {
	for _, s := range desiredAlarms(t) {
		if s.Region == region && s.Kind == kind {
			return s, true
		}
	}
	return alarmSpec{}, false
}

// metric names the alarm's metric for people: "AWS/RDS EngineUptime
// {DBClusterIdentifier=seed-ap-southeast-1, Role=WRITER}".
func (s alarmSpec) metric() string { return metricString(s.Namespace, s.Metric, s.Dimensions) }

func metricString(ns, name string, dims []cwtypes.Dimension) string {
	var d []string
	for _, x := range dims {
		d = append(d, aws.ToString(x.Name)+"="+aws.ToString(x.Value))
	}
	slices.Sort(d)
	return fmt.Sprintf("%s %s {%s}", ns, name, strings.Join(d, ", "))
}

// condition is the alarm's rule for people.
func (s alarmSpec) condition() string {
	return fmt.Sprintf("%s %s %s for %d × %ds, missing data %s", s.Statistic, comparisonSymbol(s.Comparison), trimFloat(s.Threshold),
		s.EvaluationPeriods, s.Period, s.TreatMissing)
}

func comparisonSymbol(c cwtypes.ComparisonOperator) string {
	switch c {
	case cwtypes.ComparisonOperatorLessThanThreshold:
		return "<"
	case cwtypes.ComparisonOperatorLessThanOrEqualToThreshold:
		return "<="
	case cwtypes.ComparisonOperatorGreaterThanThreshold:
		return ">"
	case cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold:
		return ">="
	}
	return string(c)
}

func trimFloat(f float64) string {
	if f == math.Trunc(f) {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprint(f)
}

// input is the PutMetricAlarm call that creates or overwrites the alarm.
// Tags count only when the alarm is created (CloudWatch ignores them on an
// update).
func (s alarmSpec) input(tags []cwtypes.Tag) *cloudwatch.PutMetricAlarmInput {
	return &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(s.Name), AlarmDescription: aws.String(s.Description),
		Namespace: aws.String(s.Namespace), MetricName: aws.String(s.Metric), Dimensions: s.Dimensions,
		Statistic: s.Statistic, Period: aws.Int32(s.Period), EvaluationPeriods: aws.Int32(s.EvaluationPeriods),
		Threshold: aws.Float64(s.Threshold), ComparisonOperator: s.Comparison, TreatMissingData: aws.String(s.TreatMissing),
		ActionsEnabled: aws.Bool(true), Tags: tags,
	}
}

// diff lists how have differs from the spec, for the plan; nil when it
// matches.
func (s alarmSpec) diff(have cwtypes.MetricAlarm) []string {
	var out []string
	field := func(name, got, want string) {
		if got != want {
			out = append(out, fmt.Sprintf("%s: %s → %s", name, orDash(got), want))
		}
	}
	field("metric", metricString(aws.ToString(have.Namespace), aws.ToString(have.MetricName), have.Dimensions), s.metric())
	field("statistic", string(have.Statistic), string(s.Statistic))
	field("comparison", string(have.ComparisonOperator), string(s.Comparison))
	field("threshold", trimFloat(aws.ToFloat64(have.Threshold)), trimFloat(s.Threshold))
	field("period", fmt.Sprint(aws.ToInt32(have.Period)), fmt.Sprint(s.Period))
	field("evaluation periods", fmt.Sprint(aws.ToInt32(have.EvaluationPeriods)), fmt.Sprint(s.EvaluationPeriods))
	if dp := aws.ToInt32(have.DatapointsToAlarm); dp != 0 && dp != s.EvaluationPeriods {
		out = append(out, fmt.Sprintf("datapoints to alarm: %d → %d (Route 53 takes no M-of-N alarms)", dp, s.EvaluationPeriods))
	}
	treat := aws.ToString(have.TreatMissingData)
	if treat == "" {
		treat = "missing"
	}
	field("missing data", treat, s.TreatMissing)
	field("description", aws.ToString(have.AlarmDescription), s.Description)
	if have.ExtendedStatistic != nil {
		out = append(out, "extended statistic: "+aws.ToString(have.ExtendedStatistic)+" → none")
	}
	return out
}

// snapshotDiffers reports whether the alarm configuration Route 53 keeps in
// a CLOUDWATCH_METRIC check differs from the spec: Route 53 evaluates its
// own copy, refreshed only by UpdateHealthCheck. A check without a
// snapshot is taken as current.
func (s alarmSpec) snapshotDiffers(c *r53types.CloudWatchAlarmConfiguration) bool {
	if c == nil {
		return false
	}
	var dims []cwtypes.Dimension
	for _, d := range c.Dimensions {
		dims = append(dims, dim(aws.ToString(d.Name), aws.ToString(d.Value)))
	}
	return metricString(aws.ToString(c.Namespace), aws.ToString(c.MetricName), dims) != s.metric() ||
		string(c.Statistic) != string(s.Statistic) || string(c.ComparisonOperator) != string(s.Comparison) ||
		aws.ToFloat64(c.Threshold) != s.Threshold || aws.ToInt32(c.Period) != s.Period || aws.ToInt32(c.EvaluationPeriods) != s.EvaluationPeriods
}

// alarmCheckConfig is the Route 53 health check that follows the alarm.
func alarmCheckConfig(s alarmSpec, insufficient string) *r53types.HealthCheckConfig {
	return &r53types.HealthCheckConfig{Type: r53types.HealthCheckTypeCloudwatchMetric,
		AlarmIdentifier:              &r53types.AlarmIdentifier{Region: r53types.CloudWatchRegion(s.Region), Name: aws.String(s.Name)},
		InsufficientDataHealthStatus: r53types.InsufficientDataHealthStatus(insufficient)}
}
