// Package clock lets emulated delays read a time source tests control.
package clock

import "time"

// Clock is the emulator's time source. Implementations are safe for
// concurrent use.
type Clock interface {
	Now() time.Time
	// After behaves like time.After.
	After(d time.Duration) <-chan time.Time
}

// Real is the wall clock.
type Real struct{}

func (Real) Now() time.Time                         { return time.Now() }
func (Real) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Scaled multiplies every emulated delay by Scale (0 < Scale): a delay d
// passes after d*Scale of wall time. --time-scale feeds it.
type Scaled struct {
	Base  Clock
	Scale float64
}

func (s Scaled) Now() time.Time { return s.Base.Now() }
func (s Scaled) After(d time.Duration) <-chan time.Time {
	return s.Base.After(s.Duration(d))
}

// Duration returns d scaled.
func (s Scaled) Duration(d time.Duration) time.Duration {
	if s.Scale <= 0 {
		return d
	}
	return time.Duration(float64(d) * s.Scale)
}
