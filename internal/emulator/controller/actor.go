package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
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
type actor struct {
	c    *Controller
	log  *slog.Logger
	wake chan struct{}

	mu   sync.Mutex
	spec rds.Node

	proc     *engine.Process
	upstream string // host:port the server streams from, "" for a writer
	sync     []string
	reported bool
}

func newActor(c *Controller, n rds.Node) *actor {
	return &actor{c: c, spec: n, wake: make(chan struct{}, 1), log: c.log.With("instance", n.Key, "node", n.Name)}
}

func (a *actor) update(n rds.Node) {
	a.mu.Lock()
	a.spec = n
	a.mu.Unlock()
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
	return engine.Node{Name: n.Name, Dir: a.c.nodeDir(n.Name), Host: n.Host, Port: n.Port}
}

// run converges until the instance is deleted or ctx ends; on ctx end it
// stops the server.
func (a *actor) run(ctx context.Context) {
	tick := time.NewTicker(a.c.cfg.Interval)
	defer tick.Stop()
	var exited <-chan struct{}
	for {
		spec := a.current()
		if spec.Deleting {
			if err := a.delete(ctx, spec); err == nil {
				return
			} else if ctx.Err() == nil {
				a.log.Error("delete instance", "err", err)
			}
		} else if err := a.step(ctx, spec); errors.As(err, new(waitingError)) {
			a.log.Debug("converge instance", "waiting", err)
		} else if err != nil && ctx.Err() == nil {
			a.log.Warn("converge instance", "err", err)
		}
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
			a.setRunning(spec, false)
			a.proc, exited = nil, nil
		}
	}
}

// step does the next piece of work towards spec.
func (a *actor) step(ctx context.Context, spec rds.Node) error {
	n := a.node(spec)
	if !exists(n.Dir) {
		if err := a.provision(ctx, spec, n); err != nil {
			return err
		}
	}
	if a.proc == nil {
		p, err := a.c.cfg.Engine.Start(ctx, n)
		if err != nil {
			a.c.cfg.Model.ObserveInstanceFailed(spec.Key)
			return fmt.Errorf("start: %w", err)
		}
		a.proc = p
		a.sync = nil
		a.upstream = ""
	}
	if err := a.ensureRole(ctx, spec, n); err != nil {
		return err
	}
	a.setRunning(spec, true)
	if !spec.Ready || !a.reported {
		a.c.cfg.Model.ObserveInstanceReady(spec.Key)
		a.reported = true
	}
	if spec.Writer && spec.Promoting {
		a.c.cfg.Model.ObservePromoted(spec.Cluster)
	}
	if spec.Writer {
		return a.syncStandbys(ctx, spec, n)
	}
	return nil
}

// provision creates the node's data directory: a writer of a primary or
// standalone cluster adopts the cluster volume; a replica clones its
// upstream (through the WAN link when it crosses regions).
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
	if spec.Upstream == nil {
		return waiting("a writer to stream from")
	}
	host, port, ok := a.c.upstreamAddr(spec.Upstream)
	if !ok {
		return waiting("the upstream server")
	}
	// The initial copy is taken from the upstream server directly, as AWS
	// seeds a secondary's storage out of band; the replication stream then
	// runs through the WAN link.
	src, _ := a.c.runningNode(spec.Upstream.Node)
	if err := a.c.cfg.Engine.Clone(ctx, n, engine.Upstream{Host: src.Host, Port: src.Port}); err != nil {
		return fmt.Errorf("clone from %s: %w", src.Addr(), err)
	}
	if spec.Upstream.Link != nil {
		if err := a.c.cfg.Engine.SetUpstream(n, engine.Upstream{Host: host, Port: port}); err != nil {
			return err
		}
	}
	a.upstream = fmt.Sprintf("%s:%d", host, port)
	return nil
}

// ensureRole promotes a replica that should write and re-points a
// replica whose upstream moved.
func (a *actor) ensureRole(ctx context.Context, spec rds.Node, n engine.Node) error {
	inRecovery, err := a.c.cfg.Engine.InRecovery(ctx, n)
	if err != nil {
		return fmt.Errorf("read role: %w", err)
	}
	if spec.Writer {
		if inRecovery {
			a.log.Info("promoting")
			if err := a.c.cfg.Engine.Promote(ctx, n); err != nil {
				return fmt.Errorf("promote: %w", err)
			}
		}
		return nil
	}
	if !inRecovery {
		return errors.New("server is a primary but should stream from another; rejoin (pg_rewind) is not implemented yet")
	}
	if spec.Upstream == nil {
		return nil
	}
	host, port, ok := a.c.upstreamAddr(spec.Upstream)
	if !ok {
		return nil // keep streaming from where we are until the upstream is known
	}
	addr := fmt.Sprintf("%s:%d", host, port)
	if a.upstream == "" {
		a.upstream = addr // freshly started: its conf holds the last upstream
	}
	if a.upstream != addr {
		if err := a.c.cfg.Engine.Repoint(ctx, n, engine.Upstream{Host: host, Port: port}); err != nil {
			return fmt.Errorf("repoint to %s: %w", addr, err)
		}
		a.upstream = addr
	}
	return nil
}

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

func (a *actor) setRunning(spec rds.Node, up bool) {
	a.c.mu.Lock()
	defer a.c.mu.Unlock()
	if up {
		a.c.running[spec.Key] = a.node(spec)
	} else {
		delete(a.c.running, spec.Key)
	}
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
	a.setRunning(spec, false)
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
	a.c.mu.Lock()
	up, ok := a.c.running[spec.Upstream.Node]
	a.c.mu.Unlock()
	if !ok {
		return
	}
	if err := a.c.cfg.Engine.DropSlot(ctx, up, spec.Name); err != nil {
		a.log.Warn("drop replication slot", "err", err)
	}
}

// waitingError means a step depends on something not ready yet; it is
// not a failure.
type waitingError string

func (w waitingError) Error() string { return "waiting for " + string(w) }

func waiting(what string) error { return waitingError(what) }
