// Package opadapter turns a service model's methods into a wire
// handler: every exported method shaped like
//
//	func (s *Service) Op(ctx context.Context, region string, in *sdk.OpInput) (*sdk.OpOutput, error)
//
// whose name is an operation of the service serves that operation, with
// the call's document converted to and from the aws-sdk-go-v2 structs.
package opadapter

import (
	"context"
	"fmt"
	"reflect"
	"sort"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/docconv"
)

// Func runs one operation on a decoded document.
type Func func(ctx context.Context, region string, params map[string]any) (map[string]any, error)

var (
	ctxType = reflect.TypeFor[context.Context]()
	errType = reflect.TypeFor[error]()
)

// Methods returns the model's operations among names, by name.
func Methods(model any, names []string) map[string]Func {
	v := reflect.ValueOf(model)
	ops := map[string]Func{}
	for _, name := range names {
		m := v.MethodByName(name)
		if !m.IsValid() || !shaped(m.Type()) {
			continue
		}
		in := m.Type().In(2).Elem()
		ops[name] = func(ctx context.Context, region string, params map[string]any) (map[string]any, error) {
			arg := reflect.New(in)
			if err := docconv.Decode(params, arg.Interface()); err != nil {
				return nil, awserr.New(awserr.InvalidParameterValue, "%v", err)
			}
			out := m.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(region), arg})
			if err, _ := out[1].Interface().(error); err != nil {
				return nil, err
			}
			doc, err := docconv.Encode(out[0].Interface())
			if err != nil {
				return nil, fmt.Errorf("encode %s output: %w", name, err)
			}
			return doc, nil
		}
	}
	return ops
}

func shaped(t reflect.Type) bool {
	return t.NumIn() == 3 && t.In(0) == ctxType && t.In(1).Kind() == reflect.String &&
		t.In(2).Kind() == reflect.Pointer && t.In(2).Elem().Kind() == reflect.Struct &&
		t.NumOut() == 2 && t.Out(0).Kind() == reflect.Pointer && t.Out(1) == errType
}

// Names returns the sorted operation names of ops.
func Names(ops map[string]Func) []string {
	out := make([]string, 0, len(ops))
	for n := range ops {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
