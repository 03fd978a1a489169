package restxml

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
)

// EncodeResult renders the response of operation op for the output
// document doc, as botocore's RestXMLParser and the Go SDK read it:
//   - status is the operation's http.responseCode (201 for Route 53's
//     creates), else 200; an integer member with location "statusCode"
//     overrides it;
//   - members with location "header" become headers under their
//     locationName (CreateHostedZone's Location), "headers" maps become
//     prefixed headers;
//   - the rest is the XML body <OutputShapeName xmlns=ns>…</…> (the output
//     reference's locationName wins if the model has one; Route 53's
//     outputs have none, and real responses use the shape name, e.g.
//     <CreateHostedZoneResponse>). Members are written in model order
//     under their locationName (else name); lists as <Name><item>… with the
//     list member's locationName (else "member"), flattened lists by
//     repeating the element, maps as <entry><key/><value/></entry>;
//     booleans true/false; timestamps ISO 8601 UTC with milliseconds
//     (header timestamps as HTTP dates); blobs base64.
//
// Nil and absent members are omitted. A key that is not a member of its
// shape, or a value of the wrong Go type, is a programming error and
// returns an error.
func (c *Codec) EncodeResult(op string, doc map[string]any) (status int, header http.Header, body []byte, err error) {
	o := c.svc.Operations[op]
	if o == nil {
		return 0, nil, nil, fmt.Errorf("encode result: unknown operation %s", op)
	}
	status = http.StatusOK
	if o.HTTP.ResponseCode != 0 {
		status = o.HTTP.ResponseCode
	}
	header = http.Header{}
	if o.Output == nil {
		if len(doc) > 0 {
			return 0, nil, nil, fmt.Errorf("encode %s result: operation has no output but document has %d keys", op, len(doc))
		}
		return status, header, nil, nil
	}
	shape := c.svc.Shape(o.Output.Shape)
	if err := checkKeys(shape, reflect.ValueOf(doc), op); err != nil {
		return 0, nil, nil, fmt.Errorf("encode %s result: %w", op, err)
	}
	root := o.Output.LocationName
	if root == "" {
		root = shape.Name
	}
	var b bytes.Buffer
	b.WriteString("<" + root)
	writeNamespace(&b, c.ns)
	b.WriteString(">")
	for i := range shape.Members {
		m := &shape.Members[i]
		v, ok := indirect(reflect.ValueOf(doc[m.Name]))
		if !ok {
			continue
		}
		path := op + "." + m.Name
		switch m.Location {
		case "":
			if err := c.encodeValue(&b, m.ElementName(), &m.Ref, v, path); err != nil {
				return 0, nil, nil, fmt.Errorf("encode %s result: %w", op, err)
			}
		case "header":
			text, err := c.headerText(&m.Ref, v)
			if err != nil {
				return 0, nil, nil, fmt.Errorf("encode %s result: %s: %w", op, path, err)
			}
			header.Set(m.ElementName(), text)
		case "headers":
			if err := c.prefixedHeaders(header, m, v); err != nil {
				return 0, nil, nil, fmt.Errorf("encode %s result: %s: %w", op, path, err)
			}
		case "statusCode":
			if !v.CanInt() || v.Int() < 100 || v.Int() > 599 {
				return 0, nil, nil, fmt.Errorf("encode %s result: %s: want an HTTP status, got %v", op, path, v)
			}
			status = int(v.Int())
		default:
			return 0, nil, nil, fmt.Errorf("encode %s result: %s: location %q cannot be encoded", op, path, m.Location)
		}
	}
	b.WriteString("</" + root + ">")
	return status, header, b.Bytes(), nil
}

func (c *Codec) headerText(ref *awsmodel.Ref, v reflect.Value) (string, error) {
	shape := c.svc.Shape(ref.Shape)
	if shape == nil {
		return "", fmt.Errorf("unknown shape %s", ref.Shape)
	}
	if shape.Type == "timestamp" && v.Type() == timeType && shape.TimestampFormat == "" {
		return v.Interface().(time.Time).UTC().Format(http.TimeFormat), nil
	}
	return formatScalar(shape, v)
}

func (c *Codec) prefixedHeaders(h http.Header, m *awsmodel.Member, v reflect.Value) error {
	shape := c.svc.Shape(m.Shape)
	if shape == nil || shape.Type != "map" || v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
		return fmt.Errorf("want map[string]… for headers member")
	}
	for _, k := range v.MapKeys() {
		ev, ok := indirect(v.MapIndex(k))
		if !ok {
			continue
		}
		text, err := c.headerText(shape.Value, ev)
		if err != nil {
			return err
		}
		h.Set(m.LocationName+k.String(), text)
	}
	return nil
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

// checkKeys rejects keys of the map v that are not members of shape.
func checkKeys(shape *awsmodel.Shape, v reflect.Value, path string) error {
	v, ok := indirect(v)
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

// encodeMembers writes the members of structure shape found in the map v.
func (c *Codec) encodeMembers(b *bytes.Buffer, shape *awsmodel.Shape, v reflect.Value, path string) error {
	if err := checkKeys(shape, v, path); err != nil {
		return err
	}
	for i := range shape.Members {
		m := &shape.Members[i]
		mv := v.MapIndex(reflect.ValueOf(m.Name).Convert(v.Type().Key()))
		if !mv.IsValid() {
			continue
		}
		if err := c.encodeValue(b, m.ElementName(), &m.Ref, mv, path+"."+m.Name); err != nil {
			return err
		}
	}
	return nil
}

// encodeValue writes element name holding v as the shape ref points at.
func (c *Codec) encodeValue(b *bytes.Buffer, name string, ref *awsmodel.Ref, v reflect.Value, path string) error {
	v, ok := indirect(v)
	if !ok {
		return nil
	}
	shape := c.svc.Shape(ref.Shape)
	if shape == nil {
		return fmt.Errorf("%s: unknown shape %s", path, ref.Shape)
	}
	switch shape.Type {
	case "structure":
		b.WriteString("<" + name + ">")
		if err := c.encodeMembers(b, shape, v, path); err != nil {
			return err
		}
		b.WriteString("</" + name + ">")
		return nil
	case "list":
		return c.encodeList(b, name, ref, shape, v, path)
	case "map":
		return c.encodeMap(b, name, shape, v, path)
	}
	text, err := formatScalar(shape, v)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	b.WriteString("<" + name + ">")
	escape(b, text)
	b.WriteString("</" + name + ">")
	return nil
}

func (c *Codec) encodeList(b *bytes.Buffer, name string, ref *awsmodel.Ref, shape *awsmodel.Shape, v reflect.Value, path string) error {
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
		b.WriteString("<" + name + ">")
	}
	for i := 0; i < v.Len(); i++ {
		if err := c.encodeValue(b, item, shape.Member, v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	if !flattened {
		b.WriteString("</" + name + ">")
	}
	return nil
}

func (c *Codec) encodeMap(b *bytes.Buffer, name string, shape *awsmodel.Shape, v reflect.Value, path string) error {
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
		if err := c.encodeValue(b, keyName, shape.Key, k, path+"[key]"); err != nil {
			return err
		}
		if err := c.encodeValue(b, valName, shape.Value, v.MapIndex(k), path+"["+k.String()+"]"); err != nil {
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
func formatScalar(shape *awsmodel.Shape, v reflect.Value) (string, error) {
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
			return formatTimestamp(shape, v.Interface().(time.Time)), nil
		}
	case "blob":
		if v.Kind() == reflect.String {
			return v.String(), nil // already base64
		}
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return base64.StdEncoding.EncodeToString(v.Bytes()), nil
		}
	}
	return "", fmt.Errorf("value of type %s does not fit %s shape %s", v.Type(), shape.Type, shape.Name)
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

// formatTimestamp renders t as ISO 8601 UTC with milliseconds (the REST-XML
// body default), or per the shape's timestampFormat.
func formatTimestamp(shape *awsmodel.Shape, t time.Time) string {
	switch shape.TimestampFormat {
	case "unixTimestamp":
		return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)
	case "rfc822":
		return t.UTC().Format(http.TimeFormat)
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func writeNamespace(b *bytes.Buffer, ns string) {
	if ns == "" {
		return
	}
	b.WriteString(` xmlns="`)
	escape(b, ns)
	b.WriteByte('"')
}

func escape(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // bytes.Buffer writes never fail
}
