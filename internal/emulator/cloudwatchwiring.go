package emulator

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/cloudwatch"
	"github.com/globaldb/globaldb/internal/emulator/opadapter"
	"github.com/globaldb/globaldb/internal/emulator/query"
)

// cloudWatchOps is the operation table of the CloudWatch service.
func cloudWatchOps(m *cloudwatch.Service) *opadapter.Table {
	return &opadapter.Table{InputCode: awserr.InvalidParameterValue, Ops: map[string]opadapter.Func{
		"PutMetricData":           opadapter.Method(m.PutMetricData),
		"ListMetrics":             opadapter.Method(m.ListMetrics),
		"GetMetricStatistics":     opadapter.Method(m.GetMetricStatistics),
		"GetMetricData":           opadapter.Method(m.GetMetricData),
		"PutMetricAlarm":          opadapter.Method(m.PutMetricAlarm),
		"PutCompositeAlarm":       opadapter.Method(m.PutCompositeAlarm),
		"DescribeAlarms":          opadapter.Method(m.DescribeAlarms),
		"DescribeAlarmsForMetric": opadapter.Method(m.DescribeAlarmsForMetric),
		"DescribeAlarmHistory":    opadapter.Method(m.DescribeAlarmHistory),
		"SetAlarmState":           opadapter.Method(m.SetAlarmState),
		"DeleteAlarms":            opadapter.Method(m.DeleteAlarms),
		"EnableAlarmActions":      opadapter.Method(m.EnableAlarmActions),
		"DisableAlarmActions":     opadapter.Method(m.DisableAlarmActions),
		"TagResource":             opadapter.Method(m.TagResource),
		"UntagResource":           opadapter.Method(m.UntagResource),
		"ListTagsForResource":     opadapter.Method(m.ListTagsForResource),
	}}
}

// cloudWatchHandler serves decoded calls with the model's operations.
func cloudWatchHandler(m *cloudwatch.Service, model *awsmodel.Service) query.Handler {
	ops := cloudWatchOps(m)
	return query.HandlerFunc(func(ctx context.Context, call *query.Call) (map[string]any, error) {
		doc, err := ops.Call(ctx, call.Action, call.Region, call.Params)
		dropUnmodelled(model, call.Action, doc)
		return doc, err
	})
}

// startCloudWatch creates the CloudWatch model (alarms persisted in
// <data-dir>/cloudwatch.json), serves it as "monitoring" (the SigV4
// signing name) and runs its alarm evaluator until ctx ends. It needs the
// fault registry (a region in an outage publishes and evaluates nothing),
// so Start calls it once e.faults exists.
func (e *Emulator) startCloudWatch(ctx context.Context, clk clock.Scaled) error {
	m, err := cloudwatch.New(cloudwatch.Config{
		AccountID: e.cfg.AccountID, Clock: clk,
		Store:      cloudwatch.NewFileStore(filepath.Join(e.cfg.DataDir, "cloudwatch.json")),
		Logger:     e.log.With("service", "cloudwatch"),
		RegionDown: e.faults.RegionDown,
	})
	if err != nil {
		return fmt.Errorf("start cloudwatch model: %w", err)
	}
	model, err := awsmodel.Load("cloudwatch")
	if err != nil {
		return fmt.Errorf("load cloudwatch service model: %w", err)
	}
	e.cw = m
	h := cloudWatchHandler(m, model)
	// IAM names CloudWatch's actions cloudwatch:*, not by the signing
	// name monitoring.
	e.router.services["monitoring"] = queryService{codec: query.NewCodec(model).WithLogger(e.log), handler: e.authorizeQuery("cloudwatch", h)}
	e.done.Add(1)
	go func() {
		defer e.done.Done()
		if err := m.Run(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("cloudwatch alarm evaluator stopped", "err", err)
		}
	}()
	return nil
}

// CloudWatch is the emulated CloudWatch model, for the components that
// publish metrics (RDS, Route 53) or follow alarms (Route 53
// CLOUDWATCH_METRIC health checks); nil before Start.
func (e *Emulator) CloudWatch() *cloudwatch.Service { return e.cw }

// dropUnmodelled removes the top-level output members the botocore model
// lacks: the SDK's output structs are newer than the model (DescribeAlarms
// has LogAlarms), and docconv sends a paginated output's lists even when
// empty.
func dropUnmodelled(m *awsmodel.Service, op string, doc map[string]any) {
	o := m.Operation(op)
	if o == nil || o.Output == nil || doc == nil {
		return
	}
	sh := m.Shape(o.Output.Shape)
	if sh == nil {
		return
	}
	for k := range doc {
		if sh.MemberNamed(k) == nil {
			delete(doc, k)
		}
	}
}
