package controller

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/controller/decide"
	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/emulator/rds"
)

// Executors: each carries out one decided action through engine and
// records what the next observation needs (the actor's own state). They
// decide nothing: a failure is reported, and the next decision (on the
// next observation) says what follows.

// act carries out acts in order and reports whether the world changed
// (so the caller decides again at once); it stops at the first failure
// or Wait.
func (a *actor) act(ctx context.Context, spec rds.Node, acts []decide.Action) (changed bool, err error) {
	for _, x := range acts {
		if x.Kind == decide.Wait {
			return changed, waiting(x.Reason)
		}
		if err := a.do(ctx, spec, x); err != nil {
			return changed, err
		}
		changed = true
	}
	return changed, nil
}

func (a *actor) do(ctx context.Context, spec rds.Node, x decide.Action) error {
	n := a.node(spec)
	switch x.Kind {
	case decide.Provision:
		return a.adoptVolume(spec, n)
	case decide.Clone:
		return a.clone(ctx, spec, n, x)
	case decide.Rewind:
		return a.rewind(ctx, spec, n, x)
	case decide.Reclone:
		return a.reclone(ctx, spec, n, x)
	case decide.Start:
		return a.start(ctx, spec, n)
	case decide.Stop:
		a.stopFor(spec, n, x)
		return nil
	case decide.Promote:
		a.log.Info("promoting")
		if err := a.c.cfg.Engine.Promote(ctx, n); err != nil {
			return fmt.Errorf("promote: %w", err)
		}
		a.c.clearFinals(spec.Scope)
		return nil
	case decide.Fence:
		return a.fence(ctx, spec, n)
	case decide.Repoint:
		return a.repoint(ctx, n, x)
	case decide.EnsureSlot:
		return a.ensureSlot(ctx, spec, x.From)
	case decide.SetSync:
		if err := a.c.cfg.Engine.SetSyncStandbys(ctx, n, x.Names); err != nil {
			return fmt.Errorf("set synchronous standbys: %w", err)
		}
		a.sync = append([]string{}, x.Names...)
		return nil
	}
	return fmt.Errorf("unknown action %q", x.Kind)
}

// upstreamOf returns where the running server key listens.
func (a *actor) upstreamOf(key string) (engine.Upstream, error) {
	n, ok := a.c.runningNode(key)
	if !ok {
		return engine.Upstream{}, waiting(key + " to run")
	}
	return engine.Upstream{Host: n.Host, Port: n.Port}, nil // n is the engine node: its server's port
}

// streamTo parses an action's "host:port".
func streamTo(addr string) (engine.Upstream, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return engine.Upstream{}, fmt.Errorf("bad stream address %q: %w", addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return engine.Upstream{}, fmt.Errorf("bad stream address %q: %w", addr, err)
	}
	return engine.Upstream{Host: host, Port: p}, nil
}

// adoptVolume makes the cluster volume the writer's data directory.
func (a *actor) adoptVolume(spec rds.Node, n engine.Node) error {
	vol := a.c.volumeDir(spec.Cluster)
	if err := os.Rename(vol, n.Dir); err != nil {
		return fmt.Errorf("adopt cluster volume: %w", err)
	}
	_ = os.Rename(vol+".log", n.Dir+".log")
	return nil
}

// clone copies x.From's data, as AWS seeds a secondary's storage out of
// band, and streams from x.To (its link, across regions) afterwards.
func (a *actor) clone(ctx context.Context, spec rds.Node, n engine.Node, x decide.Action) error {
	src, err := a.upstreamOf(x.From)
	if err != nil {
		return err
	}
	if err := a.c.cfg.Engine.Clone(ctx, n, src); err != nil {
		return fmt.Errorf("clone from %s:%d: %w", src.Host, src.Port, err)
	}
	a.slotOn, a.rewindFailed = x.From, false
	a.resynced = spec.Resync // a fresh copy of the upstream
	return a.setStream(n, src, x.To)
}

// setStream writes the standby's connection settings when it streams
// from elsewhere than the server its data came from.
func (a *actor) setStream(n engine.Node, src engine.Upstream, to string) error {
	up, err := streamTo(to)
	if err != nil {
		return err
	}
	if up == src {
		return nil
	}
	return a.c.cfg.Engine.SetUpstream(n, up)
}

// rewind turns stopped data into a standby of x.From (pg_rewind). A
// failed rewind is recorded: the next decision re-clones.
func (a *actor) rewind(ctx context.Context, spec rds.Node, n engine.Node, x decide.Action) error {
	src, err := a.upstreamOf(x.From)
	if err != nil {
		return err
	}
	a.log.Info("rejoining as a replica", "source", fmt.Sprintf("%s:%d", src.Host, src.Port))
	if err := a.c.cfg.Engine.Rewind(ctx, n, src); err != nil {
		a.log.Warn("pg_rewind failed; taking a fresh copy", "err", err)
		a.rewindFailed = true
		return nil
	}
	// The rewind made the node's slot on its source; a node rewound from
	// the writer but streaming from another server needs it there too,
	// before it starts.
	if x.Slot != x.From {
		up, err := a.upstreamOf(x.Slot)
		if err != nil {
			return err
		}
		if err := a.c.cfg.Engine.EnsureSlot(ctx, up, spec.Name); err != nil {
			return fmt.Errorf("replication slot on the upstream: %w", err)
		}
	}
	a.slotOn, a.resynced = x.Slot, spec.Resync
	return a.setStream(n, src, x.To)
}

// reclone stops the server if it runs, removes its data and clones.
func (a *actor) reclone(ctx context.Context, spec rds.Node, n engine.Node, x decide.Action) error {
	a.log.Warn("taking a fresh copy", "reason", x.Reason)
	if a.proc != nil {
		a.stop(engine.StopFast)
		a.c.setRunning(spec.Key, n, false)
	}
	if err := a.c.cfg.Engine.Remove(ctx, n); err != nil {
		return fmt.Errorf("remove data to re-clone: %w", err)
	}
	return a.clone(ctx, spec, n, x)
}

func (a *actor) start(ctx context.Context, spec rds.Node, n engine.Node) error {
	p, err := a.c.cfg.Engine.Start(ctx, n)
	if err != nil {
		a.c.cfg.Model.ObserveInstanceFailed(spec.Key)
		return fmt.Errorf("start: %w", err)
	}
	a.proc, a.sync, a.notStreaming, a.fenced, a.fenceFailed = p, nil, time.Time{}, false, false
	a.tls.applied = a.tls.want(spec)
	a.c.setRunning(spec.Key, n, true)
	// Running and not yet observed: counts as a possible writer for the
	// other actors' decisions until its next observation.
	a.c.publish(spec.Key, decide.Instance{DataDir: true, Standby: a.c.cfg.Engine.IsStandby(n), Running: true})
	return nil
}

// stopFor stops the server for the reason x gives: a fault crashes it
// (SIGKILL); otherwise a fast shutdown.
func (a *actor) stopFor(spec rds.Node, n engine.Node, x decide.Action) {
	if x.Crash {
		a.log.Info("fault: killing postgres")
		if a.proc != nil {
			if err := a.proc.Kill(); err != nil {
				a.log.Warn("kill postgres", "err", err)
			}
			a.proc = nil
		}
		a.fenced, a.fenceFailed = false, false
		a.down(spec)
		return
	}
	a.log.Info("stopping postgres", "reason", x.Reason)
	a.stop(engine.StopFast)
	a.fenced, a.fenceFailed = false, false
	a.c.setRunning(spec.Key, n, false)
	a.report(spec, "")
}

// fence makes a running primary refuse clients (pg_hba admits only
// replication and the admin; sessions are terminated), waits briefly
// until its streaming standbys have all its WAL, and records its last
// WAL position so its scope's new writer is promoted only with it.
func (a *actor) fence(ctx context.Context, spec rds.Node, n engine.Node) error {
	if !a.fenced {
		a.log.Info("fencing the old writer")
	}
	lsn, err := a.c.cfg.Engine.Fence(ctx, n)
	if err != nil {
		a.log.Warn("fence old writer", "err", err)
		a.fenceFailed = true
		return nil
	}
	if !a.fenced {
		wctx, cancel := context.WithTimeout(ctx, fenceDrain)
		if ok, _ := a.c.cfg.Engine.WaitReplicated(wctx, n, lsn); !ok {
			a.log.Warn("standbys did not confirm the old writer's last WAL in time", "lsn", lsn)
		}
		cancel()
	}
	a.fenced = true
	a.c.recordFinal(spec.Scope, spec.Key, lsn)
	return nil
}

// fenceDrain bounds how long an old writer waits for its standbys to
// confirm its last WAL before it stops.
const fenceDrain = 10 * time.Second

// repoint makes the running standby stream from x.To, with its slot on
// the server behind it (x.From).
func (a *actor) repoint(ctx context.Context, n engine.Node, x decide.Action) error {
	up, err := streamTo(x.To)
	if err != nil {
		return err
	}
	if err := a.c.cfg.Engine.Repoint(ctx, n, up); err != nil {
		return fmt.Errorf("repoint to %s: %w", x.To, err)
	}
	a.slotOn, a.notStreaming = x.From, time.Time{}
	return nil
}

// ensureSlot makes sure the server our stream reaches holds our
// replication slot: behind a WAN link the upstream can change (the
// primary's writer moved) without our connection settings changing.
func (a *actor) ensureSlot(ctx context.Context, spec rds.Node, on string) error {
	up, err := a.upstreamOf(on)
	if err != nil {
		return err
	}
	if err := a.c.cfg.Engine.EnsureSlot(ctx, up, spec.Name); err != nil {
		return fmt.Errorf("ensure replication slot on the upstream: %w", err)
	}
	a.slotOn = on
	return nil
}

// waitingError means a step depends on something not ready yet; it is
// not a failure.
type waitingError string

func (w waitingError) Error() string { return "waiting for " + string(w) }

func waiting(what string) error { return waitingError(what) }

func isWaiting(err error) bool { return errors.As(err, new(waitingError)) }
