package decide

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// ReCloneAfter is how long a standby may go without streaming from a
// running upstream before it is rebuilt.
const ReCloneAfter = 8 * time.Second

// Decide returns the actions that move the observed world towards spec,
// instance by instance in key order; an instance's actions are to be
// carried out in order, and an executor stops at the first that fails.
// An instance with nothing to do gets no action.
func Decide(spec Spec, snap Snapshot) []Action {
	v := newView(spec, snap)
	keys := make([]string, 0, len(spec.Nodes))
	for _, n := range spec.Nodes {
		keys = append(keys, n.Key)
	}
	slices.Sort(keys)
	var out []Action
	for _, k := range keys {
		out = append(out, v.node(v.nodes[k])...)
	}
	return out
}

// For returns Decide's actions for one instance.
func For(spec Spec, snap Snapshot, key string) []Action {
	v := newView(spec, snap)
	n, ok := v.nodes[key]
	if !ok {
		return nil
	}
	return v.node(n)
}

// view indexes a spec and a snapshot for the rules.
type view struct {
	nodes map[string]Node
	snap  Snapshot
}

func newView(spec Spec, snap Snapshot) view {
	v := view{nodes: make(map[string]Node, len(spec.Nodes)), snap: snap}
	for _, n := range spec.Nodes {
		v.nodes[n.Key] = n
	}
	return v
}

func (v view) inst(key string) Instance { return v.snap.Instances[key] }

func wait(n Node, r Rule, format string, args ...any) []Action {
	return []Action{{Kind: Wait, Node: n.Key, Rule: r, Reason: fmt.Sprintf(format, args...)}}
}

// node decides for one instance.
func (v view) node(n Node) []Action {
	i := v.inst(n.Key)
	switch {
	case i.Held && i.Running:
		return []Action{{Kind: Stop, Node: n.Key, Rule: RuleFaultHoldsDown, Crash: true, Reason: "a fault crashes it"}}
	case i.Held:
		return wait(n, RuleFaultHoldsDown, "the fault to clear")
	case !i.DataDir && n.Writer:
		return v.adoptVolume(n)
	case !i.DataDir:
		return v.cloneUpstream(n)
	case i.Running:
		return v.running(n, i)
	default:
		return v.stopped(n, i)
	}
}

// resyncPending: the replica's data may hold writes the new primary never
// had, and it was not rebuilt yet.
func resyncPending(n Node, i Instance) bool { return n.Resync && !i.Resynced && !n.Writer }

func (v view) adoptVolume(n Node) []Action {
	if !n.VolumeReady || !v.snap.Volumes[n.Cluster] {
		return wait(n, RuleAdoptVolume, "the cluster volume")
	}
	if w := v.otherWriters(n); len(w) > 0 {
		return wait(n, RuleOneWriter, "%v to stop writing before the volume starts as a primary", w)
	}
	return []Action{{Kind: Provision, Node: n.Key, Rule: RuleAdoptVolume}, {Kind: Start, Node: n.Key, Rule: RuleStart}}
}

// streamSource returns where a replica's data comes from and where it
// streams from: its upstream, reached through its link when it has one.
// The copy itself is taken from the upstream directly (as AWS seeds a
// secondary's storage out of band), so it is never taken while the link
// is cut: that would carry data across the cut.
func (v view) streamSource(n Node, r Rule) (from, to string, w []Action) {
	if n.Upstream == nil {
		return "", "", wait(n, r, "a writer to stream from")
	}
	up := n.Upstream
	if !v.inst(up.Node).Running {
		return "", "", wait(n, r, "the upstream %s to run", up.Node)
	}
	if up.Link == nil {
		return up.Node, v.nodes[up.Node].Addr, nil
	}
	ls := v.snap.Links[up.Link.Cluster]
	if ls.Cut {
		return "", "", wait(n, r, "the link %s→%s to be healed (it is cut)", up.Link.From, up.Link.To)
	}
	if !ls.Ready {
		return "", "", wait(n, r, "the link %s→%s to reach the upstream", up.Link.From, up.Link.To)
	}
	return up.Node, up.Link.Addr, nil
}

func (v view) cloneUpstream(n Node) []Action {
	from, to, w := v.streamSource(n, RuleCloneUpstream)
	if w != nil {
		return w
	}
	return []Action{{Kind: Clone, Node: n.Key, Rule: RuleCloneUpstream, From: from, To: to},
		{Kind: Start, Node: n.Key, Rule: RuleStart}}
}

// stopped decides for an instance with data and no server.
func (v view) stopped(n Node, i Instance) []Action {
	if !n.Writer && (!i.Standby || resyncPending(n, i)) {
		return v.rejoin(n, i)
	}
	if n.Writer && !i.Standby {
		// The data starts as a primary: only once nobody else may write.
		if w := v.otherWriters(n); len(w) > 0 {
			return wait(n, RuleOneWriter, "%v to stop writing before it starts as a primary", w)
		}
	}
	return []Action{{Kind: Start, Node: n.Key, Rule: RuleStart}}
}

// rejoin makes data that would start as a primary (an old writer), or
// that may hold lost writes, a standby of the current writer before it
// starts: pg_rewind, or a fresh copy when the rewind failed.
func (v view) rejoin(n Node, i Instance) []Action {
	if n.Upstream == nil {
		return wait(n, RuleRejoin, "a writer to rejoin")
	}
	up := n.Upstream
	if u := v.inst(up.Node); !u.Running || up.Link != nil && !u.Primary() {
		return wait(n, RuleRejoin, "the new writer %s to rejoin", up.Node)
	}
	if up.Link == nil && v.nodes[up.Node].Resync {
		return wait(n, RuleRejoin, "the upstream %s to be rebuilt first", up.Node)
	}
	src := up.Node
	if n.Resync && up.Link == nil {
		// A replica behind a replica: pg_rewind reads the source's
		// timeline from its control file, which a standby updates only at
		// its next restartpoint, so rewind from the writer itself.
		w, ok := v.scopeWriter(n.Scope)
		if !ok {
			return wait(n, RuleRejoin, "the new writer of %s to rebuild from", n.Scope)
		}
		src = w
	}
	from, to, w := v.streamSource(n, RuleRejoin)
	if w != nil {
		return w
	}
	start := Action{Kind: Start, Node: n.Key, Rule: RuleStart}
	if i.RewindFailed {
		return []Action{{Kind: Reclone, Node: n.Key, Rule: RuleRejoin, From: from, To: to,
			Reason: "pg_rewind failed"}, start}
	}
	return []Action{{Kind: Rewind, Node: n.Key, Rule: RuleRejoin, From: src, Slot: from, To: to}, start}
}

// scopeWriter returns the node the topology names writer of scope, when
// it runs as a primary.
func (v view) scopeWriter(scope string) (string, bool) {
	for _, k := range v.sortedKeys() {
		if n := v.nodes[k]; n.Scope == scope && n.Writer && v.inst(k).Primary() {
			return k, true
		}
	}
	return "", false
}

func (v view) sortedKeys() []string {
	keys := make([]string, 0, len(v.nodes))
	for k := range v.nodes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// otherWriters lists the other instances of n's scope that may run as an
// unfenced primary (accepting client writes).
func (v view) otherWriters(n Node) []string {
	var out []string
	for _, k := range v.sortedKeys() {
		if i := v.inst(k); k != n.Key && v.nodes[k].Scope == n.Scope && i.MayWrite() && !i.Fenced {
			out = append(out, k)
		}
	}
	return out
}

// running decides for an instance whose server runs.
func (v view) running(n Node, i Instance) []Action {
	if resyncPending(n, i) && i.Standby {
		// It cannot follow the new history and must not serve reads from
		// the old one. (A running old writer is fenced first.)
		return []Action{{Kind: Stop, Node: n.Key, Rule: RuleResyncStop,
			Reason: "rebuild from the upstream after a failover with data loss"}}
	}
	if !n.Writer && i.FenceFailed {
		// A server that should not write and could not be fenced stops:
		// refusing clients by being down.
		return []Action{{Kind: Stop, Node: n.Key, Rule: RuleFence, Reason: "it could not be fenced"}}
	}
	if !i.Answered {
		return wait(n, RuleStart, "the server to answer")
	}
	switch {
	case n.Writer && i.InRecovery:
		return v.promote(n, i)
	case n.Writer:
		return v.syncStandbys(n, i)
	case !i.InRecovery:
		return v.handOver(n, i)
	default:
		return v.follow(n, i)
	}
}

// promote promotes a writer still in recovery once no other server of its
// scope may write, and once it has every fenced old writer's last WAL (a
// writer that died without a clean stop left none to wait for).
func (v view) promote(n Node, i Instance) []Action {
	var named []string
	for _, k := range v.sortedKeys() {
		if o := v.nodes[k]; k != n.Key && o.Scope == n.Scope && o.Writer {
			named = append(named, k)
		}
	}
	if len(named) > 0 {
		return wait(n, RuleOneWriter, "the topology to name one writer of %s (also %v)", n.Scope, named)
	}
	var others []string
	for _, k := range v.sortedKeys() {
		if k != n.Key && v.nodes[k].Scope == n.Scope && v.inst(k).MayWrite() {
			others = append(others, k)
		}
	}
	if len(others) > 0 {
		return wait(n, RuleOneWriter, "the old writer %v to be fenced and stopped", others)
	}
	if need := v.finalLSN(n.Scope); i.Received < need {
		return wait(n, RuleFencedLSN, "WAL up to %s (have %s)", need, i.Received)
	}
	return []Action{{Kind: Promote, Node: n.Key, Rule: RulePromote}}
}

// finalLSN is the furthest last WAL position of scope's fenced writers.
func (v view) finalLSN(scope string) LSN {
	var need LSN
	for _, l := range v.snap.Finals[scope] {
		need = max(need, l)
	}
	return need
}

// syncStandbys keeps a primary's synchronous standbys to its in-region
// replicas that stream now.
func (v view) syncStandbys(n Node, i Instance) []Action {
	names := []string{}
	for _, w := range i.Walsenders {
		if w.State == "streaming" && slices.Contains(n.SyncStandbys, w.Name) {
			names = append(names, w.Name)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if i.Sync != nil && slices.Equal(i.Sync, names) {
		return nil
	}
	return []Action{{Kind: SetSync, Node: n.Key, Rule: RuleSyncStandbys, Names: names}}
}

// handOver fences a server running as a primary that should not write,
// and stops it once the new writer of its scope has its last WAL. A
// scope without another writer needs nothing handed over. A new writer
// whose stream is not connected yet would never get that WAL from a
// stopped server, so the fenced server keeps running, refusing clients.
func (v view) handOver(n Node, i Instance) []Action {
	final, ok := v.snap.Finals[n.Scope][n.Key]
	if !i.Fenced || !ok {
		return []Action{{Kind: Fence, Node: n.Key, Rule: RuleFence}}
	}
	stop := []Action{{Kind: Stop, Node: n.Key, Rule: RuleHandover, Reason: "handed over"}}
	var writer string
	for _, k := range v.sortedKeys() {
		if o := v.nodes[k]; k != n.Key && o.Scope == n.Scope && o.Writer {
			writer = k
		}
	}
	if writer == "" {
		return stop
	}
	w := v.inst(writer)
	switch {
	case !w.Running:
		return wait(n, RuleHandover, "the new writer %s to run before handing over", writer)
	case !w.Answered:
		return wait(n, RuleHandover, "the new writer %s to answer", writer)
	case w.Received < final:
		return wait(n, RuleHandover, "the new writer %s to receive WAL up to %s (has %s)", writer, final, w.Received)
	}
	return stop
}

// follow keeps a standby streaming from its upstream: the slot where the
// stream arrives, the connection settings, and a fresh copy when it has
// not streamed from a running upstream for ReCloneAfter (never while its
// link is cut: the cut is why it does not stream).
func (v view) follow(n Node, i Instance) []Action {
	if n.Upstream == nil {
		return nil
	}
	up := n.Upstream
	if !v.inst(up.Node).Running {
		return nil // keep streaming from where it is until the upstream runs
	}
	var out []Action
	if i.SlotOn != up.Node {
		out = append(out, Action{Kind: EnsureSlot, Node: n.Key, Rule: RuleRepoint, From: up.Node})
	}
	from, to, w := v.streamSource(n, RuleRepoint)
	if w != nil {
		return out
	}
	if i.StreamsFrom != to {
		// Repoint makes the slot on the new upstream too.
		return []Action{{Kind: Repoint, Node: n.Key, Rule: RuleRepoint, From: from, To: to}}
	}
	// The stream counts as down only while it could be up: since the
	// later of when it stopped streaming and when its upstream became
	// reachable (a link that was cut, an upstream that was down, gets
	// ReCloneAfter to reconnect once back).
	if i.Streaming || i.NotStreamingSince.IsZero() || i.UpstreamUpSince.IsZero() {
		return out
	}
	since := i.NotStreamingSince
	if i.UpstreamUpSince.After(since) {
		since = i.UpstreamUpSince
	}
	if v.snap.Now.Sub(since) < ReCloneAfter {
		return out
	}
	return append(out, Action{Kind: Reclone, Node: n.Key, Rule: RuleReclone, From: from, To: to,
		Reason: fmt.Sprintf("no stream from a reachable upstream since %s", since.Format(time.RFC3339))})
}

// Candidates lists the instances a dead writer's cluster may fail over
// to, most up to date first (with quorum commit the first has every
// acknowledged commit): running, not held by a fault, answering, of the
// same cluster; ties keep key order.
func Candidates(spec Spec, snap Snapshot, dead string) []string {
	v := newView(spec, snap)
	d, ok := v.nodes[dead]
	if !ok {
		return nil
	}
	var out []string
	for _, k := range v.sortedKeys() {
		i := v.inst(k)
		if k != dead && v.nodes[k].Cluster == d.Cluster && i.Running && i.Answered && !i.Held {
			out = append(out, k)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return v.inst(out[a]).Received > v.inst(out[b]).Received })
	return out
}
