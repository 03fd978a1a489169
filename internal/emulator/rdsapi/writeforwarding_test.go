package rdsapi_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// writeForwardingSteps: EnableGlobalWriteForwarding and
// EnableLocalWriteForwarding on CreateDBCluster and ModifyDBCluster, the
// statuses DescribeDBClusters and DescribeGlobalClusters report, the
// version refusal, and the apg_write_forward.* parameters.
func writeForwardingSteps() []step {
	const (
		global    = "wf-global"
		primary   = "wf-use1"
		secondary = "wf-euw1"
		group     = "wf-params"
	)
	createWF := func(id string, edit func(in *sdk.CreateDBClusterInput), want func(*types.DBCluster) bool) callFunc {
		return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			in := &sdk.CreateDBClusterInput{DBClusterIdentifier: aws.String(id), Engine: aws.String(engine), GlobalClusterIdentifier: aws.String(global)}
			edit(in)
			out, err := c.CreateDBCluster(ctx, in)
			if err == nil && !want(out.DBCluster) {
				t.Errorf("DBCluster forwarding: requested %v status %q local %q", aws.ToBool(out.DBCluster.GlobalWriteForwardingRequested),
					out.DBCluster.GlobalWriteForwardingStatus, out.DBCluster.LocalWriteForwardingStatus)
			}
			return err
		}
	}
	modifyWF := func(id string, globalOn, localOn *bool, want func(*types.DBCluster) bool) callFunc {
		return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.ModifyDBCluster(ctx, &sdk.ModifyDBClusterInput{DBClusterIdentifier: aws.String(id),
				EnableGlobalWriteForwarding: globalOn, EnableLocalWriteForwarding: localOn})
			if err == nil && !want(out.DBCluster) {
				t.Errorf("DBCluster forwarding: requested %v status %q local %q", aws.ToBool(out.DBCluster.GlobalWriteForwardingRequested),
					out.DBCluster.GlobalWriteForwardingStatus, out.DBCluster.LocalWriteForwardingStatus)
			}
			return err
		}
	}
	primaryWF := func(in *sdk.CreateDBClusterInput) {
		in.MasterUsername, in.MasterUserPassword = aws.String("app_admin"), aws.String("correct-horse-battery")
		in.EnableGlobalWriteForwarding = aws.Bool(true) // stored: it acts once the cluster is a secondary
	}
	setParam := func(name, value string) callFunc {
		return func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			_, err := c.ModifyDBClusterParameterGroup(ctx, &sdk.ModifyDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String(group),
				Parameters: []types.Parameter{{ParameterName: aws.String(name), ParameterValue: aws.String(value), ApplyMethod: types.ApplyMethodImmediate}}})
			return err
		}
	}
	return []step{
		{op: "CreateGlobalCluster", name: "wf", call: createGlobal(global)},
		{op: "CreateDBCluster", name: "wf-primary-requested", call: createWF(primary, primaryWF, func(c *types.DBCluster) bool {
			return aws.ToBool(c.GlobalWriteForwardingRequested) && c.GlobalWriteForwardingStatus == ""
		})},
		{op: "CreateDBCluster", name: "wf-secondary", region: secondaryRegion,
			before: volumeReady(primaryRegion, primary),
			call: createWF(secondary, func(in *sdk.CreateDBClusterInput) { in.EnableGlobalWriteForwarding = aws.Bool(true) }, func(c *types.DBCluster) bool {
				return aws.ToBool(c.GlobalWriteForwardingRequested) && c.GlobalWriteForwardingStatus == types.WriteForwardingStatusEnabling
			})},
		{op: "CreateDBCluster", name: "wf-local-unsupported-version", region: "eu-central-1", code: "InvalidParameterCombination",
			message: "Local write forwarding isn't supported for aurora-postgresql version 15.4.",
			call: createWF("wf-old", func(in *sdk.CreateDBClusterInput) {
				primaryWF(in)
				in.GlobalClusterIdentifier, in.EnableGlobalWriteForwarding = nil, nil
				in.EngineVersion, in.EnableLocalWriteForwarding = aws.String("15.4"), aws.Bool(true)
			}, nil)},
		{op: "ModifyDBCluster", name: "wf-disable", region: secondaryRegion, before: clusterReady(secondaryRegion, secondary),
			call: modifyWF(secondary, aws.Bool(false), nil, func(c *types.DBCluster) bool {
				return !aws.ToBool(c.GlobalWriteForwardingRequested) && c.GlobalWriteForwardingStatus == types.WriteForwardingStatusDisabling
			})},
		{op: "ModifyDBCluster", name: "wf-local", call: modifyWF(primary, nil, aws.Bool(true), func(c *types.DBCluster) bool {
			return c.LocalWriteForwardingStatus == types.LocalWriteForwardingStatusEnabling && c.GlobalWriteForwardingStatus == ""
		})},
		{op: "DescribeGlobalClusters", name: "wf-members", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.DescribeGlobalClusters(ctx, &sdk.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(global)})
			if err != nil {
				return err
			}
			for _, m := range out.GlobalClusters[0].GlobalClusterMembers {
				want := types.WriteForwardingStatusDisabling
				if aws.ToBool(m.IsWriter) {
					want = ""
				}
				if m.GlobalWriteForwardingStatus != want {
					t.Errorf("member %s GlobalWriteForwardingStatus = %q, want %q", aws.ToString(m.DBClusterArn), m.GlobalWriteForwardingStatus, want)
				}
			}
			return nil
		}},
		{op: "CreateDBClusterParameterGroup", name: "wf", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			_, err := c.CreateDBClusterParameterGroup(ctx, &sdk.CreateDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String(group),
				DBParameterGroupFamily: aws.String("aurora-postgresql15"), Description: aws.String("write forwarding")})
			return err
		}},
		{op: "ModifyDBClusterParameterGroup", name: "wf-consistency", call: setParam("apg_write_forward.consistency_mode", "Eventual")},
		{op: "ModifyDBClusterParameterGroup", name: "wf-bad-consistency", code: "InvalidParameterValue",
			message: "Value: strong is outside of range: off,eventual,session,global for parameter: apg_write_forward.consistency_mode",
			call:    setParam("apg_write_forward.consistency_mode", "strong")},
		{op: "ModifyDBClusterParameterGroup", name: "wf-bad-percent", code: "InvalidParameterValue",
			message: "Value: 0 is outside of range: 1-100 for parameter: apg_write_forward.max_forwarding_connections_percent",
			call:    setParam("apg_write_forward.max_forwarding_connections_percent", "0")},
		{op: "DescribeDBClusterParameters", name: "wf-user", call: func(t *testing.T, ctx context.Context, c *sdk.Client) error {
			out, err := c.DescribeDBClusterParameters(ctx, &sdk.DescribeDBClusterParametersInput{DBClusterParameterGroupName: aws.String(group), Source: aws.String("user")})
			if err == nil && (len(out.Parameters) != 1 || aws.ToString(out.Parameters[0].ParameterValue) != "Eventual") {
				t.Errorf("user parameters = %+v, want consistency_mode Eventual as given", out.Parameters)
			}
			return err
		}},
	}
}
