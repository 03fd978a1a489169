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
	// FailoverBehavior: a graceful run tries a switchover and falls back
	// to a failover (data loss limited to the replication lag).
	FailoverBehavior AutomationBehavior = "failover"
)

func (b AutomationBehavior) String() string { return string(b) }

// Defaults of the automation section.
const (
	DefaultAutomationBehavior = FailoverBehavior
	DefaultMinDelayMinutes    = 60
)

// Automation is the ARC Region switch plan apply creates: one plan
// (named <stack>-region-switch) whose activate workflows move the global
// writer, optionally behind a manual approval, optionally started by
// triggers on the primary region's writer-health alarm.
type Automation struct {
	Behavior AutomationBehavior `json:"behavior"`
	// Approval puts a ManualApproval step before the Aurora block.
	Approval bool `json:"approval"`
	// MinDelayMinutes is the triggers' minDelayMinutesBetweenExecutions.
	MinDelayMinutes int `json:"minDelayMinutes"`
	// Triggers starts an activation of a secondary when the primary's
	// writer-health alarm goes red (alarm health checks only).
	Triggers bool `json:"triggers"`
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

// maxMinDelayMinutes bounds minDelayMinutes at a week.
const maxMinDelayMinutes = 7 * 24 * 60

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
			"triggers follow the writer-health alarms, which only alarm health checks create")
	}
	if !a.Triggers && p.has(path+".minDelayMinutes") {
		p.warnf(path+".minDelayMinutes", "remove it, or set triggers: true", "is only used by triggers, which are off")
	}
}
