package controller

import (
	"github.com/globaldb/globaldb/internal/emulator/engine"
)

// setRunning records whether an instance's server runs (the links and the
// fault injections read it; the rules read the published facts).
func (c *Controller) setRunning(key string, n engine.Node, running bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !running {
		delete(c.running, key)
		return
	}
	c.running[key] = n
}
