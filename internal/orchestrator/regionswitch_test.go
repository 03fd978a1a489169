package orchestrator

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	arctypes "github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/globaldb/globaldb/internal/topology"
)

// automationWorld is the private seed with automation as apply leaves
// it: alarms and checks, the execution role and the plan.
func automationWorld(t *topology.Topology) *World {
	w := alarmWorld(t)
	n := Names{t.Name}
	pl := &planner{t: t, w: w, n: n, p: &Plan{}}
	spec := pl.regionSwitchRoleSpec()
	doc, _ := spec.Inline["region-switch-aurora"](newExec(nil, t, w, Options{}))
	arn := "arn:aws:iam::000000000000:role" + n.RolePath() + spec.Name
	w.Roles[spec.Name] = &Role{Name: spec.Name, Arn: arn, Path: n.RolePath(), Trust: spec.Trust,
		Inline: map[string]string{"region-switch-aurora": doc}, Tags: map[string]string{topology.StackTag: t.Name}}
	for _, r := range pl.roleSpecs() {
		if w.Roles[r.Name] == nil {
			w.Roles[r.Name] = &Role{Name: r.Name, Arn: "arn:aws:iam::000000000000:role" + n.RolePath() + r.Name, Trust: r.Trust,
				Attached: r.Attached, Inline: map[string]string{}, Tags: map[string]string{topology.StackTag: t.Name}}
		}
	}
	if s := desiredRegionSwitch(t, w.Account, arn, approverArn(t, w, nil), knownZoneID(t, w)); s != nil {
		w.RegionSwitch = &arctypes.Plan{Arn: aws.String("arn:aws:arc-region-switch::000000000000:plan/" + s.Name + ":abc123"),
			Name: aws.String(s.Name), Regions: s.Regions, PrimaryRegion: aws.String(s.Primary), RecoveryApproach: arctypes.RecoveryApproachActivePassive,
			ExecutionRole: aws.String(s.Role), Workflows: s.Workflows, Triggers: s.Triggers, AssociatedAlarms: s.Alarms}
	}
	return w
}

// TestPlanApply_automation: on an empty account the plan is created after
// its execution role, the clusters, the global cluster and the alarms
// its trigger names (golden files).
func TestPlanApply_automation(t *testing.T) {
	top := automationSeed(t, "automation:\n  approval: true\n")
	p := planApply(top, emptyWorld())
	if len(p.Problems) > 0 {
		t.Fatalf("problems: %v", p.Problems)
	}
	text, js := writePlan(t, p, top.File)
	golden(t, "plan-automation.txt", text)
	golden(t, "plan-automation.json", js)
	s := p.step(idRegionSwitch())
	if s == nil || s.Action != Create {
		t.Fatalf("no plan creation: %+v", s)
	}
	n := Names{top.Name}
	for _, dep := range []string{idRole(n.RegionSwitchRole()), idGlobal(), idCluster("ap-southeast-1"), idCluster("ap-southeast-2"),
		idAlarm("ap-southeast-1", WriterAlarm)} {
		if !contains(s.After, dep) {
			t.Errorf("the plan does not wait for %s (after %v)", dep, s.After)
		}
	}
}

// TestPlanApply_regionSwitch covers the plan step against a world that
// has the plan.
func TestPlanApply_regionSwitch(t *testing.T) {
	const base = "automation:\n  approval: true\n"
	tests := []struct {
		name    string
		section string
		drift   func(*World)
		steps   []string
		details []string // substrings of the plan step's details
		problem string
	}{
		{name: "matches", section: base},
		{name: "behavior changed", section: "automation:\n  approval: true\n  behavior: switchoverOnly\n",
			steps: []string{idRegionSwitch()}, details: []string{"- workflow activate ap-southeast-1: approve-ap-southeast-1 ManualApproval", "{switchoverOnly, ungraceful failover"}},
		{name: "approval dropped", section: "automation: {}\n", steps: []string{idRegionSwitch()}, details: []string{"+ workflow activate ap-southeast-2: aurora-ap-southeast-2 AuroraGlobalDatabase {failover"}},
		// The role loses the triggers' permissions (StartPlanExecution,
		// DescribeAlarms); the plan drops its triggers before their alarms go.
		{name: "triggers off", section: base + "  triggers: false\n",
			steps:   []string{idRole("seed-region-switch"), idRegionSwitch(), idAlarmsDelete("ap-southeast-1"), idAlarmsDelete("ap-southeast-2")},
			details: []string{"- trigger activate ap-southeast-2 when seed-ap-southeast-2-writer-health red and seed-ap-southeast-2-replication-stalled red, at most every 60 min"}},
		{name: "min delay changed", section: base + "  minDelayMinutes: 10\n", steps: []string{idRegionSwitch()}, details: []string{"+ trigger activate ap-southeast-2 when seed-ap-southeast-2-writer-health red and seed-ap-southeast-2-replication-stalled red, at most every 10 min"}},
		{name: "workflow drifted", section: base, drift: func(w *World) { w.RegionSwitch.Workflows = w.RegionSwitch.Workflows[:1] },
			steps: []string{idRegionSwitch()}, details: []string{"+ workflow activate ap-southeast-2"}},
		{name: "primary region differs", section: base, drift: func(w *World) { w.RegionSwitch.PrimaryRegion = aws.String("ap-southeast-2") },
			steps: []string{idRegionSwitch()}, details: []string{"replace (DeletePlan, CreatePlan: UpdatePlan cannot change primary region ap-southeast-2 → ap-southeast-1)"}},
		{name: "automation removed", section: "", steps: []string{idRegionSwitch(), idAlarmsDelete("ap-southeast-1"), idAlarmsDelete("ap-southeast-2"), idRole("seed-region-switch")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := automationWorld(automationSeed(t, base))
			if tt.drift != nil {
				tt.drift(w)
			}
			top := automationSeed(t, tt.section)
			p := planApply(top, w)
			var ids []string
			for _, s := range p.Visible() {
				// The world models alarms, checks, roles and the plan only:
				// look at the plan's, its role's and alarm removals.
				if s.ID == idRegionSwitch() || s.ID == idRole("seed-region-switch") || strings.HasPrefix(s.ID, "cloudwatch/alarms/") {
					ids = append(ids, s.ID)
				}
			}
			if !slices.Equal(ids, tt.steps) {
				t.Errorf("steps %v, want %v", ids, tt.steps)
			}
			if tt.problem == "" && len(p.Problems) > 0 || tt.problem != "" && (len(p.Problems) != 1 || !strings.Contains(p.Problems[0], tt.problem)) {
				t.Errorf("problems %q, want %q", p.Problems, tt.problem)
			}
			if s := p.step(idRegionSwitch()); s != nil {
				all := strings.Join(s.Details, "\n")
				for _, d := range tt.details {
					if !strings.Contains(all, d) {
						t.Errorf("details lack %q:\n%s", d, all)
					}
				}
			}
			if tt.section == "" {
				if r := p.step(idRole("seed-region-switch")); r == nil || !contains(r.After, idRegionSwitch()) {
					t.Errorf("the role's deletion does not wait for the plan's: %+v", r)
				}
			}
		})
	}
}

// TestPlanDestroy_regionSwitch: destroy deletes the plan before the
// global cluster and the roles.
func TestPlanDestroy_regionSwitch(t *testing.T) {
	top := automationSeed(t, "automation: {}\n")
	w := automationWorld(top)
	w.Global = &rdstypes.GlobalCluster{GlobalClusterIdentifier: aws.String("seed-global")}
	p := planDestroy(top, w, false)
	if s := p.step(idRegionSwitch()); s == nil || s.Action != Delete {
		t.Fatalf("no plan deletion: %+v", p.Visible())
	}
	for _, id := range []string{idGlobal(), idRole("seed-region-switch"), idRole("seed-operator")} {
		if s := p.step(id); s == nil || !contains(s.After, idRegionSwitch()) {
			t.Errorf("%s does not wait for the plan's deletion: %+v", id, s)
		}
	}
}

// TestPolicyFor_RegionSwitch: with automation the operator may manage
// and run the Region switch plan; the execution role
// holds the Aurora block's RDS actions; without automation only the
// listing remains.
func TestPolicyFor_RegionSwitch(t *testing.T) {
	const account = "123456789012"
	actions := func(doc PolicyDocument) map[string][]string {
		out := map[string][]string{}
		for _, s := range doc.Statement {
			for _, a := range s.Action {
				out[a] = append(out[a], s.Resource...)
			}
		}
		return out
	}
	with := actions(PolicyFor(automationSeed(t, "automation: {}\n"), account))
	plan := []string{"arn:aws:arc-region-switch::" + account + ":plan/seed-region-switch:*"}
	for _, a := range []string{"CreatePlan", "GetPlan", "UpdatePlan", "DeletePlan", "ListTagsForResource", "ListPlanExecutions", "StartPlanExecution", "GetPlanExecution"} {
		if got := with["arc-region-switch:"+a]; !slices.Equal(got, plan) {
			t.Errorf("arc-region-switch:%s on %v, want %v", a, got, plan)
		}
	}
	for _, a := range []string{"ListPlans", "ListPlansInRegion"} {
		if got := with["arc-region-switch:"+a]; !slices.Equal(got, []string{"*"}) {
			t.Errorf("arc-region-switch:%s on %v, want *", a, got)
		}
	}
	if got := with["iam:PassRole"]; !slices.Contains(got, "arn:aws:iam::"+account+":role/globaldb/seed/seed-region-switch") {
		t.Errorf("iam:PassRole on %v, want the execution role among them", got)
	}
	without := actions(PolicyFor(automationSeed(t, ""), account))
	for a := range without {
		if strings.HasPrefix(a, "arc-region-switch:") {
			t.Errorf("without automation the policy allows %s", a)
		}
	}
	exec := actions(regionSwitchPolicy(automationSeed(t, "automation: {}\n"), account, ""))
	for _, a := range []string{"rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster", "rds:DescribeGlobalClusters", "rds:DescribeDBClusters",
		"arc-region-switch:StartPlanExecution", "cloudwatch:DescribeAlarms"} {
		if len(exec[a]) == 0 {
			t.Errorf("the execution role lacks %s", a)
		}
	}
	if got := exec["arc-region-switch:StartPlanExecution"]; !slices.Equal(got, plan) {
		t.Errorf("the execution role starts %v, want %v", got, plan)
	}
	untriggered := actions(regionSwitchPolicy(automationSeed(t, "automation:\n  triggers: false\n"), account, ""))
	if len(untriggered["arc-region-switch:StartPlanExecution"]) != 0 || len(untriggered["cloudwatch:DescribeAlarms"]) != 0 {
		t.Errorf("without triggers the execution role may start the plan or read alarms: %v", untriggered)
	}
}

// TestStatusReport_regionSwitch: the table shows the plan, its state and
// its last execution; an unreadable plan shows why.
func TestStatusReport_regionSwitch(t *testing.T) {
	tests := []struct {
		name string
		rs   RegionSwitchStatus
		want string
	}{
		{"executed", RegionSwitchStatus{Name: "seed-region-switch", ARN: "arn:aws:arc-region-switch::000000000000:plan/seed-region-switch:abc123", State: "present",
			LastExecution: &ExecutionStatus{ID: "ex-1", State: "completed", Action: "activate", Region: "ap-southeast-2", Mode: "ungraceful", Start: "2026-12-05T23:00:00Z"}},
			"seed-region-switch  present  completed activate ap-southeast-2 (ungraceful, 2026-12-05T23:00:00Z)  arn:aws:arc-region-switch::000000000000:plan/seed-region-switch:abc123"},
		{"never run", RegionSwitchStatus{Name: "seed-region-switch", ARN: "arn:x", State: "present"}, "seed-region-switch  present  -  arn:x"},
		{"absent", RegionSwitchStatus{Name: "seed-region-switch", State: "absent"}, "seed-region-switch  absent  -  -"},
		{"unreadable", RegionSwitchStatus{Name: "seed-region-switch", State: "unknown", Error: "AccessDenied"}, "seed-region-switch  unknown  -  AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := tt.rs
			var b strings.Builder
			if err := (&StatusReport{Stack: "seed", RegionSwitch: &rs}).WriteTable(&b); err != nil {
				t.Fatal(err)
			}
			// Columns apart by two spaces, whatever the padding.
			table := regexp.MustCompile(`  +`).ReplaceAllString(b.String(), "  ")
			if !strings.Contains(table, "REGION SWITCH PLAN") || !strings.Contains(table, tt.want+"\n") {
				t.Errorf("table lacks %q:\n%s", tt.want, b.String())
			}
		})
	}
}

// TestDesiredRegionSwitch_triggerAlarms: automation.triggerAlarms
// replaces the default triggers: one trigger per listed region, on its
// alarms all red (a name is in the region, an ARN anywhere); the role
// may read exactly those alarms; no replication-stalled alarm is made.
func TestDesiredRegionSwitch_triggerAlarms(t *testing.T) {
	const canary = "arn:aws:cloudwatch:us-east-1:000000000000:alarm:orders-canary"
	top := automationSeed(t, "automation:\n  triggerAlarms:\n    ap-southeast-2: [orders-no-writer, "+canary+"]\n")
	s := desiredRegionSwitch(top, "000000000000", "arn:role", "arn:role", "Z1")
	if len(s.Triggers) != 1 || aws.ToString(s.Triggers[0].TargetRegion) != "ap-southeast-2" {
		t.Fatalf("triggers %+v: want one, activating ap-southeast-2", s.Triggers)
	}
	var conds []string
	for _, c := range s.Triggers[0].Conditions {
		conds = append(conds, aws.ToString(c.AssociatedAlarmName)+" "+string(c.Condition))
	}
	if want := []string{"orders-no-writer red", "orders-canary red"}; !slices.Equal(conds, want) {
		t.Errorf("conditions %q, want %q", conds, want)
	}
	arns := map[string]string{}
	for name, a := range s.Alarms {
		arns[name] = aws.ToString(a.ResourceIdentifier)
		if a.AlarmType != arctypes.AlarmTypeTrigger {
			t.Errorf("alarm %s is %s, want trigger", name, a.AlarmType)
		}
	}
	want := map[string]string{"orders-no-writer": "arn:aws:cloudwatch:ap-southeast-2:000000000000:alarm:orders-no-writer", "orders-canary": canary}
	if !maps.Equal(arns, want) {
		t.Errorf("associated alarms %v, want %v", arns, want)
	}
	for _, st := range regionSwitchPolicy(top, "000000000000", "").Statement {
		if st.Sid == "TriggerReadsAlarms" && !slices.Equal(st.Resource, []string{want["orders-no-writer"], canary}) {
			t.Errorf("the role reads alarms %v, want the two trigger alarms", st.Resource)
		}
	}
	for _, a := range desiredAlarms(top) {
		if a.Kind == StalledAlarm {
			t.Errorf("alarm %s: the default triggers' alarm is made though triggerAlarms replaces them", a.Kind)
		}
	}
}
