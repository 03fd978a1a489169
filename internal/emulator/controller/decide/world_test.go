package decide

import (
	"time"
)

// The world the table tests start from: global cluster g with a primary
// cluster in us-east-1 (writer E/w, replicas E/r1 and E/r2 in quorum
// commit) and a secondary cluster in eu-west-1 (W/s1 streams from E/w
// through link W/sc, W/s2 streams from W/s1). Everything healthy.
const (
	eW, eR1, eR2, wS1, wS2 = "us-east-1/w", "us-east-1/r1", "us-east-1/r2", "eu-west-1/s1", "eu-west-1/s2"
	scope                  = "global/g"
	linkAddr               = "127.0.0.1:6001"
)

var t0 = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

func addr(k string) string {
	return map[string]string{eW: "127.0.0.1:5001", eR1: "127.0.0.1:5002", eR2: "127.0.0.1:5003",
		wS1: "127.0.0.1:5004", wS2: "127.0.0.1:5005"}[k]
}

func link() *Link {
	return &Link{Cluster: "eu-west-1/sc", From: "us-east-1", To: "eu-west-1", Addr: linkAddr}
}

// world is a spec and a snapshot that tests change freely (fresh maps
// every call).
type world struct {
	spec Spec
	snap Snapshot
}

func healthy() *world {
	n := func(key, name, region, cluster string, up *Upstream) Node {
		return Node{Key: key, Name: name, Region: region, Cluster: cluster, Scope: scope, Addr: addr(key),
			Upstream: up, VolumeReady: true}
	}
	w := n(eW, "w", "us-east-1", "us-east-1/pc", nil)
	w.Writer, w.SyncStandbys = true, []string{"r1", "r2"}
	spec := Spec{Nodes: []Node{
		w,
		n(eR1, "r1", "us-east-1", "us-east-1/pc", &Upstream{Node: eW}),
		n(eR2, "r2", "us-east-1", "us-east-1/pc", &Upstream{Node: eW}),
		n(wS1, "s1", "eu-west-1", "eu-west-1/sc", &Upstream{Node: eW, Link: link()}),
		n(wS2, "s2", "eu-west-1", "eu-west-1/sc", &Upstream{Node: wS1}),
	}}
	standby := func(from, slotOn string) Instance {
		return Instance{DataDir: true, Standby: true, Running: true, Answered: true, InRecovery: true,
			Received: 1000, Streaming: true, StreamsFrom: from, SlotOn: slotOn, UpstreamUpSince: t0.Add(-time.Hour)}
	}
	snap := Snapshot{
		Now: t0,
		Instances: map[string]Instance{
			eW: {DataDir: true, Running: true, Answered: true, Received: 1000, Sync: []string{"r1", "r2"},
				Walsenders: []Walsender{{"r1", "streaming"}, {"r2", "streaming"}, {"s1", "streaming"}}},
			eR1: standby(addr(eW), eW),
			eR2: standby(addr(eW), eW),
			wS1: standby(linkAddr, eW),
			wS2: standby(addr(wS1), wS1),
		},
		Links:   map[string]LinkState{"eu-west-1/sc": {Ready: true}},
		Finals:  map[string]map[string]LSN{},
		Volumes: map[string]bool{},
	}
	return &world{spec: spec, snap: snap}
}

func (w *world) node(key string) *Node {
	for i := range w.spec.Nodes {
		if w.spec.Nodes[i].Key == key {
			return &w.spec.Nodes[i]
		}
	}
	panic("no node " + key)
}

// inst edits one instance's facts.
func (w *world) inst(key string, f func(*Instance)) *world {
	i := w.snap.Instances[key]
	f(&i)
	w.snap.Instances[key] = i
	return w
}

// down: the server does not run (data kept).
func (w *world) down(keys ...string) *world {
	for _, k := range keys {
		w.inst(k, func(i *Instance) {
			d, sb, rf := i.DataDir, i.Standby, i.RewindFailed
			*i = Instance{DataDir: d, Standby: sb, RewindFailed: rf}
		})
	}
	return w
}

// held: a fault holds the servers down.
func (w *world) held(keys ...string) *world {
	for _, k := range keys {
		w.inst(k, func(i *Instance) { i.Held = true })
	}
	return w
}

func (w *world) noData(keys ...string) *world {
	for _, k := range keys {
		w.snap.Instances[k] = Instance{}
	}
	return w
}

func (w *world) cut() *world {
	w.snap.Links["eu-west-1/sc"] = LinkState{Ready: true, Cut: true}
	return w
}

// inRegionSwitch makes E/r1 the writer the topology names and E/w (and
// E/r2) its replicas; facts are unchanged.
func (w *world) inRegionSwitch() *world {
	for i := range w.spec.Nodes {
		n := &w.spec.Nodes[i]
		switch n.Key {
		case eR1:
			n.Writer, n.Upstream, n.SyncStandbys = true, nil, []string{"r2", "w"}
		case eW, eR2:
			n.Writer, n.Upstream, n.SyncStandbys = false, &Upstream{Node: eR1}, nil
		case wS1:
			n.Upstream = &Upstream{Node: eR1, Link: link()}
		}
	}
	return w
}

// globalSwitch makes W/s1 the global writer: E/w streams from it through
// link E/pc, E/r1 and E/r2 from E/w, W/s2 from W/s1.
func (w *world) globalSwitch() *world {
	back := &Link{Cluster: "us-east-1/pc", From: "eu-west-1", To: "us-east-1", Addr: "127.0.0.1:6002"}
	for i := range w.spec.Nodes {
		n := &w.spec.Nodes[i]
		switch n.Key {
		case wS1:
			n.Writer, n.Upstream, n.SyncStandbys = true, nil, []string{"s2"}
		case eW:
			n.Writer, n.Upstream, n.SyncStandbys = false, &Upstream{Node: wS1, Link: back}, nil
		}
	}
	w.snap.Links["us-east-1/pc"] = LinkState{Ready: true}
	return w
}

// fenced: key runs as a primary refusing clients, its last WAL recorded.
func (w *world) fenced(key string, final LSN) *world {
	w.inst(key, func(i *Instance) {
		i.Running, i.Answered, i.InRecovery, i.Standby, i.Fenced = true, true, false, false, true
	})
	if w.snap.Finals[scope] == nil {
		w.snap.Finals[scope] = map[string]LSN{}
	}
	w.snap.Finals[scope][key] = final
	return w
}
