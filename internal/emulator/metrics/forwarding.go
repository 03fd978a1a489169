package metrics

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/controller"
)

// Aurora's write forwarding metrics (namespace AWS/RDS), per instance:
// replica-side on an instance that forwards, writer-side on the writer it
// forwards to (global and local forwarding apart).
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

// ForwardingPeriod is one period's write forwarding counters, with the
// previous period's to take differences from.
type ForwardingPeriod struct {
	Now time.Time
	// Elapsed is the real time since the previous reading: counts become
	// per-second rates over it, as the statements ran in real time.
	Elapsed   time.Duration
	Current   map[string]controller.Forwarding // by instance key
	Previous  map[string]controller.Forwarding
	Instances map[string]controller.InstanceFacts // by instance key, for the cluster
}

// Forwarding returns the write forwarding datums per region. An instance
// publishes the replica-side metrics while it forwards (or did during
// the period), the writer-side ones while an instance forwards to it.
// Throughputs are per second over the period; latencies the mean of the
// period's statements in milliseconds, published only when the period
// had some; sessions open are a gauge; the first reading of an instance
// publishes nothing (no period to take a difference over).
func Forwarding(p ForwardingPeriod) map[string][]types.MetricDatum {
	out := map[string][]types.MetricDatum{}
	secs := p.Elapsed.Seconds()
	if secs <= 0 {
		return out
	}
	for key, cur := range p.Current {
		prev, ok := p.Previous[key]
		if !ok {
			continue
		}
		dims := forwardingDims(cur, p.Instances[key])
		add := func(name string, unit types.StandardUnit, v float64) {
			out[cur.Region] = append(out[cur.Region], datums(name, unit, v, p.Now, dims...)...)
		}
		rate := func(now, before int64) float64 { return float64(max(0, now-before)) / secs }
		r, rp := cur.Replica, prev.Replica
		if cur.Forwards || r != rp {
			add(ReplicaDMLThroughput, types.StandardUnitCountSecond, rate(r.DMLStatements, rp.DMLStatements))
			add(ReplicaCommitThroughput, types.StandardUnitCountSecond, rate(r.Commits, rp.Commits))
			add(ReplicaOpenSessions, types.StandardUnitCount, float64(r.OpenSessions))
			add(ReplicaErrorSessionsLimit, types.StandardUnitCountSecond, rate(r.SessionsLimitErrors, rp.SessionsLimitErrors))
			if n := r.DMLLatencyCount - rp.DMLLatencyCount; n > 0 {
				add(ReplicaDMLLatency, types.StandardUnitMilliseconds, ms(r.DMLLatencySum-rp.DMLLatencySum)/float64(n))
			}
			if n := r.ReadWaitCount - rp.ReadWaitCount; n > 0 {
				add(ReplicaReadWaitLatency, types.StandardUnitMilliseconds, ms(r.ReadWaitSum-rp.ReadWaitSum)/float64(n))
			}
		}
		if w, wp := cur.Writer, prev.Writer; cur.WriterTarget || w != wp {
			add(WriterDMLThroughput, types.StandardUnitCountSecond, rate(w.DMLStatements, wp.DMLStatements))
			add(WriterOpenSessions, types.StandardUnitCount, float64(w.OpenSessions))
			add(WriterTotalSessions, types.StandardUnitCount, float64(max(0, w.TotalSessions-wp.TotalSessions)))
		}
		if w, wp := cur.LocalWriter, prev.LocalWriter; cur.LocalWriterTarget || w != wp {
			add(LocalWriterDMLThroughput, types.StandardUnitCountSecond, rate(w.DMLStatements, wp.DMLStatements))
			add(LocalWriterOpenSessions, types.StandardUnitCount, float64(w.OpenSessions))
			add(LocalWriterTotalSessions, types.StandardUnitCount, float64(max(0, w.TotalSessions-wp.TotalSessions)))
		}
	}
	return out
}

// forwardingDims are the instance's dimension sets; without its facts
// (its server is down) only DBInstanceIdentifier.
func forwardingDims(f controller.Forwarding, facts controller.InstanceFacts) [][]types.Dimension {
	if facts.ID == "" {
		return [][]types.Dimension{{dim("DBInstanceIdentifier", f.Instance)}}
	}
	return instanceDims(facts)
}
