// Package opadapter is the one operation-dispatch mechanism of the
// emulated services: a Table maps operation names to model methods shaped
// like
//
//	func (s *Service) Op(ctx context.Context, region string, in *sdk.OpInput) (*sdk.OpOutput, error)
//
// and serves a call's decoded document through it, converting the
// document to and from the aws-sdk-go-v2 structs. Entries come from typed
// method values (Method: RDS, Route 53) or, for models whose every method
// is an operation, by reflection (Methods: IAM, STS).
package opadapter

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/docconv"
)

// Func runs one operation: it converts params to the operation's input
// struct (an *InputError when they do not fit) and returns the model's
// output struct.
type Func func(ctx context.Context, region string, params map[string]any) (any, error)

// InputError reports a document that does not convert to an operation's
// input struct.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Method adapts a typed model method to a Func.
func Method[In, Out any](f func(context.Context, string, *In) (*Out, error)) Func {
	return func(ctx context.Context, region string, params map[string]any) (any, error) {
		in := new(In)
		if err := docconv.Decode(params, in); err != nil {
			return nil, &InputError{Err: err}
		}
		out, err := f(ctx, region, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// Table dispatches operations by name.
type Table struct {
	// InputCode is the AWS error code for a document that does not fit the
	// input struct: the protocol's (InvalidParameterValue for Query,
	// InvalidInput for Route 53's REST-XML).
	InputCode string
	// Ops maps operation names to their Funcs.
	Ops map[string]Func
	// Model, when set, is the service model the output documents are
	// encoded with: an empty list the SDK's output struct has and the
	// model's output shape lacks (a field newer than the model, such as
	// CloudWatch's DescribeAlarms LogAlarms) is dropped rather than sent
	// as an unknown member.
	Model *awsmodel.Service
}

// Call runs operation op and returns its output as a document. An
// operation the table lacks is InvalidAction.
func (t *Table) Call(ctx context.Context, op, region string, params map[string]any) (map[string]any, error) {
	f, ok := t.Ops[op]
	if !ok {
		return nil, awserr.New(awserr.InvalidAction, "Operation %s is not supported by the globaldb emulator (docs/emulator.md lists what is).", op)
	}
	out, err := f(ctx, region, params)
	var ie *InputError
	if errors.As(err, &ie) {
		return nil, awserr.New(t.InputCode, "%v", ie.Err)
	}
	if err != nil {
		return nil, err
	}
	doc, err := docconv.Encode(out)
	if err != nil {
		return nil, fmt.Errorf("encode %s output: %w", op, err)
	}
	t.dropUnmodelled(op, doc)
	return doc, nil
}

// dropUnmodelled removes doc's empty lists that op's output shape in
// t.Model does not name.
func (t *Table) dropUnmodelled(op string, doc map[string]any) {
	if t.Model == nil {
		return
	}
	o := t.Model.Operations[op]
	if o == nil || o.Output == nil {
		return
	}
	shape := t.Model.Shapes[o.Output.Shape]
	if shape == nil {
		return
	}
	for k, v := range doc {
		if l, ok := v.([]any); !ok || len(l) > 0 {
			continue
		}
		if !slices.ContainsFunc(shape.Members, func(m awsmodel.Member) bool { return strings.EqualFold(m.Name, k) }) {
			delete(doc, k)
		}
	}
	t.conform(doc, shape)
}

// conform renames doc's keys to the model's member names where they
// differ only in case (the SDK's field Name is the member name of
// services that name members in lower camel case), following the shapes
// into nested structures, lists and maps.
func (t *Table) conform(v any, shape *awsmodel.Shape) {
	if shape == nil {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if shape.Type == "map" {
			if shape.Value != nil {
				for _, e := range x {
					t.conform(e, t.Model.Shapes[shape.Value.Shape])
				}
			}
			return
		}
		for k, e := range x {
			i := slices.IndexFunc(shape.Members, func(m awsmodel.Member) bool { return strings.EqualFold(m.Name, k) })
			if i < 0 {
				continue
			}
			m := shape.Members[i]
			if m.Name != k {
				delete(x, k)
				x[m.Name] = e
			}
			t.conform(e, t.Model.Shapes[m.Shape])
		}
	case []any:
		if shape.Member != nil {
			for _, e := range x {
				t.conform(e, t.Model.Shapes[shape.Member.Shape])
			}
		}
	}
}

// Names returns the sorted operation names.
func (t *Table) Names() []string {
	out := make([]string, 0, len(t.Ops))
	for n := range t.Ops {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

var (
	ctxType = reflect.TypeFor[context.Context]()
	errType = reflect.TypeFor[error]()
)

// Methods returns the model's methods among names that are shaped like an
// operation, by name.
func Methods(model any, names []string) map[string]Func {
	v := reflect.ValueOf(model)
	ops := map[string]Func{}
	for _, name := range names {
		m := v.MethodByName(name)
		if !m.IsValid() || !shaped(m.Type()) {
			continue
		}
		in := m.Type().In(2).Elem()
		ops[name] = func(ctx context.Context, region string, params map[string]any) (any, error) {
			arg := reflect.New(in)
			if err := docconv.Decode(params, arg.Interface()); err != nil {
				return nil, &InputError{Err: err}
			}
			out := m.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(region), arg})
			if err, _ := out[1].Interface().(error); err != nil {
				return nil, err
			}
			return out[0].Interface(), nil
		}
	}
	return ops
}

func shaped(t reflect.Type) bool {
	return t.NumIn() == 3 && t.In(0) == ctxType && t.In(1).Kind() == reflect.String &&
		t.In(2).Kind() == reflect.Pointer && t.In(2).Elem().Kind() == reflect.Struct &&
		t.NumOut() == 2 && t.Out(0).Kind() == reflect.Pointer && t.Out(1) == errType
}
