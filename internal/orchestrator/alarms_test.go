package orchestrator

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/topology"
	"github.com/globaldb/globaldb/internal/topology/topologytest"
)

// emptyWorld is an account where nothing of the stack exists.
func emptyWorld() *World {
	return &World{Account: "000000000000", Clusters: map[string]*rdstypes.DBCluster{}, Instances: map[string][]rdstypes.DBInstance{},
		SubnetGroups: map[string]*rdstypes.DBSubnetGroup{}, Checks: map[string]*r53types.HealthCheck{}, Roles: map[string]*Role{},
		Alarms: map[string]*cwtypes.MetricAlarm{}}
}

// writePlan renders p as text and JSON with the file name made stable.
func writePlan(t *testing.T, p *Plan, file string) (text, js []byte) {
	t.Helper()
	var tb, jb bytes.Buffer
	p.WriteText(&tb)
	if err := p.WriteJSON(&jb); err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(tb.Bytes(), []byte(file), []byte("global.yaml")), bytes.ReplaceAll(jb.Bytes(), []byte(file), []byte("global.yaml"))
}

// alarmWorld is the private seed as apply leaves it: every alarm as the
// topology wants it, tagged, and the CLOUDWATCH_METRIC checks following
// them (with Route 53's copy of each alarm), records in place.
func alarmWorld(t *topology.Topology) *World {
	w := emptyWorld()
	for _, s := range desiredAlarms(t) {
		in := s.input(nil)
		w.Alarms[alarmKey(s.Region, s.Kind)] = &cwtypes.MetricAlarm{AlarmName: in.AlarmName, AlarmDescription: in.AlarmDescription,
			Namespace: in.Namespace, MetricName: in.MetricName, Dimensions: in.Dimensions, Statistic: in.Statistic, Period: in.Period,
			EvaluationPeriods: in.EvaluationPeriods, Threshold: in.Threshold, ComparisonOperator: in.ComparisonOperator,
			TreatMissingData: in.TreatMissingData, StateValue: cwtypes.StateValueOk}
	}
	for _, r := range t.Regions {
		for _, kind := range []CheckKind{WriterCheck, ReaderCheck} {
			s, _ := alarmSpecOf(t, r.Name, checkAlarm(kind))
			cfg := alarmCheckConfig(s, t.DNS.HealthChecks.Alarms.InsufficientData)
			var dims []r53types.Dimension
			for _, d := range s.Dimensions {
				dims = append(dims, r53types.Dimension{Name: d.Name, Value: d.Value})
			}
			w.Checks[r.Name+"/"+string(kind)] = &r53types.HealthCheck{Id: aws.String("hc-" + r.Name + "-" + string(kind)),
				HealthCheckVersion: aws.Int64(1), HealthCheckConfig: cfg,
				CloudWatchAlarmConfiguration: &r53types.CloudWatchAlarmConfiguration{Namespace: aws.String(s.Namespace),
					MetricName: aws.String(s.Metric), Dimensions: dims, Statistic: r53types.Statistic(s.Statistic),
					ComparisonOperator: r53types.ComparisonOperator(s.Comparison), Threshold: aws.Float64(s.Threshold),
					Period: aws.Int32(s.Period), EvaluationPeriods: aws.Int32(s.EvaluationPeriods)}}
		}
	}
	w.Zone = &Zone{ID: "Z0SEED", Name: "seed.globaldb.example.com.", Owned: true}
	w.Records = []r53types.ResourceRecordSet{{Name: aws.String("writer.seed.globaldb.example.com."), Type: r53types.RRTypeCname,
		SetIdentifier: aws.String("ap-southeast-1"), Failover: r53types.ResourceRecordSetFailoverPrimary, TTL: aws.Int64(5),
		HealthCheckId: aws.String("hc-ap-southeast-1-writer"), ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("seed-ap-southeast-1.cluster.example")}}}}
	return w
}

// TestPlanApply_privateSeed: on an empty account the private seed plans
// three alarms per region and CLOUDWATCH_METRIC checks that wait for the
// alarm they follow (golden files).
func TestPlanApply_privateSeed(t *testing.T) {
	top := topologytest.PrivateSeed(t)
	p := planApply(top, emptyWorld())
	if len(p.Problems) > 0 {
		t.Fatalf("problems: %v", p.Problems)
	}
	text, js := writePlan(t, p, top.File)
	golden(t, "plan-private-seed.txt", text)
	golden(t, "plan-private-seed.json", js)
	for _, r := range top.Regions {
		for _, kind := range []CheckKind{WriterCheck, ReaderCheck} {
			s := p.step(idCheck(r.Name, string(kind)))
			alarm := idAlarm(r.Name, checkAlarm(kind))
			if s == nil || !contains(s.After, alarm) {
				t.Errorf("%s check of %s: step %+v; want it after %s", kind, r.Name, s, alarm)
			}
		}
		if p.step(idAlarm(r.Name, LagAlarm)) == nil {
			t.Errorf("no lag alarm planned in %s", r.Name)
		}
	}
}

// TestPlanApply_alarms covers the alarm steps against a world that has
// them: nothing to do when it matches; a changed alarm setting updates the
// alarm and refreshes Route 53's copy in the checks that follow it (and
// only those); a check whose copy drifted is refreshed alone; TCP checks
// cannot become alarm checks; alarm checks given up delete the alarms
// after the checks.
func TestPlanApply_alarms(t *testing.T) {
	tests := []struct {
		name string
		// edit changes the topology, drift the world (either may be nil).
		edit  func(*topology.Topology)
		drift func(*World)
		// steps are the IDs of the visible steps wanted, in order; problem
		// is a substring of the one problem wanted.
		steps   []string
		problem string
		// after maps a step to one step it must wait for.
		after map[string]string
	}{
		{name: "converged"},
		{name: "evaluation periods changed",
			edit: func(t *topology.Topology) { t.DNS.HealthChecks.Alarms.EvaluationPeriods = 3 },
			steps: []string{
				idAlarm("ap-southeast-1", WriterAlarm), idAlarm("ap-southeast-1", ReaderAlarm), idAlarm("ap-southeast-1", LagAlarm),
				idAlarm("ap-southeast-2", WriterAlarm), idAlarm("ap-southeast-2", ReaderAlarm), idAlarm("ap-southeast-2", LagAlarm),
				idCheck("ap-southeast-1", "writer"), idCheck("ap-southeast-1", "reader"),
				idCheck("ap-southeast-2", "writer"), idCheck("ap-southeast-2", "reader"),
			},
			after: map[string]string{idCheck("ap-southeast-2", "reader"): idAlarm("ap-southeast-2", ReaderAlarm)}},
		{name: "lag threshold changed",
			edit:  func(t *topology.Topology) { t.DNS.HealthChecks.Alarms.RPOLagThresholdMs = 5000 },
			steps: []string{idAlarm("ap-southeast-1", LagAlarm), idAlarm("ap-southeast-2", LagAlarm)}},
		{name: "insufficient data changed",
			edit: func(t *topology.Topology) {
				t.DNS.HealthChecks.Alarms.InsufficientData = topology.InsufficientLastKnown
			},
			steps: []string{idCheck("ap-southeast-1", "writer"), idCheck("ap-southeast-1", "reader"), idCheck("ap-southeast-2", "writer"), idCheck("ap-southeast-2", "reader")}},
		{name: "alarm edited by hand",
			drift: func(w *World) { w.Alarms[alarmKey("ap-southeast-2", ReaderAlarm)].Period = aws.Int32(300) },
			steps: []string{idAlarm("ap-southeast-2", ReaderAlarm), idCheck("ap-southeast-2", "reader")}},
		{name: "Route 53 copy stale (alarm put, then cut before the check update)",
			drift: func(w *World) {
				w.Checks["ap-southeast-1/writer"].CloudWatchAlarmConfiguration.EvaluationPeriods = aws.Int32(5)
			},
			steps: []string{idCheck("ap-southeast-1", "writer")}},
		{name: "canary metric",
			edit: func(t *topology.Topology) { t.DNS.HealthChecks.Alarms.Metric = topology.Canary },
			steps: []string{
				idAlarm("ap-southeast-1", WriterAlarm), idAlarm("ap-southeast-1", ReaderAlarm),
				idAlarm("ap-southeast-2", WriterAlarm), idAlarm("ap-southeast-2", ReaderAlarm),
				idCheck("ap-southeast-1", "writer"), idCheck("ap-southeast-1", "reader"),
				idCheck("ap-southeast-2", "writer"), idCheck("ap-southeast-2", "reader"),
			}},
		{name: "TCP checks wanted",
			edit: func(t *topology.Topology) {
				t.DNS.HealthChecks = &topology.HealthChecks{Type: topology.TCP, Interval: 10, Threshold: 3, Port: 5432}
			},
			steps:   []string{idAlarmsDelete("ap-southeast-1"), idAlarmsDelete("ap-southeast-2")},
			problem: "Route 53 cannot change a check's type"},
		{name: "no health checks any more",
			edit: func(t *topology.Topology) { t.DNS.HealthChecks = nil },
			steps: []string{idCheck("ap-southeast-1", "reader"), idCheck("ap-southeast-1", "writer"),
				idCheck("ap-southeast-2", "reader"), idCheck("ap-southeast-2", "writer"),
				idAlarmsDelete("ap-southeast-1"), idAlarmsDelete("ap-southeast-2")},
			after: map[string]string{idAlarmsDelete("ap-southeast-1"): idCheck("ap-southeast-1", "writer"), idAlarmsDelete("ap-southeast-2"): idRecords()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := topologytest.PrivateSeed(t)
			w := alarmWorld(top)
			if tt.edit != nil {
				tt.edit(top)
			}
			if tt.drift != nil {
				tt.drift(w)
			}
			p := planApply(top, w)
			var got []string
			for _, s := range p.Visible() {
				if strings.HasPrefix(s.ID, "cloudwatch/") || strings.HasPrefix(s.ID, "route53/health-check/") {
					got = append(got, s.ID)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.steps, "\n") {
				t.Errorf("alarm and DNS steps:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.steps, "\n  "))
			}
			switch {
			case tt.problem == "" && len(p.Problems) > 0:
				t.Errorf("problems: %v", p.Problems)
			case tt.problem != "" && (len(p.Problems) == 0 || !strings.Contains(strings.Join(p.Problems, "\n"), tt.problem)):
				t.Errorf("problems %v; want one saying %q", p.Problems, tt.problem)
			}
			for step, dep := range tt.after {
				if s := p.step(step); s == nil || !contains(s.After, dep) {
					t.Errorf("step %s does not wait for %s: %+v", step, dep, s)
				}
			}
		})
	}
}

// TestPlanDestroy_alarms: destroy removes records, then the health checks,
// then the alarms they follow (golden file), and plans no alarm step for a
// stack without alarms.
func TestPlanDestroy_alarms(t *testing.T) {
	top := topologytest.PrivateSeed(t)
	p := planDestroy(top, alarmWorld(top), false)
	text, _ := writePlan(t, p, top.File)
	golden(t, "destroy-private-seed.txt", text)
	for _, r := range top.Regions {
		s := p.step(idAlarmsDelete(r.Name))
		if s == nil {
			t.Fatalf("no alarm deletion in %s", r.Name)
		}
		for _, dep := range []string{idRecords(), idCheck(r.Name, "writer"), idCheck(r.Name, "reader")} {
			if !contains(s.After, dep) {
				t.Errorf("alarm deletion in %s does not wait for %s (after %v)", r.Name, dep, s.After)
			}
		}
	}
	public := seedTopology(t)
	pw := emptyWorld()
	if p := planDestroy(public, pw, false); !p.Empty() {
		t.Errorf("destroy of nothing planned %d steps", len(p.Visible()))
	}
}

// TestDesiredAlarms pins what each alarm watches: the health alarms breach
// on missing data (a silent region is down), the lag alarm does not (a
// primary has no lag series); no alarm is M-of-N, which Route 53 refuses.
func TestDesiredAlarms(t *testing.T) {
	top := topologytest.PrivateSeed(t)
	tests := []struct {
		metric  topology.AlarmMetric
		kind    AlarmKind
		name    string
		watches string
		rule    string
	}{
		{topology.EngineUptime, WriterAlarm, "seed-ap-southeast-2-writer-health",
			"AWS/RDS EngineUptime {DBClusterIdentifier=seed-ap-southeast-2, Role=WRITER}", "Minimum < 0 for 2 × 60s, missing data breaching"},
		{topology.EngineUptime, ReaderAlarm, "seed-ap-southeast-2-reader-health",
			"AWS/RDS EngineUptime {DBClusterIdentifier=seed-ap-southeast-2}", "Minimum < 0 for 2 × 60s, missing data breaching"},
		{topology.EngineUptime, LagAlarm, "seed-ap-southeast-2-rpo-lag",
			"AWS/RDS AuroraGlobalDBRPOLag {DBClusterIdentifier=seed-ap-southeast-2}", "Maximum > 30000 for 2 × 60s, missing data notBreaching"},
		{topology.Canary, WriterAlarm, "seed-ap-southeast-2-writer-health",
			"Globaldb/Canary Healthy {DBClusterIdentifier=seed-ap-southeast-2, Role=WRITER}", "Minimum < 1 for 2 × 60s, missing data breaching"},
		{topology.Canary, ReaderAlarm, "seed-ap-southeast-2-reader-health",
			"Globaldb/Canary Healthy {DBClusterIdentifier=seed-ap-southeast-2, Role=READER}", "Minimum < 1 for 2 × 60s, missing data breaching"},
	}
	for _, tt := range tests {
		t.Run(string(tt.metric)+"/"+string(tt.kind), func(t *testing.T) {
			top.DNS.HealthChecks.Alarms.Metric = tt.metric
			s, ok := alarmSpecOf(top, "ap-southeast-2", tt.kind)
			if !ok {
				t.Fatal("no such alarm")
			}
			if s.Name != tt.name || s.metric() != tt.watches || s.condition() != tt.rule {
				t.Errorf("alarm %s watches %s, %s; want %s watching %s, %s", s.Name, s.metric(), s.condition(), tt.name, tt.watches, tt.rule)
			}
			if in := s.input(nil); in.DatapointsToAlarm != nil || in.ExtendedStatistic != nil {
				t.Errorf("alarm %s is M-of-N or uses an extended statistic: Route 53 cannot follow it", s.Name)
			}
		})
	}
	if got := desiredAlarms(seedTopology(t)); got != nil {
		t.Errorf("TCP topology wants alarms: %+v", got)
	}
}
