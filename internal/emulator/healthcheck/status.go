package healthcheck

import "github.com/aws/aws-sdk-go-v2/service/route53/types"

// Defaults from the HealthCheckConfig API reference (§3.1).
const (
	defaultFailureThreshold = 3
	defaultRequestInterval  = 30 // seconds
)

// Overall reports whether a check is healthy when healthy of total checker
// Regions consider it healthy: more than 18 % must (§3.1). With no checkers
// there is no data, and a check without data counts as healthy.
func Overall(healthy, total int) bool {
	if total <= 0 {
		return true
	}
	return healthy*100 > 18*total
}

// verdict is one checker Region's opinion of an endpoint.
type verdict struct {
	healthy bool
	// against counts consecutive probes whose result contradicts healthy.
	against int
}

// newVerdict is a checker's opinion before any probe: healthy (§3.1).
func newVerdict() verdict { return verdict{healthy: true} }

// observe returns v after one probe: the opinion flips once threshold
// consecutive probes contradict it (see the package doc).
func (v verdict) observe(success bool, threshold int) verdict {
	if threshold < 1 {
		threshold = 1
	}
	if success == v.healthy {
		v.against = 0
		return v
	}
	v.against++
	if v.against >= threshold {
		return verdict{healthy: success}
	}
	return v
}

// applyFlags turns a measured status into the reported one: Disabled reads
// healthy, then Inverted flips.
func applyFlags(measured bool, cfg types.HealthCheckConfig) bool {
	if deref(cfg.Disabled) {
		measured = true
	}
	return measured != deref(cfg.Inverted)
}

// calculated reports a CALCULATED check's measured status: at least
// threshold of its children are healthy. A nil HealthThreshold reads 0
// (always healthy), as AWS documents for 0.
func calculated(children []bool, threshold int32) bool {
	n := 0
	for _, h := range children {
		if h {
			n++
		}
	}
	return int32(n) >= threshold
}

// failureThreshold returns cfg's FailureThreshold or the default.
func failureThreshold(cfg types.HealthCheckConfig) int {
	if cfg.FailureThreshold == nil || *cfg.FailureThreshold < 1 {
		return defaultFailureThreshold
	}
	return int(*cfg.FailureThreshold)
}

// probes reports whether checkers probe a check of this configuration.
func probes(cfg types.HealthCheckConfig) bool {
	return !deref(cfg.Disabled) && endpoint(cfg.Type)
}

// endpoint reports whether checks of type t probe an endpoint.
func endpoint(t types.HealthCheckType) bool {
	switch t {
	case types.HealthCheckTypeTcp, types.HealthCheckTypeHttp, types.HealthCheckTypeHttps,
		types.HealthCheckTypeHttpStrMatch, types.HealthCheckTypeHttpsStrMatch:
		return true
	}
	return false
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
