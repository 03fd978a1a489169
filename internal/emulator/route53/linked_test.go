package route53

import (
	"maps"
	"path/filepath"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

const arcPrincipal = "arc-region-switch.amazonaws.com"

func linkedCheck(id string, healthy bool) LinkedHealthCheck {
	return LinkedHealthCheck{ID: id, Config: types.HealthCheckConfig{Type: types.HealthCheckTypeRecoveryControl}, Healthy: healthy}
}

// drain empties the change signal and reports whether it was set.
func drain(s *Service) bool {
	select {
	case <-s.HealthChecksChanged():
		return true
	default:
		return false
	}
}

// TestService_SyncLinkedHealthChecks: the service's checks appear with
// their IDs and LinkedService, carry the status it sets, are refused to
// users' UpdateHealthCheck and DeleteHealthCheck, can back record sets,
// and go when the service drops them.
func TestService_SyncLinkedHealthChecks(t *testing.T) {
	const a, b = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
	f := newFixture(t)
	user := f.check(t, "user", "93.184.215.1")
	drain(f.s)
	if err := f.s.SyncLinkedHealthChecks(arcPrincipal, []LinkedHealthCheck{linkedCheck(a, true), linkedCheck(b, false)}); err != nil {
		t.Fatalf("SyncLinkedHealthChecks: %v", err)
	}
	if !drain(f.s) {
		t.Error("no change signalled after a sync that created checks")
	}
	got, err := f.s.GetHealthCheck(ctx, "", &sdk.GetHealthCheckInput{HealthCheckId: ptr(a)})
	if err != nil {
		t.Fatalf("GetHealthCheck: %v", err)
	}
	hc := got.HealthCheck
	if hc.LinkedService == nil || deref(hc.LinkedService.ServicePrincipal) != arcPrincipal || hc.HealthCheckConfig.Type != types.HealthCheckTypeRecoveryControl || *hc.HealthCheckVersion != 1 {
		t.Errorf("GetHealthCheck = %+v, LinkedService %+v", hc, hc.LinkedService)
	}
	list, err := f.s.ListHealthChecks(ctx, "", &sdk.ListHealthChecksInput{})
	if err != nil || len(list.HealthChecks) != 3 {
		t.Fatalf("ListHealthChecks: %d checks, %v; want 3", len(list.HealthChecks), err)
	}
	for _, hc := range list.HealthChecks {
		if linked := hc.LinkedService != nil; linked != (*hc.Id != user) {
			t.Errorf("check %s: LinkedService %+v", *hc.Id, hc.LinkedService)
		}
	}
	if want := map[string]bool{a: true, b: false}; !maps.Equal(f.s.LinkedStatuses(), want) {
		t.Errorf("LinkedStatuses = %v, want %v", f.s.LinkedStatuses(), want)
	}

	t.Run("users cannot update or delete them", func(t *testing.T) {
		_, err := f.s.UpdateHealthCheck(ctx, "", &sdk.UpdateHealthCheckInput{HealthCheckId: ptr(a), Inverted: ptr(true)})
		if code(err) != "InvalidInput" {
			t.Errorf("UpdateHealthCheck: %v, want InvalidInput", err)
		}
		_, err = f.s.DeleteHealthCheck(ctx, "", &sdk.DeleteHealthCheckInput{HealthCheckId: ptr(a)})
		if code(err) != "InvalidInput" {
			t.Errorf("DeleteHealthCheck: %v, want InvalidInput", err)
		}
	})
	t.Run("record sets use them", func(t *testing.T) {
		zone := f.zone(t, "example.com")
		f.mustChange(t, zone, create(failover("db.example.com", "a", types.ResourceRecordSetFailoverPrimary, a, "192.0.2.1")),
			create(failover("db.example.com", "b", types.ResourceRecordSetFailoverSecondary, b, "192.0.2.2")))
	})
	t.Run("a status change is a change; the same set is none", func(t *testing.T) {
		drain(f.s)
		if err := f.s.SyncLinkedHealthChecks(arcPrincipal, []LinkedHealthCheck{linkedCheck(a, true), linkedCheck(b, false)}); err != nil || drain(f.s) {
			t.Errorf("same set: err %v, or a change signalled", err)
		}
		if err := f.s.SyncLinkedHealthChecks(arcPrincipal, []LinkedHealthCheck{linkedCheck(a, false), linkedCheck(b, true)}); err != nil || !drain(f.s) {
			t.Fatalf("flip: err %v, or no change signalled", err)
		}
		if want := map[string]bool{a: false, b: true}; !maps.Equal(f.s.LinkedStatuses(), want) {
			t.Errorf("LinkedStatuses = %v, want %v", f.s.LinkedStatuses(), want)
		}
	})
	t.Run("an ID of someone else's check is refused, nothing changes", func(t *testing.T) {
		err := f.s.SyncLinkedHealthChecks(arcPrincipal, []LinkedHealthCheck{linkedCheck(user, true)})
		if err == nil {
			t.Fatal("sync over a user's check succeeded")
		}
		if len(f.s.HealthChecks()) != 3 || len(f.s.LinkedStatuses()) != 2 {
			t.Errorf("after a refused sync: %d checks, %d linked; want 3, 2", len(f.s.HealthChecks()), len(f.s.LinkedStatuses()))
		}
	})
	t.Run("dropped checks are deleted, other services' and users' stay", func(t *testing.T) {
		if err := f.s.SyncLinkedHealthChecks("other.amazonaws.com", []LinkedHealthCheck{linkedCheck("33333333-3333-4333-8333-333333333333", true)}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.SyncLinkedHealthChecks(arcPrincipal, []LinkedHealthCheck{linkedCheck(a, false)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.GetHealthCheck(ctx, "", &sdk.GetHealthCheckInput{HealthCheckId: ptr(b)}); code(err) != "NoSuchHealthCheck" {
			t.Errorf("GetHealthCheck(dropped) = %v, want NoSuchHealthCheck", err)
		}
		if err := f.s.SyncLinkedHealthChecks(arcPrincipal, nil); err != nil {
			t.Fatal(err)
		}
		if n := len(f.s.HealthChecks()); n != 2 {
			t.Errorf("%d checks left, want the user's and the other service's", n)
		}
	})
}

// TestService_SyncLinkedHealthChecksFailedSave: a failed save leaves the
// checks as they were.
func TestService_SyncLinkedHealthChecksFailedSave(t *testing.T) {
	store := &memStore{}
	s, err := New(Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SyncLinkedHealthChecks(arcPrincipal, []LinkedHealthCheck{linkedCheck("a", true)}); err != nil {
		t.Fatal(err)
	}
	store.fail = true
	if err := s.SyncLinkedHealthChecks(arcPrincipal, []LinkedHealthCheck{linkedCheck("b", false)}); err == nil {
		t.Fatal("sync with a failing store succeeded")
	}
	if got := s.LinkedStatuses(); !maps.Equal(got, map[string]bool{"a": true}) {
		t.Errorf("after a failed save: %v, want a healthy only", got)
	}
}

// TestService_LinkedHealthChecksPersist: linked checks and their statuses
// survive a restart on the same state file.
func TestService_LinkedHealthChecksPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "route53.json")
	s, err := New(Config{Store: NewFileStore(path)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SyncLinkedHealthChecks(arcPrincipal, []LinkedHealthCheck{linkedCheck("a", true), linkedCheck("b", false)}); err != nil {
		t.Fatal(err)
	}
	again, err := New(Config{Store: NewFileStore(path)})
	if err != nil {
		t.Fatal(err)
	}
	if got := again.LinkedStatuses(); !maps.Equal(got, map[string]bool{"a": true, "b": false}) {
		t.Errorf("after a restart: %v", got)
	}
	out, err := again.GetHealthCheck(ctx, "", &sdk.GetHealthCheckInput{HealthCheckId: ptr("b")})
	if err != nil || out.HealthCheck.LinkedService == nil || deref(out.HealthCheck.LinkedService.ServicePrincipal) != arcPrincipal {
		t.Errorf("GetHealthCheck after a restart: %+v, %v", out, err)
	}
}
