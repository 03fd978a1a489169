package restxml

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/xmlbody"

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
	if err := xmlbody.CheckKeys(shape, reflect.ValueOf(doc), op); err != nil {
		return 0, nil, nil, fmt.Errorf("encode %s result: %w", op, err)
	}
	root := o.Output.LocationName
	if root == "" {
		root = shape.Name
	}
	var b bytes.Buffer
	b.WriteString("<" + root)
	xmlbody.WriteNamespace(&b, c.ns)
	b.WriteString(">")
	for i := range shape.Members {
		m := &shape.Members[i]
		v, ok := xmlbody.Indirect(reflect.ValueOf(doc[m.Name]))
		if !ok {
			continue
		}
		path := op + "." + m.Name
		switch m.Location {
		case "":
			if err := c.body().Value(&b, m.ElementName(), &m.Ref, v, path); err != nil {
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
	if shape.Type == "timestamp" && v.Type() == reflect.TypeFor[time.Time]() && shape.TimestampFormat == "" {
		return v.Interface().(time.Time).UTC().Format(http.TimeFormat), nil
	}
	return xmlbody.FormatScalar(shape, v)
}

func (c *Codec) prefixedHeaders(h http.Header, m *awsmodel.Member, v reflect.Value) error {
	shape := c.svc.Shape(m.Shape)
	if shape == nil || shape.Type != "map" || v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
		return fmt.Errorf("want map[string]… for headers member")
	}
	for _, k := range v.MapKeys() {
		ev, ok := xmlbody.Indirect(v.MapIndex(k))
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

// body renders XML bodies for this codec's service model.
func (c *Codec) body() xmlbody.Encoder { return xmlbody.Encoder{Svc: c.svc} }
