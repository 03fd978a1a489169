package restxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/scalar"
)

// Error codes this codec produces itself.
const (
	// InvalidInput is Route 53's code for every malformed or incomplete
	// request (its model has no MissingParameter).
	InvalidInput = "InvalidInput"
	// UnknownOperation is sent, with 404, for a method and path that match
	// no operation (the AWS common error for an unrecognised operation;
	// SDKs surface it as a generic API error with this code).
	UnknownOperation = "UnknownOperationException"
)

// maxDepth bounds the nesting of request XML documents.
const maxDepth = 64

// Decode turns a request into a Call (Operation and Params only):
//   - the operation comes from Route(r.Method, r.URL.EscapedPath());
//   - "uri" members from the path labels, "querystring" members from the
//     URL query (by locationName; lists from repeated keys), "header"
//     members from headers, "headers" maps from prefixed headers;
//   - the other members from the XML body, whose root element is the
//     input's locationName (e.g. <ChangeResourceRecordSetsRequest>; any
//     namespace accepted): structures by member element name, lists as
//     <Name><item/>…</Name> with the list member's locationName (else
//     "member"), flattened lists as repeated elements, maps as
//     <entry><key/><value/></entry>; booleans true/false, integers,
//     doubles, ISO 8601 timestamps (also epoch seconds), base64 blobs.
//
// Errors are *awserr.Error: UnknownOperationException for an unknown
// route; InvalidInput for malformed XML, a scalar that does not parse, or
// a missing required member at any depth (the message names it by its
// path, e.g. ChangeBatch.Changes[0].Action). Unknown elements and query
// parameters are ignored; enums and ranges are not checked.
func (c *Codec) Decode(r *http.Request, body []byte) (*Call, error) {
	path := r.URL.EscapedPath()
	name, labels, ok := c.Route(r.Method, path)
	if !ok {
		return nil, c.unknownOperation(r.Method, path)
	}
	op := c.svc.Operations[name]
	call := &Call{Operation: name, Params: map[string]any{}}
	if op.Input == nil {
		return call, nil
	}
	shape := c.svc.Shape(op.Input.Shape)
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, awserr.New(InvalidInput, "The query string is malformed: %v", err)
	}
	hasBody := false
	for i := range shape.Members {
		m := &shape.Members[i]
		var v any
		var ok bool
		var err error
		switch m.Location {
		case "uri":
			var s string
			if s, ok = labels[m.ElementName()]; ok {
				v, err = c.text(&m.Ref, s, "")
			}
		case "querystring":
			v, ok, err = c.queryValue(&m.Ref, query)
		case "header":
			if s := r.Header.Get(m.ElementName()); s != "" {
				v, err = c.text(&m.Ref, s, "header")
				ok = true
			}
		case "headers":
			v, ok, err = c.prefixHeaders(&m.Ref, m.LocationName, r.Header)
		case "":
			hasBody = true
			continue
		default:
			continue // statusCode and the like have no place in a request
		}
		if err != nil {
			return nil, awserr.New(InvalidInput, "Invalid value for parameter %s (%s %s): %v", m.Name, m.Location, m.ElementName(), err)
		}
		if ok {
			call.Params[m.Name] = v
		}
	}
	if hasBody && len(bytes.TrimSpace(body)) > 0 {
		root, err := parseXML(body)
		if err != nil {
			return nil, awserr.New(InvalidInput, "Invalid XML: %v", err)
		}
		want := op.Input.LocationName
		if want == "" {
			want = shape.Name
		}
		if root.name != want {
			return nil, awserr.New(InvalidInput, "Invalid XML: root element is <%s>, want <%s>", root.name, want)
		}
		d := &decoder{svc: c.svc}
		for i := range shape.Members {
			m := &shape.Members[i]
			if m.Location != "" {
				continue
			}
			v, ok, err := d.member(root, m, m.Name)
			if err != nil {
				return nil, err
			}
			if ok {
				call.Params[m.Name] = v
			}
		}
	}
	if err := c.checkRequired(shape, call.Params, ""); err != nil {
		return nil, err
	}
	return call, nil
}

func (c *Codec) unknownOperation(method, path string) error {
	if c.pathMatches(path) {
		return awserr.New(UnknownOperation, "The method %s is not supported for resource %s", method, path)
	}
	return awserr.New(UnknownOperation, "No operation matches %s %s", method, path)
}

// text parses a scalar from a URI label, query value or header; lists and
// structures cannot appear there.
func (c *Codec) text(ref *awsmodel.Ref, s, location string) (any, error) {
	shape := c.svc.Shape(ref.Shape)
	if shape == nil {
		return nil, fmt.Errorf("unknown shape %s", ref.Shape)
	}
	switch shape.Type {
	case "structure", "list", "map":
		return nil, fmt.Errorf("%s shape %s cannot be bound to %s", shape.Type, shape.Name, location)
	}
	return scalar.Parse(shape, s)
}

func (c *Codec) queryValue(ref *awsmodel.Ref, query url.Values) (any, bool, error) {
	vals, ok := query[ref.LocationName]
	if !ok || len(vals) == 0 {
		return nil, false, nil
	}
	shape := c.svc.Shape(ref.Shape)
	if shape == nil {
		return nil, false, fmt.Errorf("unknown shape %s", ref.Shape)
	}
	if shape.Type == "list" {
		out := make([]any, 0, len(vals))
		for _, s := range vals {
			v, err := c.text(shape.Member, s, "querystring")
			if err != nil {
				return nil, false, err
			}
			out = append(out, v)
		}
		return out, true, nil
	}
	v, err := c.text(ref, vals[0], "querystring")
	return v, err == nil, err
}

func (c *Codec) prefixHeaders(ref *awsmodel.Ref, prefix string, h http.Header) (any, bool, error) {
	shape := c.svc.Shape(ref.Shape)
	if shape == nil || shape.Type != "map" {
		return nil, false, fmt.Errorf("headers member must be a map")
	}
	out := map[string]any{}
	for k, vs := range h {
		if len(vs) == 0 || !strings.HasPrefix(strings.ToLower(k), strings.ToLower(prefix)) {
			continue
		}
		v, err := c.text(shape.Value, vs[0], "header")
		if err != nil {
			return nil, false, err
		}
		out[k[len(prefix):]] = v
	}
	return out, len(out) > 0, nil
}

// node is one parsed XML element.
type node struct {
	name     string // local name
	text     strings.Builder
	children []*node
}

// child returns the first child element called name.
func (n *node) child(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// parseXML reads one XML document into a tree of elements (namespaces
// dropped, as botocore and the SDKs do).
func parseXML(body []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	var root *node
	var stack []*node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && root != nil {
				return nil, fmt.Errorf("more than one root element")
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("elements nested deeper than %d", maxDepth)
			}
			n := &node{name: t.Name.Local}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1] // the decoder checks that tags match
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

// decoder turns XML elements into parameter values per shape.
type decoder struct {
	svc *awsmodel.Service
}

// member decodes structure member m from its element(s) under parent.
func (d *decoder) member(parent *node, m *awsmodel.Member, path string) (any, bool, error) {
	shape := d.svc.Shape(m.Shape)
	if shape == nil {
		return nil, false, fmt.Errorf("decode %s: unknown shape %s", path, m.Shape)
	}
	if shape.Type == "list" && (shape.Flattened || m.Flattened) {
		item := m.ElementName()
		if shape.Member.LocationName != "" {
			item = shape.Member.LocationName
		}
		var out []any
		for _, c := range parent.children {
			if c.name != item {
				continue
			}
			v, err := d.value(c, shape.Member, fmt.Sprintf("%s[%d]", path, len(out)))
			if err != nil {
				return nil, false, err
			}
			out = append(out, v)
		}
		return out, out != nil, nil
	}
	el := parent.child(m.ElementName())
	if el == nil {
		return nil, false, nil
	}
	v, err := d.value(el, &m.Ref, path)
	return v, err == nil, err
}

// value decodes element el as the shape ref points at.
func (d *decoder) value(el *node, ref *awsmodel.Ref, path string) (any, error) {
	shape := d.svc.Shape(ref.Shape)
	if shape == nil {
		return nil, fmt.Errorf("decode %s: unknown shape %s", path, ref.Shape)
	}
	switch shape.Type {
	case "structure":
		out := map[string]any{}
		for i := range shape.Members {
			m := &shape.Members[i]
			v, ok, err := d.member(el, m, path+"."+m.Name)
			if err != nil {
				return nil, err
			}
			if ok {
				out[m.Name] = v
			}
		}
		return out, nil
	case "list":
		item := shape.Member.LocationName
		if item == "" {
			item = "member"
		}
		out := []any{}
		for _, c := range el.children {
			if c.name != item {
				continue
			}
			v, err := d.value(c, shape.Member, fmt.Sprintf("%s[%d]", path, len(out)))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case "map":
		return d.mapValue(el, shape, path)
	}
	text := el.text.String()
	if shape.Type != "string" {
		text = strings.TrimSpace(text)
	}
	v, err := scalar.Parse(shape, text)
	if err != nil {
		return nil, awserr.New(InvalidInput, "Invalid value '%s' for %s: expected %s", text, path, shape.Type)
	}
	return v, nil
}

func (d *decoder) mapValue(el *node, shape *awsmodel.Shape, path string) (any, error) {
	keyName, valName := "key", "value"
	if shape.Key.LocationName != "" {
		keyName = shape.Key.LocationName
	}
	if shape.Value.LocationName != "" {
		valName = shape.Value.LocationName
	}
	out := map[string]any{}
	for _, e := range el.children {
		if e.name != "entry" {
			continue
		}
		k, v := e.child(keyName), e.child(valName)
		if k == nil || v == nil {
			continue
		}
		key := k.text.String()
		val, err := d.value(v, shape.Value, path+"["+key+"]")
		if err != nil {
			return nil, err
		}
		out[key] = val
	}
	return out, nil
}

// checkRequired reports the first required member missing from params,
// descending into nested structures and lists of structures.
func (c *Codec) checkRequired(shape *awsmodel.Shape, params map[string]any, path string) error {
	for _, name := range shape.Required {
		if _, ok := params[name]; !ok {
			return awserr.New(InvalidInput, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", join(path, name))
		}
	}
	for i := range shape.Members {
		m := &shape.Members[i]
		v, ok := params[m.Name]
		if !ok {
			continue
		}
		if err := c.checkValue(&m.Ref, v, join(path, m.Name)); err != nil {
			return err
		}
	}
	return nil
}

func (c *Codec) checkValue(ref *awsmodel.Ref, v any, path string) error {
	shape := c.svc.Shape(ref.Shape)
	if shape == nil {
		return nil
	}
	switch shape.Type {
	case "structure":
		if m, ok := v.(map[string]any); ok {
			return c.checkRequired(shape, m, path)
		}
	case "list":
		if items, ok := v.([]any); ok {
			for i, item := range items {
				if err := c.checkValue(shape.Member, item, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}
