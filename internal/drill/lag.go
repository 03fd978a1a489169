package drill

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/workload"
)

// lagRead is one observation of a secondary's reader: at that moment its
// newest workload row had id seen.
type lagRead struct {
	region string
	at     time.Time
	seen   int64
}

// lagSamples turns the readers' observations into replication lag: at
// each read, the age of the oldest write the client had acknowledged
// before it that the reader did not have yet (0 when it had them all),
// the lag as clients feel it, which keeps growing while a link is cut
// (when the server's replay timestamps stand still).
//
// A write that was lost (lost[id]) counts only in reads before the fault:
// once its writer is gone it will never arrive, and its age would grow
// without bound. That is the write's loss (the RPO), not the secondary
// being behind. It returns the samples per region, in time order, and the
// largest lag.
func lagSamples(reads []lagRead, hist []workload.Op, lost map[int64]bool, faultAt, t0 time.Time) (map[string][]Sample, float64) {
	acked := make([]workload.Op, 0, len(hist))
	for _, op := range hist {
		if op.Outcome == workload.OK {
			acked = append(acked, op)
		}
	}
	sort.Slice(acked, func(i, j int) bool { return acked[i].Complete.Before(acked[j].Complete) })
	out := map[string][]Sample{}
	maxLag := 0.0
	for _, rd := range reads {
		afterFault := !faultAt.IsZero() && !rd.at.Before(faultAt)
		lag := 0.0
		// The oldest acknowledged write the reader lacks is the first, in
		// completion order, with an id above what it has.
		for _, op := range acked {
			if !op.Complete.Before(rd.at) {
				break
			}
			if op.ID > rd.seen && !(afterFault && lost[op.ID]) {
				lag = rd.at.Sub(op.Complete).Seconds()
				break
			}
		}
		out[rd.region] = append(out[rd.region], Sample{At: rd.at.Sub(t0).Seconds(), Seconds: lag})
		maxLag = math.Max(maxLag, lag)
	}
	for k := range out {
		sort.Slice(out[k], func(i, j int) bool { return out[k][i].At < out[k][j].At })
	}
	return out, maxLag
}

// floorSeconds is region-outage's RTO floor, a true lower bound of the
// write outage: the operator fails over only once the health checks have
// failed for interval × threshold (hold), and the target takes no write
// while RDS still names the old writer (until rep.PromotedAfter). The
// record's TTL is not part of it: Route 53 answers the secondary as soon
// as the primary's check fails, while the promotion runs, and the drill's
// client resolves the name on every connection.
func floorSeconds(hold time.Duration, rep *orchestrator.FailoverReport) float64 {
	promotion := 0.0
	if rep != nil {
		for _, p := range rep.Phases {
			if p.Name == "requested" {
				promotion = math.Max(0, rep.PromotedAfter-p.At)
				break
			}
		}
	}
	return hold.Seconds() + promotion
}

// porcupineNote explains a PASS beside a history porcupine calls not
// linearizable: in region-outage a failover with data loss drops the
// acknowledged writes still in flight to the secondary, which no
// linearizable history allows; those writes are judged by "lost writes
// only in the lag window" instead.
func porcupineNote(res any, lost int) string {
	if lost == 0 {
		return fmt.Sprintf("porcupine: %v although no acknowledged write was lost: see \"no unexpected rows\".", res)
	}
	return fmt.Sprintf("porcupine: %v is expected here: the failover with data loss dropped %d acknowledged writes still on their way to the secondary, "+
		"which no linearizable history allows; \"lost writes only in the lag window\" judges them instead.", res, lost)
}
