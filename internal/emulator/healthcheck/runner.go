package healthcheck

import (
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"net"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/netguard"
	"github.com/globaldb/globaldb/internal/regions"
)

// Check is one health check as the Route 53 model stores it.
type Check struct {
	ID     string
	Config types.HealthCheckConfig
	// Status, when not nil, is the status set by the service that created
	// the check (its LinkedService, e.g. ARC Region switch): the Runner
	// probes nothing and reports this status, whatever the Type.
	Status *bool
}

// Reachability tells whether Route 53's checkers, which are on the internet,
// can reach an address. A DB instance endpoint that is not
// PubliclyAccessible resolves to a private address they cannot reach.
// Reachable is called from many goroutines at once; reason is reported
// after "Failure: " in the observations.
type Reachability interface {
	Reachable(ip net.IP) (ok bool, reason string)
}

// Config wires a Runner.
type Config struct {
	// Checks returns the current health checks. It is called on every
	// refresh, never with the Runner's locks held, so it may take the
	// model's lock; the Runner's methods may be called from the model.
	// The Runner keeps the returned configurations: return copies that
	// the model will not modify.
	Checks func() []Check
	// Changed, if not nil, is signalled when Checks' answer changes; the
	// Runner then refreshes at once instead of at the next RefreshInterval.
	Changed <-chan struct{}
	// Resolver resolves FullyQualifiedDomainName: the emulator passes
	// netguard.DNS, its own DNS server, so that a name outside the
	// emulated world fails the probe as unreachable. nil resolves no name.
	Resolver netguard.Resolver
	// Reach decides reachability; nil means every address is reachable.
	Reach Reachability
	// Alarms is read for CLOUDWATCH_METRIC checks on every refresh; nil
	// means such checks are not evaluated (always healthy, then Inverted).
	Alarms Alarms
	// RegionDown reports a Region in outage: an alarm there reads as
	// insufficient data. nil means never.
	RegionDown func(region string) bool
	// Clock paces RequestInterval and RefreshInterval (emulated time); nil
	// means clock.Real. The emulator passes a clock.Scaled for --time-scale.
	Clock clock.Clock
	// RefreshInterval is how often (emulated) Checks is re-read; default 1 s.
	RefreshInterval time.Duration
	// Regions are the checker Regions of checks that name none; default
	// regions.HealthCheckerRegions() (8).
	Regions []string
	// Logger defaults to discarding.
	Logger *slog.Logger
}

// Runner runs the health checkers of every check and keeps their statuses.
// Its methods are safe for concurrent use.
type Runner struct {
	cfg    Config
	prober prober
	log    *slog.Logger
	flips  chan string

	syncMu sync.Mutex // serializes refreshes and Run's shutdown
	mu     sync.Mutex // guards the fields below
	runCtx context.Context
	checks map[string]*checkState

	wg     sync.WaitGroup // probers
	active atomic.Int64   // probers running, for tests
}

// checkState is what the Runner knows of one check.
type checkState struct {
	cfg      types.HealthCheckConfig
	regions  []string                                // checker Regions, in order
	verdicts map[string]verdict                      // by Region
	obs      map[string]types.HealthCheckObservation // last probe, by Region
	healthy  bool                                    // reported status
	// CLOUDWATCH_METRIC checks (with Config.Alarms): the history, the
	// measured status of the last reading and its report.
	metric        metricHistory
	metricHealthy bool
	metricObs     *types.HealthCheckObservation
	set           *bool              // Check.Status, for checks another service sets
	gen           uint64             // probers of an older generation are ignored
	stop          context.CancelFunc // nil when no probers run
}

// ErrRunning is returned by Run when the Runner is already running.
var ErrRunning = errors.New("health check runner already running")

// NewRunner returns a Runner; call Run to start probing.
func NewRunner(cfg Config) *Runner {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.RefreshInterval <= 0 {
		cfg.RefreshInterval = time.Second
	}
	if len(cfg.Regions) == 0 {
		cfg.Regions = regions.HealthCheckerRegions()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{
		cfg:    cfg,
		prober: prober{resolver: cfg.Resolver, reach: cfg.Reach},
		log:    cfg.Logger,
		flips:  make(chan string, 64),
		checks: map[string]*checkState{},
	}
}

// Run probes until ctx is done, then stops every prober and returns nil
// once they have all ended. It picks up new checks, stops removed ones and
// applies changed configurations (UpdateHealthCheck) on every refresh.
// Statuses survive Run's return.
func (r *Runner) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.mu.Lock()
	if r.runCtx != nil {
		r.mu.Unlock()
		return ErrRunning
	}
	r.runCtx = ctx
	r.mu.Unlock()
	defer r.shutdown()
	for {
		r.refresh(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-r.cfg.Changed:
		case <-r.cfg.Clock.After(r.cfg.RefreshInterval):
		}
	}
}

func (r *Runner) shutdown() {
	r.syncMu.Lock() // no refresh is starting probers any more
	r.mu.Lock()
	r.runCtx = nil
	for _, st := range r.checks {
		st.stopProbers()
	}
	r.mu.Unlock()
	r.syncMu.Unlock()
	r.wg.Wait()
}

// Healthy reports a check's current status. Unknown and new checks are
// healthy; see the package doc for Disabled and Inverted.
func (r *Runner) Healthy(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.checks[id]
	return !ok || st.healthy
}

// Observations returns the last report of each checker Region that has
// probed the check, in Region order; nil for unknown, CALCULATED and
// not-yet-probed checks. IPAddress is the checker's fake public address
// (see CheckerIP). A CLOUDWATCH_METRIC check has one report, from its
// alarm's Region and without IPAddress, once its alarm has been read.
func (r *Runner) Observations(id string) []types.HealthCheckObservation {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.checks[id]
	if !ok {
		return nil
	}
	if st.metricObs != nil {
		return []types.HealthCheckObservation{*st.metricObs}
	}
	var out []types.HealthCheckObservation
	for _, region := range st.regions {
		if o, ok := st.obs[region]; ok {
			out = append(out, o)
		}
	}
	return out
}

// Flips receives, without blocking the Runner, the id of a check whose
// reported status changed; ids are dropped while the buffer is full.
func (r *Runner) Flips() <-chan string { return r.flips }

// CheckerIP returns the address a checker Region reports probing from: a
// fixed address per Region in 203.0.113.0/24 (TEST-NET-3, RFC 5737), so it
// can never be mistaken for a real AWS checker.
func CheckerIP(region string) string {
	if i := slices.Index(regions.HealthCheckerRegions(), region); i >= 0 {
		return "203.0.113." + strconv.Itoa(11+i)
	}
	h := fnv.New32a()
	h.Write([]byte(region))
	return "203.0.113." + strconv.Itoa(100+int(h.Sum32()%150))
}

// refresh reads the checks and starts, restarts or stops probers.
func (r *Runner) refresh(ctx context.Context) {
	r.syncMu.Lock()
	defer r.syncMu.Unlock()
	if ctx.Err() != nil {
		return
	}
	var checks []Check
	if r.cfg.Checks != nil {
		checks = r.cfg.Checks()
	}
	reads := r.readAlarms(checks)
	now := r.cfg.Clock.Now().UTC()
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := make(map[string]bool, len(checks))
	for _, c := range checks {
		seen[c.ID] = true
		st, ok := r.checks[c.ID]
		if !ok {
			st = &checkState{healthy: true, metricHealthy: true, verdicts: map[string]verdict{}, obs: map[string]types.HealthCheckObservation{}}
			r.checks[c.ID] = st
			r.log.Debug("health check added", "health_check", c.ID, "type", c.Config.Type)
		}
		if c.Status != nil {
			r.applySet(st, c.Config, *c.Status, now)
			continue
		}
		if st.set != nil { // no longer set by a service: probe afresh
			st.set, st.regions = nil, nil
			clear(st.obs)
		}
		r.apply(ctx, c.ID, st, c.Config)
		if read, ok := reads[c.ID]; ok {
			r.recordMetricLocked(c.ID, st, read)
		}
	}
	for id, st := range r.checks {
		if !seen[id] {
			st.stopProbers()
			delete(r.checks, id)
			r.log.Debug("health check removed", "health_check", id)
		}
	}
	r.reportLocked()
}

// apply gives st the configuration cfg, restarting its probers if what
// they probe changed (not for Inverted, HealthThreshold or children).
func (r *Runner) apply(ctx context.Context, id string, st *checkState, cfg types.HealthCheckConfig) {
	if !sameAlarm(st.cfg.AlarmIdentifier, cfg.AlarmIdentifier) {
		// Another alarm is another data stream: its history starts afresh.
		st.metric, st.metricHealthy, st.metricObs = metricHistory{}, true, nil
	}
	running := st.stop != nil
	if running == probes(cfg) && reflect.DeepEqual(probeKey(st.cfg), probeKey(cfg)) && st.regions != nil {
		st.cfg = cfg
		return
	}
	st.stopProbers()
	st.cfg = cfg
	st.regions = r.checkerRegions(cfg)
	for region := range st.verdicts {
		if !slices.Contains(st.regions, region) {
			delete(st.verdicts, region)
			delete(st.obs, region)
		}
	}
	for _, region := range st.regions {
		if _, ok := st.verdicts[region]; !ok {
			st.verdicts[region] = newVerdict()
		}
	}
	if !probes(cfg) {
		return
	}
	pctx, stop := context.WithCancel(ctx)
	st.stop = stop
	r.wg.Add(1)
	r.active.Add(1)
	go r.probeLoop(pctx, id, st.gen, slices.Clone(st.regions), cfg)
}

// applySet gives a check whose status its service sets (Check.Status)
// that status, stopping any probers: every default checker Region reports
// it, as read now.
func (r *Runner) applySet(st *checkState, cfg types.HealthCheckConfig, healthy bool, now time.Time) {
	if st.stop != nil {
		st.stopProbers()
	}
	st.cfg, st.set = cfg, &healthy
	st.metric, st.metricHealthy, st.metricObs = metricHistory{}, true, nil
	st.regions = slices.Clone(r.cfg.Regions)
	clear(st.verdicts)
	clear(st.obs)
	status := "Failure: status set by the service that created the health check"
	if healthy {
		status = "Success: status set by the service that created the health check"
	}
	for _, region := range st.regions {
		st.obs[region] = types.HealthCheckObservation{
			Region:       types.HealthCheckRegion(region),
			IPAddress:    aws.String(CheckerIP(region)),
			StatusReport: &types.StatusReport{Status: aws.String(status), CheckedTime: aws.Time(now)},
		}
	}
}

// probeKey is cfg without the fields probers don't read.
func probeKey(cfg types.HealthCheckConfig) types.HealthCheckConfig {
	cfg.Inverted, cfg.HealthThreshold, cfg.ChildHealthChecks = nil, nil, nil
	return cfg
}

// checkerRegions returns the Regions that check cfg: none for checks that
// nothing probes, else cfg.Regions or the Runner's default list.
func (r *Runner) checkerRegions(cfg types.HealthCheckConfig) []string {
	if !endpoint(cfg.Type) {
		return []string{}
	}
	if len(cfg.Regions) == 0 {
		return slices.Clone(r.cfg.Regions)
	}
	out := make([]string, len(cfg.Regions))
	for i, region := range cfg.Regions {
		out[i] = string(region)
	}
	return out
}

func (st *checkState) stopProbers() {
	if st.stop != nil {
		st.stop()
		st.stop = nil
	}
	st.gen++
}

// probeLoop probes one check for all its checker Regions: probe, then wait
// RequestInterval (AWS counts it from the response), until ctx is done.
// Every checker of the emulated world stands at the same place on the
// network (the prober takes no Region), so one probe per interval gives
// each Region the answer its own probe would have had; probing once per
// Region multiplied the connections (a PostgreSQL backend forked each)
// by the number of Regions without changing any status.
func (r *Runner) probeLoop(ctx context.Context, id string, gen uint64, regions []string, cfg types.HealthCheckConfig) {
	defer r.wg.Done()
	defer r.active.Add(-1)
	interval := time.Duration(deref(cfg.RequestInterval)) * time.Second
	if interval <= 0 {
		interval = defaultRequestInterval * time.Second
	}
	for {
		res := r.prober.probe(ctx, cfg)
		if ctx.Err() != nil {
			return
		}
		r.record(id, gen, regions, res)
		select {
		case <-ctx.Done():
			return
		case <-r.cfg.Clock.After(interval):
		}
	}
}

// record stores one probe's result as the report of each of regions and
// updates the reported statuses.
func (r *Runner) record(id string, gen uint64, regions []string, res result) {
	now := r.cfg.Clock.Now().UTC()
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.checks[id]
	if !ok || st.gen != gen {
		return // removed or reconfigured meanwhile
	}
	for _, region := range regions {
		r.recordRegionLocked(id, st, region, res, now)
	}
	r.reportLocked()
}

func (r *Runner) recordRegionLocked(id string, st *checkState, region string, res result, now time.Time) {
	before := st.verdicts[region]
	after := before.observe(res.ok, failureThreshold(st.cfg))
	st.verdicts[region] = after
	st.obs[region] = types.HealthCheckObservation{
		Region:       types.HealthCheckRegion(region),
		IPAddress:    aws.String(CheckerIP(region)),
		StatusReport: &types.StatusReport{Status: aws.String(res.status), CheckedTime: aws.Time(now)},
	}
	if after.healthy != before.healthy {
		r.log.Debug("checker changed its verdict", "health_check", id, "region", region, "healthy", after.healthy, "status", res.status)
	}
}

// reportLocked recomputes every reported status, endpoint checks before
// the CALCULATED checks that read them, and signals the changes.
func (r *Runner) reportLocked() {
	next := make(map[string]bool, len(r.checks))
	for id, st := range r.checks {
		if st.set != nil {
			next[id] = *st.set
			continue
		}
		if st.cfg.Type == types.HealthCheckTypeCalculated {
			continue
		}
		if st.cfg.Type == types.HealthCheckTypeCloudwatchMetric && r.cfg.Alarms != nil {
			next[id] = applyFlags(st.metricHealthy, st.cfg)
			continue
		}
		n := 0
		for _, region := range st.regions {
			if st.verdicts[region].healthy {
				n++
			}
		}
		next[id] = applyFlags(Overall(n, len(st.regions)), st.cfg)
	}
	for id, st := range r.checks {
		if st.cfg.Type != types.HealthCheckTypeCalculated || st.set != nil {
			continue
		}
		children := make([]bool, len(st.cfg.ChildHealthChecks))
		for i, child := range st.cfg.ChildHealthChecks {
			h, ok := next[child]
			if !ok { // unknown (healthy), or CALCULATED: AWS forbids nesting
				cs := r.checks[child]
				h = cs == nil || cs.healthy
			}
			children[i] = h
		}
		next[id] = applyFlags(calculated(children, deref(st.cfg.HealthThreshold)), st.cfg)
	}
	for id, h := range next {
		st := r.checks[id]
		if st.healthy == h {
			continue
		}
		st.healthy = h
		r.log.Info("health check status changed", "health_check", id, "healthy", h)
		select {
		case r.flips <- id:
		default:
		}
	}
}
