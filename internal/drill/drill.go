package drill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/emulator/admin"
	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
	"github.com/globaldb/globaldb/internal/workload"
)

// Injector injects and clears faults: the emulator's admin API. On AWS
// there is none, and only the scenarios that need no fault run.
type Injector interface {
	Add(ctx context.Context, f admin.Fault) (admin.Fault, error)
	Clear(ctx context.Context, id string) error
}

// Scenarios lists the scenario names in the order docs/drills.md
// explains them.
var Scenarios = []string{"switchover", "region-outage", "writer-crash", "region-isolation", "link-cut", "short-partition", "lagging-target", activeActive}

// Options configure a drill.
type Options struct {
	Scenario string
	// Duration is the workload's whole run (default 12 s): a quarter
	// before the event, the rest during and after it.
	Duration time.Duration
	// Resolver resolves the stack's DNS names and endpoints.
	Resolver resolve.Resolver
	// Faults is nil on AWS.
	Faults Injector
	// TimeScale is the emulator's --time-scale (1 on AWS): health-check
	// intervals are multiplied by it, and so is the RTO floor.
	TimeScale float64
	// Rate is the client's writes per second (default 100), by 4 writers.
	Rate   int
	Poll   time.Duration // default 100 ms
	Logger *slog.Logger
	// OnPhase, if set, hears each phase as it happens (for people);
	// otherwise phases are logged at info level.
	OnPhase func(Phase)
	// Automatic leaves the failover to the stack's ARC Region switch plan
	// (drill --automatic): region-outage injects the fault and then only
	// watches the plan's trigger fail over; switchover runs its role
	// changes as plan executions (graceful).
	Automatic bool
}

// run is one drill in progress.
type run struct {
	c    *orchestrator.Clients
	t    *topology.Topology
	o    Options
	n    orchestrator.Names
	res  *Result
	t0   time.Time
	mu   sync.Mutex
	home string // writer region at the start
	away string // the failover target
	// fenced are the addresses of the old writer's instances; writes they
	// acknowledge after the promotion are split-brain writes.
	fenced     map[string]bool
	promotedAt time.Time
	faultAt    time.Time
	// failoverAt is when the drill asked for the failover (region
	// outages): until then nobody has touched the roles.
	failoverAt time.Time
	// checks are the writer health check IDs by region, read at the start
	// (during an outage the region's API does not answer).
	checks map[string]string
	// reads are the secondary readers' observations, turned into lag
	// samples once the final rows tell which writes were lost.
	reads []lagRead
	// auto is set in automatic drills.
	auto *automation
}

// Run runs the scenario against the applied stack of t.
func Run(ctx context.Context, c *orchestrator.Clients, t *topology.Topology, o Options) (*Result, error) {
	if o.Duration <= 0 {
		o.Duration = 12 * time.Second
	}
	if o.TimeScale <= 0 {
		o.TimeScale = 1
	}
	if o.Rate <= 0 {
		o.Rate = 100
	}
	if o.Poll <= 0 {
		o.Poll = 100 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if !contains(Scenarios, o.Scenario) {
		return nil, fmt.Errorf("unknown scenario %q: one of %s", o.Scenario, strings.Join(Scenarios, ", "))
	}
	needsFaults := o.Scenario != "switchover" && o.Scenario != "region-outage"
	if needsFaults && o.Faults == nil {
		return nil, fmt.Errorf("scenario %s injects a fault, which only the emulator can do; on AWS run switchover or region-outage (a managed failover)", o.Scenario)
	}
	if t.DNS == nil || t.DNS.Writer == nil {
		return nil, errors.New("a drill writes through the writer record: the topology needs dns.writerRecord")
	}
	w, err := orchestrator.Observe(ctx, c, t)
	if err != nil {
		return nil, err
	}
	r := &run{c: c, t: t, o: o, n: orchestrator.Names{Stack: t.Name}, t0: time.Now(), fenced: map[string]bool{}, checks: map[string]string{}}
	for k, hc := range w.Checks {
		if region, kind, _ := strings.Cut(k, "/"); kind == string(orchestrator.WriterCheck) {
			r.checks[region] = aws.ToString(hc.Id)
		}
	}
	r.home = w.Writer()
	if r.home == "" {
		return nil, errors.New("the stack has no global writer: apply it first")
	}
	for _, reg := range t.Regions {
		if reg.Name != r.home && w.Member(reg.Name) {
			r.away = reg.Name
			break
		}
	}
	if r.away == "" {
		return nil, errors.New("the stack has no secondary region")
	}
	for _, i := range w.Instances[r.home] {
		if i.Endpoint != nil {
			if addrs, err := o.Resolver.LookupHost(ctx, aws.ToString(i.Endpoint.Address)); err == nil {
				for _, a := range addrs {
					r.fenced[net.JoinHostPort(a, fmt.Sprint(aws.ToInt32(i.Endpoint.Port)))] = true
				}
			}
		}
	}
	target := "aws"
	if o.Faults != nil {
		target = "emulator"
	}
	r.res = &Result{Scenario: o.Scenario, Stack: t.Name, Target: target, TimeScale: o.TimeScale, Started: r.t0, Region: r.home, Peer: r.away,
		Lag: map[string][]Sample{}, BucketSeconds: 0.5, Automatic: o.Automatic}
	if o.Automatic {
		if err := r.prepareAutomatic(ctx); err != nil {
			return r.res, err
		}
	}
	if err := r.drive(ctx); err != nil {
		return r.res, err
	}
	return r.res, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (r *run) phase(name, detail string) { r.phaseAt(time.Now(), name, detail) }

func (r *run) phaseAt(at time.Time, name, detail string) {
	r.mu.Lock()
	p := Phase{Name: name, At: at.Sub(r.t0).Seconds(), Detail: detail}
	r.res.Phases = append(r.res.Phases, p)
	r.mu.Unlock()
	if r.o.OnPhase != nil {
		r.o.OnPhase(p)
		return
	}
	r.o.Logger.Info("drill", "phase", name, "at", fmt.Sprintf("%.2fs", p.At), "detail", detail)
}

func (r *run) invariant(name string, pass bool, format string, args ...any) {
	r.res.Invariants = append(r.res.Invariants, Invariant{Name: name, Pass: pass, Detail: fmt.Sprintf(format, args...)})
}

func secondsPtr(d time.Duration) *float64 { s := d.Seconds(); return &s }

// drive runs the workload, the scenario's events, and the checks.
func (r *run) drive(ctx context.Context) error {
	t, o := r.t, r.o
	cfg, err := orchestrator.DBConfig(t, o.Resolver, r.c.DBTrust(ctx), t.DNS.Writer.Name, t.DNS.HealthChecks.Port)
	if err != nil {
		return err
	}
	var wl *workload.Workload
	if o.Scenario == activeActive {
		wl, err = r.regionWorkload(ctx, cfg)
	} else {
		wl, err = workload.New(workload.Config{Dial: workload.DialWith(cfg), Writers: 4, Rate: o.Rate, OpTimeout: time.Second, Logger: o.Logger})
	}
	if err != nil {
		return err
	}
	// Right after a role change (the previous drill's, or an operator's)
	// the writer name may still lead to the old writer for a moment:
	// retry, as a client would, for a bounded time.
	setupBy := time.Now().Add(30 * time.Second)
	for {
		err := wl.Setup(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil || time.Now().After(setupBy) {
			return fmt.Errorf("set up the workload through %s: %w", t.DNS.Writer.Name, err)
		}
		sleep(ctx, 250*time.Millisecond)
	}
	wctx, stopWL := context.WithCancel(ctx)
	wdone := make(chan error, 1)
	go func() { wdone <- wl.Run(wctx) }()
	// The drill's clock starts at the first acknowledged write: the
	// baseline before the fault is then o.Duration/4 of a running workload
	// however long the clients took to connect (TLS on a busy machine).
	err = waitFirstAck(ctx, wl, 30*time.Second)
	if err == nil && o.Scenario == activeActive {
		err = waitRegionAck(ctx, wl, []string{r.home, r.away}, 30*time.Second)
	}
	if err != nil {
		stopWL()
		<-wdone
		return fmt.Errorf("the workload through %s: %w", t.DNS.Writer.Name, err)
	}
	r.t0 = time.Now()
	r.res.Started = r.t0
	lctx, stopLag := context.WithCancel(ctx)
	lagDone := make(chan struct{})
	go func() { defer close(lagDone); r.sampleLag(lctx, wl) }()

	baseline := o.Duration / 4
	sleep(ctx, baseline)
	promoted, err := r.event(ctx)
	sleep(ctx, time.Until(r.t0.Add(o.Duration)))
	stopWL()
	<-wdone
	stopLag()
	<-lagDone
	if err == nil && promoted && r.auto != nil && o.Scenario == "region-outage" {
		err = r.antiFlap(ctx)
	}
	if err != nil {
		return err
	}
	return r.judge(ctx, wl, promoted)
}

// waitFirstAck polls until wl has an acknowledged write, for at most
// limit.
func waitFirstAck(ctx context.Context, wl *workload.Workload, limit time.Duration) error {
	by := time.Now().Add(limit)
	for {
		if ok, _, _ := wl.Counts(); ok > 0 {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(by) {
			_, fail, info := wl.Counts()
			return fmt.Errorf("no write acknowledged within %s (%d failed, %d ambiguous)", limit, fail, info)
		}
		sleep(ctx, 20*time.Millisecond)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// sampleLag reads, every 250 ms, the newest workload row each secondary
// region's reader endpoint has; lagSamples turns the reads into lag.
func (r *run) sampleLag(ctx context.Context, wl *workload.Workload) {
	conns := map[string]*pgx.Conn{}
	defer func() {
		for _, c := range conns {
			c.Close(context.Background())
		}
	}()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, reg := range r.t.Regions {
			region := reg.Name
			r.mu.Lock()
			writer := r.home
			if !r.promotedAt.IsZero() {
				writer = r.away
			}
			r.mu.Unlock()
			if region == writer {
				continue
			}
			conn := conns[region]
			if conn == nil {
				cl, err := orchestrator.ClusterEndpoints(ctx, r.c, r.t, region)
				if err != nil {
					continue
				}
				cfg, err := orchestrator.DBConfig(r.t, r.o.Resolver, r.c.DBTrust(ctx), cl.Reader, cl.Port)
				if err != nil {
					continue
				}
				cctx, cancel := context.WithTimeout(ctx, time.Second)
				conn, err = pgx.ConnectConfig(cctx, cfg)
				cancel()
				if err != nil {
					continue
				}
				conns[region] = conn
			}
			var seen int64
			at := time.Now()
			qctx, cancel := context.WithTimeout(ctx, time.Second)
			err := conn.QueryRow(qctx, `SELECT coalesce(max(id), 0) FROM `+wl.Table()).Scan(&seen)
			cancel()
			if err != nil {
				conn.Close(context.Background())
				delete(conns, region)
				continue
			}
			r.mu.Lock()
			r.reads = append(r.reads, lagRead{region: region, at: at, seen: seen})
			r.mu.Unlock()
		}
	}
}

// event runs the scenario's fault or role change; it reports whether the
// writer moved.
func (r *run) event(ctx context.Context) (promoted bool, err error) {
	o, t := r.o, r.t
	hc := t.DNS.HealthChecks
	budget := detectionFloor(hc, o.TimeScale)
	fo := func(mode orchestrator.FailoverMode, to string, force bool) (*orchestrator.FailoverReport, error) {
		// With the resolver, the failover also waits until the writer
		// name answers the new writer, as the next client will ask.
		return orchestrator.Failover(ctx, r.c, t, orchestrator.FailoverOptions{Mode: mode, To: to, Force: force, MaxLag: time.Second,
			ViaPlan: o.Automatic, Resolver: o.Resolver, Options: orchestrator.Options{PollMin: o.Poll}})
	}
	switch o.Scenario {
	case "switchover":
		r.phase("switchover", r.home+" → "+r.away)
		r.faultAt = time.Now()
		rep, err := fo(orchestrator.ModeSwitchover, r.away, false)
		if err != nil {
			return false, err
		}
		r.markPromoted(rep, "promoted", r.away+" writes")
		sleep(ctx, o.Duration/4)
		r.phase("switchback", r.away+" → "+r.home)
		if _, err := fo(orchestrator.ModeSwitchover, r.home, false); err != nil {
			return true, err
		}
		r.phase("rejoined", r.home+" writes again")
		return true, nil

	case "region-outage", activeActive:
		if r.auto != nil {
			return r.automaticOutage(ctx)
		}
		if o.Faults == nil {
			// AWS: no fault can be injected; the role change is the event.
			r.phase("failover", "managed failover (switchover) "+r.home+" → "+r.away+": AWS offers no way to take a region down")
			r.faultAt = time.Now()
			rep, err := fo(orchestrator.ModeSwitchover, r.away, false)
			if err != nil {
				return false, err
			}
			r.markPromoted(rep, "promoted", r.away+" writes")
			return true, nil
		}
		f, err := o.Faults.Add(ctx, admin.Fault{Kind: admin.RegionOutage, Region: r.home})
		if err != nil {
			return false, err
		}
		r.faultAt = time.Now()
		r.phase("fault", "region outage: "+r.home)
		dns := r.watchDNS(ctx, r.away)
		if err := r.waitDetected(ctx, r.home); err != nil {
			return false, err
		}
		// The operator: the health checks say the primary region is down.
		r.failoverAt = time.Now()
		rep, err := fo(orchestrator.ModeFailover, r.away, false)
		if err != nil {
			return false, err
		}
		r.markPromoted(rep, "promoted", "FailoverGlobalCluster with AllowDataLoss: "+r.away+" writes")
		floor := floorSeconds(budget, rep)
		r.res.FloorSeconds = &floor
		return true, r.healOutage(ctx, f.ID, dns)

	case "writer-crash":
		w, err := orchestrator.Observe(ctx, r.c, t)
		if err != nil {
			return false, err
		}
		old := writerInstance(w, r.home)
		f, err := o.Faults.Add(ctx, admin.Fault{Kind: admin.InstanceFailure, Region: r.home, Instance: old})
		if err != nil {
			return false, err
		}
		r.faultAt = time.Now()
		r.phase("fault", "writer instance "+old+" crashes")
		if err := r.poll(ctx, time.Minute, func(ctx context.Context) bool {
			w, err := orchestrator.Observe(ctx, r.c, t)
			return err == nil && writerInstance(w, r.home) != old && writerInstance(w, r.home) != ""
		}); err != nil {
			return false, fmt.Errorf("no in-region failover: %w", err)
		}
		r.phase("promoted", "a reader of "+r.home+" became the writer (in-region, by Aurora)")
		r.res.PromotionSeconds = secondsPtr(time.Since(r.faultAt))
		sleep(ctx, o.Duration/4)
		if err := o.Faults.Clear(ctx, f.ID); err != nil {
			return false, err
		}
		r.phase("healed", old+" restarts")
		return false, r.waitRejoined(ctx, r.home, time.Minute)

	case "region-isolation", "link-cut", "short-partition":
		var f admin.Fault
		hold := o.Duration / 3
		switch o.Scenario {
		case "region-isolation":
			f = admin.Fault{Kind: admin.RegionIsolation, Region: r.home}
		case "link-cut":
			f = admin.Fault{Kind: admin.LinkFault, From: r.home, To: r.away, Cut: true}
		default:
			// Shorter than what the health checks need to call the
			// region down: no one may fail over.
			f = admin.Fault{Kind: admin.RegionOutage, Region: r.home}
			hold = budget / 2
		}
		added, err := o.Faults.Add(ctx, f)
		if err != nil {
			return false, err
		}
		r.faultAt = time.Now()
		r.phase("fault", string(f.Kind)+" "+f.Params()+fmt.Sprintf(" for %.1fs", hold.Seconds()))
		// The operator watches the health checks for the hold time.
		unhealthy := r.pollCheck(ctx, r.home, hold)
		if err := o.Faults.Clear(ctx, added.ID); err != nil {
			return false, err
		}
		r.phase("healed", "fault cleared")
		if unhealthy {
			r.phase("detected", "the health checks called "+r.home+" down: an operator would fail over")
		}
		return false, r.waitRejoined(ctx, r.home, time.Minute)

	case "lagging-target":
		f, err := o.Faults.Add(ctx, admin.Fault{Kind: admin.LinkFault, From: r.home, To: r.away, Cut: true})
		if err != nil {
			return false, err
		}
		r.faultAt = time.Now()
		r.phase("fault", "link "+r.home+" → "+r.away+" cut: the target falls behind")
		sleep(ctx, time.Second)
		_, ferr := orchestrator.Failover(ctx, r.c, t, orchestrator.FailoverOptions{Mode: orchestrator.ModeSwitchover, To: r.away,
			MaxLag: 500 * time.Millisecond, Resolver: o.Resolver, Options: orchestrator.Options{PollMin: o.Poll}})
		refused := errors.Is(ferr, orchestrator.ErrPreflight)
		r.phase("refused", fmt.Sprintf("switchover without --force: %v", ferr))
		r.invariant("failover refused without --force", refused, "%v", ferr)
		if ferr == nil {
			return true, nil
		}
		if err := o.Faults.Clear(ctx, f.ID); err != nil {
			return false, err
		}
		r.phase("healed", "link restored")
		return false, r.waitRejoined(ctx, r.home, time.Minute)
	}
	return false, nil
}

// healOutage lets the failed-over region stay dark a quarter of the
// drill, heals it, and waits for the writer name to have flipped (dns)
// and for the old primary to rejoin.
func (r *run) healOutage(ctx context.Context, fault string, dns <-chan struct{}) error {
	sleep(ctx, r.o.Duration/4)
	if err := r.o.Faults.Clear(ctx, fault); err != nil {
		return err
	}
	r.phase("healed", r.home+" is back")
	<-dns
	return r.waitRejoined(ctx, r.home, 2*time.Minute)
}

// markPromoted records the promotion at the moment the failover saw the
// target write (its "promoted" phase), not when it returned: it goes on to
// update the writer record and wait for DNS, while the client may already
// write to the new writer.
func (r *run) markPromoted(rep *orchestrator.FailoverReport, name, detail string) {
	at := time.Now()
	if rep != nil {
		for _, p := range rep.Phases {
			if p.Name == "promoted" {
				at = at.Add(-time.Duration((rep.Seconds - p.At) * float64(time.Second)))
				break
			}
		}
	}
	r.mu.Lock()
	r.promotedAt = at
	r.res.PromotedTo = r.away
	r.res.PromotionSeconds = secondsPtr(at.Sub(r.faultAt))
	r.mu.Unlock()
	r.phaseAt(at, name, detail)
}

func writerInstance(w *orchestrator.World, region string) string {
	c := w.Clusters[region]
	if c == nil {
		return ""
	}
	for _, m := range c.DBClusterMembers {
		if aws.ToBool(m.IsClusterWriter) {
			return aws.ToString(m.DBInstanceIdentifier)
		}
	}
	return ""
}

// poll calls ok every Poll until it is true or d passes.
func (r *run) poll(ctx context.Context, d time.Duration, ok func(context.Context) bool) error {
	deadline := time.Now().Add(d)
	for !ok(ctx) {
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %s", d)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		sleep(ctx, r.o.Poll)
	}
	return nil
}

// checkUnhealthy reports whether region's writer health check is
// unhealthy (more than 82% of Route 53's checkers report failure).
func (r *run) checkUnhealthy(ctx context.Context, region string) bool {
	id := r.checks[region]
	if id == "" {
		return false
	}
	out, err := r.c.Route53.GetHealthCheckStatus(ctx, &route53.GetHealthCheckStatusInput{HealthCheckId: aws.String(id)})
	if err != nil || len(out.HealthCheckObservations) == 0 {
		return false
	}
	ok := 0
	for _, ob := range out.HealthCheckObservations {
		if ob.StatusReport != nil && strings.HasPrefix(aws.ToString(ob.StatusReport.Status), "Success") {
			ok++
		}
	}
	return float64(ok)/float64(len(out.HealthCheckObservations)) <= 0.18
}

func (r *run) waitDetected(ctx context.Context, region string) error {
	if r.checks[region] == "" {
		return fmt.Errorf("%s has no writer health check: the topology needs dns.healthChecks for the operator to see the outage", region)
	}
	hc := r.t.DNS.HealthChecks
	budget := scaled(hc.Window(), r.o.TimeScale) + 30*time.Second
	// GetHealthCheckStatus shows each checker's last probe; Route 53 calls
	// the endpoint unhealthy once the probes have failed Threshold times in
	// a row. The operator waits for the same: failures seen continuously
	// for interval × threshold. A check that follows an alarm reports the
	// alarm's verdict, already smoothed over its evaluation periods: the
	// operator acts on its first unhealthy reading.
	hold := scaled(hc.Window(), r.o.TimeScale)
	if hc.Type == topology.Alarm {
		hold = 0
	}
	var since time.Time
	if err := r.poll(ctx, budget, func(ctx context.Context) bool {
		if !r.checkUnhealthy(ctx, region) {
			since = time.Time{}
			return false
		}
		if since.IsZero() {
			since = time.Now()
		}
		return time.Since(since) >= hold
	}); err != nil {
		return fmt.Errorf("the health checks never called %s down: %w", region, err)
	}
	r.res.DetectionSeconds = secondsPtr(time.Since(r.faultAt))
	r.phase("detected", "Route 53 health checks report "+region+" unhealthy")
	return nil
}

// pollCheck watches region's writer check for d; true if it stayed
// unhealthy for interval × threshold, as Route 53 requires before it
// calls the endpoint down.
func (r *run) pollCheck(ctx context.Context, region string, d time.Duration) bool {
	hc := r.t.DNS.HealthChecks
	hold := time.Duration(float64(time.Duration(hc.Interval*hc.Threshold)*time.Second) * r.o.TimeScale)
	deadline := time.Now().Add(d)
	var since time.Time
	for time.Now().Before(deadline) && ctx.Err() == nil {
		switch {
		case !r.checkUnhealthy(ctx, region):
			since = time.Time{}
		case since.IsZero():
			since = time.Now()
		case time.Since(since) >= hold:
			return true
		}
		sleep(ctx, r.o.Poll)
	}
	return false
}

// watchDNS records when the writer name first resolves to region's
// cluster endpoint; the channel closes when it has (or after 2 minutes).
func (r *run) watchDNS(ctx context.Context, region string) <-chan struct{} {
	done := make(chan struct{})
	prefix := r.n.Cluster(region) + ".cluster-"
	go func() {
		defer close(done)
		_ = r.poll(ctx, 2*time.Minute, func(ctx context.Context) bool {
			a, err := r.o.Resolver.Trace(ctx, r.t.DNS.Writer.Name)
			if err != nil {
				return false
			}
			for _, h := range a.Chain {
				if strings.HasPrefix(strings.ToLower(h.CNAME), prefix) {
					r.mu.Lock()
					r.res.DNSFlipSeconds = secondsPtr(time.Since(r.faultAt))
					r.mu.Unlock()
					r.phase("dns-flip", r.t.DNS.Writer.Name+" → "+h.CNAME)
					return true
				}
			}
			return false
		})
	}()
	return done
}

// waitRejoined waits until region's cluster is an available member with
// every instance available.
func (r *run) waitRejoined(ctx context.Context, region string, d time.Duration) error {
	err := r.poll(ctx, d, func(ctx context.Context) bool {
		w, err := orchestrator.Observe(ctx, r.c, r.t)
		if err != nil || !w.Member(region) || aws.ToString(w.Clusters[region].Status) != "available" {
			return false
		}
		// The global cluster reads available only once the rejoined
		// member's endpoints answer; a role change before that is refused.
		if w.Global == nil || aws.ToString(w.Global.Status) != "available" {
			return false
		}
		for _, i := range w.Instances[region] {
			if aws.ToString(i.DBInstanceStatus) != "available" {
				return false
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("%s did not rejoin: %w", region, err)
	}
	r.phase("rejoined", region+" is an available member again")
	return nil
}

// judge reads the rows from the writer and checks the history.
func (r *run) judge(ctx context.Context, wl *workload.Workload, promoted bool) error {
	t := r.t
	res := r.res
	res.Ended = time.Now()
	w, err := orchestrator.Observe(ctx, r.c, t)
	if err != nil {
		return err
	}
	writer := w.Writer()
	cl, err := orchestrator.ClusterEndpoints(ctx, r.c, t, writer)
	if err != nil {
		return err
	}
	cfg, err := orchestrator.DBConfig(t, r.o.Resolver, r.c.DBTrust(ctx), cl.Writer, cl.Port)
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("read the rows from the writer %s: %w", writer, err)
	}
	defer conn.Close(ctx)
	rows, err := workload.ReadRows(ctx, conn, "")
	if err != nil {
		return err
	}
	hist := wl.History()
	rep := workload.Check(hist, rows)
	res.AcknowledgedWrites, res.FailedWrites, res.AmbiguousWrites = rep.Acknowledged, rep.Failed, rep.Ambiguous
	res.LostWrites, res.LostIDs = len(rep.Lost), rep.Lost
	res.RPOSeconds = rep.LostSpan.Seconds()
	res.RTOSeconds = rep.MaxOutage.Seconds()
	res.DuplicateWrites = len(rep.Duplicates)
	present := map[int64]bool{}
	for _, row := range rows {
		present[row.ID] = true
	}
	lost := map[int64]bool{}
	for _, id := range rep.Lost {
		lost[id] = true
	}
	var lastLost time.Time
	var firstLost time.Time
	for _, op := range hist {
		if op.Outcome != workload.OK {
			continue
		}
		if !r.promotedAt.IsZero() && op.Complete.After(r.promotedAt) && r.fenced[op.Server] && r.o.Scenario != "switchover" {
			res.SplitBrainWrites++
		}
		if lost[op.ID] {
			if firstLost.IsZero() || op.Complete.Before(firstLost) {
				firstLost = op.Complete
			}
			if op.Complete.After(lastLost) {
				lastLost = op.Complete
			}
		}
	}
	res.Throughput = buckets(hist, r.t0, res.BucketSeconds)
	r.mu.Lock()
	res.Lag, res.MaxReplicationLagSeconds = lagSamples(r.reads, hist, lost, r.faultAt, r.t0)
	r.mu.Unlock()
	r.invariant("no duplicate writes", res.DuplicateWrites == 0, "%d ids present more than once", res.DuplicateWrites)
	// Porcupine, per-key register: every scenario but a failover with data
	// loss must be linearizable; region-outage reports it without judging.
	lin, lres := linearizable(hist, rows, res.Ended)
	outage := r.o.Scenario == "region-outage" || r.o.Scenario == activeActive
	if outage {
		r.phase("checked", fmt.Sprintf("porcupine per-key register model: %s (not judged: a failover with data loss may lose the lag window)", lres))
		if !lin {
			res.Notes = append(res.Notes, porcupineNote(lres, res.LostWrites))
		}
	} else {
		r.invariant("linearizable (porcupine, per-key register)", lin, "%s over %d writes", lres, len(hist))
	}
	r.invariant("no unexpected rows", len(rep.Unexpected) == 0 && len(rep.Unattempted) == 0,
		"%d failed writes present, %d rows no write made", len(rep.Unexpected), len(rep.Unattempted))
	switch r.o.Scenario {
	case "switchover", "writer-crash":
		r.invariant("no acknowledged write lost", res.LostWrites == 0, "%d lost", res.LostWrites)
	case "region-outage", activeActive:
		// The lag window: the largest lag seen before the fault, plus two
		// sampling intervals (lag between two samples goes unseen, and a
		// secondary that has replayed all it received reads 0 while WAL is
		// still crossing the link).
		before := 0.0
		for _, samples := range res.Lag {
			for _, s := range samples {
				if s.At <= r.faultAt.Sub(r.t0).Seconds() && s.Seconds > before {
					before = s.Seconds
				}
			}
		}
		window := time.Duration((before + 0.5) * float64(time.Second))
		inWindow := res.LostWrites == 0 || (!firstLost.Before(r.faultAt.Add(-window)) && !lastLost.After(r.faultAt.Add(time.Second)))
		r.invariant("lost writes only in the lag window", inWindow,
			"%d lost, acknowledged between %s and %s before the fault; lag window %s", res.LostWrites,
			ago(r.faultAt, firstLost), ago(r.faultAt, lastLost), window.Round(time.Millisecond))
		r.invariant("no split-brain writes", res.SplitBrainWrites == 0, "%d writes acknowledged by the fenced primary after the promotion", res.SplitBrainWrites)
		if r.o.Faults != nil {
			r.invariant("old primary rejoined", w.Member(r.home), "%s member of the global cluster: %v", r.home, w.Member(r.home))
		}
		if r.o.Scenario == activeActive {
			r.judgeRegions(hist, rows, lost, window)
		}
		if r.auto != nil {
			r.judgeAutomatic(ctx)
		}
	case "region-isolation", "link-cut", "short-partition", "lagging-target":
		r.invariant("no promotion", !promoted && writer == r.home, "writer at the end: %s (was %s)", writer, r.home)
		r.invariant("no acknowledged write lost", res.LostWrites == 0, "%d lost", res.LostWrites)
	}
	// A promotion is recorded when the failover returns, at the moment it
	// saw it happen: put the phases back in time order.
	sort.SliceStable(res.Phases, func(i, j int) bool { return res.Phases[i].At < res.Phases[j].At })
	res.Pass = true
	for _, inv := range res.Invariants {
		res.Pass = res.Pass && inv.Pass
	}
	return nil
}

func ago(ref, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return ref.Sub(t).Round(time.Millisecond).String()
}

func buckets(hist []workload.Op, t0 time.Time, width float64) []Bucket {
	var out []Bucket
	for _, op := range hist {
		i := int(op.Complete.Sub(t0).Seconds() / width)
		if i < 0 {
			continue
		}
		for len(out) <= i {
			out = append(out, Bucket{At: float64(len(out)) * width})
		}
		switch op.Outcome {
		case workload.OK:
			out[i].OK++
		case workload.Fail:
			out[i].Failed++
		default:
			out[i].Ambiguous++
		}
	}
	return out
}

func scaled(d time.Duration, scale float64) time.Duration {
	if scale <= 0 {
		return d
	}
	return time.Duration(float64(d) * scale)
}

// detectionFloor is the part of region-outage's RTO floor that is
// detection. An endpoint check fails only after interval × threshold of
// failed probes. An alarm check follows its alarm, which lives in the
// region it watches: when the whole region goes out, its CloudWatch goes
// dark with it and Route 53 reads insufficient data at once, so with
// InsufficientDataHealthStatus Unhealthy detection has no floor; with
// another setting it waits for the alarm, which fires once it has seen
// EvaluationPeriods periods without the writer's data (TreatMissingData
// breaching), less the one period the fault falls into, which may already
// be missing its data (the emulated RDS publishes once a period).
func detectionFloor(hc *topology.HealthChecks, scale float64) time.Duration {
	w := hc.Window()
	if hc.Type == topology.Alarm && hc.Alarms != nil {
		if hc.Alarms.InsufficientData == topology.InsufficientUnhealthy {
			return 0
		}
		w -= time.Duration(hc.Alarms.Period) * time.Second
	}
	return scaled(max(w, 0), scale)
}
