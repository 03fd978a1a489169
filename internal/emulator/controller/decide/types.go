// Package decide holds every safety rule of the emulator's controller as
// one pure function: Decide(spec, snapshot) returns the actions that move
// the real world towards the spec, given what was observed of it. It does
// no I/O, reads no clock (the snapshot carries the time) and starts no
// goroutine, so a decision can be table-tested with plain data and a
// logged decision can be replayed offline (Record).
//
// The rules are the ones on which split-brain and lost writes depend:
// fence before promote, promote only with the fenced writer's last WAL,
// hand over before an old writer stops, rewind before a diverged data
// directory starts as a replica (re-clone when the rewind failed), rebuild
// after a failover with data loss, re-clone a replica whose stream has
// been down (never across a cut link), order failover candidates by LSN.
package decide

import (
	"fmt"
	"time"
)

// LSN is a PostgreSQL write-ahead log position.
type LSN uint64

func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint64(l)>>32, uint32(l)) }

// Spec is the desired state: the model's topology, reduced to what the
// rules read.
type Spec struct {
	Nodes []Node `json:"nodes"`
}

// Node is one instance as the topology wants it.
type Node struct {
	Key     string `json:"key"`     // instance key region/id
	Name    string `json:"name"`    // engine node name (slot name)
	Region  string `json:"region"`  //
	Cluster string `json:"cluster"` // cluster key
	// Scope groups the nodes of one replication topology (a global
	// cluster, or a standalone cluster): at most one of them may write.
	Scope string `json:"scope"`
	Addr  string `json:"addr"` // host:port of the node's own server
	// Writer: the node should accept writes.
	Writer   bool      `json:"writer,omitempty"`
	Upstream *Upstream `json:"upstream,omitempty"` // nil for a writer
	// SyncStandbys are the in-region replicas the writer waits for.
	SyncStandbys []string `json:"syncStandbys,omitempty"`
	// VolumeReady: the cluster volume is initialised (a writer adopts it).
	VolumeReady bool `json:"volumeReady,omitempty"`
	// Resync: the node's data may hold writes the new primary never had
	// (a failover with data loss); rebuild it before it serves.
	Resync bool `json:"resync,omitempty"`
}

// Upstream is where a replica streams from.
type Upstream struct {
	Node string `json:"node"`           // instance key
	Link *Link  `json:"link,omitempty"` // set when the stream crosses regions
}

// Link is the WAN link a cross-region stream runs through.
type Link struct {
	Cluster string `json:"cluster"` // secondary cluster key (the link's identity)
	From    string `json:"from"`    // region of the upstream
	To      string `json:"to"`      // region of the replica
	Addr    string `json:"addr"`    // host:port the replica connects to
}

// Snapshot is what was observed of the real world at one moment. It is
// immutable once built: Decide only reads it.
type Snapshot struct {
	// Now is when the snapshot was taken; the rules that wait for a
	// duration compare against it, never against a clock.
	Now       time.Time           `json:"now"`
	Instances map[string]Instance `json:"instances"` // by instance key
	// Finals are the last WAL positions of fenced old writers, by scope
	// and instance key: a new writer of the scope is promoted only once it
	// has received them.
	Finals map[string]map[string]LSN `json:"finals,omitempty"`
	Links  map[string]LinkState      `json:"links,omitempty"` // by Link.Cluster
	// Volumes lists the clusters whose volume directory exists.
	Volumes map[string]bool `json:"volumes,omitempty"`
}

// LinkState is a WAN link as observed.
type LinkState struct {
	// Ready: the link's proxy is aimed at a running upstream.
	Ready bool `json:"ready,omitempty"`
	// Cut: the link carries no traffic (a fault).
	Cut bool `json:"cut,omitempty"`
}

// Instance is what was observed of one instance's server and data.
type Instance struct {
	DataDir bool `json:"dataDir,omitempty"` // its data directory exists
	// Standby: the data directory starts as a standby (standby.signal).
	// One without it starts as a primary and accepts writes.
	Standby bool `json:"standby,omitempty"`
	Running bool `json:"running,omitempty"`
	// The following are known only while Running and Answered.
	Answered   bool `json:"answered,omitempty"` // the server answered the observation's query
	InRecovery bool `json:"inRecovery,omitempty"`
	// Received is how far it has WAL: received (a standby) or inserted
	// (a primary).
	Received LSN `json:"received,omitempty"`
	// Streaming: its WAL receiver streams; StreamsFrom is where its
	// settings point ("" when nowhere).
	Streaming   bool   `json:"streaming,omitempty"`
	StreamsFrom string `json:"streamsFrom,omitempty"`
	// NotStreamingSince is when a running standby was first seen without
	// a streaming WAL receiver (zero while it streams).
	NotStreamingSince time.Time `json:"notStreamingSince,omitzero"`
	// UpstreamUpSince is since when its upstream has been running and its
	// link, if any, not cut (zero while not).
	UpstreamUpSince time.Time `json:"upstreamUpSince,omitzero"`
	// SlotOn is the instance key of the server known to hold its
	// replication slot.
	SlotOn string `json:"slotOn,omitempty"`
	// Fenced: it runs as a primary refusing clients, handing over.
	Fenced bool `json:"fenced,omitempty"`
	// FenceFailed: the last attempt to fence it failed.
	FenceFailed bool `json:"fenceFailed,omitempty"`
	// Held: a fault (instance failure, region outage) holds it down.
	Held bool `json:"held,omitempty"`
	// Resynced: it was rebuilt from its upstream since Resync was set.
	Resynced bool `json:"resynced,omitempty"`
	// RewindFailed: the last pg_rewind of its data failed; only a fresh
	// copy can make it a replica.
	RewindFailed bool `json:"rewindFailed,omitempty"`
	// Walsenders are a primary's replication connections.
	Walsenders []Walsender `json:"walsenders,omitempty"`
	// Sync is the synchronous_standby_names list last applied; nil when
	// unknown (a freshly started server). Not omitted when empty: an
	// empty list (asynchronous) and an unknown one decide differently.
	Sync []string `json:"sync"`
}

// Walsender is one of a primary's replication connections.
type Walsender struct {
	Name  string `json:"name"`  // the standby's node name
	State string `json:"state"` // "streaming", "catchup", …
}

// MayWrite reports whether the instance may run as a primary: it runs and
// was not seen in recovery. A running server that did not answer counts:
// the one-writer rule must not read silence as safety.
func (i Instance) MayWrite() bool { return i.Running && !(i.Answered && i.InRecovery) }

// Primary reports whether the instance was seen running as a primary.
func (i Instance) Primary() bool { return i.Running && i.Answered && !i.InRecovery }
