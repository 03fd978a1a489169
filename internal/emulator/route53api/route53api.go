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

	"github.com/globaldb/globaldb/internal/emulator/opadapter"
	"github.com/globaldb/globaldb/internal/emulator/restxml"
	"github.com/globaldb/globaldb/internal/emulator/route53"
)

// Handler serves the Route 53 operations of a model.
type Handler struct{ ops *opadapter.Table }

var _ restxml.Handler = (*Handler)(nil)

// New returns the Route 53 handler for m.
func New(m *route53.Service) *Handler {
	return &Handler{ops: &opadapter.Table{InputCode: "InvalidInput", Ops: map[string]opadapter.Func{
		"CreateHostedZone":         opadapter.Method(m.CreateHostedZone),
		"GetHostedZone":            opadapter.Method(m.GetHostedZone),
		"ListHostedZones":          opadapter.Method(m.ListHostedZones),
		"ListHostedZonesByName":    opadapter.Method(m.ListHostedZonesByName),
		"DeleteHostedZone":         opadapter.Method(m.DeleteHostedZone),
		"ChangeResourceRecordSets": opadapter.Method(m.ChangeResourceRecordSets),
		"ListResourceRecordSets":   opadapter.Method(m.ListResourceRecordSets),
		"GetChange":                opadapter.Method(m.GetChange),
		"TestDNSAnswer":            opadapter.Method(m.TestDNSAnswer),
		"CreateHealthCheck":        opadapter.Method(m.CreateHealthCheck),
		"GetHealthCheck":           opadapter.Method(m.GetHealthCheck),
		"ListHealthChecks":         opadapter.Method(m.ListHealthChecks),
		"UpdateHealthCheck":        opadapter.Method(m.UpdateHealthCheck),
		"DeleteHealthCheck":        opadapter.Method(m.DeleteHealthCheck),
		"GetHealthCheckStatus":     opadapter.Method(m.GetHealthCheckStatus),
		"ChangeTagsForResource":    opadapter.Method(m.ChangeTagsForResource),
		"ListTagsForResource":      opadapter.Method(m.ListTagsForResource),
		"ListTagsForResources":     opadapter.Method(m.ListTagsForResources),
	}}}
}

// Operations lists the supported operation names.
func (h *Handler) Operations() []string { return h.ops.Names() }

// Handle implements restxml.Handler.
func (h *Handler) Handle(ctx context.Context, call *restxml.Call) (map[string]any, error) {
	return h.ops.Call(ctx, call.Operation, call.Region, call.Params)
}
