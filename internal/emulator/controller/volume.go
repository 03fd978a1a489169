package controller

import (
	"context"
	"fmt"
	"net"

	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/emulator/rds"
)

// syncVolumes initialises the storage of new primary and standalone
// clusters (initdb plus the master user), marks secondaries created and
// completes promotions of detached clusters that have no instance.
func (c *Controller) syncVolumes(ctx context.Context, vols []rds.Volume) {
	for _, v := range vols {
		if v.Ready {
			continue
		}
		c.mu.Lock()
		busy := c.volumes[v.Cluster]
		c.volumes[v.Cluster] = true
		c.mu.Unlock()
		if busy {
			continue
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			err := c.initVolume(ctx, v)
			if err != nil {
				c.log.Error("initialise cluster volume", "cluster", v.Cluster, "err", err)
			} else {
				c.cfg.Model.ObserveVolumeReady(v.Cluster)
			}
			c.mu.Lock()
			delete(c.volumes, v.Cluster)
			c.mu.Unlock()
		}()
	}
}

// initVolume runs initdb into the cluster's volume directory, starts the
// server once on a private port to create the master user and database,
// and stops it. An existing, initialised volume is reused (re-run after a
// crash).
func (c *Controller) initVolume(ctx context.Context, v rds.Volume) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	n := engine.Node{Name: "volume", Dir: c.volumeDir(v.Cluster), Host: "127.0.0.1", Port: port}
	if err := c.cfg.Engine.Init(ctx, n); err != nil {
		return fmt.Errorf("init volume: %w", err)
	}
	p, err := c.cfg.Engine.Start(ctx, n)
	if err != nil {
		return fmt.Errorf("start volume: %w", err)
	}
	defer p.Stop(context.WithoutCancel(ctx), engine.StopFast)
	if v.User != "" && v.Password != "" {
		if err := c.cfg.Engine.EnsureLogin(ctx, n, v.User, v.Password, v.Database); err != nil {
			return fmt.Errorf("create master user: %w", err)
		}
	}
	// RDS always has rds_iam; its members log in with IAM tokens.
	if err := c.cfg.Engine.EnsureIAMRole(ctx, n); err != nil {
		return fmt.Errorf("create rds_iam role: %w", err)
	}
	return p.Stop(ctx, engine.StopFast)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
