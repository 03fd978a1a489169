package healthcheck

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// TestRunner_StatusSetByService: a check whose service sets its status
// (Check.Status) is reported as set, whatever its type, probes nothing,
// flips when the status changes, shows the status as every checker
// Region's report and feeds CALCULATED parents.
func TestRunner_StatusSetByService(t *testing.T) {
	regs := []string{"us-east-1", "us-west-1", "sa-east-1"}
	down := closedPort(t)
	set := func(id string, cfg types.HealthCheckConfig, healthy bool) Check {
		return Check{ID: id, Config: cfg, Status: aws.Bool(healthy)}
	}
	rc := types.HealthCheckConfig{Type: types.HealthCheckTypeRecoveryControl}
	parent := Check{ID: "parent", Config: types.HealthCheckConfig{Type: types.HealthCheckTypeCalculated,
		ChildHealthChecks: []string{"a", "b"}, HealthThreshold: aws.Int32(1)}}
	// An endpoint config that would fail if probed, inverted: the set
	// status wins over both.
	probed := tcpCheck(down, 1)
	probed.Inverted = aws.Bool(true)
	h := newHarness(t, Config{Regions: regs}, set("a", rc, true), set("b", probed, false), parent).start()

	steps := []struct {
		name       string
		checks     []Check
		a, b, p    bool
		wantStatus string // every Region's report of a
	}{
		{name: "as created", checks: nil, a: true, b: false, p: true,
			wantStatus: "Success: status set by the service that created the health check"},
		{name: "a set unhealthy", checks: []Check{set("a", rc, false), set("b", probed, false), parent}, a: false, b: false, p: false,
			wantStatus: "Failure: status set by the service that created the health check"},
		{name: "b set healthy", checks: []Check{set("a", rc, false), set("b", probed, true), parent}, a: false, b: true, p: true,
			wantStatus: "Failure: status set by the service that created the health check"},
	}
	for _, s := range steps {
		if s.checks != nil {
			h.setChecks(s.checks...)
		}
		eventually(t, s.name, func() bool {
			return h.r.Healthy("a") == s.a && h.r.Healthy("b") == s.b && h.r.Healthy("parent") == s.p
		})
		if n := h.r.active.Load(); n != 0 {
			t.Errorf("%s: %d probers running, want none", s.name, n)
		}
		obs := h.r.Observations("a")
		var got []string
		for _, o := range obs {
			got = append(got, string(o.Region))
		}
		if !slices.Equal(got, regs) {
			t.Errorf("%s: observations from %v, want %v", s.name, got, regs)
		}
		for _, st := range statuses(obs) {
			if st != s.wantStatus {
				t.Errorf("%s: status %q, want %q", s.name, st, s.wantStatus)
			}
		}
	}

	// The service lets go of the check (Status nil): it is probed again.
	h.setChecks(Check{ID: "b", Config: tcpCheck(down, 1)})
	eventually(t, "b probed and failing", func() bool { return !h.r.Healthy("b") && h.r.active.Load() == 1 })
}
