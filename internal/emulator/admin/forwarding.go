package admin

import (
	"context"
	"net/http"
)

// ForwardingPath serves GET: every DB instance's write forwarding
// counters (ForwardingResponse).
const ForwardingPath = "/_globaldb/forwarding"

// The metric names of Aurora's write forwarding CloudWatch metrics
// (namespace AWS/RDS). Replica-side metrics are published by a
// forwarding instance; writer-side by the writer it forwards to, global
// and local forwarding apart.
const (
	ReplicaDMLLatency         = "AuroraForwardingReplicaDMLLatency"
	ReplicaReadWaitLatency    = "AuroraForwardingReplicaReadWaitLatency"
	ReplicaDMLThroughput      = "AuroraForwardingReplicaDMLThroughput"
	ReplicaCommitThroughput   = "AuroraForwardingReplicaCommitThroughput"
	ReplicaOpenSessions       = "AuroraForwardingReplicaOpenSessions"
	ReplicaErrorSessionsLimit = "AuroraForwardingReplicaErrorSessionsLimit"
	WriterDMLThroughput       = "AuroraForwardingWriterDMLThroughput"
	WriterOpenSessions        = "AuroraForwardingWriterOpenSessions"
	WriterTotalSessions       = "AuroraForwardingWriterTotalSessions"
	LocalWriterDMLThroughput  = "AuroraLocalForwardingWriterDMLThroughput"
	LocalWriterOpenSessions   = "AuroraLocalForwardingWriterOpenSessions"
	LocalWriterTotalSessions  = "AuroraLocalForwardingWriterTotalSessions"
)

// ForwardingResponse is the body of GET /_globaldb/forwarding.
type ForwardingResponse struct {
	// Instances are every DB instance the emulator runs, by region then
	// identifier.
	Instances []InstanceForwarding `json:"instances"`
}

// InstanceForwarding is one instance's write forwarding figures since
// the emulator started, under Aurora's metric names. Metrics holds the
// replica-side metrics when the instance forwards (or did), the
// writer-side ones when an instance forwards to it (or did), and is
// empty otherwise. Latencies are means in milliseconds; throughputs
// and sessions are counts since the start (CloudWatch, once emulated,
// turns the throughput counts into per-second rates); open sessions are
// the number open now.
type InstanceForwarding struct {
	Region   string             `json:"region"`
	Instance string             `json:"instance"`
	Metrics  map[string]float64 `json:"metrics"`
}

// Forwarding returns every instance's write forwarding figures.
func (c *Client) Forwarding(ctx context.Context) ([]InstanceForwarding, error) {
	var out ForwardingResponse
	err := c.do(ctx, http.MethodGet, ForwardingPath, nil, &out)
	return out.Instances, err
}
