package iampolicy

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// errUnevaluable marks a condition that cannot be evaluated: an unknown
// operator or a policy value of the wrong type. Callers fail closed.
var errUnevaluable = errors.New("condition cannot be evaluated")

// valueKind is how an operator compares values.
type valueKind int

const (
	kindString valueKind = iota
	kindStringFold
	kindStringLike
	kindARN
	kindNumeric
	kindDate
	kindBool
	kindIP
	kindNull
)

// baseOp is an operator without its set prefix and IfExists suffix.
// Negated operators hold when no policy value matches.
type baseOp struct {
	kind    valueKind
	negated bool
	cmp     func(c int) bool // Numeric*, Date*: c compares context to policy value
}

var (
	cmpEq = func(c int) bool { return c == 0 }
	cmpLt = func(c int) bool { return c < 0 }
	cmpLe = func(c int) bool { return c <= 0 }
	cmpGt = func(c int) bool { return c > 0 }
	cmpGe = func(c int) bool { return c >= 0 }
)

var baseOps = map[string]baseOp{
	"StringEquals":              {kind: kindString},
	"StringNotEquals":           {kind: kindString, negated: true},
	"StringEqualsIgnoreCase":    {kind: kindStringFold},
	"StringNotEqualsIgnoreCase": {kind: kindStringFold, negated: true},
	"StringLike":                {kind: kindStringLike},
	"StringNotLike":             {kind: kindStringLike, negated: true},
	"ArnEquals":                 {kind: kindARN},
	"ArnLike":                   {kind: kindARN},
	"ArnNotEquals":              {kind: kindARN, negated: true},
	"ArnNotLike":                {kind: kindARN, negated: true},
	"NumericEquals":             {kind: kindNumeric, cmp: cmpEq},
	"NumericNotEquals":          {kind: kindNumeric, cmp: cmpEq, negated: true},
	"NumericLessThan":           {kind: kindNumeric, cmp: cmpLt},
	"NumericLessThanEquals":     {kind: kindNumeric, cmp: cmpLe},
	"NumericGreaterThan":        {kind: kindNumeric, cmp: cmpGt},
	"NumericGreaterThanEquals":  {kind: kindNumeric, cmp: cmpGe},
	"DateEquals":                {kind: kindDate, cmp: cmpEq},
	"DateNotEquals":             {kind: kindDate, cmp: cmpEq, negated: true},
	"DateLessThan":              {kind: kindDate, cmp: cmpLt},
	"DateLessThanEquals":        {kind: kindDate, cmp: cmpLe},
	"DateGreaterThan":           {kind: kindDate, cmp: cmpGt},
	"DateGreaterThanEquals":     {kind: kindDate, cmp: cmpGe},
	"Bool":                      {kind: kindBool},
	"BinaryEquals":              {kind: kindString},
	"IpAddress":                 {kind: kindIP},
	"NotIpAddress":              {kind: kindIP, negated: true},
	"Null":                      {kind: kindNull},
}

// setQualifier is the ForAnyValue:/ForAllValues: prefix.
type setQualifier int

const (
	setNone setQualifier = iota
	setAny
	setAll
)

// operator is a parsed condition operator such as
// "ForAllValues:StringLikeIfExists".
type operator struct {
	baseOp
	set      setQualifier
	ifExists bool
}

func parseOperator(s string) (operator, bool) {
	var o operator
	if rest, ok := strings.CutPrefix(s, "ForAnyValue:"); ok {
		o.set, s = setAny, rest
	} else if rest, ok := strings.CutPrefix(s, "ForAllValues:"); ok {
		o.set, s = setAll, rest
	}
	if rest, ok := strings.CutSuffix(s, "IfExists"); ok {
		o.ifExists, s = true, rest
	}
	b, ok := baseOps[s]
	o.baseOp = b
	return o, ok
}

// evalCondition evaluates one operator/key pair against the request
// context (keys lower-cased). Multiple policy values are OR'ed.
//
// Absent key (or a key with no values): IfExists → true; ForAnyValue →
// false; ForAllValues → true; otherwise false, except that negated
// operators hold (AWS: "the condition is true" for StringNotLike etc.).
// Present key: ForAnyValue needs one context value to satisfy the
// operator, ForAllValues every one; without a prefix a positive operator
// needs one and a negated operator needs every context value to match no
// policy value.
func evalCondition(op, key string, values []string, ctx map[string][]string, vars resolver) (bool, error) {
	o, ok := parseOperator(op)
	if !ok {
		return false, errUnevaluable
	}
	got := ctx[strings.ToLower(key)]
	if o.kind == kindNull {
		return evalNull(values, len(got) > 0)
	}
	if len(got) == 0 {
		switch {
		case o.ifExists:
			return true, nil
		case o.set == setAny:
			return false, nil
		case o.set == setAll:
			return true, nil
		}
		return o.negated, nil
	}
	every := o.set == setAll || (o.set == setNone && o.negated)
	for _, v := range got {
		m, err := o.anyMatch(v, values, vars)
		if err != nil {
			return false, err
		}
		if ok := m != o.negated; ok != every {
			return ok, nil
		}
	}
	return every, nil
}

// evalNull is the Null operator: "true" holds when the key is absent,
// "false" when it is present.
func evalNull(values []string, present bool) (bool, error) {
	for _, v := range values {
		switch strings.ToLower(v) {
		case "true":
			if !present {
				return true, nil
			}
		case "false":
			if present {
				return true, nil
			}
		default:
			return false, errUnevaluable
		}
	}
	return false, nil
}

// anyMatch reports whether the context value v matches any policy value
// under the positive form of the operator.
func (b baseOp) anyMatch(v string, values []string, vars resolver) (bool, error) {
	for _, pv := range values {
		m, err := b.matchOne(v, pv, vars)
		if err != nil || m {
			return m, err
		}
	}
	return false, nil
}

func (b baseOp) matchOne(v, pv string, vars resolver) (bool, error) {
	switch b.kind {
	case kindString:
		return compile(pv, vars, compileOpts{}).match(v), nil
	case kindStringFold:
		return compile(pv, vars, compileOpts{fold: true}).match(strings.ToLower(v)), nil
	case kindStringLike:
		return compile(pv, vars, compileOpts{wildcards: true}).match(v), nil
	case kindARN:
		return compile(pv, vars, compileOpts{wildcards: true}).matchARN(v), nil
	case kindNumeric:
		want, err := strconv.ParseFloat(pv, 64)
		if err != nil {
			return false, errUnevaluable
		}
		got, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false, nil
		}
		return b.cmp(compareFloat(got, want)), nil
	case kindDate:
		want, err := parseDate(pv)
		if err != nil {
			return false, errUnevaluable
		}
		got, err := parseDate(v)
		if err != nil {
			return false, nil
		}
		return b.cmp(got.Compare(want)), nil
	case kindBool:
		if !strings.EqualFold(pv, "true") && !strings.EqualFold(pv, "false") {
			return false, errUnevaluable
		}
		return strings.EqualFold(v, pv), nil
	case kindIP:
		prefix, err := parsePrefix(pv)
		if err != nil {
			return false, errUnevaluable
		}
		addr, err := netip.ParseAddr(v)
		if err != nil {
			return false, nil
		}
		return prefix.Contains(addr.Unmap()), nil
	}
	return false, errUnevaluable
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseDate reads an ISO 8601 date or date-time, or epoch seconds.
func parseDate(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not a date")
}

// parsePrefix reads a CIDR block or a single address.
func parsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}
