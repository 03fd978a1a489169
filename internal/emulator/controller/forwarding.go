package controller

import (
	"strings"

	"github.com/globaldb/globaldb/internal/emulator/rds"
	"github.com/globaldb/globaldb/internal/emulator/wfront"
)

// Forwarding is one instance's write forwarding counters since the
// emulator started (the raw material of Aurora's CloudWatch metrics):
// what it forwarded as a replica, and what replicas forward to it as a
// writer. Counts only grow; open sessions are a gauge.
type Forwarding struct {
	Region, Instance string
	// Replica are the instance's own forwarding counters
	// (AuroraForwardingReplica*), kept across server restarts.
	Replica wfront.Stats
	// Forwards: the instance forwards writes now; Kind is then
	// rds.ForwardGlobal or rds.ForwardLocal.
	Forwards bool
	Kind     string
	// Writer and LocalWriter are the sessions other instances forward
	// to this one through global forwarding
	// (AuroraForwardingWriter*) and local forwarding
	// (AuroraLocalForwardingWriter*); WriterTarget and
	// LocalWriterTarget say whether an instance forwards to it now.
	Writer, LocalWriter             WriterStats
	WriterTarget, LocalWriterTarget bool
}

// WriterStats are a writer's share of forwarded work: the sum over the
// instances that forward to it, counted from when each began to.
type WriterStats struct {
	DMLStatements int64 // forwarded DML statements run
	OpenSessions  int64 // forwarding sessions open now
	TotalSessions int64 // forwarding sessions opened
}

// ForwardingStats returns every instance's write forwarding counters by
// instance key. It is safe to call from any goroutine.
func (c *Controller) ForwardingStats() map[string]Forwarding {
	c.mu.Lock()
	actors := make(map[string]*actor, len(c.actors))
	for k, a := range c.actors {
		actors[k] = a
	}
	c.mu.Unlock()
	out := map[string]Forwarding{}
	for k := range actors {
		region, id, _ := strings.Cut(k, "/")
		out[k] = Forwarding{Region: region, Instance: id}
	}
	for k, a := range actors {
		a.mu.Lock()
		spec, total, base := a.spec, a.fwTotalLocked(), a.fwBase
		a.mu.Unlock()
		f := out[k]
		f.Replica = total
		if fw := spec.Forward; fw != nil && !spec.Writer {
			f.Forwards, f.Kind = true, fw.Kind
		}
		out[k] = f
		if !f.Forwards {
			continue
		}
		w, ok := out[spec.Forward.Writer]
		if !ok {
			continue // the writer's actor is gone: nobody to attribute to
		}
		ws, target := &w.Writer, &w.WriterTarget
		if f.Kind == rds.ForwardLocal {
			ws, target = &w.LocalWriter, &w.LocalWriterTarget
		}
		*target = true
		ws.DMLStatements += total.DMLStatements - base.DMLStatements
		ws.TotalSessions += total.TotalSessions - base.TotalSessions
		ws.OpenSessions += total.OpenSessions
		out[spec.Forward.Writer] = w
	}
	return out
}

// fwTarget names where n's forwarded writes go ("" when it does not
// forward): writer-side counts follow it.
func fwTarget(n rds.Node) string {
	if n.Forward == nil || n.Writer {
		return ""
	}
	return n.Forward.Kind + " " + n.Forward.Writer
}

// retargetLocked rebases the writer-side attribution when the spec's forwarding
// target changes (a global failover, forwarding turned off): counts
// forwarded before go to the old writer, not the new one. a.mu held.
func (a *actor) retargetLocked(n rds.Node) {
	if t := fwTarget(n); t != a.fwTarget {
		a.fwTarget, a.fwBase = t, a.fwTotalLocked()
	}
}

// fwTotalLocked is the instance's forwarding counters: those of its
// fronts closed before plus the running one's. a.mu held.
func (a *actor) fwTotalLocked() wfront.Stats {
	s := a.fwPast
	if a.front == nil {
		return s
	}
	now := a.front.Stats()
	s.DMLStatements += now.DMLStatements
	s.Commits += now.Commits
	s.DMLLatencySum += now.DMLLatencySum
	s.DMLLatencyCount += now.DMLLatencyCount
	s.ReadWaitSum += now.ReadWaitSum
	s.ReadWaitCount += now.ReadWaitCount
	s.TotalSessions += now.TotalSessions
	s.SessionsLimitErrors += now.SessionsLimitErrors
	s.OpenSessions = now.OpenSessions
	return s
}
