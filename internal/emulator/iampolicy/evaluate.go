package iampolicy

import (
	"strings"
)

// Evaluate applies AWS's identity-policy logic to req: an explicit Deny in
// any statement of any policy wins; otherwise Allow if some statement
// allows; otherwise ImplicitDeny. A statement applies when its Action
// matches (or NotAction does not), its Resource matches (or NotResource
// does not), every condition holds and, for a statement that names a
// principal (a resource-based policy), req.Principal matches it. Nil
// policies are skipped.
func Evaluate(policies []*Policy, req Request) Decision {
	in := input{
		principal:     req.Principal,
		action:        req.Action,
		resource:      req.Resource,
		checkResource: true,
		ctx:           requestContext(req.Context, req.Principal, ""),
	}
	return decide(policies, in)
}

// EvaluateTrust decides whether a caller may perform action (normally
// sts:AssumeRole, sts:AssumeRoleWithWebIdentity or sts:TagSession) under
// a role's trust policy. The caller is principalARN (an IAM user, role,
// assumed-role session, account root, or federated provider ARN) or the
// service principal service (e.g. "monitoring.rds.amazonaws.com"); either
// may be empty. A statement applies when the caller matches its Principal
// (or does not match its NotPrincipal), the action matches and every
// condition holds; resources are not checked. A statement without a
// Principal or NotPrincipal never applies.
//
// Principal matching: "*" matches everyone; an AWS principal that is an
// account id or "arn:aws:iam::ACCOUNT:root" matches every principal of
// that account; a role ARN matches the role and its assumed-role sessions
// (by account and role name); other ARNs match exactly. Service principals
// match case-insensitively; Federated principals match principalARN or
// service exactly.
func EvaluateTrust(p *Policy, principalARN, service, action string, ctx map[string][]string) Decision {
	in := input{
		principal:        principalARN,
		service:          service,
		action:           action,
		requirePrincipal: true,
		ctx:              requestContext(ctx, principalARN, service),
	}
	return decide([]*Policy{p}, in)
}

// input is what statements are matched against.
type input struct {
	principal, service string
	action, resource   string
	checkResource      bool
	requirePrincipal   bool // trust policies: a statement must name a principal
	ctx                map[string][]string
}

func decide(policies []*Policy, in input) Decision {
	d := ImplicitDeny
	for _, p := range policies {
		if p == nil {
			continue
		}
		var vars resolver
		if p.Version == "2012-10-17" {
			vars = contextResolver(in.ctx)
		}
		for i := range p.Statements {
			s := &p.Statements[i]
			if s.Effect != EffectAllow && s.Effect != EffectDeny {
				continue
			}
			if !s.applies(in, vars) {
				continue
			}
			if s.Effect == EffectDeny {
				return ExplicitDeny
			}
			d = Allow
		}
	}
	return d
}

func (s *Statement) applies(in input, vars resolver) bool {
	switch {
	case s.Principal != nil:
		if !s.Principal.matches(in.principal, in.service) {
			return false
		}
	case s.NotPrincipal != nil:
		if s.NotPrincipal.matches(in.principal, in.service) {
			return false
		}
	case in.requirePrincipal:
		return false
	}
	if !matchesElement(s.Action, s.NotAction, func(a string) bool { return matchAction(a, in.action) }) {
		return false
	}
	if in.checkResource && !matchesElement(s.Resource, s.NotResource, func(r string) bool {
		return compile(r, vars, compileOpts{wildcards: true}).match(in.resource)
	}) {
		return false
	}
	return s.conditionsHold(in.ctx, vars)
}

// matchesElement is the X/NotX rule: some X matches, or no NotX matches.
// A statement with neither never applies.
func matchesElement(list, notList []string, match func(string) bool) bool {
	switch {
	case len(list) > 0:
		for _, x := range list {
			if match(x) {
				return true
			}
		}
		return false
	case len(notList) > 0:
		for _, x := range notList {
			if match(x) {
				return false
			}
		}
		return true
	}
	return false
}

// matchAction matches an action pattern ("rds:Describe*", "*")
// case-insensitively.
func matchAction(pat, action string) bool {
	return compile(pat, nil, compileOpts{wildcards: true, fold: true}).match(strings.ToLower(action))
}

// conditionsHold ANDs every operator and key. A condition that cannot be
// evaluated fails closed: it holds for a Deny statement and not for an
// Allow statement, unless another condition is definitely false.
func (s *Statement) conditionsHold(ctx map[string][]string, vars resolver) bool {
	unevaluable := false
	for op, keys := range s.Condition {
		for key, values := range keys {
			ok, err := evalCondition(op, key, values, ctx, vars)
			if err != nil {
				unevaluable = true
				continue
			}
			if !ok {
				return false
			}
		}
	}
	return !unevaluable || s.Effect == EffectDeny
}

// requestContext lower-cases the context keys and derives the principal
// keys IAM always supplies, unless the caller set them.
func requestContext(in map[string][]string, principalARN, service string) map[string][]string {
	ctx := make(map[string][]string, len(in)+4)
	for k, v := range in {
		k = strings.ToLower(k)
		ctx[k] = append(ctx[k], v...)
	}
	setDefault := func(k, v string) {
		if _, ok := ctx[k]; !ok && v != "" {
			ctx[k] = []string{v}
		}
	}
	if a, ok := parseARN(principalARN); ok {
		setDefault("aws:principalarn", principalKeyARN(a))
		setDefault("aws:principalaccount", a.account)
		if name, ok := strings.CutPrefix(a.resource, "user/"); ok && a.service == "iam" {
			setDefault("aws:username", name[strings.LastIndexByte(name, '/')+1:])
		}
	}
	setDefault("aws:principalservicename", service)
	return ctx
}

// principalKeyARN is aws:PrincipalArn: for an assumed-role session, the
// role's ARN (without its path, which the session ARN does not carry).
func principalKeyARN(a arn) string {
	if role, _, ok := a.assumedRole(); ok {
		return "arn:" + a.partition + ":iam::" + a.account + ":role/" + role
	}
	return a.raw
}

// contextResolver resolves policy variables from the request context. A
// key with several values cannot be used as a variable.
func contextResolver(ctx map[string][]string) resolver {
	return func(key string) (string, bool) {
		v := ctx[strings.ToLower(key)]
		if len(v) != 1 {
			return "", false
		}
		return v[0], true
	}
}
