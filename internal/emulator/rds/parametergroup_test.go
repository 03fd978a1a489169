package rds

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

func TestService_TopologyTLS(t *testing.T) {
	ctx := context.Background()
	s := seedModel(t)
	p1 := nodeByKey(t, s.Topology(), "ap-southeast-1/p1")
	s1 := nodeByKey(t, s.Topology(), "ap-southeast-2/s1")
	t.Run("names are the RDS endpoints of the instance", func(t *testing.T) {
		for _, n := range []Node{p1, s1} {
			inst := s.st.Instances[n.Key]
			c := s.st.Clusters[n.Cluster]
			want := []string{s.instanceEndpoint(inst), s.clusterEndpoint(c), s.readerEndpoint(c), s.globalEndpoint(s.st.Globals["g"])}
			if !slices.Equal(n.TLSNames, want) {
				t.Errorf("%s TLSNames = %v, want %v", n.Key, n.TLSNames, want)
			}
		}
	})
	t.Run("a detached cluster loses the global name", func(t *testing.T) {
		arn := "arn:aws:rds:ap-southeast-2:000000000000:cluster:s"
		if _, err := s.RemoveFromGlobalCluster(ctx, "ap-southeast-1", &sdk.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String("g"), DbClusterIdentifier: &arn}); err != nil {
			t.Fatal(err)
		}
		s.ObservePromoted("ap-southeast-2/s")
		got := nodeByKey(t, s.Topology(), "ap-southeast-2/s1").TLSNames
		if len(got) != 3 || slices.ContainsFunc(got, func(n string) bool { return strings.Contains(n, ".global-") }) {
			t.Errorf("TLSNames after detaching = %v, want instance, writer and reader endpoints", got)
		}
	})
	t.Run("rds.force_ssl follows the cluster parameter group", func(t *testing.T) {
		if p1.ForceSSL {
			t.Fatal("ForceSSL with the default group, want off (Aurora PostgreSQL 15 default 0)")
		}
		mustPG(t, s, "tls-only", "1")
		if _, err := s.ModifyDBCluster(ctx, "ap-southeast-1", &sdk.ModifyDBClusterInput{DBClusterIdentifier: aws.String("p"), DBClusterParameterGroupName: aws.String("TLS-Only")}); err != nil {
			t.Fatal(err)
		}
		if !nodeByKey(t, s.Topology(), "ap-southeast-1/p2").ForceSSL {
			t.Error("ForceSSL off after attaching a group with rds.force_ssl=1")
		}
		if _, err := s.ModifyDBClusterParameterGroup(ctx, "ap-southeast-1", &sdk.ModifyDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("tls-only"),
			Parameters: []types.Parameter{{ParameterName: aws.String("rds.force_ssl"), ParameterValue: aws.String("0"), ApplyMethod: types.ApplyMethodImmediate}}}); err != nil {
			t.Fatal(err)
		}
		if nodeByKey(t, s.Topology(), "ap-southeast-1/p2").ForceSSL {
			t.Error("ForceSSL still on after setting rds.force_ssl=0 (a dynamic parameter)")
		}
	})
}

// mustPG creates parameter group name in ap-southeast-1 with rds.force_ssl.
func mustPG(t *testing.T, s *Service, name, forceSSL string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.CreateDBClusterParameterGroup(ctx, "ap-southeast-1", &sdk.CreateDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String(name),
		DBParameterGroupFamily: aws.String("aurora-postgresql15"), Description: aws.String("test")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ModifyDBClusterParameterGroup(ctx, "ap-southeast-1", &sdk.ModifyDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String(name),
		Parameters: []types.Parameter{{ParameterName: aws.String("rds.force_ssl"), ParameterValue: aws.String(forceSSL), ApplyMethod: types.ApplyMethodImmediate}}}); err != nil {
		t.Fatal(err)
	}
}

func TestService_ClusterParameterGroupErrors(t *testing.T) {
	ctx := context.Background()
	s := seedModel(t)
	mustPG(t, s, "in-use", "1")
	if _, err := s.ModifyDBCluster(ctx, "ap-southeast-1", &sdk.ModifyDBClusterInput{DBClusterIdentifier: aws.String("p"), DBClusterParameterGroupName: aws.String("in-use")}); err != nil {
		t.Fatal(err)
	}
	const r = "ap-southeast-1"
	modify := func(group, name, value string) error {
		_, err := s.ModifyDBClusterParameterGroup(ctx, r, &sdk.ModifyDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String(group),
			Parameters: []types.Parameter{{ParameterName: aws.String(name), ParameterValue: aws.String(value)}}})
		return err
	}
	tests := []struct {
		name, code, message string
		call                func() error
	}{
		{"create existing", "DBParameterGroupAlreadyExistsFault", "Parameter group in-use already exists", func() error {
			_, err := s.CreateDBClusterParameterGroup(ctx, r, &sdk.CreateDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("In-Use"),
				DBParameterGroupFamily: aws.String("aurora-postgresql15"), Description: aws.String("x")})
			return err
		}},
		{"create bad name", "InvalidParameterValue", "not a valid identifier", func() error {
			_, err := s.CreateDBClusterParameterGroup(ctx, r, &sdk.CreateDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("a--b"),
				DBParameterGroupFamily: aws.String("aurora-postgresql15"), Description: aws.String("x")})
			return err
		}},
		{"create other family", "InvalidParameterValue", "DBParameterGroupFamily", func() error {
			_, err := s.CreateDBClusterParameterGroup(ctx, r, &sdk.CreateDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("m"),
				DBParameterGroupFamily: aws.String("aurora-mysql8.0"), Description: aws.String("x")})
			return err
		}},
		{"modify the default group", "InvalidParameterValue", "cannot be modified", func() error { return modify("default.aurora-postgresql15", "rds.force_ssl", "1") }},
		{"modify missing group", "DBParameterGroupNotFoundFault", "DBClusterParameterGroup not found: nope", func() error { return modify("nope", "rds.force_ssl", "1") }},
		{"unknown parameter", "InvalidParameterValue", "Could not find parameter with name: work_mem", func() error { return modify("in-use", "work_mem", "1") }},
		{"value out of range", "InvalidParameterValue", "Value: 2 is outside of range: 0,1 for parameter: rds.force_ssl", func() error { return modify("in-use", "rds.force_ssl", "2") }},
		{"delete in use", "InvalidDBParameterGroupStateFault", "still members of this parameter group in-use", func() error {
			_, err := s.DeleteDBClusterParameterGroup(ctx, r, &sdk.DeleteDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("in-use")})
			return err
		}},
		{"delete the default group", "InvalidDBParameterGroupStateFault", "Default parameter groups cannot be deleted", func() error {
			_, err := s.DeleteDBClusterParameterGroup(ctx, r, &sdk.DeleteDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("default.aurora-postgresql15")})
			return err
		}},
		{"cluster with a missing group", "DBParameterGroupNotFoundFault", "DBClusterParameterGroup not found: ghost", func() error {
			_, err := s.ModifyDBCluster(ctx, r, &sdk.ModifyDBClusterInput{DBClusterIdentifier: aws.String("p"), DBClusterParameterGroupName: aws.String("ghost"),
				DeletionProtection: aws.Bool(true)})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.Code != tt.code || !strings.Contains(ae.Message, tt.message) {
				t.Fatalf("err = %v, want %s containing %q", err, tt.code, tt.message)
			}
		})
	}
	t.Run("a refused ModifyDBCluster changes nothing", func(t *testing.T) {
		if c := s.st.Clusters["ap-southeast-1/p"]; c.DeletionProtection || c.ParameterGroup != "in-use" {
			t.Errorf("cluster changed by a refused call: %+v", c)
		}
	})
	t.Run("describe parameters by source", func(t *testing.T) {
		out, err := s.DescribeDBClusterParameters(ctx, r, &sdk.DescribeDBClusterParametersInput{DBClusterParameterGroupName: aws.String("in-use"), Source: aws.String("user")})
		if err != nil || len(out.Parameters) != 1 || aws.ToString(out.Parameters[0].ParameterValue) != "1" {
			t.Fatalf("user parameters = %+v, %v; want rds.force_ssl=1", out, err)
		}
		out, err = s.DescribeDBClusterParameters(ctx, r, &sdk.DescribeDBClusterParametersInput{DBClusterParameterGroupName: aws.String("default.aurora-postgresql15")})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, p := range out.Parameters {
			if aws.ToString(p.Source) != "engine-default" {
				t.Errorf("%s source = %s, want engine-default", aws.ToString(p.ParameterName), aws.ToString(p.Source))
			}
			got[aws.ToString(p.ParameterName)] = aws.ToString(p.ParameterValue)
		}
		want := map[string]string{"rds.force_ssl": "0", "apg_write_forward.consistency_mode": "session",
			"apg_write_forward.connect_timeout": "30", "apg_write_forward.idle_session_timeout": "300000",
			"apg_write_forward.idle_in_transaction_session_timeout": "86400000", "apg_write_forward.max_forwarding_connections_percent": "25"}
		if !maps.Equal(got, want) {
			t.Errorf("default parameters = %v, want %v", got, want)
		}
	})
}
