package topology

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// AutomationBehavior is what the Region switch plan's Aurora block does
// when it activates a region.
type AutomationBehavior string

// The behaviors of the Aurora global database block.
const (
	// SwitchoverOnly: a graceful run switches over (no data loss) and
	// fails if the old primary cannot take part.
	SwitchoverOnly AutomationBehavior = "switchoverOnly"
	// FailoverBehavior: every run fails over (FailoverGlobalCluster with
	// AllowDataLoss, graceful or not): it needs only the region it
	// activates, and loses at most the replication lag.
	FailoverBehavior AutomationBehavior = "failover"
)

func (b AutomationBehavior) String() string { return string(b) }

// Defaults of the automation section.
const (
	DefaultAutomationBehavior = FailoverBehavior
	DefaultMinDelayMinutes    = 60
	// DefaultStalledLagMs: a secondary whose replication lag passes a
	// minute has lost its primary.
	DefaultStalledLagMs = 60000
)

// Automation is the ARC Region switch plan apply creates: one plan
// (named <stack>-region-switch) whose activate workflows move the global
// writer, optionally behind a manual approval, optionally started by
// triggers that activate a region when it has no writer and has lost
// its primary (its writer-health and replication-stalled alarms red).
type Automation struct {
	Behavior AutomationBehavior `json:"behavior"`
	// Approval puts a ManualApproval step before the Aurora block.
	Approval bool `json:"approval"`
	// MinDelayMinutes is the triggers' minDelayMinutesBetweenExecutions.
	MinDelayMinutes int `json:"minDelayMinutes"`
	// Triggers starts an activation of a region when its writer-health
	// and replication-stalled alarms both go red: it has no writer and
	// hears nothing from the primary (alarm health checks only).
	Triggers bool `json:"triggers"`
	// StalledLagMs is the replication-stalled alarms' threshold: a
	// secondary whose AuroraGlobalDBReplicationLag is above it has lost
	// its primary. Real milliseconds (the emulator's time scale does not
	// shrink a lag).
	StalledLagMs int `json:"stalledLagMs"`
}

func (d *decoder) automation(n *yaml.Node, path string, a *Automation) {
	d.object(n, path, []field{
		{"behavior", func(v *yaml.Node, p string) {
			var s string
			d.str(&s)(v, p)
			a.Behavior = AutomationBehavior(s)
		}},
		{"approval", d.boolean(&a.Approval)},
		{"minDelayMinutes", d.integer(&a.MinDelayMinutes)},
		{"triggers", d.boolean(&a.Triggers)},
		{"stalledLagMs", d.integer(&a.StalledLagMs)},
	})
}

func automationDefaults(p *problems, t *Topology) {
	a := t.Automation
	if a.Behavior == "" {
		a.Behavior = DefaultAutomationBehavior
	}
	if !p.has("automation.minDelayMinutes") {
		a.MinDelayMinutes = DefaultMinDelayMinutes
	}
	if !p.has("automation.stalledLagMs") {
		a.StalledLagMs = DefaultStalledLagMs
	}
	if !p.has("automation.triggers") {
		a.Triggers = t.DNS != nil && t.DNS.HealthChecks != nil && t.DNS.HealthChecks.Type == Alarm
	}
}

// The Region switch plan's name is the stack's with planSuffix; AWS
// allows maxPlanName characters.
const (
	planSuffix  = "-region-switch"
	maxPlanName = 32
)

// maxMinDelayMinutes bounds minDelayMinutes at a week, maxStalledLagMs
// stalledLagMs at an hour.
const (
	maxMinDelayMinutes = 7 * 24 * 60
	maxStalledLagMs    = 3600 * 1000
)

func validateAutomation(p *problems, t *Topology) {
	const path = "automation"
	a := t.Automation
	if ok, hint := oneOf(a.Behavior, SwitchoverOnly, FailoverBehavior); !ok {
		p.errorf(path+".behavior", hint, "%q is not an Aurora global database behavior", a.Behavior)
	}
	if a.MinDelayMinutes < 1 || a.MinDelayMinutes > maxMinDelayMinutes {
		p.errorf(path+".minDelayMinutes", "the least time between two executions a trigger starts, e.g. 60",
			"must be 1 to %d minutes, not %d", maxMinDelayMinutes, a.MinDelayMinutes)
	}
	if len(t.Name)+len(planSuffix) > maxPlanName {
		p.errorf("name", fmt.Sprintf("the Region switch plan is named <name>%s and AWS allows %d characters: shorten the stack name to %d or less, or remove automation",
			planSuffix, maxPlanName, maxPlanName-len(planSuffix)), "%q is too long for automation", t.Name)
	}
	if len(t.Regions) != 2 {
		where := "regions"
		if !p.has(where) {
			where = path
		}
		p.errorf(where, "a Region switch plan spans exactly two regions: keep two, or remove automation",
			"automation needs exactly 2 regions, not %d", len(t.Regions))
	}
	if a.Triggers && (t.DNS == nil || t.DNS.HealthChecks == nil || t.DNS.HealthChecks.Type != Alarm) {
		p.errorf(path+".triggers", "use dns.healthChecks.type: alarm, or set triggers: false and start the plan yourself (globaldb failover --via-plan)",
			"triggers follow the writer-health and replication-stalled alarms, which only alarm health checks create")
	}
	if a.StalledLagMs < 1000 || a.StalledLagMs > maxStalledLagMs {
		p.errorf(path+".stalledLagMs", "the replication lag (ms) past which a secondary has lost its primary, e.g. 60000; above any lag you ride out",
			"must be 1000 to %d ms, not %d", maxStalledLagMs, a.StalledLagMs)
	}
	if a.Triggers && a.Behavior == SwitchoverOnly {
		p.warnf(path+".behavior", "use behavior: failover for automatic recovery, and globaldb failover (or the plan in ungraceful mode) for planned moves",
			"a trigger starts a graceful execution, which with switchoverOnly needs the primary region: it cannot recover from that region's outage")
	}
	for _, f := range []string{"minDelayMinutes", "stalledLagMs"} {
		if !a.Triggers && p.has(path+"."+f) {
			p.warnf(path+"."+f, "remove it, or set triggers: true", "is only used by triggers, which are off")
		}
	}
}
