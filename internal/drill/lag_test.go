package drill

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/workload"
)

func TestLagSamples(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	ack := func(id int64, s float64) workload.Op {
		return workload.Op{ID: id, Outcome: workload.OK, Complete: at(s)}
	}
	// Writes 1–4 acknowledged by the primary; 3 and 4 never reached the
	// secondary and were lost when the primary region failed at 3 s.
	hist := []workload.Op{ack(1, 1), ack(2, 2), ack(3, 2.9), ack(4, 2.95),
		{ID: 5, Outcome: workload.Fail, Complete: at(3.5)}, ack(6, 6)}
	lost := map[int64]bool{3: true, 4: true}
	tests := []struct {
		name    string
		read    lagRead
		faultAt time.Time
		want    float64
	}{
		{"has every write", lagRead{"s", at(2.5), 2}, at(3), 0},
		{"behind by one write", lagRead{"s", at(2.5), 1}, at(3), 0.5},
		{"a write later lost counts before the fault", lagRead{"s", at(2.98), 2}, at(3), 0.08},
		// Without the fault's exclusion this read would report 2.1 s: the
		// age of write 3, which will never arrive.
		{"lost writes are not lag after the fault", lagRead{"s", at(5), 2}, at(3), 0},
		{"a write after the promotion it lacks is lag", lagRead{"s", at(6.5), 2}, at(3), 0.5},
		{"failed writes are never lag", lagRead{"s", at(4), 2}, at(3), 0},
		{"no fault: everything counts", lagRead{"s", at(5), 2}, time.Time{}, 2.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, max := lagSamples([]lagRead{tt.read}, hist, lost, tt.faultAt, t0)
			s := got["s"]
			if len(s) != 1 || math.Abs(s[0].Seconds-tt.want) > 1e-9 || math.Abs(max-tt.want) > 1e-9 {
				t.Fatalf("lag = %+v (max %v), want %v", s, max, tt.want)
			}
			if want := tt.read.at.Sub(t0).Seconds(); s[0].At != want {
				t.Errorf("sample at %v, want %v", s[0].At, want)
			}
		})
	}
}

func TestFloorSeconds(t *testing.T) {
	hold := 1500 * time.Millisecond
	tests := []struct {
		name string
		rep  *orchestrator.FailoverReport
		want float64
	}{
		{"promotion seen pending for 0.4 s", &orchestrator.FailoverReport{
			Phases: []orchestrator.Phase{{Name: "requested", At: 0.3}, {Name: "promoted", At: 0.9}}, PromotedAfter: 0.7}, 1.9},
		{"writer already named at the first poll", &orchestrator.FailoverReport{
			Phases: []orchestrator.Phase{{Name: "requested", At: 0.3}}}, 1.5},
		{"no report", nil, 1.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := floorSeconds(hold, tt.rep); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("floor = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestResult_Headline(t *testing.T) {
	tests := []struct {
		name string
		r    Result
		want string
	}{
		{"region outage with loss", Result{Scenario: "region-outage", Target: "emulator", Region: "ap-southeast-1", Peer: "ap-southeast-2",
			PromotedTo: "ap-southeast-2", RTOSeconds: 2.07, LostWrites: 5, RPOSeconds: 0.04},
			"Region ap-southeast-1 outage: failover to ap-southeast-2 — longest write outage 2.07 s, 5 acknowledged writes lost (RPO 0.04 s)"},
		{"switchover", Result{Scenario: "switchover", Region: "ap-southeast-1", Peer: "ap-southeast-2", RTOSeconds: 0.5},
			"Switchover ap-southeast-1 → ap-southeast-2 and back — longest write outage 0.5 s, no acknowledged write lost"},
		{"link cut", Result{Scenario: "link-cut", Region: "ap-southeast-1", Peer: "ap-southeast-2"},
			"Link ap-southeast-1 → ap-southeast-2 cut: no failover — longest write outage 0 s, no acknowledged write lost"},
		{"unknown", Result{}, "Failover drill: —"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Headline(); got != tt.want {
				t.Errorf("Headline() =\n %q, want\n %q", got, tt.want)
			}
		})
	}
}

func TestPorcupineNote(t *testing.T) {
	note := porcupineNote("Illegal", 5)
	if !strings.Contains(note, "Illegal is expected") || !strings.Contains(note, "5 acknowledged writes") || strings.Contains(note, "\n") {
		t.Errorf("note = %q: want one line explaining the Illegal", note)
	}
}
