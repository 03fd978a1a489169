package cloudwatch

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// addHistory appends an entry to the alarm's region's history. Called
// with s.mu held.
func (s *Service) addHistory(a *Alarm, typ types.HistoryItemType, summary string, data any, at time.Time) {
	b, _ := json.Marshal(data)
	h := append(s.st.History[a.Region], types.AlarmHistoryItem{
		AlarmName: aws.String(a.name()), AlarmType: a.kind(), Timestamp: aws.Time(at),
		HistoryItemType: typ, HistorySummary: aws.String(summary), HistoryData: aws.String(string(b)),
	})
	if len(h) > maxHistory {
		h = slices.Delete(h, 0, len(h)-maxHistory)
	}
	s.st.History[a.Region] = h
}

// configData is the HistoryData of a ConfigurationUpdate entry:
// {"version":"1.0","type":"Create","createdAlarm":{…}} and the Update and
// Delete forms.
func configData(kind string, now, before *Alarm) any {
	d := map[string]any{"version": "1.0", "type": kind}
	switch kind {
	case "Create":
		d["createdAlarm"] = alarmDoc(now)
	case "Update":
		d["updatedAlarm"] = alarmDoc(now)
		d["originalAlarm"] = alarmDoc(before)
	case "Delete":
		d["deletedAlarm"] = alarmDoc(before)
	}
	return d
}

// alarmDoc is an alarm's configuration in the camelCase form of AWS's
// HistoryData.
func alarmDoc(a *Alarm) map[string]any {
	d := map[string]any{"alarmName": a.name(), "alarmArn": a.arn()}
	put := func(k string, v any, ok bool) {
		if ok {
			d[k] = v
		}
	}
	if m := a.Metric; m != nil {
		put("alarmDescription", aws.ToString(m.AlarmDescription), m.AlarmDescription != nil)
		put("namespace", aws.ToString(m.Namespace), m.Namespace != nil)
		put("metricName", aws.ToString(m.MetricName), m.MetricName != nil)
		dims := []map[string]string{}
		for _, x := range m.Dimensions {
			dims = append(dims, map[string]string{"name": aws.ToString(x.Name), "value": aws.ToString(x.Value)})
		}
		d["dimensions"] = dims
		put("statistic", string(m.Statistic), m.Statistic != "")
		put("extendedStatistic", aws.ToString(m.ExtendedStatistic), m.ExtendedStatistic != nil)
		put("period", aws.ToInt32(m.Period), m.Period != nil)
		put("unit", string(m.Unit), m.Unit != "")
		d["evaluationPeriods"] = aws.ToInt32(m.EvaluationPeriods)
		put("datapointsToAlarm", aws.ToInt32(m.DatapointsToAlarm), m.DatapointsToAlarm != nil)
		d["threshold"] = aws.ToFloat64(m.Threshold)
		d["comparisonOperator"] = string(m.ComparisonOperator)
		put("treatMissingData", aws.ToString(m.TreatMissingData), m.TreatMissingData != nil)
		d["actionsEnabled"] = aws.ToBool(m.ActionsEnabled)
		d["alarmActions"], d["okActions"], d["insufficientDataActions"] = m.AlarmActions, m.OKActions, m.InsufficientDataActions
		return d
	}
	c := a.Composite
	put("alarmDescription", aws.ToString(c.AlarmDescription), c.AlarmDescription != nil)
	d["alarmRule"] = aws.ToString(c.AlarmRule)
	d["actionsEnabled"] = aws.ToBool(c.ActionsEnabled)
	d["alarmActions"], d["okActions"], d["insufficientDataActions"] = c.AlarmActions, c.OKActions, c.InsufficientDataActions
	return d
}

type stateDoc struct {
	StateValue      types.StateValue `json:"stateValue"`
	StateReason     string           `json:"stateReason"`
	StateReasonData json.RawMessage  `json:"stateReasonData,omitempty"`
}

// stateUpdateData is the HistoryData of a StateUpdate entry.
func stateUpdateData(oldV types.StateValue, oldReason, oldData string, newV types.StateValue, reason, data string) any {
	raw := func(s string) json.RawMessage {
		if s == "" || !json.Valid([]byte(s)) {
			return nil
		}
		return json.RawMessage(s)
	}
	return struct {
		Version  string   `json:"version"`
		OldState stateDoc `json:"oldState"`
		NewState stateDoc `json:"newState"`
	}{"1.0", stateDoc{oldV, oldReason, raw(oldData)}, stateDoc{newV, reason, raw(data)}}
}

// DescribeAlarmHistory returns history entries, newest first unless
// ScanBy says otherwise, filtered by alarm, types, item type and dates.
// Without AlarmTypes only metric alarms' entries are returned, as on AWS.
func (s *Service) DescribeAlarmHistory(_ context.Context, region string, in *cloudwatch.DescribeAlarmHistoryInput) (*cloudwatch.DescribeAlarmHistoryOutput, error) {
	if m := in.MaxRecords; m != nil && (*m < 1 || *m > 100) {
		return nil, invalidf("The parameter MaxRecords must be between 1 and 100.")
	}
	if in.ScanBy != "" && in.ScanBy != types.ScanByTimestampAscending && in.ScanBy != types.ScanByTimestampDescending {
		return nil, invalidf("The value %s for parameter ScanBy is invalid.", in.ScanBy)
	}
	if in.HistoryItemType != "" && !slices.Contains(types.HistoryItemType("").Values(), in.HistoryItemType) {
		return nil, invalidf("The value %s for parameter HistoryItemType is invalid.", in.HistoryItemType)
	}
	limit := int(aws.ToInt32(in.MaxRecords))
	if limit == 0 {
		limit = 100
	}
	offset := 0
	if tok := aws.ToString(in.NextToken); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 {
			return nil, awserr.New(codeInvalidNextToken, "The service couldn't process the NextToken.")
		}
		offset = n
	}
	kinds := in.AlarmTypes
	if len(kinds) == 0 {
		kinds = []types.AlarmType{types.AlarmTypeMetricAlarm}
	}
	s.mu.Lock()
	var items []types.AlarmHistoryItem
	for _, h := range s.st.History[region] {
		if (in.AlarmName != nil && aws.ToString(h.AlarmName) != *in.AlarmName) || !slices.Contains(kinds, h.AlarmType) ||
			(in.HistoryItemType != "" && h.HistoryItemType != in.HistoryItemType) ||
			(in.StartDate != nil && h.Timestamp.Before(*in.StartDate)) || (in.EndDate != nil && h.Timestamp.After(*in.EndDate)) {
			continue
		}
		items = append(items, h)
	}
	s.mu.Unlock()
	sort.SliceStable(items, func(i, j int) bool { return items[i].Timestamp.Before(*items[j].Timestamp) })
	if in.ScanBy != types.ScanByTimestampAscending {
		slices.Reverse(items)
	}
	out := &cloudwatch.DescribeAlarmHistoryOutput{AlarmHistoryItems: []types.AlarmHistoryItem{}}
	if offset > len(items) {
		offset = len(items)
	}
	end := min(offset+limit, len(items))
	out.AlarmHistoryItems = append(out.AlarmHistoryItems, items[offset:end]...)
	if end < len(items) {
		out.NextToken = aws.String(base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end))))
	}
	return out, nil
}
