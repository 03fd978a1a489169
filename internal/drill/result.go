// Package drill runs failure scenarios against a stack under a live client
// workload and judges them: write outage (RTO), acknowledged writes lost
// (RPO), split-brain and duplicate writes, detection and DNS timings,
// replication lag; and renders the result as JSON and as one HTML page.
package drill

import "time"

// Result is a drill's outcome. Its JSON form is a contract (DESIGN §2):
// scenario, rto_seconds, rpo_seconds, acknowledged_writes, lost_writes,
// split_brain_writes are always present.
type Result struct {
	Scenario string `json:"scenario"`
	Stack    string `json:"stack"`
	Target   string `json:"target"` // "emulator" or "aws"
	// TimeScale is the emulator's time scale the drill judged by (1 on
	// AWS): health-check intervals, TTLs and the RTO floor scale with it.
	TimeScale float64   `json:"time_scale"`
	Started   time.Time `json:"started"`
	Ended     time.Time `json:"ended"`

	// RTOSeconds is the longest write outage the client saw: from the
	// last acknowledged write before a gap to the first one after it.
	RTOSeconds float64 `json:"rto_seconds"`
	// RPOSeconds is the time span of the acknowledged writes that were
	// lost (first to last lost acknowledgement); 0 when none were lost.
	RPOSeconds         float64 `json:"rpo_seconds"`
	AcknowledgedWrites int     `json:"acknowledged_writes"`
	FailedWrites       int     `json:"failed_writes"`
	LostWrites         int     `json:"lost_writes"`
	LostIDs            []int64 `json:"lost_ids,omitempty"`
	AmbiguousWrites    int     `json:"ambiguous_writes"`
	// SplitBrainWrites were acknowledged by a writer that had been fenced
	// (the old primary after the promotion) and are not in the final
	// database.
	SplitBrainWrites int `json:"split_brain_writes"`
	DuplicateWrites  int `json:"duplicate_writes"`

	// Timings, in seconds from the fault (or the role change): nil when
	// the scenario has no such event.
	DetectionSeconds         *float64 `json:"detection_seconds"`
	DNSFlipSeconds           *float64 `json:"dns_flip_seconds"`
	PromotionSeconds         *float64 `json:"promotion_seconds"`
	MaxReplicationLagSeconds float64  `json:"max_replication_lag_seconds"`
	// FloorSeconds is the scenario's RTO floor where one applies: health
	// check interval × threshold × time scale + TTL + promotion.
	FloorSeconds *float64 `json:"floor_seconds,omitempty"`

	// Phases are the events of the drill in time order.
	Phases []Phase `json:"phases"`
	// Invariants are the scenario's pass/fail checks.
	Invariants []Invariant `json:"invariants"`
	Pass       bool        `json:"pass"`

	// Throughput is the client's writes per time bucket; Lag the
	// replication lag per secondary region over time.
	BucketSeconds float64             `json:"bucket_seconds"`
	Throughput    []Bucket            `json:"throughput"`
	Lag           map[string][]Sample `json:"lag"`
}

// Phase is one event: "fault", "detected", "promoted", "dns-flip",
// "healed", "rejoined", "switchover", …
type Phase struct {
	Name string `json:"name"`
	// At is seconds since Started.
	At     float64 `json:"at"`
	Detail string  `json:"detail,omitempty"`
}

// Invariant is one judged property of the run.
type Invariant struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

// Bucket counts the writes that completed in [At, At+BucketSeconds).
type Bucket struct {
	At        float64 `json:"at"`
	OK        int     `json:"ok"`
	Failed    int     `json:"failed"`
	Ambiguous int     `json:"ambiguous"`
}

// Sample is a replication lag reading.
type Sample struct {
	At      float64 `json:"at"`
	Seconds float64 `json:"seconds"`
}
