package cloudwatch

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

const maxTags = 50

func validateTags(tags []types.Tag) error {
	if len(tags) > maxTags {
		return invalidf("The collection Tags must not have a size greater than %d.", maxTags)
	}
	for _, t := range tags {
		k, v := aws.ToString(t.Key), aws.ToString(t.Value)
		if k == "" || len(k) > 128 {
			return invalidf("A tag key must be 1 to 128 characters long.")
		}
		if t.Value == nil || len(v) > 256 {
			return invalidf("The tag %s must have a value of 0 to 256 characters.", k)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalidf("Tag keys starting with aws: are reserved for AWS use.")
		}
	}
	return nil
}

// taggable finds the alarm an ARN names in region. Called with s.mu held.
func (s *Service) taggable(region string, arn *string) (*Alarm, error) {
	if arn == nil || *arn == "" {
		return nil, missingParam("ResourceARN")
	}
	parts := strings.SplitN(*arn, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "cloudwatch" {
		return nil, invalidf("Invalid arn syntax: %s", *arn)
	}
	if parts[5] == "alarm" && parts[3] == region && parts[4] == s.cfg.AccountID {
		if a := s.st.Alarms[alarmKey(region, parts[6])]; a != nil {
			return a, nil
		}
	}
	return nil, awserr.New(codeResourceNotFound, "The specified resource %s does not exist.", *arn)
}

// TagResource adds or replaces tags of an alarm.
func (s *Service) TagResource(_ context.Context, region string, in *cloudwatch.TagResourceInput) (*cloudwatch.TagResourceOutput, error) {
	if len(in.Tags) == 0 {
		return nil, missingParam("Tags")
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.taggable(region, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	tags := slices.Clone(a.Tags)
	for _, t := range in.Tags {
		i := slices.IndexFunc(tags, func(x types.Tag) bool { return aws.ToString(x.Key) == *t.Key })
		if i >= 0 {
			tags[i] = t
		} else {
			tags = append(tags, t)
		}
	}
	if len(tags) > maxTags {
		return nil, awserr.New(codeLimitExceeded, "The resource would have %d tags; at most %d are allowed.", len(tags), maxTags)
	}
	a.Tags = tags
	if err := s.save(); err != nil {
		return nil, err
	}
	return &cloudwatch.TagResourceOutput{}, nil
}

// UntagResource removes tags of an alarm; absent keys are ignored.
func (s *Service) UntagResource(_ context.Context, region string, in *cloudwatch.UntagResourceInput) (*cloudwatch.UntagResourceOutput, error) {
	if len(in.TagKeys) == 0 {
		return nil, missingParam("TagKeys")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.taggable(region, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	a.Tags = slices.DeleteFunc(slices.Clone(a.Tags), func(t types.Tag) bool { return slices.Contains(in.TagKeys, aws.ToString(t.Key)) })
	if err := s.save(); err != nil {
		return nil, err
	}
	return &cloudwatch.UntagResourceOutput{}, nil
}

// ListTagsForResource returns an alarm's tags.
func (s *Service) ListTagsForResource(_ context.Context, region string, in *cloudwatch.ListTagsForResourceInput) (*cloudwatch.ListTagsForResourceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.taggable(region, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return &cloudwatch.ListTagsForResourceOutput{Tags: orEmpty(slices.Clone(a.Tags))}, nil
}
