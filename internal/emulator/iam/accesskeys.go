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

// userKeys returns the access keys of the user stored under key, oldest
// first. Call with s.mu held.
func (s *Service) userKeys(key string) []*AccessKey {
	var out []*AccessKey
	for _, k := range s.st.AccessKeys {
		if k.UserName == key {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// keyOwner resolves the UserName parameter of the access key operations:
// without it, the calling user. Call with s.mu held.
func (s *Service) keyOwner(ctx context.Context, v *string) (*User, error) {
	if v == nil {
		c := s.caller(ctx)
		if c.UserName == "" {
			if c.IsRoot {
				return nil, awserr.New(ErrInvalidInput, "Access keys of the root user are not managed through the emulator's IAM API; configure them with Config.RootKeys.")
			}
			return nil, awserr.New(ErrValidation, "Must specify userName when calling with non-User credentials")
		}
		return s.user(c.UserName)
	}
	if _, err := checkName("userName", v, maxUserNameLen); err != nil {
		return nil, err
	}
	return s.user(*v)
}

// CreateAccessKey mints an access key (AKIA…, 40-character secret) for a
// user; a user has at most two.
func (s *Service) CreateAccessKey(ctx context.Context, _ string, in *sdk.CreateAccessKeyInput) (*sdk.CreateAccessKeyOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.keyOwner(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	key := strings.ToLower(u.Name)
	if len(s.userKeys(key)) >= maxAccessKeysPerUser {
		return nil, awserr.New(ErrLimitExceeded, "Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeysPerUser)
	}
	k := &AccessKey{
		ID:       "AKIA" + RandomString(s.cfg.Random, upperAlnum, accessKeyLen-4),
		Secret:   RandomString(s.cfg.Random, secretChars, secretLen),
		UserName: key, Status: string(types.StatusTypeActive), Created: s.cfg.Clock.Now().UTC(),
	}
	s.st.AccessKeys[k.ID] = k
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.CreateAccessKeyOutput{AccessKey: &types.AccessKey{
		AccessKeyId: aws.String(k.ID), SecretAccessKey: aws.String(k.Secret), Status: types.StatusTypeActive,
		UserName: aws.String(u.Name), CreateDate: aws.Time(k.Created),
	}}, nil
}

func checkAccessKeyID(v *string) error {
	if err := required("accessKeyId", v); err != nil {
		return err
	}
	if len(*v) < 16 || len(*v) > 128 || !keyIDRE.MatchString(*v) {
		return validation(`Value '%s' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w]+`, *v)
	}
	return nil
}

// accessKeyOf returns the key id of user u. Call with s.mu held.
func (s *Service) accessKeyOf(u *User, id string) (*AccessKey, error) {
	k, ok := s.st.AccessKeys[id]
	if !ok || k.UserName != strings.ToLower(u.Name) {
		return nil, notFound("The Access Key with id %s cannot be found.", id)
	}
	return k, nil
}

// DeleteAccessKey deletes an access key of a user.
func (s *Service) DeleteAccessKey(ctx context.Context, _ string, in *sdk.DeleteAccessKeyInput) (*sdk.DeleteAccessKeyOutput, error) {
	if err := checkAccessKeyID(in.AccessKeyId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.keyOwner(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	k, err := s.accessKeyOf(u, *in.AccessKeyId)
	if err != nil {
		return nil, err
	}
	delete(s.st.AccessKeys, k.ID)
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.DeleteAccessKeyOutput{}, nil
}

// UpdateAccessKey activates or deactivates an access key; inactive keys
// do not authenticate.
func (s *Service) UpdateAccessKey(ctx context.Context, _ string, in *sdk.UpdateAccessKeyInput) (*sdk.UpdateAccessKeyOutput, error) {
	if err := checkAccessKeyID(in.AccessKeyId); err != nil {
		return nil, err
	}
	if in.Status != types.StatusTypeActive && in.Status != types.StatusTypeInactive {
		return nil, validation("Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", in.Status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.keyOwner(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	k, err := s.accessKeyOf(u, *in.AccessKeyId)
	if err != nil {
		return nil, err
	}
	k.Status = string(in.Status)
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.UpdateAccessKeyOutput{}, nil
}

// ListAccessKeys lists a user's access keys (never their secrets).
func (s *Service) ListAccessKeys(ctx context.Context, _ string, in *sdk.ListAccessKeysInput) (*sdk.ListAccessKeysOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.keyOwner(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	var list []types.AccessKeyMetadata
	for _, k := range s.userKeys(strings.ToLower(u.Name)) {
		list = append(list, types.AccessKeyMetadata{
			AccessKeyId: aws.String(k.ID), CreateDate: aws.Time(k.Created),
			Status: types.StatusType(k.Status), UserName: aws.String(u.Name),
		})
	}
	start, end, next, trunc, err := page(len(list), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &sdk.ListAccessKeysOutput{AccessKeyMetadata: list[start:end], Marker: next, IsTruncated: trunc}, nil
}
