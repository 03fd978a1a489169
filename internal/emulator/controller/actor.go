package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/emulator/rds"
)

// actor owns one instance's PostgreSQL server: it creates its data (from
// the cluster volume or by cloning its upstream), keeps it running in the
// role the topology asks for, and removes it when the instance is
// deleted. Only the actor touches its process.
//
// Fencing is by construction: a data directory that would start as a
// primary is never started when the topology says the node is a replica;
// it is rewound (or re-cloned) from the current writer first. A node is
// promoted only once no other node of its scope runs as a primary.
type actor struct {
	c    *Controller
	log  *slog.Logger
	wake chan struct{}

	mu   sync.Mutex
	spec rds.Node

	proc         *engine.Process
	upstream     string // host:port the server streams from, "" for a writer
	sync         []string
	reported     bool
	role         string    // role last reported to the model
	notStreaming time.Time // since when a replica has had no WAL receiver
	slotOn       string    // instance key of the server that holds our slot
	fenced       bool      // an old writer refusing clients until handed over
	resynced     bool      // rebuilt from the upstream since spec.Resync was set
	held         bool      // a fault holds the server down (reported to the model)
	tls          tlsState
	retry        retry    // paces retries of a failing step
	failedSpec   rds.Node // the spec the last failure was for
}

func newActor(c *Controller, n rds.Node) *actor {
	return &actor{c: c, spec: n, wake: make(chan struct{}, 1), log: c.log.With("instance", n.Key, "node", n.Name),
		retry: retry{base: c.cfg.Interval, max: 5 * time.Second, free: 2}}
}

// backingOff reports whether the actor waits before retrying a step that
// failed: until its retry is due, unless the spec changed since.
func (a *actor) backingOff(spec rds.Node) bool {
	return !a.retry.due(time.Now()) && reflect.DeepEqual(spec, a.failedSpec)
}

// outcome logs a step's result: a failure the first time it happens (and
// when it changes), not on every retry, which backs off.
func (a *actor) outcome(ctx context.Context, spec rds.Node, what string, err error) {
	switch {
	case errors.As(err, new(waitingError)):
		a.log.Debug(what, "waiting", err)
		a.retry.succeeded()
	case err != nil && ctx.Err() != nil:
	case err != nil:
		a.failedSpec = spec
		if a.retry.failed(time.Now(), err) {
			a.log.Warn(what+" (retrying with backoff; repeats of this error are not logged)", "err", err)
		} else {
			a.log.Debug(what, "failures", a.retry.repeats(), "err", err)
		}
	default:
		if n := a.retry.succeeded(); n > 1 {
			a.log.Info(what+": recovered", "failures", n)
		}
	}
}

func (a *actor) update(n rds.Node) {
	a.mu.Lock()
	a.spec = n
	a.mu.Unlock()
	a.poke()
}

func (a *actor) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *actor) current() rds.Node {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.spec
}

func (a *actor) node(n rds.Node) engine.Node {
	return engine.Node{Name: n.Name, Dir: a.c.nodeDir(n.Name), Host: n.Host, Port: n.Port,
		TLS: a.tls.cert, RequireTLS: n.ForceSSL}
}

// run converges until the instance is deleted or ctx ends; on ctx end it
// stops the server.
func (a *actor) run(ctx context.Context) {
	tick := time.NewTicker(a.c.cfg.Interval)
	defer tick.Stop()
	var exited <-chan struct{}
	for {
		spec := a.current()
		switch {
		case spec.Deleting && a.backingOff(spec):
		case spec.Deleting:
			err := a.delete(ctx, spec)
			if err == nil {
				return
			}
			a.outcome(ctx, spec, "delete instance", err)
		case a.c.held(spec):
			a.holdDown(spec)
		case a.backingOff(spec):
		default:
			if a.held {
				a.c.cfg.Model.ObserveInstanceHeld(spec.Key, false)
				a.held = false
			}
			a.outcome(ctx, spec, "converge instance", a.step(ctx, spec))
		}
		exited = nil
		if a.proc != nil {
			exited = a.proc.Done()
		}
		select {
		case <-ctx.Done():
			a.stop(engine.StopFast)
			return
		case <-a.wake:
		case <-tick.C:
		case <-exited:
			a.log.Warn("postgres exited", "err", a.proc.ExitErr())
			a.proc, a.fenced = nil, false
			a.down(spec)
		}
	}
}

// holdDown keeps the server down while a fault (instance failure, region
// outage) holds it: a crash, as the fault intends. The instance reads
// "rebooting", not "failed": it comes back when the fault clears.
func (a *actor) holdDown(spec rds.Node) {
	if !a.held {
		a.c.cfg.Model.ObserveInstanceHeld(spec.Key, true)
		a.held = true
	}
	if a.proc != nil {
		a.log.Info("fault: killing postgres")
		if err := a.proc.Kill(); err != nil {
			a.log.Warn("kill postgres", "err", err)
		}
		a.proc = nil
		a.down(spec)
	}
	a.reported = false
}

// down handles the server having stopped unexpectedly: a writer's death
// lets the model fail over to the most up-to-date running replica.
func (a *actor) down(spec rds.Node) {
	a.c.setRunning(spec.Key, engine.Node{}, false, false)
	a.report(spec, "")
	if spec.Writer {
		cands := a.c.failoverCandidates(spec)
		if a.c.cfg.Model.ObserveWriterDown(spec.Key, cands) {
			a.log.Info("writer died: the model failed over", "to", cands[0])
		}
	}
}

// step does the next piece of work towards spec.
func (a *actor) step(ctx context.Context, spec rds.Node) error {
	if err := a.issueCert(spec); err != nil {
		return err
	}
	n := a.node(spec)
	if !spec.Resync {
		a.resynced = false
	}
	if !exists(n.Dir) {
		if err := a.provision(ctx, spec, n); err != nil {
			return err
		}
		a.resynced = spec.Resync // a fresh copy of the upstream
	}
	resync := spec.Resync && !a.resynced && !spec.Writer
	if a.proc != nil && resync && a.c.cfg.Engine.IsStandby(n) {
		// Its data may hold WAL the new primary never had: it cannot
		// follow the new history, and must not serve reads from the
		// old one. (A running old writer is fenced by ensureRole first.)
		a.log.Info("stopping to rebuild from the upstream after a failover with data loss")
		a.stop(engine.StopFast)
		a.c.setRunning(spec.Key, n, false, false)
		a.report(spec, "")
	}
	if a.proc == nil {
		if !spec.Writer && (!a.c.cfg.Engine.IsStandby(n) || resync) {
			if err := a.rejoin(ctx, spec, n); err != nil {
				return err
			}
			a.resynced = spec.Resync
		}
		p, err := a.c.cfg.Engine.Start(ctx, n)
		if err != nil {
			a.c.cfg.Model.ObserveInstanceFailed(spec.Key)
			return fmt.Errorf("start: %w", err)
		}
		a.proc, a.sync, a.upstream, a.notStreaming = p, nil, "", time.Time{}
		a.tls.applied = a.tls.want(spec)
	}
	if err := a.ensureRole(ctx, spec, n); err != nil {
		return err
	}
	if err := a.reconfigure(ctx, spec, n); err != nil {
		return err
	}
	if !spec.Ready || !a.reported {
		a.c.cfg.Model.ObserveInstanceReady(spec.Key)
		a.reported = true
	}
	if spec.Writer {
		a.report(spec, "writer")
		if spec.Promoting {
			a.c.cfg.Model.ObservePromoted(spec.Cluster)
		}
		return a.syncStandbys(ctx, spec, n)
	}
	if spec.Resync && a.resynced {
		a.c.cfg.Model.ObserveResynced(spec.Key)
	}
	return a.checkStreaming(ctx, spec, n)
}

func (a *actor) report(spec rds.Node, role string) {
	if a.role == role {
		return
	}
	if role == "" {
		a.reported = false // the model shows it rebooting until it serves again
	}
	a.role = role
	a.c.cfg.Model.ObserveInstanceRole(spec.Key, role)
}

// provision creates the node's data directory: a writer of a primary or
// standalone cluster adopts the cluster volume; a replica clones its
// upstream.
func (a *actor) provision(ctx context.Context, spec rds.Node, n engine.Node) error {
	if spec.Writer {
		vol := a.c.volumeDir(spec.Cluster)
		if !spec.VolumeReady || !exists(vol) {
			return waiting("the cluster volume")
		}
		if err := os.Rename(vol, n.Dir); err != nil {
			return fmt.Errorf("adopt cluster volume: %w", err)
		}
		_ = os.Rename(vol+".log", n.Dir+".log")
		return nil
	}
	return a.clone(ctx, spec, n)
}

// clone copies the upstream server. The initial copy is taken from the
// upstream server directly, as AWS seeds a secondary's storage out of
// band; the replication stream then runs through the WAN link.
func (a *actor) clone(ctx context.Context, spec rds.Node, n engine.Node) error {
	if spec.Upstream == nil {
		return waiting("a writer to stream from")
	}
	host, port, ok := a.c.upstreamAddr(spec.Upstream)
	if !ok {
		return waiting("the upstream server")
	}
	src, _ := a.c.runningNode(spec.Upstream.Node)
	if err := a.c.cfg.Engine.Clone(ctx, n, engine.Upstream{Host: src.Host, Port: src.Port}); err != nil {
		return fmt.Errorf("clone from %s: %w", src.Addr(), err)
	}
	a.slotOn = spec.Upstream.Node
	if spec.Upstream.Link != nil {
		if err := a.c.cfg.Engine.SetUpstream(n, engine.Upstream{Host: host, Port: port}); err != nil {
			return err
		}
	}
	return nil
}

// rejoin turns a stopped data directory that would start as a primary
// (an old writer) into a standby of the current writer: pg_rewind, or a
// fresh clone when rewinding fails.
func (a *actor) rejoin(ctx context.Context, spec rds.Node, n engine.Node) error {
	if spec.Upstream == nil {
		return waiting("a writer to rejoin")
	}
	src, ok := a.c.runningNode(spec.Upstream.Node)
	if !ok || !a.c.isPrimary(spec.Upstream.Node) && spec.Upstream.Link != nil {
		return waiting("the new writer to rejoin")
	}
	if spec.Upstream.Link == nil && a.c.resyncing(spec.Upstream.Node) {
		return waiting("the upstream to be rebuilt first")
	}
	if spec.Resync && spec.Upstream.Link == nil {
		// A replica behind a replica: pg_rewind reads the source's
		// timeline from its control file, which a standby updates only
		// at its next restartpoint, so rewind from the writer itself.
		w, ok := a.c.scopeWriter(spec.Scope)
		if !ok {
			return waiting("the new writer to rebuild from")
		}
		src = w
	}
	// Across regions the stream must run through the WAN link, so the
	// link has to be up before the settings are written.
	host, port, ok := a.c.upstreamAddr(spec.Upstream)
	if !ok {
		return waiting("the link to the new writer to rejoin")
	}
	a.log.Info("rejoining as a replica", "source", src.Addr())
	err := a.c.cfg.Engine.Rewind(ctx, n, engine.Upstream{Host: src.Host, Port: src.Port})
	if err != nil {
		a.log.Warn("pg_rewind failed; taking a fresh copy", "err", err)
		if err := a.c.cfg.Engine.Remove(ctx, n); err != nil {
			return fmt.Errorf("remove diverged data: %w", err)
		}
		return a.clone(ctx, spec, n)
	}
	// The rewind made the node's slot on its source; a node rewound from
	// the writer but streaming from another server needs it there too,
	// before it starts.
	if up, ok := a.c.runningNode(spec.Upstream.Node); ok && up.Addr() != src.Addr() {
		if err := a.c.cfg.Engine.EnsureSlot(ctx, engine.Upstream{Host: up.Host, Port: up.Port}, spec.Name); err != nil {
			return fmt.Errorf("replication slot on the upstream: %w", err)
		}
	}
	a.slotOn = spec.Upstream.Node
	if host != src.Host || port != src.Port {
		return a.c.cfg.Engine.SetUpstream(n, engine.Upstream{Host: host, Port: port})
	}
	return nil
}

// ensureRole promotes a replica that should write (once every other
// server of its scope is fenced and, for a planned change, once it has
// all their WAL), fences a primary that should not write, and re-points
// a replica whose upstream moved.
func (a *actor) ensureRole(ctx context.Context, spec rds.Node, n engine.Node) error {
	inRecovery, err := a.c.cfg.Engine.InRecovery(ctx, n)
	if err != nil {
		return fmt.Errorf("read role: %w", err)
	}
	if spec.Writer {
		if inRecovery {
			// Until promoted it runs as a replica: an old writer handing
			// over waits for it to have the last WAL.
			a.c.setRunning(spec.Key, n, true, false)
			if err := a.c.readyToPromote(ctx, spec, n); err != nil {
				return err
			}
			a.log.Info("promoting")
			if err := a.c.cfg.Engine.Promote(ctx, n); err != nil {
				return fmt.Errorf("promote: %w", err)
			}
		}
		a.c.setRunning(spec.Key, n, true, true)
		return nil
	}
	if !inRecovery {
		return a.fence(ctx, spec, n)
	}
	a.c.setRunning(spec.Key, n, true, false)
	a.report(spec, "reader")
	if spec.Upstream == nil {
		return nil
	}
	if err := a.ensureSlot(ctx, spec); err != nil {
		return err
	}
	host, port, ok := a.c.upstreamAddr(spec.Upstream)
	if !ok {
		return nil // keep streaming from where we are until the upstream is known
	}
	addr := fmt.Sprintf("%s:%d", host, port)
	if a.upstream == "" {
		// Freshly started: stream from where its settings say until
		// they are known to differ.
		if a.upstream, err = a.c.cfg.Engine.StreamsFrom(ctx, n); err != nil {
			return err
		}
	}
	if a.upstream != addr {
		if err := a.c.cfg.Engine.Repoint(ctx, n, engine.Upstream{Host: host, Port: port}); err != nil {
			return fmt.Errorf("repoint to %s: %w", addr, err)
		}
		a.upstream, a.notStreaming = addr, time.Time{}
	}
	return nil
}

// ensureSlot makes sure the server our stream reaches holds our
// replication slot: behind a WAN link the upstream can change (the
// primary's writer moved) without our connection settings changing.
func (a *actor) ensureSlot(ctx context.Context, spec rds.Node) error {
	if a.slotOn == spec.Upstream.Node {
		return nil
	}
	up, ok := a.c.runningNode(spec.Upstream.Node)
	if !ok {
		return nil
	}
	if err := a.c.cfg.Engine.EnsureSlot(ctx, engine.Upstream{Host: up.Host, Port: up.Port}, spec.Name); err != nil {
		return fmt.Errorf("ensure replication slot on the upstream: %w", err)
	}
	a.slotOn = spec.Upstream.Node
	return nil
}

// fence hands over from a server that runs as a primary although the
// topology says it is a replica (the old writer of a switchover or
// failover): it stops client writes (pg_hba admits only replication and
// the admin; client sessions are terminated), waits briefly until its
// streaming standbys have all of its WAL, and stops once the new writer
// has received it. The last client WAL position is recorded so the new
// writer is promoted only once it has it. A new writer whose stream is
// not connected yet (a replica still reconnecting through its WAN link)
// would never get that WAL from a stopped server, so the fenced server
// keeps running, refusing clients, until it has been handed over. The
// next step rejoins this server as a replica.
func (a *actor) fence(ctx context.Context, spec rds.Node, n engine.Node) error {
	if !a.fenced {
		a.log.Info("fencing the old writer")
	}
	lsn, err := a.c.cfg.Engine.Fence(ctx, n)
	if err != nil {
		a.log.Warn("fence old writer", "err", err)
	} else {
		if !a.fenced {
			wctx, cancel := context.WithTimeout(ctx, fenceDrain)
			if ok, _ := a.c.cfg.Engine.WaitReplicated(wctx, n, lsn); !ok {
				a.log.Warn("standbys did not confirm the old writer's last WAL in time", "lsn", lsn)
			}
			cancel()
		}
		a.fenced = true
		a.c.recordFinal(spec.Scope, spec.Key, lsn)
		if ok, what := a.c.handedOver(ctx, spec, lsn); !ok {
			return waiting(what)
		}
	}
	a.fenced = false
	a.stop(engine.StopFast)
	a.c.setRunning(spec.Key, n, false, false)
	a.report(spec, "")
	return waiting("the new writer after fencing")
}

// fenceDrain bounds how long an old writer waits for its standbys to
// confirm its last WAL before it stops.
const fenceDrain = 10 * time.Second

// checkStreaming re-clones a replica that cannot follow its upstream (for
// instance one that replayed past the point where a failover forked the
// history) after it has had no WAL receiver for a while.
func (a *actor) checkStreaming(ctx context.Context, spec rds.Node, n engine.Node) error {
	if spec.Upstream == nil || !a.c.isRunning(spec.Upstream.Node) {
		a.notStreaming = time.Time{}
		return nil
	}
	if l := spec.Upstream.Link; l != nil && a.c.cfg.Net.Link(l.From, l.To).Cut {
		// A cut WAN link is why it does not stream: a fresh copy, taken
		// from the upstream directly, would carry data across the cut.
		a.notStreaming = time.Time{}
		return nil
	}
	ok, err := a.c.streaming(ctx, n)
	if err != nil || ok {
		a.notStreaming = time.Time{}
		return err
	}
	if a.notStreaming.IsZero() {
		a.notStreaming = time.Now()
		return nil
	}
	if time.Since(a.notStreaming) < reCloneAfter {
		return nil
	}
	a.log.Warn("replica does not stream from its upstream; taking a fresh copy")
	a.stop(engine.StopFast)
	a.c.setRunning(spec.Key, n, false, false)
	if err := a.c.cfg.Engine.Remove(ctx, n); err != nil {
		return fmt.Errorf("remove stuck replica: %w", err)
	}
	return a.clone(ctx, spec, n)
}

// reCloneAfter is how long a replica may go without streaming from a
// running upstream before it is rebuilt.
const reCloneAfter = 8 * time.Second

// syncStandbys keeps synchronous_standby_names to the in-region replicas
// that are streaming now: quorum commit while one is up, asynchronous
// when none is (documented in docs/emulator.md).
func (a *actor) syncStandbys(ctx context.Context, spec rds.Node, n engine.Node) error {
	reps, err := a.c.cfg.Engine.Replication(ctx, n)
	if err != nil {
		return fmt.Errorf("read replication: %w", err)
	}
	var names []string
	for _, r := range reps {
		if r.State == "streaming" && slices.Contains(spec.SyncStandbys, r.Name) {
			names = append(names, r.Name)
		}
	}
	slices.Sort(names)
	if a.sync != nil && slices.Equal(a.sync, names) {
		return nil
	}
	if err := a.c.cfg.Engine.SetSyncStandbys(ctx, n, names); err != nil {
		return fmt.Errorf("set synchronous standbys: %w", err)
	}
	a.sync = append([]string{}, names...)
	return nil
}

func (a *actor) stop(mode engine.StopMode) {
	if a.proc == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.proc.Stop(ctx, mode); err != nil {
		a.log.Warn("stop postgres", "err", err)
	}
	a.proc = nil
}

// delete stops the server and removes its data, or hands it back as the
// cluster volume when it was the last copy of a cluster's data.
func (a *actor) delete(ctx context.Context, spec rds.Node) error {
	a.c.setRunning(spec.Key, engine.Node{}, false, false)
	a.stop(engine.StopFast)
	n := a.node(spec)
	if spec.KeepAsVolume && exists(n.Dir) && !exists(a.c.volumeDir(spec.Cluster)) {
		if err := os.Rename(n.Dir, a.c.volumeDir(spec.Cluster)); err != nil {
			return fmt.Errorf("return cluster volume: %w", err)
		}
		_ = os.Rename(n.Dir+".log", a.c.volumeDir(spec.Cluster)+".log")
	} else if err := a.c.cfg.Engine.Remove(ctx, n); err != nil {
		return fmt.Errorf("remove data: %w", err)
	}
	if spec.Upstream != nil {
		a.dropSlot(ctx, spec)
	}
	a.c.cfg.Model.ObserveInstanceDeleted(spec.Key)
	return nil
}

// dropSlot removes the node's replication slot from its upstream so the
// upstream does not retain WAL for it (best effort).
func (a *actor) dropSlot(ctx context.Context, spec rds.Node) {
	up, ok := a.c.runningNode(spec.Upstream.Node)
	if !ok {
		return
	}
	if err := a.c.cfg.Engine.DropSlot(ctx, up, spec.Name); err != nil {
		a.log.Debug("drop replication slot", "err", err)
	}
}

// waitingError means a step depends on something not ready yet; it is
// not a failure.
type waitingError string

func (w waitingError) Error() string { return "waiting for " + string(w) }

func waiting(what string) error { return waitingError(what) }
