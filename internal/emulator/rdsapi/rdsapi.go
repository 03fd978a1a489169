// Package rdsapi is the RDS wire layer: it maps Query-protocol calls to
// the RDS model. Decoding, encoding and error envelopes are the Query
// codec's; request and response types are aws-sdk-go-v2's, so member
// names match what every client expects.
//
// Supported operations (docs/emulator.md keeps the same table):
//
//	CreateGlobalCluster  DescribeGlobalClusters  ModifyGlobalCluster
//	RemoveFromGlobalCluster  DeleteGlobalCluster
//	CreateDBCluster  DescribeDBClusters  ModifyDBCluster  DeleteDBCluster
//	CreateDBInstance  DescribeDBInstances  ModifyDBInstance  DeleteDBInstance
//	CreateDBSubnetGroup  DescribeDBSubnetGroups  DeleteDBSubnetGroup
//	AddTagsToResource  ListTagsForResource  RemoveTagsFromResource
//	DescribeDBEngineVersions  DescribeOrderableDBInstanceOptions
//	CreateDBClusterParameterGroup  DescribeDBClusterParameterGroups
//	ModifyDBClusterParameterGroup  DescribeDBClusterParameters
//	DeleteDBClusterParameterGroup
//	FailoverDBCluster  SwitchoverGlobalCluster  FailoverGlobalCluster
package rdsapi

import (
	"context"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/opadapter"
	"github.com/globaldb/globaldb/internal/emulator/query"
	"github.com/globaldb/globaldb/internal/emulator/rds"
)

// Handler serves the RDS operations of a model.
type Handler struct{ ops *opadapter.Table }

var _ query.Handler = (*Handler)(nil)

// New returns the RDS handler for m.
func New(m *rds.Service) *Handler {
	return &Handler{ops: &opadapter.Table{InputCode: awserr.InvalidParameterValue, Ops: map[string]opadapter.Func{
		"CreateGlobalCluster":      opadapter.Method(m.CreateGlobalCluster),
		"DescribeGlobalClusters":   opadapter.Method(m.DescribeGlobalClusters),
		"ModifyGlobalCluster":      opadapter.Method(m.ModifyGlobalCluster),
		"RemoveFromGlobalCluster":  opadapter.Method(m.RemoveFromGlobalCluster),
		"DeleteGlobalCluster":      opadapter.Method(m.DeleteGlobalCluster),
		"CreateDBCluster":          opadapter.Method(m.CreateDBCluster),
		"DescribeDBClusters":       opadapter.Method(m.DescribeDBClusters),
		"ModifyDBCluster":          opadapter.Method(m.ModifyDBCluster),
		"DeleteDBCluster":          opadapter.Method(m.DeleteDBCluster),
		"CreateDBInstance":         opadapter.Method(m.CreateDBInstance),
		"DescribeDBInstances":      opadapter.Method(m.DescribeDBInstances),
		"ModifyDBInstance":         opadapter.Method(m.ModifyDBInstance),
		"DeleteDBInstance":         opadapter.Method(m.DeleteDBInstance),
		"CreateDBSubnetGroup":      opadapter.Method(m.CreateDBSubnetGroup),
		"DescribeDBSubnetGroups":   opadapter.Method(m.DescribeDBSubnetGroups),
		"DeleteDBSubnetGroup":      opadapter.Method(m.DeleteDBSubnetGroup),
		"AddTagsToResource":        opadapter.Method(m.AddTagsToResource),
		"ListTagsForResource":      opadapter.Method(m.ListTagsForResource),
		"RemoveTagsFromResource":   opadapter.Method(m.RemoveTagsFromResource),
		"DescribeDBEngineVersions": opadapter.Method(m.DescribeDBEngineVersions),
		"FailoverDBCluster":        opadapter.Method(m.FailoverDBCluster),
		"SwitchoverGlobalCluster":  opadapter.Method(m.SwitchoverGlobalCluster),
		"FailoverGlobalCluster":    opadapter.Method(m.FailoverGlobalCluster),

		"DescribeOrderableDBInstanceOptions": opadapter.Method(m.DescribeOrderableDBInstanceOptions),
		"CreateDBClusterParameterGroup":      opadapter.Method(m.CreateDBClusterParameterGroup),
		"DescribeDBClusterParameterGroups":   opadapter.Method(m.DescribeDBClusterParameterGroups),
		"ModifyDBClusterParameterGroup":      opadapter.Method(m.ModifyDBClusterParameterGroup),
		"DescribeDBClusterParameters":        opadapter.Method(m.DescribeDBClusterParameters),
		"DeleteDBClusterParameterGroup":      opadapter.Method(m.DeleteDBClusterParameterGroup),
	}}}
}

// Operations lists the supported operation names.
func (h *Handler) Operations() []string { return h.ops.Names() }

// Handle implements query.Handler.
func (h *Handler) Handle(ctx context.Context, call *query.Call) (map[string]any, error) {
	return h.ops.Call(ctx, call.Action, call.Region, call.Params)
}
