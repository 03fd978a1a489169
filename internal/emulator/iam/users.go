package iam

import (
	"context"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

const maxUserNameLen = 64

func tagsFrom(in []types.Tag) []Tag {
	var out []Tag
	for _, t := range in {
		out = append(out, Tag{Key: deref(t.Key), Value: deref(t.Value)})
	}
	return out
}

func renderTags(tags []Tag) []types.Tag {
	var out []types.Tag
	for _, t := range tags {
		out = append(out, types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	return out
}

// user returns the user named name (case-insensitive). Call with s.mu held.
func (s *Service) user(name string) (*User, error) {
	u, ok := s.st.Users[strings.ToLower(name)]
	if !ok {
		return nil, notFound("The user with name %s cannot be found.", name)
	}
	return u, nil
}

func (s *Service) renderUser(u *User, withTags bool) *types.User {
	out := &types.User{
		Arn: aws.String(s.userARN(u)), CreateDate: aws.Time(u.Created), Path: aws.String(u.Path),
		UserId: aws.String(u.ID), UserName: aws.String(u.Name),
	}
	if withTags {
		out.Tags = renderTags(u.Tags)
	}
	return out
}

// CreateUser creates an IAM user.
func (s *Service) CreateUser(_ context.Context, _ string, in *sdk.CreateUserInput) (*sdk.CreateUserOutput, error) {
	name, err := checkName("userName", in.UserName, maxUserNameLen)
	if err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
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
	key := strings.ToLower(name)
	if _, ok := s.st.Users[key]; ok {
		return nil, awserr.New(ErrEntityAlreadyExists, "User with name %s already exists.", name)
	}
	u := &User{Name: name, Path: path, ID: s.uniqueID("AIDA"), Created: s.cfg.Clock.Now().UTC(), Tags: tags, Inline: map[string]string{}}
	s.st.Users[key] = u
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.CreateUserOutput{User: s.renderUser(u, len(tags) > 0)}, nil
}

// GetUser returns a user; without UserName, the caller (ctx, see
// WithCaller): root gets the root user, assumed roles a ValidationError
// as on AWS.
func (s *Service) GetUser(ctx context.Context, _ string, in *sdk.GetUserInput) (*sdk.GetUserOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := deref(in.UserName)
	if in.UserName == nil {
		c := s.caller(ctx)
		switch {
		case c.IsRoot:
			return &sdk.GetUserOutput{User: &types.User{
				Arn: aws.String(c.ARN), UserId: aws.String(s.cfg.AccountID), CreateDate: aws.Time(s.st.Created),
			}}, nil
		case c.UserName == "":
			return nil, awserr.New(ErrValidation, "Must specify userName when calling with non-User credentials")
		}
		name = c.UserName
	} else if _, err := checkName("userName", in.UserName, maxUserNameLen); err != nil {
		return nil, err
	}
	u, err := s.user(name)
	if err != nil {
		return nil, err
	}
	return &sdk.GetUserOutput{User: s.renderUser(u, true)}, nil
}

// ListUsers lists users by name, optionally under PathPrefix.
func (s *Service) ListUsers(_ context.Context, _ string, in *sdk.ListUsersInput) (*sdk.ListUsersOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []types.User
	for _, k := range sortedKeys(s.st.Users) {
		u := s.st.Users[k]
		if strings.HasPrefix(u.Path, prefix) {
			list = append(list, *s.renderUser(u, false))
		}
	}
	start, end, next, trunc, err := page(len(list), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdk.ListUsersOutput{Users: list[start:end], Marker: next, IsTruncated: trunc}, nil
}

// DeleteUser deletes a user that has no policies and no access keys left.
func (s *Service) DeleteUser(_ context.Context, _ string, in *sdk.DeleteUserInput) (*sdk.DeleteUserOutput, error) {
	if _, err := checkName("userName", in.UserName, maxUserNameLen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(*in.UserName)
	if err != nil {
		return nil, err
	}
	key := strings.ToLower(u.Name)
	switch {
	case len(u.Inline) > 0:
		return nil, awserr.New(ErrDeleteConflict, "Cannot delete entity, must delete policies first.")
	case len(u.Attached) > 0:
		return nil, awserr.New(ErrDeleteConflict, "Cannot delete entity, must detach all policies first.")
	case len(s.userKeys(key)) > 0:
		return nil, awserr.New(ErrDeleteConflict, "Cannot delete entity, must delete access keys first.")
	}
	delete(s.st.Users, key)
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.DeleteUserOutput{}, nil
}

// TagUser adds or overwrites tags of a user.
func (s *Service) TagUser(_ context.Context, _ string, in *sdk.TagUserInput) (*sdk.TagUserOutput, error) {
	if _, err := checkName("userName", in.UserName, maxUserNameLen); err != nil {
		return nil, err
	}
	add := tagsFrom(in.Tags)
	if err := checkTags(add); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(*in.UserName)
	if err != nil {
		return nil, err
	}
	tags := mergeTags(u.Tags, add)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	u.Tags = tags
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.TagUserOutput{}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
