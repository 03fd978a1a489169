package route53

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// Linked is what the model keeps of a health check another AWS service
// created (the check's LinkedService): the service and the status it sets.
// Such a check is never probed: the health-check runner reports Healthy.
type Linked struct {
	ServicePrincipal string `json:"servicePrincipal"`
	Description      string `json:"description,omitempty"`
	Healthy          bool   `json:"healthy"`
}

// LinkedHealthCheck is a health check a service owns, as it hands it to
// SyncLinkedHealthChecks.
type LinkedHealthCheck struct {
	ID          string // a UUID the service chose
	Config      types.HealthCheckConfig
	Description string // LinkedService.Description; "" for none
	Healthy     bool   // the status the service sets
}

// SyncLinkedHealthChecks makes the health checks linked to the service
// principal exactly checks, in one commit: it creates the missing ones
// with their IDs, gives those that stay their configuration and status
// (bumping HealthCheckVersion when the configuration changes) and deletes
// the others, even while record sets still refer to them (they then
// count as healthy, as the runner reports an unknown check). An ID held by
// a check the service does not own is an error. Users cannot update or
// delete linked checks (UpdateHealthCheck, DeleteHealthCheck).
func (s *Service) SyncLinkedHealthChecks(principal string, checks []LinkedHealthCheck) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := make(map[string]HealthCheck, len(s.st.HealthChecks))
	for id, hc := range s.st.HealthChecks {
		prev[id] = *hc
	}
	restore := func() {
		s.st.HealthChecks = make(map[string]*HealthCheck, len(prev))
		for id, hc := range prev {
			s.st.HealthChecks[id] = &hc
		}
	}
	want := make(map[string]bool, len(checks))
	changed := false
	for _, c := range checks {
		want[c.ID] = true
		cfg := cloneConfig(c.Config)
		fillFalse(&cfg.Inverted, &cfg.Disabled)
		linked := &Linked{ServicePrincipal: principal, Description: c.Description, Healthy: c.Healthy}
		hc, ok := s.st.HealthChecks[c.ID]
		switch {
		case !ok:
			s.st.HealthChecks[c.ID] = &HealthCheck{ID: c.ID, CallerReference: c.ID, Version: 1, Config: cfg, Linked: linked}
			changed = true
		case hc.Linked == nil || hc.Linked.ServicePrincipal != principal:
			restore()
			return fmt.Errorf("sync %s health checks: health check %s exists and is not linked to %s", principal, c.ID, principal)
		default:
			if !sameConfig(hc.Config, cfg) {
				hc.Config, hc.Version, changed = cfg, hc.Version+1, true
			}
			if *hc.Linked != *linked {
				hc.Linked, changed = linked, true
			}
		}
	}
	for id, hc := range s.st.HealthChecks {
		if hc.Linked != nil && hc.Linked.ServicePrincipal == principal && !want[id] {
			delete(s.st.HealthChecks, id)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	if err := s.commit(); err != nil {
		restore()
		return fmt.Errorf("sync %s health checks: %w", principal, err)
	}
	s.signalChecks()
	return nil
}

// LinkedStatuses returns the status each linked health check's service
// set, by ID, for the health-check runner.
func (s *Service) LinkedStatuses() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]bool{}
	for id, hc := range s.st.HealthChecks {
		if hc.Linked != nil {
			out[id] = hc.Linked.Healthy
		}
	}
	return out
}

// HealthChecksChanged is signalled (without blocking the model; one signal
// stands for any number of changes) when a health check is created,
// updated or deleted, or a linked check's status changes: the runner
// refreshes at once.
func (s *Service) HealthChecksChanged() <-chan struct{} { return s.checksChanged }

func (s *Service) signalChecks() {
	select {
	case s.checksChanged <- struct{}{}:
	default:
	}
}

// refuseLinked returns InvalidInput for a check another service created:
// "you can't edit or delete it using Amazon Route 53" (LinkedService in
// the API reference); the wording is ours, AWS does not document it.
func refuseLinked(hc *HealthCheck, verb string) error {
	if hc.Linked == nil {
		return nil
	}
	return errorf(errInvalidInput, "Cannot %s health check %s: it was created by %s and can only be managed through that service.", verb, hc.ID, hc.Linked.ServicePrincipal)
}

func renderLinked(l *Linked) *types.LinkedService {
	if l == nil {
		return nil
	}
	out := &types.LinkedService{ServicePrincipal: ptr(l.ServicePrincipal)}
	if l.Description != "" {
		out.Description = ptr(l.Description)
	}
	return out
}
