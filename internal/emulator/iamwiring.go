package emulator

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	sdkiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/globaldb/globaldb/internal/emulator/authz"
	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/iam"
	"github.com/globaldb/globaldb/internal/emulator/iampolicy"
	"github.com/globaldb/globaldb/internal/emulator/opadapter"
	"github.com/globaldb/globaldb/internal/emulator/query"
	"github.com/globaldb/globaldb/internal/emulator/regionswitch"
	"github.com/globaldb/globaldb/internal/emulator/restxml"
	"github.com/globaldb/globaldb/internal/emulator/sts"
)

// startIAM creates the IAM and STS models and their Query services.
func (e *Emulator) startIAM(clk clock.Clock) error {
	im, err := iam.New(iam.Config{AccountID: e.cfg.AccountID, Clock: clk,
		Store: iam.NewFileStore(filepath.Join(e.cfg.DataDir, "iam.json")), Logger: e.log.With("service", "iam")})
	if err != nil {
		return fmt.Errorf("start iam model: %w", err)
	}
	sm, err := sts.New(sts.Config{IAM: im, Clock: clk, Store: sts.NewFileStore(filepath.Join(e.cfg.DataDir, "sts.json"))})
	if err != nil {
		return fmt.Errorf("start sts model: %w", err)
	}
	e.iam, e.sts = im, sm
	for _, svc := range []struct {
		name  string
		model any
	}{{"iam", im}, {"sts", sm}} {
		m, err := awsmodel.Load(svc.name)
		if err != nil {
			return fmt.Errorf("load %s service model: %w", svc.name, err)
		}
		names := make([]string, 0, len(m.Operations))
		for n := range m.Operations {
			names = append(names, n)
		}
		ops := &opadapter.Table{InputCode: awserr.InvalidParameterValue, Ops: opadapter.Methods(svc.model, names)}
		h := query.HandlerFunc(func(ctx context.Context, call *query.Call) (map[string]any, error) {
			return ops.Call(ctx, call.Action, call.Region, call.Params)
		})
		e.router.services[svc.name] = queryService{codec: query.NewCodec(m).WithLogger(e.log), handler: e.authorizeQuery(svc.name, h)}
	}
	return nil
}

// Secret implements sigv4.Secrets over the root key, IAM access keys and
// STS temporary credentials.
func (e *Emulator) Secret(_ context.Context, accessKeyID string) (secret, token string, ok bool) {
	if accessKeyID == e.cfg.AccessKeyID {
		return e.cfg.SecretAccessKey, "", true
	}
	if s, _, ok := e.iam.AccessKey(accessKeyID); ok {
		return s, "", true
	}
	if s, tok, _, _, ok := e.sts.Session(accessKeyID); ok {
		return s, tok, true
	}
	return "", "", false
}

// principal returns who signed with accessKeyID; expired temporary
// credentials get ExpiredToken.
func (e *Emulator) principal(accessKeyID string) (iam.Principal, error) {
	if accessKeyID == e.cfg.AccessKeyID {
		return iam.RootPrincipal(e.cfg.AccountID), nil
	}
	if _, p, ok := e.iam.AccessKey(accessKeyID); ok {
		return p, nil
	}
	if _, _, p, expired, ok := e.sts.Session(accessKeyID); ok {
		if expired {
			return iam.Principal{}, awserr.New("ExpiredToken", "The security token included in the request is expired")
		}
		return p, nil
	}
	return iam.Principal{}, awserr.New(awserr.InvalidClientTokenID, "The security token included in the request is invalid.")
}

// authorize decides a call of a non-root principal when --enforce-iam is
// on: every target the call has (authz.Targets: its own action, iam:PassRole
// on any role it passes, the tagging action of a create with tags) must be
// allowed on every resource by the caller's identity policies (and its
// session's policies), explicit deny winning. Calls that need no
// permission (authz.NeedsNoPermission) pass. Without the flag every
// authenticated principal may do everything.
func (e *Emulator) authorize(ctx context.Context, service, op, region string, params map[string]any) error {
	if !e.cfg.EnforceIAM {
		return nil
	}
	p, ok := iam.CallerFrom(ctx)
	if !ok || p.IsRoot {
		return nil
	}
	call := authz.Call{Service: service, Operation: op, Params: params, Region: region, Account: e.cfg.AccountID, Principal: p.ARN}
	if authz.NeedsNoPermission(call) {
		return nil
	}
	if service == "iam" {
		call.RolePath = e.rolePath(ctx, params)
	}
	policies := e.iam.IdentityPolicies(p.ARN)
	session := e.sts.SessionPolicies(accessKeyFrom(ctx))
	for _, t := range authz.Targets(call) {
		for _, res := range t.Resources {
			if err := e.evaluate(p.ARN, policies, session, t.Action, res, t.Context); err != nil {
				if code := authz.AccessDeniedCode(service); code != awserr.AccessDenied {
					err.Code = code
				}
				return err
			}
		}
	}
	return nil
}

// evaluate decides one action on one resource for principal under its
// identity policies and, when it has any, its session's policies (both
// must allow), with the resource's tags added to ctx. A refusal is
// AccessDenied with IAM's message, which names the action and resource.
func (e *Emulator) evaluate(principal string, policies, session []*iampolicy.Policy, action, res string, ctx map[string][]string) *awserr.Error {
	svc, _, _ := strings.Cut(action, ":")
	req := iampolicy.Request{Principal: principal, Action: action, Resource: res, Context: e.withResourceTags(svc, res, ctx)}
	d := iampolicy.Evaluate(policies, req)
	if d == iampolicy.Allow && len(session) > 0 {
		d = iampolicy.Evaluate(session, req)
	}
	if d == iampolicy.Allow {
		return nil
	}
	why := "because no identity-based policy allows the " + action + " action"
	if d == iampolicy.ExplicitDeny {
		why = "with an explicit deny in an identity-based policy"
	}
	return awserr.New(awserr.AccessDenied, "User: %s is not authorized to perform: %s on resource: %s %s", principal, action, res, why)
}

// regionSwitchSession is the session name the emulator gives Region
// switch's sessions of a plan's execution role (AWS does not document
// the name it uses).
const regionSwitchSession = "arc-region-switch"

// regionSwitchAuthorizer is how Region switch runs as a plan's execution
// role under --enforce-iam (nil without it: the role is not checked).
// The role must exist and its trust policy must let
// arc-region-switch.amazonaws.com sts:AssumeRole; then the call is
// evaluated against the role's identity policies as a session
// arn:aws:sts::ACCT:assumed-role/ROLE/arc-region-switch, with
// aws:PrincipalArn the role and aws:RequestedRegion the resource's
// Region when it has one.
func (e *Emulator) regionSwitchAuthorizer() regionswitch.Authorizer {
	if !e.cfg.EnforceIAM {
		return nil
	}
	return func(_ context.Context, roleARN, action, resource string) error {
		role, ok := e.iam.RoleByARN(roleARN)
		if !ok || role.Trust == nil ||
			iampolicy.EvaluateTrust(role.Trust, "", regionswitch.ServicePrincipal, "sts:AssumeRole", nil) != iampolicy.Allow {
			why := "its trust policy does not allow " + regionswitch.ServicePrincipal + " to assume it"
			if !ok {
				why = "no such role exists"
			}
			return awserr.New(awserr.AccessDenied, "%s is not authorized to perform: sts:AssumeRole on resource: %s (%s)",
				regionswitch.ServicePrincipal, roleARN, why)
		}
		session := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", e.cfg.AccountID, role.Name, regionSwitchSession)
		ctx := map[string][]string{"aws:principalarn": {role.ARN}}
		if parts := strings.SplitN(resource, ":", 5); len(parts) == 5 && parts[3] != "" {
			ctx["aws:requestedregion"] = []string{parts[3]}
		}
		if err := e.evaluate(session, e.iam.IdentityPolicies(session), nil, action, resource, ctx); err != nil {
			return err
		}
		return nil // not evaluate's typed nil, which is a non-nil error
	}
}

// regionSwitchApprover checks a manual approval block's approval role
// under --enforce-iam: the role must exist in the account and its
// policies allow the action on the plan. People assume it (its trust is
// theirs to set), so the trust policy is not consulted.
func (e *Emulator) regionSwitchApprover() regionswitch.Authorizer {
	if !e.cfg.EnforceIAM {
		return nil
	}
	return func(_ context.Context, roleARN, action, resource string) error {
		role, ok := e.iam.RoleByARN(roleARN)
		if !ok {
			return awserr.New(awserr.AccessDenied, "approval role %s does not exist in account %s", roleARN, e.cfg.AccountID)
		}
		session := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", e.cfg.AccountID, role.Name, regionSwitchApproverSession)
		if err := e.evaluate(session, e.iam.IdentityPolicies(session), nil, action, resource, map[string][]string{"aws:principalarn": {role.ARN}}); err != nil {
			return err
		}
		return nil // not evaluate's typed nil, which is a non-nil error
	}
}

// regionSwitchApproverSession names the session in which the emulator
// evaluates an approval role's policies.
const regionSwitchApproverSession = "arc-region-switch-approval-check"

// rolePath returns the path of the existing role an IAM call names by
// RoleName, or "" (none named, or no such role): the role's ARN, which
// policies match, includes it.
func (e *Emulator) rolePath(ctx context.Context, params map[string]any) string {
	name, _ := params["RoleName"].(string)
	if name == "" {
		return ""
	}
	out, err := e.iam.GetRole(ctx, "", &sdkiam.GetRoleInput{RoleName: &name})
	if err != nil || out.Role == nil || out.Role.Path == nil {
		return ""
	}
	return *out.Role.Path
}

// withResourceTags adds aws:ResourceTag/<key> for the existing tags of an
// RDS resource.
func (e *Emulator) withResourceTags(service, arn string, ctx map[string][]string) map[string][]string {
	if service != "rds" || !strings.HasPrefix(arn, "arn:") {
		return ctx
	}
	tags := e.rds.ResourceTags(arn)
	if len(tags) == 0 {
		return ctx
	}
	out := make(map[string][]string, len(ctx)+len(tags))
	for k, v := range ctx {
		out[k] = v
	}
	for k, v := range tags {
		out["aws:resourcetag/"+strings.ToLower(k)] = []string{v}
	}
	return out
}

func (e *Emulator) authorizeQuery(service string, h query.Handler) query.Handler {
	return query.HandlerFunc(func(ctx context.Context, call *query.Call) (map[string]any, error) {
		if err := e.authorize(ctx, service, call.Action, call.Region, call.Params); err != nil {
			return nil, err
		}
		return h.Handle(ctx, call)
	})
}

func (e *Emulator) authorizeREST(service string, h restxml.Handler) restxml.Handler {
	return restxml.HandlerFunc(func(ctx context.Context, call *restxml.Call) (map[string]any, error) {
		if err := e.authorize(ctx, service, call.Operation, call.Region, call.Params); err != nil {
			return nil, err
		}
		return h.Handle(ctx, call)
	})
}

type accessKeyCtx struct{}

func withAccessKey(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, accessKeyCtx{}, id)
}

func accessKeyFrom(ctx context.Context) string {
	id, _ := ctx.Value(accessKeyCtx{}).(string)
	return id
}
