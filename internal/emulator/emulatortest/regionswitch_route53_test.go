package emulatortest_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	arc "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	arctypes "github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"
	"github.com/miekg/dns"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// TestRegionSwitch_Route53HealthChecks: a plan's Route53HealthCheck block
// makes Region switch create one health check per Region in Route 53,
// owned by arc-region-switch.amazonaws.com (users cannot delete them);
// failover records that use them answer the primary Region's value, and a
// graceful execution activating the standby Region moves the DNS answer
// there; DeletePlan deletes the checks.
func TestRegionSwitch_Route53HealthChecks(t *testing.T) {
	e := emulatortest.StartWith(t, emulator.Config{TimeScale: 0.05})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const primary, standby, name = "ap-southeast-1", "ap-southeast-2", "app.rs.example.com"
	r53 := route53Client(e)
	zone, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("rs.example.com"), CallerReference: aws.String("rs-zone")})
	if err != nil {
		t.Fatalf("CreateHostedZone: %v", err)
	}
	zoneID := strings.TrimPrefix(aws.ToString(zone.HostedZone.Id), "/hostedzone/")
	client := func(region string) *arc.Client {
		return arc.New(arc.Options{Region: region, BaseEndpoint: aws.String(e.Endpoint()),
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	}
	control, data := client("us-east-1"), client(standby)
	created, err := control.CreatePlan(ctx, &arc.CreatePlanInput{
		Name: aws.String("rs-dns"), Regions: []string{primary, standby}, PrimaryRegion: aws.String(primary),
		RecoveryApproach: arctypes.RecoveryApproachActivePassive,
		ExecutionRole:    aws.String("arn:aws:iam::000000000000:role/rs-region-switch"),
		Workflows: []arctypes.Workflow{{WorkflowTargetAction: arctypes.WorkflowTargetActionActivate, Steps: []arctypes.Step{{
			Name: aws.String("move-traffic"), ExecutionBlockType: arctypes.ExecutionBlockTypeRoute53HealthCheck,
			ExecutionBlockConfiguration: &arctypes.ExecutionBlockConfigurationMemberRoute53HealthCheckConfig{Value: arctypes.Route53HealthCheckConfiguration{
				HostedZoneId: aws.String(zoneID), RecordName: aws.String(name),
				RecordSets: []arctypes.Route53ResourceRecordSet{
					{RecordSetIdentifier: aws.String("primary"), Region: aws.String(primary)},
					{RecordSetIdentifier: aws.String("standby"), Region: aws.String(standby)}}}},
		}}}},
	})
	if err != nil {
		t.Fatalf("CreatePlan: %v", err)
	}
	plan := created.Plan.Arn

	listed, err := control.ListRoute53HealthChecks(ctx, &arc.ListRoute53HealthChecksInput{Arn: plan})
	if err != nil || len(listed.HealthChecks) != 2 {
		t.Fatalf("ListRoute53HealthChecks: %+v, %v; want 2 checks", listed, err)
	}
	ids := map[string]string{} // Region → health check ID
	for _, hc := range listed.HealthChecks {
		ids[aws.ToString(hc.Region)] = aws.ToString(hc.HealthCheckId)
	}
	for _, region := range []string{primary, standby} {
		got, err := r53.GetHealthCheck(ctx, &route53.GetHealthCheckInput{HealthCheckId: aws.String(ids[region])})
		if err != nil {
			t.Fatalf("GetHealthCheck of %s's check %s: %v", region, ids[region], err)
		}
		if ls := got.HealthCheck.LinkedService; ls == nil || aws.ToString(ls.ServicePrincipal) != "arc-region-switch.amazonaws.com" {
			t.Errorf("%s's check: LinkedService %+v, want arc-region-switch.amazonaws.com", region, ls)
		}
	}
	_, err = r53.DeleteHealthCheck(ctx, &route53.DeleteHealthCheckInput{HealthCheckId: aws.String(ids[primary])})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidInput" {
		t.Errorf("DeleteHealthCheck of a Region switch check: %v, want InvalidInput", err)
	}

	record := func(id string, role r53types.ResourceRecordSetFailover, check, value string) r53types.Change {
		return r53types.Change{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: aws.String(name), Type: r53types.RRTypeA, TTL: aws.Int64(1), SetIdentifier: aws.String(id), Failover: role,
			HealthCheckId: aws.String(check), ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(value)}}}}
	}
	if _, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zoneID),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{
			record("primary", r53types.ResourceRecordSetFailoverPrimary, ids[primary], "127.0.0.61"),
			record("standby", r53types.ResourceRecordSetFailoverSecondary, ids[standby], "127.0.0.62")}}}); err != nil {
		t.Fatalf("ChangeResourceRecordSets: %v", err)
	}
	answers := func(want string) func() bool {
		return func() bool { return slices.Equal(queryDNS(t, e, name, dns.TypeA), []string{want}) }
	}
	waitFor(ctx, t, "DNS to answer the primary Region's value", answers("127.0.0.61"))
	status, err := r53.GetHealthCheckStatus(ctx, &route53.GetHealthCheckStatusInput{HealthCheckId: aws.String(ids[standby])})
	if err != nil || len(status.HealthCheckObservations) == 0 {
		t.Fatalf("GetHealthCheckStatus of the standby's check: %+v, %v", status, err)
	}
	if s := aws.ToString(status.HealthCheckObservations[0].StatusReport.Status); !strings.HasPrefix(s, "Failure") {
		t.Errorf("standby's check before the switch reports %q, want a failure", s)
	}

	started, err := data.StartPlanExecution(ctx, &arc.StartPlanExecutionInput{PlanArn: plan,
		TargetRegion: aws.String(standby), Action: arctypes.ExecutionActionActivate, Mode: arctypes.ExecutionModeGraceful})
	if err != nil {
		t.Fatalf("StartPlanExecution: %v", err)
	}
	waitFor(ctx, t, "the execution to complete", func() bool {
		ex, err := data.GetPlanExecution(ctx, &arc.GetPlanExecutionInput{PlanArn: plan, ExecutionId: started.ExecutionId})
		if err != nil {
			t.Fatalf("GetPlanExecution: %v", err)
		}
		switch ex.ExecutionState {
		case arctypes.ExecutionStateFailed, arctypes.ExecutionStateCancelled, arctypes.ExecutionStatePausedByFailedStep:
			t.Fatalf("execution %s: %+v", ex.ExecutionState, ex.StepStates)
		}
		return ex.ExecutionState == arctypes.ExecutionStateCompleted
	})
	waitFor(ctx, t, "DNS to answer the standby Region's value", answers("127.0.0.62"))

	if _, err := control.DeletePlan(ctx, &arc.DeletePlanInput{Arn: plan}); err != nil {
		t.Fatalf("DeletePlan: %v", err)
	}
	for region, id := range ids {
		_, err := r53.GetHealthCheck(ctx, &route53.GetHealthCheckInput{HealthCheckId: aws.String(id)})
		var nf *r53types.NoSuchHealthCheck
		if !errors.As(err, &nf) {
			t.Errorf("GetHealthCheck of %s's check after DeletePlan: %v, want NoSuchHealthCheck", region, err)
		}
	}
}
