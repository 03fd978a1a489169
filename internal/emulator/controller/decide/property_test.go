package decide

import (
	"math/rand/v2"
	"testing"
	"time"
)

var keys = []string{eW, eR1, eR2, wS1, wS2}

func region(k string) string {
	if k == wS1 || k == wS2 {
		return "eu-west-1"
	}
	return "us-east-1"
}

func clusterOf(k string) string {
	if region(k) == "eu-west-1" {
		return "eu-west-1/sc"
	}
	return "us-east-1/pc"
}

// randomWorld draws a spec (at most one writer per scope, as the model
// names them) and a snapshot whose facts are drawn independently: many
// are impossible in practice, which is the point.
func randomWorld(r *rand.Rand) (Spec, Snapshot) {
	links := map[string]*Link{
		"eu-west-1/sc": {Cluster: "eu-west-1/sc", From: "us-east-1", To: "eu-west-1", Addr: "127.0.0.1:6001"},
		"us-east-1/pc": {Cluster: "us-east-1/pc", From: "eu-west-1", To: "us-east-1", Addr: "127.0.0.1:6002"},
	}
	writer := r.IntN(len(keys) + 1) // len(keys): no writer
	var spec Spec
	for i, k := range keys {
		n := Node{Key: k, Name: k[len(k)-2:], Region: region(k), Cluster: clusterOf(k), Scope: scope, Addr: addr(k),
			VolumeReady: r.IntN(2) == 0, Resync: r.IntN(4) == 0}
		switch up := keys[r.IntN(len(keys))]; {
		case i == writer:
			n.Writer = true
			for _, o := range keys {
				if o != k && region(o) == region(k) && r.IntN(2) == 0 {
					n.SyncStandbys = append(n.SyncStandbys, o[len(o)-2:])
				}
			}
		case r.IntN(5) == 0 || up == k:
		case region(up) != region(k):
			n.Upstream = &Upstream{Node: up, Link: links[clusterOf(k)]}
		default:
			n.Upstream = &Upstream{Node: up}
		}
		spec.Nodes = append(spec.Nodes, n)
	}
	b := func() bool { return r.IntN(2) == 0 }
	addrs := []string{"", addr(eW), addr(eR1), "127.0.0.1:6001", "127.0.0.1:6002"}
	snap := Snapshot{Now: t0, Instances: map[string]Instance{}, Finals: map[string]map[string]LSN{scope: {}},
		Links: map[string]LinkState{}, Volumes: map[string]bool{}}
	for _, k := range keys {
		i := Instance{DataDir: b(), Standby: b(), Running: b(), Answered: b(), InRecovery: b(),
			Received: LSN(r.IntN(5)), Streaming: b(), StreamsFrom: addrs[r.IntN(len(addrs))],
			SlotOn: keys[r.IntN(len(keys))], Fenced: b(), FenceFailed: r.IntN(5) == 0, Held: r.IntN(5) == 0,
			Resynced: b(), RewindFailed: r.IntN(4) == 0}
		switch r.IntN(3) {
		case 0:
			i.Sync = []string{}
		case 1:
			i.Sync = []string{"r1"}
		}
		if b() {
			i.NotStreamingSince = t0.Add(-time.Duration(r.IntN(20)) * time.Second)
		}
		if b() {
			i.UpstreamUpSince = t0.Add(-time.Duration(r.IntN(20)) * time.Second)
		}
		for _, o := range keys {
			if b() {
				i.Walsenders = append(i.Walsenders, Walsender{Name: o[len(o)-2:], State: []string{"streaming", "catchup"}[r.IntN(2)]})
			}
		}
		snap.Instances[k] = i
		if r.IntN(3) == 0 {
			snap.Finals[scope][k] = LSN(r.IntN(5))
		}
	}
	for c := range links {
		snap.Links[c] = LinkState{Ready: b(), Cut: b()}
		snap.Volumes[c] = b()
	}
	return spec, snap
}

// TestDecide_Properties checks the safety properties over random
// snapshots: decide never yields two writers in one global cluster, never
// promotes without the fenced writers' last WAL, never stops a fenced
// writer before the new writer has it, and never copies data across a cut
// link.
func TestDecide_Properties(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 2026))
	n := 20000
	if testing.Short() {
		n = 5000
	}
	for range n {
		spec, snap := randomWorld(r)
		acts := Decide(spec, snap)
		if msg := violation(spec, snap, acts); msg != "" {
			t.Fatalf("%s\n%s", msg, NewRecord(spec, snap, "").String())
		}
	}
}

// violation returns which safety property acts break, or "".
func violation(spec Spec, snap Snapshot, acts []Action) string {
	v := newView(spec, snap)
	by := map[string][]Kind{}
	for _, a := range acts {
		by[a.Node] = append(by[a.Node], a.Kind)
	}
	has := func(k string, kinds ...Kind) bool {
		for _, got := range by[k] {
			for _, want := range kinds {
				if got == want {
					return true
				}
			}
		}
		return false
	}
	// Servers that accept client writes after the decision, and those the
	// decision makes writers.
	var existing, made []string
	for _, k := range keys {
		i := snap.Instances[k]
		if i.MayWrite() && !i.Fenced && !has(k, Fence, Stop) {
			existing = append(existing, k)
		}
		startsPrimary := has(k, Start) && (has(k, Provision) || i.DataDir && !i.Standby && !has(k, Clone, Rewind, Reclone))
		if has(k, Promote) || startsPrimary {
			made = append(made, k)
		}
	}
	if len(made) > 1 {
		return "two servers made writers in one decision: " + made[0] + ", " + made[1]
	}
	for _, m := range made {
		for _, e := range existing {
			if e != m {
				return m + " made a writer while " + e + " may write"
			}
		}
	}
	for _, a := range acts {
		n := v.nodes[a.Node]
		switch a.Kind {
		case Promote:
			if need := v.finalLSN(n.Scope); snap.Instances[a.Node].Received < need {
				return a.Node + " promoted without the fenced writers' last WAL"
			}
		case Clone, Reclone, Rewind:
			if n.Upstream != nil && n.Upstream.Link != nil && snap.Links[n.Upstream.Link.Cluster].Cut {
				return a.Node + " copied across a cut link"
			}
		case Stop:
			if a.Rule != RuleHandover {
				continue
			}
			final := snap.Finals[n.Scope][a.Node]
			for _, k := range keys {
				if o := v.nodes[k]; k != a.Node && o.Writer && o.Scope == n.Scope && snap.Instances[k].Received < final {
					return a.Node + " stopped before the new writer had its last WAL"
				}
			}
		}
	}
	return ""
}

// TestRecord_RoundTrip checks that a logged decision replays to the same
// actions after going through its JSON form, for random snapshots.
func TestRecord_RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 15))
	for range 2000 {
		spec, snap := randomWorld(r)
		key := ""
		if r.IntN(2) == 0 {
			key = keys[r.IntN(len(keys))]
		}
		rec := NewRecord(spec, snap, key)
		back, err := ParseRecord([]byte(rec.String()))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := back.Replay(); !ok {
			t.Fatalf("replay after JSON differs:\n got  %s\n want %s\n%s", show(got), show(rec.Actions), rec)
		}
	}
}

// TestRecord_EmptySyncSurvivesJSON: an applied empty synchronous standby
// list (asynchronous) is not read back as unknown, which would decide a
// SetSync the logged decision did not (found replaying a real log).
func TestRecord_EmptySyncSurvivesJSON(t *testing.T) {
	w := healthy().inst(eW, func(i *Instance) { i.Sync, i.Walsenders = []string{}, nil })
	rec := NewRecord(w.spec, w.snap, eW)
	if len(rec.Actions) != 0 {
		t.Fatalf("decided %s, want nothing", show(rec.Actions))
	}
	back, err := ParseRecord([]byte(rec.String()))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := back.Replay(); !ok {
		t.Errorf("replayed %s, want nothing", show(got))
	}
}
