package orchestrator

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

func TestSetForwarding(t *testing.T) {
	region := func(wf topology.WriteForwarding) topology.Region {
		return topology.Region{Name: "x", WriteForwarding: wf}
	}
	tests := []struct {
		name          string
		r             topology.Region
		c             rdstypes.DBCluster
		global, local *bool
		settled       bool
	}{
		{"off and off", region(topology.ForwardOff), rdstypes.DBCluster{GlobalWriteForwardingRequested: aws.Bool(false), GlobalWriteForwardingStatus: "disabled"}, nil, nil, true},
		{"global wanted", region(topology.ForwardGlobal), rdstypes.DBCluster{GlobalWriteForwardingRequested: aws.Bool(false), GlobalWriteForwardingStatus: "disabled"}, aws.Bool(true), nil, false},
		{"global enabling", region(topology.ForwardGlobal), rdstypes.DBCluster{GlobalWriteForwardingRequested: aws.Bool(true), GlobalWriteForwardingStatus: "enabling"}, nil, nil, false},
		{"global enabled", region(topology.ForwardGlobal), rdstypes.DBCluster{GlobalWriteForwardingRequested: aws.Bool(true), GlobalWriteForwardingStatus: "enabled"}, nil, nil, true},
		{"global stored on the primary", region(topology.ForwardGlobal), rdstypes.DBCluster{GlobalWriteForwardingRequested: aws.Bool(true)}, nil, nil, true},
		{"global unwanted", region(topology.ForwardOff), rdstypes.DBCluster{GlobalWriteForwardingRequested: aws.Bool(true), GlobalWriteForwardingStatus: "enabled"}, aws.Bool(false), nil, true},
		{"local wanted", region(topology.ForwardLocal), rdstypes.DBCluster{}, nil, aws.Bool(true), false},
		{"local enabled", region(topology.ForwardLocal), rdstypes.DBCluster{LocalWriteForwardingStatus: "enabled"}, nil, nil, true},
		{"local requested", region(topology.ForwardLocal), rdstypes.DBCluster{LocalWriteForwardingStatus: "requested"}, nil, nil, false},
		{"local unwanted", region(topology.ForwardOff), rdstypes.DBCluster{LocalWriteForwardingStatus: "enabling"}, nil, aws.Bool(false), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &rds.ModifyDBClusterInput{}
			details := setForwarding(tt.r, &tt.c, in)
			if !eqBoolp(in.EnableGlobalWriteForwarding, tt.global) || !eqBoolp(in.EnableLocalWriteForwarding, tt.local) {
				t.Errorf("global %v local %v, want %v %v", fmtBoolp(in.EnableGlobalWriteForwarding), fmtBoolp(in.EnableLocalWriteForwarding), fmtBoolp(tt.global), fmtBoolp(tt.local))
			}
			if (len(details) > 0) != (tt.global != nil || tt.local != nil) {
				t.Errorf("details %v", details)
			}
			if ok, now := forwardingSettled(tt.r, &tt.c); ok != tt.settled {
				t.Errorf("settled = %v (%s), want %v", ok, now, tt.settled)
			}
		})
	}
}

func eqBoolp(a, b *bool) bool { return (a == nil) == (b == nil) && aws.ToBool(a) == aws.ToBool(b) }

func fmtBoolp(p *bool) string {
	if p == nil {
		return "unset"
	}
	if *p {
		return "true"
	}
	return "false"
}

// TestApply_WriteForwarding applies the seed with global forwarding on the
// secondary (consistency eventual through a named cluster parameter group)
// and local forwarding on the primary, then turns global off: each apply
// converges and status shows what RDS reports.
func TestApply_WriteForwarding(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := startEmulator(t)
	top := seedTopology(t)
	const primary, secondary, group = "ap-southeast-1", "ap-southeast-2", "wf-params"
	for i := range top.Regions {
		r := &top.Regions[i]
		r.Instances = r.Instances[:1] // one server per region is enough here
		r.ClusterParameterGroup = group
		if r.Name == primary {
			r.WriteForwarding = topology.ForwardLocal
		} else {
			r.WriteForwarding, r.WriteForwardingConsistency = topology.ForwardGlobal, "eventual"
		}
	}
	c := connect(t, e, top)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for _, region := range []string{primary, secondary} {
		if _, err := c.RDS(region).CreateDBClusterParameterGroup(ctx, &rds.CreateDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String(group),
			DBParameterGroupFamily: aws.String("aurora-postgresql15"), Description: aws.String("write forwarding")}); err != nil {
			t.Fatal(err)
		}
	}
	n := Names{top.Name}
	cluster := func(region string) *rdstypes.DBCluster {
		t.Helper()
		cl, err := describeCluster(ctx, c.RDS(region), n.Cluster(region))
		if err != nil || cl == nil {
			t.Fatalf("describe %s: %v", region, err)
		}
		return cl
	}
	replanEmpty := func(t *testing.T) {
		t.Helper()
		p, _, err := PlanApply(ctx, c, top)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Empty() {
			t.Errorf("re-plan is not empty:\n%s", planText(p))
		}
	}
	applyT(t, c, top)
	t.Run("applied", func(t *testing.T) {
		if s := cluster(secondary); !aws.ToBool(s.GlobalWriteForwardingRequested) || s.GlobalWriteForwardingStatus != rdstypes.WriteForwardingStatusEnabled {
			t.Errorf("secondary: requested %v status %q, want enabled", aws.ToBool(s.GlobalWriteForwardingRequested), s.GlobalWriteForwardingStatus)
		}
		if p := cluster(primary); p.LocalWriteForwardingStatus != rdstypes.LocalWriteForwardingStatusEnabled || p.GlobalWriteForwardingStatus != "" {
			t.Errorf("primary: local %q global %q, want local enabled and no global status", p.LocalWriteForwardingStatus, p.GlobalWriteForwardingStatus)
		}
		if mode, err := readConsistency(ctx, c.RDS(secondary), group); err != nil || mode != "eventual" {
			t.Errorf("consistency mode in %s = %q, %v; want eventual", secondary, mode, err)
		}
		replanEmpty(t)
	})
	t.Run("status", func(t *testing.T) {
		st, err := Status(ctx, c, top, resolve.Server(e.DNSAddr()))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]WriteForwardingStatus{}
		for _, r := range st.Regions {
			if r.Cluster != nil && r.Cluster.WriteForwarding != nil {
				got[r.Region] = *r.Cluster.WriteForwarding
			}
		}
		want := map[string]WriteForwardingStatus{
			primary:   {LocalStatus: "enabled", ConsistencyMode: "session"},
			secondary: {GlobalRequested: true, GlobalStatus: "enabled", ConsistencyMode: "eventual"},
		}
		for region, w := range want {
			if got[region] != w {
				t.Errorf("%s write forwarding = %+v, want %+v", region, got[region], w)
			}
		}
		var b bytes.Buffer
		if err := st.WriteTable(&b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "GLOBAL FORWARDING") || !strings.Contains(b.String(), "eventual") {
			t.Errorf("status table has no write-forwarding section:\n%s", b.String())
		}
	})
	t.Run("turned off", func(t *testing.T) {
		top.Regions[1].WriteForwarding, top.Regions[1].WriteForwardingConsistency = topology.ForwardOff, ""
		p, _, err := PlanApply(ctx, c, top)
		if err != nil {
			t.Fatal(err)
		}
		if text := planText(p); !strings.Contains(text, "global write forwarding: true → false") {
			t.Errorf("plan does not turn global forwarding off:\n%s", text)
		}
		applyT(t, c, top)
		if s := cluster(secondary); aws.ToBool(s.GlobalWriteForwardingRequested) {
			t.Errorf("secondary still requests global forwarding")
		}
		replanEmpty(t)
	})
}

func planText(p *Plan) string {
	var b bytes.Buffer
	p.WriteText(&b)
	return b.String()
}

func TestPolicyFor_WriteForwarding(t *testing.T) {
	top := seedTopology(t)
	actions := func(doc PolicyDocument) map[string][]string {
		out := map[string][]string{}
		for _, s := range doc.Statement {
			for _, a := range s.Action {
				out[a] = s.Resource
			}
		}
		return out
	}
	if a := actions(PolicyFor(top, "123456789012")); a["rds:DescribeDBClusterParameters"] != nil || a["rds:ModifyDBClusterParameterGroup"] != nil {
		t.Errorf("the seed (no forwarding) gets parameter-group actions: %v", a)
	}
	for i := range top.Regions {
		top.Regions[i].ClusterParameterGroup = "wf"
	}
	top.Regions[1].WriteForwarding = topology.ForwardGlobal
	a := actions(PolicyFor(top, "123456789012"))
	if a["rds:DescribeDBClusterParameters"] == nil || a["rds:ModifyDBCluster"] == nil {
		t.Errorf("forwarding policy lacks DescribeDBClusterParameters or ModifyDBCluster: %v", a)
	}
	want := "arn:aws:rds:" + top.Regions[1].Name + ":123456789012:cluster-pg:wf"
	if got := a["rds:ModifyDBClusterParameterGroup"]; len(got) != 1 || got[0] != want {
		t.Errorf("ModifyDBClusterParameterGroup on %v, want only %s (the group of the forwarding region)", got, want)
	}
}

func TestForwardingRegions(t *testing.T) {
	cluster := func(requested bool, st rdstypes.WriteForwardingStatus) *rdstypes.DBCluster {
		return &rdstypes.DBCluster{GlobalWriteForwardingRequested: aws.Bool(requested), GlobalWriteForwardingStatus: st}
	}
	views := []regionView{{region: "p", role: "primary"}, {region: "a", role: "secondary"}, {region: "b", role: "secondary"},
		{region: "c", role: "secondary"}, {region: "d", role: "detached"}, {region: "e", role: "secondary"}}
	w := &World{Clusters: map[string]*rdstypes.DBCluster{
		"p": cluster(true, ""),         // the primary keeps a stored request: it takes writes itself
		"a": cluster(true, "enabled"),  // forwards
		"b": cluster(true, "enabling"), // not yet: its writes may still be refused
		"c": cluster(false, "disabled"),
		"d": cluster(true, "enabled"), // detached: no longer a secondary
		// e: unreadable
	}}
	got := forwardingRegions(w, views, "p")
	if len(got) != 1 || !got["a"] {
		t.Errorf("forwardingRegions = %v, want only a", got)
	}
}

func TestForwardedRowID(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	a, b := forwardedRowID("eu-west-1", now), forwardedRowID("eu-west-1", now.Add(time.Nanosecond))
	if a == b || !strings.HasPrefix(a, "wf-eu-west-1-") {
		t.Errorf("ids %q and %q: want distinct, marked with the region", a, b)
	}
}

// TestVerify_WriteForwarding: with global forwarding on, verify writes
// through the secondary's reader endpoint (the emulator's wire front
// forwards it over the WAN link), reads it back in the session and finds
// it on the writer.
func TestVerify_WriteForwarding(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := startEmulator(t)
	top := seedTopology(t)
	for i := range top.Regions {
		top.Regions[i].Instances = top.Regions[i].Instances[:1]
	}
	top.Regions[1].WriteForwarding = topology.ForwardGlobal
	c := connect(t, e, top)
	applyT(t, c, top)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Verify(ctx, c, top, resolve.Server(e.DNSAddr()), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ch := range rep.Checks {
		if strings.HasPrefix(ch.Name, "forwarded write") {
			found = true
			if !ch.OK {
				t.Errorf("%s in %s: %s", ch.Name, ch.Region, ch.Error)
			}
		}
		if ch.Name == "secondary refuses writes" && ch.Region == top.Regions[1].Name {
			t.Errorf("verify expects the forwarding secondary to refuse writes")
		}
	}
	if !found || !rep.OK() {
		t.Errorf("forwarded-write check found %v; failures %v", found, rep.Failures())
	}
}

// TestLeastPrivilege_WriteForwarding: the operator policy of a topology
// with write forwarding and a named parameter group suffices for apply and
// status, and its parameter-group statement is needed.
func TestLeastPrivilege_WriteForwarding(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.StartWith(t, emulator.Config{EnforceIAM: true, TimeScale: 0.05})
	top := seedTopology(t)
	const group = "wf-params"
	for i := range top.Regions {
		top.Regions[i].Instances = top.Regions[i].Instances[:1]
		top.Regions[i].ClusterParameterGroup = group
	}
	top.Regions[1].WriteForwarding, top.Regions[1].WriteForwardingConsistency = topology.ForwardGlobal, "eventual"
	root := connect(t, e, top)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for _, r := range top.Regions {
		if _, err := root.RDS(r.Name).CreateDBClusterParameterGroup(ctx, &rds.CreateDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String(group),
			DBParameterGroupFamily: aws.String("aurora-postgresql15"), Description: aws.String("write forwarding")}); err != nil {
			t.Fatal(err)
		}
	}
	account, err := root.Account(ctx)
	if err != nil {
		t.Fatal(err)
	}
	policy := PolicyFor(top, account)
	t.Run("without the parameter-group statement apply is denied", func(t *testing.T) {
		var doc PolicyDocument
		doc.Version = policy.Version
		for _, s := range policy.Statement {
			if s.Sid != "RDSWriteForwardingParameters" {
				doc.Statement = append(doc.Statement, s)
			}
		}
		if len(doc.Statement) == len(policy.Statement) {
			t.Fatal("the policy has no RDSWriteForwardingParameters statement")
		}
		c := operator(ctx, t, e, root, top, "operator-wf-partial", doc)
		p, w, err := PlanApply(ctx, c, top)
		if err == nil {
			err = Apply(ctx, c, top, p, w, fast)
		}
		if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
			t.Fatalf("apply without ModifyDBClusterParameterGroup: %v, want AccessDenied", err)
		}
	})
	t.Run("the policy suffices", func(t *testing.T) {
		c := operator(ctx, t, e, root, top, "operator-wf", policy)
		p, w, err := PlanApply(ctx, c, top)
		if err != nil {
			t.Fatal(err)
		}
		if err := Apply(ctx, c, top, p, w, fast); err != nil {
			t.Fatalf("apply: %v", err)
		}
		st, err := Status(ctx, c, top, resolve.Server(e.DNSAddr()))
		if err == nil {
			err = deniedIn(st)
		}
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		for _, r := range st.Regions {
			if r.Region == top.Regions[1].Name && (r.Cluster == nil || r.Cluster.WriteForwarding == nil || r.Cluster.WriteForwarding.ConsistencyMode != "eventual") {
				t.Errorf("status of %s: %+v, want write forwarding with consistency eventual", r.Region, r.Cluster)
			}
		}
	})
}
