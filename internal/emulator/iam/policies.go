package iam

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/iampolicy"
)

const (
	maxPolicyNameLen        = 128
	maxPolicyDescriptionLen = 1000
)

// policy returns the managed policy (AWS or customer) with arn. Call with
// s.mu held.
func (s *Service) policy(arn string) (*ManagedPolicy, bool) {
	if p, ok := s.aws[arn]; ok {
		return p, true
	}
	p, ok := s.st.Policies[arn]
	return p, ok
}

func (s *Service) policyArg(v *string, format string) (*ManagedPolicy, error) {
	if err := required("policyArn", v); err != nil {
		return nil, err
	}
	p, ok := s.policy(*v)
	if !ok {
		return nil, notFound(format, *v)
	}
	return p, nil
}

// customerPolicy returns a policy the account may change; AWS managed
// ones answer AccessDenied as on AWS.
func (s *Service) customerPolicy(ctx context.Context, action string, v *string) (*ManagedPolicy, error) {
	p, err := s.policyArg(v, "Policy %s was not found.")
	if err != nil {
		return nil, err
	}
	if p.AWSManaged {
		return nil, awserr.New(awserr.AccessDenied, "User: %s is not authorized to perform: iam:%s on resource: policy %s", s.caller(ctx).ARN, action, p.ARN)
	}
	return p, nil
}

// attachments counts users and roles the policy is attached to. Call with
// s.mu held.
func (s *Service) attachments(arn string) int32 {
	var n int32
	for _, u := range s.st.Users {
		if containsString(u.Attached, arn) {
			n++
		}
	}
	for _, r := range s.st.Roles {
		if containsString(r.Attached, arn) {
			n++
		}
	}
	return n
}

func (s *Service) renderPolicy(p *ManagedPolicy, full bool) *types.Policy {
	out := &types.Policy{
		Arn: aws.String(p.ARN), AttachmentCount: aws.Int32(s.attachments(p.ARN)), CreateDate: aws.Time(p.Created),
		DefaultVersionId: aws.String(p.DefaultVersion), IsAttachable: true, Path: aws.String(p.Path),
		PermissionsBoundaryUsageCount: aws.Int32(0), PolicyId: aws.String(p.ID), PolicyName: aws.String(p.Name),
		UpdateDate: aws.Time(p.Updated),
	}
	if full {
		if p.Description != "" {
			out.Description = aws.String(p.Description)
		}
		out.Tags = renderTags(p.Tags)
	}
	return out
}

func renderVersion(id string, v *PolicyVersion, isDefault, withDoc bool) types.PolicyVersion {
	out := types.PolicyVersion{CreateDate: aws.Time(v.Created), IsDefaultVersion: isDefault, VersionId: aws.String(id)}
	if withDoc {
		out.Document = encodedPtr(v.Document)
	}
	return out
}

// CreatePolicy creates a customer managed policy with version v1.
func (s *Service) CreatePolicy(_ context.Context, _ string, in *sdk.CreatePolicyInput) (*sdk.CreatePolicyOutput, error) {
	name, err := checkName("policyName", in.PolicyName, maxPolicyNameLen)
	if err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	if len(deref(in.Description)) > maxPolicyDescriptionLen {
		return nil, validation("Value at 'description' failed to satisfy constraint: Member must have length less than or equal to %d", maxPolicyDescriptionLen)
	}
	tags := tagsFrom(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkDocument("policyDocument", in.PolicyDocument, iampolicy.Identity, maxManagedPolicyChars); err != nil {
		return nil, err
	}
	for _, p := range s.st.Policies {
		if strings.EqualFold(p.Name, name) {
			return nil, awserr.New(ErrEntityAlreadyExists, "A policy called %s already exists. Duplicate names are not allowed.", name)
		}
	}
	now := s.cfg.Clock.Now().UTC()
	p := &ManagedPolicy{
		ARN: s.policyARN(path, name), Name: name, Path: path, ID: s.uniqueID("ANPA"),
		Description: deref(in.Description), Created: now, Updated: now, DefaultVersion: "v1", NextVersion: 2,
		Versions: map[string]*PolicyVersion{"v1": {Document: *in.PolicyDocument, Created: now}}, Tags: tags,
	}
	s.st.Policies[p.ARN] = p
	if err := s.commit(); err != nil {
		return nil, err
	}
	out := s.renderPolicy(p, false)
	out.Tags = renderTags(tags)
	return &sdk.CreatePolicyOutput{Policy: out}, nil
}

// GetPolicy returns a managed policy (AWS or customer).
func (s *Service) GetPolicy(_ context.Context, _ string, in *sdk.GetPolicyInput) (*sdk.GetPolicyOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyArg(in.PolicyArn, "Policy %s was not found.")
	if err != nil {
		return nil, err
	}
	return &sdk.GetPolicyOutput{Policy: s.renderPolicy(p, true)}, nil
}

func checkVersionID(v *string) error {
	if err := required("versionId", v); err != nil {
		return err
	}
	if !versionR.MatchString(*v) {
		return validation(`Value '%s' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`, *v)
	}
	return nil
}

// GetPolicyVersion returns one version with its URL-encoded document.
func (s *Service) GetPolicyVersion(_ context.Context, _ string, in *sdk.GetPolicyVersionInput) (*sdk.GetPolicyVersionOutput, error) {
	if err := checkVersionID(in.VersionId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyArg(in.PolicyArn, "Policy %s was not found.")
	if err != nil {
		return nil, err
	}
	v, ok := p.Versions[*in.VersionId]
	if !ok {
		return nil, notFound("Policy %s version %s does not exist or is not attachable.", p.ARN, *in.VersionId)
	}
	pv := renderVersion(*in.VersionId, v, *in.VersionId == p.DefaultVersion, true)
	return &sdk.GetPolicyVersionOutput{PolicyVersion: &pv}, nil
}

// CreatePolicyVersion adds a version (at most 5 per policy), optionally
// making it the default.
func (s *Service) CreatePolicyVersion(ctx context.Context, _ string, in *sdk.CreatePolicyVersionInput) (*sdk.CreatePolicyVersionOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.customerPolicy(ctx, "CreatePolicyVersion", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if err := s.checkDocument("policyDocument", in.PolicyDocument, iampolicy.Identity, maxManagedPolicyChars); err != nil {
		return nil, err
	}
	if len(p.Versions) >= maxPolicyVersions {
		return nil, awserr.New(ErrLimitExceeded, "A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
	}
	now := s.cfg.Clock.Now().UTC()
	id := "v" + strconv.Itoa(p.NextVersion)
	p.NextVersion++
	v := &PolicyVersion{Document: *in.PolicyDocument, Created: now}
	p.Versions[id] = v
	if in.SetAsDefault {
		p.DefaultVersion, p.Updated = id, now
	}
	if err := s.commit(); err != nil {
		return nil, err
	}
	pv := renderVersion(id, v, in.SetAsDefault, false)
	return &sdk.CreatePolicyVersionOutput{PolicyVersion: &pv}, nil
}

// versionIDs returns a policy's version IDs, newest first.
func versionIDs(p *ManagedPolicy) []string {
	ids := make([]string, 0, len(p.Versions))
	for id := range p.Versions {
		ids = append(ids, id)
	}
	num := func(id string) int { n, _ := strconv.Atoi(strings.TrimPrefix(id, "v")); return n }
	sort.Slice(ids, func(i, j int) bool { return num(ids[i]) > num(ids[j]) })
	return ids
}

// ListPolicyVersions lists versions, newest first, without documents.
func (s *Service) ListPolicyVersions(_ context.Context, _ string, in *sdk.ListPolicyVersionsInput) (*sdk.ListPolicyVersionsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyArg(in.PolicyArn, "Policy %s was not found.")
	if err != nil {
		return nil, err
	}
	var list []types.PolicyVersion
	for _, id := range versionIDs(p) {
		list = append(list, renderVersion(id, p.Versions[id], id == p.DefaultVersion, false))
	}
	start, end, next, trunc, err := page(len(list), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdk.ListPolicyVersionsOutput{Versions: list[start:end], Marker: next, IsTruncated: trunc}, nil
}

// DeletePolicyVersion deletes a non-default version.
func (s *Service) DeletePolicyVersion(ctx context.Context, _ string, in *sdk.DeletePolicyVersionInput) (*sdk.DeletePolicyVersionOutput, error) {
	if err := checkVersionID(in.VersionId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.customerPolicy(ctx, "DeletePolicyVersion", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	id := *in.VersionId
	if _, ok := p.Versions[id]; !ok {
		return nil, notFound("Policy %s version %s does not exist or is not attachable.", p.ARN, id)
	}
	if id == p.DefaultVersion {
		return nil, awserr.New(ErrDeleteConflict, "Cannot delete the default version of a policy.")
	}
	delete(p.Versions, id)
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.DeletePolicyVersionOutput{}, nil
}

// DeletePolicy deletes a customer managed policy that is attached nowhere
// and has only its default version left.
func (s *Service) DeletePolicy(ctx context.Context, _ string, in *sdk.DeletePolicyInput) (*sdk.DeletePolicyOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.customerPolicy(ctx, "DeletePolicy", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if s.attachments(p.ARN) > 0 {
		return nil, awserr.New(ErrDeleteConflict, "Cannot delete a policy attached to entities.")
	}
	if len(p.Versions) > 1 {
		return nil, awserr.New(ErrDeleteConflict, "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	delete(s.st.Policies, p.ARN)
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.DeletePolicyOutput{}, nil
}

// ListPolicies lists managed policies by name. Scope All (default), AWS
// or Local; OnlyAttached keeps those attached to a user or role.
func (s *Service) ListPolicies(_ context.Context, _ string, in *sdk.ListPoliciesInput) (*sdk.ListPoliciesOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	scope := in.Scope
	switch scope {
	case "":
		scope = types.PolicyScopeTypeAll
	case types.PolicyScopeTypeAll, types.PolicyScopeTypeAws, types.PolicyScopeTypeLocal:
	default:
		return nil, validation("Value '%s' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]", scope)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []*ManagedPolicy
	if scope != types.PolicyScopeTypeLocal {
		for _, p := range s.aws {
			all = append(all, p)
		}
	}
	if scope != types.PolicyScopeTypeAws {
		for _, p := range s.st.Policies {
			all = append(all, p)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	var list []types.Policy
	for _, p := range all {
		if !strings.HasPrefix(p.Path, prefix) {
			continue
		}
		if in.OnlyAttached && s.attachments(p.ARN) == 0 {
			continue
		}
		if in.PolicyUsageFilter == types.PolicyUsageTypePermissionsBoundary {
			continue // the emulator has no permissions boundaries
		}
		list = append(list, *s.renderPolicy(p, false))
	}
	start, end, next, trunc, err := page(len(list), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdk.ListPoliciesOutput{Policies: list[start:end], Marker: next, IsTruncated: trunc}, nil
}

// attach adds a managed policy to an identity's list.
func (s *Service) attach(list *[]string, policyArn *string, quota string, serviceLinked bool) error {
	p, err := s.policyArg(policyArn, "Policy %s does not exist or is not attachable.")
	if err != nil {
		return err
	}
	if p.AWSManaged && strings.HasPrefix(p.Path, "/aws-service-role/") && !serviceLinked {
		return awserr.New(ErrNotAttachable, "Cannot attach a Service Role Policy to a Customer Role.")
	}
	if containsString(*list, p.ARN) {
		return nil
	}
	if len(*list) >= maxAttachedPerIdentity {
		return awserr.New(ErrLimitExceeded, "Cannot exceed quota for %s: %d", quota, maxAttachedPerIdentity)
	}
	*list = append(*list, p.ARN)
	return s.commit()
}

func (s *Service) detach(list *[]string, policyArn *string) error {
	if err := required("policyArn", policyArn); err != nil {
		return err
	}
	l, ok := removeString(*list, *policyArn)
	if !ok {
		return notFound("Policy %s was not found.", *policyArn)
	}
	*list = l
	return s.commit()
}

func (s *Service) listAttached(list []string, pathPrefix, marker *string, maxItems *int32) ([]types.AttachedPolicy, *string, bool, error) {
	prefix, err := checkPathPrefix(pathPrefix)
	if err != nil {
		return nil, nil, false, err
	}
	var out []types.AttachedPolicy
	for _, arn := range list {
		p, ok := s.policy(arn)
		if !ok || !strings.HasPrefix(p.Path, prefix) {
			continue
		}
		out = append(out, types.AttachedPolicy{PolicyArn: aws.String(p.ARN), PolicyName: aws.String(p.Name)})
	}
	start, end, next, trunc, err := page(len(out), marker, maxItems)
	if err != nil {
		return nil, nil, false, err
	}
	return out[start:end], next, trunc, nil
}

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(_ context.Context, _ string, in *sdk.AttachUserPolicyInput) (*sdk.AttachUserPolicyOutput, error) {
	if _, err := checkName("userName", in.UserName, maxUserNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(*in.UserName)
	if err != nil {
		return nil, err
	}
	if err := s.attach(&u.Attached, in.PolicyArn, "PoliciesPerUser", false); err != nil {
		return nil, err
	}
	return &sdk.AttachUserPolicyOutput{}, nil
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(_ context.Context, _ string, in *sdk.DetachUserPolicyInput) (*sdk.DetachUserPolicyOutput, error) {
	if _, err := checkName("userName", in.UserName, maxUserNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(*in.UserName)
	if err != nil {
		return nil, err
	}
	if err := s.detach(&u.Attached, in.PolicyArn); err != nil {
		return nil, err
	}
	return &sdk.DetachUserPolicyOutput{}, nil
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(_ context.Context, _ string, in *sdk.AttachRolePolicyInput) (*sdk.AttachRolePolicyOutput, error) {
	if _, err := checkName("roleName", in.RoleName, maxRoleNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.modifiableRole(in.RoleName)
	if err != nil {
		return nil, err
	}
	if err := s.attach(&r.Attached, in.PolicyArn, "PoliciesPerRole", false); err != nil {
		return nil, err
	}
	return &sdk.AttachRolePolicyOutput{}, nil
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(_ context.Context, _ string, in *sdk.DetachRolePolicyInput) (*sdk.DetachRolePolicyOutput, error) {
	if _, err := checkName("roleName", in.RoleName, maxRoleNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.modifiableRole(in.RoleName)
	if err != nil {
		return nil, err
	}
	if err := s.detach(&r.Attached, in.PolicyArn); err != nil {
		return nil, err
	}
	return &sdk.DetachRolePolicyOutput{}, nil
}

// ListAttachedUserPolicies lists the managed policies of a user.
func (s *Service) ListAttachedUserPolicies(_ context.Context, _ string, in *sdk.ListAttachedUserPoliciesInput) (*sdk.ListAttachedUserPoliciesOutput, error) {
	if _, err := checkName("userName", in.UserName, maxUserNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(*in.UserName)
	if err != nil {
		return nil, err
	}
	list, next, trunc, err := s.listAttached(u.Attached, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdk.ListAttachedUserPoliciesOutput{AttachedPolicies: list, Marker: next, IsTruncated: trunc}, nil
}

// ListAttachedRolePolicies lists the managed policies of a role.
func (s *Service) ListAttachedRolePolicies(_ context.Context, _ string, in *sdk.ListAttachedRolePoliciesInput) (*sdk.ListAttachedRolePoliciesOutput, error) {
	if _, err := checkName("roleName", in.RoleName, maxRoleNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.role(*in.RoleName)
	if err != nil {
		return nil, err
	}
	list, next, trunc, err := s.listAttached(r.Attached, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdk.ListAttachedRolePoliciesOutput{AttachedPolicies: list, Marker: next, IsTruncated: trunc}, nil
}
