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
	"fmt"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/docconv"
	"github.com/globaldb/globaldb/internal/emulator/query"
	"github.com/globaldb/globaldb/internal/emulator/rds"
)

type opFunc func(ctx context.Context, call *query.Call) (map[string]any, error)

// Handler serves the RDS operations of a model.
type Handler struct {
	ops map[string]opFunc
}

var _ query.Handler = (*Handler)(nil)

// New returns the RDS handler for m.
func New(m *rds.Service) *Handler {
	return &Handler{ops: map[string]opFunc{
		"CreateGlobalCluster":      op(m.CreateGlobalCluster),
		"DescribeGlobalClusters":   op(m.DescribeGlobalClusters),
		"ModifyGlobalCluster":      op(m.ModifyGlobalCluster),
		"RemoveFromGlobalCluster":  op(m.RemoveFromGlobalCluster),
		"DeleteGlobalCluster":      op(m.DeleteGlobalCluster),
		"CreateDBCluster":          op(m.CreateDBCluster),
		"DescribeDBClusters":       op(m.DescribeDBClusters),
		"ModifyDBCluster":          op(m.ModifyDBCluster),
		"DeleteDBCluster":          op(m.DeleteDBCluster),
		"CreateDBInstance":         op(m.CreateDBInstance),
		"DescribeDBInstances":      op(m.DescribeDBInstances),
		"ModifyDBInstance":         op(m.ModifyDBInstance),
		"DeleteDBInstance":         op(m.DeleteDBInstance),
		"CreateDBSubnetGroup":      op(m.CreateDBSubnetGroup),
		"DescribeDBSubnetGroups":   op(m.DescribeDBSubnetGroups),
		"DeleteDBSubnetGroup":      op(m.DeleteDBSubnetGroup),
		"AddTagsToResource":        op(m.AddTagsToResource),
		"ListTagsForResource":      op(m.ListTagsForResource),
		"RemoveTagsFromResource":   op(m.RemoveTagsFromResource),
		"DescribeDBEngineVersions": op(m.DescribeDBEngineVersions),
		"FailoverDBCluster":        op(m.FailoverDBCluster),
		"SwitchoverGlobalCluster":  op(m.SwitchoverGlobalCluster),
		"FailoverGlobalCluster":    op(m.FailoverGlobalCluster),

		"DescribeOrderableDBInstanceOptions": op(m.DescribeOrderableDBInstanceOptions),
		"CreateDBClusterParameterGroup":      op(m.CreateDBClusterParameterGroup),
		"DescribeDBClusterParameterGroups":   op(m.DescribeDBClusterParameterGroups),
		"ModifyDBClusterParameterGroup":      op(m.ModifyDBClusterParameterGroup),
		"DescribeDBClusterParameters":        op(m.DescribeDBClusterParameters),
		"DeleteDBClusterParameterGroup":      op(m.DeleteDBClusterParameterGroup),
	}}
}

// Operations lists the supported operation names.
func (h *Handler) Operations() []string {
	out := make([]string, 0, len(h.ops))
	for name := range h.ops {
		out = append(out, name)
	}
	return out
}

// Handle implements query.Handler.
func (h *Handler) Handle(ctx context.Context, call *query.Call) (map[string]any, error) {
	f, ok := h.ops[call.Action]
	if !ok {
		return nil, awserr.New("InvalidAction", "Operation %s is not supported by the globaldb emulator (docs/emulator.md lists what is).", call.Action)
	}
	return f(ctx, call)
}

// op adapts a model method taking an SDK input struct to an opFunc.
func op[In, Out any](f func(context.Context, string, *In) (*Out, error)) opFunc {
	return func(ctx context.Context, call *query.Call) (map[string]any, error) {
		in := new(In)
		if err := docconv.Decode(call.Params, in); err != nil {
			return nil, awserr.New(awserr.InvalidParameterValue, "%v", err)
		}
		out, err := f(ctx, call.Region, in)
		if err != nil {
			return nil, err
		}
		doc, err := docconv.Encode(out)
		if err != nil {
			return nil, fmt.Errorf("encode %s output: %w", call.Action, err)
		}
		return doc, nil
	}
}
