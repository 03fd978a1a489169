package rds

import (
	"context"

	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
)

// tagsOf resolves an RDS ARN to the tag list of its resource.
func (s *Service) tagsOf(arn string) (*[]Tag, error) {
	region, kind, id, ok := parseARN(arn)
	if !ok {
		return nil, errorf(errInvalidValue, "The specified resource name does not match an RDS resource in this region: %s", arn)
	}
	switch kind {
	case "cluster":
		if c, ok := s.st.Clusters[key(region, id)]; ok {
			return &c.Tags, nil
		}
		return nil, errorf(errClusterNotFound, "DBCluster %s not found.", arn)
	case "db":
		if inst, ok := s.st.Instances[key(region, id)]; ok {
			return &inst.Tags, nil
		}
		return nil, errorf(errInstanceNotFound, "DBInstance %s not found.", arn)
	case "global-cluster":
		if g, ok := s.st.Globals[id]; ok {
			return &g.Tags, nil
		}
		return nil, errorf(errGlobalNotFound, "Global cluster %s not found", id)
	case "subgrp":
		if sg, ok := s.st.SubnetGroups[key(region, id)]; ok {
			return &sg.Tags, nil
		}
		return nil, errorf(errSubnetGroupNotFound, "DBSubnetGroup %s not found.", id)
	}
	return nil, errorf(errInvalidValue, "The specified resource name does not match an RDS resource in this region: %s", arn)
}

// AddTagsToResource adds or replaces tags.
func (s *Service) AddTagsToResource(_ context.Context, _ string, in *sdk.AddTagsToResourceInput) (*sdk.AddTagsToResourceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tags, err := s.tagsOf(deref(in.ResourceName))
	if err != nil {
		return nil, err
	}
	for _, t := range tagsFrom(in.Tags) {
		*tags = mergeTag(*tags, t)
	}
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.AddTagsToResourceOutput{}, nil
}

// ListTagsForResource lists a resource's tags.
func (s *Service) ListTagsForResource(_ context.Context, _ string, in *sdk.ListTagsForResourceInput) (*sdk.ListTagsForResourceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tags, err := s.tagsOf(deref(in.ResourceName))
	if err != nil {
		return nil, err
	}
	return &sdk.ListTagsForResourceOutput{TagList: tagList(*tags)}, nil
}

// RemoveTagsFromResource removes tags by key.
func (s *Service) RemoveTagsFromResource(_ context.Context, _ string, in *sdk.RemoveTagsFromResourceInput) (*sdk.RemoveTagsFromResourceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tags, err := s.tagsOf(deref(in.ResourceName))
	if err != nil {
		return nil, err
	}
	var kept []Tag
	for _, t := range *tags {
		if !contains(in.TagKeys, t.Key) {
			kept = append(kept, t)
		}
	}
	*tags = kept
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.RemoveTagsFromResourceOutput{}, nil
}

// ResourceTags returns the tags of the resource an RDS ARN names (for the
// aws:ResourceTag/… condition keys), or nil when it does not exist.
func (s *Service) ResourceTags(arn string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tags, err := s.tagsOf(arn)
	if err != nil {
		return nil
	}
	out := make(map[string]string, len(*tags))
	for _, t := range *tags {
		out[t.Key] = t.Value
	}
	return out
}
