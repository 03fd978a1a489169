package route53

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// Error codes (botocore shape names) the model returns.
const (
	errNoSuchHostedZone    = "NoSuchHostedZone"
	errHostedZoneExists    = "HostedZoneAlreadyExists"
	errHostedZoneNotEmpty  = "HostedZoneNotEmpty"
	errInvalidDomainName   = "InvalidDomainName"
	errInvalidInput        = "InvalidInput"
	errInvalidChangeBatch  = "InvalidChangeBatch"
	errNoSuchChange        = "NoSuchChange"
	errNoSuchHealthCheck   = "NoSuchHealthCheck"
	errHealthCheckExists   = "HealthCheckAlreadyExists"
	errHealthCheckInUse    = "HealthCheckInUse"
	errHealthCheckVersion  = "HealthCheckVersionMismatch"
	errNoSuchDelegationSet = "NoSuchDelegationSet"
)

func errorf(code, format string, args ...any) error { return awserr.New(code, format, args...) }

// changeRetention is how long finished changes stay answerable by GetChange.
const changeRetention = 24 * time.Hour

// newChange records a change submitted now and returns it. Changes older
// than changeRetention are dropped. Call with s.mu held, before commit.
func (s *Service) newChange(comment string) *Change {
	now := s.cfg.Clock.Now().UTC()
	for id, c := range s.st.Changes {
		if now.Sub(c.Submitted) > changeRetention {
			delete(s.st.Changes, id)
		}
	}
	c := &Change{ID: s.newChangeID(), Submitted: now, Comment: comment}
	s.st.Changes[c.ID] = c
	return c
}

// changeInfo renders c with its status at now: PENDING until ChangeDelay
// has passed since submission, INSYNC after.
func (s *Service) changeInfo(c *Change, now time.Time) *types.ChangeInfo {
	status := types.ChangeStatusPending
	if now.Sub(c.Submitted) >= s.cfg.ChangeDelay {
		status = types.ChangeStatusInsync
	}
	submitted := c.Submitted
	return &types.ChangeInfo{Id: ptr("/change/" + c.ID), Status: status, SubmittedAt: &submitted, Comment: optional(c.Comment)}
}

// GetChange reports whether a change has propagated.
func (s *Service) GetChange(_ context.Context, _ string, in *sdk.GetChangeInput) (*sdk.GetChangeOutput, error) {
	id := strings.TrimPrefix(deref(in.Id), "/change/")
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.Changes[id]
	if !ok {
		return nil, errorf(errNoSuchChange, "A change with the specified change ID does not exist.")
	}
	return &sdk.GetChangeOutput{ChangeInfo: s.changeInfo(c, s.cfg.Clock.Now())}, nil
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// optional returns nil for "" and a pointer otherwise.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// pageSize resolves MaxItems: def when unset, at most max (Route 53
// returns max items when asked for more). A MaxItems below 1 is an
// InvalidInput, not a silent default.
func pageSize(maxItems *int32, def, max int) (int, error) {
	if maxItems == nil {
		return def, nil
	}
	if *maxItems < 1 {
		return 0, errorf(errInvalidInput, "1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must be a positive integer", *maxItems)
	}
	return min(int(*maxItems), max), nil
}

// Limits on one ChangeResourceRecordSets request, from "Quotas on change
// requests" (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html#limits-api-requests-changeresourcerecordsets):
// at most 1,000 ResourceRecord elements and 32,000 characters of Value
// elements, each counted twice in an UPSERT (a delete and a create).
const (
	maxBatchRecords    = 1000
	maxBatchValueChars = 32000
)

// checkBatchSize enforces the per-request quotas on a change batch; a
// batch over either is an InvalidChangeBatch, as on AWS.
func checkBatchSize(changes []types.Change) error {
	records, chars := 0, 0
	for _, c := range changes {
		weight := 1
		if c.Action == types.ChangeActionUpsert {
			weight = 2
		}
		if c.ResourceRecordSet == nil {
			continue
		}
		for _, rr := range c.ResourceRecordSet.ResourceRecords {
			records += weight
			chars += weight * utf8.RuneCountInString(deref(rr.Value))
		}
	}
	switch {
	case records > maxBatchRecords:
		return invalidChangeBatch([]string{fmt.Sprintf("Number of records limit of %d exceeded: the batch has %d ResourceRecord elements (an UPSERT counts twice).", maxBatchRecords, records)})
	case chars > maxBatchValueChars:
		return invalidChangeBatch([]string{fmt.Sprintf("Number of characters limit of %d exceeded: the Value elements of the batch hold %d characters (an UPSERT counts twice).", maxBatchValueChars, chars)})
	}
	return nil
}
