package metrics

import (
	"math"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/controller"
	"github.com/globaldb/globaldb/internal/emulator/engine"
)

// EngineName is the only engine the emulator serves.
const EngineName = "aurora-postgresql"

// writeIOSize is the unit Aurora meters write I/Os in.
const writeIOSize = 4096

// Period is what one publication of AWS/RDS metrics is made of.
type Period struct {
	// Now stamps every datum.
	Now time.Time
	// Instances are this period's readings of the running instances.
	Instances []controller.InstanceFacts
	// Previous are last period's readings, by instance key (for the
	// bytes shipped over the period).
	Previous map[string]controller.InstanceFacts
	// CPU is each instance's CPUUtilization over the period (percent),
	// by instance key; instances without one publish none.
	CPU map[string]float64
	// Writers are the WAL histories of the primary writers, by scope;
	// only those read recently enough to tell a lag.
	Writers map[string]*History
	// Silent are the histories of the primary writers that have not
	// answered lately (their region is out), by scope: a secondary's
	// global lags grow from the writer's last answer (SilentLag).
	Silent map[string]*History
}

// RDS converts a period's facts into AWS/RDS datums, by Region (the
// derivations are in the package doc).
func RDS(p Period) map[string][]types.MetricDatum {
	out := map[string][]types.MetricDatum{}
	readerLags := map[string][]float64{} // by cluster key
	for _, f := range p.Instances {
		d := instanceDims(f)
		add := func(name string, unit types.StandardUnit, v float64) {
			out[f.Region] = append(out[f.Region], datums(name, unit, v, p.Now, d...)...)
		}
		add("EngineUptime", types.StandardUnitSeconds, max(f.At.Sub(f.Started).Seconds(), 0))
		add("DatabaseConnections", types.StandardUnitCount, float64(f.Connections))
		if cpu, ok := p.CPU[f.Key]; ok {
			add("CPUUtilization", types.StandardUnitPercent, cpu)
		}
		if f.Writer {
			continue
		}
		if lag, ok := lagOf(p.Writers[f.Scope], f.Position, f.At); ok {
			add("AuroraReplicaLag", types.StandardUnitMilliseconds, ms(lag))
			readerLags[f.Cluster] = append(readerLags[f.Cluster], ms(lag))
		}
	}
	for _, f := range p.Instances {
		if lags := readerLags[f.Cluster]; f.Writer && len(lags) > 0 {
			d := instanceDims(f)
			out[f.Region] = append(out[f.Region], datums("AuroraReplicaLagMaximum", types.StandardUnitMilliseconds, slices.Max(lags), p.Now, d...)...)
			out[f.Region] = append(out[f.Region], datums("AuroraReplicaLagMinimum", types.StandardUnitMilliseconds, slices.Min(lags), p.Now, d...)...)
		}
		if f.SourceRegion != "" {
			out[f.Region] = append(out[f.Region], globalDatums(f, p)...)
		}
	}
	return out
}

// globalDatums are the AuroraGlobalDB* datums of the secondary cluster
// whose WAN-link instance f is.
func globalDatums(f controller.InstanceFacts, p Period) []types.MetricDatum {
	d := [][]types.Dimension{
		{dim("DBClusterIdentifier", f.ClusterID)},
		{dim("DBClusterIdentifier", f.ClusterID), dim("SourceRegion", f.SourceRegion)},
	}
	var out []types.MetricDatum
	add := func(name string, unit types.StandardUnit, v float64) {
		out = append(out, datums(name, unit, v, p.Now, d...)...)
	}
	h := p.Writers[f.Scope]
	lagOf := lagOf
	if h == nil && p.Silent[f.Scope] != nil {
		h, lagOf = p.Silent[f.Scope], silentLagOf
	}
	if lag, ok := lagOf(h, f.Received, f.At); ok {
		add("AuroraGlobalDBReplicationLag", types.StandardUnitMilliseconds, ms(lag))
	}
	if lag, ok := lagOf(h, f.Position, f.At); ok {
		add("AuroraGlobalDBProgressLag", types.StandardUnitMilliseconds, ms(lag))
		add("AuroraGlobalDBRPOLag", types.StandardUnitMilliseconds, ms(rpoLag(lag, f.At, f.LastReplayedCommit)))
	}
	if prev, ok := p.Previous[f.Key]; ok && f.Received >= prev.Received && f.Started.Equal(prev.Started) {
		bytes := float64(f.Received - prev.Received)
		add("AuroraGlobalDBDataTransferBytes", types.StandardUnitBytes, bytes)
		add("AuroraGlobalDBReplicatedWriteIO", types.StandardUnitCount, math.Ceil(bytes/writeIOSize))
	}
	return out
}

// rpoLag bounds the age of the oldest user commit not yet replayed: no
// more than the progress lag, nor than the age of the last replayed
// commit (every later commit is younger); 0 when nothing is outstanding.
func rpoLag(progress time.Duration, at, lastCommit time.Time) time.Duration {
	if progress == 0 || lastCommit.IsZero() {
		return progress
	}
	return max(min(progress, at.Sub(lastCommit)), 0)
}

func silentLagOf(h *History, pos engine.LSN, at time.Time) (time.Duration, bool) {
	return h.SilentLag(pos, at)
}

func lagOf(h *History, pos engine.LSN, at time.Time) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	return h.Lag(pos, at)
}

// instanceDims are the dimension sets an instance metric is published
// with.
func instanceDims(f controller.InstanceFacts) [][]types.Dimension {
	role := "READER"
	if f.Writer {
		role = "WRITER"
	}
	return [][]types.Dimension{
		{dim("DBInstanceIdentifier", f.ID)},
		{dim("DBClusterIdentifier", f.ClusterID)},
		{dim("DBClusterIdentifier", f.ClusterID), dim("Role", role)},
		{dim("EngineName", EngineName)},
	}
}

// datums returns one datum of name per dimension set.
func datums(name string, unit types.StandardUnit, v float64, at time.Time, dims ...[]types.Dimension) []types.MetricDatum {
	out := make([]types.MetricDatum, len(dims))
	for i, d := range dims {
		out[i] = types.MetricDatum{MetricName: aws.String(name), Dimensions: d, Unit: unit,
			Value: aws.Float64(v), Timestamp: aws.Time(at)}
	}
	return out
}

func dim(name, value string) types.Dimension {
	return types.Dimension{Name: aws.String(name), Value: aws.String(value)}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
