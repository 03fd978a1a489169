package emulatortest_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	arc "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	arctypes "github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/runbook"
)

// TestRegionSwitch_GracefulExecution runs an ARC Region switch plan's
// lifecycle through aws-sdk-go-v2 (Smithy RPC v2 CBOR) and boto3 (JSON)
// against a real global cluster: the plan is created on the us-east-1
// control plane, read back from a Region of the plan, tagged; a graceful
// execution activating the secondary Region runs its Aurora block, a
// switchover, to completion, and the global cluster's writer has moved;
// the plan is deleted.
func TestRegionSwitch_GracefulExecution(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.StartWith(t, emulator.Config{TimeScale: 0.05})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s, primaryARN, secondaryARN := twoRegionStack(ctx, t, e, "rs")
	primary, secondary := s.Primary.Name, s.Secondaries[0].Name
	client := func(region string) *arc.Client {
		return arc.New(arc.Options{Region: region, BaseEndpoint: aws.String(e.Endpoint()),
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	}
	control := client("us-east-1")

	created, err := control.CreatePlan(ctx, &arc.CreatePlanInput{
		Name: aws.String("rs-plan"), Regions: []string{primary, secondary}, PrimaryRegion: aws.String(primary),
		RecoveryApproach: arctypes.RecoveryApproachActivePassive,
		ExecutionRole:    aws.String("arn:aws:iam::000000000000:role/rs-region-switch"),
		Tags:             map[string]string{"globaldb:stack": "rs"},
		Workflows: []arctypes.Workflow{{WorkflowTargetAction: arctypes.WorkflowTargetActionActivate, Steps: []arctypes.Step{{
			Name: aws.String("move-writer"), ExecutionBlockType: arctypes.ExecutionBlockTypeAurora,
			ExecutionBlockConfiguration: &arctypes.ExecutionBlockConfigurationMemberGlobalAuroraConfig{Value: arctypes.GlobalAuroraConfiguration{
				Behavior: arctypes.GlobalAuroraDefaultBehaviorSwitchoverOnly, GlobalClusterIdentifier: aws.String(s.GlobalCluster),
				DatabaseClusterArns: []string{primaryARN, secondaryARN}}},
		}}}},
	})
	if err != nil {
		t.Fatalf("CreatePlan: %v", err)
	}
	plan := aws.ToString(created.Plan.Arn)
	if _, err := control.GetPlan(ctx, &arc.GetPlanInput{Arn: aws.String(plan)}); err != nil {
		t.Fatalf("GetPlan: %v", err)
	}
	data := client(secondary)
	got, err := data.GetPlanInRegion(ctx, &arc.GetPlanInRegionInput{Arn: aws.String(plan)})
	if err != nil || aws.ToString(got.Plan.Name) != "rs-plan" {
		t.Fatalf("GetPlanInRegion from %s: %v, %v", secondary, got, err)
	}
	tags, err := control.ListTagsForResource(ctx, &arc.ListTagsForResourceInput{Arn: aws.String(plan)})
	if err != nil || tags.ResourceTags["globaldb:stack"] != "rs" {
		t.Errorf("ListTagsForResource: %v, %v", tags, err)
	}
	_, err = control.GetPlan(ctx, &arc.GetPlanInput{Arn: aws.String("arn:aws:arc-region-switch::000000000000:plan/rs-missing:abc123")})
	var nf *arctypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("GetPlan of a missing plan: %v, want ResourceNotFoundException", err)
	}

	t.Run("boto3 (JSON)", func(t *testing.T) {
		out := runBoto3(ctx, t, boto3RegionSwitch, e.Endpoint(), plan)
		var res struct {
			Protocol string   `json:"protocol"`
			Plans    []string `json:"plans"`
		}
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("boto3 output %q: %v", out, err)
		}
		if res.Protocol != "json" || len(res.Plans) != 1 || res.Plans[0] != "rs-plan" {
			t.Errorf("boto3: %+v, want protocol json and the plan rs-plan", res)
		}
	})

	started, err := data.StartPlanExecution(ctx, &arc.StartPlanExecutionInput{PlanArn: aws.String(plan),
		TargetRegion: aws.String(secondary), Action: arctypes.ExecutionActionActivate, Mode: arctypes.ExecutionModeGraceful})
	if err != nil {
		t.Fatalf("StartPlanExecution: %v", err)
	}
	for {
		ex, err := data.GetPlanExecution(ctx, &arc.GetPlanExecutionInput{PlanArn: aws.String(plan), ExecutionId: started.ExecutionId})
		if err != nil {
			t.Fatalf("GetPlanExecution: %v", err)
		}
		if ex.ExecutionState == arctypes.ExecutionStateCompleted {
			break
		}
		switch ex.ExecutionState {
		case arctypes.ExecutionStateFailed, arctypes.ExecutionStateCancelled, arctypes.ExecutionStatePausedByFailedStep:
			t.Fatalf("execution %s: %+v", ex.ExecutionState, ex.StepStates)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("execution still %s", ex.ExecutionState)
		case <-time.After(200 * time.Millisecond):
		}
	}
	gc, err := emulatortest.RDS(e, secondary).DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(s.GlobalCluster)})
	if err != nil || len(gc.GlobalClusters) != 1 {
		t.Fatalf("DescribeGlobalClusters: %v", err)
	}
	if w := writerARN(gc.GlobalClusters[0]); w != secondaryARN {
		t.Errorf("writer after the execution: %s, want %s", w, secondaryARN)
	}
	if _, err := control.DeletePlan(ctx, &arc.DeletePlanInput{Arn: aws.String(plan)}); err != nil {
		t.Errorf("DeletePlan: %v", err)
	}
}

// boto3RegionSwitch lists the plans from the control plane and reads one
// in a Region of the plan; it prints the protocol and the plan names.
const boto3RegionSwitch = `
import json, sys
import boto3, botocore
endpoint, plan = sys.argv[1], sys.argv[2]
c = boto3.client("arc-region-switch", endpoint_url=endpoint, region_name="us-east-1",
                 config=botocore.config.Config(retries={"max_attempts": 1}))
names = [p["name"] for p in c.list_plans()["plans"]]
print(json.dumps({"protocol": c.meta.service_model.resolved_protocol, "plans": names}))
`

// twoRegionStack brings up a global cluster of one instance per region
// (the seed's primary and first secondary) with the runbook, and returns
// its spec and the two clusters' ARNs.
func twoRegionStack(ctx context.Context, t *testing.T, e *emulator.Emulator, name string) (*runbook.Spec, string, string) {
	t.Helper()
	s := seedSpec(e, name)
	s.Primary.Instances = s.Primary.Instances[:1]
	s.Secondaries[0].Instances = s.Secondaries[0].Instances[:1]
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatalf("up: %v", err)
	}
	clusterARN := func(r runbook.Region) string {
		out, err := emulatortest.RDS(e, r.Name).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(r.Cluster)})
		if err != nil || len(out.DBClusters) != 1 {
			t.Fatalf("describe %s: %v", r.Cluster, err)
		}
		return aws.ToString(out.DBClusters[0].DBClusterArn)
	}
	return s, clusterARN(s.Primary), clusterARN(s.Secondaries[0])
}
