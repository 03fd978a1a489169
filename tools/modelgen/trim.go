package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// rawModel is the part of a botocore service-2.json the emulator needs.
// Shapes stay raw until trimmed so that member order can be read with
// tokens (encoding/json maps lose it).
type rawModel struct {
	Metadata   map[string]any             `json:"metadata"`
	Operations map[string]rawOperation    `json:"operations"`
	Shapes     map[string]json.RawMessage `json:"shapes"`
}

type rawOperation struct {
	Name   string   `json:"name"`
	HTTP   httpInfo `json:"http"`
	Input  *rawRef  `json:"input"`
	Output *rawRef  `json:"output"`
	Errors []rawRef `json:"errors"`
}

type httpInfo struct {
	Method       string `json:"method,omitempty"`
	RequestURI   string `json:"requestUri,omitempty"`
	ResponseCode int    `json:"responseCode,omitempty"`
}

// rawRef is a botocore shape reference (operation input/output, member,
// list member, map key/value). Documentation is not decoded, so it is
// dropped.
type rawRef struct {
	Shape         string     `json:"shape"`
	LocationName  string     `json:"locationName"`
	Location      string     `json:"location"`
	Flattened     bool       `json:"flattened"`
	XMLAttribute  bool       `json:"xmlAttribute"`
	ResultWrapper string     `json:"resultWrapper"`
	XMLNamespace  *namespace `json:"xmlNamespace"`
}

type namespace struct {
	URI string `json:"uri"`
}

type rawShape struct {
	Type            string         `json:"type"`
	Members         orderedMembers `json:"members"`
	Required        []string       `json:"required"`
	Member          *rawRef        `json:"member"`
	Key             *rawRef        `json:"key"`
	Value           *rawRef        `json:"value"`
	Flattened       bool           `json:"flattened"`
	Enum            []string       `json:"enum"`
	Min             *float64       `json:"min"`
	Max             *float64       `json:"max"`
	Pattern         string         `json:"pattern"`
	TimestampFormat string         `json:"timestampFormat"`
	Sensitive       bool           `json:"sensitive"`
	Error           *errorInfo     `json:"error"`
	Exception       bool           `json:"exception"`
}

type errorInfo struct {
	Code           string `json:"code,omitempty"`
	HTTPStatusCode int    `json:"httpStatusCode,omitempty"`
	SenderFault    bool   `json:"senderFault,omitempty"`
}

type namedRef struct {
	Name string
	Ref  rawRef
}

// orderedMembers decodes a JSON object of member refs keeping the order in
// which the members appear in the file.
type orderedMembers []namedRef

func (m *orderedMembers) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("decode members: want object, got %v (%v)", tok, err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("decode member name: %w", err)
		}
		name, ok := tok.(string)
		if !ok {
			return fmt.Errorf("decode members: want member name, got %v", tok)
		}
		var ref rawRef
		if err := dec.Decode(&ref); err != nil {
			return fmt.Errorf("decode member %s: %w", name, err)
		}
		*m = append(*m, namedRef{Name: name, Ref: ref})
	}
	return nil
}

// Output types: the trimmed model as written to models/<service>.json.

type outRef struct {
	Shape         string `json:"shape"`
	LocationName  string `json:"locationName,omitempty"`
	Location      string `json:"location,omitempty"`
	Flattened     bool   `json:"flattened,omitempty"`
	XMLAttribute  bool   `json:"xmlAttribute,omitempty"`
	XMLNamespace  string `json:"xmlNamespace,omitempty"`
	ResultWrapper string `json:"resultWrapper,omitempty"`
}

type outMember struct {
	Name string `json:"name"`
	outRef
}

type outOperation struct {
	Name   string    `json:"name"`
	HTTP   httpInfo  `json:"http"`
	Input  *outRef   `json:"input,omitempty"`
	Output *outRef   `json:"output,omitempty"`
	Errors []*outRef `json:"errors,omitempty"`
}

type outShape struct {
	Type            string      `json:"type"`
	Members         []outMember `json:"members,omitempty"`
	Required        []string    `json:"required,omitempty"`
	Member          *outRef     `json:"member,omitempty"`
	Key             *outRef     `json:"key,omitempty"`
	Value           *outRef     `json:"value,omitempty"`
	Flattened       bool        `json:"flattened,omitempty"`
	Enum            []string    `json:"enum,omitempty"`
	Min             *float64    `json:"min,omitempty"`
	Max             *float64    `json:"max,omitempty"`
	Pattern         string      `json:"pattern,omitempty"`
	TimestampFormat string      `json:"timestampFormat,omitempty"`
	Sensitive       bool        `json:"sensitive,omitempty"`
	Error           *errorInfo  `json:"error,omitempty"`
	Exception       bool        `json:"exception,omitempty"`
}

// metadataKeys are the metadata fields kept, in output order.
var metadataKeys = []string{"apiVersion", "protocol", "xmlNamespace", "signingName", "serviceId", "endpointPrefix", "globalEndpoint",
	"targetPrefix", "jsonVersion", "protocols", "awsQueryCompatible"}

func trimRef(r *rawRef) *outRef {
	if r == nil {
		return nil
	}
	o := &outRef{Shape: r.Shape, LocationName: r.LocationName, Location: r.Location,
		Flattened: r.Flattened, XMLAttribute: r.XMLAttribute, ResultWrapper: r.ResultWrapper}
	if r.XMLNamespace != nil {
		o.XMLNamespace = r.XMLNamespace.URI
	}
	return o
}

func trimShape(s *rawShape) *outShape {
	o := &outShape{Type: s.Type, Required: s.Required, Member: trimRef(s.Member),
		Key: trimRef(s.Key), Value: trimRef(s.Value), Flattened: s.Flattened, Enum: s.Enum,
		Min: s.Min, Max: s.Max, Pattern: s.Pattern, TimestampFormat: s.TimestampFormat,
		Sensitive: s.Sensitive, Error: s.Error, Exception: s.Exception}
	for _, m := range s.Members {
		o.Members = append(o.Members, outMember{Name: m.Name, outRef: *trimRef(&m.Ref)})
	}
	return o
}

// trim returns the trimmed model as compact, deterministic JSON: one line
// per operation and per shape, keys sorted, no documentation.
func trim(src []byte, generated string) ([]byte, error) {
	var m rawModel
	if err := json.Unmarshal(src, &m); err != nil {
		return nil, fmt.Errorf("decode model: %w", err)
	}
	shapes, err := reachableShapes(&m)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString("{\"_generated\":")
	writeJSON(&buf, generated)
	buf.WriteString(",\n\"metadata\":{")
	first := true
	for _, k := range metadataKeys {
		v, ok := m.Metadata[k]
		if !ok {
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		writeJSON(&buf, k)
		buf.WriteByte(':')
		writeJSON(&buf, v)
	}
	buf.WriteString("},\n\"operations\":{")
	for i, name := range sortedKeys(m.Operations) {
		op := m.Operations[name]
		out := outOperation{Name: op.Name, HTTP: op.HTTP, Input: trimRef(op.Input), Output: trimRef(op.Output)}
		for j := range op.Errors {
			out.Errors = append(out.Errors, trimRef(&op.Errors[j]))
		}
		writeEntry(&buf, i, name, out)
	}
	buf.WriteString("\n},\n\"shapes\":{")
	for i, name := range sortedKeys(shapes) {
		writeEntry(&buf, i, name, trimShape(shapes[name]))
	}
	buf.WriteString("\n}}\n")
	if !json.Valid(buf.Bytes()) {
		return nil, fmt.Errorf("encode model: produced invalid JSON")
	}
	return buf.Bytes(), nil
}

// reachableShapes decodes every shape reachable from an operation's input,
// output or errors.
func reachableShapes(m *rawModel) (map[string]*rawShape, error) {
	out := map[string]*rawShape{}
	var queue []string
	push := func(r *rawRef) {
		if r != nil && r.Shape != "" {
			queue = append(queue, r.Shape)
		}
	}
	for _, name := range sortedKeys(m.Operations) {
		op := m.Operations[name]
		push(op.Input)
		push(op.Output)
		for i := range op.Errors {
			push(&op.Errors[i])
		}
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if _, done := out[name]; done {
			continue
		}
		raw, ok := m.Shapes[name]
		if !ok {
			return nil, fmt.Errorf("resolve shape %s: not in model", name)
		}
		var s rawShape
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("decode shape %s: %w", name, err)
		}
		out[name] = &s
		for i := range s.Members {
			push(&s.Members[i].Ref)
		}
		push(s.Member)
		push(s.Key)
		push(s.Value)
	}
	return out, nil
}

func writeEntry(buf *bytes.Buffer, i int, name string, v any) {
	if i > 0 {
		buf.WriteByte(',')
	}
	buf.WriteByte('\n')
	writeJSON(buf, name)
	buf.WriteByte(':')
	writeJSON(buf, v)
}

// writeJSON appends v without HTML escaping and without a newline. Only
// plain data decoded from JSON is written, so encoding cannot fail; if it
// ever did, the invalid output is caught by the json.Valid check in trim.
func writeJSON(buf *bytes.Buffer, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		buf.WriteString("<unencodable>")
		return
	}
	buf.Write(bytes.TrimRight(b.Bytes(), "\n"))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
