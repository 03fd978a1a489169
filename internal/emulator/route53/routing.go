package route53

import (
	"math"
	"time"
)

// chooser picks the one record set of a group (same name and type) that a
// DNS answer uses. It is pure given its functions, so routing decisions are
// tested without a Service.
type chooser struct {
	healthy func(*RecordSet) bool
	region  string                                  // the client's region
	rtt     func(a, b string) (time.Duration, bool) // regions.RTT
	draw    func(n int64) int64                     // uniform in [0, n)
}

// choose returns the index in group of the record set to answer with.
// group is non-empty and has a single routing policy (the model enforces
// it); a simple group has one record set.
func (c chooser) choose(group []*RecordSet) int {
	switch group[0].policy() {
	case policyFailover:
		return c.failover(group)
	case policyWeighted:
		return c.weighted(group)
	case policyLatency:
		return c.latency(group)
	}
	return 0
}

// failover answers PRIMARY while it is healthy, else SECONDARY if that is
// healthy; when both are unhealthy AWS treats them as healthy, so PRIMARY.
func (c chooser) failover(group []*RecordSet) int {
	primary, secondary := -1, -1
	for i, r := range group {
		if r.Failover == "PRIMARY" {
			primary = i
		} else {
			secondary = i
		}
	}
	switch {
	case primary >= 0 && c.healthy(group[primary]):
		return primary
	case secondary >= 0 && c.healthy(group[secondary]):
		return secondary
	case primary >= 0:
		return primary
	}
	return secondary
}

// weighted draws among healthy record sets with probability proportional
// to weight. Weight-0 record sets are used only when no healthy record set
// has a positive weight (then with equal probability); when none is
// healthy, all are treated as healthy.
func (c chooser) weighted(group []*RecordSet) int {
	var positive, zero []int
	for _, healthyOnly := range []bool{true, false} {
		for i, r := range group {
			if healthyOnly && !c.healthy(r) {
				continue
			}
			if deref(r.Weight) > 0 {
				positive = append(positive, i)
			} else {
				zero = append(zero, i)
			}
		}
		if len(positive)+len(zero) > 0 {
			break
		}
	}
	if len(positive) == 0 {
		return zero[c.draw(int64(len(zero)))]
	}
	var total int64
	for _, i := range positive {
		total += *group[i].Weight
	}
	x := c.draw(total)
	for _, i := range positive {
		if x -= *group[i].Weight; x < 0 {
			return i
		}
	}
	return positive[len(positive)-1]
}

// latency answers the healthy record set in the client's region, else the
// one whose region has the lowest RTT to it (unknown pairs last, ties by
// group order); when none is healthy, all are candidates.
func (c chooser) latency(group []*RecordSet) int {
	best, bestRTT := -1, time.Duration(math.MaxInt64)
	for _, healthyOnly := range []bool{true, false} {
		for i, r := range group {
			if healthyOnly && !c.healthy(r) {
				continue
			}
			d, ok := c.rtt(c.region, r.Region)
			if !ok {
				d = math.MaxInt64 - 1
			}
			if best < 0 || d < bestRTT {
				best, bestRTT = i, d
			}
		}
		if best >= 0 {
			return best
		}
	}
	return 0
}
