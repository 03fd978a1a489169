package topology

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder walks a yaml.Node tree into Go values, recording where every field
// is written so that later validation can point at it. Problems are recorded,
// never returned: decoding goes on so that one run reports them all.
type decoder struct {
	*problems
}

// field is one known key of a mapping and how to decode its value.
type field struct {
	name   string
	decode func(v *yaml.Node, path string)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// object decodes a mapping whose keys must be among fields. A null value is
// an empty mapping. It reports whether n was a mapping (or null).
func (d *decoder) object(n *yaml.Node, path string, fields []field) bool {
	n = resolve(n)
	if isNull(n) {
		return true
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(path, "", "must be a mapping of fields, not %s", describe(n))
		return false
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorAt(position{k.Line, k.Column}, path, "", "a key must be a plain name, not %s", describe(k))
			continue
		}
		fp := join(path, k.Value)
		if k.Value == "<<" {
			d.at[fp] = position{k.Line, k.Column}
			d.errorf(fp, "repeat the fields, or use an anchor for a whole value", "YAML merge keys are not supported")
			continue
		}
		if seen[k.Value] {
			d.errorAt(position{k.Line, k.Column}, fp, "remove one of them", "field %q is given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		d.at[fp] = position{k.Line, k.Column}
		j := indexOf(names, k.Value)
		if j < 0 {
			d.errorf(fp, suggest(k.Value, names), "unknown field %q", k.Value)
			continue
		}
		fields[j].decode(v, fp)
	}
	return true
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// describe names a node's kind for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "null"
		}
		return strconv.Quote(n.Value)
	}
	return "this value"
}

// str decodes any non-null scalar as its text (so "15.10" stays "15.10").
func (d *decoder) str(dst *string) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		n = resolve(n)
		if isNull(n) {
			return
		}
		if n.Kind != yaml.ScalarNode {
			d.errorf(path, "", "must be a string, not %s", describe(n))
			return
		}
		*dst = n.Value
	}
}

func (d *decoder) boolean(dst *bool) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		n = resolve(n)
		if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
			*dst = strings.EqualFold(n.Value, "true")
			return
		}
		hint := ""
		switch strings.ToLower(n.Value) {
		case "yes", "no", "on", "off", "y", "n":
			hint = "YAML 1.2 reads " + n.Value + " as a string; write true or false"
		}
		d.errorf(path, hint, "must be true or false, not %s", describe(n))
	}
}

func (d *decoder) integer(dst *int) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		n = resolve(n)
		if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
			if v, err := strconv.Atoi(n.Value); err == nil {
				*dst = v
				return
			}
		}
		d.errorf(path, "", "must be a whole number, not %s", describe(n))
	}
}

func (d *decoder) strList(dst *[]string) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		n = resolve(n)
		if isNull(n) {
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.errorf(path, "write a list: [a, b]", "must be a list of strings, not %s", describe(n))
			return
		}
		for i, item := range n.Content {
			ip := index(path, i)
			d.at[ip] = position{item.Line, item.Column}
			var s string
			d.str(&s)(item, ip)
			*dst = append(*dst, s)
		}
	}
}

func (d *decoder) strMap(dst *map[string]string) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		d.mapping(n, path, "must be a mapping of names to strings", "", func(key string, v *yaml.Node, kp string) {
			if *dst == nil {
				*dst = map[string]string{}
			}
			var s string
			d.str(&s)(v, kp)
			(*dst)[key] = s
		})
	}
}

// strListMap decodes a mapping of names to lists of strings.
func (d *decoder) strListMap(dst *map[string][]string) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		d.mapping(n, path, "must be a mapping of names to lists", "e.g. {us-west-2: [alarm-a, alarm-b]}", func(key string, v *yaml.Node, kp string) {
			if *dst == nil {
				*dst = map[string][]string{}
			}
			var list []string
			d.strList(&list)(v, kp)
			(*dst)[key] = list
		})
	}
}

// mapping decodes a mapping of free names (not fields) to values: each
// key, given once, with its value and path (path.key). A null value is an
// empty mapping; anything else but a mapping is refused with what
// ("must be a mapping of …") and hint.
func (d *decoder) mapping(n *yaml.Node, path, what, hint string, item func(key string, v *yaml.Node, path string)) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(path, hint, "%s, not %s", what, describe(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorAt(position{k.Line, k.Column}, path, "", "a key must be a plain name, not %s", describe(k))
			continue
		}
		kp := path + "." + k.Value
		if seen[k.Value] {
			d.errorAt(position{k.Line, k.Column}, kp, "remove one of them", "key %q is given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		d.at[kp] = position{k.Line, k.Column}
		item(k.Value, v, kp)
	}
}

// list decodes a sequence, calling item for each element with its path.
func (d *decoder) list(n *yaml.Node, path string, item func(n *yaml.Node, path string)) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(path, "", "must be a list, not %s", describe(n))
		return
	}
	for i, c := range n.Content {
		ip := index(path, i)
		d.at[ip] = position{c.Line, c.Column}
		item(c, ip)
	}
}
