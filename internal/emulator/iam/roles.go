package iam

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/iampolicy"
)

const (
	maxRoleNameLen        = 64
	maxTrustPolicyChars   = 2048
	maxRoleDescriptionLen = 1000
)

// serviceLinkedRoles are the service-linked roles CreateServiceLinkedRole
// can make: service name → role name, description, attached policy.
var serviceLinkedRoles = map[string]struct{ role, description, policy string }{
	"rds.amazonaws.com": {"AWSServiceRoleForRDS", "Allows Amazon RDS to manage AWS resources on your behalf", AmazonRDSServiceRolePolicyARN},
}

// role returns the role named name (case-insensitive). Call with s.mu held.
func (s *Service) role(name string) (*Role, error) {
	r, ok := s.st.Roles[strings.ToLower(name)]
	if !ok {
		return nil, notFound("The role with name %s cannot be found.", name)
	}
	return r, nil
}

// modifiableRole returns the role named by param unless AWS owns it.
func (s *Service) modifiableRole(v *string) (*Role, error) {
	r, err := s.role(*v)
	if err != nil {
		return nil, err
	}
	if r.ServiceName != "" {
		return nil, awserr.New(ErrUnmodifiable, "Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", r.Name)
	}
	return r, nil
}

func (s *Service) renderRole(r *Role, full bool) *types.Role {
	out := &types.Role{
		Arn: aws.String(s.roleARN(r)), CreateDate: aws.Time(r.Created), Path: aws.String(r.Path),
		RoleId: aws.String(r.ID), RoleName: aws.String(r.Name),
		AssumeRolePolicyDocument: encodedPtr(r.TrustDocument),
		MaxSessionDuration:       aws.Int32(r.MaxSessionDuration),
	}
	if r.Description != "" {
		out.Description = aws.String(r.Description)
	}
	if full {
		out.Tags = renderTags(r.Tags)
		out.RoleLastUsed = &types.RoleLastUsed{}
	}
	return out
}

// CreateRole creates a role; its AssumeRolePolicyDocument must be a valid
// trust policy.
func (s *Service) CreateRole(_ context.Context, _ string, in *sdk.CreateRoleInput) (*sdk.CreateRoleOutput, error) {
	name, err := checkName("roleName", in.RoleName, maxRoleNameLen)
	if err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	maxDur := int32(defaultSessionDuration)
	if in.MaxSessionDuration != nil {
		maxDur = *in.MaxSessionDuration
		if maxDur < defaultSessionDuration {
			return nil, validation("Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to %d", maxDur, defaultSessionDuration)
		}
		if maxDur > maxSessionDuration {
			return nil, validation("Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to %d", maxDur, maxSessionDuration)
		}
	}
	if len(deref(in.Description)) > maxRoleDescriptionLen {
		return nil, validation("Value at 'description' failed to satisfy constraint: Member must have length less than or equal to %d", maxRoleDescriptionLen)
	}
	tags := tagsFrom(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	if in.PermissionsBoundary != nil {
		return nil, awserr.New(ErrInvalidInput, "Permissions boundaries are not supported by the emulator.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkDocument("assumeRolePolicyDocument", in.AssumeRolePolicyDocument, iampolicy.Trust, maxTrustPolicyChars); err != nil {
		return nil, err
	}
	key := strings.ToLower(name)
	if _, ok := s.st.Roles[key]; ok {
		return nil, awserr.New(ErrEntityAlreadyExists, "Role with name %s already exists.", name)
	}
	r := &Role{
		Name: name, Path: path, ID: s.uniqueID("AROA"), Created: s.cfg.Clock.Now().UTC(),
		Description: deref(in.Description), MaxSessionDuration: maxDur,
		TrustDocument: *in.AssumeRolePolicyDocument, Tags: tags, Inline: map[string]string{},
	}
	s.st.Roles[key] = r
	if err := s.commit(); err != nil {
		return nil, err
	}
	out := s.renderRole(r, false)
	out.Tags = renderTags(tags)
	return &sdk.CreateRoleOutput{Role: out}, nil
}

// GetRole returns a role with its tags.
func (s *Service) GetRole(_ context.Context, _ string, in *sdk.GetRoleInput) (*sdk.GetRoleOutput, error) {
	if _, err := checkName("roleName", in.RoleName, maxRoleNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.role(*in.RoleName)
	if err != nil {
		return nil, err
	}
	return &sdk.GetRoleOutput{Role: s.renderRole(r, true)}, nil
}

// ListRoles lists roles by name, optionally under PathPrefix.
func (s *Service) ListRoles(_ context.Context, _ string, in *sdk.ListRolesInput) (*sdk.ListRolesOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []types.Role
	for _, k := range sortedKeys(s.st.Roles) {
		r := s.st.Roles[k]
		if strings.HasPrefix(r.Path, prefix) {
			list = append(list, *s.renderRole(r, false))
		}
	}
	start, end, next, trunc, err := page(len(list), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdk.ListRolesOutput{Roles: list[start:end], Marker: next, IsTruncated: trunc}, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(_ context.Context, _ string, in *sdk.UpdateAssumeRolePolicyInput) (*sdk.UpdateAssumeRolePolicyOutput, error) {
	if _, err := checkName("roleName", in.RoleName, maxRoleNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.modifiableRole(in.RoleName)
	if err != nil {
		return nil, err
	}
	if err := s.checkDocument("policyDocument", in.PolicyDocument, iampolicy.Trust, maxTrustPolicyChars); err != nil {
		return nil, err
	}
	r.TrustDocument = *in.PolicyDocument
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.UpdateAssumeRolePolicyOutput{}, nil
}

// DeleteRole deletes a role that has no policies left.
func (s *Service) DeleteRole(_ context.Context, _ string, in *sdk.DeleteRoleInput) (*sdk.DeleteRoleOutput, error) {
	if _, err := checkName("roleName", in.RoleName, maxRoleNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.modifiableRole(in.RoleName)
	if err != nil {
		return nil, err
	}
	switch {
	case len(r.Attached) > 0:
		return nil, awserr.New(ErrDeleteConflict, "Cannot delete entity, must detach all policies first.")
	case len(r.Inline) > 0:
		return nil, awserr.New(ErrDeleteConflict, "Cannot delete entity, must delete policies first.")
	}
	delete(s.st.Roles, strings.ToLower(r.Name))
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.DeleteRoleOutput{}, nil
}

// TagRole adds or overwrites tags of a role.
func (s *Service) TagRole(_ context.Context, _ string, in *sdk.TagRoleInput) (*sdk.TagRoleOutput, error) {
	if _, err := checkName("roleName", in.RoleName, maxRoleNameLen); err != nil {
		return nil, err
	}
	add := tagsFrom(in.Tags)
	if err := checkTags(add); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.role(*in.RoleName)
	if err != nil {
		return nil, err
	}
	tags := mergeTags(r.Tags, add)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	r.Tags = tags
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.TagRoleOutput{}, nil
}

// ListRoleTags lists a role's tags.
func (s *Service) ListRoleTags(_ context.Context, _ string, in *sdk.ListRoleTagsInput) (*sdk.ListRoleTagsOutput, error) {
	if _, err := checkName("roleName", in.RoleName, maxRoleNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.role(*in.RoleName)
	if err != nil {
		return nil, err
	}
	tags := renderTags(r.Tags)
	start, end, next, trunc, err := page(len(tags), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdk.ListRoleTagsOutput{Tags: tags[start:end], Marker: next, IsTruncated: trunc}, nil
}

// CreateServiceLinkedRole creates the service-linked role of a service
// the emulator knows (rds.amazonaws.com → AWSServiceRoleForRDS with
// AmazonRDSServiceRolePolicy attached).
func (s *Service) CreateServiceLinkedRole(_ context.Context, _ string, in *sdk.CreateServiceLinkedRoleInput) (*sdk.CreateServiceLinkedRoleOutput, error) {
	if err := required("aWSServiceName", in.AWSServiceName); err != nil {
		return nil, err
	}
	svc := *in.AWSServiceName
	spec, ok := serviceLinkedRoles[svc]
	if !ok {
		return nil, awserr.New(ErrInvalidInput, "Service role name for %s is not supported by the emulator; only rds.amazonaws.com is.", svc)
	}
	if in.CustomSuffix != nil {
		return nil, awserr.New(ErrInvalidInput, "Custom suffix is not allowed for %s", svc)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(spec.role)
	if _, ok := s.st.Roles[key]; ok {
		return nil, awserr.New(ErrInvalidInput, "Service role name %s has been taken in this account, please try a different suffix.", spec.role)
	}
	desc := spec.description
	if in.Description != nil {
		desc = *in.Description
	}
	r := &Role{
		Name: spec.role, Path: "/aws-service-role/" + svc + "/", ID: s.uniqueID("AROA"),
		Created: s.cfg.Clock.Now().UTC(), Description: desc, MaxSessionDuration: defaultSessionDuration,
		TrustDocument: fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["%s"]},"Action":["sts:AssumeRole"]}]}`, svc),
		Attached:      []string{spec.policy}, Inline: map[string]string{}, ServiceName: svc,
	}
	s.st.Roles[key] = r
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.CreateServiceLinkedRoleOutput{Role: s.renderRole(r, false)}, nil
}
