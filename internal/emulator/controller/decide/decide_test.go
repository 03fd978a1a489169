package decide

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func act(k Kind, node string, r Rule) Action { return Action{Kind: k, Node: node, Rule: r} }

func waitFor(node string, r Rule, reason string) Action {
	return Action{Kind: Wait, Node: node, Rule: r, Reason: reason}
}

func start(node string) Action { return act(Start, node, RuleStart) }

type decideCase struct {
	name  string
	world func() *world
	only  string // decide for this instance only ("" for all)
	// want: the actions, in order; a Reason is matched as a substring.
	want []Action
}

// decideCases are the table of rules and hazards; every rule has at least
// one case (TestDecide_RulesCovered).
var decideCases = []decideCase{
	{name: "healthy world: nothing to do", world: healthy},

	// Faults hold servers down.
	{name: "instance failure of the running writer crashes it", world: func() *world { return healthy().held(eW) },
		want: []Action{{Kind: Stop, Node: eW, Rule: RuleFaultHoldsDown, Crash: true}}},
	{name: "a held server stays down; replicas of a dead writer keep their settings",
		world: func() *world { return healthy().down(eW).held(eW) },
		want:  []Action{waitFor(eW, RuleFaultHoldsDown, "fault")}},
	{name: "region outage: the whole region waits, the secondary keeps its stream settings",
		world: func() *world { return healthy().down(eW, eR1, eR2).held(eW, eR1, eR2).cut() },
		want: []Action{waitFor(eR1, RuleFaultHoldsDown, ""), waitFor(eR2, RuleFaultHoldsDown, ""),
			waitFor(eW, RuleFaultHoldsDown, "")}},

	// A writer adopts the cluster volume.
	{name: "new writer waits for the volume to be initialised", only: eW,
		world: func() *world { w := healthy().noData(eW); w.node(eW).VolumeReady = false; return w },
		want:  []Action{waitFor(eW, RuleAdoptVolume, "volume")}},
	{name: "new writer adopts the ready volume and starts", only: eW,
		world: func() *world { w := healthy().noData(eW); w.snap.Volumes["us-east-1/pc"] = true; return w },
		want:  []Action{act(Provision, eW, RuleAdoptVolume), start(eW)}},
	{name: "volume marked ready but its directory is gone: wait", only: eW,
		world: func() *world { return healthy().noData(eW) },
		want:  []Action{waitFor(eW, RuleAdoptVolume, "volume")}},
	{name: "volume is not adopted while another server of the scope writes", only: eW,
		world: func() *world {
			w := healthy().noData(eW).inst(wS1, func(i *Instance) { i.InRecovery = false })
			w.snap.Volumes["us-east-1/pc"] = true
			return w
		},
		want: []Action{waitFor(eW, RuleOneWriter, wS1)}},

	// A replica clones its upstream, never across a cut link.
	{name: "new in-region replica clones the writer", only: eR1,
		world: func() *world { return healthy().noData(eR1) },
		want:  []Action{{Kind: Clone, Node: eR1, Rule: RuleCloneUpstream, From: eW, To: addr(eW)}, start(eR1)}},
	{name: "new replica waits for its upstream to run", only: eR1,
		world: func() *world { return healthy().noData(eR1).down(eW) },
		want:  []Action{waitFor(eR1, RuleCloneUpstream, "upstream")}},
	{name: "new replica without a writer to stream from waits", only: eR1,
		world: func() *world { w := healthy().noData(eR1); w.node(eR1).Upstream = nil; return w },
		want:  []Action{waitFor(eR1, RuleCloneUpstream, "writer to stream from")}},
	{name: "new secondary is never cloned across a cut link", only: wS1,
		world: func() *world { return healthy().noData(wS1).cut() },
		want:  []Action{waitFor(wS1, RuleCloneUpstream, "cut")}},
	{name: "new secondary waits for its link to reach the writer", only: wS1,
		world: func() *world {
			w := healthy().noData(wS1)
			w.snap.Links["eu-west-1/sc"] = LinkState{}
			return w
		},
		want: []Action{waitFor(wS1, RuleCloneUpstream, "link")}},
	{name: "new secondary clones the global writer and streams through the link", only: wS1,
		world: func() *world { return healthy().noData(wS1) },
		want:  []Action{{Kind: Clone, Node: wS1, Rule: RuleCloneUpstream, From: eW, To: linkAddr}, start(wS1)}},

	// Stopped servers start in their role.
	{name: "rejoin of a crashed standby: its data is a standby, it just starts",
		world: func() *world { return healthy().down(eR1) },
		want:  []Action{start(eR1)}},
	{name: "a writer whose data is a standby starts (to be promoted)", only: eR1,
		world: func() *world { return healthy().inRegionSwitch().down(eR1) },
		want:  []Action{start(eR1)}},
	{name: "a writer whose data starts as a primary waits while another unfenced primary runs", only: eR1,
		world: func() *world {
			return healthy().inRegionSwitch().down(eR1).inst(eR1, func(i *Instance) { i.Standby = false })
		},
		want: []Action{waitFor(eR1, RuleOneWriter, eW)}},
	{name: "a writer whose data starts as a primary starts once the other primary is fenced", only: eR1,
		world: func() *world {
			return healthy().inRegionSwitch().down(eR1).inst(eR1, func(i *Instance) { i.Standby = false }).fenced(eW, 1000)
		},
		want: []Action{start(eR1)}},

	// Rejoin: rewind, or re-clone when the rewind failed.
	{name: "old writer rejoins the in-region new writer with pg_rewind", only: eW,
		world: func() *world {
			return healthy().inRegionSwitch().down(eW).inst(eR1, func(i *Instance) { i.InRecovery = false })
		},
		want: []Action{{Kind: Rewind, Node: eW, Rule: RuleRejoin, From: eR1, Slot: eR1, To: addr(eR1)}, start(eW)}},
	{name: "old writer whose rewind failed is re-cloned", only: eW,
		world: func() *world {
			return healthy().inRegionSwitch().down(eW).inst(eW, func(i *Instance) { i.RewindFailed = true }).
				inst(eR1, func(i *Instance) { i.InRecovery = false })
		},
		want: []Action{{Kind: Reclone, Node: eW, Rule: RuleRejoin, From: eR1, To: addr(eR1)}, start(eW)}},
	{name: "old writer rejoins the new global writer through the link", only: eW,
		world: func() *world {
			return healthy().globalSwitch().down(eW).inst(wS1, func(i *Instance) { i.InRecovery = false })
		},
		want: []Action{{Kind: Rewind, Node: eW, Rule: RuleRejoin, From: wS1, Slot: wS1, To: "127.0.0.1:6002"}, start(eW)}},
	{name: "old writer waits until the new global writer is promoted", only: eW,
		world: func() *world { return healthy().globalSwitch().down(eW) },
		want:  []Action{waitFor(eW, RuleRejoin, "new writer")}},
	{name: "old writer never rejoins across a cut link", only: eW,
		world: func() *world {
			w := healthy().globalSwitch().down(eW).inst(wS1, func(i *Instance) { i.InRecovery = false })
			w.snap.Links["us-east-1/pc"] = LinkState{Ready: true, Cut: true}
			return w
		},
		want: []Action{waitFor(eW, RuleRejoin, "cut")}},
	{name: "old writer waits while the new writer is down", only: eW,
		world: func() *world { return healthy().inRegionSwitch().down(eW, eR1) },
		want:  []Action{waitFor(eW, RuleRejoin, "new writer")}},
	{name: "old writer without a writer to rejoin waits", only: eW,
		world: func() *world {
			w := healthy().down(eW)
			w.node(eW).Writer, w.node(eW).Upstream = false, nil
			return w
		},
		want: []Action{waitFor(eW, RuleRejoin, "writer to rejoin")}},
	{name: "a replica behind a replica that is being rebuilt waits for it", only: wS2,
		world: func() *world {
			w := healthy().down(wS2)
			w.node(wS1).Resync, w.node(wS2).Resync = true, true
			return w
		},
		want: []Action{waitFor(wS2, RuleRejoin, "rebuilt first")}},

	// A failover with data loss: replicas holding lost writes are rebuilt.
	{name: "data-loss failover: a running standby holding lost writes stops", only: eR2,
		world: func() *world {
			w := healthy().inRegionSwitch().inst(eR1, func(i *Instance) { i.InRecovery = false })
			w.node(eR2).Resync = true
			return w
		},
		want: []Action{{Kind: Stop, Node: eR2, Rule: RuleResyncStop}}},
	{name: "data-loss failover: a stopped standby holding lost writes is rewound from the new writer", only: eR2,
		world: func() *world {
			w := healthy().inRegionSwitch().down(eR2).inst(eR1, func(i *Instance) { i.InRecovery = false })
			w.node(eR2).Resync = true
			return w
		},
		want: []Action{{Kind: Rewind, Node: eR2, Rule: RuleRejoin, From: eR1, Slot: eR1, To: addr(eR1)}, start(eR2)}},
	{name: "data-loss failover: a replica behind a replica rewinds from the scope's writer", only: wS2,
		world: func() *world {
			w := healthy().down(wS2)
			w.node(wS2).Resync = true
			return w
		},
		want: []Action{{Kind: Rewind, Node: wS2, Rule: RuleRejoin, From: eW, Slot: wS1, To: addr(wS1)}, start(wS2)}},
	{name: "data-loss failover: no running writer to rebuild from", only: wS2,
		world: func() *world {
			w := healthy().down(wS2).inst(eW, func(i *Instance) { i.InRecovery = true })
			w.node(wS2).Resync = true
			return w
		},
		want: []Action{waitFor(wS2, RuleRejoin, "new writer of")}},
	{name: "data-loss failover: a rebuilt standby follows normally", only: eR2,
		world: func() *world {
			w := healthy().inst(eR2, func(i *Instance) { i.Resynced = true })
			w.node(eR2).Resync = true
			return w
		}},
	{name: "data-loss flag on the writer is ignored", only: eW,
		world: func() *world { w := healthy(); w.node(eW).Resync = true; return w }},

	// A server that does not answer.
	{name: "a running server that does not answer: wait", only: eR1,
		world: func() *world { return healthy().inst(eR1, func(i *Instance) { i.Answered = false }) },
		want:  []Action{waitFor(eR1, RuleStart, "answer")}},
	{name: "an old writer that could not be fenced is stopped", only: eW,
		world: func() *world {
			return healthy().inRegionSwitch().inst(eW, func(i *Instance) { i.Answered, i.FenceFailed = false, true })
		},
		want: []Action{{Kind: Stop, Node: eW, Rule: RuleFence}}},

	{name: "an old writer whose fencing failed is stopped even though it answers", only: eW,
		world: func() *world {
			return healthy().inRegionSwitch().inst(eW, func(i *Instance) { i.FenceFailed = true })
		},
		want: []Action{{Kind: Stop, Node: eW, Rule: RuleFence}}},

	// Promotion: one writer, with the fenced writer's last WAL.
	{name: "writer in recovery with no other primary is promoted", only: eR1,
		world: func() *world { return healthy().inRegionSwitch().down(eW) },
		want:  []Action{act(Promote, eR1, RulePromote)}},
	{name: "promote while another primary runs: the new writer waits, the old one is fenced",
		world: func() *world { return healthy().inRegionSwitch() },
		want: []Action{{Kind: EnsureSlot, Node: wS1, Rule: RuleRepoint, From: eR1}, waitFor(eR1, RuleOneWriter, eW),
			{Kind: Repoint, Node: eR2, Rule: RuleRepoint, From: eR1, To: addr(eR1)}, act(Fence, eW, RuleFence)}},
	{name: "promote while the fenced old writer still runs: both wait for the handover", only: "",
		world: func() *world {
			return healthy().inRegionSwitch().fenced(eW, 2000).
				inst(eR2, func(i *Instance) { i.StreamsFrom, i.SlotOn = addr(eR1), eR1 })
		},
		want: []Action{{Kind: EnsureSlot, Node: wS1, Rule: RuleRepoint, From: eR1}, waitFor(eR1, RuleOneWriter, eW),
			waitFor(eW, RuleHandover, "0/7D0")}},
	{name: "fenced writer's last WAL not yet received: no promotion", only: eR1,
		world: func() *world {
			return healthy().inRegionSwitch().fenced(eW, 0x2000).down(eW).inst(eR1, func(i *Instance) { i.Received = 0x1fff })
		},
		want: []Action{waitFor(eR1, RuleFencedLSN, "0/2000")}},
	{name: "fenced writer's last WAL received: promoted", only: eR1,
		world: func() *world {
			return healthy().inRegionSwitch().fenced(eW, 0x2000).down(eW).inst(eR1, func(i *Instance) { i.Received = 0x2000 })
		},
		want: []Action{act(Promote, eR1, RulePromote)}},
	{name: "the topology naming two writers promotes neither", only: eR1,
		world: func() *world {
			w := healthy().inRegionSwitch().down(eW)
			w.node(eW).Writer = true
			return w
		},
		want: []Action{waitFor(eR1, RuleOneWriter, "one writer")}},
	{name: "a running server that did not answer counts as a writer", only: wS1,
		world: func() *world {
			return healthy().globalSwitch().inst(eW, func(i *Instance) { i.Answered = false })
		},
		want: []Action{waitFor(wS1, RuleOneWriter, eW)}},
	{name: "writer death: the promoted candidate waits for no fenced WAL", only: eR1,
		world: func() *world {
			return healthy().inRegionSwitch().down(eW).inst(eR1, func(i *Instance) { i.Received = 10 })
		},
		want: []Action{act(Promote, eR1, RulePromote)}},

	// Fence and hand over.
	{name: "old writer running as a primary is fenced first", only: eW,
		world: func() *world { return healthy().inRegionSwitch() },
		want:  []Action{act(Fence, eW, RuleFence)}},
	{name: "fenced writer whose final WAL position is not recorded is fenced again", only: eW,
		world: func() *world { return healthy().inRegionSwitch().inst(eW, func(i *Instance) { i.Fenced = true }) },
		want:  []Action{act(Fence, eW, RuleFence)}},
	{name: "fenced writer waits for the new writer to run", only: eW,
		world: func() *world { return healthy().inRegionSwitch().fenced(eW, 1000).down(eR1) },
		want:  []Action{waitFor(eW, RuleHandover, "to run")}},
	{name: "fenced writer waits for the new writer to answer", only: eW,
		world: func() *world {
			return healthy().inRegionSwitch().fenced(eW, 1000).inst(eR1, func(i *Instance) { i.Answered = false })
		},
		want: []Action{waitFor(eW, RuleHandover, "answer")}},
	{name: "fenced writer waits for the new writer to receive its last WAL", only: eW,
		world: func() *world {
			return healthy().inRegionSwitch().fenced(eW, 1001)
		},
		want: []Action{waitFor(eW, RuleHandover, "0/3E9")}},
	{name: "fenced writer stops once the new writer has its last WAL", only: eW,
		world: func() *world { return healthy().inRegionSwitch().fenced(eW, 1000) },
		want:  []Action{{Kind: Stop, Node: eW, Rule: RuleHandover}}},
	{name: "fenced writer of a scope with no other writer stops", only: eW,
		world: func() *world {
			w := healthy().fenced(eW, 1000)
			w.node(eW).Writer, w.node(eW).Upstream = false, nil
			return w
		},
		want: []Action{{Kind: Stop, Node: eW, Rule: RuleHandover}}},

	// Standbys follow their upstream.
	{name: "standby streaming from the old writer is re-pointed", only: eR2,
		world: func() *world {
			return healthy().inRegionSwitch().inst(eR2, func(i *Instance) { i.SlotOn = eR1 })
		},
		want: []Action{{Kind: Repoint, Node: eR2, Rule: RuleRepoint, From: eR1, To: addr(eR1)}}},
	{name: "secondary whose upstream moved behind the link gets its slot there", only: wS1,
		world: func() *world {
			return healthy().inRegionSwitch().inst(eR1, func(i *Instance) { i.InRecovery = false })
		},
		want: []Action{{Kind: EnsureSlot, Node: wS1, Rule: RuleRepoint, From: eR1}}},
	{name: "standby keeps its settings while the link does not reach the writer", only: wS1,
		world: func() *world {
			w := healthy().inst(wS1, func(i *Instance) { i.StreamsFrom = "" })
			w.snap.Links["eu-west-1/sc"] = LinkState{}
			return w
		}},
	{name: "standby keeps its settings while its upstream is down", only: eR1,
		world: func() *world { return healthy().down(eW).inst(eR1, func(i *Instance) { i.StreamsFrom = "" }) }},

	// Re-clone a standby whose stream has been down.
	{name: "standby not streaming from a running upstream for 9s is re-cloned", only: eR1,
		world: func() *world {
			return healthy().inst(eR1, func(i *Instance) { i.Streaming, i.NotStreamingSince = false, t0.Add(-9*time.Second) })
		},
		want: []Action{{Kind: Reclone, Node: eR1, Rule: RuleReclone, From: eW, To: addr(eW)}}},
	{name: "stream down for long but the upstream reachable again for 3s only: it gets time to reconnect", only: wS1,
		world: func() *world {
			return healthy().inst(wS1, func(i *Instance) {
				i.Streaming, i.NotStreamingSince, i.UpstreamUpSince = false, t0.Add(-time.Hour), t0.Add(-3*time.Second)
			})
		}},
	{name: "stream down while the upstream is not reachable: not re-cloned", only: eR1,
		world: func() *world {
			return healthy().inst(eR1, func(i *Instance) {
				i.Streaming, i.NotStreamingSince, i.UpstreamUpSince = false, t0.Add(-time.Hour), time.Time{}
			})
		}},
	{name: "standby not streaming for 3s is left alone", only: eR1,
		world: func() *world {
			return healthy().inst(eR1, func(i *Instance) { i.Streaming, i.NotStreamingSince = false, t0.Add(-3*time.Second) })
		}},
	{name: "standby just seen not streaming is left alone", only: eR1,
		world: func() *world { return healthy().inst(eR1, func(i *Instance) { i.Streaming = false }) }},
	{name: "stream down across a cut link: never re-cloned across the cut", only: wS1,
		world: func() *world {
			return healthy().cut().inst(wS1, func(i *Instance) { i.Streaming, i.NotStreamingSince = false, t0.Add(-time.Hour) })
		}},
	{name: "stream down while the link does not reach the writer: not re-cloned", only: wS1,
		world: func() *world {
			w := healthy().inst(wS1, func(i *Instance) { i.Streaming, i.NotStreamingSince = false, t0.Add(-time.Hour) })
			w.snap.Links["eu-west-1/sc"] = LinkState{}
			return w
		}},
	{name: "secondary stream down for long over a healed link is re-cloned", only: wS1,
		world: func() *world {
			return healthy().inst(wS1, func(i *Instance) { i.Streaming, i.NotStreamingSince = false, t0.Add(-time.Minute) })
		},
		want: []Action{{Kind: Reclone, Node: wS1, Rule: RuleReclone, From: eW, To: linkAddr}}},

	// The writer's synchronous standbys.
	{name: "freshly started writer sets its synchronous standbys", only: eW,
		world: func() *world { return healthy().inst(eW, func(i *Instance) { i.Sync = nil }) },
		want:  []Action{{Kind: SetSync, Node: eW, Rule: RuleSyncStandbys, Names: []string{"r1", "r2"}}}},
	{name: "a replica stops streaming: quorum of the rest", only: eW,
		world: func() *world {
			return healthy().inst(eW, func(i *Instance) { i.Walsenders = []Walsender{{"r1", "streaming"}, {"r2", "catchup"}} })
		},
		want: []Action{{Kind: SetSync, Node: eW, Rule: RuleSyncStandbys, Names: []string{"r1"}}}},
	{name: "no in-region replica streams: asynchronous", only: eW,
		world: func() *world {
			return healthy().inst(eW, func(i *Instance) { i.Walsenders = []Walsender{{"s1", "streaming"}} })
		},
		want: []Action{{Kind: SetSync, Node: eW, Rule: RuleSyncStandbys, Names: nil}}},

	// Faults overlapping.
	{name: "two faults overlapping: region outage and the secondary's isolation",
		world: func() *world {
			return healthy().down(eW, eR1, eR2).held(eW, eR1, eR2).cut().
				inst(wS1, func(i *Instance) { i.Streaming, i.NotStreamingSince = false, t0.Add(-time.Hour) })
		},
		want: []Action{waitFor(eR1, RuleFaultHoldsDown, ""), waitFor(eR2, RuleFaultHoldsDown, ""),
			waitFor(eW, RuleFaultHoldsDown, "")}},
	{name: "two faults overlapping: a failed replica and a cut link",
		world: func() *world {
			return healthy().down(eR1).held(eR1).cut().
				inst(wS1, func(i *Instance) { i.Streaming, i.NotStreamingSince = false, t0.Add(-time.Hour) }).
				inst(eW, func(i *Instance) { i.Walsenders = []Walsender{{"r2", "streaming"}} })
		},
		want: []Action{waitFor(eR1, RuleFaultHoldsDown, ""),
			{Kind: SetSync, Node: eW, Rule: RuleSyncStandbys, Names: []string{"r2"}}}},
	{name: "region outage cleared during an isolation: the old writer waits for the link to heal", only: eW,
		world: func() *world {
			w := healthy().globalSwitch().down(eW, eR1, eR2).inst(wS1, func(i *Instance) { i.InRecovery = false })
			w.snap.Links["us-east-1/pc"] = LinkState{Ready: true, Cut: true}
			return w
		},
		want: []Action{waitFor(eW, RuleRejoin, "cut")}},
}

func TestDecide_Table(t *testing.T) {
	for _, tc := range decideCases {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.world()
			var got []Action
			if tc.only != "" {
				got = For(w.spec, w.snap, tc.only)
			} else {
				got = Decide(w.spec, w.snap)
			}
			if !matches(got, tc.want) {
				t.Errorf("actions:\n got  %s\n want %s", show(got), show(tc.want))
			}
		})
	}
}

func matches(got, want []Action) bool {
	return slices.EqualFunc(got, want, func(g, w Action) bool {
		r := g
		r.Reason = w.Reason
		return equalAction(r, w) && strings.Contains(g.Reason, w.Reason)
	})
}

func show(as []Action) string {
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "\n  %s %s rule=%s", a.Kind, a.Node, a.Rule)
		if a.From != "" || a.To != "" || a.Slot != "" {
			fmt.Fprintf(&b, " from=%s slot=%s to=%s", a.From, a.Slot, a.To)
		}
		if a.Names != nil {
			fmt.Fprintf(&b, " names=%v", a.Names)
		}
		if a.Crash {
			b.WriteString(" crash")
		}
		if a.Reason != "" {
			fmt.Fprintf(&b, " (%s)", a.Reason)
		}
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

func TestDecide_RulesCovered(t *testing.T) {
	if len(decideCases) < 40 {
		t.Errorf("%d table cases, want at least 40", len(decideCases))
	}
	seen := map[Rule]bool{}
	for _, tc := range decideCases {
		for _, a := range tc.want {
			seen[a.Rule] = true
		}
	}
	for _, r := range Rules {
		if !seen[r] {
			t.Errorf("rule %s has no table case", r)
		}
	}
}

func TestCandidates(t *testing.T) {
	tests := []struct {
		name  string
		world func() *world
		want  []string
	}{
		{name: "writer death with two candidates at different LSNs: the most up to date first",
			world: func() *world {
				return healthy().down(eW).inst(eR1, func(i *Instance) { i.Received = 900 }).
					inst(eR2, func(i *Instance) { i.Received = 950 })
			},
			want: []string{eR2, eR1}},
		{name: "equal LSNs keep key order",
			world: func() *world { return healthy().down(eW) },
			want:  []string{eR1, eR2}},
		{name: "a held replica is no candidate",
			world: func() *world { return healthy().down(eW).held(eR2) },
			want:  []string{eR1}},
		{name: "a replica that does not answer is no candidate",
			world: func() *world { return healthy().down(eW).inst(eR1, func(i *Instance) { i.Answered = false }) },
			want:  []string{eR2}},
		{name: "a stopped replica is no candidate; nor are other clusters' servers",
			world: func() *world { return healthy().down(eW, eR1) },
			want:  []string{eR2}},
		{name: "no candidate",
			world: func() *world { return healthy().down(eW, eR1, eR2) },
			want:  nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.world()
			if got := Candidates(w.spec, w.snap, eW); !slices.Equal(got, tc.want) {
				t.Errorf("Candidates = %v, want %v", got, tc.want)
			}
		})
	}
}
