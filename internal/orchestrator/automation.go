package orchestrator

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	arc "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	arctypes "github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/topology"
)

// What a drill with no operator reads: the plan, the executions its
// triggers start, and the alarms they follow. Reads only: an automatic
// drill proves that nobody acts after the fault.

// FindRegionSwitch returns the stack's Region switch plan from the
// control plane (us-east-1); nil when there is none.
func FindRegionSwitch(ctx context.Context, c *Clients, t *topology.Topology) (*arctypes.Plan, error) {
	return findRegionSwitch(ctx, c, t)
}

// AlarmStates returns the state of each of the stack's alarms in region,
// read from that region's CloudWatch.
func AlarmStates(ctx context.Context, c *Clients, t *topology.Topology, region string) (map[AlarmKind]cwtypes.StateValue, error) {
	alarms, err := describeStackAlarms(ctx, c, t, region)
	if err != nil {
		return nil, err
	}
	out := map[AlarmKind]cwtypes.StateValue{}
	for k, a := range alarms {
		out[k] = a.StateValue
	}
	return out, nil
}

// PlanExecutions lists the plan's executions from region's data plane,
// oldest first.
func PlanExecutions(ctx context.Context, c *Clients, planArn, region string) ([]arctypes.AbbreviatedExecution, error) {
	var out []arctypes.AbbreviatedExecution
	p := arc.NewListPlanExecutionsPaginator(c.ARCRegion(region), &arc.ListPlanExecutionsInput{PlanArn: aws.String(planArn)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list executions of %s in %s: %w", planArn, region, err)
		}
		out = append(out, page.Items...)
	}
	slices.SortStableFunc(out, func(a, b arctypes.AbbreviatedExecution) int {
		return aws.ToTime(a.StartTime).Compare(aws.ToTime(b.StartTime))
	})
	return out, nil
}

// ExecutionEvents returns an execution's events from region's data
// plane, in the order the service lists them.
func ExecutionEvents(ctx context.Context, c *Clients, planArn, id, region string) ([]arctypes.ExecutionEvent, error) {
	var out []arctypes.ExecutionEvent
	p := arc.NewListPlanExecutionEventsPaginator(c.ARCRegion(region), &arc.ListPlanExecutionEventsInput{PlanArn: aws.String(planArn), ExecutionId: aws.String(id)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("events of execution %s in %s: %w", id, region, err)
		}
		out = append(out, page.Items...)
	}
	return out, nil
}

// ExecutionEnded tells whether an execution state is final, and the
// error of one that did not complete.
func ExecutionEnded(s arctypes.ExecutionState) (bool, error) { return executionEnded(s) }
