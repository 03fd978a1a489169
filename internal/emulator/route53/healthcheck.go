package route53

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// CreateHealthCheck creates a health check. It is idempotent by
// CallerReference: the same reference and configuration return the existing
// check; a different configuration, or the reference of a deleted check,
// gives HealthCheckAlreadyExists.
func (s *Service) CreateHealthCheck(_ context.Context, _ string, in *sdk.CreateHealthCheckInput) (*sdk.CreateHealthCheckOutput, error) {
	ref := deref(in.CallerReference)
	if ref == "" || in.HealthCheckConfig == nil {
		return nil, errorf(errInvalidInput, "CallerReference and HealthCheckConfig are required")
	}
	cfg, err := normaliseConfig(*in.HealthCheckConfig, s.cfg.EmulatedPublic)
	if err != nil {
		return nil, err
	}
	var alarm *types.CloudWatchAlarmConfiguration
	if cfg.Type == types.HealthCheckTypeCloudwatchMetric {
		if alarm, err = s.alarmSnapshot(cfg.AlarmIdentifier); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exists := errorf(errHealthCheckExists, "A health check with the CallerReference %s already exists with different settings.", ref)
	if slices.Contains(s.st.DeletedCheckRefs, ref) {
		return nil, exists
	}
	for _, hc := range s.st.HealthChecks {
		if hc.CallerReference != ref {
			continue
		}
		if !sameConfig(hc.Config, cfg) {
			return nil, exists
		}
		return &sdk.CreateHealthCheckOutput{HealthCheck: renderCheck(hc), Location: ptr(locationV1 + "healthcheck/" + hc.ID)}, nil
	}
	if err := s.checkChildren(cfg.ChildHealthChecks); err != nil {
		return nil, err
	}
	hc := &HealthCheck{ID: s.newHealthCheckID(), CallerReference: ref, Version: 1, Config: cfg, Alarm: alarm}
	s.st.HealthChecks[hc.ID] = hc
	if err := s.commit(); err != nil {
		delete(s.st.HealthChecks, hc.ID)
		return nil, err
	}
	s.cfg.Logger.Info("health check created", "id", hc.ID, "type", cfg.Type)
	s.signalChecks()
	return &sdk.CreateHealthCheckOutput{HealthCheck: renderCheck(hc), Location: ptr(locationV1 + "healthcheck/" + hc.ID)}, nil
}

func sameConfig(a, b types.HealthCheckConfig) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// checkChildren checks that a calculated check's children exist. Call with
// s.mu held.
func (s *Service) checkChildren(ids []string) error {
	for _, id := range ids {
		if hc, ok := s.st.HealthChecks[id]; !ok {
			return errorf(errNoSuchHealthCheck, "No health check exists with the specified ID %s", id)
		} else if hc.Config.Type == types.HealthCheckTypeCalculated {
			return errorf(errInvalidInput, "Calculated health checks can't be nested: %s is a calculated health check", id)
		}
	}
	return nil
}

// check returns a health check by ID. Call with s.mu held.
func (s *Service) check(id *string) (*HealthCheck, error) {
	if hc, ok := s.st.HealthChecks[deref(id)]; ok {
		return hc, nil
	}
	return nil, errorf(errNoSuchHealthCheck, "No health check exists with the specified ID %s", deref(id))
}

// GetHealthCheck describes a health check.
func (s *Service) GetHealthCheck(_ context.Context, _ string, in *sdk.GetHealthCheckInput) (*sdk.GetHealthCheckOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hc, err := s.check(in.HealthCheckId)
	if err != nil {
		return nil, err
	}
	return &sdk.GetHealthCheckOutput{HealthCheck: renderCheck(hc)}, nil
}

// ListHealthChecks lists health checks sorted by ID; Marker is the ID of
// the first check of the page.
func (s *Service) ListHealthChecks(_ context.Context, _ string, in *sdk.ListHealthChecksInput) (*sdk.ListHealthChecksOutput, error) {
	n, err := pageSize(in.MaxItems, 100, 1000)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range s.st.HealthChecks {
			if !yield(id) {
				return
			}
		}
	})
	start, _ := slices.BinarySearch(ids, deref(in.Marker))
	end := min(start+n, len(ids))
	out := &sdk.ListHealthChecksOutput{Marker: in.Marker, MaxItems: ptr(int32(n)), HealthChecks: []types.HealthCheck{}}
	for _, id := range ids[start:end] {
		out.HealthChecks = append(out.HealthChecks, *renderCheck(s.st.HealthChecks[id]))
	}
	if end < len(ids) {
		out.IsTruncated = true
		out.NextMarker = ptr(ids[end])
	}
	return out, nil
}

// HealthChecks returns a copy of every health check (ID, caller reference,
// version, configuration), sorted by ID, for the health-check runner.
func (s *Service) HealthChecks() []types.HealthCheck {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]types.HealthCheck, 0, len(s.st.HealthChecks))
	for _, hc := range s.st.HealthChecks {
		out = append(out, *renderCheck(hc))
	}
	slices.SortFunc(out, func(a, b types.HealthCheck) int { return strings.Compare(*a.Id, *b.Id) })
	return out
}

func renderCheck(hc *HealthCheck) *types.HealthCheck {
	cfg := cloneConfig(hc.Config)
	return &types.HealthCheck{Id: ptr(hc.ID), CallerReference: ptr(hc.CallerReference), HealthCheckVersion: ptr(hc.Version), HealthCheckConfig: &cfg,
		CloudWatchAlarmConfiguration: cloneSnapshot(hc.Alarm), LinkedService: renderLinked(hc.Linked)}
}

// UpdateHealthCheck changes the mutable settings of a check. When
// HealthCheckVersion is given it must match; the version is bumped. An
// AlarmIdentifier (even the same one) re-reads the alarm and refreshes
// CloudWatchAlarmConfiguration, as AWS asks after editing an alarm.
func (s *Service) UpdateHealthCheck(_ context.Context, _ string, in *sdk.UpdateHealthCheckInput) (*sdk.UpdateHealthCheckOutput, error) {
	// Read CloudWatch before taking the lock; used below if the check is a
	// CLOUDWATCH_METRIC one (others refuse AlarmIdentifier).
	alarm, alarmErr := s.alarmSnapshot(in.AlarmIdentifier)
	s.mu.Lock()
	defer s.mu.Unlock()
	hc, err := s.check(in.HealthCheckId)
	if err != nil {
		return nil, err
	}
	if err := refuseLinked(hc, "update"); err != nil {
		return nil, err
	}
	if in.HealthCheckVersion != nil && *in.HealthCheckVersion != hc.Version {
		return nil, errorf(errHealthCheckVersion, "The value of HealthCheckVersion in the request doesn't match the value of HealthCheckVersion in the health check.")
	}
	cfg, err := normaliseConfig(updatedConfig(cloneConfig(hc.Config), in), s.cfg.EmulatedPublic)
	if err != nil {
		return nil, err
	}
	if err := s.checkChildren(cfg.ChildHealthChecks); err != nil {
		return nil, err
	}
	if alarmErr != nil {
		return nil, alarmErr
	}
	prev := *hc
	hc.Config, hc.Version = cfg, hc.Version+1
	if in.AlarmIdentifier != nil && alarm != nil {
		hc.Alarm = alarm
	}
	if err := s.commit(); err != nil {
		*hc = prev
		return nil, err
	}
	s.signalChecks()
	return &sdk.UpdateHealthCheckOutput{HealthCheck: renderCheck(hc)}, nil
}

// updatedConfig applies the fields an update sets, then ResetElements.
func updatedConfig(c types.HealthCheckConfig, in *sdk.UpdateHealthCheckInput) types.HealthCheckConfig {
	set := func(dst **string, v *string) {
		if v != nil {
			*dst = ptr(*v)
		}
	}
	set(&c.IPAddress, in.IPAddress)
	set(&c.FullyQualifiedDomainName, in.FullyQualifiedDomainName)
	set(&c.ResourcePath, in.ResourcePath)
	set(&c.SearchString, in.SearchString)
	for _, p := range []struct{ dst, v **int32 }{{&c.Port, &in.Port}, {&c.FailureThreshold, &in.FailureThreshold}, {&c.HealthThreshold, &in.HealthThreshold}} {
		if *p.v != nil {
			*p.dst = ptr(**p.v)
		}
	}
	for _, p := range []struct{ dst, v **bool }{{&c.Inverted, &in.Inverted}, {&c.Disabled, &in.Disabled}, {&c.EnableSNI, &in.EnableSNI}} {
		if *p.v != nil {
			*p.dst = ptr(**p.v)
		}
	}
	if in.ChildHealthChecks != nil {
		c.ChildHealthChecks = slices.Clone(in.ChildHealthChecks)
	}
	if in.Regions != nil {
		c.Regions = slices.Clone(in.Regions)
	}
	if in.AlarmIdentifier != nil {
		c.AlarmIdentifier = cloneAlarm(in.AlarmIdentifier)
	}
	if in.InsufficientDataHealthStatus != "" {
		c.InsufficientDataHealthStatus = in.InsufficientDataHealthStatus
	}
	for _, e := range in.ResetElements {
		switch e {
		case types.ResettableElementNameFullyQualifiedDomainName:
			c.FullyQualifiedDomainName = nil
		case types.ResettableElementNameRegions:
			c.Regions = nil
		case types.ResettableElementNameResourcePath:
			c.ResourcePath = nil
		case types.ResettableElementNameChildHealthChecks:
			c.ChildHealthChecks = nil
		}
	}
	return c
}

// DeleteHealthCheck deletes a check no record set or calculated check
// refers to. (AWS itself lets record sets keep dangling references; we
// refuse, as HealthCheckInUse documents, to keep failover predictable.)
// A check another service created is refused (refuseLinked).
func (s *Service) DeleteHealthCheck(_ context.Context, _ string, in *sdk.DeleteHealthCheckInput) (*sdk.DeleteHealthCheckOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hc, err := s.check(in.HealthCheckId)
	if err != nil {
		return nil, err
	}
	if err := refuseLinked(hc, "delete"); err != nil {
		return nil, err
	}
	for _, z := range s.st.Zones {
		for _, r := range z.Records {
			if r.HealthCheckID == hc.ID {
				return nil, errorf(errHealthCheckInUse, "The health check %s is still referenced from resource record set %s in hosted zone %s.", hc.ID, r.describe(), z.ID)
			}
		}
	}
	for _, p := range s.st.HealthChecks {
		if slices.Contains(p.Config.ChildHealthChecks, hc.ID) {
			return nil, errorf(errHealthCheckInUse, "The health check with id %s is still referenced from parent health check %s.", hc.ID, p.ID)
		}
	}
	delete(s.st.HealthChecks, hc.ID)
	refs := s.st.DeletedCheckRefs
	s.st.DeletedCheckRefs = append(slices.Clip(refs), hc.CallerReference)
	if err := s.commit(); err != nil {
		s.st.HealthChecks[hc.ID] = hc
		s.st.DeletedCheckRefs = refs
		return nil, err
	}
	s.signalChecks()
	return &sdk.DeleteHealthCheckOutput{}, nil
}

// GetHealthCheckStatus returns the checkers' latest observations from the
// Health view (none while no Health is set).
func (s *Service) GetHealthCheckStatus(_ context.Context, _ string, in *sdk.GetHealthCheckStatusInput) (*sdk.GetHealthCheckStatusOutput, error) {
	s.mu.Lock()
	hc, err := s.check(in.HealthCheckId)
	var id string
	var typ types.HealthCheckType
	if err == nil {
		id, typ = hc.ID, hc.Config.Type
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if typ == types.HealthCheckTypeCalculated {
		return nil, errorf(errInvalidInput, "GetHealthCheckStatus can't be used to get the status of a calculated health check.")
	}
	obs := []types.HealthCheckObservation{}
	if b := s.health.Load(); b != nil && b.h != nil {
		obs = append(obs, b.h.Observations(id)...)
	}
	return &sdk.GetHealthCheckStatusOutput{HealthCheckObservations: obs}, nil
}
