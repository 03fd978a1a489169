package controller

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/rds"
)

// faultState is what injected faults hold down: regions in an outage and
// failed instances. Links are netsim's business.
type faultState struct {
	mu        sync.Mutex
	regions   map[string]bool // region outage
	instances map[string]bool // instance key
	isolated  map[string]bool
}

func newFaultState() faultState {
	return faultState{regions: map[string]bool{}, instances: map[string]bool{}, isolated: map[string]bool{}}
}

// held reports whether a fault keeps n's server down.
func (c *Controller) held(n rds.Node) bool { return c.heldLocked(n) }

// heldLocked is held for callers holding c.mu (faults have their own lock).
func (c *Controller) heldLocked(n rds.Node) bool {
	c.faults.mu.Lock()
	defer c.faults.mu.Unlock()
	return c.faults.regions[n.Region] || c.faults.instances[n.Key]
}

// RegionOutage stops every server of a region and keeps it down (the
// region's endpoints refuse connections), cutting its WAN links, until
// reverted; then the servers come back, fenced where a failover happened
// meanwhile (an old writer rejoins as a replica).
func (c *Controller) RegionOutage(ctx context.Context, region string, on bool) error {
	c.faults.mu.Lock()
	if on {
		c.faults.regions[region] = true
	} else {
		delete(c.faults.regions, region)
	}
	isolated := c.faults.isolated[region]
	c.faults.mu.Unlock()
	c.setLinks(region, on || isolated)
	c.reportHeld(func(n rds.Node) bool { return n.Region == region })
	c.pokeRegion(region)
	if on {
		return c.waitDown(ctx, func(n rds.Node) bool { return n.Region == region })
	}
	return nil
}

// waitDown returns once no server matching sel runs: a fault takes effect
// before its injection returns, so a drill can act right after it.
func (c *Controller) waitDown(ctx context.Context, sel func(rds.Node) bool) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		c.mu.Lock()
		up := 0
		for k := range c.running {
			if sel(c.specs[k]) {
				up++
			}
		}
		c.mu.Unlock()
		if up == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("fault: %d servers still running after 15s", up)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// RegionIsolation cuts every WAN link of a region; its servers keep
// running.
func (c *Controller) RegionIsolation(ctx context.Context, region string, on bool) error {
	c.faults.mu.Lock()
	if on {
		c.faults.isolated[region] = true
	} else {
		delete(c.faults.isolated, region)
	}
	out := c.faults.regions[region]
	c.faults.mu.Unlock()
	c.setLinks(region, on || out)
	return nil
}

// InstanceFailure crashes one instance's server and keeps it down until
// reverted. A failed writer makes the model fail over in-region.
func (c *Controller) InstanceFailure(ctx context.Context, region, instance string, on bool) error {
	k := region + "/" + instance
	c.faults.mu.Lock()
	if on {
		c.faults.instances[k] = true
	} else {
		delete(c.faults.instances, k)
	}
	c.faults.mu.Unlock()
	c.reportHeld(func(n rds.Node) bool { return n.Key == k })
	c.mu.Lock()
	a := c.actors[k]
	c.mu.Unlock()
	if a != nil {
		a.poke()
	}
	if on {
		return c.waitDown(ctx, func(n rds.Node) bool { return n.Key == k })
	}
	return nil
}

// Link imposes a one-way delay on, or cuts, the WAN path between two
// regions; reverting restores the default delay and heals it.
func (c *Controller) Link(ctx context.Context, from, to string, delay time.Duration, cut, on bool) error {
	switch {
	case !on:
		c.cfg.Net.SetDelay(from, to, c.defaultDelay(from, to))
		c.cfg.Net.Heal(from, to)
	case cut:
		c.cfg.Net.Cut(from, to)
	default:
		c.cfg.Net.SetDelay(from, to, delay)
	}
	return nil
}

func (c *Controller) defaultDelay(a, b string) time.Duration {
	if c.cfg.DefaultDelay != nil {
		return c.cfg.DefaultDelay(a, b)
	}
	return 0
}

// setLinks cuts or heals every link between region and the regions the
// topology uses.
func (c *Controller) setLinks(region string, cut bool) {
	for _, other := range c.regions() {
		if other == region {
			continue
		}
		if cut {
			c.cfg.Net.Cut(region, other)
		} else {
			c.cfg.Net.Heal(region, other)
		}
	}
}

func (c *Controller) regions() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, n := range c.specs {
		if !seen[n.Region] {
			seen[n.Region] = true
			out = append(out, n.Region)
		}
	}
	return out
}

func (c *Controller) pokeRegion(region string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, a := range c.actors {
		if c.specs[k].Region == region {
			a.poke()
		}
	}
}

// reportHeld tells the model, before a fault's injection or clearing
// returns, which of the selected instances a fault now holds down, so
// that statuses read right after it already reflect it (an instance
// held down reads "rebooting"; a released one is being brought back).
func (c *Controller) reportHeld(sel func(rds.Node) bool) {
	c.mu.Lock()
	var nodes []rds.Node
	for _, n := range c.specs {
		if sel(n) {
			nodes = append(nodes, n)
		}
	}
	c.mu.Unlock()
	for _, n := range nodes {
		c.cfg.Model.ObserveInstanceHeld(n.Key, c.held(n))
	}
}
