// Package query implements the AWS Query protocol (form-encoded request,
// XML response) shared by RDS, IAM and STS, driven entirely by the botocore
// service model in package awsmodel.
//
// Data path of one call:
//
//	form body ──Decode──► Call{Action, Params} ──Handler.Handle──► document
//	                                                                  │
//	HTTP response ◄──────── EncodeResult (or WriteError) ◄────────────┘
//
// Params and documents are map[string]any keyed by member names (not wire
// names), with values string, bool, int64, float64, time.Time, []any and
// map[string]any. The codec never interprets them beyond their shapes.
package query

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
)

// Handler runs decoded Query-protocol calls for one service.
type Handler interface {
	// Handle runs operation call.Action with decoded call.Params and
	// returns the output-shape document (member names as keys; nil for an
	// empty result) or an error. *awserr.Error errors are rendered with the
	// model's wire code and status; any other error becomes InternalFailure
	// 500 and its text is not sent to the client.
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
	Action      string
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

// Codec decodes requests and encodes responses for one service model. It
// is immutable and safe for concurrent use.
type Codec struct {
	svc *awsmodel.Service
	log *slog.Logger
}

// NewCodec returns a codec for svc, which must be a query-protocol model.
func NewCodec(svc *awsmodel.Service) *Codec {
	return &Codec{svc: svc, log: slog.New(slog.DiscardHandler)}
}

// WithLogger returns a copy of c that logs internal failures to l.
func (c *Codec) WithLogger(l *slog.Logger) *Codec {
	cc := *c
	cc.log = l
	return &cc
}

// Serve handles one HTTP request: body is the already-read request body
// (form-encoded POST); parameters in the URL query string (GET) are
// accepted too, the body winning on conflicts. It always writes a complete
// response.
func (c *Codec) Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, meta CallMeta, h Handler) {
	form, err := parseForm(r, body)
	if err != nil {
		c.WriteError(w, err, meta.RequestID)
		return
	}
	call, err := c.Decode(form)
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
	out, err := c.EncodeResult(call.Action, doc, meta.RequestID)
	if err != nil {
		c.WriteError(w, err, meta.RequestID) // not an *awserr.Error: InternalFailure
		return
	}
	writeXML(w, http.StatusOK, out, meta.RequestID)
}

func parseForm(r *http.Request, body []byte) (url.Values, error) {
	form := url.Values{}
	if r != nil && r.URL != nil {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, awserr.New(awserr.MalformedQueryString, "The query string is malformed: %v", err)
		}
		form = q
	}
	if len(body) > 0 {
		b, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, awserr.New(awserr.MalformedQueryString, "The request body is malformed: %v", err)
		}
		for k, v := range b {
			form[k] = v
		}
	}
	return form, nil
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
