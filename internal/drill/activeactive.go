package drill

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/topology"
	"github.com/globaldb/globaldb/internal/workload"
)

// activeActive is the scenario whose clients write in every region, each
// through its local endpoint, the secondary's forwarded to the primary.
const activeActive = "active-active-outage"

// forwardConnectTimeout is apg_write_forward.connect_timeout's default
// (30 s, Aurora's and the emulator's): the longest a forwarded write
// waits for the writer before it fails with a connection-class error. The
// drill's stack keeps the default.
const forwardConnectTimeout = 30 * time.Second

// failFastSlack is what a failed forwarded write may take beyond the
// scaled connect timeout: the dial (TLS), the session's SET, the round
// trips of a loaded machine. A write that hangs instead is cut off by its
// client a second later still (OpTimeout) and so exceeds the bound.
const failFastSlack = 2 * time.Second

// failFastBound is the longest a forwarded write may take to fail while
// the primary region is out.
func (r *run) failFastBound() time.Duration {
	return time.Duration(float64(forwardConnectTimeout)*r.o.TimeScale) + failFastSlack
}

// forwarding reports whether region's cluster forwards writes to the
// global writer (topology writeForwarding: global).
func forwarding(t *topology.Topology, region string) bool {
	for _, reg := range t.Regions {
		if reg.Name == region {
			return reg.WriteForwarding == topology.ForwardGlobal
		}
	}
	return false
}

// regionWorkload builds the active-active workload: the primary region's
// clients write through the writer record, as in every drill; the
// secondary's through its own cluster's reader endpoint, in SESSION
// consistency, so their writes are forwarded to the primary. The
// secondary's clients wait longer than the fail-fast bound, so a write
// that hangs past it is recorded as such (Info at OpTimeout), not cut
// short into a failure.
func (r *run) regionWorkload(ctx context.Context, home *pgx.ConnConfig) (*workload.Workload, error) {
	t, o := r.t, r.o
	if !forwarding(t, r.away) {
		return nil, fmt.Errorf("scenario %s writes through %s's reader endpoint: set writeForwarding: global on that region and apply", activeActive, r.away)
	}
	cl, err := orchestrator.ClusterEndpoints(ctx, r.c, t, r.away)
	if err != nil {
		return nil, err
	}
	cfg, err := orchestrator.DBConfig(t, o.Resolver, r.c.DBTrust(ctx), cl.Reader, cl.Port)
	if err != nil {
		return nil, err
	}
	r.res.Regions = map[string]*RegionResult{
		r.home: {Endpoint: t.DNS.Writer.Name},
		r.away: {Endpoint: cl.Reader, Forwarded: true},
	}
	rate := max(o.Rate/2, 1)
	return workload.New(workload.Config{Rate: rate, Writers: 2, OpTimeout: time.Second, Logger: o.Logger, Regions: []workload.Region{
		{Name: r.home, Dial: workload.DialWith(home)},
		{Name: r.away, OpTimeout: r.failFastBound() + time.Second,
			Dial: workload.WithInit(workload.DialWith(cfg), "SET apg_write_forward.consistency_mode = 'session'")},
	}})
}

// judgeRegions fills in the per-region figures and judges what the
// active-active scenario proves: the secondary's clients wrote (forwarded)
// before the fault, failed fast with connection-class errors while the
// primary region was out, wrote again after the failover, and no
// forwarded write was acknowledged and lost outside the lag window.
func (r *run) judgeRegions(hist []workload.Op, rows []workload.Row, lost map[int64]bool, window time.Duration) {
	res := r.res
	reports := workload.CheckRegions(hist, rows)
	byRegion := map[string][]workload.Op{}
	for _, op := range hist {
		byRegion[op.Region] = append(byRegion[op.Region], op)
	}
	for region, rr := range res.Regions {
		rep := reports[region]
		rr.AcknowledgedWrites, rr.FailedWrites, rr.AmbiguousWrites = rep.Acknowledged, rep.Failed, rep.Ambiguous
		rr.LostWrites, rr.RTOSeconds = len(rep.Lost), rep.MaxOutage.Seconds()
		var lat []time.Duration
		for _, op := range byRegion[region] {
			if op.Outcome != workload.OK {
				continue
			}
			lat = append(lat, op.Latency())
			if op.Complete.Before(r.faultAt) {
				rr.AckedBeforeFault++
			}
			if !r.promotedAt.IsZero() && op.Invoke.After(r.promotedAt) {
				rr.AckedAfterPromotion++
			}
		}
		rr.LatencyP50Ms, rr.LatencyP99Ms = percentileMs(lat, 0.50), percentileMs(lat, 0.99)
	}
	away := res.Regions[r.away]
	ops := byRegion[r.away]

	// Forwarded writes are the secondary's acknowledged before the
	// failover was asked for; once it is, the secondary is becoming the
	// writer and its writes are local.
	end := r.failoverAt
	if end.IsZero() {
		end = r.promotedAt
	}
	var forwarded []workload.Op
	var fwdLat []time.Duration
	for _, op := range ops {
		if op.Outcome == workload.OK && (end.IsZero() || op.Complete.Before(end)) {
			forwarded = append(forwarded, op)
			fwdLat = append(fwdLat, op.Latency())
		}
	}
	away.ForwardedP50Ms, away.ForwardedP99Ms = percentileMs(fwdLat, 0.50), percentileMs(fwdLat, 0.99)
	n, first, last := lostSpan(forwarded, lost)
	inWindow := n == 0 || (!first.Before(r.faultAt.Add(-window)) && !last.After(r.faultAt.Add(time.Second)))
	r.invariant("no forwarded write acknowledged and lost outside the lag window", inWindow,
		"%d of %d forwarded writes lost, acknowledged between %s and %s before the fault; lag window %s",
		n, len(forwarded), ago(r.faultAt, first), ago(r.faultAt, last), window.Round(time.Millisecond))
	r.invariant(r.away+" wrote before the fault (forwarded)", away.AckedBeforeFault > 0,
		"%d writes through %s acknowledged before the fault", away.AckedBeforeFault, away.Endpoint)

	// While the primary region is out and nobody has failed over yet,
	// every write the secondary's clients start fails with a
	// connection-class error, none later than the scaled connect timeout
	// plus slack. Writes in flight when the fault struck are the
	// ambiguous-commit case, and writes during the role change may meet a
	// cluster between roles (25006): neither is judged here.
	var tried int
	var slowest time.Duration
	var wrong []string
	for _, op := range ops {
		if op.Invoke.Before(r.faultAt) || (!end.IsZero() && !op.Invoke.Before(end)) {
			continue
		}
		tried++
		slowest = max(slowest, op.Latency())
		switch {
		case len(wrong) >= 3:
		case op.Outcome == workload.OK:
			wrong = append(wrong, fmt.Sprintf("write %d acknowledged with the writer's region out", op.ID))
		case !strings.HasPrefix(op.Code, "08") && !strings.HasPrefix(op.Err, "dial:"):
			wrong = append(wrong, fmt.Sprintf("%s %s", op.Code, op.Err))
		}
	}
	away.MaxFailedWriteSeconds = slowest.Seconds()
	bound := r.failFastBound()
	r.invariant(r.away+" writers fail fast while the primary region is out", tried > 0 && slowest <= bound && len(wrong) == 0,
		"%d writes tried between the fault and the failover request, the slowest ended in %s (bound: connect timeout %s × time scale %g + %s); not connection-class: %v",
		tried, slowest.Round(time.Millisecond), forwardConnectTimeout, r.o.TimeScale, failFastSlack, wrong)
	r.invariant(r.away+" writes again after the failover", away.AckedAfterPromotion > 0,
		"%d writes through %s acknowledged after the promotion", away.AckedAfterPromotion, away.Endpoint)
}

// lostSpan counts the ops that were lost and the first and last of their
// acknowledgements.
func lostSpan(ops []workload.Op, lost map[int64]bool) (n int, first, last time.Time) {
	for _, op := range ops {
		if op.Outcome != workload.OK || !lost[op.ID] {
			continue
		}
		n++
		if first.IsZero() || op.Complete.Before(first) {
			first = op.Complete
		}
		if op.Complete.After(last) {
			last = op.Complete
		}
	}
	return n, first, last
}

// waitRegionAck polls until every region of the workload has an
// acknowledged write, for at most limit: the baseline before the fault
// then has forwarded writes however long the secondary's clients took
// to connect.
func waitRegionAck(ctx context.Context, wl *workload.Workload, regions []string, limit time.Duration) error {
	by := time.Now().Add(limit)
	for {
		acked := map[string]bool{}
		for _, op := range wl.History() {
			if op.Outcome == workload.OK {
				acked[op.Region] = true
			}
		}
		missing := slices.DeleteFunc(slices.Clone(regions), func(r string) bool { return acked[r] })
		if len(missing) == 0 {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(by) {
			return fmt.Errorf("no write acknowledged within %s in %s", limit, strings.Join(missing, ", "))
		}
		sleep(ctx, 20*time.Millisecond)
	}
}

// percentileMs is the q-quantile (nearest rank) of lat in milliseconds;
// 0 without samples.
func percentileMs(lat []time.Duration, q float64) float64 {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	i := min(max(int(q*float64(len(s))+0.999999)-1, 0), len(s)-1)
	return float64(s[i]) / float64(time.Millisecond)
}
