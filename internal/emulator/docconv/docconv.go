// Package docconv converts between wire documents (map[string]any keyed by
// AWS member names, as the protocol codecs produce and consume) and the
// aws-sdk-go-v2 input and output structs, whose exported field names are
// the same member names.
//
// Using the SDK's own types as the emulator models' request and response
// types keeps member names and types exactly as the clients expect them;
// the codecs then check every key against the botocore shape.
package docconv

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

var timeType = reflect.TypeOf(time.Time{})

// Decode fills the struct pointed to by dst from doc. Values in doc are
// string, bool, int64, float64, time.Time, []any and map[string]any.
// Keys with no matching exported field are ignored (AWS ignores unknown
// parameters too).
func Decode(doc map[string]any, dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("decode: want pointer to struct, got %T", dst)
	}
	return decodeStruct(doc, v.Elem(), "")
}

func decodeStruct(doc map[string]any, v reflect.Value, path string) error {
	for key, val := range doc {
		f := v.FieldByName(key)
		if !f.IsValid() {
			// Newer services name members in lower camel case (ARC
			// Region switch: "name"); the SDK's field is "Name".
			f = v.FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, key) })
		}
		if !f.IsValid() || !f.CanSet() {
			continue
		}
		if err := decodeValue(val, f, path+key); err != nil {
			return err
		}
	}
	return nil
}

func decodeValue(val any, f reflect.Value, path string) error {
	if f.Kind() == reflect.Pointer {
		nv := reflect.New(f.Type().Elem())
		if err := decodeValue(val, nv.Elem(), path); err != nil {
			return err
		}
		f.Set(nv)
		return nil
	}
	if f.Type() == timeType {
		t, ok := val.(time.Time)
		if !ok {
			return fmt.Errorf("decode %s: want timestamp, got %T", path, val)
		}
		f.Set(reflect.ValueOf(t))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		s, ok := val.(string)
		if !ok {
			return fmt.Errorf("decode %s: want string, got %T", path, val)
		}
		f.SetString(s)
	case reflect.Bool:
		b, ok := val.(bool)
		if !ok {
			return fmt.Errorf("decode %s: want boolean, got %T", path, val)
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := toInt(val)
		if err != nil {
			return fmt.Errorf("decode %s: %w", path, err)
		}
		if f.OverflowInt(n) {
			return fmt.Errorf("decode %s: %d out of range", path, n)
		}
		f.SetInt(n)
	case reflect.Float32, reflect.Float64:
		switch x := val.(type) {
		case float64:
			f.SetFloat(x)
		case int64:
			f.SetFloat(float64(x))
		default:
			return fmt.Errorf("decode %s: want number, got %T", path, val)
		}
	case reflect.Slice:
		items, ok := val.([]any)
		if !ok {
			return fmt.Errorf("decode %s: want list, got %T", path, val)
		}
		s := reflect.MakeSlice(f.Type(), len(items), len(items))
		for i, it := range items {
			if err := decodeValue(it, s.Index(i), fmt.Sprintf("%s.%d", path, i+1)); err != nil {
				return err
			}
		}
		f.Set(s)
	case reflect.Map:
		m, ok := val.(map[string]any)
		if !ok {
			return fmt.Errorf("decode %s: want map, got %T", path, val)
		}
		mv := reflect.MakeMapWithSize(f.Type(), len(m))
		for k, it := range m {
			ev := reflect.New(f.Type().Elem()).Elem()
			if err := decodeValue(it, ev, path+"."+k); err != nil {
				return err
			}
			mv.SetMapIndex(reflect.ValueOf(k).Convert(f.Type().Key()), ev)
		}
		f.Set(mv)
	case reflect.Struct:
		m, ok := val.(map[string]any)
		if !ok {
			return fmt.Errorf("decode %s: want structure, got %T", path, val)
		}
		return decodeStruct(m, f, path+".")
	case reflect.Interface:
		return decodeUnion(val, f, path)
	default:
		return fmt.Errorf("decode %s: unsupported field kind %s", path, f.Kind())
	}
	return nil
}

func toInt(val any) (int64, error) {
	switch x := val.(type) {
	case int64:
		return x, nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	case float64:
		return int64(x), nil
	}
	return 0, fmt.Errorf("want integer, got %T", val)
}

// Encode turns an SDK output struct (or pointer to one) into a document.
// Nil pointers, nil slices and empty enum strings are omitted, except the
// result list of a paginated output (one with Marker, NextToken or
// IsTruncated): AWS always sends it, empty as <DBInstances/>, and waiters
// such as db-instance-deleted test its length. The SDK's ResultMetadata
// field is skipped.
func Encode(src any) (map[string]any, error) {
	v := reflect.ValueOf(src)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return map[string]any{}, nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil, fmt.Errorf("encode: want struct, got %T", src)
	}
	out, _ := encodeValue(v)
	m := out.(map[string]any)
	t := v.Type()
	if !paginated(t) {
		return m, nil
	}
	for i := 0; i < t.NumField(); i++ {
		if sf := t.Field(i); sf.IsExported() && sf.Type.Kind() == reflect.Slice && m[sf.Name] == nil {
			m[sf.Name] = []any{}
		}
	}
	return m, nil
}

// paginated reports whether an output struct type carries a pagination
// token.
func paginated(t reflect.Type) bool {
	for _, name := range []string{"Marker", "NextMarker", "NextToken", "IsTruncated"} {
		if _, ok := t.FieldByName(name); ok {
			return true
		}
	}
	return false
}

func encodeValue(v reflect.Value) (any, bool) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, false
		}
		v = v.Elem()
	}
	if v.Type() == timeType {
		return v.Interface().(time.Time).UTC(), true
	}
	switch v.Kind() {
	case reflect.String:
		if v.Len() == 0 && v.Type().Name() != "string" {
			return nil, false // unset enum
		}
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		items := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			if it, ok := encodeValue(v.Index(i)); ok {
				items = append(items, it)
			}
		}
		return items, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		m := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			if e, ok := encodeValue(it.Value()); ok {
				m[it.Key().String()] = e
			}
		}
		return m, true
	case reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		return encodeUnion(v.Elem())
	case reflect.Struct:
		m := map[string]any{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if !sf.IsExported() || sf.Name == "ResultMetadata" {
				continue
			}
			if e, ok := encodeValue(v.Field(i)); ok {
				m[sf.Name] = e
			}
		}
		return m, true
	}
	return nil, false
}

// Unions. The SDK represents a union shape (exactly one member set) as an
// interface whose implementations are structs named <Union>Member<Name>
// with one field Value; reflection cannot list a package's types, so the
// services that take unions register their member types.
var (
	unionsMu sync.RWMutex
	unions   = map[reflect.Type]map[string]reflect.Type{} // interface → member name (lower case) → member type
)

// RegisterUnion registers members (zero values of the member structs,
// e.g. types.ExecutionBlockConfigurationMemberGlobalAuroraConfig{}) as
// the implementations of the union interface their names start with.
func RegisterUnion(iface reflect.Type, members ...any) {
	unionsMu.Lock()
	defer unionsMu.Unlock()
	m := unions[iface]
	if m == nil {
		m = map[string]reflect.Type{}
		unions[iface] = m
	}
	for _, mem := range members {
		t := reflect.TypeOf(mem)
		m[strings.ToLower(unionMemberName(t))] = t
	}
}

// unionMemberName is the member name of a union member type:
// ExecutionBlockConfigurationMemberGlobalAuroraConfig → GlobalAuroraConfig.
func unionMemberName(t reflect.Type) string {
	if _, after, ok := strings.Cut(t.Name(), "Member"); ok {
		return after
	}
	return t.Name()
}

func decodeUnion(val any, f reflect.Value, path string) error {
	m, ok := val.(map[string]any)
	if !ok || len(m) != 1 {
		return fmt.Errorf("decode %s: want a union with exactly one member set, got %v", path, val)
	}
	unionsMu.RLock()
	members := unions[f.Type()]
	unionsMu.RUnlock()
	for key, v := range m {
		t, ok := members[strings.ToLower(key)]
		if !ok {
			return fmt.Errorf("decode %s: unknown or unsupported union member %q", path, key)
		}
		mv := reflect.New(t).Elem()
		if err := decodeValue(v, mv.FieldByName("Value"), path+"."+key); err != nil {
			return err
		}
		if !mv.Addr().Type().Implements(f.Type()) && !t.Implements(f.Type()) {
			return fmt.Errorf("decode %s: %s does not implement %s", path, t, f.Type())
		}
		if t.Implements(f.Type()) {
			f.Set(mv)
		} else {
			f.Set(mv.Addr())
		}
	}
	return nil
}

func encodeUnion(v reflect.Value) (any, bool) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil, false
	}
	val := v.FieldByName("Value")
	if !val.IsValid() {
		return nil, false
	}
	e, ok := encodeValue(val)
	if !ok {
		return nil, false
	}
	return map[string]any{unionMemberName(v.Type()): e}, true
}
