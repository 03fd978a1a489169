package orchestrator

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// alarmStatuses reads the stack's alarms in every region of the survey.
// With alarm checks, every alarm the topology wants is listed (absent
// ones too) and a region whose CloudWatch cannot be read (a region
// outage) is reported, not returned; without, only alarms found are
// listed.
func alarmStatuses(ctx context.Context, c *Clients, sv *surveyed) []AlarmStatus {
	t := sv.t
	n := Names{t.Name}
	want := map[string]alarmSpec{}
	for _, s := range desiredAlarms(t) {
		want[alarmKey(s.Region, s.Kind)] = s
	}
	type result struct {
		alarms map[AlarmKind]*cwtypes.MetricAlarm
		err    error
	}
	results := make([]result, len(sv.order))
	done := make(chan struct{})
	for i, r := range sv.order {
		go func() {
			defer func() { done <- struct{}{} }()
			a, err := describeStackAlarms(ctx, c, t, r)
			results[i] = result{a, err}
		}()
	}
	for range sv.order {
		<-done
	}
	var out []AlarmStatus
	for i, region := range sv.order {
		res := results[i]
		if res.err != nil && !usesAlarms(t) {
			continue
		}
		for _, kind := range alarmKinds {
			spec, wanted := want[alarmKey(region, kind)]
			a := res.alarms[kind]
			if !wanted && a == nil {
				continue
			}
			st := AlarmStatus{Region: region, Kind: string(kind), Name: n.Alarm(region, kind), State: "absent"}
			if wanted {
				st.Metric = spec.metric()
			}
			switch {
			case res.err != nil:
				st.State, st.Error = "unknown", res.err.Error()
			case a != nil:
				st.State, st.Reason = string(a.StateValue), aws.ToString(a.StateReason)
				st.Metric = metricString(aws.ToString(a.Namespace), aws.ToString(a.MetricName), a.Dimensions)
				if ts := a.StateUpdatedTimestamp; ts != nil {
					st.Since = ts.UTC().Format(time.RFC3339)
				}
				if a.StateValue == cwtypes.StateValueAlarm && kind == WriterAlarm && sv.roleOf(region) == "secondary" {
					st.Note = "expected: a secondary has no writer until it is promoted"
				}
			}
			out = append(out, st)
		}
	}
	return out
}
