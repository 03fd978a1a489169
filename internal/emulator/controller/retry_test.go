package controller

import (
	"errors"
	"testing"
	"time"
)

func TestRetry_Failed(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		free    int
		errs    []string
		wantLog []bool
		// wantWait is the delay after the last failure before the next
		// attempt is due.
		wantWait time.Duration
	}{
		{name: "first failure logs and waits base", errs: []string{"boom"}, wantLog: []bool{true}, wantWait: time.Second},
		{name: "repeats are silent and back off", errs: []string{"boom", "boom", "boom"}, wantLog: []bool{true, false, false}, wantWait: 4 * time.Second},
		{name: "a new error logs again", errs: []string{"boom", "boom", "bang"}, wantLog: []bool{true, false, true}, wantWait: 4 * time.Second},
		{name: "delay is capped", errs: []string{"a", "a", "a", "a", "a", "a", "a", "a", "a"}, wantLog: []bool{true, false, false, false, false, false, false, false, false}, wantWait: 30 * time.Second},
		{name: "free failures retry at once", free: 2, errs: []string{"a", "a", "a"}, wantLog: []bool{true, false, false}, wantWait: time.Second},
		{name: "within the free failures nothing waits", free: 2, errs: []string{"a", "a"}, wantLog: []bool{true, false}, wantWait: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &retry{base: time.Second, max: 30 * time.Second, free: tt.free}
			for i, e := range tt.errs {
				if got := r.failed(t0, errors.New(e)); got != tt.wantLog[i] {
					t.Errorf("failure %d (%s): log = %v, want %v", i+1, e, got, tt.wantLog[i])
				}
			}
			if tt.wantWait > 0 && r.due(t0.Add(tt.wantWait-time.Millisecond)) {
				t.Errorf("due before %v", tt.wantWait)
			}
			if !r.due(t0.Add(tt.wantWait)) {
				t.Errorf("not due after %v", tt.wantWait)
			}
			if n := r.succeeded(); n != len(tt.errs) {
				t.Errorf("succeeded() = %d, want %d", n, len(tt.errs))
			}
			if !r.due(t0) || r.repeats() != 0 {
				t.Errorf("after success: due=%v repeats=%d, want due and 0", r.due(t0), r.repeats())
			}
		})
	}
}
