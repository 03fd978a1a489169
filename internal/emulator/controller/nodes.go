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

// upstreamAddr returns where a replica should stream from: the link's
// address for cross-region streams, else the upstream node's address;
// false while the upstream is not running.
func (c *Controller) upstreamAddr(up *rds.Upstream) (host string, port int, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, running := c.running[up.Node]
	if !running {
		return "", 0, false
	}
	if up.Link != nil {
		ls := c.links[up.Link.Cluster]
		if ls == nil || ls.target == "" {
			return "", 0, false
		}
		return up.Link.Host, up.Link.Port, true
	}
	return n.Host, n.Port, true
}

func (c *Controller) runningNode(key string) (engine.Node, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.running[key]
	return n, ok
}
