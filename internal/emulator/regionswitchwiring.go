package emulator

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	arctypes "github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	cwsdk "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/cloudwatch"
	"github.com/globaldb/globaldb/internal/emulator/docconv"
	"github.com/globaldb/globaldb/internal/emulator/opadapter"
	"github.com/globaldb/globaldb/internal/emulator/query"
	"github.com/globaldb/globaldb/internal/emulator/regionswitch"
	"github.com/globaldb/globaldb/internal/emulator/route53"
)

// The SDK's union types of the Region switch API, for docconv.
func init() {
	docconv.RegisterUnion(reflect.TypeFor[arctypes.ExecutionBlockConfiguration](),
		arctypes.ExecutionBlockConfigurationMemberArcRoutingControlConfig{},
		arctypes.ExecutionBlockConfigurationMemberCustomActionLambdaConfig{},
		arctypes.ExecutionBlockConfigurationMemberDocumentDbConfig{},
		arctypes.ExecutionBlockConfigurationMemberEc2AsgCapacityIncreaseConfig{},
		arctypes.ExecutionBlockConfigurationMemberEcsCapacityIncreaseConfig{},
		arctypes.ExecutionBlockConfigurationMemberEksResourceScalingConfig{},
		arctypes.ExecutionBlockConfigurationMemberExecutionApprovalConfig{},
		arctypes.ExecutionBlockConfigurationMemberGlobalAuroraConfig{},
		arctypes.ExecutionBlockConfigurationMemberLambdaEventSourceMappingConfig{},
		arctypes.ExecutionBlockConfigurationMemberParallelConfig{},
		arctypes.ExecutionBlockConfigurationMemberRdsCreateCrossRegionReadReplicaConfig{},
		arctypes.ExecutionBlockConfigurationMemberRdsPromoteReadReplicaConfig{},
		arctypes.ExecutionBlockConfigurationMemberRegionSwitchPlanConfig{},
		arctypes.ExecutionBlockConfigurationMemberRoute53HealthCheckConfig{})
	docconv.RegisterUnion(reflect.TypeFor[arctypes.ReportOutput](),
		arctypes.ReportOutputMemberFailedReportOutput{}, arctypes.ReportOutputMemberS3ReportOutput{})
	docconv.RegisterUnion(reflect.TypeFor[arctypes.ReportOutputConfiguration](),
		arctypes.ReportOutputConfigurationMemberS3Configuration{})
}

// regionSwitchOps are the Region switch operations the model serves.
var regionSwitchOps = []string{
	"CreatePlan", "GetPlan", "GetPlanInRegion", "UpdatePlan", "DeletePlan", "ListPlans", "ListPlansInRegion",
	"StartPlanExecution", "GetPlanExecution", "ListPlanExecutions", "ListPlanExecutionEvents",
	"CancelPlanExecution", "UpdatePlanExecution", "UpdatePlanExecutionStep", "ApprovePlanExecutionStep",
	"GetPlanEvaluationStatus", "ListRoute53HealthChecks", "ListRoute53HealthChecksInRegion",
	"TagResource", "UntagResource", "ListTagsForResource",
}

// startRegionSwitch creates the ARC Region switch model (state in
// <data-dir>/arc-region-switch.json) over the RDS model and the
// CloudWatch alarms, serves it as arc-region-switch (Smithy RPC v2 CBOR
// and AWS JSON 1.0) and runs its executions and triggers until ctx ends.
// It needs the fault registry and CloudWatch, so Start calls it after
// both.
func (e *Emulator) startRegionSwitch(ctx context.Context, clk clock.Scaled) error {
	m, err := regionswitch.New(regionswitch.Config{
		AccountID: e.cfg.AccountID, Clock: clk,
		Store:  regionswitch.NewFileStore(filepath.Join(e.cfg.DataDir, "arc-region-switch.json")),
		Logger: e.log.With("service", "arc-region-switch"), RDS: e.rds, Route53: managedHealthChecks{e.r53},
		Alarms: alarmStates{e.cw}, RegionDown: e.faults.RegionDown, Authorizer: e.regionSwitchAuthorizer(), Approver: e.regionSwitchApprover(),
	})
	if err != nil {
		return fmt.Errorf("start arc-region-switch model: %w", err)
	}
	model, err := awsmodel.Load(awsmodel.RegionSwitch)
	if err != nil {
		return fmt.Errorf("load arc-region-switch service model: %w", err)
	}
	e.arc = m
	ops := &opadapter.Table{InputCode: "ValidationException", Model: model, Ops: opadapter.Methods(m, regionSwitchOps)}
	h := query.HandlerFunc(func(ctx context.Context, call *query.Call) (map[string]any, error) {
		doc, err := ops.Call(ctx, call.Action, call.Region, call.Params)
		if regionswitch.IsUnreachable(err) {
			// The endpoint's Region is out: the connection drops, as
			// the router drops an RDS call to a Region in outage.
			e.log.Info("region outage: dropping API request", "service", "arc-region-switch", "err", err)
			panic(http.ErrAbortHandler)
		}
		return doc, err
	})
	e.router.services["arc-region-switch"] = protocolService(model, e.authorizeQuery("arc-region-switch", h), e.log)
	e.done.Add(1)
	go func() {
		defer e.done.Done()
		if err := m.Run(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("arc-region-switch stopped", "err", err)
		}
	}()
	return nil
}

// RegionSwitch is the emulated ARC Region switch model; nil before Start.
func (e *Emulator) RegionSwitch() *regionswitch.Service { return e.arc }

// regionSwitchPrincipal is the service principal of ARC Region switch: the
// LinkedService of the Route 53 health checks it creates.
const regionSwitchPrincipal = "arc-region-switch.amazonaws.com"

// managedHealthChecks holds Region switch's managed health checks in the
// Route 53 model as checks linked to Region switch: users see them with
// GetHealthCheck/ListHealthChecks and attach them to records but cannot
// update or delete them, and the health-check runner reports the status
// Region switch set (so DNS failover and the HealthCheckStatus metric
// follow the plan). AWS shows inverted checks on an S3 object Region
// switch writes; the emulator has no S3, so the checks are of type
// RECOVERY_CONTROL (ARC sets their status) without a routing control.
type managedHealthChecks struct{ r53 *route53.Service }

var _ regionswitch.Route53 = managedHealthChecks{}

func (m managedHealthChecks) SyncHealthChecks(_ context.Context, checks []regionswitch.HealthCheck) error {
	linked := make([]route53.LinkedHealthCheck, len(checks))
	for i, hc := range checks {
		linked[i] = route53.LinkedHealthCheck{ID: hc.ID,
			Config:  r53types.HealthCheckConfig{Type: r53types.HealthCheckTypeRecoveryControl},
			Healthy: hc.Status == arctypes.Route53HealthCheckStatusHealthy}
	}
	return m.r53.SyncLinkedHealthChecks(regionSwitchPrincipal, linked)
}

// alarmStates reads alarm states (metric or composite) from the
// CloudWatch model for Region switch triggers.
type alarmStates struct{ cw *cloudwatch.Service }

func (a alarmStates) AlarmState(region, name string) (cwtypes.StateValue, bool) {
	if a.cw == nil {
		return "", false
	}
	out, err := a.cw.DescribeAlarms(context.Background(), region, &cwsdk.DescribeAlarmsInput{AlarmNames: []string{name},
		AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm}})
	if err != nil {
		return "", false
	}
	for _, m := range out.MetricAlarms {
		if aws.ToString(m.AlarmName) == name {
			return m.StateValue, true
		}
	}
	for _, c := range out.CompositeAlarms {
		if aws.ToString(c.AlarmName) == name {
			return c.StateValue, true
		}
	}
	return "", false
}
