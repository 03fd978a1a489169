package healthcheck

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// stateTable is an Alarms whose metric alarms give the states the test
// sets: a fixture of our CloudWatch contract (cloudwatch.Service
// implements Alarms against real metric data; see the emulator's
// integration test).
type stateTable struct {
	mu     sync.Mutex
	states map[string]cwtypes.StateValue // "region/name" → state
	down   map[string]bool               // Regions in outage
}

func newStateTable() *stateTable {
	return &stateTable{states: map[string]cwtypes.StateValue{}, down: map[string]bool{}}
}

func (s *stateTable) MetricAlarmState(region, name string) (cwtypes.StateValue, cwtypes.MetricAlarm, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[region+"/"+name]
	if !ok {
		return "", cwtypes.MetricAlarm{}, false
	}
	return st, cwtypes.MetricAlarm{AlarmName: aws.String(name), StateValue: st}, true
}

// set gives alarm name in region the data state st; "" deletes the alarm.
func (s *stateTable) set(region, name string, st cwtypes.StateValue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st == "" {
		delete(s.states, region+"/"+name)
		return
	}
	s.states[region+"/"+name] = st
}

func (s *stateTable) regionDown(region string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down[region]
}

func (s *stateTable) setDown(region string, down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down[region] = down
}

func metricCheck(id, region, alarm string, insufficient types.InsufficientDataHealthStatus, mod ...func(*types.HealthCheckConfig)) Check {
	cfg := types.HealthCheckConfig{
		Type:                         types.HealthCheckTypeCloudwatchMetric,
		AlarmIdentifier:              &types.AlarmIdentifier{Region: types.CloudWatchRegion(region), Name: aws.String(alarm)},
		InsufficientDataHealthStatus: insufficient,
		Inverted:                     aws.Bool(false),
		Disabled:                     aws.Bool(false),
	}
	for _, m := range mod {
		m(&cfg)
	}
	return Check{ID: id, Config: cfg}
}

const (
	ok           = cwtypes.StateValueOk
	alarm        = cwtypes.StateValueAlarm
	insufficient = cwtypes.StateValueInsufficientData
	missing      = cwtypes.StateValue("") // no such alarm
)

func TestMetricHealth(t *testing.T) {
	none, wasUp, wasDown := metricHistory{}, metricHistory{known: true, healthy: true}, metricHistory{known: true, healthy: false}
	tests := []struct {
		state        cwtypes.StateValue
		insufficient types.InsufficientDataHealthStatus
		history      metricHistory
		want         bool
		wantHistory  metricHistory
	}{
		{ok, types.InsufficientDataHealthStatusUnhealthy, wasDown, true, wasUp},
		{alarm, types.InsufficientDataHealthStatusHealthy, wasUp, false, wasDown},
		{alarm, types.InsufficientDataHealthStatusLastKnownStatus, none, false, wasDown},
		{insufficient, types.InsufficientDataHealthStatusHealthy, wasDown, true, wasDown},
		{insufficient, types.InsufficientDataHealthStatusUnhealthy, wasUp, false, wasUp},
		{insufficient, types.InsufficientDataHealthStatusLastKnownStatus, none, true, none},
		{insufficient, types.InsufficientDataHealthStatusLastKnownStatus, wasUp, true, wasUp},
		{insufficient, types.InsufficientDataHealthStatusLastKnownStatus, wasDown, false, wasDown},
		{insufficient, "", wasDown, false, wasDown}, // unset reads as LastKnownStatus
	}
	for _, tt := range tests {
		got, history := metricHealth(tt.state, tt.insufficient, tt.history)
		if got != tt.want || history != tt.wantHistory {
			t.Errorf("metricHealth(%s, %q, %+v) = %v, %+v; want %v, %+v", tt.state, tt.insufficient, tt.history, got, history, tt.want, tt.wantHistory)
		}
	}
}

// TestRunner_CloudWatchMetric runs one CLOUDWATCH_METRIC check through a
// history (a first reading, if any) and a second reading, and checks the
// reported status.
func TestRunner_CloudWatchMetric(t *testing.T) {
	const region, name = "eu-central-1", "canary"
	inverted := func(c *types.HealthCheckConfig) { c.Inverted = aws.Bool(true) }
	disabled := func(c *types.HealthCheckConfig) { c.Disabled = aws.Bool(true) }
	tests := []struct {
		name         string
		history      cwtypes.StateValue // first reading; "" for none
		state        cwtypes.StateValue // second reading
		regionDown   bool               // during the second reading
		insufficient types.InsufficientDataHealthStatus
		mod          []func(*types.HealthCheckConfig)
		want         bool
		wantStatus   string // prefix of the observation's status
	}{
		{name: "OK is healthy", state: ok, want: true, wantStatus: "Success: CloudWatch alarm canary (eu-central-1): metric data OK"},
		{name: "ALARM is unhealthy", state: alarm, want: false, wantStatus: "Failure: CloudWatch alarm canary (eu-central-1): metric data in ALARM"},
		{name: "ALARM after OK", history: ok, state: alarm, want: false},
		{name: "OK after ALARM", history: alarm, state: ok, want: true},
		{name: "inverted OK", state: ok, mod: fns(inverted), want: false},
		{name: "inverted ALARM", state: alarm, mod: fns(inverted), want: true},
		{name: "disabled ALARM is healthy", history: alarm, state: alarm, mod: fns(disabled), want: true},
		{name: "disabled and inverted", state: ok, mod: fns(disabled, inverted), want: false},

		{name: "insufficient, Healthy", history: alarm, state: insufficient, insufficient: types.InsufficientDataHealthStatusHealthy, want: true},
		{name: "insufficient, Unhealthy", history: ok, state: insufficient, insufficient: types.InsufficientDataHealthStatusUnhealthy, want: false,
			wantStatus: "Failure: CloudWatch alarm canary (eu-central-1): insufficient data (not enough metric data to evaluate the alarm); InsufficientDataHealthStatus is Unhealthy"},
		{name: "insufficient, last known, new check", state: insufficient, insufficient: types.InsufficientDataHealthStatusLastKnownStatus, want: true},
		{name: "insufficient, last known OK", history: ok, state: insufficient, insufficient: types.InsufficientDataHealthStatusLastKnownStatus, want: true},
		{name: "insufficient, last known ALARM", history: alarm, state: insufficient, insufficient: types.InsufficientDataHealthStatusLastKnownStatus, want: false},
		{name: "insufficient, last known ALARM, inverted", history: alarm, state: insufficient, insufficient: types.InsufficientDataHealthStatusLastKnownStatus, mod: fns(inverted), want: true},

		{name: "missing alarm, Unhealthy", history: ok, state: missing, insufficient: types.InsufficientDataHealthStatusUnhealthy, want: false,
			wantStatus: "Failure: CloudWatch alarm canary (eu-central-1): insufficient data (no metric alarm of that name in the region)"},
		{name: "missing alarm, last known ALARM", history: alarm, state: missing, insufficient: types.InsufficientDataHealthStatusLastKnownStatus, want: false},
		{name: "missing alarm, Healthy", history: alarm, state: missing, insufficient: types.InsufficientDataHealthStatusHealthy, want: true},

		{name: "region down, data OK, Unhealthy", history: ok, state: ok, regionDown: true, insufficient: types.InsufficientDataHealthStatusUnhealthy, want: false,
			wantStatus: "Failure: CloudWatch alarm canary (eu-central-1): insufficient data (the alarm's region is unavailable)"},
		{name: "region down, data ALARM, Healthy", history: alarm, state: alarm, regionDown: true, insufficient: types.InsufficientDataHealthStatusHealthy, want: true},
		{name: "region down, last known OK", history: ok, state: alarm, regionDown: true, insufficient: types.InsufficientDataHealthStatusLastKnownStatus, want: true},
		{name: "region down, last known ALARM", history: alarm, state: ok, regionDown: true, insufficient: types.InsufficientDataHealthStatusLastKnownStatus, want: false},
		{name: "region down, new check, last known", state: alarm, regionDown: true, insufficient: types.InsufficientDataHealthStatusLastKnownStatus, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alarms := newStateTable()
			if tt.history != "" {
				alarms.set(region, name, tt.history)
			}
			h := newHarness(t, Config{Alarms: alarms, RegionDown: alarms.regionDown},
				metricCheck("cw", region, name, tt.insufficient, tt.mod...)).start()
			alarms.set(region, name, tt.state)
			alarms.setDown(region, tt.regionDown)
			h.tick(time.Second)
			if got := h.r.Healthy("cw"); got != tt.want {
				t.Errorf("Healthy = %v, want %v", got, tt.want)
			}
			if tt.wantStatus == "" {
				return
			}
			obs := h.r.Observations("cw")
			if len(obs) != 1 || !strings.HasPrefix(aws.ToString(obs[0].StatusReport.Status), tt.wantStatus) || obs[0].Region != region {
				t.Errorf("Observations = %v, want one from %s starting %q", statuses(obs), region, tt.wantStatus)
			}
		})
	}
}

func fns(f ...func(*types.HealthCheckConfig)) []func(*types.HealthCheckConfig) { return f }

func TestRunner_CloudWatchMetricWithoutAlarms(t *testing.T) {
	// No Alarms configured: CLOUDWATCH_METRIC checks are not evaluated.
	h := newHarness(t, Config{},
		metricCheck("plain", "us-east-1", "x", types.InsufficientDataHealthStatusUnhealthy),
		metricCheck("inverted", "us-east-1", "x", types.InsufficientDataHealthStatusUnhealthy, func(c *types.HealthCheckConfig) { c.Inverted = aws.Bool(true) }),
	).start()
	if !h.r.Healthy("plain") || h.r.Healthy("inverted") {
		t.Errorf("Healthy(plain, inverted) = %v, %v; want true, false", h.r.Healthy("plain"), h.r.Healthy("inverted"))
	}
	if obs := h.r.Observations("plain"); obs != nil {
		t.Errorf("Observations = %v, want none", statuses(obs))
	}
}

func TestRunner_CloudWatchMetricFollowsData(t *testing.T) {
	alarms := newStateTable()
	alarms.set("us-east-1", "a", ok)
	alarms.set("us-east-1", "b", alarm)
	parent := Check{ID: "parent", Config: types.HealthCheckConfig{Type: types.HealthCheckTypeCalculated,
		ChildHealthChecks: []string{"cw"}, HealthThreshold: aws.Int32(1)}}
	lastKnown := types.InsufficientDataHealthStatusLastKnownStatus
	h := newHarness(t, Config{Alarms: alarms}, metricCheck("cw", "us-east-1", "a", lastKnown), parent).start()
	want := func(step string, healthy bool) {
		t.Helper()
		if h.r.Healthy("cw") != healthy || h.r.Healthy("parent") != healthy {
			t.Errorf("%s: Healthy(cw, parent) = %v, %v; want %v", step, h.r.Healthy("cw"), h.r.Healthy("parent"), healthy)
		}
	}
	want("alarm a OK", true)

	alarms.set("us-east-1", "a", alarm)
	h.tick(time.Second)
	want("alarm a in ALARM, calculated parent follows", false)

	// UpdateHealthCheck to another alarm: a new data stream, a fresh
	// history (no last known status: healthy while its data is missing).
	alarms.set("us-east-1", "b", insufficient)
	h.setChecks(metricCheck("cw", "us-east-1", "b", lastKnown), parent)
	h.tick(time.Second)
	want("alarm b without data, fresh history", true)

	alarms.set("us-east-1", "b", alarm)
	h.tick(time.Second)
	want("alarm b in ALARM", false)
}
