// Package route53api is the Route 53 wire layer: it maps REST-XML calls
// to the Route 53 model. Decoding, encoding and error envelopes are the
// REST-XML codec's; request and response types are aws-sdk-go-v2's.
//
// Supported operations (docs/emulator.md keeps the same table):
//
//	CreateHostedZone  GetHostedZone  ListHostedZones  ListHostedZonesByName  DeleteHostedZone
//	ChangeResourceRecordSets  ListResourceRecordSets  GetChange  TestDNSAnswer
//	CreateHealthCheck  GetHealthCheck  ListHealthChecks  UpdateHealthCheck  DeleteHealthCheck
//	GetHealthCheckStatus  ChangeTagsForResource  ListTagsForResource  ListTagsForResources
package route53api

import (
	"context"
	"fmt"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/docconv"
	"github.com/globaldb/globaldb/internal/emulator/restxml"
	"github.com/globaldb/globaldb/internal/emulator/route53"
)

type opFunc func(ctx context.Context, call *restxml.Call) (map[string]any, error)

// Handler serves the Route 53 operations of a model.
type Handler struct{ ops map[string]opFunc }

var _ restxml.Handler = (*Handler)(nil)

// New returns the Route 53 handler for m.
func New(m *route53.Service) *Handler {
	return &Handler{ops: map[string]opFunc{
		"CreateHostedZone":         op(m.CreateHostedZone),
		"GetHostedZone":            op(m.GetHostedZone),
		"ListHostedZones":          op(m.ListHostedZones),
		"ListHostedZonesByName":    op(m.ListHostedZonesByName),
		"DeleteHostedZone":         op(m.DeleteHostedZone),
		"ChangeResourceRecordSets": op(m.ChangeResourceRecordSets),
		"ListResourceRecordSets":   op(m.ListResourceRecordSets),
		"GetChange":                op(m.GetChange),
		"TestDNSAnswer":            op(m.TestDNSAnswer),
		"CreateHealthCheck":        op(m.CreateHealthCheck),
		"GetHealthCheck":           op(m.GetHealthCheck),
		"ListHealthChecks":         op(m.ListHealthChecks),
		"UpdateHealthCheck":        op(m.UpdateHealthCheck),
		"DeleteHealthCheck":        op(m.DeleteHealthCheck),
		"GetHealthCheckStatus":     op(m.GetHealthCheckStatus),
		"ChangeTagsForResource":    op(m.ChangeTagsForResource),
		"ListTagsForResource":      op(m.ListTagsForResource),
		"ListTagsForResources":     op(m.ListTagsForResources),
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

// Handle implements restxml.Handler.
func (h *Handler) Handle(ctx context.Context, call *restxml.Call) (map[string]any, error) {
	f, ok := h.ops[call.Operation]
	if !ok {
		return nil, awserr.New(awserr.InvalidAction, "Operation %s is not supported by the globaldb emulator (docs/emulator.md lists what is).", call.Operation)
	}
	return f(ctx, call)
}

func op[In, Out any](f func(context.Context, string, *In) (*Out, error)) opFunc {
	return func(ctx context.Context, call *restxml.Call) (map[string]any, error) {
		in := new(In)
		if err := docconv.Decode(call.Params, in); err != nil {
			return nil, awserr.New("InvalidInput", "%v", err)
		}
		out, err := f(ctx, call.Region, in)
		if err != nil {
			return nil, err
		}
		doc, err := docconv.Encode(out)
		if err != nil {
			return nil, fmt.Errorf("encode %s output: %w", call.Operation, err)
		}
		return doc, nil
	}
}
