package adminapi

import (
	"net/http"
	"sort"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/admin"
	"github.com/globaldb/globaldb/internal/emulator/controller"
	"github.com/globaldb/globaldb/internal/emulator/wfront"
)

// Forwarding reads the instances' write forwarding counters (the
// emulator's controller).
type Forwarding interface {
	ForwardingStats() map[string]controller.Forwarding
}

func (h *handler) forwarding(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r, "GET")
		return
	}
	out := admin.ForwardingResponse{Instances: []admin.InstanceForwarding{}}
	if h.fw != nil {
		for _, f := range h.fw.ForwardingStats() {
			out.Instances = append(out.Instances, forwardingMetrics(f))
		}
	}
	sort.Slice(out.Instances, func(i, j int) bool {
		a, b := out.Instances[i], out.Instances[j]
		return a.Region < b.Region || a.Region == b.Region && a.Instance < b.Instance
	})
	writeJSON(w, http.StatusOK, out)
}

// forwardingMetrics names f's figures as Aurora's CloudWatch metrics:
// latencies as means in milliseconds, throughputs as counts.
func forwardingMetrics(f controller.Forwarding) admin.InstanceForwarding {
	m := map[string]float64{}
	if rs := f.Replica; f.Forwards || rs != (wfront.Stats{}) {
		m[admin.ReplicaDMLLatency] = meanMillis(rs.DMLLatencySum, rs.DMLLatencyCount)
		m[admin.ReplicaReadWaitLatency] = meanMillis(rs.ReadWaitSum, rs.ReadWaitCount)
		m[admin.ReplicaDMLThroughput] = float64(rs.DMLStatements)
		m[admin.ReplicaCommitThroughput] = float64(rs.Commits)
		m[admin.ReplicaOpenSessions] = float64(rs.OpenSessions)
		m[admin.ReplicaErrorSessionsLimit] = float64(rs.SessionsLimitErrors)
	}
	if ws := f.Writer; f.WriterTarget || ws != (controller.WriterStats{}) {
		m[admin.WriterDMLThroughput] = float64(ws.DMLStatements)
		m[admin.WriterOpenSessions] = float64(ws.OpenSessions)
		m[admin.WriterTotalSessions] = float64(ws.TotalSessions)
	}
	if ws := f.LocalWriter; f.LocalWriterTarget || ws != (controller.WriterStats{}) {
		m[admin.LocalWriterDMLThroughput] = float64(ws.DMLStatements)
		m[admin.LocalWriterOpenSessions] = float64(ws.OpenSessions)
		m[admin.LocalWriterTotalSessions] = float64(ws.TotalSessions)
	}
	return admin.InstanceForwarding{Region: f.Region, Instance: f.Instance, Metrics: m}
}

func meanMillis(sum time.Duration, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(sum) / float64(n) / float64(time.Millisecond)
}
