package metrics

import (
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/engine"
)

var t0 = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func TestHistory_Lag(t *testing.T) {
	// The writer writes 1000 bytes of WAL per second, sampled every second.
	steady := []Sample{{at(0), 1000}, {at(1000), 2000}, {at(2000), 3000}, {at(3000), 4000}}
	tests := []struct {
		name    string
		samples []Sample
		pos     engine.LSN
		at      time.Time
		want    time.Duration
		wantOK  bool
	}{
		{name: "no samples", pos: 1000, at: at(0)},
		{name: "caught up", samples: steady, pos: 4000, at: at(3500), want: 0, wantOK: true},
		{name: "ahead of the newest sample", samples: steady, pos: 4100, at: at(3500), want: 0, wantOK: true},
		{name: "on a sample", samples: steady, pos: 2000, at: at(3000), want: 2 * time.Second, wantOK: true},
		{name: "interpolated", samples: steady, pos: 2500, at: at(3000), want: 1500 * time.Millisecond, wantOK: true},
		{name: "older than the buffer: a lower bound", samples: steady, pos: 500, at: at(3000), want: 3 * time.Second, wantOK: true},
		{name: "read before the sample that passed it", samples: steady, pos: 3999, at: at(2000), want: 0, wantOK: true},
		{
			name:    "idle writer then a burst",
			samples: []Sample{{at(0), 1000}, {at(9000), 1000}, {at(10000), 5000}},
			pos:     1000, at: at(10500), want: 1500 * time.Millisecond, wantOK: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHistory(16)
			for _, s := range tt.samples {
				h.Add(s)
			}
			got, ok := h.Lag(tt.pos, tt.at)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Lag(%d, %v) = %v, %v; want %v, %v", tt.pos, tt.at.Sub(t0), got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestHistory_Add(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		samples []Sample
		want    []Sample
	}{
		{name: "keeps the newest", size: 2, samples: []Sample{{at(0), 1}, {at(1), 2}, {at(2), 3}},
			want: []Sample{{at(1), 2}, {at(2), 3}}},
		{name: "a position behind restarts it", size: 4, samples: []Sample{{at(0), 10}, {at(1), 20}, {at(2), 5}},
			want: []Sample{{at(2), 5}}},
		{name: "a time behind restarts it", size: 4, samples: []Sample{{at(5), 10}, {at(1), 20}},
			want: []Sample{{at(1), 20}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHistory(tt.size)
			for _, s := range tt.samples {
				h.Add(s)
			}
			if len(h.samples) != len(tt.want) {
				t.Fatalf("samples %v, want %v", h.samples, tt.want)
			}
			for i := range tt.want {
				if !h.samples[i].At.Equal(tt.want[i].At) || h.samples[i].LSN != tt.want[i].LSN {
					t.Fatalf("samples %v, want %v", h.samples, tt.want)
				}
			}
		})
	}
}
