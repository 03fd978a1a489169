package controller

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"sync"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/controller/decide"
	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/emulator/rds"
	"github.com/globaldb/globaldb/internal/emulator/wfront"
)

// actor owns one instance's PostgreSQL server: only it touches its
// process. Each step it observes its instance (observe), decides on a
// snapshot of the controller's facts (decide.For: every safety rule lives
// there), and carries out the actions (act); then it reports to the model
// what the server now is. It removes the server when the instance is
// deleted.
type actor struct {
	c    *Controller
	log  *slog.Logger
	wake chan struct{}

	mu   sync.Mutex
	spec rds.Node

	proc         *engine.Process
	sync         []string // synchronous standbys last set; nil when unknown
	reported     bool
	role         string    // role last reported to the model
	notStreaming time.Time // since when a standby has had no streaming WAL receiver
	upstreamUp   time.Time // since when its upstream has run over an uncut link
	slotOn       string    // instance key of the server that holds our slot
	fenced       bool      // an old writer refusing clients until handed over
	fenceFailed  bool      // the last fencing attempt failed
	resynced     bool      // rebuilt from the upstream since spec.Resync was set
	rewindFailed bool      // the last pg_rewind failed: re-clone
	held         bool      // a fault holds the server down (reported to the model)
	tls          tlsState
	retry        retry           // paces retries of a failing step
	failedSpec   rds.Node        // the spec the last failure was for
	lastActs     []decide.Action // the last decision, to log the first empty one after actions
	// front is the endpoint's wire front, while the server runs: only
	// the actor sets it, under mu (ForwardingStats reads it).
	front    *wfront.Front
	frontTLS *tls.Certificate
	// Write forwarding counters, under mu: fwPast sums the fronts closed
	// before; fwBase is the total when forwarding took its current
	// target fwTarget (see retargetLocked).
	fwPast   wfront.Stats
	fwBase   wfront.Stats
	fwTarget string
}

func newActor(c *Controller, n rds.Node) *actor {
	return &actor{c: c, spec: n, wake: make(chan struct{}, 1), log: c.log.With("instance", n.Key, "node", n.Name),
		retry: retry{base: c.cfg.Interval, max: 5 * time.Second, free: 2}, fwTarget: fwTarget(n)}
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
	case isWaiting(err):
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
	a.retargetLocked(n)
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
	return engine.Node{Name: n.Name, Dir: a.c.nodeDir(n.Name), Host: n.Host, Port: serverPort(n.Port),
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
		case a.c.held(spec) || !a.backingOff(spec):
			// A fault takes effect at once, even while a step backs off.
			a.outcome(ctx, spec, "converge instance", a.step(ctx, spec))
		}
		if err := a.syncFront(a.current()); err != nil {
			a.log.Warn("start the instance's wire front", "err", err)
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
			a.proc, a.fenced, a.fenceFailed = nil, false, false
			a.closeFront()
			a.down(spec)
		}
	}
}

// down handles the server having stopped (it died, or a fault killed
// it): a writer's death lets the model fail over to the most up-to-date
// running replica.
func (a *actor) down(spec rds.Node) {
	a.c.setRunning(spec.Key, engine.Node{}, false)
	a.c.publish(spec.Key, decide.Instance{DataDir: true, Standby: a.c.cfg.Engine.IsStandby(a.node(spec)), Held: a.c.held(spec)})
	a.report(spec, "")
	if spec.Writer {
		cands := a.c.candidates(spec)
		if a.c.cfg.Model.ObserveWriterDown(spec.Key, cands) {
			a.log.Info("writer died: the model failed over", "to", cands[0])
		}
	}
}

// maxRounds bounds the observe → decide → act rounds of one step; the
// next tick carries on.
const maxRounds = 8

// step observes, decides and acts until nothing is left to do now (or
// only waiting), then reports the server's state to the model.
func (a *actor) step(ctx context.Context, spec rds.Node) error {
	if err := a.issueCert(spec); err != nil {
		return err
	}
	if !spec.Resync {
		a.resynced = false
	}
	if held := a.c.held(spec); held != a.held {
		a.c.cfg.Model.ObserveInstanceHeld(spec.Key, held)
		a.held = held
	}
	if a.held {
		a.reported = false
	}
	for range maxRounds {
		own := a.observe(ctx, spec, time.Now())
		acts := a.decide(ctx, spec, own)
		if err := a.settle(ctx, spec, own); err != nil {
			return err
		}
		changed, err := a.act(ctx, spec, acts)
		if err != nil || !changed {
			return err
		}
	}
	return nil
}

// decide takes the snapshot and decides for this instance; decisions with
// actions (and the first empty one after them) are logged at debug level
// as a replayable decide.Record.
func (a *actor) decide(ctx context.Context, spec rds.Node, own decide.Instance) []decide.Action {
	dspec, snap := a.c.snapshot(spec, own, time.Now())
	if own.Fenced {
		a.freshWriter(ctx, spec, snap)
	}
	rec := decide.NewRecord(dspec, snap, spec.Key)
	if (len(rec.Actions) > 0 || len(a.lastActs) > 0) && a.log.Enabled(ctx, slog.LevelDebug) {
		a.log.Debug("decision", decide.LogKey, rec.String())
	}
	a.lastActs = rec.Actions
	return rec.Actions
}

// settle reports to the model what an observed server is, once it runs
// in the role the topology gives it: its TLS settings applied, ready, its
// role, a detached cluster's promotion and a rebuild after data loss.
func (a *actor) settle(ctx context.Context, spec rds.Node, own decide.Instance) error {
	inRole := own.Running && own.Answered && !a.held && (spec.Writer && !own.InRecovery ||
		!spec.Writer && own.InRecovery && !(spec.Resync && !a.resynced))
	if !inRole {
		return nil
	}
	if err := a.reconfigure(ctx, spec, a.node(spec)); err != nil {
		return err
	}
	// The endpoint answers before the model calls the instance available.
	if err := a.syncFront(spec); err != nil {
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
		return nil
	}
	a.report(spec, "reader")
	if spec.Resync && a.resynced {
		a.c.cfg.Model.ObserveResynced(spec.Key)
	}
	return nil
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

func (a *actor) stop(mode engine.StopMode) {
	a.closeFront()
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
	a.c.setRunning(spec.Key, engine.Node{}, false)
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
