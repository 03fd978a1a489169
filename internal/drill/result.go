// Package drill runs failure scenarios against a stack under a live client
// workload and judges them: write outage (RTO), acknowledged writes lost
// (RPO), split-brain and duplicate writes, detection and DNS timings,
// replication lag; and renders the result as JSON and as one HTML page.
package drill

import (
	"fmt"
	"time"
)

// Result is a drill's outcome. Its JSON form is a contract (DESIGN §2):
// scenario, rto_seconds, rpo_seconds, acknowledged_writes, lost_writes,
// split_brain_writes are always present.
type Result struct {
	Scenario string    `json:"scenario"`
	Stack    string    `json:"stack"`
	Target   string    `json:"target"` // "emulator" or "aws"
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended"`
	// TimeScale is the emulator's time scale the drill judged by (1 on
	// AWS): health-check intervals, TTLs and the RTO floor scale with it.
	TimeScale float64 `json:"time_scale"`
	// Region is where the event happens: the writer region at the start.
	Region string `json:"region"`
	// Peer is the secondary the scenario fails over to or cuts off.
	Peer string `json:"peer_region"`
	// PromotedTo is the region that took over the global writer, if one
	// did (writer-crash fails over inside Region and leaves it empty).
	PromotedTo string `json:"promoted_to,omitempty"`

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
	DetectionSeconds *float64 `json:"detection_seconds"`
	DNSFlipSeconds   *float64 `json:"dns_flip_seconds"`
	PromotionSeconds *float64 `json:"promotion_seconds"`
	// MaxReplicationLagSeconds is the largest staleness a secondary's
	// reader saw: the age of the oldest acknowledged write it did not have
	// yet. Writes lost with a failed primary count only until the fault:
	// after it they will never arrive, and their loss is the RPO.
	MaxReplicationLagSeconds float64 `json:"max_replication_lag_seconds"`
	// FloorSeconds is region-outage's least possible RTO, a true lower
	// bound: the health checks' interval × threshold × time scale (no
	// operator sees the region down sooner, and nobody may fail over
	// before) plus the least the promotion took (from the failover
	// request until RDS last named the old writer). docs/drills.md.
	FloorSeconds *float64 `json:"floor_seconds,omitempty"`

	// Automatic: the failover was left to the stack's ARC Region switch
	// plan (drill --automatic).
	Automatic bool `json:"automatic,omitempty"`
	// TriggerSeconds: fault → the plan's trigger started an execution.
	TriggerSeconds *float64 `json:"trigger_seconds,omitempty"`
	// BudgetSeconds is the most RTO an automatic drill allows: CloudWatch's
	// evaluation range + one period + the trigger interval + the TTL (×
	// time scale) + the promotion + 2 s (docs/drills.md).
	BudgetSeconds *float64 `json:"rto_budget_seconds,omitempty"`
	// PlanExecutions are the plan executions started since the fault.
	PlanExecutions []string `json:"plan_executions,omitempty"`

	// Phases are the events of the drill in time order.
	Phases []Phase `json:"phases"`
	// Invariants are the scenario's pass/fail checks.
	Invariants []Invariant `json:"invariants"`
	Pass       bool        `json:"pass"`
	// Notes explain what a reader might take for a contradiction, such as
	// a PASS beside "porcupine: Illegal".
	Notes []string `json:"notes,omitempty"`

	// Regions are the figures of each region's clients, in scenarios
	// whose clients write in every region through their local endpoint
	// (active-active-outage); absent otherwise.
	Regions map[string]*RegionResult `json:"regions,omitempty"`

	// Throughput is the client's writes per time bucket; Lag the
	// replication lag per secondary region over time.
	BucketSeconds float64             `json:"bucket_seconds"`
	Throughput    []Bucket            `json:"throughput"`
	Lag           map[string][]Sample `json:"lag"`
}

// RegionResult is what one region's clients saw, judged on their own
// writes.
type RegionResult struct {
	// Endpoint is the name the region's clients dialled: the writer
	// record in the primary region, the cluster's reader endpoint in a
	// forwarding secondary.
	Endpoint string `json:"endpoint"`
	// Forwarded: the region's writes were forwarded to the primary (until
	// the failover made the region the writer).
	Forwarded          bool `json:"forwarded"`
	AcknowledgedWrites int  `json:"acknowledged_writes"`
	FailedWrites       int  `json:"failed_writes"`
	AmbiguousWrites    int  `json:"ambiguous_writes"`
	LostWrites         int  `json:"lost_writes"`
	// RTOSeconds is the region's longest write outage.
	RTOSeconds float64 `json:"rto_seconds"`
	// Write latency of the region's acknowledged writes, from the
	// client's invocation (including any dial) to the acknowledgement.
	LatencyP50Ms float64 `json:"write_latency_p50_ms"`
	LatencyP99Ms float64 `json:"write_latency_p99_ms"`
	// The same over the forwarded writes alone (those acknowledged before
	// the failover was asked for), forwarding secondary only.
	ForwardedP50Ms float64 `json:"forwarded_write_latency_p50_ms,omitempty"`
	ForwardedP99Ms float64 `json:"forwarded_write_latency_p99_ms,omitempty"`
	// AckedBeforeFault and AckedAfterPromotion count acknowledged writes
	// completed before the fault and invoked after the promotion.
	AckedBeforeFault    int `json:"acknowledged_before_fault"`
	AckedAfterPromotion int `json:"acknowledged_after_promotion"`
	// MaxFailedWriteSeconds is the longest single write, started while
	// the primary region was out, that was not acknowledged (forwarding
	// secondary only): how fast its clients learnt the writer was gone.
	MaxFailedWriteSeconds float64 `json:"max_failed_write_seconds,omitempty"`
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

// Headline tells the drill in one line: the event, where it happened,
// and what the client saw.
func (r *Result) Headline() string {
	var event string
	switch r.Scenario {
	case "region-outage":
		event = fmt.Sprintf("Region %s outage: no failover", r.Region)
		if r.PromotedTo != "" {
			event = fmt.Sprintf("Region %s outage: failover to %s", r.Region, r.PromotedTo)
		}
		if r.Target == "aws" {
			event = fmt.Sprintf("Managed failover %s → %s (AWS cannot take a region down)", r.Region, r.Peer)
		}
	case activeActive:
		event = fmt.Sprintf("Region %s outage with writes in both regions: no failover", r.Region)
		if r.PromotedTo != "" {
			event = fmt.Sprintf("Region %s outage with writes in both regions: failover to %s", r.Region, r.PromotedTo)
		}
	case "switchover":
		event = fmt.Sprintf("Switchover %s → %s and back", r.Region, r.Peer)
	case "writer-crash":
		event = fmt.Sprintf("Writer instance crash in %s: failover inside the region", r.Region)
	case "region-isolation":
		event = fmt.Sprintf("Region %s cut off from the other regions: no failover", r.Region)
	case "link-cut":
		event = fmt.Sprintf("Link %s → %s cut: no failover", r.Region, r.Peer)
	case "short-partition":
		event = fmt.Sprintf("Region %s dark for less than the detection time: no failover", r.Region)
	case "lagging-target":
		event = fmt.Sprintf("Switchover to a lagging %s refused", r.Peer)
	default:
		return "Failover drill: " + orDash(r.Scenario)
	}
	lost := "no acknowledged write lost"
	if r.LostWrites == 1 {
		lost = fmt.Sprintf("1 acknowledged write lost (RPO %s)", formatSeconds(r.RPOSeconds))
	} else if r.LostWrites > 1 {
		lost = fmt.Sprintf("%s acknowledged writes lost (RPO %s)", thousands(r.LostWrites), formatSeconds(r.RPOSeconds))
	}
	return fmt.Sprintf("%s — longest write outage %s, %s", event, formatSeconds(r.RTOSeconds), lost)
}
