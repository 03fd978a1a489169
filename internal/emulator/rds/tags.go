package rds

import (
	"context"
	"strings"
	"unicode/utf8"

	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// Tag limits of RDS resources. A resource has at most 50 tags; a key is 1
// to 128 characters and a value at most 256; keys must not begin with the
// prefixes RDS reserves for itself. Sources: the Tag shape of the RDS API
// reference (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Tag.html,
// also botocore's rds model) and "Tagging Amazon Aurora and Amazon RDS
// resources" in the Aurora User Guide. botocore lists no tag-specific fault
// for AddTagsToResource or the Create operations, so every violation is an
// InvalidParameterValue.
const (
	maxTagsPerResource = 50
	maxTagKeyLen       = 128
	maxTagValueLen     = 256
)

// reservedTagPrefixes are the key prefixes RDS keeps for itself (compared
// without regard to case).
var reservedTagPrefixes = []string{"aws:", "rds:"}

// checkTags validates the tags a request puts on a resource that already
// carries existing (nil for a new resource). A key that is already there
// is replaced and does not count twice.
func checkTags(existing []Tag, in []types.Tag) error {
	keys := map[string]bool{}
	for _, t := range existing {
		keys[t.Key] = true
	}
	for _, t := range in {
		key, value := deref(t.Key), deref(t.Value)
		switch {
		case key == "":
			return errorf(errInvalidValue, "The parameter Tag.Key must be provided and must not be blank.")
		case utf8.RuneCountInString(key) > maxTagKeyLen:
			return errorf(errInvalidValue, "Tag key %q is longer than %d characters.", key, maxTagKeyLen)
		case utf8.RuneCountInString(value) > maxTagValueLen:
			return errorf(errInvalidValue, "The value of tag %q is longer than %d characters.", key, maxTagValueLen)
		}
		for _, p := range reservedTagPrefixes {
			if strings.HasPrefix(strings.ToLower(key), p) {
				return errorf(errInvalidValue, "Tag key %q is not valid: keys must not begin with the reserved prefix '%s'.", key, p)
			}
		}
		keys[key] = true
	}
	if len(keys) > maxTagsPerResource {
		return errorf(errInvalidValue, "A resource can have at most %d tags; this request would give it %d.", maxTagsPerResource, len(keys))
	}
	return nil
}

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
	if err := checkTags(*tags, in.Tags); err != nil {
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
