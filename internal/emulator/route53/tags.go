package route53

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// tagsOf returns the tag list of a hosted zone or health check. Call with
// s.mu held.
func (s *Service) tagsOf(typ types.TagResourceType, id string) (*[]Tag, error) {
	switch typ {
	case types.TagResourceTypeHostedzone:
		z, err := s.zone(id)
		if err != nil {
			return nil, err
		}
		return &z.Tags, nil
	case types.TagResourceTypeHealthcheck:
		hc, err := s.check(&id)
		if err != nil {
			return nil, err
		}
		return &hc.Tags, nil
	}
	return nil, errorf(errInvalidInput, "ResourceType must be healthcheck or hostedzone, got %q", typ)
}

// ChangeTagsForResource adds, replaces and removes tags (at most 10 of
// each per request).
func (s *Service) ChangeTagsForResource(_ context.Context, _ string, in *sdk.ChangeTagsForResourceInput) (*sdk.ChangeTagsForResourceOutput, error) {
	if len(in.AddTags) > 10 || len(in.RemoveTagKeys) > 10 {
		return nil, errorf(errInvalidInput, "You can add or remove at most 10 tags per request.")
	}
	for _, t := range in.AddTags {
		if deref(t.Key) == "" || len(*t.Key) > 128 || len(deref(t.Value)) > 256 {
			return nil, errorf(errInvalidInput, "Tag keys must be 1 to 128 characters and values at most 256.")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tags, err := s.tagsOf(in.ResourceType, deref(in.ResourceId))
	if err != nil {
		return nil, err
	}
	prev := *tags
	next := slices.DeleteFunc(slices.Clone(prev), func(t Tag) bool { return slices.Contains(in.RemoveTagKeys, t.Key) })
	for _, t := range in.AddTags {
		i := slices.IndexFunc(next, func(o Tag) bool { return o.Key == *t.Key })
		if i >= 0 {
			next[i].Value = deref(t.Value)
		} else {
			next = append(next, Tag{Key: *t.Key, Value: deref(t.Value)})
		}
	}
	*tags = next
	if err := s.commit(); err != nil {
		*tags = prev
		return nil, err
	}
	return &sdk.ChangeTagsForResourceOutput{}, nil
}

// ListTagsForResource lists a resource's tags.
func (s *Service) ListTagsForResource(_ context.Context, _ string, in *sdk.ListTagsForResourceInput) (*sdk.ListTagsForResourceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, err := s.tagSet(in.ResourceType, deref(in.ResourceId))
	if err != nil {
		return nil, err
	}
	return &sdk.ListTagsForResourceOutput{ResourceTagSet: set}, nil
}

// maxTagResources is how many resources one ListTagsForResources names at
// most (TagResourceIdList in the service model).
const maxTagResources = 10

// ListTagsForResources lists the tags of up to 10 resources of one type,
// in request order. One unknown resource fails the whole request.
func (s *Service) ListTagsForResources(_ context.Context, _ string, in *sdk.ListTagsForResourcesInput) (*sdk.ListTagsForResourcesOutput, error) {
	if n := len(in.ResourceIds); n == 0 || n > maxTagResources {
		constraint := "greater than or equal to 1"
		if n > 0 {
			constraint = fmt.Sprintf("less than or equal to %d", maxTagResources)
		}
		return nil, errorf(errInvalidInput, "1 validation error detected: Value '[%s]' at 'resourceIds' failed to satisfy constraint: Member must have length %s",
			strings.Join(in.ResourceIds, ", "), constraint)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &sdk.ListTagsForResourcesOutput{ResourceTagSets: []types.ResourceTagSet{}}
	for _, id := range in.ResourceIds {
		set, err := s.tagSet(in.ResourceType, id)
		if err != nil {
			return nil, err
		}
		out.ResourceTagSets = append(out.ResourceTagSets, *set)
	}
	return out, nil
}

// tagSet renders the tags of a hosted zone or health check. Call with
// s.mu held.
func (s *Service) tagSet(typ types.TagResourceType, id string) (*types.ResourceTagSet, error) {
	tags, err := s.tagsOf(typ, id)
	if err != nil {
		return nil, err
	}
	set := &types.ResourceTagSet{ResourceId: ptr(strings.TrimPrefix(id, "/hostedzone/")), ResourceType: typ, Tags: []types.Tag{}}
	for _, t := range *tags {
		set.Tags = append(set.Tags, types.Tag{Key: ptr(t.Key), Value: ptr(t.Value)})
	}
	return set, nil
}
