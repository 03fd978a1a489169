package controller

import (
	"time"
)

// retry paces a background task that keeps failing: after each failure it
// waits longer before the next attempt (doubling from base up to max), and
// it says which failures deserve a log line: the first one, and any whose
// message differs from the one before. A task that fails the same way
// forever costs one attempt every max and one log line in all.
type retry struct {
	base, max time.Duration
	// free is how many consecutive failures are retried at the caller's
	// own pace before the delays start.
	free int

	failures int
	last     string
	next     time.Time
}

// failed records a failure at now and reports whether to log it.
func (r *retry) failed(now time.Time, err error) (log bool) {
	r.failures++
	msg := err.Error()
	log = r.failures == 1 || msg != r.last
	r.last = msg
	if r.failures > r.free {
		d := r.base << min(r.failures-r.free-1, 16)
		if d <= 0 || d > r.max {
			d = r.max
		}
		r.next = now.Add(d)
	}
	return log
}

// succeeded clears the failures and returns how many there were.
func (r *retry) succeeded() int {
	n := r.failures
	r.failures, r.last, r.next = 0, "", time.Time{}
	return n
}

// due reports whether the next attempt may run at now.
func (r *retry) due(now time.Time) bool { return !now.Before(r.next) }

// repeats is how many failures in a row were recorded.
func (r *retry) repeats() int { return r.failures }
