package metrics

import (
	"context"
	"log/slog"
	"runtime"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/controller"
)

// DefaultPeriod is how often AWS publishes these metrics (emulated time).
const DefaultPeriod = time.Minute

// historySize is how many writer samples a History keeps (at least 200 s
// at the fastest sampling).
const historySize = 2048

// Facts are the publisher's sources (the controller in the emulator).
type Facts interface {
	// InstanceFacts reads every running instance.
	InstanceFacts(ctx context.Context) []controller.InstanceFacts
	// WriterPositions reads every primary writer's WAL position.
	WriterPositions(ctx context.Context) []controller.WriterPosition
}

// Config wires a Publisher.
type Config struct {
	Sink  Sink
	Facts Facts
	// HealthChecks returns the Route 53 health checks' current results;
	// nil publishes no AWS/Route53 metrics.
	HealthChecks func() []HealthCheck
	// Clock paces the periods (emulated time) and stamps the datums.
	Clock clock.Scaled
	// Period is the publication period in emulated time (default 60 s).
	Period time.Duration
	// RegionDown reports a Region in an outage, which publishes nothing;
	// nil: none is.
	RegionDown func(region string) bool
	// Forwarding returns every instance's write forwarding counters
	// (the controller's ForwardingStats); nil publishes no forwarding
	// metrics.
	Forwarding func() map[string]controller.Forwarding
	// ProcRoot is where CPU times are read (default /proc).
	ProcRoot string
	Logger   *slog.Logger
}

// Publisher publishes the emulated services' metrics every period until
// its Run ends.
type Publisher struct {
	cfg      Config
	log      *slog.Logger
	sampling time.Duration // wall time between writer samples
	cpus     int

	writers map[string]*History // by scope
	owners  map[string]string   // scope → the writer its history is of
	prev    map[string]controller.InstanceFacts
	cpu     map[string]cpuReading
	fwPrev  map[string]controller.Forwarding
	fwAt    time.Time // wall time of fwPrev
}

// New returns a Publisher; Run starts it.
func New(cfg Config) *Publisher {
	if cfg.Period <= 0 {
		cfg.Period = DefaultPeriod
	}
	if cfg.ProcRoot == "" {
		cfg.ProcRoot = "/proc"
	}
	if cfg.RegionDown == nil {
		cfg.RegionDown = func(string) bool { return false }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock.Base == nil {
		cfg.Clock.Base = clock.Real{}
	}
	sampling := min(max(cfg.Clock.Duration(cfg.Period)/10, 100*time.Millisecond), time.Second)
	return &Publisher{cfg: cfg, log: cfg.Logger, sampling: sampling, cpus: runtime.NumCPU(),
		writers: map[string]*History{}, owners: map[string]string{},
		prev: map[string]controller.InstanceFacts{}, cpu: map[string]cpuReading{}}
}

// Run samples the writers' WAL positions every sampling interval and
// publishes every period until ctx ends; it returns nil then.
func (p *Publisher) Run(ctx context.Context) error {
	sample := time.NewTicker(p.sampling)
	defer sample.Stop()
	p.sample(ctx)
	next := p.cfg.Clock.After(p.cfg.Period)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sample.C:
			p.sample(ctx)
		case <-next:
			next = p.cfg.Clock.After(p.cfg.Period)
			p.publish(ctx)
		}
	}
}

// sample adds every primary writer's WAL position to its scope's
// history (a new history when the scope's writer changed). A history
// whose writer stops answering is kept for as long as an instance of its
// scope runs: its secondaries' lags grow from its last answer.
func (p *Publisher) sample(ctx context.Context) {
	for _, w := range p.cfg.Facts.WriterPositions(ctx) {
		h := p.writers[w.Scope]
		if h == nil || p.owners[w.Scope] != w.Key {
			h = NewHistory(historySize)
			p.writers[w.Scope], p.owners[w.Scope] = h, w.Key
		}
		h.Add(Sample{At: w.At, LSN: w.LSN})
	}
}

// forget drops the histories of scopes no running instance belongs to
// (deleted).
func (p *Publisher) forget(facts []controller.InstanceFacts) {
	live := map[string]bool{}
	for _, f := range facts {
		live[f.Scope] = true
	}
	for scope := range p.writers {
		if !live[scope] {
			delete(p.writers, scope)
			delete(p.owners, scope)
		}
	}
}

// fresh splits the histories into those whose writer was read within 3
// sampling intervals of now and the silent others.
func (p *Publisher) fresh(now time.Time) (fresh, silent map[string]*History) {
	fresh, silent = map[string]*History{}, map[string]*History{}
	for scope, h := range p.writers {
		if s, ok := h.Latest(); ok && now.Sub(s.At) <= 3*p.sampling+time.Second {
			fresh[scope] = h
		} else if ok {
			silent[scope] = h
		}
	}
	return fresh, silent
}

// publish reads the instances and publishes one period's datums.
// The datums' timestamp is taken before the regions' outages are
// checked: no datum of a region is stamped after its outage began.
func (p *Publisher) publish(ctx context.Context) {
	now := p.cfg.Clock.Now()
	var facts []controller.InstanceFacts
	all := p.cfg.Facts.InstanceFacts(ctx)
	for _, f := range all {
		if !p.cfg.RegionDown(f.Region) {
			facts = append(facts, f)
		}
	}
	p.forget(all)
	fresh, silent := p.fresh(time.Now())
	period := Period{Now: now, Instances: facts, Previous: p.prev,
		CPU: p.cpuPercents(facts), Writers: fresh, Silent: silent}
	for region, data := range RDS(period) {
		p.log.Debug("publish", "region", region, "namespace", NamespaceRDS, "datums", len(data))
		p.cfg.Sink.Publish(region, NamespaceRDS, data)
	}
	p.prev = make(map[string]controller.InstanceFacts, len(facts))
	for _, f := range facts {
		p.prev[f.Key] = f
	}
	p.publishForwarding(now)
	if p.cfg.HealthChecks != nil && !p.cfg.RegionDown(Route53Region) {
		if data := Route53(period.Now, p.cfg.HealthChecks()); len(data) > 0 {
			p.cfg.Sink.Publish(Route53Region, NamespaceRoute53, data)
		}
	}
}

// cpuPercents reads the instances' process trees and returns each one's
// CPUUtilization since the last period, keeping this reading for the
// next.
func (p *Publisher) cpuPercents(facts []controller.InstanceFacts) map[string]float64 {
	var pids []int
	for _, f := range facts {
		if f.Pid > 0 {
			pids = append(pids, f.Pid)
		}
	}
	now := time.Now()
	times := CPUTimes(p.cfg.ProcRoot, pids)
	out := map[string]float64{}
	next := map[string]cpuReading{}
	for _, f := range facts {
		t, ok := times[f.Pid]
		if f.Pid <= 0 || !ok {
			continue
		}
		cur := cpuReading{pid: f.Pid, at: now, cpu: t}
		next[f.Key] = cur
		if pct, ok := cpuPercent(p.cpu[f.Key], cur, p.cpus); ok {
			out[f.Key] = pct
		}
	}
	p.cpu = next
	return out
}

// publishForwarding publishes the write forwarding metrics of the
// instances whose region is not out.
func (p *Publisher) publishForwarding(now time.Time) {
	if p.cfg.Forwarding == nil {
		return
	}
	cur := map[string]controller.Forwarding{}
	for k, f := range p.cfg.Forwarding() {
		if !p.cfg.RegionDown(f.Region) {
			cur[k] = f
		}
	}
	wall := time.Now()
	if p.fwPrev != nil {
		data := Forwarding(ForwardingPeriod{Now: now, Elapsed: wall.Sub(p.fwAt), Current: cur,
			Previous: p.fwPrev, Instances: p.prev})
		for region, d := range data {
			p.cfg.Sink.Publish(region, NamespaceRDS, d)
		}
	}
	p.fwPrev, p.fwAt = cur, wall
}
