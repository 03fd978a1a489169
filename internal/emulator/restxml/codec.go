// Package restxml implements the AWS REST-XML protocol (Route 53), driven
// entirely by the botocore service model in package awsmodel.
//
// Data path of one call:
//
//	method + path ──Route──► operation
//	URI labels, query string, headers, XML body ──Decode──► Call{Operation, Params}
//	Call ──Handler.Handle──► document ──EncodeResult (or WriteError)──► HTTP response
//
// Params and documents are map[string]any keyed by member names (not wire
// names), with values string, bool, int64, float64, time.Time, []any and
// map[string]any, exactly as in package query. The codec never interprets
// them beyond their shapes.
package restxml

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
)

// Handler runs decoded REST-XML calls for one service.
type Handler interface {
	// Handle runs operation call.Operation with decoded call.Params and
	// returns the output-shape document (member names as keys, header
	// members included; nil for an empty result) or an error.
	// *awserr.Error errors are rendered with the model's wire code and
	// status; any other error becomes InternalFailure 500 and its text is
	// not sent to the client.
	Handle(ctx context.Context, call *Call) (map[string]any, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, call *Call) (map[string]any, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, call *Call) (map[string]any, error) {
	return f(ctx, call)
}

// Call is one decoded request.
type Call struct {
	Operation   string
	Params      map[string]any
	Region      string
	RequestID   string
	AccessKeyID string
}

// CallMeta is what the caller (router, SigV4 verifier) knows about a
// request before it is decoded.
type CallMeta struct {
	Region, RequestID, AccessKeyID string
}

// Codec routes and decodes requests and encodes responses for one
// REST-XML service model. It is immutable and safe for concurrent use.
type Codec struct {
	svc    *awsmodel.Service
	log    *slog.Logger
	ns     string // XML namespace of bodies
	routes []*route
}

// NewCodec returns a codec for svc, which must be a rest-xml model.
func NewCodec(svc *awsmodel.Service) *Codec {
	return &Codec{
		svc:    svc,
		log:    slog.New(slog.DiscardHandler),
		ns:     namespace(svc),
		routes: buildRoutes(svc),
	}
}

// WithLogger returns a copy of c that logs internal failures to l.
func (c *Codec) WithLogger(l *slog.Logger) *Codec {
	cc := *c
	cc.log = l
	return &cc
}

// namespace is the XML namespace of the service's bodies. Route 53's model
// has none in its metadata; every input with a body carries it on its
// reference instead, so take it from there.
func namespace(svc *awsmodel.Service) string {
	if ns := svc.Metadata.XMLNamespace; ns != "" {
		return ns
	}
	best := ""
	for name, op := range svc.Operations {
		if op.Input != nil && op.Input.XMLNamespace != "" && (best == "" || name < best) {
			best = name
		}
	}
	if best != "" {
		return svc.Operations[best].Input.XMLNamespace
	}
	return ""
}

// Serve handles one HTTP request: body is the already-read request body.
// It routes by r.Method and r.URL.EscapedPath(), decodes, calls h and
// writes the result. It always writes a complete response.
func (c *Codec) Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, meta CallMeta, h Handler) {
	call, err := c.Decode(r, body)
	if err != nil {
		c.WriteError(w, err, meta.RequestID)
		return
	}
	call.Region, call.RequestID, call.AccessKeyID = meta.Region, meta.RequestID, meta.AccessKeyID
	doc, err := h.Handle(ctx, call)
	if err != nil {
		c.WriteError(w, err, meta.RequestID)
		return
	}
	status, header, out, err := c.EncodeResult(call.Operation, doc)
	if err != nil {
		c.WriteError(w, err, meta.RequestID) // not an *awserr.Error: InternalFailure
		return
	}
	for k, vs := range header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	writeXML(w, status, out, meta.RequestID)
}

func writeXML(w http.ResponseWriter, status int, body []byte, requestID string) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("x-amzn-RequestId", requestID)
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client went away; nothing to do
}
