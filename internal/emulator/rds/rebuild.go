package rds

import "strings"

// After a failover with data loss the old primary is rebuilt from the new
// one (reference/aws-semantics.md §1.6: Aurora "then rebuilds the other
// secondaries"). Statuses during that rebuild follow what a client can
// rely on:
//
//   - an instance that will come back (held down by a fault, stopped to be
//     rewound) reads "rebooting", never "failed": "failed" is terminal for
//     the SDK waiters (DBInstanceAvailable stops on it) and AWS brings these
//     instances back by itself;
//   - the member keeps SynchronizationStatus "pending-resync", and is not
//     listed among the primary's Readers, until every one of its instances
//     serves and its reader endpoint resolves to them;
//   - the global cluster reads "failing-over" while a reachable member is
//     being rebuilt. While the member's region is down nothing can be
//     rebuilt: the failover is complete (the target writes), so the global
//     cluster reads "available" with the member pending-resync.

// ObserveInstanceHeld records that a fault (region outage, instance
// failure) holds an instance's server down, or no longer does. A held
// instance that was serving reads "rebooting": it comes back when the
// fault clears.
func (s *Service) ObserveInstanceHeld(instance string, held bool) {
	s.observe(func() {
		inst := s.st.Instances[instance]
		if inst == nil || inst.Held == held {
			return
		}
		inst.Held = held
		if held && (inst.Status == StatusAvailable || inst.Status == StatusFailed) {
			inst.Status = StatusRebooting
		}
	})
}

// ObserveRecords records the endpoint records the DNS server answers
// with now, so that a member is reported in sync only once its reader
// endpoint resolves to its serving instances.
func (s *Service) ObserveRecords(recs []Record) {
	seen := make(map[string]string, len(recs))
	for _, r := range recs {
		seen[r.Name] = fingerprint(r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sameRecords(s.published, seen) {
		return
	}
	s.published = seen
	before := s.globalStates()
	s.progress()
	if s.globalStates() == before {
		return
	}
	if err := s.commit(); err != nil {
		s.cfg.Logger.Error("persist records", "err", err)
	}
}

// globalStates summarises what progress can change, to commit only when
// something did.
func (s *Service) globalStates() string {
	var b strings.Builder
	for _, id := range sortedKeys(s.st.Globals) {
		g := s.st.Globals[id]
		b.WriteString(id + "=" + g.Status + ":" + strings.Join(g.Resync, ",") + ";")
		if g.Failover != nil {
			b.WriteString(g.Failover.Status)
		}
	}
	return b.String()
}

func fingerprint(r Record) string {
	return r.CNAME + "|" + strings.Join(r.A, ",")
}

func sameRecords(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// resynced reports whether member k has been rebuilt and serves: it
// streams as a reader, every instance is available, and its reader
// endpoint resolves to them.
func (s *Service) resynced(k string) bool {
	if !s.rejoined(k) {
		return false
	}
	c := s.st.Clusters[k]
	if c == nil || c.Writer == "" {
		return true
	}
	for _, inst := range s.clusterInstances(c) {
		if inst.Status == StatusDeleting {
			continue
		}
		if inst.Status != StatusAvailable || inst.Held {
			return false
		}
	}
	want := ""
	for _, r := range s.clusterRecords(c) {
		if r.Name == s.readerEndpoint(c) {
			want = fingerprint(r)
		}
	}
	return want != "" && s.published[s.readerEndpoint(c)] == want
}

// rebuilding reports whether a member of g that is pending-resync can be
// rebuilt now: some instance of it is not held down by a fault.
func (s *Service) rebuilding(g *GlobalCluster) bool {
	for _, k := range g.Resync {
		c := s.st.Clusters[k]
		if c == nil {
			continue
		}
		for _, inst := range s.clusterInstances(c) {
			if inst.Status != StatusDeleting && !inst.Held {
				return true
			}
		}
	}
	return false
}

// settledStatus is g's status when no role change is in progress.
func (s *Service) settledStatus(g *GlobalCluster) string {
	if s.rebuilding(g) {
		return StatusFailingOver
	}
	return StatusAvailable
}
