// Package rpcv2cbor implements the Smithy RPC v2 CBOR protocol
// (https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html),
// driven entirely by the botocore service model in package awsmodel. It
// serves the same query.Handler as the Query codec, so one service
// handler answers every protocol its model lists.
//
//	POST /service/<targetPrefix>/operation/<Op>   Smithy-Protocol: rpc-v2-cbor
//	CBOR body ──Decode──► query.Call{Action, Params} ──Handler.Handle──► document
//	                                                                       │
//	HTTP response ◄──────── EncodeResult (or WriteError) ◄────────────────┘
//
// Bodies are CBOR maps keyed by member names; timestamps are tag 1 (epoch
// seconds, integer or float), blobs byte strings, nulls omitted. Requests
// may use indefinite-length maps and lists (aws-sdk-go-v2 does).
package rpcv2cbor

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/query"
	"github.com/globaldb/globaldb/internal/emulator/rpcdoc"
)

// Protocol headers and values.
const (
	ProtocolHeader   = "Smithy-Protocol"
	ProtocolName     = "rpc-v2-cbor"
	ContentType      = "application/cbor"
	QueryErrorHeader = "x-amzn-query-error"
)

var (
	decMode cbor.DecMode
	encMode cbor.EncMode
)

func init() {
	var err error
	decMode, err = cbor.DecOptions{
		DefaultMapType:  reflect.TypeFor[map[string]any](),
		TimeTagToAny:    cbor.TimeTagToTime,
		MaxNestedLevels: 64,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	encMode, err = cbor.EncOptions{Sort: cbor.SortBytewiseLexical}.EncMode()
	if err != nil {
		panic(err)
	}
}

// Codec decodes requests and encodes responses for one service model. It
// is immutable and safe for concurrent use.
type Codec struct {
	svc *awsmodel.Service
	log *slog.Logger
}

// NewCodec returns a codec for svc, whose metadata must name a
// targetPrefix (the service segment of the path).
func NewCodec(svc *awsmodel.Service) *Codec {
	return &Codec{svc: svc, log: slog.New(slog.DiscardHandler)}
}

// WithLogger returns a copy of c that logs internal failures to l.
func (c *Codec) WithLogger(l *slog.Logger) *Codec {
	cc := *c
	cc.log = l
	return &cc
}

// Route splits a request path `[prefix]/service/<service>/operation/<Op>`;
// ok is false for any other path.
func Route(path string) (service, op string, ok bool) {
	i := strings.LastIndex(path, "/service/")
	if i < 0 {
		return "", "", false
	}
	service, op, ok = strings.Cut(path[i+len("/service/"):], "/operation/")
	if !ok || service == "" || op == "" || strings.Contains(service, "/") || strings.Contains(op, "/") {
		return "", "", false
	}
	return service, op, true
}

// Operation returns the operation path names for this service ("" when
// it names another service or none).
func (c *Codec) Operation(path string) string {
	service, op, ok := Route(path)
	if !ok || service != c.svc.Metadata.TargetPrefix {
		return ""
	}
	return op
}

// Serve handles one HTTP request whose body has already been read. It
// always writes a complete response.
func (c *Codec) Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, meta query.CallMeta, h query.Handler) {
	if r.Method != http.MethodPost {
		c.WriteError(w, awserr.New(awserr.InvalidAction, "The RPC v2 protocol accepts POST only."), meta.RequestID)
		return
	}
	call, err := c.Decode(r.URL.EscapedPath(), body)
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
	out, err := c.EncodeResult(call.Action, doc)
	if err != nil {
		c.WriteError(w, err, meta.RequestID) // not an *awserr.Error: InternalFailure
		return
	}
	write(w, http.StatusOK, out, meta.RequestID)
}

// Decode turns a request path and CBOR body into a Call (Action and
// Params only). An empty body is an empty input (clients send none for a
// Unit input). Errors are *awserr.Error: InvalidAction for a path that
// names no operation of this service, SerializationException for a body
// that is not one CBOR map or a value that does not fit its shape,
// MissingParameter for a missing top-level required member.
func (c *Codec) Decode(path string, body []byte) (*query.Call, error) {
	action := c.Operation(path)
	op := c.svc.Operations[action]
	if op == nil {
		return nil, awserr.New(awserr.InvalidAction, "The action %s is not valid for this web service.", path)
	}
	call := &query.Call{Action: action, Params: map[string]any{}}
	var raw any
	if len(body) > 0 {
		rest, err := decMode.UnmarshalFirst(body, &raw)
		if err != nil {
			return nil, awserr.New("SerializationException", "Cannot deserialize the request body: %v", err)
		}
		if len(rest) > 0 {
			return nil, awserr.New("SerializationException", "Cannot deserialize the request body: %d bytes after the CBOR data item", len(rest))
		}
		if _, ok := raw.(map[string]any); !ok && raw != nil {
			return nil, awserr.New("SerializationException", "Cannot deserialize the request body: want a CBOR map")
		}
	}
	if op.Input == nil {
		return call, nil
	}
	params, err := rpcdoc.Decode(c.svc, c.svc.Shape(op.Input.Shape), raw, wire{})
	if err != nil {
		return nil, err
	}
	call.Params = params
	return call, nil
}

// EncodeResult renders the CBOR body of operation op's output document
// doc; an operation without output has an empty body. A key that is not a
// member of its shape, or a value of the wrong Go type, is a programming
// error and returns an error.
func (c *Codec) EncodeResult(op string, doc map[string]any) ([]byte, error) {
	o := c.svc.Operations[op]
	if o == nil {
		return nil, fmt.Errorf("encode result: unknown operation %s", op)
	}
	if o.Output == nil {
		if len(doc) > 0 {
			return nil, fmt.Errorf("encode %s result: operation has no output but document has %d keys", op, len(doc))
		}
		return nil, nil
	}
	out, err := rpcdoc.Encode(c.svc, c.svc.Shape(o.Output.Shape), doc, wire{})
	if err != nil {
		return nil, fmt.Errorf("encode %s result: %w", op, err)
	}
	b, err := encMode.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode %s result: %w", op, err)
	}
	return b, nil
}

// WriteError writes the CBOR error body for err with its status and, for
// an awsQueryCompatible service, the x-amzn-query-error header (the SDKs
// take the error code from it).
func (c *Codec) WriteError(w http.ResponseWriter, err error, requestID string) {
	body, f := c.EncodeError(err, requestID)
	if c.svc.Metadata.AWSQueryCompatible != nil {
		w.Header().Set(QueryErrorHeader, f.QueryErrorHeader())
	}
	write(w, f.Status, body, requestID)
}

// EncodeError renders the CBOR map {"__type": <error shape or code>,
// "message": …} for err and returns it with its Fault. An *awserr.Error
// gets its type, code and status from the service model
// (rpcdoc.FaultOf); any other error is logged and sent as InternalFailure
// 500 without its text.
func (c *Codec) EncodeError(err error, requestID string) ([]byte, rpcdoc.Fault) {
	doc, f := rpcdoc.ErrorDoc(c.svc, c.log, err, requestID)
	b, mErr := encMode.Marshal(doc)
	if mErr != nil { // strings always marshal
		panic(mErr)
	}
	return b, f
}

func write(w http.ResponseWriter, status int, body []byte, requestID string) {
	h := w.Header()
	h.Set(ProtocolHeader, ProtocolName)
	if len(body) > 0 {
		h.Set("Content-Type", ContentType)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("x-amzn-RequestId", requestID)
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client went away; nothing to do
}

// wire is the CBOR representation of keys and scalars (rpcdoc.Wire).
type wire struct{}

func (wire) Key(m *awsmodel.Member) string { return m.Name }

// maxEpochSeconds bounds timestamps: beyond it the value cannot be an
// intended time (and time.Unix would overflow its fraction).
const maxEpochSeconds = 1e15

func (wire) DecodeScalar(shape *awsmodel.Shape, v any) (any, error) {
	switch shape.Type {
	case "string":
		if s, ok := v.(string); ok {
			return s, nil
		}
	case "boolean":
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case "integer", "long":
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if shape.Type == "integer" {
			lo, hi = math.MinInt32, math.MaxInt32
		}
		switch x := v.(type) {
		case uint64:
			if x > uint64(hi) {
				return nil, fmt.Errorf("%d out of range for %s", x, shape.Type)
			}
			return int64(x), nil
		case int64:
			if x < lo || x > hi {
				return nil, fmt.Errorf("%d out of range for %s", x, shape.Type)
			}
			return x, nil
		}
	case "double", "float":
		switch x := v.(type) {
		case float64:
			return x, nil
		case uint64:
			return float64(x), nil
		case int64:
			return float64(x), nil
		}
	case "timestamp":
		if t, ok := v.(time.Time); ok {
			if math.Abs(float64(t.Unix())) >= maxEpochSeconds {
				return nil, fmt.Errorf("timestamp %v out of range", t)
			}
			// A float64 of epoch seconds carries binary noise below the
			// microsecond (1.123 is 1.12299999…): drop it.
			return t.Round(time.Microsecond).UTC(), nil
		}
	case "blob":
		if b, ok := v.([]byte); ok {
			return string(b), nil // the Query codec's convention: the bytes as a string
		}
	}
	return nil, fmt.Errorf("want %s, got %s", shape.Type, kindOf(v))
}

func kindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a map"
	case []any:
		return "a list"
	case string:
		return "a text string"
	case []byte:
		return "a byte string"
	case time.Time:
		return "a timestamp"
	case cbor.Tag:
		return "an unknown tag"
	}
	return fmt.Sprintf("%T", v)
}

func (wire) EncodeScalar(shape *awsmodel.Shape, v reflect.Value) (any, error) {
	return rpcdoc.EncodeScalar(shape, v, cborScalars)
}

// cborScalars: doubles as CBOR floats, timestamps as tag 1 (epoch
// seconds), blobs as byte strings.
var cborScalars = rpcdoc.Scalars{
	Float: func(f float64) any { return f },
	Time:  func(t time.Time) any { return epochTag(t) },
	Blob:  func(b []byte) any { return b },
}

// epochTag is t as CBOR tag 1: integer seconds, or float seconds with
// millisecond precision when t has a fraction.
func epochTag(t time.Time) cbor.Tag {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return cbor.Tag{Number: 1, Content: ms / 1000}
	}
	return cbor.Tag{Number: 1, Content: float64(ms) / 1000}
}
