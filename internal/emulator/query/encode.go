package query

import (
	"bytes"
	"fmt"
	"reflect"

	"github.com/globaldb/globaldb/internal/emulator/xmlbody"
)

// EncodeResult renders the XML response of operation op for the output
// document doc, as botocore's QueryParser and the Go SDK read it:
//
//	<OpResponse xmlns=ns><OpResult>…</OpResult>
//	<ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></OpResponse>
//
// The Result element is written only when the output has a resultWrapper.
// Members are written in model order under their locationName (else their
// name); lists as <Name><member-locationName or member>…, flattened lists
// by repeating the element, maps as <entry><key/><value/></entry>;
// booleans true/false; timestamps ISO 8601 UTC with milliseconds. Nil and
// absent members are omitted. A key that is not a member of its shape, or a
// value of the wrong Go type, is a programming error and returns an error.
func (c *Codec) EncodeResult(op string, doc map[string]any, requestID string) ([]byte, error) {
	o := c.svc.Operations[op]
	if o == nil {
		return nil, fmt.Errorf("encode result: unknown operation %s", op)
	}
	var b bytes.Buffer
	b.WriteString("<" + op + "Response")
	xmlbody.WriteNamespace(&b, c.svc.Metadata.XMLNamespace)
	b.WriteString(">")
	if o.Output != nil {
		shape := c.svc.Shape(o.Output.Shape)
		if o.Output.ResultWrapper != "" {
			b.WriteString("<" + o.Output.ResultWrapper + ">")
		}
		if err := c.body().Members(&b, shape, reflect.ValueOf(doc), op); err != nil {
			return nil, fmt.Errorf("encode %s result: %w", op, err)
		}
		if o.Output.ResultWrapper != "" {
			b.WriteString("</" + o.Output.ResultWrapper + ">")
		}
	} else if len(doc) > 0 {
		return nil, fmt.Errorf("encode %s result: operation has no output but document has %d keys", op, len(doc))
	}
	b.WriteString("<ResponseMetadata><RequestId>")
	xmlbody.Escape(&b, requestID)
	b.WriteString("</RequestId></ResponseMetadata></" + op + "Response>")
	return b.Bytes(), nil
}

// body renders XML bodies for this codec's service model.
func (c *Codec) body() xmlbody.Encoder { return xmlbody.Encoder{Svc: c.svc} }
