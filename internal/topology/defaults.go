package topology

import "strings"

// Defaults applied by setDefaults; docs/topology.md lists them.
const (
	DefaultEngine        = "aurora-postgresql"
	DefaultInstanceClass = "db.r6g.large"
	DefaultMasterUser    = "postgres"
	DefaultTTL           = 5
	DefaultCheckInterval = 30
	DefaultThreshold     = 3
	DefaultPostgresPort  = 5432
	// Health alarms: one-minute periods (Aurora publishes every minute),
	// two in a row before a region counts as down, and a region whose
	// alarm cannot be read is unhealthy.
	DefaultAlarmPeriod       = 60
	DefaultAlarmEvaluations  = 2
	DefaultInsufficientData  = InsufficientUnhealthy
	DefaultRPOLagThresholdMs = 30000
)

// setDefaults fills in what the document leaves out. It runs after a
// successful decode and before validation; p tells which fields are written.
func setDefaults(p *problems, t *Topology) {
	if t.Engine == "" {
		t.Engine = DefaultEngine
	}
	if t.InstanceClass == "" {
		t.InstanceClass = DefaultInstanceClass
	}
	if t.Tags == nil {
		t.Tags = map[string]string{}
	}
	if _, set := t.Tags[StackTag]; !set {
		t.Tags[StackTag] = t.Name
	}
	for i := range t.Regions {
		r := &t.Regions[i]
		if r.Role == Primary && r.MasterUsername == "" {
			r.MasterUsername = DefaultMasterUser
		}
		if r.WriteForwarding == "" {
			r.WriteForwarding = ForwardOff
		}
	}
	if t.DNS != nil {
		dnsDefaults(p, t.DNS)
	}
	if t.Automation != nil {
		automationDefaults(p, t)
	}
	roleName := func(name *string, suffix string) {
		if *name == "" {
			*name = t.Name + "-" + suffix
		}
	}
	if r := t.IAM.MonitoringRole; r != nil {
		roleName(&r.Name, "monitoring")
	}
	if r := t.IAM.AppRole; r != nil {
		roleName(&r.Name, "app")
	}
	if r := t.IAM.OperatorRole; r != nil {
		roleName(&r.Name, "operator")
	}
}

func dnsDefaults(p *problems, d *DNS) {
	d.HostedZone.Name = dnsName(d.HostedZone.Name)
	if !p.has("dns.ttl") {
		d.TTL = DefaultTTL
	}
	if w := d.Writer; w != nil {
		w.Name = dnsName(w.Name)
		if w.Target == "" {
			w.Target = ClusterEndpoints
		}
		if w.Routing == "" {
			w.Routing = Failover
			if w.Target == GlobalWriterEndpoint {
				w.Routing = Simple
			}
		}
	}
	if r := d.Reader; r != nil {
		r.Name = dnsName(r.Name)
		if r.Routing == "" {
			r.Routing = Latency
		}
	}
	if h := d.HealthChecks; h != nil {
		const path = "dns.healthChecks."
		if h.Type == "" {
			h.Type = Alarm
		}
		if h.Type == Alarm {
			if h.Alarms == nil {
				h.Alarms = &Alarms{}
			}
			alarmDefaults(p, h.Alarms)
		}
		if !p.has(path + "interval") {
			h.Interval = DefaultCheckInterval
		}
		if !p.has(path + "threshold") {
			h.Threshold = DefaultThreshold
		}
		if !p.has(path + "port") {
			h.Port = DefaultPostgresPort
		}
	}
}

// dnsName lowercases a DNS name and drops its trailing dot.
func dnsName(s string) string { return strings.TrimSuffix(strings.ToLower(s), ".") }

func alarmDefaults(p *problems, a *Alarms) {
	const path = "dns.healthChecks.alarms."
	if a.Metric == "" {
		a.Metric = EngineUptime
	}
	if !p.has(path + "period") {
		a.Period = DefaultAlarmPeriod
	}
	if !p.has(path + "evaluationPeriods") {
		a.EvaluationPeriods = DefaultAlarmEvaluations
	}
	if a.InsufficientData == "" {
		a.InsufficientData = DefaultInsufficientData
	}
	if !p.has(path + "rpoLagThresholdMs") {
		a.RPOLagThresholdMs = DefaultRPOLagThresholdMs
	}
}
