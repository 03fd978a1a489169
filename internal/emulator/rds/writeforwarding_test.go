package rds

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

const (
	wfPrimary   = "ap-southeast-1"
	wfSecondary = "ap-southeast-2"
)

// wfModel is the seed topology on a clock the test moves.
func wfModel(t *testing.T) (*Service, *fixedClock) {
	t.Helper()
	clk := &fixedClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	return seedModelWith(t, Config{Clock: clk}), clk
}

func modifyWF(t *testing.T, s *Service, region, cluster string, global, local *bool) {
	t.Helper()
	if _, err := s.ModifyDBCluster(context.Background(), region, &sdk.ModifyDBClusterInput{DBClusterIdentifier: aws.String(cluster),
		EnableGlobalWriteForwarding: global, EnableLocalWriteForwarding: local}); err != nil {
		t.Fatal(err)
	}
}

func describeCluster(t *testing.T, s *Service, region, id string) types.DBCluster {
	t.Helper()
	out, err := s.DescribeDBClusters(context.Background(), region, &sdk.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	return out.DBClusters[0]
}

// switchover plays a switchover of g to cluster "s" through to its end:
// the runtime begins it and reports the new roles.
func switchover(t *testing.T, s *Service) {
	t.Helper()
	arn := "arn:aws:rds:" + wfSecondary + ":000000000000:cluster:s"
	if _, err := s.SwitchoverGlobalCluster(context.Background(), wfPrimary, &sdk.SwitchoverGlobalClusterInput{
		GlobalClusterIdentifier: aws.String("g"), TargetDbClusterIdentifier: &arn}); err != nil {
		t.Fatal(err)
	}
	s.BeginGlobalFailover("g")
	s.ObserveInstanceRole(wfSecondary+"/s1", roleWriter)
	s.ObserveInstanceRole(wfPrimary+"/p1", roleReader)
	if g := s.st.Globals["g"]; g.Failover != nil || g.Writer != wfSecondary+"/s" {
		t.Fatalf("switchover did not complete: %+v", g)
	}
}

func forwards(t *testing.T, s *Service) map[string]*Forward {
	t.Helper()
	out := map[string]*Forward{}
	for _, n := range s.Topology().Nodes {
		out[strings.TrimPrefix(strings.TrimPrefix(n.Key, wfPrimary+"/"), wfSecondary+"/")] = n.Forward
	}
	return out
}

func TestService_TopologyForward(t *testing.T) {
	on, off := aws.Bool(true), aws.Bool(false)
	p1, s1 := wfPrimary+"/p1", wfSecondary+"/s1"
	global := func(writer string) *Forward {
		return &Forward{Kind: ForwardGlobal, Writer: writer, Link: true, ConsistencyMode: "SESSION", ConnectTimeout: 30 * time.Second,
			IdleSessionTimeout: 5 * time.Minute, IdleInTransactionSessionTimeout: 24 * time.Hour, MaxConnectionsPercent: 25}
	}
	local := &Forward{Kind: ForwardLocal, Writer: p1, ConsistencyMode: "SESSION", ConnectTimeout: 30 * time.Second,
		IdleSessionTimeout: 5 * time.Minute, IdleInTransactionSessionTimeout: 24 * time.Hour, MaxConnectionsPercent: 25}
	tests := []struct {
		name string
		act  func(t *testing.T, s *Service)
		want map[string]*Forward
	}{
		{"secondary without forwarding", func(*testing.T, *Service) {}, map[string]*Forward{}},
		{"secondary with global forwarding", func(t *testing.T, s *Service) {
			modifyWF(t, s, wfSecondary, "s", on, nil)
		}, map[string]*Forward{"s1": global(p1), "s2": global(p1)}},
		{"secondary after disabling", func(t *testing.T, s *Service) {
			modifyWF(t, s, wfSecondary, "s", on, nil)
			modifyWF(t, s, wfSecondary, "s", off, nil)
		}, map[string]*Forward{}},
		{"primary with a stored request", func(t *testing.T, s *Service) {
			modifyWF(t, s, wfPrimary, "p", on, nil)
		}, map[string]*Forward{}},
		{"after switchover the stored request acts", func(t *testing.T, s *Service) {
			modifyWF(t, s, wfPrimary, "p", on, nil)
			modifyWF(t, s, wfSecondary, "s", on, nil)
			switchover(t, s)
		}, map[string]*Forward{"p1": global(s1), "p2": global(s1)}},
		{"local forwarding readers", func(t *testing.T, s *Service) {
			modifyWF(t, s, wfPrimary, "p", nil, on)
		}, map[string]*Forward{"p2": local}},
		{"parameter values carried", func(t *testing.T, s *Service) {
			ctx := context.Background()
			if _, err := s.CreateDBClusterParameterGroup(ctx, wfSecondary, &sdk.CreateDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("wf"),
				DBParameterGroupFamily: aws.String("aurora-postgresql15"), Description: aws.String("wf")}); err != nil {
				t.Fatal(err)
			}
			params := map[string]string{paramWFConsistency: "Eventual", paramWFConnect: "0", paramWFIdle: "1500",
				paramWFIdleInXact: "0", paramWFMaxConnsShare: "100"}
			var ps []types.Parameter
			for k, v := range params {
				ps = append(ps, types.Parameter{ParameterName: aws.String(k), ParameterValue: aws.String(v), ApplyMethod: types.ApplyMethodImmediate})
			}
			if _, err := s.ModifyDBClusterParameterGroup(ctx, wfSecondary, &sdk.ModifyDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("wf"), Parameters: ps}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ModifyDBCluster(ctx, wfSecondary, &sdk.ModifyDBClusterInput{DBClusterIdentifier: aws.String("s"),
				DBClusterParameterGroupName: aws.String("wf"), EnableGlobalWriteForwarding: on}); err != nil {
				t.Fatal(err)
			}
		}, map[string]*Forward{
			"s1": {Kind: ForwardGlobal, Writer: p1, Link: true, ConsistencyMode: "EVENTUAL", IdleSessionTimeout: 1500 * time.Millisecond, MaxConnectionsPercent: 100},
			"s2": {Kind: ForwardGlobal, Writer: p1, Link: true, ConsistencyMode: "EVENTUAL", IdleSessionTimeout: 1500 * time.Millisecond, MaxConnectionsPercent: 100},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := wfModel(t)
			tt.act(t, s)
			got := forwards(t, s)
			for node, f := range got {
				want := tt.want[node]
				switch {
				case (f == nil) != (want == nil):
					t.Errorf("%s Forward = %+v, want %+v", node, f, want)
				case f != nil && *f != *want:
					t.Errorf("%s Forward = %+v, want %+v", node, *f, *want)
				}
			}
			for _, n := range s.Topology().Nodes {
				if n.Writer && n.Forward != nil {
					t.Errorf("writer %s forwards: %+v", n.Key, n.Forward)
				}
				if f := n.Forward; f != nil && f.Link && !hasLink(s.Topology(), n.Cluster) {
					t.Errorf("%s forwards through a link its cluster does not have", n.Key)
				}
			}
		})
	}
}

func hasLink(top Topology, cluster string) bool {
	for _, l := range top.Links {
		if l.Cluster == cluster {
			return true
		}
	}
	return false
}

func TestService_WriteForwardingStatus(t *testing.T) {
	on, off := aws.Bool(true), aws.Bool(false)
	s, clk := wfModel(t)
	step := func() { clk.t = clk.t.Add(DefaultWriteForwardingDelay) }
	type want struct {
		requested *bool
		global    types.WriteForwardingStatus
		member    types.WriteForwardingStatus // GlobalClusterMembers entry
		local     types.LocalWriteForwardingStatus
	}
	check := func(t *testing.T, region, id string, w want) {
		t.Helper()
		c := describeCluster(t, s, region, id)
		if aws.ToBool(c.GlobalWriteForwardingRequested) != aws.ToBool(w.requested) || (c.GlobalWriteForwardingRequested == nil) != (w.requested == nil) ||
			c.GlobalWriteForwardingStatus != w.global || c.LocalWriteForwardingStatus != w.local {
			t.Errorf("%s: requested %v status %q local %q, want %v %q %q", id, aws.ToBool(c.GlobalWriteForwardingRequested),
				c.GlobalWriteForwardingStatus, c.LocalWriteForwardingStatus, aws.ToBool(w.requested), w.global, w.local)
		}
		out, err := s.DescribeGlobalClusters(context.Background(), region, &sdk.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String("g")})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.GlobalClusters[0].GlobalClusterMembers {
			if aws.ToString(m.DBClusterArn) == aws.ToString(c.DBClusterArn) && m.GlobalWriteForwardingStatus != w.member {
				t.Errorf("%s: member status %q, want %q", id, m.GlobalWriteForwardingStatus, w.member)
			}
		}
	}
	steps := []struct {
		name   string
		act    func(t *testing.T)
		region string
		id     string
		want   want
	}{
		{"secondary starts disabled", func(*testing.T) {}, wfSecondary, "s", want{off, "disabled", "disabled", ""}},
		{"primary has no status", func(*testing.T) {}, wfPrimary, "p", want{off, "", "", ""}},
		{"enabling", func(t *testing.T) { modifyWF(t, s, wfSecondary, "s", on, nil) }, wfSecondary, "s", want{on, "enabling", "enabling", ""}},
		{"enabled after a step", func(*testing.T) { step() }, wfSecondary, "s", want{on, "enabled", "enabled", ""}},
		{"the same request changes nothing", func(t *testing.T) { modifyWF(t, s, wfSecondary, "s", on, nil) }, wfSecondary, "s", want{on, "enabled", "enabled", ""}},
		{"disabling", func(t *testing.T) { modifyWF(t, s, wfSecondary, "s", off, nil) }, wfSecondary, "s", want{off, "disabling", "disabling", ""}},
		{"disabled after a step", func(*testing.T) { step() }, wfSecondary, "s", want{off, "disabled", "disabled", ""}},
		{"primary stores the request", func(t *testing.T) { modifyWF(t, s, wfPrimary, "p", on, nil) }, wfPrimary, "p", want{on, "", "", ""}},
		{"local forwarding enabling", func(t *testing.T) { modifyWF(t, s, wfPrimary, "p", nil, on) }, wfPrimary, "p", want{on, "", "", "enabling"}},
		{"local forwarding enabled", func(*testing.T) { step() }, wfPrimary, "p", want{on, "", "", "enabled"}},
		{"the demoted primary forwards", func(t *testing.T) { modifyWF(t, s, wfSecondary, "s", on, nil); step(); switchover(t, s) },
			wfPrimary, "p", want{on, "enabling", "enabling", "enabled"}},
		{"the promoted secondary stops but keeps its request", func(*testing.T) {}, wfSecondary, "s", want{on, "", "", ""}},
		{"the demoted primary settles", func(*testing.T) { step() }, wfPrimary, "p", want{on, "enabled", "enabled", "enabled"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.act(t)
			check(t, st.region, st.id, st.want)
		})
	}
	t.Run("survives a restart", func(t *testing.T) {
		store := NewFileStore(filepath.Join(t.TempDir(), "rds.json"))
		if err := store.Save(s.st); err != nil {
			t.Fatal(err)
		}
		s2, err := New(Config{Clock: clk, Store: store, Addresses: &seqAddrs{}})
		if err != nil {
			t.Fatal(err)
		}
		s = s2
		check(t, wfPrimary, "p", want{on, "enabled", "enabled", "enabled"})
		check(t, wfSecondary, "s", want{on, "", "", ""})
	})
}

func TestService_WriteForwardingErrors(t *testing.T) {
	ctx := context.Background()
	on := aws.Bool(true)
	s, _ := wfModel(t)
	create := func(id, version string, global, local *bool) error {
		_, err := s.CreateDBCluster(ctx, "eu-west-1", &sdk.CreateDBClusterInput{DBClusterIdentifier: aws.String(id), Engine: aws.String("aurora-postgresql"),
			EngineVersion: aws.String(version), MasterUsername: aws.String("admin1"), MasterUserPassword: aws.String("password1"),
			EnableGlobalWriteForwarding: global, EnableLocalWriteForwarding: local})
		return err
	}
	pg := func(name, value string) error {
		_, err := s.ModifyDBClusterParameterGroup(ctx, wfPrimary, &sdk.ModifyDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("wf"),
			Parameters: []types.Parameter{{ParameterName: aws.String(name), ParameterValue: aws.String(value), ApplyMethod: types.ApplyMethodImmediate}}})
		return err
	}
	if _, err := s.CreateDBClusterParameterGroup(ctx, wfPrimary, &sdk.CreateDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("wf"),
		DBParameterGroupFamily: aws.String("aurora-postgresql15"), Description: aws.String("wf")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		call    func() error
		code    string
		message string
	}{
		{"local on 15.4", func() error { return create("a", "15.4", nil, on) }, errInvalidCombination, "Local write forwarding isn't supported for aurora-postgresql version 15.4"},
		{"local on 15.8", func() error { return create("b", "15.8", nil, on) }, "", ""},
		{"global on 15.4", func() error { return create("c", "15.4", on, nil) }, "", ""},
		{"local on 15.4 by modify", func() error {
			s.ObserveVolumeReady("eu-west-1/c")
			_, err := s.ModifyDBCluster(ctx, "eu-west-1", &sdk.ModifyDBClusterInput{DBClusterIdentifier: aws.String("c"), EnableLocalWriteForwarding: on})
			return err
		}, errInvalidCombination, "It requires 16.4 and higher 16.x, 15.8 and higher 15.x, or 14.13 and higher 14.x"},
		{"consistency mode any case", func() error { return pg(paramWFConsistency, "GLOBAL") }, "", ""},
		{"consistency mode unknown", func() error { return pg(paramWFConsistency, "strong") }, errInvalidValue, "Value: strong is outside of range: off,eventual,session,global"},
		{"percent 0", func() error { return pg(paramWFMaxConnsShare, "0") }, errInvalidValue, "outside of range: 1-100"},
		{"percent 101", func() error { return pg(paramWFMaxConnsShare, "101") }, errInvalidValue, "outside of range: 1-100"},
		{"timeout not a number", func() error { return pg(paramWFConnect, "30s") }, errInvalidValue, "Value: 30s is outside of range: 0-2147483647"},
		{"timeout negative", func() error { return pg(paramWFIdle, "-1") }, errInvalidValue, "outside of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.code == "" {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.Code != tt.code || !strings.Contains(ae.Message, tt.message) {
				t.Errorf("err = %v, want %s containing %q", err, tt.code, tt.message)
			}
		})
	}
	t.Run("a refused secondary does not join", func(t *testing.T) {
		_, err := s.CreateDBCluster(ctx, "eu-west-1", &sdk.CreateDBClusterInput{DBClusterIdentifier: aws.String("x"), Engine: aws.String("aurora-postgresql"),
			GlobalClusterIdentifier: aws.String("g"), EngineVersion: aws.String("15.4"), EnableLocalWriteForwarding: on})
		if err == nil {
			t.Fatal("created")
		}
		if n := len(s.st.Globals["g"].Members); n != 2 {
			t.Errorf("global members = %d after a refused create, want 2", n)
		}
	})
}

func TestService_DescribeDBEngineVersionsLocalForwarding(t *testing.T) {
	s, _ := wfModel(t)
	out, err := s.DescribeDBEngineVersions(context.Background(), wfPrimary, &sdk.DescribeDBEngineVersionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"15.4": false, "15.8": true, "15.10": true, "15.12": true}
	for _, v := range out.DBEngineVersions {
		if got := aws.ToBool(v.SupportsLocalWriteForwarding); got != want[aws.ToString(v.EngineVersion)] {
			t.Errorf("%s SupportsLocalWriteForwarding = %v", aws.ToString(v.EngineVersion), got)
		}
	}
}

func TestSupportsForwarding(t *testing.T) {
	tests := []struct {
		kind, version string
		want          bool
	}{
		{ForwardGlobal, "16.1", true}, {ForwardGlobal, "15.4", true}, {ForwardGlobal, "15.3", false},
		{ForwardGlobal, "14.9", true}, {ForwardGlobal, "14.8", false}, {ForwardGlobal, "13.12", false}, {ForwardGlobal, "17.2", true},
		{ForwardLocal, "16.4", true}, {ForwardLocal, "16.3", false}, {ForwardLocal, "15.8", true}, {ForwardLocal, "15.7", false},
		{ForwardLocal, "14.13", true}, {ForwardLocal, "14.12", false}, {ForwardLocal, "bad", false},
	}
	for _, tt := range tests {
		if got := supportsForwarding(tt.kind, tt.version); got != tt.want {
			t.Errorf("supportsForwarding(%s, %s) = %v, want %v", tt.kind, tt.version, got, tt.want)
		}
	}
}
