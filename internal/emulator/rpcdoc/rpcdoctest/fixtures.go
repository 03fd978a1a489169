package rpcdoctest

import "time"

// Fixed instants of the CloudWatch fixtures: one with a millisecond
// fraction, one on a whole second.
var (
	T0 = time.Date(2026, 12, 5, 10, 1, 0, 0, time.UTC)
	T1 = time.Date(2026, 12, 5, 10, 2, 30, 250_000_000, time.UTC)
)

// GetMetricDataOutput is a CloudWatch GetMetricData output document with
// timestamps (whole and fractional seconds) and a non-finite value.
func GetMetricDataOutput() map[string]any {
	return map[string]any{
		"MetricDataResults": []any{
			map[string]any{
				"Id": "lag", "Label": "AuroraGlobalDBReplicationLag",
				"Timestamps": []any{T1, T0},
				"Values":     []any{95.5, int64(3)},
				"StatusCode": "Complete",
			},
			map[string]any{
				"Id": "empty", "Label": "none", "Timestamps": []any{}, "Values": []any{}, "StatusCode": "PartialData",
				"Messages": []any{map[string]any{"Code": "MaxDatapointsExceeded", "Value": "some"}},
			},
		},
		"Messages": []any{},
	}
}

// DescribeAlarmsOutput is a CloudWatch DescribeAlarms output document
// with nested lists (actions, dimensions, metric queries) and a composite
// alarm.
func DescribeAlarmsOutput() map[string]any {
	dims := []any{
		map[string]any{"Name": "DBClusterIdentifier", "Value": "orders-apse2"},
		map[string]any{"Name": "SourceRegion", "Value": "ap-southeast-1"},
	}
	return map[string]any{
		"MetricAlarms": []any{
			map[string]any{
				"AlarmName": "orders-lag", "AlarmArn": "arn:aws:cloudwatch:ap-southeast-2:000000000000:alarm:orders-lag",
				"AlarmDescription":                   `lag > 5 s & "rising"`,
				"AlarmConfigurationUpdatedTimestamp": T0, "ActionsEnabled": true,
				"OKActions": []any{}, "AlarmActions": []any{"arn:aws:sns:ap-southeast-2:000000000000:pager"},
				"StateValue": "ALARM", "StateReason": "Threshold Crossed: 1 out of the last 1 datapoints",
				"StateReasonData": `{"version":"1.0"}`, "StateUpdatedTimestamp": T1,
				"MetricName": "AuroraGlobalDBReplicationLag", "Namespace": "AWS/RDS", "Statistic": "Average",
				"Dimensions": dims, "Period": int64(60), "Unit": "Milliseconds", "EvaluationPeriods": int64(3),
				"DatapointsToAlarm": int64(2), "Threshold": 5000.0, "ComparisonOperator": "GreaterThanThreshold",
				"TreatMissingData": "breaching", "StateTransitionedTimestamp": T1,
			},
			map[string]any{
				"AlarmName": "orders-math", "StateValue": "OK", "EvaluationPeriods": int64(1), "Threshold": 1.0,
				"ComparisonOperator": "LessThanThreshold", "ThresholdMetricId": "e1",
				"Metrics": []any{
					map[string]any{"Id": "e1", "Expression": "m1 * 2", "ReturnData": true},
					map[string]any{"Id": "m1", "ReturnData": false, "MetricStat": map[string]any{
						"Metric": map[string]any{"Namespace": "globaldb/canary", "MetricName": "Healthy", "Dimensions": dims[:1]},
						"Period": int64(60), "Stat": "Minimum",
					}},
				},
			},
		},
		"CompositeAlarms": []any{
			map[string]any{
				"AlarmName": "orders-any", "AlarmRule": `ALARM("orders-lag") OR ALARM(orders-math)`,
				"StateValue": "INSUFFICIENT_DATA", "ActionsEnabled": false, "StateUpdatedTimestamp": T0,
			},
		},
	}
}
