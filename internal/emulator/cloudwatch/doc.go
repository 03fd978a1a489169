// Package cloudwatch is the emulated Amazon CloudWatch service model:
// metrics, metric and composite alarms and their evaluation. It never
// sees HTTP; the wire codecs (Query, AWS JSON 1.0, Smithy RPC v2 CBOR)
// decode requests into the aws-sdk-go-v2 input structs its methods take.
//
// Operations (per account and region):
//
//	PutMetricData, ListMetrics, GetMetricStatistics, GetMetricData   metrics.go, stats.go
//	PutMetricAlarm, SetAlarmState, DeleteAlarms,
//	EnableAlarmActions, DisableAlarmActions                          alarms.go
//	DescribeAlarms, DescribeAlarmsForMetric                          describe.go
//	PutCompositeAlarm (AlarmRule: rule.go)                           composite.go
//	DescribeAlarmHistory                                             history.go
//	TagResource, UntagResource, ListTagsForResource                  tags.go
//
// The evaluator (Run, run.go) ticks; each alarm's decision is the pure
// function evaluate (evaluate.go): configuration, evaluation-range
// datapoints, now and the previous state in, new state and reason out.
//
// Time: datapoint timestamps are wall-clock. An alarm's Period is
// emulated time: one evaluation bucket spans Period×scale of real time and
// an alarm is evaluated every min(Period, 60 s)×scale. GetMetricStatistics
// and GetMetricData aggregate over the Period asked for, unscaled.
//
// Deviations from AWS (docs/emulator.md): metric datapoints live in memory
// for 3 hours (Store persists alarms: configuration, state, tags and
// history); metric math expressions and anomaly-detection operators are
// refused; extended statistics are percentiles (pNN) only; alarm actions
// are recorded in the history, never executed (no SNS, Auto Scaling, EC2
// or Systems Manager); a composite's ActionsSuppressor is stored, not
// applied.
package cloudwatch
