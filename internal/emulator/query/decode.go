package query

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/scalar"
)

// Decode turns a Query-protocol form into a Call (Action and Params only),
// following what botocore's QuerySerializer and the Go SDK send:
//   - structures: Name.Member;
//   - lists: Name.<member locationName or "member">.N (1-based, ordered by
//     N, gaps allowed); flattened lists Name.N; "Name=" is an empty list;
//     an index that is not a positive integer is an error, not a member
//     silently dropped;
//   - maps: Name.entry.N.<key>/<value> (locationNames honoured);
//   - booleans true/false (any case), integers, doubles, ISO 8601
//     timestamps; blobs are base64.
//
// Errors are *awserr.Error: InvalidAction for a missing or unknown Action or
// a foreign Version, MissingParameter for a missing top-level required
// member, InvalidParameterValue for a scalar that does not parse or a list
// or map index that is not a positive integer. Unknown
// parameters are ignored and enum values are not checked, as AWS does in
// its own, service-specific way.
func (c *Codec) Decode(form url.Values) (*Call, error) {
	action := form.Get("Action")
	op := c.svc.Operations[action]
	version := form.Get("Version")
	if action == "" || op == nil || (version != "" && version != c.svc.Metadata.APIVersion) {
		return nil, c.invalidAction(action, version)
	}
	call := &Call{Action: action, Params: map[string]any{}}
	if op.Input == nil {
		return call, nil
	}
	d := newDecoder(c.svc, form)
	shape := c.svc.Shape(op.Input.Shape)
	params, _, err := d.structure(shape, "")
	if err != nil {
		return nil, err
	}
	for _, name := range shape.Required {
		if _, ok := params[name]; !ok {
			wire := name
			if m := shape.MemberNamed(name); m != nil {
				wire = m.ElementName()
			}
			return nil, awserr.New(awserr.MissingParameter, "The request must contain the parameter %s", wire)
		}
	}
	call.Params = params
	return call, nil
}

func (c *Codec) invalidAction(action, version string) error {
	if version == "" {
		version = c.svc.Metadata.APIVersion
	}
	if action == "" {
		return awserr.New(awserr.InvalidAction, "The request must contain the parameter Action.")
	}
	if c.svc.Metadata.ServiceID == "RDS" {
		return awserr.New(awserr.InvalidAction, "Could not find operation %s for version %s", action, version)
	}
	return awserr.New(awserr.InvalidAction, "The action %s is not valid for this web service.", action)
}

// decoder reads one form. keys is sorted so that the parameters under a
// prefix can be found by binary search.
type decoder struct {
	svc  *awsmodel.Service
	form url.Values
	keys []string
}

func newDecoder(svc *awsmodel.Service, form url.Values) *decoder {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return &decoder{svc: svc, form: form, keys: keys}
}

// under returns the keys that start with prefix.
func (d *decoder) under(prefix string) []string {
	i := sort.SearchStrings(d.keys, prefix)
	j := i
	for j < len(d.keys) && strings.HasPrefix(d.keys[j], prefix) {
		j++
	}
	return d.keys[i:j]
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// value decodes the value of shape at key; ok is false when the request
// carries no such value.
func (d *decoder) value(ref *awsmodel.Ref, key string) (any, bool, error) {
	shape := d.svc.Shape(ref.Shape)
	if shape == nil {
		return nil, false, fmt.Errorf("decode %s: unknown shape %s", key, ref.Shape)
	}
	switch shape.Type {
	case "structure":
		if len(d.under(key+".")) == 0 {
			return nil, false, nil
		}
		return d.structure(shape, key)
	case "list":
		return d.list(ref, shape, key)
	case "map":
		return d.mapValue(shape, key)
	}
	vals, ok := d.form[key]
	if !ok || len(vals) == 0 {
		return nil, false, nil
	}
	v, err := scalar.Parse(shape, vals[0])
	if err != nil {
		return nil, false, awserr.New(awserr.InvalidParameterValue, "Invalid value '%s' for parameter %s", vals[0], key)
	}
	return v, true, nil
}

func (d *decoder) structure(shape *awsmodel.Shape, prefix string) (map[string]any, bool, error) {
	out := map[string]any{}
	for i := range shape.Members {
		m := &shape.Members[i]
		if m.Location != "" { // REST bindings have no place in a query form
			continue
		}
		v, ok, err := d.value(&m.Ref, join(prefix, m.ElementName()))
		if err != nil {
			return nil, false, err
		}
		if ok {
			out[m.Name] = v
		}
	}
	return out, true, nil
}

func (d *decoder) list(ref *awsmodel.Ref, shape *awsmodel.Shape, key string) (any, bool, error) {
	itemPrefix := key
	if shape.Flattened || ref.Flattened {
		if loc := shape.Member.LocationName; loc != "" {
			if i := strings.LastIndexByte(key, '.'); i >= 0 {
				itemPrefix = key[:i+1] + loc
			} else {
				itemPrefix = loc
			}
		}
	} else {
		name := shape.Member.LocationName
		if name == "" {
			name = "member"
		}
		itemPrefix = key + "." + name
	}
	indexes, err := d.indexes(itemPrefix)
	if err != nil {
		return nil, false, err
	}
	if len(indexes) == 0 {
		if _, ok := d.form[key]; ok {
			return []any{}, true, nil // botocore sends "Name=" for an empty list
		}
		return nil, false, nil
	}
	out := make([]any, 0, len(indexes))
	for _, n := range indexes {
		v, ok, err := d.value(shape.Member, itemPrefix+"."+n)
		if err != nil {
			return nil, false, err
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, true, nil
}

// indexes returns the distinct positive integers N of keys prefix.N[.…],
// in numeric order, as written in the form. Any other N (0, -1, x, "")
// is an InvalidParameterValue: the member it names would otherwise be lost
// without a word.
func (d *decoder) indexes(prefix string) ([]string, error) {
	seen := map[int64]string{}
	for _, k := range d.under(prefix + ".") {
		rest := k[len(prefix)+1:]
		if i := strings.IndexByte(rest, '.'); i >= 0 {
			rest = rest[:i]
		}
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || n < 1 || rest[0] == '+' {
			return nil, awserr.New(awserr.InvalidParameterValue,
				"Invalid list index '%s' in parameter %s: members are numbered 1, 2, 3, ...", rest, k)
		}
		if _, dup := seen[n]; !dup {
			seen[n] = rest
		}
	}
	nums := make([]int64, 0, len(seen))
	for n := range seen {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	out := make([]string, len(nums))
	for i, n := range nums {
		out[i] = seen[n]
	}
	return out, nil
}

func (d *decoder) mapValue(shape *awsmodel.Shape, key string) (any, bool, error) {
	prefix := key + ".entry"
	if shape.Flattened {
		prefix = key
	}
	keyName, valName := "key", "value"
	if shape.Key.LocationName != "" {
		keyName = shape.Key.LocationName
	}
	if shape.Value.LocationName != "" {
		valName = shape.Value.LocationName
	}
	indexes, err := d.indexes(prefix)
	if err != nil {
		return nil, false, err
	}
	if len(indexes) == 0 {
		return nil, false, nil
	}
	out := make(map[string]any, len(indexes))
	for _, n := range indexes {
		entry := prefix + "." + n
		k, ok, err := d.value(shape.Key, entry+"."+keyName)
		if err != nil || !ok {
			if err != nil {
				return nil, false, err
			}
			continue
		}
		v, ok, err := d.value(shape.Value, entry+"."+valName)
		if err != nil {
			return nil, false, err
		}
		if ok {
			out[fmt.Sprint(k)] = v
		}
	}
	return out, true, nil
}
