package metrics

import (
	"time"

	"github.com/globaldb/globaldb/internal/emulator/engine"
)

// Sample is one reading of a writer's WAL position.
type Sample struct {
	At  time.Time
	LSN engine.LSN
}

// History is a ring buffer of one writer's WAL positions, oldest first:
// what Lag reads to tell when the writer passed a position.
type History struct {
	samples []Sample
	size    int
}

// NewHistory returns an empty History keeping the last size samples.
func NewHistory(size int) *History { return &History{size: size} }

// Add appends s. A sample older than the newest, or behind it in WAL
// (a new writer after a role change), starts the history afresh.
func (h *History) Add(s Sample) {
	if n := len(h.samples); n > 0 {
		last := h.samples[n-1]
		if s.At.Before(last.At) || s.LSN < last.LSN {
			h.samples = h.samples[:0]
		}
	}
	if len(h.samples) == h.size {
		copy(h.samples, h.samples[1:])
		h.samples = h.samples[:h.size-1]
	}
	h.samples = append(h.samples, s)
}

// Latest returns the newest sample; ok is false when there is none.
func (h *History) Latest() (Sample, bool) {
	if len(h.samples) == 0 {
		return Sample{}, false
	}
	return h.samples[len(h.samples)-1], true
}

// Lag returns how long before at the writer's WAL passed pos: 0 when pos
// is at or past the newest sample; otherwise at minus the time
// interpolated linearly between the last sample at or below pos and the
// first above it (at minus the oldest sample when every sample is above
// pos: a lower bound). ok is false when the history is empty. A negative
// result (a sample newer than at) is 0.
func (h *History) Lag(pos engine.LSN, at time.Time) (lag time.Duration, ok bool) {
	n := len(h.samples)
	if n == 0 {
		return 0, false
	}
	if pos >= h.samples[n-1].LSN {
		return 0, true
	}
	j := 0
	for j < n && h.samples[j].LSN <= pos {
		j++
	}
	passed := h.samples[j].At
	if j > 0 {
		a, b := h.samples[j-1], h.samples[j]
		frac := float64(pos-a.LSN) / float64(b.LSN-a.LSN)
		passed = a.At.Add(time.Duration(frac * float64(b.At.Sub(a.At))))
	}
	return max(at.Sub(passed), 0), true
}

// SilentLag is Lag for a writer that has stopped answering (its region
// is out): a secondary measures its lag from the primary's heartbeats in
// the replication stream, so once they stop arriving the lag grows from
// the last one, at minus the newest sample, even for a secondary that had
// everything. ok is false when the history is empty.
func (h *History) SilentLag(pos engine.LSN, at time.Time) (time.Duration, bool) {
	lag, ok := h.Lag(pos, at)
	if !ok {
		return 0, false
	}
	last, _ := h.Latest()
	return max(lag, at.Sub(last.At)), true
}
