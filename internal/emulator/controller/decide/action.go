package decide

// Kind names what an action does.
type Kind string

// The actions an executor carries out, each on one instance (Node).
const (
	// Provision adopts the cluster volume as a writer's data directory.
	Provision Kind = "provision"
	// Clone copies From's data into the instance's empty data directory,
	// with its replication slot on From, streaming from To afterwards.
	Clone Kind = "clone"
	// Rewind makes a stopped data directory a standby of From (pg_rewind),
	// with a slot on Slot when that differs from From, streaming from To.
	Rewind Kind = "rewind"
	// Reclone stops the server if it runs, removes its data and clones
	// From, streaming from To.
	Reclone Kind = "reclone"
	// Start starts the server.
	Start Kind = "start"
	// Stop stops the server (SIGKILL when Crash: a fault crashes it).
	Stop Kind = "stop"
	// Promote promotes a standby to primary.
	Promote Kind = "promote"
	// Fence makes a running primary refuse clients, records its last WAL
	// position as its scope's final, and lets standbys drain it.
	Fence Kind = "fence"
	// Repoint makes a running standby stream from To, with a slot on From.
	Repoint Kind = "repoint"
	// EnsureSlot creates the standby's replication slot on From.
	EnsureSlot Kind = "ensure-slot"
	// SetSync sets a primary's synchronous standbys to Names.
	SetSync Kind = "set-sync"
	// Wait does nothing: the instance waits for Reason.
	Wait Kind = "wait"
)

// Action is one step for an executor. Rule names the rule that decided it
// (the constants below), so logs and tests can tell why.
type Action struct {
	Kind   Kind     `json:"kind"`
	Node   string   `json:"node"` // instance key acted on
	Rule   Rule     `json:"rule"`
	From   string   `json:"from,omitempty"`  // instance key of the source or slot holder
	To     string   `json:"to,omitempty"`    // host:port the standby streams from
	Slot   string   `json:"slot,omitempty"`  // Rewind: instance key that must hold the slot
	Names  []string `json:"names,omitempty"` // SetSync
	Crash  bool     `json:"crash,omitempty"` // Stop: kill, as a fault does
	Reason string   `json:"reason,omitempty"`
}

// Rule names one safety or convergence rule.
type Rule string

// The rules Decide applies, in the order it considers them for an
// instance.
const (
	// RuleFaultHoldsDown: a fault keeps the server down (crashed).
	RuleFaultHoldsDown Rule = "fault-holds-down"
	// RuleAdoptVolume: a writer without data adopts the cluster volume.
	RuleAdoptVolume Rule = "adopt-volume"
	// RuleCloneUpstream: a replica without data clones its upstream,
	// never across a cut link.
	RuleCloneUpstream Rule = "clone-upstream"
	// RuleResyncStop: a running standby whose data may hold lost writes
	// stops to be rebuilt before it serves again.
	RuleResyncStop Rule = "resync-stop"
	// RuleRejoin: data that would start as a primary (an old writer), or
	// that may hold lost writes, is rewound from the current writer
	// before it starts as a replica; re-cloned when the rewind failed.
	RuleRejoin Rule = "rejoin"
	// RuleStart: a stopped server whose data is fit for its role starts.
	RuleStart Rule = "start"
	// RuleOneWriter: a writer is promoted only once no other server of
	// its scope may run as a primary, and only one writer is named.
	RuleOneWriter Rule = "one-writer"
	// RuleFencedLSN: a writer is promoted only once it has received the
	// last WAL of every fenced old writer of its scope.
	RuleFencedLSN Rule = "fenced-lsn"
	// RulePromote: a writer still in recovery is promoted.
	RulePromote Rule = "promote"
	// RuleFence: a server running as a primary that should not write is
	// fenced (refuses clients) before anything else.
	RuleFence Rule = "fence"
	// RuleHandover: a fenced old writer stops only once the new writer
	// of its scope has received its last WAL.
	RuleHandover Rule = "handover"
	// RuleRepoint: a standby streams from where the topology says.
	RuleRepoint Rule = "repoint"
	// RuleReclone: a standby that has not streamed from its running
	// upstream for ReCloneAfter is rebuilt; never while its link is cut.
	RuleReclone Rule = "reclone"
	// RuleSyncStandbys: a primary waits for its streaming in-region
	// replicas (quorum of one), asynchronous when none streams.
	RuleSyncStandbys Rule = "sync-standbys"
)

// Rules lists every rule, for tests that check each is exercised.
var Rules = []Rule{RuleFaultHoldsDown, RuleAdoptVolume, RuleCloneUpstream, RuleResyncStop, RuleRejoin,
	RuleStart, RuleOneWriter, RuleFencedLSN, RulePromote, RuleFence, RuleHandover, RuleRepoint, RuleReclone,
	RuleSyncStandbys}
