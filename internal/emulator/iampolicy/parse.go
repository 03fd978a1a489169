package iampolicy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// IAM's MalformedPolicyDocument messages.
const (
	msgSyntax        = "Syntax errors in policy."
	msgLegacy        = "The policy failed legacy parsing"
	msgNoPrincipal   = "Policy document should not specify a principal."
	msgMissingEffect = "Missing required field Effect"
	msgMissingPrinc  = "Missing required field Principal"
	msgTrustResource = "Has prohibited field Resource"
	msgTrustActions  = "AssumeRole policy may only specify STS AssumeRole actions."
	msgSidUnique     = "Statement IDs (SID) in a single policy must be unique."
	msgNoActions     = "Policy statement must contain actions."
	msgNoResources   = "Policy statement must contain resources."
	msgVendor        = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgOneColon      = "Actions/Condition can contain only one colon."
	msgResourceARN   = "Resource %s must be in ARN format or \"*\"."
	msgIAMRegion     = "IAM resource %s cannot contain region information."
	msgVendorInvalid = "Vendor %s is not valid"
	msgInvalidPrinc  = "Invalid principal in policy: \"%s\":\"%s\""
	versionCurrent   = "2012-10-17"
	versionLegacy    = "2008-10-17"
)

var (
	topElements       = set("Version", "Id", "Statement")
	statementElements = set("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition")
	principalTypes    = set("AWS", "Service", "Federated", "CanonicalUser")
	// assumeRoleActions are the actions a trust policy may grant.
	assumeRoleActions = []string{"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity",
		"sts:tagsession", "sts:setsourceidentity", "sts:setcontext"}
)

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func malformed(format string, args ...any) *Error {
	if len(args) == 0 {
		return &Error{Msg: format}
	}
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// Parse parses and validates a policy document of the given kind. Errors
// are *Error, worded like IAM's MalformedPolicyDocument messages and
// checked in the order IAM (as moto records it) checks them: JSON and
// element syntax, the kind's rules, legacy parsing, Sid uniqueness,
// presence of actions and resources, resource formats, action prefixes.
func Parse(doc string, kind Kind) (*Policy, error) {
	top, err := decodeObject(doc)
	if err != nil {
		return nil, malformed(msgSyntax)
	}
	p, fields, err := parseSyntax(top)
	if err != nil {
		return nil, err
	}
	checks := []func(*Policy, []map[string]any, Kind) error{
		checkKind, checkLegacy, checkSids, checkPresence, checkResources,
		checkActions, checkTrustActions, checkPrincipals,
	}
	for _, check := range checks {
		if err := check(p, fields, kind); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// decodeObject decodes exactly one JSON object, keeping numbers as text.
func decodeObject(doc string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode policy: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("decode policy: trailing data")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("decode policy: not an object")
	}
	return m, nil
}

// parseSyntax checks element names and value types and builds the Policy.
// It also returns each statement's raw elements for the later checks.
func parseSyntax(top map[string]any) (*Policy, []map[string]any, error) {
	syntax := malformed(msgSyntax)
	for k := range top {
		if !topElements[k] {
			return nil, nil, syntax
		}
	}
	p := &Policy{}
	var ok bool
	if v, has := top["Version"]; has {
		if p.Version, ok = v.(string); !ok || (p.Version != versionCurrent && p.Version != versionLegacy) {
			return nil, nil, syntax
		}
	}
	if v, has := top["Id"]; has {
		if p.ID, ok = v.(string); !ok {
			return nil, nil, syntax
		}
	}
	var raws []any
	switch st := top["Statement"].(type) {
	case map[string]any:
		raws = []any{st}
	case []any:
		raws = st
	}
	if len(raws) == 0 {
		return nil, nil, syntax
	}
	fields := make([]map[string]any, 0, len(raws))
	for _, r := range raws {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, nil, syntax
		}
		s, err := parseStatement(m)
		if err != nil {
			return nil, nil, err
		}
		p.Statements = append(p.Statements, s)
		fields = append(fields, m)
	}
	return p, fields, nil
}

func parseStatement(m map[string]any) (Statement, error) {
	var s Statement
	syntax := malformed(msgSyntax)
	for k := range m {
		if !statementElements[k] {
			return s, syntax
		}
	}
	for _, pair := range [][2]string{{"Action", "NotAction"}, {"Resource", "NotResource"}, {"Principal", "NotPrincipal"}} {
		_, a := m[pair[0]]
		_, b := m[pair[1]]
		if a && b {
			return s, syntax
		}
	}
	effect, has := m["Effect"]
	if !has {
		return s, malformed(msgMissingEffect)
	}
	e, ok := effect.(string)
	if !ok || (!strings.EqualFold(e, string(EffectAllow)) && !strings.EqualFold(e, string(EffectDeny))) {
		return s, syntax
	}
	s.Effect = Effect(e) // checkLegacy insists on the exact case
	if v, has := m["Sid"]; has {
		if s.Sid, ok = v.(string); !ok {
			return s, syntax
		}
	}
	lists := map[string]*[]string{"Action": &s.Action, "NotAction": &s.NotAction, "Resource": &s.Resource, "NotResource": &s.NotResource}
	for name, dst := range lists {
		if v, has := m[name]; has {
			if *dst, ok = stringList(v, false); !ok {
				return s, syntax
			}
		}
	}
	var err error
	if v, has := m["Principal"]; has {
		if s.Principal, err = parsePrincipals(v); err != nil {
			return s, err
		}
	}
	if v, has := m["NotPrincipal"]; has {
		if s.NotPrincipal, err = parsePrincipals(v); err != nil {
			return s, err
		}
	}
	if v, has := m["Condition"]; has {
		if s.Condition, err = parseConditions(v); err != nil {
			return s, err
		}
	}
	return s, nil
}

// stringList reads a string or a list of strings. With scalars, JSON
// numbers and booleans are accepted and kept as their JSON text.
func stringList(v any, scalars bool) ([]string, bool) {
	one := func(x any) (string, bool) {
		switch x := x.(type) {
		case string:
			return x, true
		case json.Number:
			return x.String(), scalars
		case bool:
			if x {
				return "true", scalars
			}
			return "false", scalars
		}
		return "", false
	}
	if list, ok := v.([]any); ok {
		out := make([]string, 0, len(list))
		for _, x := range list {
			s, ok := one(x)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	s, ok := one(v)
	if !ok {
		return nil, false
	}
	return []string{s}, true
}

func parsePrincipals(v any) (*Principals, error) {
	syntax := malformed(msgSyntax)
	if s, ok := v.(string); ok {
		if s != "*" {
			return nil, syntax
		}
		return &Principals{All: true}, nil
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil, syntax
	}
	p := &Principals{}
	dst := map[string]*[]string{"AWS": &p.AWS, "Service": &p.Service, "Federated": &p.Federated, "CanonicalUser": &p.CanonicalUser}
	for k, x := range m {
		if !principalTypes[k] {
			return nil, syntax
		}
		if *dst[k], ok = stringList(x, false); !ok {
			return nil, syntax
		}
	}
	return p, nil
}

// parseConditions reads {"Operator": {"key": value-or-list}} and rejects
// operators it cannot evaluate.
func parseConditions(v any) (Conditions, error) {
	syntax := malformed(msgSyntax)
	m, ok := v.(map[string]any)
	if !ok {
		return nil, syntax
	}
	c := make(Conditions, len(m))
	for op, keys := range m {
		km, ok := keys.(map[string]any)
		if !ok {
			return nil, syntax
		}
		if _, known := parseOperator(op); !known {
			return nil, syntax
		}
		c[op] = make(map[string][]string, len(km))
		for key, vals := range km {
			if c[op][key], ok = stringList(vals, true); !ok {
				return nil, syntax
			}
		}
	}
	return c, nil
}
