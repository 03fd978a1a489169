package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	arc "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	arctypes "github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"

	"github.com/globaldb/globaldb/internal/topology"
)

// RegionSwitchPlan is the name of the stack's ARC Region switch plan.
func (n Names) RegionSwitchPlan() string { return n.Stack + "-region-switch" }

// RegionSwitchRole is the name of the plan's execution role.
func (n Names) RegionSwitchRole() string { return n.Stack + "-region-switch" }

// RegionSwitchService is the principal the execution role trusts.
const RegionSwitchService = "arc-region-switch.amazonaws.com"

// Timeouts of the plan's blocks, in minutes: stated, so that what the
// plan reads back equals what apply wants.
const (
	auroraTimeoutMinutes   = 60
	approvalTimeoutMinutes = 60
	route53TimeoutMinutes  = 15
)

// PlanCheck is the kind of a region's Route 53 health check managed by
// the Region switch plan (automation.route53HealthChecks): healthy in the
// region the plan activated last.
const PlanCheck CheckKind = "plan"

// unknownZone stands for a hosted zone ID that apply has yet to learn.
const unknownZone = "(known after apply)"

func idRegionSwitch() string { return "arc-region-switch/plan" }

// regionSwitchActions are the RDS actions the Aurora block takes with the
// execution role (AWS's sample policy for the block).
var regionSwitchActions = []string{"rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster"}

// regionSwitchRoleSpec is the execution role of the plan.
func (pl *planner) regionSwitchRoleSpec() roleSpec {
	t, acct := pl.t, pl.w.Account
	return roleSpec{Name: pl.n.RegionSwitchRole(), Purpose: "ARC Region switch execution role, trusted by " + RegionSwitchService,
		Trust: trustService(RegionSwitchService), Inline: map[string]func(*exec) (string, error){"region-switch-aurora": func(x *exec) (string, error) {
			zone := x.zone()
			if t.PlanRecords() && zone == "" {
				return "", fmt.Errorf("hosted zone %s unknown", t.DNS.HostedZone.Name)
			}
			return regionSwitchPolicy(t, acct, zone).JSON(), nil
		}}}
}

// regionSwitchPolicy lets the plan's Aurora block read the global cluster
// and its members and switch over or fail over the stack's global
// cluster. With triggers, it also lets Region switch start the plan
// automatically and read the trigger alarms: automatic executions need
// arc-region-switch:StartPlanExecution on the plan and
// cloudwatch:DescribeAlarms on the alarms (AWS's plan evaluation checks
// both; the emulator enforces them under --enforce-iam).
//
// With automation.route53HealthChecks the plan's Route 53 health check
// blocks read the writer record's sets in the hosted zone (zoneID;
// AWS's sample policy for the block).
func regionSwitchPolicy(t *topology.Topology, account, zoneID string) PolicyDocument {
	n := Names{t.Name}
	doc := PolicyDocument{Version: "2012-10-17", Statement: []Statement{
		{Sid: "AuroraRead", Effect: "Allow", Action: []string{"rds:DescribeGlobalClusters", "rds:DescribeDBClusters"}, Resource: []string{"*"}},
		{Sid: "AuroraMoveWriter", Effect: "Allow", Action: regionSwitchActions, Resource: []string{
			fmt.Sprintf("arn:aws:rds::%s:global-cluster:%s", account, n.GlobalCluster()),
			fmt.Sprintf("arn:aws:rds:*:%s:cluster:%s-*", account, t.Name),
		}},
	}}
	if t.Automation != nil && t.Automation.Triggers {
		doc.Statement = append(doc.Statement,
			Statement{Sid: "TriggerStartsPlan", Effect: "Allow", Action: []string{"arc-region-switch:StartPlanExecution"},
				Resource: []string{regionSwitchPlanArns(t, account)}},
			Statement{Sid: "TriggerReadsAlarms", Effect: "Allow", Action: []string{"cloudwatch:DescribeAlarms"},
				Resource: triggerAlarmResources(t, account)})
	}
	if t.Automation != nil && t.Automation.Approval && t.IAM.OperatorRole == nil {
		// Without an operator role the execution role is the approval
		// steps' approval role, which Region switch expects to be allowed
		// to approve them.
		doc.Statement = append(doc.Statement, Statement{Sid: "ApproveSteps", Effect: "Allow",
			Action: []string{"arc-region-switch:ApprovePlanExecutionStep"}, Resource: []string{regionSwitchPlanArns(t, account)}})
	}
	if t.PlanRecords() {
		doc.Statement = append(doc.Statement, Statement{Sid: "Route53ReadRecords", Effect: "Allow",
			Action: []string{"route53:ListResourceRecordSets"}, Resource: []string{"arn:aws:route53:::hostedzone/" + zoneID}})
	}
	return doc
}

// triggerAlarmResources are the alarms the triggers read: the stack's
// (by name pattern) by default, else the ones triggerAlarms names.
func triggerAlarmResources(t *topology.Topology, account string) []string {
	if t.Automation.DefaultTriggers() {
		return []string{alarmArns(t, account)}
	}
	var out []string
	for _, r := range t.Regions {
		out = append(out, triggerAlarmArns(t, account, r.Name)...)
	}
	return out
}

// knownZoneID is the stack's hosted zone ID as far as w and t know it:
// the one found, else the one the topology names, else unknownZone.
func knownZoneID(t *topology.Topology, w *World) string {
	if w.Zone != nil && w.Zone.ID != "" {
		return w.Zone.ID
	}
	if t.DNS != nil && t.DNS.HostedZone.ID != "" {
		return zoneID(t.DNS.HostedZone.ID)
	}
	return unknownZone
}

// regionSwitchPlanArns matches the ARN of the stack's plan, whose last
// part is a suffix AWS picks at CreatePlan
// (arn:aws:arc-region-switch::ACCOUNT:plan/NAME:SUFFIX).
func regionSwitchPlanArns(t *topology.Topology, account string) string {
	return fmt.Sprintf("arn:aws:arc-region-switch::%s:plan/%s:*", account, Names{t.Name}.RegionSwitchPlan())
}

// regionSwitchSpec is the plan as the topology wants it.
type regionSwitchSpec struct {
	Name, Primary, Role string
	Zone                string // hosted zone of the Route 53 blocks
	Regions             []string
	Workflows           []arctypes.Workflow
	Triggers            []arctypes.Trigger
	Alarms              map[string]arctypes.AssociatedAlarm
}

func clusterArn(account, region, name string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:cluster:%s", region, account, name)
}

func alarmArn(account, region, name string) string {
	return fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", region, account, name)
}

// roleArn is the ARN of the stack's role name: the one IAM reported, else
// the one it will have.
func roleArnOf(w *World, n Names, known map[string]string, name string) string {
	if a := known[name]; a != "" {
		return a
	}
	if r := w.Roles[name]; r != nil && r.Arn != "" {
		return r.Arn
	}
	return fmt.Sprintf("arn:aws:iam::%s:role%s%s", w.Account, n.RolePath(), name)
}

// approverArn is the role the plan's approval steps name: the operator
// role if declared, else the execution role.
func approverArn(t *topology.Topology, w *World, known map[string]string) string {
	n := Names{t.Name}
	if r := t.IAM.OperatorRole; r != nil {
		return roleArnOf(w, n, known, r.Name)
	}
	return roleArnOf(w, n, known, n.RegionSwitchRole())
}

// desiredRegionSwitch returns the plan t wants, nil without automation.
// Every region has an activate workflow: an optional manual approval,
// then the Aurora global database block (graceful: the topology's
// behavior; ungraceful: failover). Triggers activate each secondary when
// the primary's writer-health alarm turns red.
//
// The approval step names the operator role when the topology declares
// one (the people who run failovers approve them), else the execution
// role: approver.
//
// With automation.route53HealthChecks a Route53HealthCheck block for the
// writer record in hosted zone zoneID follows the Aurora block: Region
// switch makes the activated region's health check healthy (and the
// other's unhealthy) once the writer has moved, and the writer record's
// failover records follow those checks.
func desiredRegionSwitch(t *topology.Topology, account, role, approver, zoneID string) *regionSwitchSpec {
	a := t.Automation
	if a == nil {
		return nil
	}
	n := Names{t.Name}
	s := &regionSwitchSpec{Name: n.RegionSwitchPlan(), Primary: t.Primary().Name, Role: role, Zone: zoneID}
	var arns []string
	for _, r := range t.Regions {
		s.Regions = append(s.Regions, r.Name)
		arns = append(arns, clusterArn(account, r.Name, n.Cluster(r.Name)))
	}
	for _, r := range t.Regions {
		var steps []arctypes.Step
		if a.Approval {
			steps = append(steps, arctypes.Step{Name: aws.String("approve-" + r.Name), ExecutionBlockType: arctypes.ExecutionBlockTypeExecutionApproval,
				ExecutionBlockConfiguration: &arctypes.ExecutionBlockConfigurationMemberExecutionApprovalConfig{Value: arctypes.ExecutionApprovalConfiguration{
					ApprovalRole: aws.String(approver), TimeoutMinutes: aws.Int32(approvalTimeoutMinutes)}}})
		}
		steps = append(steps, arctypes.Step{Name: aws.String("aurora-" + r.Name), ExecutionBlockType: arctypes.ExecutionBlockTypeAurora,
			ExecutionBlockConfiguration: &arctypes.ExecutionBlockConfigurationMemberGlobalAuroraConfig{Value: arctypes.GlobalAuroraConfiguration{
				Behavior: arctypes.GlobalAuroraDefaultBehavior(a.Behavior), GlobalClusterIdentifier: aws.String(n.GlobalCluster()),
				DatabaseClusterArns: slices.Clone(arns), TimeoutMinutes: aws.Int32(auroraTimeoutMinutes),
				Ungraceful: &arctypes.GlobalAuroraUngraceful{Ungraceful: arctypes.GlobalAuroraUngracefulBehaviorFailover}}}})
		if t.PlanRecords() {
			var sets []arctypes.Route53ResourceRecordSet
			for _, rr := range t.Regions {
				sets = append(sets, arctypes.Route53ResourceRecordSet{RecordSetIdentifier: aws.String(rr.Name), Region: aws.String(rr.Name)})
			}
			steps = append(steps, arctypes.Step{Name: aws.String("dns-" + r.Name), ExecutionBlockType: arctypes.ExecutionBlockTypeRoute53HealthCheck,
				ExecutionBlockConfiguration: &arctypes.ExecutionBlockConfigurationMemberRoute53HealthCheckConfig{Value: arctypes.Route53HealthCheckConfiguration{
					HostedZoneId: aws.String(zoneID), RecordName: aws.String(planRecordName(t)), RecordSets: sets,
					TimeoutMinutes: aws.Int32(route53TimeoutMinutes)}}})
		}
		s.Workflows = append(s.Workflows, arctypes.Workflow{WorkflowTargetAction: arctypes.WorkflowTargetActionActivate,
			WorkflowTargetRegion: aws.String(r.Name), Steps: steps})
	}
	if a.Triggers {
		// By default every region has a trigger, whichever is primary
		// now, so the triggers follow the writer: activate a region when
		// it has no writer and hears nothing from the primary. Both alarms
		// live in the region activated, which answers while the primary's
		// is out. triggerAlarms names other alarms instead.
		s.Alarms = map[string]arctypes.AssociatedAlarm{}
		for _, r := range t.Regions {
			alarms := triggerAlarmArns(t, account, r.Name)
			if len(alarms) == 0 {
				continue
			}
			conds := []arctypes.TriggerCondition{}
			var names []string
			for _, arn := range alarms {
				alarm, _ := topology.TriggerAlarm(r.Name, arn)
				s.Alarms[alarm] = arctypes.AssociatedAlarm{AlarmType: arctypes.AlarmTypeTrigger, ResourceIdentifier: aws.String(arn)}
				conds = append(conds, arctypes.TriggerCondition{AssociatedAlarmName: aws.String(alarm), Condition: arctypes.AlarmConditionRed})
				names = append(names, alarm)
			}
			desc := fmt.Sprintf("activate %s when it has no writer and has lost the primary", r.Name)
			if !a.DefaultTriggers() {
				desc = fmt.Sprintf("activate %s when %s are red", r.Name, strings.Join(names, ", "))
			}
			s.Triggers = append(s.Triggers, arctypes.Trigger{TargetRegion: aws.String(r.Name), Action: arctypes.WorkflowTargetActionActivate,
				Conditions: conds, MinDelayMinutesBetweenExecutions: aws.Int32(int32(a.MinDelayMinutes)), Description: aws.String(desc)})
		}
	}
	return s
}

// triggerAlarmArns are the ARNs of the alarms whose all-red state
// activates region: the topology's triggerAlarms for it, else the
// region's writer-health and replication-stalled alarms; none without
// triggers, or when triggerAlarms leaves the region out.
func triggerAlarmArns(t *topology.Topology, account, region string) []string {
	a := t.Automation
	if a == nil || !a.Triggers {
		return nil
	}
	if !a.DefaultTriggers() {
		var out []string
		for _, entry := range a.TriggerAlarms[region] {
			name, in := topology.TriggerAlarm(region, entry)
			out = append(out, alarmArn(account, in, name))
		}
		return out
	}
	n := Names{t.Name}
	return []string{alarmArn(account, region, n.Alarm(region, WriterAlarm)), alarmArn(account, region, n.Alarm(region, StalledAlarm))}
}

// regionSwitchLines renders a plan's changeable content, one line per
// item, for comparison and for people.
func regionSwitchLines(role string, workflows []arctypes.Workflow, triggers []arctypes.Trigger, alarms map[string]arctypes.AssociatedAlarm) []string {
	out := []string{"execution role " + role}
	for _, w := range workflows {
		var steps []string
		for _, st := range w.Steps {
			desc := fmt.Sprintf("%s %s", aws.ToString(st.Name), st.ExecutionBlockType)
			switch c := st.ExecutionBlockConfiguration.(type) {
			case *arctypes.ExecutionBlockConfigurationMemberGlobalAuroraConfig:
				v := c.Value
				ungraceful := ""
				if v.Ungraceful != nil {
					ungraceful = string(v.Ungraceful.Ungraceful)
				}
				desc += fmt.Sprintf(" {%s, ungraceful %s, global cluster %s, clusters %s, timeout %d min}", v.Behavior, orDash(ungraceful),
					aws.ToString(v.GlobalClusterIdentifier), strings.Join(v.DatabaseClusterArns, " "), aws.ToInt32(v.TimeoutMinutes))
			case *arctypes.ExecutionBlockConfigurationMemberExecutionApprovalConfig:
				desc += fmt.Sprintf(" {approval role %s, timeout %d min}", aws.ToString(c.Value.ApprovalRole), aws.ToInt32(c.Value.TimeoutMinutes))
			case *arctypes.ExecutionBlockConfigurationMemberRoute53HealthCheckConfig:
				v := c.Value
				var sets []string
				for _, rs := range v.RecordSets {
					sets = append(sets, aws.ToString(rs.RecordSetIdentifier)+"="+aws.ToString(rs.Region))
				}
				desc += fmt.Sprintf(" {zone %s, record %s, sets %s, timeout %d min}", aws.ToString(v.HostedZoneId), aws.ToString(v.RecordName),
					strings.Join(sets, " "), aws.ToInt32(v.TimeoutMinutes))
			}
			steps = append(steps, desc)
		}
		out = append(out, fmt.Sprintf("workflow %s %s: %s", w.WorkflowTargetAction, orDash(aws.ToString(w.WorkflowTargetRegion)), strings.Join(steps, " → ")))
	}
	for _, name := range sortedKeys(alarms) {
		a := alarms[name]
		out = append(out, fmt.Sprintf("alarm %s (%s) %s", name, a.AlarmType, aws.ToString(a.ResourceIdentifier)))
	}
	for _, tr := range triggers {
		var conds []string
		for _, c := range tr.Conditions {
			conds = append(conds, aws.ToString(c.AssociatedAlarmName)+" "+string(c.Condition))
		}
		out = append(out, fmt.Sprintf("trigger %s %s when %s, at most every %d min", tr.Action, aws.ToString(tr.TargetRegion),
			strings.Join(conds, " and "), aws.ToInt32(tr.MinDelayMinutesBetweenExecutions)))
	}
	return out
}

func (s *regionSwitchSpec) lines() []string {
	return regionSwitchLines(s.Role, s.Workflows, s.Triggers, s.Alarms)
}

// diff lists how have differs from s: lines to remove (-) and add (+).
func (s *regionSwitchSpec) diff(have *arctypes.Plan) []string {
	got := regionSwitchLines(aws.ToString(have.ExecutionRole), have.Workflows, have.Triggers, have.AssociatedAlarms)
	want := s.lines()
	var out []string
	for _, l := range got {
		if !slices.Contains(want, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			out = append(out, "+ "+l)
		}
	}
	return out
}

// immutable lists what UpdatePlan cannot change.
func (s *regionSwitchSpec) immutable(have *arctypes.Plan) []string {
	var out []string
	if !slices.Equal(have.Regions, s.Regions) {
		out = append(out, fmt.Sprintf("regions %v → %v", have.Regions, s.Regions))
	}
	if aws.ToString(have.PrimaryRegion) != s.Primary {
		out = append(out, fmt.Sprintf("primary region %s → %s", orDash(aws.ToString(have.PrimaryRegion)), s.Primary))
	}
	if have.RecoveryApproach != arctypes.RecoveryApproachActivePassive {
		out = append(out, fmt.Sprintf("recovery approach %s → %s", have.RecoveryApproach, arctypes.RecoveryApproachActivePassive))
	}
	return out
}

// findRegionSwitch returns the stack's plan from the control plane, nil
// when there is none. A plan with the stack's name but without its tag
// is ErrNotOurs.
func findRegionSwitch(ctx context.Context, c *Clients, t *topology.Topology) (*arctypes.Plan, error) {
	name := Names{t.Name}.RegionSwitchPlan()
	cl := c.ARC()
	p := arc.NewListPlansPaginator(cl, &arc.ListPlansInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list Region switch plans: %w", err)
		}
		for _, ab := range page.Plans {
			if aws.ToString(ab.Name) != name {
				continue
			}
			tags, err := cl.ListTagsForResource(ctx, &arc.ListTagsForResourceInput{Arn: ab.Arn})
			if err != nil {
				return nil, fmt.Errorf("tags of Region switch plan %s: %w", name, err)
			}
			if tags.ResourceTags[topology.StackTag] != t.Name {
				return nil, fmt.Errorf("ARC Region switch plan %s %w=%s", name, ErrNotOurs, t.Name)
			}
			got, err := cl.GetPlan(ctx, &arc.GetPlanInput{Arn: ab.Arn})
			if err != nil {
				return nil, fmt.Errorf("get Region switch plan %s: %w", name, err)
			}
			return got.Plan, nil
		}
	}
	return nil, nil
}

// observeRegionSwitch reads the stack's plan into w.RegionSwitch. Without
// automation in t, a control plane that cannot be read counts as no plan
// (the reason is kept in w.RegionSwitchUnread).
func observeRegionSwitch(ctx context.Context, c *Clients, t *topology.Topology, w *World) error {
	p, err := findRegionSwitch(ctx, c, t)
	if err != nil {
		if t.Automation != nil || isNotOurs(err) {
			return err
		}
		w.RegionSwitchUnread = err
		return nil
	}
	w.RegionSwitch = p
	if p != nil && hasRoute53Blocks(p) {
		checks, err := listPlanChecks(ctx, c, t, p.Arn)
		if err != nil {
			return err
		}
		w.PlanChecks = checks
	}
	return nil
}

// planRegionSwitch plans the creation, update or removal of the plan,
// after the role, the clusters, the global cluster and the alarms it
// names.
func (pl *planner) planRegionSwitch() {
	n := pl.n
	have := pl.w.RegionSwitch
	spec := desiredRegionSwitch(pl.t, pl.w.Account, roleArnOf(pl.w, n, nil, n.RegionSwitchRole()), approverArn(pl.t, pl.w, nil), knownZoneID(pl.t, pl.w))
	res := "arc region-switch plan " + n.RegionSwitchPlan()
	defer pl.orderPlanRecords()
	if spec == nil {
		if have != nil {
			pl.deleteRegionSwitch(have, []string{"no longer in the topology"})
		}
		return
	}
	after := append(append(pl.p.deps(idRole(n.RegionSwitchRole()), idGlobal()), pl.p.depsPrefix("rds/cluster/")...), pl.p.depsPrefix("cloudwatch/alarm/")...)
	if pl.t.PlanRecords() {
		after = append(after, pl.p.deps(idZone())...) // the Route 53 blocks name it
	}
	if have == nil {
		pl.p.add(&Step{ID: idRegionSwitch(), Action: Create, Region: "us-east-1", Resource: res, After: after,
			Details: append([]string{fmt.Sprintf("regions %s (primary %s), activePassive", strings.Join(spec.Regions, ", "), spec.Primary)}, spec.lines()...),
			run:     func(ctx context.Context, x *exec, _ *Step) error { return x.putRegionSwitch(ctx) }})
		return
	}
	d := spec.diff(have)
	if imm := spec.immutable(have); len(imm) > 0 {
		d = append([]string{"replace (DeletePlan, CreatePlan: UpdatePlan cannot change " + strings.Join(imm, ", ") + ")"}, d...)
	}
	if len(d) > 0 {
		pl.p.add(&Step{ID: idRegionSwitch(), Action: Update, Region: "us-east-1", Resource: res, After: after, Details: d,
			run: func(ctx context.Context, x *exec, _ *Step) error { return x.putRegionSwitch(ctx) }})
	}
}

// orderPlanRecords orders the plan's step against the records' when the
// writer record follows the plan's health checks: the records, which name
// the checks, after the plan that makes them; records that stop naming
// them before the plan that drops them. The execution role, whose policy
// names the hosted zone, after the zone.
func (pl *planner) orderPlanRecords() {
	plan, recs := pl.step(idRegionSwitch()), pl.step(idRecords())
	if pl.t.PlanRecords() {
		if role := pl.step(idRole(pl.n.RegionSwitchRole())); role != nil && pl.p.has(idZone()) && !contains(role.After, idZone()) {
			role.After = append(role.After, idZone())
		}
		if plan != nil && recs != nil && plan.Action != Delete && !contains(recs.After, plan.ID) {
			recs.After = append(recs.After, plan.ID)
			pl.p.moveBefore(plan.ID, recs.ID) // shown in the order they run
		}
		return
	}
	if plan != nil && recs != nil && len(pl.w.PlanChecks) > 0 && !contains(plan.After, recs.ID) {
		plan.After = append(plan.After, recs.ID)
	}
}

// hasRoute53Blocks tells whether a workflow of p has a Route 53 health
// check block, whose health checks Region switch manages.
func hasRoute53Blocks(p *arctypes.Plan) bool {
	for _, w := range p.Workflows {
		for _, st := range w.Steps {
			if st.ExecutionBlockType == arctypes.ExecutionBlockTypeRoute53HealthCheck {
				return true
			}
		}
	}
	return false
}

// planRecordName is the writer record's name as the plan's Route 53
// blocks name it.
func planRecordName(t *topology.Topology) string {
	return strings.TrimSuffix(t.DNS.Writer.Name, ".")
}

// listPlanChecks returns the health checks the plan (arn) manages for the
// topology's writer record, keyed by region.
func listPlanChecks(ctx context.Context, c *Clients, t *topology.Topology, arn *string) (map[string]arctypes.Route53HealthCheck, error) {
	out := map[string]arctypes.Route53HealthCheck{}
	if t.DNS == nil || t.DNS.Writer == nil {
		return out, nil
	}
	p := arc.NewListRoute53HealthChecksPaginator(c.ARC(), &arc.ListRoute53HealthChecksInput{Arn: arn, RecordName: aws.String(planRecordName(t))})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("health checks of Region switch plan %s: %w", aws.ToString(arn), err)
		}
		for _, hc := range page.HealthChecks {
			if aws.ToString(hc.HealthCheckId) != "" {
				out[aws.ToString(hc.Region)] = hc
			}
		}
	}
	return out, nil
}

// waitPlanChecks waits until the plan (arn) lists a health check for the
// writer record in every region of t: Region switch creates them with
// the plan, and AWS does not promise at once.
func (x *exec) waitPlanChecks(ctx context.Context, s *Step, arn *string) (map[string]arctypes.Route53HealthCheck, error) {
	var got map[string]arctypes.Route53HealthCheck
	err := x.waitFor(ctx, s, "the Region switch plan's health checks for "+planRecordName(x.t), func(ctx context.Context) (bool, string, error) {
		var err error
		if got, err = listPlanChecks(ctx, x.c, x.t, arn); err != nil {
			return false, "", err
		}
		var missing []string
		for _, r := range x.t.Regions {
			if _, ok := got[r.Name]; !ok {
				missing = append(missing, r.Name)
			}
		}
		if len(missing) > 0 {
			return false, "none yet for " + strings.Join(missing, ", "), nil
		}
		return true, "listed", nil
	})
	return got, err
}

// deleteRegionSwitch plans DeletePlan; the role and the global cluster
// go after it.
func (pl *planner) deleteRegionSwitch(have *arctypes.Plan, details []string) {
	arn := aws.ToString(have.Arn)
	pl.p.add(&Step{ID: idRegionSwitch(), Action: Delete, Region: "us-east-1", Resource: "arc region-switch plan " + aws.ToString(have.Name), Details: details,
		run: func(ctx context.Context, x *exec, _ *Step) error {
			_, err := x.c.ARC().DeletePlan(ctx, &arc.DeletePlanInput{Arn: aws.String(arn)})
			var nf *arctypes.ResourceNotFoundException
			if errors.As(err, &nf) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("delete Region switch plan %s: %w", aws.ToString(have.Name), err)
			}
			return nil
		}})
}

// putRegionSwitch creates the plan, or updates it when it exists (a run
// cut short after CreatePlan finds it by name).
func (x *exec) putRegionSwitch(ctx context.Context) error {
	x.mu.Lock()
	role := roleArnOf(x.w, x.n, x.roleArns, x.n.RegionSwitchRole())
	approver := approverArn(x.t, x.w, x.roleArns)
	zone := x.zoneID
	x.mu.Unlock()
	if x.t.PlanRecords() && zone == "" {
		return fmt.Errorf("hosted zone %s unknown: the plan's Route 53 blocks name it", x.t.DNS.HostedZone.Name)
	}
	spec := desiredRegionSwitch(x.t, x.w.Account, role, approver, zone)
	have, err := findRegionSwitch(ctx, x.c, x.t)
	if err != nil {
		return err
	}
	cl := x.c.ARC()
	if have != nil && len(spec.immutable(have)) > 0 {
		if _, err := cl.DeletePlan(ctx, &arc.DeletePlanInput{Arn: have.Arn}); err != nil {
			return fmt.Errorf("replace Region switch plan %s: delete: %w", spec.Name, err)
		}
		have = nil
	}
	if have == nil {
		tags := map[string]string{}
		for _, kv := range sortedTags(x.t) {
			tags[kv[0]] = kv[1]
		}
		_, err := cl.CreatePlan(ctx, &arc.CreatePlanInput{Name: aws.String(spec.Name), Regions: spec.Regions, PrimaryRegion: aws.String(spec.Primary),
			RecoveryApproach: arctypes.RecoveryApproachActivePassive, ExecutionRole: aws.String(spec.Role),
			Description: aws.String("globaldb stack " + x.t.Name + ": moves the Aurora global writer"),
			Workflows:   spec.Workflows, Triggers: spec.Triggers, AssociatedAlarms: spec.Alarms, Tags: tags})
		if err != nil {
			return fmt.Errorf("create Region switch plan %s: %w", spec.Name, err)
		}
		return nil
	}
	_, err = cl.UpdatePlan(ctx, &arc.UpdatePlanInput{Arn: have.Arn, ExecutionRole: aws.String(spec.Role),
		Description: aws.String("globaldb stack " + x.t.Name + ": moves the Aurora global writer"),
		Workflows:   spec.Workflows, Triggers: spec.Triggers, AssociatedAlarms: spec.Alarms})
	if err != nil {
		return fmt.Errorf("update Region switch plan %s: %w", spec.Name, err)
	}
	return nil
}

// RegionSwitchStatus is the stack's Region switch plan in status.
type RegionSwitchStatus struct {
	Name string `json:"name"`
	ARN  string `json:"arn,omitempty"`
	// State is "present" or "absent" ("unknown" with Error).
	State         string           `json:"state"`
	LastExecution *ExecutionStatus `json:"last_execution,omitempty"`
	// Evaluation is Region switch's evaluation of the plan against the
	// resources it names (passed, actionRequired, pendingEvaluation,
	// unknown), with its warnings.
	Evaluation string   `json:"evaluation,omitempty"`
	Warnings   []string `json:"warnings,omitempty"`
	// HealthChecks are the Route 53 health checks the plan manages (its
	// Route53HealthCheck blocks), which the writer record follows.
	HealthChecks []PlanHealthCheck `json:"health_checks,omitempty"`
	Error        string            `json:"error,omitempty"`
}

// PlanHealthCheck is a Route 53 health check the plan manages.
type PlanHealthCheck struct {
	Region string `json:"region"`
	Record string `json:"record"`
	ID     string `json:"id"`
	// Status is healthy in the region the plan activated last (ARC's
	// Route53HealthCheckStatus: healthy, unhealthy, unknown).
	Status string `json:"status"`
}

// ExecutionStatus is one execution of the plan.
type ExecutionStatus struct {
	ID     string `json:"id"`
	State  string `json:"state"`
	Action string `json:"action"`
	Region string `json:"region"`
	Mode   string `json:"mode"`
	Start  string `json:"start,omitempty"`
}

// regionSwitchStatus reads the plan and its latest execution (from the
// data plane of the first region of the plan that answers). Nil when t
// has no automation and there is no plan.
func regionSwitchStatus(ctx context.Context, c *Clients, t *topology.Topology) *RegionSwitchStatus {
	n := Names{t.Name}
	st := &RegionSwitchStatus{Name: n.RegionSwitchPlan(), State: "absent"}
	p, err := findRegionSwitch(ctx, c, t)
	switch {
	case err != nil && t.Automation == nil:
		return nil
	case err != nil:
		st.State, st.Error = "unknown", err.Error()
		return st
	case p == nil && t.Automation == nil:
		return nil
	case p == nil:
		return st
	}
	st.State, st.ARN = "present", aws.ToString(p.Arn)
	if !hasRoute53Blocks(p) {
		// No health checks to list.
	} else if checks, err := listPlanChecks(ctx, c, t, p.Arn); err != nil {
		st.Error = err.Error()
	} else {
		for _, region := range sortedKeys(checks) {
			hc := checks[region]
			st.HealthChecks = append(st.HealthChecks, PlanHealthCheck{Region: region, Record: aws.ToString(hc.RecordName),
				ID: aws.ToString(hc.HealthCheckId), Status: string(hc.Status)})
		}
	}
	var errs []string
	for _, region := range p.Regions {
		out, err := c.ARCRegion(region).ListPlanExecutions(ctx, &arc.ListPlanExecutionsInput{PlanArn: p.Arn})
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", region, err))
			continue
		}
		var last *arctypes.AbbreviatedExecution
		for i := range out.Items {
			e := &out.Items[i]
			if last == nil || aws.ToTime(e.StartTime).After(aws.ToTime(last.StartTime)) {
				last = e
			}
		}
		if ev, err := c.ARCRegion(region).GetPlanEvaluationStatus(ctx, &arc.GetPlanEvaluationStatusInput{PlanArn: p.Arn}); err != nil {
			st.Error = strings.TrimPrefix(st.Error+"; evaluation: "+err.Error(), "; ")
		} else {
			st.Evaluation = string(ev.EvaluationState)
			for _, w := range ev.Warnings {
				st.Warnings = append(st.Warnings, aws.ToString(w.WarningMessage))
			}
		}
		if last != nil {
			st.LastExecution = &ExecutionStatus{ID: aws.ToString(last.ExecutionId), State: string(last.ExecutionState),
				Action: string(last.ExecutionAction), Region: aws.ToString(last.ExecutionRegion), Mode: string(last.Mode)}
			if last.StartTime != nil {
				st.LastExecution.Start = last.StartTime.UTC().Format(time.RFC3339)
			}
		}
		return st
	}
	st.Error = strings.TrimPrefix(st.Error+"; executions: "+strings.Join(errs, "; "), "; ")
	return st
}

// planArnFor finds the stack's plan for an execution: from the control
// plane, else (us-east-1 out) from the data plane of region, by name.
func planArnFor(ctx context.Context, c *Clients, t *topology.Topology, region string) (string, error) {
	p, err := findRegionSwitch(ctx, c, t)
	if err == nil && p != nil {
		return aws.ToString(p.Arn), nil
	}
	if isNotOurs(err) {
		return "", err
	}
	name := Names{t.Name}.RegionSwitchPlan()
	pg := arc.NewListPlansInRegionPaginator(c.ARCRegion(region), &arc.ListPlansInRegionInput{})
	for pg.HasMorePages() {
		page, perr := pg.NextPage(ctx)
		if perr != nil {
			return "", fmt.Errorf("find Region switch plan %s (control plane: %v): list plans in %s: %w", name, err, region, perr)
		}
		for _, ab := range page.Plans {
			if aws.ToString(ab.Name) == name {
				return aws.ToString(ab.Arn), nil
			}
		}
	}
	return "", fmt.Errorf("stack %s has no Region switch plan %s (add automation: to the topology and apply)", t.Name, name)
}

// executionEnded maps a finished execution state to nil (completed) or
// an error; ok is false while it runs.
func executionEnded(s arctypes.ExecutionState) (ok bool, err error) {
	switch s {
	case arctypes.ExecutionStateCompleted, arctypes.ExecutionStateCompletedWithExceptions, arctypes.ExecutionStateCompletedMonitoringApplicationHealth:
		return true, nil
	case arctypes.ExecutionStateFailed, arctypes.ExecutionStateCancelled, arctypes.ExecutionStatePlanExecutionTimedOut, arctypes.ExecutionStatePausedByFailedStep:
		return true, fmt.Errorf("the plan execution ended %s", s)
	}
	return false, nil
}

// runPlan starts the stack's Region switch plan activating rep.To
// (graceful for a switchover, ungraceful for a failover) from rep.To's
// data plane, and waits until the execution completes.
func (ex *exec) runPlan(ctx context.Context, o FailoverOptions, rep *FailoverReport, step *Step) error {
	arn, err := planArnFor(ctx, ex.c, ex.t, rep.To)
	if err != nil {
		return err
	}
	mode := arctypes.ExecutionModeGraceful
	if o.Mode == ModeFailover {
		mode = arctypes.ExecutionModeUngraceful
	}
	cl := ex.c.ARCRegion(rep.To)
	out, err := cl.StartPlanExecution(ctx, &arc.StartPlanExecutionInput{PlanArn: aws.String(arn), TargetRegion: aws.String(rep.To),
		Action: arctypes.ExecutionActionActivate, Mode: mode, Comment: aws.String(fmt.Sprintf("globaldb failover --via-plan --mode %s", o.Mode))})
	if err != nil {
		return fmt.Errorf("start Region switch plan %s: %w", arn, err)
	}
	id := aws.ToString(out.ExecutionId)
	rep.PlanExecution = id
	rep.phase("requested", fmt.Sprintf("plan execution %s (%s, activate %s) started", id, mode, rep.To))
	wctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var ended error
	err = ex.waitFor(wctx, step, "plan execution "+id+" completes", func(ctx context.Context) (bool, string, error) {
		got, err := cl.GetPlanExecution(ctx, &arc.GetPlanExecutionInput{PlanArn: aws.String(arn), ExecutionId: aws.String(id)})
		if err != nil {
			return false, "", err
		}
		done, e := executionEnded(got.ExecutionState)
		ended = e
		state := string(got.ExecutionState)
		if got.ExecutionState == arctypes.ExecutionStatePendingManualApproval {
			state += " (approve it: ApprovePlanExecutionStep, or the ARC console)"
		}
		return done, state, nil
	})
	if err != nil {
		if ctx.Err() == nil && wctx.Err() != nil {
			return fmt.Errorf("plan execution %s did not complete within %v; it goes on in ARC: %w", id, o.Timeout, err)
		}
		return err
	}
	if ended != nil {
		return fmt.Errorf("plan execution %s: %w", id, ended)
	}
	rep.phase("plan-completed", "plan execution "+id+" completed")
	return nil
}
