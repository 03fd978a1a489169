package orchestrator

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/topology"
)

func idAlarm(region string, kind AlarmKind) string {
	return "cloudwatch/alarm/" + region + "/" + string(kind)
}
func idAlarmsDelete(region string) string { return "cloudwatch/alarms/" + region }

// planAlarms plans the PutMetricAlarm of every alarm that is missing or
// differs from the topology. PutMetricAlarm is an upsert: a step cut
// short is simply repeated.
func (pl *planner) planAlarms() {
	for _, s := range desiredAlarms(pl.t) {
		have := pl.w.Alarms[alarmKey(s.Region, s.Kind)]
		res := fmt.Sprintf("cloudwatch alarm %s (%s)", s.Name, s.Region)
		if have == nil {
			pl.p.add(&Step{ID: idAlarm(s.Region, s.Kind), Action: Create, Region: s.Region, Resource: res,
				Details: []string{s.metric(), s.condition()},
				run:     func(ctx context.Context, x *exec, _ *Step) error { return x.putAlarm(ctx, s, true) }})
			continue
		}
		if d := s.diff(*have); len(d) > 0 {
			pl.p.add(&Step{ID: idAlarm(s.Region, s.Kind), Action: Update, Region: s.Region, Resource: res, Details: d,
				run: func(ctx context.Context, x *exec, _ *Step) error { return x.putAlarm(ctx, s, false) }})
		}
	}
}

// planAlarmDeletes plans the removal of the stack's alarms the topology no
// longer wants (a region removed, alarm checks given up), once the
// records and health checks no longer use them.
func (pl *planner) planAlarmDeletes() {
	want := map[string]bool{}
	for _, s := range desiredAlarms(pl.t) {
		want[alarmKey(s.Region, s.Kind)] = true
	}
	byRegion := map[string][]string{}
	for _, key := range sortedKeys(pl.w.Alarms) {
		if !want[key] {
			region, _, _ := strings.Cut(key, "/")
			byRegion[region] = append(byRegion[region], aws.ToString(pl.w.Alarms[key].AlarmName))
		}
	}
	for _, region := range sortedKeys(byRegion) {
		pl.deleteAlarms(region, byRegion[region])
	}
}

// deleteAlarms plans one DeleteAlarms call for names in region, after
// the records, the health checks and the Region switch plan (which
// follow the alarms) are gone or changed.
func (pl *planner) deleteAlarms(region string, names []string) {
	var after []string
	for _, s := range pl.p.Steps {
		// The Region switch plan's triggers name alarms too.
		if s.ID == idRecords() || strings.HasPrefix(s.ID, "route53/health-check/") || s.ID == idRegionSwitch() {
			after = append(after, s.ID)
		}
	}
	pl.p.add(&Step{ID: idAlarmsDelete(region), Action: Delete, Region: region, After: after,
		Resource: fmt.Sprintf("cloudwatch alarms %s (%s)", strings.Join(names, ", "), region),
		run: func(ctx context.Context, x *exec, _ *Step) error {
			// DeleteAlarms ignores names that do not exist: a re-run after a
			// cut is a no-op.
			_, err := x.c.CloudWatch(region).DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: names})
			if err != nil {
				return fmt.Errorf("delete alarms in %s: %w", region, err)
			}
			return nil
		}})
}

func (x *exec) cwTags() []cwtypes.Tag {
	var out []cwtypes.Tag
	for _, kv := range sortedTags(x.t) {
		out = append(out, cwtypes.Tag{Key: aws.String(kv[0]), Value: aws.String(kv[1])})
	}
	return out
}

// putAlarm creates (with the stack's tags, in the same call, so that no
// alarm of ours is ever untagged) or overwrites the alarm.
func (x *exec) putAlarm(ctx context.Context, s alarmSpec, create bool) error {
	var tags []cwtypes.Tag
	if create {
		tags = x.cwTags()
	}
	if _, err := x.c.CloudWatch(s.Region).PutMetricAlarm(ctx, s.input(tags)); err != nil {
		return fmt.Errorf("put alarm %s in %s: %w", s.Name, s.Region, err)
	}
	return nil
}

// planAlarmCheck plans region's CLOUDWATCH_METRIC check of kind, which
// follows the region's health alarm. Route 53 keeps a snapshot of the
// alarm's configuration and evaluates that: whenever the alarm is put
// again (or the snapshot differs), the check is updated with the same
// AlarmIdentifier so that Route 53 refreshes it.
func (pl *planner) planAlarmCheck(region string, kind CheckKind, spec *topology.HealthChecks) {
	n := pl.n
	alarm, _ := alarmSpecOf(pl.t, region, checkAlarm(kind))
	insufficient := spec.Alarms.InsufficientData
	key := region + "/" + string(kind)
	have := pl.w.Checks[key]
	res := fmt.Sprintf("route53 health check %s", n.HealthCheckName(region, kind))
	alarmStep := pl.p.deps(idAlarm(region, alarm.Kind))
	if have == nil {
		pl.p.add(&Step{ID: idCheck(region, string(kind)), Action: Create, Region: region, After: alarmStep, Resource: res,
			Details: []string{fmt.Sprintf("CLOUDWATCH_METRIC following alarm %s in %s; insufficient data: %s", alarm.Name, region, insufficient)},
			run: func(ctx context.Context, x *exec, _ *Step) error {
				return x.createCheckWith(ctx, region, kind, alarmCheckConfig(alarm, insufficient))
			}})
		return
	}
	cfg := have.HealthCheckConfig
	if cfg == nil || cfg.Type != r53types.HealthCheckTypeCloudwatchMetric {
		typ := "unknown"
		if cfg != nil {
			typ = string(cfg.Type)
		}
		pl.p.Problems = append(pl.p.Problems, fmt.Sprintf("health check %s is %s; the topology wants CLOUDWATCH_METRIC (type: alarm): "+
			"Route 53 cannot change a check's type; destroy and apply the stack's DNS, or keep type: %s", n.HealthCheckName(region, kind), typ, typ))
		return
	}
	var details []string
	if a := cfg.AlarmIdentifier; a == nil || aws.ToString(a.Name) != alarm.Name || string(a.Region) != region {
		got := "none"
		if a != nil {
			got = string(a.Region) + "/" + aws.ToString(a.Name)
		}
		details = append(details, fmt.Sprintf("alarm: %s → %s/%s", got, region, alarm.Name))
	}
	if string(cfg.InsufficientDataHealthStatus) != insufficient {
		details = append(details, fmt.Sprintf("insufficient data: %s → %s", orDash(string(cfg.InsufficientDataHealthStatus)), insufficient))
	}
	switch {
	case len(alarmStep) > 0 && len(details) == 0:
		details = append(details, "refresh Route 53's copy of the alarm "+alarm.Name+" (the alarm changes)")
	case alarm.snapshotDiffers(have.CloudWatchAlarmConfiguration) && len(details) == 0:
		details = append(details, "refresh Route 53's copy of the alarm "+alarm.Name+" (it differs from the alarm)")
	}
	if len(details) == 0 {
		return
	}
	want := alarmCheckConfig(alarm, insufficient)
	in := &route53.UpdateHealthCheckInput{HealthCheckId: have.Id, HealthCheckVersion: have.HealthCheckVersion,
		AlarmIdentifier: want.AlarmIdentifier, InsufficientDataHealthStatus: want.InsufficientDataHealthStatus}
	pl.p.add(&Step{ID: idCheck(region, string(kind)), Action: Update, Region: region, After: alarmStep, Resource: res, Details: details,
		run: func(ctx context.Context, x *exec, _ *Step) error {
			_, err := x.c.Route53.UpdateHealthCheck(ctx, in)
			return err
		}})
}

// createCheckWith creates region's health check of kind with cfg and tags
// it. Its CallerReference marks it as the stack's even before the tags.
func (x *exec) createCheckWith(ctx context.Context, region string, kind CheckKind, cfg *r53types.HealthCheckConfig) error {
	out, err := x.c.Route53.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{
		CallerReference: aws.String(x.n.healthCheckRef(region, kind) + fmt.Sprint(time.Now().UnixNano())), HealthCheckConfig: cfg})
	if err != nil {
		return err
	}
	id := aws.ToString(out.HealthCheck.Id)
	x.mu.Lock()
	x.checks[region+"/"+string(kind)] = id
	x.mu.Unlock()
	return x.tagR53(ctx, r53types.TagResourceTypeHealthcheck, id, x.r53Tags(x.n.HealthCheckName(region, kind)))
}
