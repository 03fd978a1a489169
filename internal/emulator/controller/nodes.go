package controller

import (
	"context"

	"github.com/globaldb/globaldb/internal/emulator/engine"

	"github.com/globaldb/globaldb/internal/emulator/rds"
)

// syncNodes hands every node its desired spec, starting an actor for new
// ones, and finishes cluster-level transitions that need no server.
func (c *Controller) syncNodes(ctx context.Context, t rds.Topology) {
	byCluster := map[string]int{}
	c.mu.Lock()
	c.specs = map[string]rds.Node{}
	for _, n := range t.Nodes {
		c.specs[n.Key] = n
		byCluster[n.Cluster]++
		a := c.actors[n.Key]
		if a == nil {
			a = newActor(c, n)
			c.actors[n.Key] = a
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				a.run(ctx)
				c.mu.Lock()
				if c.actors[n.Key] == a {
					delete(c.actors, n.Key)
				}
				delete(c.running, n.Key)
				delete(c.facts, n.Key)
				c.mu.Unlock()
			}()
		}
		a.update(n)
	}
	c.mu.Unlock()
	for _, k := range t.Creating {
		c.cfg.Model.ObserveClusterReady(k)
	}
	for _, k := range t.Promoting {
		if byCluster[k] == 0 {
			c.cfg.Model.ObservePromoted(k)
		}
	}
}

func (c *Controller) runningNode(key string) (engine.Node, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.running[key]
	return n, ok
}
