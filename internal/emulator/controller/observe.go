package controller

import (
	"context"
	"maps"
	"net"
	"strconv"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/controller/decide"
	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/emulator/rds"
)

// Observation: each actor observes its own instance (only it touches its
// process) and publishes the facts in the controller's fact table; a
// decision is made on a snapshot, an immutable copy of the table with the
// deciding actor's fresh facts, the fenced writers' final LSNs, the links
// and the faults in force. decide.For turns it into actions.

// publish records an instance's latest facts for the other actors'
// snapshots.
func (c *Controller) publish(key string, i decide.Instance) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.facts[key] = i
}

// toDecide reduces a topology node to what the rules read.
func toDecide(n rds.Node) decide.Node {
	d := decide.Node{Key: n.Key, Name: n.Name, Region: n.Region, Cluster: n.Cluster, Scope: n.Scope,
		Addr: net.JoinHostPort(n.Host, strconv.Itoa(serverPort(n.Port))), Writer: n.Writer, SyncStandbys: n.SyncStandbys,
		VolumeReady: n.VolumeReady, Resync: n.Resync}
	if up := n.Upstream; up != nil {
		d.Upstream = &decide.Upstream{Node: up.Node}
		if l := up.Link; l != nil {
			d.Upstream.Link = &decide.Link{Cluster: l.Cluster, From: l.From, To: l.To, Addr: net.JoinHostPort(l.Host, strconv.Itoa(l.Port))}
		}
	}
	return d
}

// snapshot builds the spec and snapshot a decision for self is made on:
// the topology's nodes (self as spec says), the published facts (self's
// as own says), finals, links, faults, self's cluster volume and now.
func (c *Controller) snapshot(self rds.Node, own decide.Instance, now time.Time) (decide.Spec, decide.Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	snap := decide.Snapshot{Now: now, Instances: make(map[string]decide.Instance, len(c.specs)),
		Finals: map[string]map[string]decide.LSN{}, Links: map[string]decide.LinkState{}, Volumes: map[string]bool{}}
	spec := decide.Spec{Nodes: make([]decide.Node, 0, len(c.specs)+1)}
	nodes := maps.Clone(c.specs)
	nodes[self.Key] = self
	for k, n := range nodes {
		spec.Nodes = append(spec.Nodes, toDecide(n))
		i := c.facts[k]
		if k == self.Key {
			i = own
		}
		i.Held = c.heldLocked(n)
		snap.Instances[k] = i
		if up := n.Upstream; up != nil && up.Link != nil {
			ls := c.links[up.Link.Cluster]
			snap.Links[up.Link.Cluster] = decide.LinkState{Ready: ls != nil && ls.target != "",
				Cut: c.cfg.Net.Link(up.Link.From, up.Link.To).Cut}
		}
	}
	for scope, fs := range c.finals {
		snap.Finals[scope] = map[string]decide.LSN{}
		for k, l := range fs {
			snap.Finals[scope][k] = decide.LSN(l)
		}
	}
	if self.Writer && !own.DataDir {
		snap.Volumes[self.Cluster] = exists(c.volumeDir(self.Cluster))
	}
	return spec, snap
}

// observe reads the actor's own instance: its data directory and, when
// its server runs, one status query. It keeps since when a standby has
// not streamed, and since when its upstream has been reachable.
func (a *actor) observe(ctx context.Context, spec rds.Node, now time.Time) decide.Instance {
	n := a.node(spec)
	i := decide.Instance{DataDir: exists(n.Dir), Fenced: a.fenced, FenceFailed: a.fenceFailed, SlotOn: a.slotOn,
		Resynced: a.resynced, RewindFailed: a.rewindFailed, Sync: a.sync}
	if i.DataDir {
		i.Standby = a.c.cfg.Engine.IsStandby(n)
	}
	if a.proc != nil {
		i.Running = true
	}
	if a.proc != nil && !a.c.held(spec) { // a held server is killed, not asked
		st, err := a.c.cfg.Engine.Status(ctx, n)
		if err != nil {
			a.log.Debug("observe", "err", err)
		} else {
			i.Answered, i.InRecovery, i.Received = true, st.InRecovery, decide.LSN(st.Received)
			i.Streaming, i.StreamsFrom = st.Streaming, st.StreamsFrom
			for _, r := range st.Replicas {
				i.Walsenders = append(i.Walsenders, decide.Walsender{Name: r.Name, State: r.State})
			}
		}
	}
	a.notStreaming = since(a.notStreaming, i.Running && i.Answered && i.InRecovery && !i.Streaming, now)
	a.upstreamUp = since(a.upstreamUp, a.upstreamReachable(spec), now)
	i.NotStreamingSince, i.UpstreamUpSince = a.notStreaming, a.upstreamUp
	a.c.publish(spec.Key, i)
	return i
}

// since returns when a condition that holds now began: start if it held
// already, now if it just began, zero if it does not hold.
func since(start time.Time, holds bool, now time.Time) time.Time {
	switch {
	case !holds:
		return time.Time{}
	case start.IsZero():
		return now
	}
	return start
}

// upstreamReachable reports whether a standby's upstream runs and its
// link, if any, is not cut.
func (a *actor) upstreamReachable(spec rds.Node) bool {
	if spec.Upstream == nil {
		return false
	}
	if _, ok := a.c.runningNode(spec.Upstream.Node); !ok {
		return false
	}
	l := spec.Upstream.Link
	return l == nil || !a.c.cfg.Net.Link(l.From, l.To).Cut
}

// freshWriter re-reads the received WAL position of the writer a fenced
// old writer hands over to, so that the handover does not wait for that
// writer's own next observation.
func (a *actor) freshWriter(ctx context.Context, spec rds.Node, snap decide.Snapshot) {
	for _, k := range a.c.scopeWriters(spec) {
		i := snap.Instances[k]
		n, ok := a.c.runningNode(k)
		if !ok || !i.Running {
			continue
		}
		if lsn, err := a.c.cfg.Engine.ReceivedLSN(ctx, n); err == nil && decide.LSN(lsn) > i.Received {
			i.Received, i.Answered = decide.LSN(lsn), true
			snap.Instances[k] = i
		}
	}
}

// scopeWriters lists the other nodes the topology names writer of spec's
// scope.
func (c *Controller) scopeWriters(spec rds.Node) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for k, s := range c.specs {
		if k != spec.Key && s.Scope == spec.Scope && s.Writer {
			out = append(out, k)
		}
	}
	return out
}

// candidates lists the instances a dead writer's cluster may fail over
// to, most up to date first, from a fresh reading of each running
// replica's WAL position (decide.Candidates orders them).
func (c *Controller) candidates(dead rds.Node) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c.mu.Lock()
	nodes := maps.Clone(c.specs)
	running := maps.Clone(c.running)
	c.mu.Unlock()
	nodes[dead.Key] = dead
	spec := decide.Spec{}
	snap := decide.Snapshot{Now: time.Now(), Instances: map[string]decide.Instance{}}
	for k, n := range nodes {
		spec.Nodes = append(spec.Nodes, toDecide(n))
		i := decide.Instance{Held: c.held(n)}
		if en, ok := running[k]; ok && k != dead.Key && n.Cluster == dead.Cluster {
			i.Running = true
			if lsn, err := c.cfg.Engine.ReceivedLSN(ctx, en); err == nil {
				i.Answered, i.Received = true, decide.LSN(lsn)
			}
		}
		snap.Instances[k] = i
	}
	out := decide.Candidates(spec, snap, dead.Key)
	c.log.Debug("failover candidates", "dead", dead.Key, "candidates", out, decide.LogKey, decide.Record{Spec: spec, Snapshot: snap}.String())
	return out
}

// recordFinal remembers the last WAL position a fenced primary wrote.
func (c *Controller) recordFinal(scope, key string, lsn engine.LSN) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.finals[scope] == nil {
		c.finals[scope] = map[string]engine.LSN{}
	}
	c.finals[scope][key] = lsn
}

// clearFinals forgets a scope's fenced writers once its new writer is
// promoted with all their WAL.
func (c *Controller) clearFinals(scope string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.finals, scope)
}
