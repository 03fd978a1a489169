// Package iampolicy parses, validates and evaluates IAM policy documents:
// identity policies, role trust policies and resource-based policies.
//
// It is pure: no HTTP, no I/O, no clock. Parse mirrors the checks IAM runs
// on CreatePolicy, PutRolePolicy and CreateRole and words its errors like
// IAM's MalformedPolicyDocument messages (moto's policy_validation.py is the
// reference for their order). Evaluate and EvaluateTrust follow AWS's
// policy evaluation logic for a single account: an explicit Deny wins,
// otherwise any Allow allows, otherwise the request is implicitly denied.
//
// Supported:
//
//	element            notes
//	Action/NotAction   "*" and "?" wildcards, case-insensitive
//	Resource/NotResource "*" and "?" wildcards, case-sensitive; "*" spans ":" and "/"
//	Principal/NotPrincipal "*", AWS (account id, :root, user, role, assumed-role), Service, Federated
//	Condition          String*, Arn*, Numeric*, Date*, Bool, BinaryEquals, IpAddress,
//	                   NotIpAddress, Null; the IfExists suffix; ForAnyValue:/ForAllValues:
//	policy variables   ${key} from the request context, ${key, 'default'}, ${*} ${?} ${$},
//	                   in Resource and in String/Arn condition values (Version 2012-10-17 only)
//
// An unresolvable variable makes its pattern match nothing, so a NotResource
// or negated operator using it holds.
//
// Deliberate leniency: NotPrincipal is accepted in trust policies (AWS
// documents it as unsupported there) and evaluated like in resource-based
// policies.
//
// Not modelled: permission boundaries, SCPs, session policies, cross-account
// evaluation, and the path of a role when matching an assumed-role session
// against a role principal (AWS drops the path from assumed-role ARNs too).
//
// Fail closed: a statement that cannot be evaluated (an operator Parse would
// reject, a malformed policy value in a hand-built Policy) never allows; if
// it is a Deny statement it denies.
package iampolicy

// ErrorCode is the AWS error code the wire layer should send with an *Error.
const ErrorCode = "MalformedPolicyDocument"

// Policy is a parsed policy document.
type Policy struct {
	Version    string // "2012-10-17", "2008-10-17" or "" (treated as 2008-10-17)
	ID         string
	Statements []Statement
}

// Statement is one entry of a policy's Statement list. List elements that
// were written as a single string hold one item.
type Statement struct {
	Sid                     string
	Effect                  Effect
	Principal, NotPrincipal *Principals
	Action, NotAction       []string
	Resource, NotResource   []string
	Condition               Conditions
}

// Effect is a statement's effect.
type Effect string

// The two effects IAM accepts.
const (
	EffectAllow Effect = "Allow"
	EffectDeny  Effect = "Deny"
)

// Principals is a Principal or NotPrincipal element.
type Principals struct {
	All           bool // "Principal": "*"
	AWS           []string
	Service       []string
	Federated     []string
	CanonicalUser []string // parsed, never matched (S3 only)
}

// Conditions maps an operator as written (e.g. "ForAnyValue:StringLike")
// to condition keys as written and their values. Values written as JSON
// numbers or booleans are held as their JSON text.
type Conditions map[string]map[string][]string

// Kind selects the rules Parse applies.
type Kind int

// Policy kinds.
const (
	// Identity policies (user, group, role permissions, managed policies)
	// must not name a principal.
	Identity Kind = iota
	// Trust policies (a role's AssumeRolePolicyDocument) must name a
	// principal, must not name a resource and may only grant the
	// sts:AssumeRole family of actions.
	Trust
	// Resource-based policies must name a principal and a resource.
	Resource
)

func (k Kind) String() string {
	switch k {
	case Identity:
		return "Identity"
	case Trust:
		return "Trust"
	case Resource:
		return "Resource"
	}
	return "Kind(?)"
}

// Error is a policy document IAM would reject with MalformedPolicyDocument.
// Msg is worded like IAM's message.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Decision is the outcome of an evaluation.
type Decision int

// Decisions, weakest first.
const (
	ImplicitDeny Decision = iota
	Allow
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case ImplicitDeny:
		return "ImplicitDeny"
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "Decision(?)"
}

// Request is one authorization question.
type Request struct {
	// Principal is the caller's ARN: arn:aws:iam::123456789012:user/alice or
	// arn:aws:sts::123456789012:assumed-role/R/session.
	Principal string
	// Action is "service:Operation", e.g. "rds:CreateDBCluster".
	Action string
	// Resource is the resource ARN, or "*" for actions without resource types.
	Resource string
	// Context holds condition keys (matched case-insensitively) and their
	// values. aws:PrincipalArn, aws:PrincipalAccount and aws:username are
	// derived from Principal when absent.
	Context map[string][]string
}
