package orchestrator

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/topology"
)

// usesAlarms reports whether t's health checks follow CloudWatch alarms.
func usesAlarms(t *topology.Topology) bool {
	return t.DNS != nil && t.DNS.HealthChecks != nil && t.DNS.HealthChecks.Type == topology.Alarm
}

// describeStackAlarms returns the stack's metric alarms in region, keyed
// by kind: the alarms whose names are the stack's (Names.Alarm) and that
// carry its tag. An alarm with one of the stack's names but without its
// tag is ErrNotOurs: globaldb never overwrites or deletes it.
func describeStackAlarms(ctx context.Context, c *Clients, t *topology.Topology, region string) (map[AlarmKind]*cwtypes.MetricAlarm, error) {
	n := Names{t.Name}
	cl := c.CloudWatch(region)
	out := map[AlarmKind]*cwtypes.MetricAlarm{}
	p := cloudwatch.NewDescribeAlarmsPaginator(cl, &cloudwatch.DescribeAlarmsInput{
		AlarmNamePrefix: aws.String(n.alarmPrefix(region)), AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe alarms in %s: %w", region, err)
		}
		for i := range page.MetricAlarms {
			a := page.MetricAlarms[i]
			_, kind, ok := n.alarmOf(aws.ToString(a.AlarmName), []string{region})
			if !ok {
				continue
			}
			tags, err := cl.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: a.AlarmArn})
			if err != nil {
				return nil, fmt.Errorf("tags of alarm %s in %s: %w", aws.ToString(a.AlarmName), region, err)
			}
			ours := false
			for _, tg := range tags.Tags {
				ours = ours || aws.ToString(tg.Key) == topology.StackTag && aws.ToString(tg.Value) == t.Name
			}
			if !ours {
				return nil, fmt.Errorf("CloudWatch alarm %s in %s %w=%s", aws.ToString(a.AlarmName), region, ErrNotOurs, t.Name)
			}
			out[kind] = &a
		}
	}
	return out, nil
}

// observeAlarms reads the stack's alarms in regions into w.Alarms. When
// t has no alarm checks, CloudWatch is read only to find alarms an
// earlier topology left (so that apply and destroy remove them): a
// region that cannot be read then counts as having none, and the reason
// is kept in w.AlarmsUnread.
func observeAlarms(ctx context.Context, c *Clients, t *topology.Topology, w *World, regions []string) error {
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := map[string]error{}
	for _, r := range regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := describeStackAlarms(ctx, c, t, r)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[r] = err
				return
			}
			for k, a := range got {
				w.Alarms[alarmKey(r, k)] = a
			}
		}()
	}
	wg.Wait()
	for _, r := range regions {
		err := errs[r]
		if err == nil {
			continue
		}
		if usesAlarms(t) || isNotOurs(err) {
			return err
		}
		if w.AlarmsUnread == nil {
			w.AlarmsUnread = map[string]error{}
		}
		w.AlarmsUnread[r] = err
	}
	return nil
}
