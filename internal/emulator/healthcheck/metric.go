package healthcheck

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// Alarms is what the Runner reads of CloudWatch for CLOUDWATCH_METRIC
// checks; the emulated CloudWatch (cloudwatch.Service) implements it.
//
// MetricAlarmState returns the state the metric alarm's *data* gives now,
// evaluated with the alarm's configuration (not the alarm's StateValue:
// SetAlarmState does not change it), and the alarm; ok is false when there
// is no metric alarm of that name in that region. It is called without
// the Runner's locks held, from one goroutine at a time, and must not call
// back into the Runner or the Route 53 model.
type Alarms interface {
	MetricAlarmState(region, name string) (state cwtypes.StateValue, alarm cwtypes.MetricAlarm, ok bool)
}

// alarmRead is one reading of a CLOUDWATCH_METRIC check's alarm.
type alarmRead struct {
	state  cwtypes.StateValue // OK, ALARM or INSUFFICIENT_DATA
	reason string             // why the data is insufficient, for the observation
}

// Why a reading counts as insufficient data although the alarm's data was
// not read; AWS documents neither case (see the package doc).
const (
	reasonNoData     = "not enough metric data to evaluate the alarm"
	reasonNoAlarm    = "no metric alarm of that name in the region"
	reasonRegionDown = "the alarm's region is unavailable"
)

// readAlarm reads the alarm a check names. A missing alarm and an alarm
// whose region is down (nil down: never) read as insufficient data.
func readAlarm(alarms Alarms, down func(string) bool, id *types.AlarmIdentifier) alarmRead {
	if id == nil {
		return alarmRead{state: cwtypes.StateValueInsufficientData, reason: reasonNoAlarm}
	}
	region := string(id.Region)
	if down != nil && down(region) {
		return alarmRead{state: cwtypes.StateValueInsufficientData, reason: reasonRegionDown}
	}
	state, _, ok := alarms.MetricAlarmState(region, aws.ToString(id.Name))
	switch {
	case !ok:
		return alarmRead{state: cwtypes.StateValueInsufficientData, reason: reasonNoAlarm}
	case state == cwtypes.StateValueOk || state == cwtypes.StateValueAlarm:
		return alarmRead{state: state}
	}
	return alarmRead{state: cwtypes.StateValueInsufficientData, reason: reasonNoData}
}

// metricHistory is what a CLOUDWATCH_METRIC check remembers between
// readings: its status the last time the data sufficed.
type metricHistory struct {
	known   bool // the data has sufficed at least once
	healthy bool // the status then
}

// metricHealth returns a CLOUDWATCH_METRIC check's measured status (before
// Disabled and Inverted) for one reading, and its history after it: OK is
// healthy, ALARM unhealthy; insufficient data follows
// InsufficientDataHealthStatus, where LastKnownStatus keeps the status of
// the last sufficient reading and a check with none is healthy (the
// HealthCheckConfig API reference).
func metricHealth(state cwtypes.StateValue, insufficient types.InsufficientDataHealthStatus, h metricHistory) (bool, metricHistory) {
	switch state {
	case cwtypes.StateValueOk:
		return true, metricHistory{known: true, healthy: true}
	case cwtypes.StateValueAlarm:
		return false, metricHistory{known: true, healthy: false}
	}
	switch insufficient {
	case types.InsufficientDataHealthStatusHealthy:
		return true, h
	case types.InsufficientDataHealthStatusUnhealthy:
		return false, h
	}
	return !h.known || h.healthy, h // LastKnownStatus, the default
}

// metricStatus renders a reading as a checker's status report; the wording
// is ours (AWS does not document it for CLOUDWATCH_METRIC checks).
func metricStatus(id *types.AlarmIdentifier, insufficient types.InsufficientDataHealthStatus, read alarmRead, healthy bool) string {
	verdict := "Failure"
	if healthy {
		verdict = "Success"
	}
	alarm := fmt.Sprintf("CloudWatch alarm %s (%s)", aws.ToString(id.Name), id.Region)
	switch read.state {
	case cwtypes.StateValueOk:
		return fmt.Sprintf("%s: %s: metric data OK", verdict, alarm)
	case cwtypes.StateValueAlarm:
		return fmt.Sprintf("%s: %s: metric data in ALARM", verdict, alarm)
	}
	if insufficient == "" {
		insufficient = types.InsufficientDataHealthStatusLastKnownStatus
	}
	return fmt.Sprintf("%s: %s: insufficient data (%s); InsufficientDataHealthStatus is %s", verdict, alarm, read.reason, insufficient)
}

// readAlarms reads the alarm of every enabled CLOUDWATCH_METRIC check, by
// check ID; nil when no Alarms is configured. Called without r.mu held.
func (r *Runner) readAlarms(checks []Check) map[string]alarmRead {
	if r.cfg.Alarms == nil {
		return nil
	}
	out := map[string]alarmRead{}
	for _, c := range checks {
		if c.Config.Type == types.HealthCheckTypeCloudwatchMetric && !deref(c.Config.Disabled) && c.Status == nil {
			out[c.ID] = readAlarm(r.cfg.Alarms, r.cfg.RegionDown, c.Config.AlarmIdentifier)
		}
	}
	return out
}

// recordMetricLocked applies one reading to a CLOUDWATCH_METRIC check.
// Call with r.mu held, after apply gave st its configuration.
func (r *Runner) recordMetricLocked(id string, st *checkState, read alarmRead) {
	before := st.metric
	healthy, after := metricHealth(read.state, st.cfg.InsufficientDataHealthStatus, st.metric)
	st.metric, st.metricHealthy = after, healthy
	ident := st.cfg.AlarmIdentifier
	if ident == nil {
		ident = &types.AlarmIdentifier{}
	}
	// One observation, from the alarm's region: no checker probes an
	// endpoint, Route 53 reads CloudWatch there.
	st.metricObs = &types.HealthCheckObservation{
		Region: types.HealthCheckRegion(ident.Region),
		StatusReport: &types.StatusReport{
			Status:      aws.String(metricStatus(ident, st.cfg.InsufficientDataHealthStatus, read, healthy)),
			CheckedTime: aws.Time(r.cfg.Clock.Now().UTC()),
		},
	}
	if before != after {
		r.log.Debug("alarm data changed the check's history", "health_check", id, "state", read.state, "healthy", healthy)
	}
}

// sameAlarm reports whether two configurations name the same alarm.
func sameAlarm(a, b *types.AlarmIdentifier) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Region == b.Region && aws.ToString(a.Name) == aws.ToString(b.Name)
}
