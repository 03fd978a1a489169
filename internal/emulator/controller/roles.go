package controller

import (
	"context"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/emulator/rds"
)

// setRunning records whether an instance's server runs, and as what.
func (c *Controller) setRunning(key string, n engine.Node, running, primary bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !running {
		delete(c.running, key)
		delete(c.primary, key)
		return
	}
	c.running[key] = n
	if primary {
		c.primary[key] = true
	} else {
		delete(c.primary, key)
	}
}

func (c *Controller) isRunning(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.running[key]
	return ok
}

func (c *Controller) isPrimary(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.primary[key]
}

// resyncing reports whether an instance still has to be rebuilt after a
// failover with data loss.
func (c *Controller) resyncing(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.specs[key].Resync
}

// scopeWriter returns the running server that writes for scope.
func (c *Controller) scopeWriter(scope string) (engine.Node, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, s := range c.specs {
		if s.Scope == scope && s.Writer && c.primary[k] {
			n, ok := c.running[k]
			return n, ok
		}
	}
	return engine.Node{}, false
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

// handedOver reports whether the new writer of spec's scope has received
// a fenced old writer's WAL up to lsn, and otherwise what it waits for. A
// scope with no other writer (the cluster has none now) needs nothing.
func (c *Controller) handedOver(ctx context.Context, spec rds.Node, lsn engine.LSN) (bool, string) {
	c.mu.Lock()
	var writer string
	for k, s := range c.specs {
		if k != spec.Key && s.Scope == spec.Scope && s.Writer {
			writer = k
		}
	}
	n, running := c.running[writer]
	c.mu.Unlock()
	if writer == "" {
		return true, ""
	}
	if !running {
		return false, fmt.Sprintf("the new writer %s to run before handing over", writer)
	}
	have, err := c.cfg.Engine.ReceivedLSN(ctx, n)
	if err != nil {
		return false, fmt.Sprintf("the new writer %s to answer: %v", writer, err)
	}
	if have < lsn {
		return false, fmt.Sprintf("the new writer %s to receive WAL up to %s (has %s)", writer, lsn, have)
	}
	return true, ""
}

// readyToPromote holds a promotion until no other server of the node's
// scope runs as a primary (the old writer is fenced), and until the node
// has received every WAL record the fenced writers wrote before they
// stopped (zero data loss for planned changes). A writer that died
// without a clean stop left no record to wait for.
func (c *Controller) readyToPromote(ctx context.Context, spec rds.Node, n engine.Node) error {
	c.mu.Lock()
	var others []string
	for k := range c.primary {
		if k != spec.Key && c.specs[k].Scope == spec.Scope {
			others = append(others, k)
		}
	}
	var need engine.LSN
	for _, lsn := range c.finals[spec.Scope] {
		need = max(need, lsn)
	}
	c.mu.Unlock()
	if len(others) > 0 {
		return waiting(fmt.Sprintf("the old writer %v to be fenced", others))
	}
	if need > 0 {
		have, err := c.cfg.Engine.ReceivedLSN(ctx, n)
		if err != nil {
			return err
		}
		if have < need {
			return waiting(fmt.Sprintf("WAL up to %s (have %s)", need, have))
		}
	}
	c.mu.Lock()
	delete(c.finals, spec.Scope)
	c.mu.Unlock()
	return nil
}

// failoverCandidates lists the running replicas of a dead writer's
// cluster, most up to date first (with quorum commit the first has every
// acknowledged commit).
func (c *Controller) failoverCandidates(dead rds.Node) []string {
	c.mu.Lock()
	type cand struct {
		key  string
		node engine.Node
	}
	var cands []cand
	for k, n := range c.running {
		if k != dead.Key && c.specs[k].Cluster == dead.Cluster && !c.heldLocked(c.specs[k]) {
			cands = append(cands, cand{key: k, node: n})
		}
	}
	c.mu.Unlock()
	lsns := map[string]engine.LSN{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*1e9)
	defer cancel()
	for _, cd := range cands {
		if lsn, err := c.cfg.Engine.ReceivedLSN(ctx, cd.node); err == nil {
			lsns[cd.key] = lsn
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return lsns[cands[i].key] > lsns[cands[j].key] })
	out := make([]string, 0, len(cands))
	for _, cd := range cands {
		if _, ok := lsns[cd.key]; ok {
			out = append(out, cd.key)
		}
	}
	return out
}

// streaming reports whether a standby has a WAL receiver streaming.
func (c *Controller) streaming(ctx context.Context, n engine.Node) (bool, error) {
	conn, err := c.cfg.Engine.Connect(ctx, n, "postgres")
	if err != nil {
		return false, err
	}
	defer conn.Close(ctx)
	var status *string
	err = conn.QueryRow(ctx, `SELECT status FROM pg_stat_wal_receiver`).Scan(&status)
	if err == pgx.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return status != nil && *status == "streaming", nil
}
