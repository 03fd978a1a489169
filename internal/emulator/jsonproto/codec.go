// Package jsonproto implements the AWS JSON 1.0 and 1.1 protocols
// (`POST /`, `X-Amz-Target: <targetPrefix>.<Operation>`, JSON bodies),
// driven entirely by the botocore service model in package awsmodel. It
// serves the same query.Handler as the Query codec, so one service
// handler answers every protocol its model lists.
//
//	JSON body ──Decode──► query.Call{Action, Params} ──Handler.Handle──► document
//	                                                                        │
//	HTTP response ◄──────── EncodeResult (or WriteError) ◄─────────────────┘
//
// Bodies use the member names (locationName when the model has one);
// timestamps are epoch seconds, blobs base64, non-finite doubles the
// strings "Infinity", "-Infinity" and "NaN", as botocore reads and writes
// them.
package jsonproto

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/query"
	"github.com/globaldb/globaldb/internal/emulator/rpcdoc"
	"github.com/globaldb/globaldb/internal/emulator/scalar"
)

// TargetHeader names the operation of a JSON-protocol request.
const TargetHeader = "X-Amz-Target"

// QueryErrorHeader carries the Query-protocol error code of an
// awsQueryCompatible service.
const QueryErrorHeader = "x-amzn-query-error"

// Codec decodes requests and encodes responses for one service model. It
// is immutable and safe for concurrent use.
type Codec struct {
	svc *awsmodel.Service
	log *slog.Logger
}

// NewCodec returns a codec for svc, whose metadata must name a
// targetPrefix (and jsonVersion; 1.0 when it has none).
func NewCodec(svc *awsmodel.Service) *Codec {
	return &Codec{svc: svc, log: slog.New(slog.DiscardHandler)}
}

// WithLogger returns a copy of c that logs internal failures to l.
func (c *Codec) WithLogger(l *slog.Logger) *Codec {
	cc := *c
	cc.log = l
	return &cc
}

// ContentType is the media type of this service's bodies,
// application/x-amz-json-<jsonVersion>.
func (c *Codec) ContentType() string {
	v := c.svc.Metadata.JSONVersion
	if v == "" {
		v = "1.0"
	}
	return "application/x-amz-json-" + v
}

// Operation returns the operation an X-Amz-Target value names for this
// service ("" when it names another service or none).
func (c *Codec) Operation(target string) string {
	prefix, op, ok := strings.Cut(target, ".")
	if !ok || prefix != c.svc.Metadata.TargetPrefix {
		return ""
	}
	return op
}

// Serve handles one HTTP request whose body has already been read. It
// always writes a complete response.
func (c *Codec) Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, meta query.CallMeta, h query.Handler) {
	if r.Method != http.MethodPost {
		c.WriteError(w, awserr.New(awserr.InvalidAction, "The JSON protocol accepts POST only."), meta.RequestID)
		return
	}
	call, err := c.Decode(r.Header.Get(TargetHeader), body)
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
	c.write(w, http.StatusOK, out, meta.RequestID)
}

// Decode turns an X-Amz-Target value and a JSON body into a Call (Action
// and Params only). An empty body is an empty input. Errors are
// *awserr.Error: InvalidAction for a target that names no operation of
// this service (the Query code: the service is query-compatible),
// SerializationException for a body that is not a JSON object or a value
// that does not fit its shape, MissingParameter for a missing top-level
// required member.
func (c *Codec) Decode(target string, body []byte) (*query.Call, error) {
	action := c.Operation(target)
	op := c.svc.Operations[action]
	if op == nil {
		return nil, awserr.New(awserr.InvalidAction, "The action %s is not valid for this web service.", target)
	}
	call := &query.Call{Action: action, Params: map[string]any{}}
	var raw any
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil {
			return nil, awserr.New("SerializationException", "Cannot deserialize the request body: %v", err)
		}
		if dec.More() {
			return nil, awserr.New("SerializationException", "Cannot deserialize the request body: data after the JSON value")
		}
		if _, ok := raw.(map[string]any); !ok && raw != nil {
			return nil, awserr.New("SerializationException", "Cannot deserialize the request body: want a JSON object")
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

// EncodeResult renders the JSON body of operation op's output document
// doc ("{}" for an operation without output). A key that is not a member
// of its shape, or a value of the wrong Go type, is a programming error
// and returns an error.
func (c *Codec) EncodeResult(op string, doc map[string]any) ([]byte, error) {
	o := c.svc.Operations[op]
	if o == nil {
		return nil, fmt.Errorf("encode result: unknown operation %s", op)
	}
	out := map[string]any{}
	if o.Output != nil {
		var err error
		if out, err = rpcdoc.Encode(c.svc, c.svc.Shape(o.Output.Shape), doc, wire{}); err != nil {
			return nil, fmt.Errorf("encode %s result: %w", op, err)
		}
	} else if len(doc) > 0 {
		return nil, fmt.Errorf("encode %s result: operation has no output but document has %d keys", op, len(doc))
	}
	b, err := marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode %s result: %w", op, err)
	}
	return b, nil
}

// marshal is json.Marshal without HTML escaping (AWS sends "<" as is) and
// without the encoder's trailing newline.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// WriteError writes the JSON error body for err with its status and, for
// an awsQueryCompatible service, the x-amzn-query-error header.
func (c *Codec) WriteError(w http.ResponseWriter, err error, requestID string) {
	body, f := c.EncodeError(err, requestID)
	if c.svc.Metadata.AWSQueryCompatible != nil {
		w.Header().Set(QueryErrorHeader, f.QueryErrorHeader())
	}
	c.write(w, f.Status, body, requestID)
}

// EncodeError renders `{"__type": <error shape or code>, "message": …}`
// for err and returns it with its Fault. An *awserr.Error gets its
// type, code and status from the service model (rpcdoc.FaultOf); any
// other error is logged and sent as InternalFailure 500 without its text.
func (c *Codec) EncodeError(err error, requestID string) ([]byte, rpcdoc.Fault) {
	doc, f := rpcdoc.ErrorDoc(c.svc, c.log, err, requestID)
	b, mErr := marshal(doc)
	if mErr != nil { // strings always marshal
		panic(mErr)
	}
	return b, f
}

func (c *Codec) write(w http.ResponseWriter, status int, body []byte, requestID string) {
	h := w.Header()
	h.Set("Content-Type", c.ContentType())
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("x-amzn-RequestId", requestID)
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client went away; nothing to do
}

// wire is the JSON representation of keys and scalars (rpcdoc.Wire).
type wire struct{}

func (wire) Key(m *awsmodel.Member) string { return m.ElementName() }

var errType = errors.New("type mismatch")

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
		if n, ok := v.(json.Number); ok {
			bits := 64
			if shape.Type == "integer" {
				bits = 32
			}
			return strconv.ParseInt(string(n), 10, bits)
		}
	case "double", "float":
		switch x := v.(type) {
		case json.Number:
			return strconv.ParseFloat(string(x), 64)
		case string:
			switch x {
			case "Infinity", "-Infinity", "NaN":
				return scalar.Parse(shape, x)
			}
		}
	case "timestamp":
		switch x := v.(type) {
		case json.Number:
			return epochTime(string(x))
		case string: // botocore sends numbers; accept ISO 8601 as AWS does
			return scalar.ParseTimestamp(x)
		}
	case "blob":
		if s, ok := v.(string); ok {
			b, err := base64.StdEncoding.DecodeString(s)
			return string(b), err
		}
	}
	return nil, fmt.Errorf("%w: want %s, got %T", errType, shape.Type, v)
}

// epochTime parses epoch seconds written in decimal ("1796464950.123")
// exactly, without float rounding; other number forms go through
// scalar.ParseTimestamp.
func epochTime(s string) (time.Time, error) {
	sec, frac, _ := strings.Cut(s, ".")
	if len(frac) > 9 || strings.ContainsAny(s, "eE+") || strings.Trim(frac, "0123456789") != "" {
		return scalar.ParseTimestamp(s)
	}
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || n > 1e15 || n < -1e15 {
		return scalar.ParseTimestamp(s)
	}
	var ns int64
	if frac != "" {
		if ns, err = strconv.ParseInt((frac + "000000000")[:9], 10, 64); err != nil {
			return time.Time{}, fmt.Errorf("parse timestamp %q", s)
		}
		if strings.HasPrefix(sec, "-") {
			ns = -ns
		}
	}
	return time.Unix(n, ns).UTC(), nil
}

func (wire) EncodeScalar(shape *awsmodel.Shape, v reflect.Value) (any, error) {
	return rpcdoc.EncodeScalar(shape, v, jsonScalars)
}

// jsonScalars: doubles keep a fraction (or Infinity/NaN as strings),
// timestamps are epoch seconds, blobs base64 text.
var jsonScalars = rpcdoc.Scalars{
	Float: jsonFloat,
	Time:  func(t time.Time) any { return epochSeconds(t) },
	Blob:  func(b []byte) any { return base64.StdEncoding.EncodeToString(b) },
}

// jsonFloat is f as a JSON number that reads as a double ("1.0", not
// "1": botocore hands Python what the JSON holds, and AWS writes doubles
// with a fraction), or the string botocore reads for a non-finite double.
func jsonFloat(f float64) any {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return json.Number(s)
}

// epochSeconds renders t as epoch seconds with millisecond precision, an
// integer when it has no fraction.
func epochSeconds(t time.Time) json.Number {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return json.Number(strconv.FormatInt(ms/1000, 10))
	}
	return json.Number(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64))
}
