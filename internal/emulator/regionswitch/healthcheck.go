package regionswitch

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"

	sdk "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

// syncHealthChecks keeps one managed health check per Region for every
// (hosted zone, record) a Route53HealthCheck block names, keeping the IDs
// and statuses of those that stay. New checks start healthy in the
// primary Region (every Region for activeActive) and unhealthy elsewhere.
func (s *Service) syncHealthChecks(p *Plan) {
	old := map[string]HealthCheck{}
	for _, hc := range p.HealthChecks {
		old[hc.HostedZoneID+"|"+hc.RecordName+"|"+hc.Region] = hc
	}
	var out []HealthCheck
	seen := map[string]bool{}
	var walk func([]Step)
	walk = func(steps []Step) {
		for _, st := range steps {
			walk(st.Parallel)
			if st.Route53 == nil {
				continue
			}
			for _, region := range p.Regions {
				k := deref(st.Route53.HostedZoneId) + "|" + deref(st.Route53.RecordName) + "|" + region
				if seen[k] {
					continue
				}
				seen[k] = true
				hc, ok := old[k]
				if !ok {
					status := types.Route53HealthCheckStatusUnhealthy
					if p.RecoveryApproach == types.RecoveryApproachActiveActive || region == p.PrimaryRegion {
						status = types.Route53HealthCheckStatusHealthy
					}
					hc = HealthCheck{ID: uuid(), HostedZoneID: deref(st.Route53.HostedZoneId),
						RecordName: deref(st.Route53.RecordName), Region: region, Status: status}
				}
				out = append(out, hc)
			}
		}
	}
	for _, w := range p.Workflows {
		walk(w.Steps)
	}
	p.HealthChecks = out
}

// syncRoute53Locked hands every plan's managed health checks, with their
// statuses, to Config.Route53 (sorted by plan ARN, then as the plan
// keeps them). Call with s.mu held.
func (s *Service) syncRoute53Locked(ctx context.Context) error {
	if s.cfg.Route53 == nil {
		return nil
	}
	checks := []HealthCheck{}
	for _, arn := range slices.Sorted(maps.Keys(s.st.Plans)) {
		checks = append(checks, s.st.Plans[arn].HealthChecks...)
	}
	return s.cfg.Route53.SyncHealthChecks(ctx, checks)
}

// pushHealthChecksLocked is syncRoute53Locked after a plan change: a
// failure is logged, and the next change or restart tries again (the plan
// itself is saved). Call with s.mu held.
func (s *Service) pushHealthChecksLocked(ctx context.Context) {
	if err := s.syncRoute53Locked(ctx); err != nil {
		s.log.Error("sync managed health checks to Route 53", "err", err)
	}
}

// HealthChecks returns the health checks Region switch manages for a plan.
func (s *Service) HealthChecks(planARN string) []HealthCheck {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.st.Plans[planARN]; p != nil {
		return append([]HealthCheck(nil), p.HealthChecks...)
	}
	return nil
}

// ListRoute53HealthChecks lists a plan's managed health checks (control
// plane).
func (s *Service) ListRoute53HealthChecks(_ context.Context, _ string, in *sdk.ListRoute53HealthChecksInput) (*sdk.ListRoute53HealthChecksOutput, error) {
	if err := s.controlPlane(); err != nil {
		return nil, err
	}
	if in.MaxResults != nil && (*in.MaxResults < 10 || *in.MaxResults > 100) {
		return nil, invalid("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 10 and 100", *in.MaxResults)
	}
	items, next, err := s.listHealthChecks(in.Arn, "", in.HostedZoneId, in.RecordName, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &sdk.ListRoute53HealthChecksOutput{HealthChecks: items, NextToken: next}, nil
}

// ListRoute53HealthChecksInRegion is ListRoute53HealthChecks on the data
// plane of region.
func (s *Service) ListRoute53HealthChecksInRegion(_ context.Context, region string, in *sdk.ListRoute53HealthChecksInRegionInput) (*sdk.ListRoute53HealthChecksInRegionOutput, error) {
	if err := s.dataPlane(region); err != nil {
		return nil, err
	}
	items, next, err := s.listHealthChecks(in.Arn, region, in.HostedZoneId, in.RecordName, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &sdk.ListRoute53HealthChecksInRegionOutput{HealthChecks: items, NextToken: next}, nil
}

func (s *Service) listHealthChecks(arn *string, region string, zone, record *string, max *int32, token *string) ([]types.Route53HealthCheck, *string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var p *Plan
	var err error
	if region == "" {
		p, err = s.planLocked(arn)
	} else {
		p, err = s.planInRegionLocked(arn, region)
	}
	if err != nil {
		return nil, nil, err
	}
	var list []HealthCheck
	for _, hc := range p.HealthChecks {
		if (zone == nil || *zone == hc.HostedZoneID) && (record == nil || *record == hc.RecordName) {
			list = append(list, hc)
		}
	}
	start, end, next, err := page(len(list), token, max, 100)
	if err != nil {
		return nil, nil, err
	}
	items := []types.Route53HealthCheck{}
	for _, hc := range list[start:end] {
		items = append(items, types.Route53HealthCheck{HealthCheckId: ptr(hc.ID), HostedZoneId: ptr(hc.HostedZoneID),
			RecordName: ptr(hc.RecordName), Region: ptr(hc.Region), Status: hc.Status})
	}
	return items, next, nil
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
