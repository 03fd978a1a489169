package topology

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

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
	// Route53HealthChecks puts a Route53HealthCheck block after the
	// Aurora block of every activate workflow, for the writer record, and
	// makes the writer record's failover records follow the health checks
	// Region switch manages: the writer name moves when the plan has
	// moved the writer, and only then.
	Route53HealthChecks bool `json:"route53HealthChecks"`
	// TriggerAlarms, when set, replaces the default trigger alarms: for
	// each region listed, the CloudWatch alarms (names in that region, or
	// alarm ARNs) that, all red, activate it. Regions not listed get no
	// trigger.
	TriggerAlarms map[string][]string `json:"triggerAlarms,omitempty"`
}

// DefaultTriggers tells whether the triggers watch the stack's own
// writer-health and replication-stalled alarms (no triggerAlarms).
func (a *Automation) DefaultTriggers() bool {
	return a != nil && a.Triggers && len(a.TriggerAlarms) == 0
}

// alarmARNRE matches a CloudWatch alarm ARN; its groups are the region and
// the alarm name.
var alarmARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):[0-9]{12}:alarm:(.+)$`)

// TriggerAlarm resolves an entry of triggerAlarms for region: the alarm's
// name and region (an ARN names its own; a name is in region).
func TriggerAlarm(region, entry string) (name, in string) {
	if m := alarmARNRE.FindStringSubmatch(entry); m != nil {
		return m[2], m[1]
	}
	return entry, region
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
		{"route53HealthChecks", d.boolean(&a.Route53HealthChecks)},
		{"triggerAlarms", d.strListMap(&a.TriggerAlarms)},
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
		a.Triggers = len(a.TriggerAlarms) > 0 || t.DNS != nil && t.DNS.HealthChecks != nil && t.DNS.HealthChecks.Type == Alarm
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
	if a.DefaultTriggers() && (t.DNS == nil || t.DNS.HealthChecks == nil || t.DNS.HealthChecks.Type != Alarm) {
		p.errorf(path+".triggers", "use dns.healthChecks.type: alarm, name your own alarms in triggerAlarms, or set triggers: false and start the plan yourself (globaldb failover --via-plan)",
			"triggers follow the writer-health and replication-stalled alarms, which only alarm health checks create")
	}
	validateTriggerAlarms(p, t)
	if a.StalledLagMs < 1000 || a.StalledLagMs > maxStalledLagMs {
		p.errorf(path+".stalledLagMs", "the replication lag (ms) past which a secondary has lost its primary, e.g. 60000; above any lag you ride out",
			"must be 1000 to %d ms, not %d", maxStalledLagMs, a.StalledLagMs)
	}
	if a.Triggers && a.Behavior == SwitchoverOnly {
		p.warnf(path+".behavior", "use behavior: failover for automatic recovery, and globaldb failover (or the plan in ungraceful mode) for planned moves",
			"a trigger starts a graceful execution, which with switchoverOnly needs the primary region: it cannot recover from that region's outage")
	}
	if a.Route53HealthChecks {
		const hint = "the plan's health checks guard the writer record's failover records: declare dns.writerRecord with routing: failover and target: cluster-endpoints, or remove route53HealthChecks"
		switch w := writerRecord(t); {
		case w == nil:
			p.errorf(path+".route53HealthChecks", hint, "needs a writer record, and the topology has none")
		case w.Routing != Failover || w.Target != ClusterEndpoints:
			p.errorf(path+".route53HealthChecks", hint, "needs the writer record's failover records to the cluster endpoints, not %s routing to %s", w.Routing, w.Target)
		}
	}
	for _, f := range []string{"minDelayMinutes", "stalledLagMs", "triggerAlarms"} {
		if !a.Triggers && p.has(path+"."+f) {
			p.warnf(path+"."+f, "remove it, or set triggers: true", "is only used by triggers, which are off")
		}
	}
	if a.Triggers && !a.DefaultTriggers() && p.has(path+".stalledLagMs") {
		p.warnf(path+".stalledLagMs", "remove it, or remove triggerAlarms", "is only used by the default triggers, which triggerAlarms replaces")
	}
}

// writerRecord is t's writer record, nil without one.
func writerRecord(t *Topology) *WriterRecord {
	if t.DNS == nil {
		return nil
	}
	return t.DNS.Writer
}

// PlanRecords tells whether the writer record follows the health checks
// of the Region switch plan (automation.route53HealthChecks).
func (t *Topology) PlanRecords() bool {
	return t.Automation != nil && t.Automation.Route53HealthChecks && writerRecord(t) != nil
}

// maxAlarmName is CloudWatch's limit on an alarm name.
const maxAlarmName = 255

// validateTriggerAlarms checks automation.triggerAlarms: regions of the
// topology, a non-empty list each, alarm names or ARNs, each alarm named
// once (the plan keys its associated alarms by name).
func validateTriggerAlarms(p *problems, t *Topology) {
	const path = "automation.triggerAlarms"
	seen := map[string]string{}
	for _, region := range slices.Sorted(maps.Keys(t.Automation.TriggerAlarms)) {
		rp := path + "." + region
		if !slices.ContainsFunc(t.Regions, func(r Region) bool { return r.Name == region }) {
			p.errorf(rp, "a trigger activates one of the topology's regions: "+strings.Join(regionNames(t), ", "), "%q is not a region of the topology", region)
			continue
		}
		list := t.Automation.TriggerAlarms[region]
		if len(list) == 0 {
			p.errorf(rp, "name the alarms that, all red, activate "+region+", or remove the region", "lists no alarm")
		}
		for i, entry := range list {
			ip := fmt.Sprintf("%s[%d]", rp, i)
			name, _ := TriggerAlarm(region, entry)
			switch {
			case strings.HasPrefix(entry, "arn:") && !alarmARNRE.MatchString(entry):
				p.errorf(ip, "arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME, or the alarm's name in "+region, "%q is not a CloudWatch alarm ARN", entry)
			case name == "" || len(name) > maxAlarmName:
				p.errorf(ip, "", "an alarm name has 1 to %d characters", maxAlarmName)
			case seen[name] != "":
				p.errorf(ip, "a plan keys its alarms by name: rename one of them", "alarm %q is also named by %s", name, seen[name])
			default:
				seen[name] = ip
			}
		}
	}
}

func regionNames(t *Topology) []string {
	var out []string
	for _, r := range t.Regions {
		out = append(out, r.Name)
	}
	return out
}
