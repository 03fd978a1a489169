// Package rpcdoc converts between the body documents of the AWS RPC
// protocols (AWS JSON 1.0/1.1 and Smithy RPC v2 CBOR) and the emulator's
// params/output documents, driven by a botocore service model. The two
// protocols share everything but their scalars (how a timestamp, a blob or
// a non-finite double travels) and their member keys, which a Wire
// supplies; packages jsonproto and rpcv2cbor are the two Wires and their
// HTTP framing.
//
//	wire body ─(json / cbor decode)─► generic value ──Decode──► params document
//	output document ──Encode──► generic value ─(json / cbor encode)─► wire body
//
// Documents are what package query produces and consumes: map[string]any
// keyed by member names, values string, bool, int64, float64, time.Time,
// []any and map[string]any.
package rpcdoc

import (
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
)

// Wire is one protocol's representation of keys and scalars.
type Wire interface {
	// Key is the body key of structure member m.
	Key(m *awsmodel.Member) string
	// DecodeScalar converts a decoded body value to the document value of
	// a scalar shape (string, boolean, integer, long, double, float,
	// timestamp, blob); an error says why it does not fit.
	DecodeScalar(shape *awsmodel.Shape, v any) (any, error)
	// EncodeScalar converts a document value (already dereferenced) to the
	// value the body encoder writes.
	EncodeScalar(shape *awsmodel.Shape, v reflect.Value) (any, error)
}

// Decode converts the decoded body of an operation's input (a
// map[string]any, or nil for an empty body) into a params document,
// following shape. Unknown keys are ignored and nulls are absent values,
// as AWS's JSON and CBOR servers treat them. A value that does not fit its
// shape is an *awserr.Error with code SerializationException, what AWS's
// RPC protocols send; a missing top-level required member is
// MissingParameter.
func Decode(svc *awsmodel.Service, shape *awsmodel.Shape, body any, w Wire) (map[string]any, error) {
	d := decoder{svc: svc, w: w}
	if body == nil {
		body = map[string]any{}
	}
	params, err := d.structure(shape, body, "")
	if err != nil {
		return nil, err
	}
	for _, name := range shape.Required {
		if _, ok := params[name]; !ok {
			return nil, awserr.New(awserr.MissingParameter, "The request must contain the parameter %s", name)
		}
	}
	return params, nil
}

type decoder struct {
	svc *awsmodel.Service
	w   Wire
}

func serialization(path, format string, args ...any) error {
	if path == "" {
		path = "the request body"
	}
	return awserr.New("SerializationException", "Cannot deserialize %s: "+format, append([]any{path}, args...)...)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// value converts v as ref's shape; ok is false for a null.
func (d decoder) value(ref *awsmodel.Ref, v any, path string) (any, bool, error) {
	if v == nil {
		return nil, false, nil
	}
	shape := d.svc.Shape(ref.Shape)
	if shape == nil {
		return nil, false, fmt.Errorf("decode %s: unknown shape %s", path, ref.Shape)
	}
	switch shape.Type {
	case "structure":
		m, err := d.structure(shape, v, path)
		return m, err == nil, err
	case "list":
		items, ok := v.([]any)
		if !ok {
			return nil, false, serialization(path, "want a list, got %s", kind(v))
		}
		out := make([]any, 0, len(items))
		for i, it := range items {
			x, ok, err := d.value(shape.Member, it, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, false, err
			}
			if ok { // sparse lists do not occur in the models we serve
				out = append(out, x)
			}
		}
		return out, true, nil
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false, serialization(path, "want a map, got %s", kind(v))
		}
		out := make(map[string]any, len(m))
		for k, it := range m {
			x, ok, err := d.value(shape.Value, it, path+"["+k+"]")
			if err != nil {
				return nil, false, err
			}
			if ok {
				out[k] = x
			}
		}
		return out, true, nil
	}
	x, err := d.w.DecodeScalar(shape, v)
	if err != nil {
		return nil, false, serialization(path, "%v", err)
	}
	return x, true, nil
}

func (d decoder) structure(shape *awsmodel.Shape, v any, path string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, serialization(path, "want a structure, got %s", kind(v))
	}
	out := map[string]any{}
	for i := range shape.Members {
		mem := &shape.Members[i]
		raw, present := m[d.w.Key(mem)]
		if !present {
			continue
		}
		x, ok, err := d.value(&mem.Ref, raw, join(path, mem.Name))
		if err != nil {
			return nil, err
		}
		if ok {
			out[mem.Name] = x
		}
	}
	return out, nil
}

// kind names a decoded body value's type for error messages.
func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a map"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case time.Time:
		return "a timestamp"
	case []byte:
		return "a byte string"
	}
	return fmt.Sprintf("%T", v)
}

// Encode converts output document doc of structure shape into a generic
// value for the body encoder: map[string]any keyed by Wire.Key, []any, and
// whatever EncodeScalar returns. Nil and absent members are omitted. A key
// that is not a member of its shape, or a value of the wrong Go type, is a
// programming error and returns an error.
func Encode(svc *awsmodel.Service, shape *awsmodel.Shape, doc map[string]any, w Wire) (map[string]any, error) {
	e := encoder{svc: svc, w: w}
	out, err := e.structure(shape, reflect.ValueOf(doc), "")
	if err != nil {
		return nil, err
	}
	if out == nil {
		return map[string]any{}, nil
	}
	return out, nil
}

type encoder struct {
	svc *awsmodel.Service
	w   Wire
}

// indirect unwraps interfaces and pointers; ok is false for nil.
func indirect(v reflect.Value) (reflect.Value, bool) {
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) {
		if v.IsNil() {
			return v, false
		}
		v = v.Elem()
	}
	return v, v.IsValid()
}

func (e encoder) structure(shape *awsmodel.Shape, v reflect.Value, path string) (map[string]any, error) {
	v, ok := indirect(v)
	if !ok {
		return nil, nil
	}
	if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
		return nil, fmt.Errorf("%s: want map[string]any for structure %s, got %s", path, shape.Name, v.Type())
	}
	for _, k := range v.MapKeys() {
		if shape.MemberNamed(k.String()) == nil {
			return nil, fmt.Errorf("%s: %q is not a member of %s", path, k.String(), shape.Name)
		}
	}
	out := make(map[string]any, v.Len())
	for i := range shape.Members {
		m := &shape.Members[i]
		mv := v.MapIndex(reflect.ValueOf(m.Name).Convert(v.Type().Key()))
		if !mv.IsValid() {
			continue
		}
		x, ok, err := e.value(&m.Ref, mv, join(path, m.Name))
		if err != nil {
			return nil, err
		}
		if ok {
			out[e.w.Key(m)] = x
		}
	}
	return out, nil
}

func (e encoder) value(ref *awsmodel.Ref, v reflect.Value, path string) (any, bool, error) {
	v, ok := indirect(v)
	if !ok {
		return nil, false, nil
	}
	shape := e.svc.Shape(ref.Shape)
	if shape == nil {
		return nil, false, fmt.Errorf("%s: unknown shape %s", path, ref.Shape)
	}
	switch shape.Type {
	case "structure":
		m, err := e.structure(shape, v, path)
		return m, m != nil, err
	case "list":
		if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
			return nil, false, fmt.Errorf("%s: want a slice for list %s, got %s", path, shape.Name, v.Type())
		}
		out := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			x, ok, err := e.value(shape.Member, v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, false, err
			}
			if ok {
				out = append(out, x)
			}
		}
		return out, true, nil
	case "map":
		if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
			return nil, false, fmt.Errorf("%s: want map[string]… for map %s, got %s", path, shape.Name, v.Type())
		}
		out := make(map[string]any, v.Len())
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			x, ok, err := e.value(shape.Value, v.MapIndex(k), path+"["+k.String()+"]")
			if err != nil {
				return nil, false, err
			}
			if ok {
				out[k.String()] = x
			}
		}
		return out, true, nil
	}
	x, err := e.w.EncodeScalar(shape, v)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return x, true, nil
}

// Fault is how an error travels in the RPC protocols.
type Fault struct {
	// Type is the body's __type: the model's error shape name (what the
	// SDKs look up their typed errors by), else the code itself.
	Type string
	// Code is the Query-protocol code (x-amzn-query-error), Status the
	// HTTP status, Sender whether the caller is at fault.
	Code   string
	Status int
	Sender bool
}

// QueryErrorHeader is the x-amzn-query-error value, "<Code>;Sender" or
// "<Code>;Receiver".
func (f Fault) QueryErrorHeader() string {
	if f.Sender {
		return f.Code + ";Sender"
	}
	return f.Code + ";Receiver"
}

// FaultOf maps an error code a model returns (an error shape name such as
// LimitExceededFault, a wire code such as LimitExceeded, or a common code
// such as InvalidAction) to its Fault, with the model's status and code
// (awsmodel.Service.WireError).
func FaultOf(svc *awsmodel.Service, code string) Fault {
	wire, status, sender := svc.WireError(code)
	f := Fault{Type: code, Code: wire, Status: status, Sender: sender}
	if sh := svc.Shape(code); sh != nil && sh.Exception {
		return f
	}
	// The first error shape by name with this wire code, as WireError
	// picks it.
	names := make([]string, 0, 4)
	for name, sh := range svc.Shapes {
		if sh.Exception && sh.Error != nil && sh.Error.Code == wire {
			names = append(names, name)
		}
	}
	if len(names) > 0 {
		sort.Strings(names)
		f.Type = names[0]
	}
	return f
}

// InternalMessage is sent for errors that are not *awserr.Error; their
// own text stays in the log.
const InternalMessage = "An internal error occurred"

// ErrorDoc is the error body of err in both RPC protocols, {"__type":
// <error shape or code>, "message": …} (and "Message" when the error
// shape names that member), with its Fault. An *awserr.Error gets its
// type, code and status from the model (FaultOf); any other error is
// logged and sent as InternalFailure 500 without its text.
func ErrorDoc(svc *awsmodel.Service, log *slog.Logger, err error, requestID string) (map[string]string, Fault) {
	code, message := awserr.InternalFailure, InternalMessage
	if e, ok := awserr.As(err); ok {
		code, message = e.Code, e.Message
	} else {
		log.Error("call failed", "request_id", requestID, "err", err)
	}
	f := FaultOf(svc, code)
	doc := map[string]string{"__type": f.Type, "message": message}
	if sh := svc.Shape(f.Type); sh != nil && sh.MemberNamed("Message") != nil {
		doc["Message"] = message
	}
	return doc, f
}

// Scalars is how one RPC protocol writes the scalars whose form differs
// between JSON and CBOR: doubles, timestamps and blobs.
type Scalars struct {
	Float func(float64) any
	Time  func(time.Time) any
	Blob  func([]byte) any
}

// EncodeScalar converts an SDK scalar value v of a model shape to its body
// value, strings, booleans and integers alike in both protocols, the rest
// by s: the shared part of the Wire implementations.
func EncodeScalar(shape *awsmodel.Shape, v reflect.Value, s Scalars) (any, error) {
	switch shape.Type {
	case "string":
		if v.Kind() == reflect.String {
			return v.String(), nil
		}
		if v.CanInt() { // SDK integers customised from string shapes
			return strconv.FormatInt(v.Int(), 10), nil
		}
	case "boolean":
		if v.Kind() == reflect.Bool {
			return v.Bool(), nil
		}
	case "integer", "long":
		switch {
		case v.CanInt():
			return v.Int(), nil
		case v.CanUint():
			return v.Uint(), nil
		case v.CanFloat() && v.Float() == math.Trunc(v.Float()) && !math.IsInf(v.Float(), 0):
			return int64(v.Float()), nil
		}
	case "double", "float":
		switch {
		case v.CanFloat():
			return s.Float(v.Float()), nil
		case v.CanInt():
			return s.Float(float64(v.Int())), nil
		}
	case "timestamp":
		if v.Type() == reflect.TypeFor[time.Time]() {
			return s.Time(v.Interface().(time.Time)), nil
		}
	case "blob":
		if v.Kind() == reflect.String {
			return s.Blob([]byte(v.String())), nil
		}
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return s.Blob(v.Bytes()), nil
		}
	}
	return nil, fmt.Errorf("value of type %s does not fit %s shape %s", v.Type(), shape.Type, shape.Name)
}
