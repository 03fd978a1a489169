package orchestrator

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	arctypes "github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/globaldb/globaldb/internal/topology"
)

// planRecordsSection asks for the plan's Route 53 health check blocks.
const planRecordsSection = "automation:\n  route53HealthChecks: true\n"

// planRecordsWorld is the seed with route53HealthChecks as apply leaves
// it, the global writer in writer: clusters, the plan with its managed
// health checks, and the writer record's failover pair on them.
func planRecordsWorld(t *testing.T, top *topology.Topology, writer string) *World {
	t.Helper()
	w := automationWorld(top)
	w.Global = &rdstypes.GlobalCluster{GlobalClusterIdentifier: aws.String("seed-global")}
	w.PlanChecks = map[string]arctypes.Route53HealthCheck{}
	for _, r := range top.Regions {
		w.Clusters[r.Name] = &rdstypes.DBCluster{DBClusterIdentifier: aws.String("seed-" + r.Name),
			Endpoint:       aws.String("seed-" + r.Name + ".cluster.example"),
			ReaderEndpoint: aws.String("seed-" + r.Name + ".cluster-ro.example")}
		w.Global.GlobalClusterMembers = append(w.Global.GlobalClusterMembers, rdstypes.GlobalClusterMember{
			DBClusterArn: aws.String(clusterArn(w.Account, r.Name, "seed-"+r.Name)), IsWriter: aws.Bool(r.Name == writer)})
		w.PlanChecks[r.Name] = arctypes.Route53HealthCheck{HealthCheckId: aws.String("plan-hc-" + r.Name), Region: aws.String(r.Name),
			HostedZoneId: aws.String(w.Zone.ID), RecordName: aws.String("writer.seed.globaldb.example.com")}
	}
	want, unknown := desiredRecords(top, (&planner{t: top, w: w}).recordInputs())
	if len(unknown) > 0 {
		t.Fatalf("unknown record inputs: %v", unknown)
	}
	w.Records = want
	return w
}

// TestPlanApply_planRecords: with route53HealthChecks, apply on an empty
// account creates a plan whose activate workflows end in a Route 53
// health check block for the writer record, then the records (which name
// the plan's health checks) after the plan; the execution role may read
// the zone's records and waits for the zone (golden files).
func TestPlanApply_planRecords(t *testing.T) {
	top := automationSeed(t, planRecordsSection)
	p := planApply(top, emptyWorld())
	if len(p.Problems) > 0 {
		t.Fatalf("problems: %v", p.Problems)
	}
	text, js := writePlan(t, p, top.File)
	golden(t, "plan-plan-records.txt", text)
	golden(t, "plan-plan-records.json", js)
	plan := p.step(idRegionSwitch())
	if plan == nil || !contains(plan.After, idZone()) {
		t.Fatalf("the plan does not wait for the hosted zone: %+v", plan)
	}
	details := strings.Join(plan.Details, "\n")
	for _, r := range []string{"ap-southeast-1", "ap-southeast-2"} {
		want := "aurora-" + r + " AuroraGlobalDatabase {failover, ungraceful failover, global cluster seed-global, clusters arn:aws:rds:ap-southeast-1:000000000000:cluster:seed-ap-southeast-1 arn:aws:rds:ap-southeast-2:000000000000:cluster:seed-ap-southeast-2, timeout 60 min} → " +
			"dns-" + r + " Route53HealthCheck {zone " + unknownZone + ", record writer.seed.globaldb.example.com, sets ap-southeast-1=ap-southeast-1 ap-southeast-2=ap-southeast-2, timeout 15 min}"
		if !strings.Contains(details, want) {
			t.Errorf("plan details lack %q:\n%s", want, details)
		}
	}
	if recs := p.step(idRecords()); recs == nil || !contains(recs.After, idRegionSwitch()) {
		t.Errorf("the records do not wait for the plan: %+v", recs)
	}
	if role := p.step(idRole("seed-region-switch")); role == nil || !contains(role.After, idZone()) {
		t.Errorf("the execution role does not wait for the zone: %+v", role)
	}
}

// TestDesiredRecords_planRecords: the writer record is the failover pair
// Region switch's health checks decide, PRIMARY in the topology's primary
// region whichever region writes: so apply after a failover through the
// plan changes nothing, and health checks not listed yet are unknown.
func TestDesiredRecords_planRecords(t *testing.T) {
	top := automationSeed(t, planRecordsSection)
	for _, writer := range []string{"ap-southeast-1", "ap-southeast-2"} {
		t.Run("writer in "+writer, func(t *testing.T) {
			w := planRecordsWorld(t, top, writer)
			var pair []string
			for _, rr := range w.Records {
				if aws.ToString(rr.Name) == "writer.seed.globaldb.example.com." {
					pair = append(pair, string(rr.Failover)+" "+aws.ToString(rr.SetIdentifier)+" "+aws.ToString(rr.HealthCheckId)+" "+aws.ToString(rr.ResourceRecords[0].Value))
				}
			}
			want := []string{"PRIMARY ap-southeast-1 plan-hc-ap-southeast-1 seed-ap-southeast-1.cluster.example",
				"SECONDARY ap-southeast-2 plan-hc-ap-southeast-2 seed-ap-southeast-2.cluster.example"}
			if strings.Join(pair, "\n") != strings.Join(want, "\n") {
				t.Errorf("writer records:\n%s\nwant:\n%s", strings.Join(pair, "\n"), strings.Join(want, "\n"))
			}
			p := planApply(top, w)
			for _, id := range []string{idRecords(), idRegionSwitch()} {
				if s := p.step(id); s != nil {
					t.Errorf("apply plans %s: %v", id, s.Details)
				}
			}
		})
	}
	w := planRecordsWorld(t, top, "ap-southeast-1")
	delete(w.PlanChecks, "ap-southeast-2")
	_, unknown := desiredRecords(top, (&planner{t: top, w: w}).recordInputs())
	if strings.Join(unknown, ",") != "Region switch health check of ap-southeast-2" {
		t.Errorf("unknown %q, want the missing plan check", unknown)
	}
}

// TestPlanApply_planRecordsOff: turning route53HealthChecks off drops the
// Route 53 blocks from the plan only after the records stop naming the
// plan's health checks (theirs go with the blocks), and points the
// records back at the stack's own checks.
func TestPlanApply_planRecordsOff(t *testing.T) {
	w := planRecordsWorld(t, automationSeed(t, planRecordsSection), "ap-southeast-1")
	top := automationSeed(t, "automation: {}\n")
	p := planApply(top, w)
	plan, recs := p.step(idRegionSwitch()), p.step(idRecords())
	if plan == nil || recs == nil {
		t.Fatalf("plan step %v, records step %v: want both", plan, recs)
	}
	if !contains(plan.After, idRecords()) || contains(recs.After, idRegionSwitch()) {
		t.Errorf("plan after %v, records after %v: want the plan after the records", plan.After, recs.After)
	}
	if d := strings.Join(plan.Details, "\n"); !strings.Contains(d, "- workflow activate ap-southeast-1: aurora-ap-southeast-1 AuroraGlobalDatabase") ||
		!strings.Contains(d, "Route53HealthCheck") {
		t.Errorf("plan details do not drop the Route 53 blocks:\n%s", d)
	}
	if d := strings.Join(recs.Details, "\n"); strings.Contains(d, "plan-hc-") || !strings.Contains(d, "upsert writer.seed.globaldb.example.com CNAME failover PRIMARY") {
		t.Errorf("records details:\n%s", d)
	}
}

// TestPlanDestroy_planRecords: destroy deletes the records that name the
// plan's health checks before the plan (which takes the checks with it).
func TestPlanDestroy_planRecords(t *testing.T) {
	top := automationSeed(t, planRecordsSection)
	p := planDestroy(top, planRecordsWorld(t, top, "ap-southeast-1"), false)
	plan := p.step(idRegionSwitch())
	if plan == nil || plan.Action != Delete || !contains(plan.After, idRecords()) {
		t.Fatalf("plan deletion %+v: want it after the records' (%s)", plan, idRecords())
	}
}

// TestRegionSwitchPolicy_planRecords: the execution role may list the
// record sets of the stack's zone, and only with route53HealthChecks.
func TestRegionSwitchPolicy_planRecords(t *testing.T) {
	has := func(doc PolicyDocument) string {
		for _, s := range doc.Statement {
			for _, a := range s.Action {
				if a == "route53:ListResourceRecordSets" {
					return strings.Join(s.Resource, " ")
				}
			}
		}
		return ""
	}
	if got := has(regionSwitchPolicy(automationSeed(t, planRecordsSection), "123456789012", "Z0SEED")); got != "arn:aws:route53:::hostedzone/Z0SEED" {
		t.Errorf("with route53HealthChecks: ListResourceRecordSets on %q, want the zone", got)
	}
	if got := has(regionSwitchPolicy(automationSeed(t, "automation: {}\n"), "123456789012", "Z0SEED")); got != "" {
		t.Errorf("without route53HealthChecks: ListResourceRecordSets on %q, want none", got)
	}
	ops := PolicyFor(automationSeed(t, planRecordsSection), "123456789012")
	found := false
	for _, s := range ops.Statement {
		found = found || contains(s.Action, "arc-region-switch:ListRoute53HealthChecks") && contains(s.Resource, regionSwitchPlanArns(automationSeed(t, planRecordsSection), "123456789012"))
	}
	if !found {
		t.Error("the operator policy lacks arc-region-switch:ListRoute53HealthChecks on the plan")
	}
}

// TestFailover_planRecordsSwitchover: when the plan moves the writer
// record, a switchover goes through the plan; one whose graceful run
// would fail over with data loss (behavior failover) is refused before
// any call, with what to do instead.
func TestFailover_planRecordsSwitchover(t *testing.T) {
	top := automationSeed(t, planRecordsSection)
	_, err := Failover(context.Background(), nil, top, FailoverOptions{Mode: ModeSwitchover, To: "ap-southeast-2"})
	if err == nil || !strings.Contains(err.Error(), "use --mode failover, or behavior: switchoverOnly") {
		t.Fatalf("switchover with behavior failover: %v", err)
	}
}

// TestStatusReport_planHealthChecks: the table shows the plan's
// evaluation with its warnings, and lists the plan's health checks with
// their regions and statuses.
func TestStatusReport_planHealthChecks(t *testing.T) {
	rs := &RegionSwitchStatus{Name: "seed-region-switch", ARN: "arn:x", State: "present", Evaluation: "actionRequired",
		Warnings: []string{"Associated alarm orders-canary does not exist."}, HealthChecks: []PlanHealthCheck{
			{Region: "ap-southeast-1", Record: "writer.seed.globaldb.example.com", ID: "hc-1", Status: "unhealthy"},
			{Region: "ap-southeast-2", Record: "writer.seed.globaldb.example.com", ID: "hc-2", Status: "healthy"}}}
	var b strings.Builder
	if err := (&StatusReport{Stack: "seed", RegionSwitch: rs}).WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	table := b.String()
	for _, want := range []string{"PLAN HEALTH CHECK", "hc-1", "ap-southeast-2  healthy", "evaluation actionRequired, arn:x",
		"warning: Associated alarm orders-canary does not exist."} {
		if !strings.Contains(strings.Join(strings.Fields(table), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

// TestPolicies_approval: with approval steps, whoever the plan names as
// approval role may approve them: the operator role (and users holding
// iam-policy) through the plan statement; without an operator role, the
// execution role; without approval, nobody.
func TestPolicies_approval(t *testing.T) {
	const account = "123456789012"
	approves := func(doc PolicyDocument) bool {
		for _, s := range doc.Statement {
			if contains(s.Action, "arc-region-switch:ApprovePlanExecutionStep") {
				return true
			}
		}
		return false
	}
	with := automationSeed(t, "automation:\n  approval: true\n")
	if !approves(PolicyFor(with, account)) || !approves(operatorPolicy(with, account)) {
		t.Error("with approval, iam-policy and the operator role cannot approve the plan's steps")
	}
	if approves(regionSwitchPolicy(with, account, "")) {
		t.Error("with an operator role to approve, the execution role may approve too")
	}
	noOperator := automationSeed(t, "automation:\n  approval: true\n")
	noOperator.IAM.OperatorRole = nil
	if !approves(regionSwitchPolicy(noOperator, account, "")) {
		t.Error("without an operator role the execution role is the approval role, and may not approve")
	}
	without := automationSeed(t, "automation: {}\n")
	if approves(PolicyFor(without, account)) || approves(regionSwitchPolicy(without, account, "")) {
		t.Error("without approval steps someone may approve")
	}
}

// TestPlanApply_endpointChecksAfterInstances: a check that probes an
// endpoint is created once the region's cluster and instances are
// available: made before, it would start by failing and fail the writer
// name over to a region without a writer until it recovered.
func TestPlanApply_endpointChecksAfterInstances(t *testing.T) {
	top := seedTopology(t)
	if top.DNS.HealthChecks.Type == topology.Alarm {
		t.Fatal("the seed's checks follow alarms: this test needs endpoint checks")
	}
	p := planApply(top, emptyWorld())
	n := 0
	for _, s := range p.Steps {
		if strings.HasPrefix(s.ID, "route53/health-check/") && s.Action == Create {
			n++
			if !contains(s.After, idReady(s.Region)) {
				t.Errorf("%s does not wait for %s (after %v)", s.ID, idReady(s.Region), s.After)
			}
		}
	}
	if n == 0 {
		t.Fatal("no health check planned")
	}
}
