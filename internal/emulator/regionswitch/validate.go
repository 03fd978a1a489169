package regionswitch

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

// Patterns of the botocore model (arc-region-switch 2022-07-26).
var (
	planNameRE   = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$`)
	planARNRE    = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:arc-region-switch::[0-9]{12}:plan/([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?):([a-z0-9]{6})$`)
	regionRE     = regexp.MustCompile(`^[a-z]{2}-[a-z-]+-\d+$`)
	roleARNRE    = regexp.MustCompile(`^arn:aws[a-zA-Z0-9-]*:iam::[0-9]{12}:role/.+$`)
	auroraARNRE  = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:rds:([a-z0-9-]+):\d{12}:cluster:[A-Za-z][0-9A-Za-z-:._]*$`)
	globalIDRE   = regexp.MustCompile(`^[A-Za-z][0-9A-Za-z-:._]*$`)
	recoveryIDRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+/[0-9a-fA-F]{16}$`)
)

// supportedBlocks are the execution block types the emulator runs.
var supportedBlocks = []types.ExecutionBlockType{
	types.ExecutionBlockTypeAurora, types.ExecutionBlockTypeExecutionApproval,
	types.ExecutionBlockTypeParallel, types.ExecutionBlockTypeRegionSwitch,
	types.ExecutionBlockTypeRoute53HealthCheck,
}

func invalid(format string, args ...any) error { return errorf(errValidation, format, args...) }

func illegalArg(format string, args ...any) error { return errorf(errIllegalArg, format, args...) }

// planSpec is what CreatePlan and UpdatePlan share.
type planSpec struct {
	description   *string
	workflows     []types.Workflow
	executionRole *string
	rto           *int32
	alarms        map[string]types.AssociatedAlarm
	triggers      []types.Trigger
	report        *types.ReportConfiguration
}

// checkName validates a plan name.
func checkName(name *string) error {
	if name == nil {
		return invalid("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	}
	if !planNameRE.MatchString(*name) || len(*name) > 32 {
		return invalid("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?", *name)
	}
	return nil
}

// checkRegions validates a plan's Regions, approach and primary Region.
func checkRegions(regions []string, approach types.RecoveryApproach, primary *string) error {
	if len(regions) != 2 {
		return invalid("1 validation error detected: Value at 'regions' failed to satisfy constraint: Member must have length equal to 2")
	}
	for _, r := range regions {
		if !regionRE.MatchString(r) {
			return invalid("1 validation error detected: Value '%s' at 'regions' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]{2}-[a-z-]+-\\d+", r)
		}
	}
	if regions[0] == regions[1] {
		return illegalArg("A plan's two Regions must differ; both are %s.", regions[0])
	}
	if !slices.Contains(types.RecoveryApproach("").Values(), approach) {
		return invalid("1 validation error detected: Value '%s' at 'recoveryApproach' failed to satisfy constraint: Member must satisfy enum value set: [activeActive, activePassive]", approach)
	}
	if primary != nil && !slices.Contains(regions, *primary) {
		return illegalArg("Primary Region %s is not one of the plan's Regions (%s).", *primary, strings.Join(regions, ", "))
	}
	if approach == types.RecoveryApproachActivePassive && primary == nil {
		return illegalArg("An activePassive plan needs a primaryRegion.")
	}
	return nil
}

// buildSpec validates the shared members and converts the workflows.
func (s *Service) buildSpec(sp planSpec, regions []string, approach types.RecoveryApproach, self string) ([]Workflow, []S3Report, error) {
	if sp.executionRole == nil || !roleARNRE.MatchString(*sp.executionRole) {
		return nil, nil, invalid("1 validation error detected: Value '%s' at 'executionRole' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws[a-zA-Z0-9-]*:iam::[0-9]{12}:role/.+", deref(sp.executionRole))
	}
	if sp.rto != nil && (*sp.rto < 1 || *sp.rto > 10080) {
		return nil, nil, invalid("1 validation error detected: Value '%d' at 'recoveryTimeObjectiveMinutes' failed to satisfy constraint: Member must have value between 1 and 10080", *sp.rto)
	}
	if sp.workflows == nil {
		return nil, nil, invalid("1 validation error detected: Value null at 'workflows' failed to satisfy constraint: Member must not be null")
	}
	if err := checkAlarms(sp.alarms, sp.triggers, regions); err != nil {
		return nil, nil, err
	}
	var wfs []Workflow
	seen := map[string]bool{}
	blocks, r53 := 0, 0
	for i, w := range sp.workflows {
		if !slices.Contains(types.WorkflowTargetAction("").Values(), w.WorkflowTargetAction) {
			return nil, nil, invalid("1 validation error detected: Value '%s' at 'workflows.%d.member.workflowTargetAction' failed to satisfy constraint: Member must satisfy enum value set: [activate, deactivate, postRecovery]", w.WorkflowTargetAction, i+1)
		}
		region := deref(w.WorkflowTargetRegion)
		if region != "" && !slices.Contains(regions, region) {
			return nil, nil, illegalArg("Workflow %d targets Region %s, which is not one of the plan's Regions (%s).", i+1, region, strings.Join(regions, ", "))
		}
		key := string(w.WorkflowTargetAction) + "/" + region
		if seen[key] {
			return nil, nil, illegalArg("The plan has two %s workflows for %s.", w.WorkflowTargetAction, orAll(region))
		}
		seen[key] = true
		names := map[string]bool{}
		steps, err := s.buildSteps(w.Steps, regions, approach, self, names, &blocks, &r53, false)
		if err != nil {
			return nil, nil, err
		}
		wfs = append(wfs, Workflow{Action: w.WorkflowTargetAction, Region: region, Description: deref(w.WorkflowDescription), Steps: steps})
	}
	if blocks > 100 {
		return nil, nil, illegalArg("A plan can have at most 100 execution blocks; this one has %d.", blocks)
	}
	if r53 > 25 {
		return nil, nil, illegalArg("A plan can have at most 25 Route53HealthCheck execution blocks; this one has %d.", r53)
	}
	reports, err := buildReports(sp.report)
	if err != nil {
		return nil, nil, err
	}
	return wfs, reports, nil
}

func orAll(region string) string {
	if region == "" {
		return "all Regions"
	}
	return region
}

// buildSteps validates and converts a list of steps.
func (s *Service) buildSteps(in []types.Step, regions []string, approach types.RecoveryApproach, self string, names map[string]bool, blocks, r53 *int, inParallel bool) ([]Step, error) {
	var out []Step
	for _, st := range in {
		name := deref(st.Name)
		if name == "" {
			return nil, invalid("1 validation error detected: Value null at 'step.name' failed to satisfy constraint: Member must not be null")
		}
		if names[name] {
			return nil, illegalArg("Step names must be unique in a workflow; %s is used twice.", name)
		}
		names[name] = true
		*blocks++
		step := Step{Name: name, Description: deref(st.Description), Type: st.ExecutionBlockType}
		if err := s.buildBlock(&step, st.ExecutionBlockConfiguration, regions, approach, self, names, blocks, r53, inParallel); err != nil {
			return nil, err
		}
		out = append(out, step)
	}
	return out, nil
}

// buildBlock fills step's configuration from the union member, which must
// match the block type.
func (s *Service) buildBlock(step *Step, cfg types.ExecutionBlockConfiguration, regions []string, approach types.RecoveryApproach, self string, names map[string]bool, blocks, r53 *int, inParallel bool) error {
	if !slices.Contains(supportedBlocks, step.Type) {
		if !slices.Contains(types.ExecutionBlockType("").Values(), step.Type) {
			return invalid("1 validation error detected: Value '%s' at 'executionBlockType' of step %s failed to satisfy constraint: Member must satisfy enum value set: %v", step.Type, step.Name, types.ExecutionBlockType("").Values())
		}
		return illegalArg("Step %s uses execution block type %s, which the globaldb emulator does not support; supported block types: %v.", step.Name, step.Type, supportedBlocks)
	}
	mismatch := func() error {
		return illegalArg("Step %s has executionBlockType %s but its executionBlockConfiguration is %s.", step.Name, step.Type, memberName(cfg))
	}
	switch step.Type {
	case types.ExecutionBlockTypeAurora:
		m, ok := cfg.(*types.ExecutionBlockConfigurationMemberGlobalAuroraConfig)
		if !ok {
			return mismatch()
		}
		if err := checkAurora(step.Name, &m.Value, regions); err != nil {
			return err
		}
		step.Aurora = &m.Value
	case types.ExecutionBlockTypeExecutionApproval:
		m, ok := cfg.(*types.ExecutionBlockConfigurationMemberExecutionApprovalConfig)
		if !ok {
			return mismatch()
		}
		if m.Value.ApprovalRole == nil || !roleARNRE.MatchString(*m.Value.ApprovalRole) {
			return invalid("1 validation error detected: Value '%s' at 'approvalRole' of step %s failed to satisfy constraint: Member must be an IAM role ARN", deref(m.Value.ApprovalRole), step.Name)
		}
		if err := checkTimeout(step.Name, m.Value.TimeoutMinutes); err != nil {
			return err
		}
		step.Approval = &m.Value
	case types.ExecutionBlockTypeParallel:
		m, ok := cfg.(*types.ExecutionBlockConfigurationMemberParallelConfig)
		if !ok {
			return mismatch()
		}
		if inParallel {
			return illegalArg("Parallel step %s cannot be nested in another Parallel step.", step.Name)
		}
		if len(m.Value.Steps) == 0 || len(m.Value.Steps) > 20 {
			return illegalArg("Parallel step %s must hold between 1 and 20 steps; it has %d.", step.Name, len(m.Value.Steps))
		}
		sub, err := s.buildSteps(m.Value.Steps, regions, approach, self, names, blocks, r53, true)
		if err != nil {
			return err
		}
		step.Parallel = sub
	case types.ExecutionBlockTypeRegionSwitch:
		m, ok := cfg.(*types.ExecutionBlockConfigurationMemberRegionSwitchPlanConfig)
		if !ok {
			return mismatch()
		}
		if err := s.checkChild(step.Name, deref(m.Value.Arn), regions, approach, self); err != nil {
			return err
		}
		step.ChildPlan = &m.Value
	case types.ExecutionBlockTypeRoute53HealthCheck:
		m, ok := cfg.(*types.ExecutionBlockConfigurationMemberRoute53HealthCheckConfig)
		if !ok {
			return mismatch()
		}
		if err := checkRoute53(step.Name, &m.Value, regions); err != nil {
			return err
		}
		*r53++
		step.Route53 = &m.Value
	}
	return nil
}

func memberName(cfg types.ExecutionBlockConfiguration) string {
	if cfg == nil {
		return "missing"
	}
	n := fmt.Sprintf("%T", cfg)
	n = strings.TrimPrefix(n, "*types.ExecutionBlockConfigurationMember")
	if n == "" {
		return "unknown"
	}
	return strings.ToLower(n[:1]) + n[1:]
}

func checkTimeout(step string, t *int32) error {
	if t != nil && *t < 1 {
		return invalid("1 validation error detected: Value '%d' at 'timeoutMinutes' of step %s failed to satisfy constraint: Member must have value greater than or equal to 1", *t, step)
	}
	return nil
}

func checkAurora(step string, c *types.GlobalAuroraConfiguration, regions []string) error {
	if !slices.Contains(types.GlobalAuroraDefaultBehavior("").Values(), c.Behavior) {
		return invalid("1 validation error detected: Value '%s' at 'behavior' of step %s failed to satisfy constraint: Member must satisfy enum value set: [switchoverOnly, failover]", c.Behavior, step)
	}
	if c.GlobalClusterIdentifier == nil || !globalIDRE.MatchString(*c.GlobalClusterIdentifier) || len(*c.GlobalClusterIdentifier) > 255 {
		return invalid("1 validation error detected: Value '%s' at 'globalClusterIdentifier' of step %s failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z][0-9A-Za-z-:._]*", deref(c.GlobalClusterIdentifier), step)
	}
	if c.DatabaseClusterArns == nil {
		return invalid("1 validation error detected: Value null at 'databaseClusterArns' of step %s failed to satisfy constraint: Member must not be null", step)
	}
	covered := map[string]bool{}
	for _, a := range c.DatabaseClusterArns {
		m := auroraARNRE.FindStringSubmatch(a)
		if m == nil {
			return invalid("1 validation error detected: Value '%s' at 'databaseClusterArns' of step %s failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws[a-zA-Z-]*:rds:[a-z0-9-]+:\\d{12}:cluster:[A-Za-z][0-9A-Za-z-:._]*", a, step)
		}
		covered[m[1]] = true
	}
	for _, r := range regions {
		if !covered[r] {
			return illegalArg("Step %s lists no Aurora cluster in %s; databaseClusterArns needs the global database's cluster in each Region of the plan.", step, r)
		}
	}
	if c.Ungraceful != nil && c.Ungraceful.Ungraceful != types.GlobalAuroraUngracefulBehaviorFailover {
		return invalid("1 validation error detected: Value '%s' at 'ungraceful.ungraceful' of step %s failed to satisfy constraint: Member must satisfy enum value set: [failover]", c.Ungraceful.Ungraceful, step)
	}
	return checkTimeout(step, c.TimeoutMinutes)
}

func checkRoute53(step string, c *types.Route53HealthCheckConfiguration, regions []string) error {
	if n := len(deref(c.HostedZoneId)); n < 1 || n > 32 {
		return invalid("1 validation error detected: Value '%s' at 'hostedZoneId' of step %s failed to satisfy constraint: Member must have length between 1 and 32", deref(c.HostedZoneId), step)
	}
	if n := len(deref(c.RecordName)); n < 1 || n > 1024 {
		return invalid("1 validation error detected: Value at 'recordName' of step %s failed to satisfy constraint: Member must have length between 1 and 1024", step)
	}
	for _, rs := range c.RecordSets {
		if r := deref(rs.Region); r != "" && !slices.Contains(regions, r) {
			return illegalArg("Step %s maps record set %s to Region %s, which is not one of the plan's Regions.", step, deref(rs.RecordSetIdentifier), r)
		}
	}
	return checkTimeout(step, c.TimeoutMinutes)
}

// checkChild validates an ARCRegionSwitchPlan block's child plan; callers
// hold s.mu.
func (s *Service) checkChild(step, arn string, regions []string, approach types.RecoveryApproach, self string) error {
	if !planARNRE.MatchString(arn) {
		return invalid("1 validation error detected: Value '%s' at 'arn' of step %s failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws[a-zA-Z-]*:arc-region-switch::[0-9]{12}:plan/...", arn, step)
	}
	if arn == self {
		return illegalArg("Step %s names the plan itself as its child plan.", step)
	}
	child := s.st.Plans[arn]
	if child == nil {
		return errorf(errNotFound, "Child plan %s of step %s not found.", arn, step)
	}
	if child.RecoveryApproach != approach || !sameSet(child.Regions, regions) {
		return illegalArg("Child plan %s of step %s must use the same Regions and recovery approach as its parent.", arn, step)
	}
	if hasBlock(child.Workflows, types.ExecutionBlockTypeRegionSwitch) {
		return illegalArg("Child plan %s of step %s has child plans itself; Region switch allows one level of nesting.", arn, step)
	}
	return nil
}

func sameSet(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(x string) bool { return !slices.Contains(b, x) })
}

func hasBlock(wfs []Workflow, t types.ExecutionBlockType) bool {
	var in func([]Step) bool
	in = func(steps []Step) bool {
		for _, st := range steps {
			if st.Type == t || in(st.Parallel) {
				return true
			}
		}
		return false
	}
	for _, w := range wfs {
		if in(w.Steps) {
			return true
		}
	}
	return false
}

func checkAlarms(alarms map[string]types.AssociatedAlarm, triggers []types.Trigger, regions []string) error {
	for name, a := range alarms {
		if !slices.Contains(types.AlarmType("").Values(), a.AlarmType) {
			return invalid("1 validation error detected: Value '%s' at 'associatedAlarms.%s.member.alarmType' failed to satisfy constraint: Member must satisfy enum value set: [applicationHealth, trigger]", a.AlarmType, name)
		}
		if deref(a.ResourceIdentifier) == "" {
			return invalid("1 validation error detected: Value null at 'associatedAlarms.%s.member.resourceIdentifier' failed to satisfy constraint: Member must not be null", name)
		}
		if _, _, ok := parseAlarmARN(*a.ResourceIdentifier); !ok {
			return illegalArg("Associated alarm %s: %s is not a CloudWatch alarm ARN.", name, *a.ResourceIdentifier)
		}
	}
	for i, t := range triggers {
		if !slices.Contains(regions, deref(t.TargetRegion)) {
			return illegalArg("Trigger %d targets Region %s, which is not one of the plan's Regions.", i+1, deref(t.TargetRegion))
		}
		if t.Action != types.WorkflowTargetActionActivate && t.Action != types.WorkflowTargetActionDeactivate {
			return illegalArg("Trigger %d: action must be activate or deactivate, not %q.", i+1, t.Action)
		}
		if t.MinDelayMinutesBetweenExecutions == nil {
			return invalid("1 validation error detected: Value null at 'triggers.%d.member.minDelayMinutesBetweenExecutions' failed to satisfy constraint: Member must not be null", i+1)
		}
		if *t.MinDelayMinutesBetweenExecutions < 0 {
			return illegalArg("Trigger %d: minDelayMinutesBetweenExecutions must not be negative.", i+1)
		}
		if len(t.Conditions) < 1 || len(t.Conditions) > 10 {
			return invalid("1 validation error detected: Value at 'triggers.%d.member.conditions' failed to satisfy constraint: Member must have length between 1 and 10", i+1)
		}
		for _, c := range t.Conditions {
			a, ok := alarms[deref(c.AssociatedAlarmName)]
			if !ok {
				return illegalArg("Trigger %d: condition names alarm %s, which is not in associatedAlarms.", i+1, deref(c.AssociatedAlarmName))
			}
			if a.AlarmType != types.AlarmTypeTrigger {
				return illegalArg("Trigger %d: alarm %s is of type %s; trigger conditions need alarms of type trigger.", i+1, deref(c.AssociatedAlarmName), a.AlarmType)
			}
			if c.Condition != types.AlarmConditionRed && c.Condition != types.AlarmConditionGreen {
				return invalid("1 validation error detected: Value '%s' at 'condition' failed to satisfy constraint: Member must satisfy enum value set: [red, green]", c.Condition)
			}
		}
	}
	return nil
}

// parseAlarmARN splits arn:aws:cloudwatch:<region>:<account>:alarm:<name>.
func parseAlarmARN(arn string) (region, name string, ok bool) {
	p := strings.SplitN(arn, ":", 7)
	if len(p) != 7 || p[0] != "arn" || p[2] != "cloudwatch" || p[5] != "alarm" || p[3] == "" || p[6] == "" {
		return "", "", false
	}
	return p[3], p[6], true
}

func buildReports(rc *types.ReportConfiguration) ([]S3Report, error) {
	if rc == nil {
		return nil, nil
	}
	var out []S3Report
	for _, o := range rc.ReportOutput {
		m, ok := o.(*types.ReportOutputConfigurationMemberS3Configuration)
		if !ok {
			return nil, illegalArg("reportConfiguration: only s3Configuration outputs are supported.")
		}
		out = append(out, S3Report{BucketPath: deref(m.Value.BucketPath), BucketOwner: deref(m.Value.BucketOwner)})
	}
	return out, nil
}
