package iam

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/globaldb/globaldb/internal/emulator/iampolicy"
)

const maxUserInlineChars = 2048

// putInline validates and stores an inline policy. Call with s.mu held.
func (s *Service) putInline(m map[string]string, name, doc *string, maxLen int) error {
	n, err := checkName("policyName", name, maxPolicyNameLen)
	if err != nil {
		return err
	}
	if err := s.checkDocument("policyDocument", doc, iampolicy.Identity, maxLen); err != nil {
		return err
	}
	m[n] = *doc
	return s.commit()
}

func inlineNotFound(kind, name string) error {
	return notFound("The %s policy with name %s cannot be found.", kind, name)
}

// PutUserPolicy creates or replaces an inline policy of a user.
func (s *Service) PutUserPolicy(_ context.Context, _ string, in *sdk.PutUserPolicyInput) (*sdk.PutUserPolicyOutput, error) {
	if _, err := checkName("userName", in.UserName, maxUserNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(*in.UserName)
	if err != nil {
		return nil, err
	}
	if err := s.putInline(u.Inline, in.PolicyName, in.PolicyDocument, maxUserInlineChars); err != nil {
		return nil, err
	}
	return &sdk.PutUserPolicyOutput{}, nil
}

// GetUserPolicy returns an inline policy of a user, URL-encoded.
func (s *Service) GetUserPolicy(_ context.Context, _ string, in *sdk.GetUserPolicyInput) (*sdk.GetUserPolicyOutput, error) {
	if _, err := checkName("userName", in.UserName, maxUserNameLen); err != nil {
		return nil, err
	}
	if _, err := checkName("policyName", in.PolicyName, maxPolicyNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(*in.UserName)
	if err != nil {
		return nil, err
	}
	doc, ok := u.Inline[*in.PolicyName]
	if !ok {
		return nil, inlineNotFound("user", *in.PolicyName)
	}
	return &sdk.GetUserPolicyOutput{UserName: aws.String(u.Name), PolicyName: in.PolicyName, PolicyDocument: encodedPtr(doc)}, nil
}

// DeleteUserPolicy deletes an inline policy of a user.
func (s *Service) DeleteUserPolicy(_ context.Context, _ string, in *sdk.DeleteUserPolicyInput) (*sdk.DeleteUserPolicyOutput, error) {
	if _, err := checkName("userName", in.UserName, maxUserNameLen); err != nil {
		return nil, err
	}
	if _, err := checkName("policyName", in.PolicyName, maxPolicyNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(*in.UserName)
	if err != nil {
		return nil, err
	}
	if _, ok := u.Inline[*in.PolicyName]; !ok {
		return nil, inlineNotFound("user", *in.PolicyName)
	}
	delete(u.Inline, *in.PolicyName)
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.DeleteUserPolicyOutput{}, nil
}

// ListUserPolicies lists the inline policy names of a user.
func (s *Service) ListUserPolicies(_ context.Context, _ string, in *sdk.ListUserPoliciesInput) (*sdk.ListUserPoliciesOutput, error) {
	if _, err := checkName("userName", in.UserName, maxUserNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(*in.UserName)
	if err != nil {
		return nil, err
	}
	names := sortedKeys(u.Inline)
	start, end, next, trunc, err := page(len(names), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdk.ListUserPoliciesOutput{PolicyNames: names[start:end], Marker: next, IsTruncated: trunc}, nil
}

// PutRolePolicy creates or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(_ context.Context, _ string, in *sdk.PutRolePolicyInput) (*sdk.PutRolePolicyOutput, error) {
	if _, err := checkName("roleName", in.RoleName, maxRoleNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.modifiableRole(in.RoleName)
	if err != nil {
		return nil, err
	}
	if err := s.putInline(r.Inline, in.PolicyName, in.PolicyDocument, maxInlinePolicyChars); err != nil {
		return nil, err
	}
	return &sdk.PutRolePolicyOutput{}, nil
}

// GetRolePolicy returns an inline policy of a role, URL-encoded.
func (s *Service) GetRolePolicy(_ context.Context, _ string, in *sdk.GetRolePolicyInput) (*sdk.GetRolePolicyOutput, error) {
	if _, err := checkName("roleName", in.RoleName, maxRoleNameLen); err != nil {
		return nil, err
	}
	if _, err := checkName("policyName", in.PolicyName, maxPolicyNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.role(*in.RoleName)
	if err != nil {
		return nil, err
	}
	doc, ok := r.Inline[*in.PolicyName]
	if !ok {
		return nil, inlineNotFound("role", *in.PolicyName)
	}
	return &sdk.GetRolePolicyOutput{RoleName: aws.String(r.Name), PolicyName: in.PolicyName, PolicyDocument: encodedPtr(doc)}, nil
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Service) DeleteRolePolicy(_ context.Context, _ string, in *sdk.DeleteRolePolicyInput) (*sdk.DeleteRolePolicyOutput, error) {
	if _, err := checkName("roleName", in.RoleName, maxRoleNameLen); err != nil {
		return nil, err
	}
	if _, err := checkName("policyName", in.PolicyName, maxPolicyNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.modifiableRole(in.RoleName)
	if err != nil {
		return nil, err
	}
	if _, ok := r.Inline[*in.PolicyName]; !ok {
		return nil, inlineNotFound("role", *in.PolicyName)
	}
	delete(r.Inline, *in.PolicyName)
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.DeleteRolePolicyOutput{}, nil
}

// ListRolePolicies lists the inline policy names of a role.
func (s *Service) ListRolePolicies(_ context.Context, _ string, in *sdk.ListRolePoliciesInput) (*sdk.ListRolePoliciesOutput, error) {
	if _, err := checkName("roleName", in.RoleName, maxRoleNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.role(*in.RoleName)
	if err != nil {
		return nil, err
	}
	names := sortedKeys(r.Inline)
	start, end, next, trunc, err := page(len(names), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdk.ListRolePoliciesOutput{PolicyNames: names[start:end], Marker: next, IsTruncated: trunc}, nil
}
