// Package xmlbody renders documents (map[string]any keyed by member
// names) as the XML the AWS Query and REST-XML protocols put in response
// bodies, driven by a botocore service model: members in shape order,
// element names from locationName, list and map wrappers, scalars per
// shape type. Both protocol codecs use it.
package xmlbody

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
)

// Encoder renders bodies for one service model.
type Encoder struct{ Svc *awsmodel.Service }

// Escape writes s as XML character data.
func Escape(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // bytes.Buffer writes never fail
}

// WriteNamespace writes an xmlns attribute (nothing for "").
func WriteNamespace(b *bytes.Buffer, ns string) {
	if ns == "" {
		return
	}
	b.WriteString(` xmlns="`)
	Escape(b, ns)
	b.WriteByte('"')
}

// indirect unwraps interfaces and pointers; ok is false for nil.
func Indirect(v reflect.Value) (reflect.Value, bool) {
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) {
		if v.IsNil() {
			return v, false
		}
		v = v.Elem()
	}
	return v, v.IsValid()
}

// encodeMembers writes the members of structure shape found in the map v.
func (c Encoder) Members(b *bytes.Buffer, shape *awsmodel.Shape, v reflect.Value, path string) error {
	v, ok := Indirect(v)
	if !ok {
		return nil
	}
	if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
		return fmt.Errorf("%s: want map[string]any for structure %s, got %s", path, shape.Name, v.Type())
	}
	for _, k := range v.MapKeys() {
		if shape.MemberNamed(k.String()) == nil {
			return fmt.Errorf("%s: %q is not a member of %s", path, k.String(), shape.Name)
		}
	}
	for i := range shape.Members {
		m := &shape.Members[i]
		mv := v.MapIndex(reflect.ValueOf(m.Name).Convert(v.Type().Key()))
		if !mv.IsValid() {
			continue
		}
		if err := c.Value(b, m.ElementName(), &m.Ref, mv, path+"."+m.Name); err != nil {
			return err
		}
	}
	return nil
}

// encodeValue writes element name holding v as the shape ref points at.
func (c Encoder) Value(b *bytes.Buffer, name string, ref *awsmodel.Ref, v reflect.Value, path string) error {
	v, ok := Indirect(v)
	if !ok {
		return nil
	}
	shape := c.Svc.Shape(ref.Shape)
	if shape == nil {
		return fmt.Errorf("%s: unknown shape %s", path, ref.Shape)
	}
	switch shape.Type {
	case "structure":
		b.WriteString("<" + name + ">")
		if err := c.Members(b, shape, v, path); err != nil {
			return err
		}
		b.WriteString("</" + name + ">")
		return nil
	case "list":
		return c.encodeList(b, name, ref, shape, v, path)
	case "map":
		return c.encodeMap(b, name, shape, v, path)
	}
	text, err := FormatScalar(shape, v)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	b.WriteString("<" + name + ">")
	Escape(b, text)
	b.WriteString("</" + name + ">")
	return nil
}

func (c Encoder) encodeList(b *bytes.Buffer, name string, ref *awsmodel.Ref, shape *awsmodel.Shape, v reflect.Value, path string) error {
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return fmt.Errorf("%s: want a slice for list %s, got %s", path, shape.Name, v.Type())
	}
	item := shape.Member.LocationName
	flattened := shape.Flattened || ref.Flattened
	switch {
	case flattened && item == "":
		item = name
	case item == "":
		item = "member"
	}
	if !flattened {
		if v.Len() == 0 {
			b.WriteString("<" + name + "/>")
			return nil
		}
		b.WriteString("<" + name + ">")
	}
	for i := 0; i < v.Len(); i++ {
		if err := c.Value(b, item, shape.Member, v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	if !flattened {
		b.WriteString("</" + name + ">")
	}
	return nil
}

func (c Encoder) encodeMap(b *bytes.Buffer, name string, shape *awsmodel.Shape, v reflect.Value, path string) error {
	if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
		return fmt.Errorf("%s: want map[string]… for map %s, got %s", path, shape.Name, v.Type())
	}
	keyName, valName := "key", "value"
	if shape.Key.LocationName != "" {
		keyName = shape.Key.LocationName
	}
	if shape.Value.LocationName != "" {
		valName = shape.Value.LocationName
	}
	keys := v.MapKeys()
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	entry := "entry"
	if shape.Flattened {
		entry = name
	} else {
		b.WriteString("<" + name + ">")
	}
	for _, k := range keys {
		b.WriteString("<" + entry + ">")
		if err := c.Value(b, keyName, shape.Key, k, path+"[key]"); err != nil {
			return err
		}
		if err := c.Value(b, valName, shape.Value, v.MapIndex(k), path+"["+k.String()+"]"); err != nil {
			return err
		}
		b.WriteString("</" + entry + ">")
	}
	if !shape.Flattened {
		b.WriteString("</" + name + ">")
	}
	return nil
}

var timeType = reflect.TypeFor[time.Time]()

// formatScalar renders a scalar value as shape's type; Go kinds must
// match the shape (string kinds for strings, bool for booleans, integers
// for integer/long, numbers for doubles, time.Time for timestamps).
func FormatScalar(shape *awsmodel.Shape, v reflect.Value) (string, error) {
	bad := func() (string, error) {
		return "", fmt.Errorf("value of type %s does not fit %s shape %s", v.Type(), shape.Type, shape.Name)
	}
	switch shape.Type {
	case "string":
		if v.Kind() == reflect.String {
			return v.String(), nil
		}
		// aws-sdk-go-v2 customises a few string shapes into integers
		// (Route 53's PageMaxItems is *int32 in the SDK): render them as
		// the decimal string the model expects.
		if v.CanInt() {
			return strconv.FormatInt(v.Int(), 10), nil
		}
	case "boolean":
		if v.Kind() == reflect.Bool {
			return strconv.FormatBool(v.Bool()), nil
		}
	case "integer", "long":
		switch {
		case v.CanInt():
			return strconv.FormatInt(v.Int(), 10), nil
		case v.CanUint():
			return strconv.FormatUint(v.Uint(), 10), nil
		case v.CanFloat() && v.Float() == math.Trunc(v.Float()) && !math.IsInf(v.Float(), 0):
			return strconv.FormatFloat(v.Float(), 'f', 0, 64), nil
		}
	case "double", "float":
		switch {
		case v.CanFloat():
			return formatFloat(v.Float()), nil
		case v.CanInt():
			return strconv.FormatInt(v.Int(), 10), nil
		}
	case "timestamp":
		if v.Type() == timeType {
			return FormatTimestamp(shape, v.Interface().(time.Time)), nil
		}
	case "blob":
		if v.Kind() == reflect.String {
			return v.String(), nil // already base64
		}
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return base64.StdEncoding.EncodeToString(v.Bytes()), nil
		}
	}
	return bad()
}

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// formatTimestamp renders t as the Query protocol does by default (ISO 8601
// UTC with milliseconds), or per the shape's timestampFormat.
func FormatTimestamp(shape *awsmodel.Shape, t time.Time) string {
	switch shape.TimestampFormat {
	case "unixTimestamp":
		return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)
	case "rfc822":
		return t.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// CheckKeys reports a document key that is not a member of shape (a
// programming error: a typo in a model's output).
func CheckKeys(shape *awsmodel.Shape, v reflect.Value, path string) error {
	v, ok := Indirect(v)
	if !ok {
		return nil
	}
	if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
		return fmt.Errorf("%s: want map[string]any for structure %s, got %s", path, shape.Name, v.Type())
	}
	for _, k := range v.MapKeys() {
		if shape.MemberNamed(k.String()) == nil {
			return fmt.Errorf("%s: %q is not a member of %s", path, k.String(), shape.Name)
		}
	}
	return nil
}
