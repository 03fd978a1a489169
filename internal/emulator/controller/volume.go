package controller

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/emulator/rds"
)

// volumeInitTimeout bounds one attempt at initialising a cluster volume;
// a server that never becomes ready must not hold the step forever. It is
// generous: initdb alone took 2 minutes on a 2-core machine with a load
// average of 50 (4 s when quiet).
const volumeInitTimeout = 10 * time.Minute

// syncVolumes initialises the storage of new primary and standalone
// clusters (initdb plus the master user). A failed attempt is retried
// with backoff and logged once per distinct error.
func (c *Controller) syncVolumes(ctx context.Context, vols []rds.Volume) {
	now := time.Now()
	for _, v := range vols {
		c.mu.Lock()
		if v.Ready {
			delete(c.volumesMade, v.Cluster)
		}
		if v.Ready || c.volumesMade[v.Cluster] {
			// A list taken before the model recorded a volume made
			// must not make it again: the writer may be adopting it.
			c.mu.Unlock()
			continue
		}
		busy := c.volumes[v.Cluster]
		r := c.volumeRetry[v.Cluster]
		if r == nil {
			r = &retry{base: c.cfg.Interval, max: 30 * time.Second}
			c.volumeRetry[v.Cluster] = r
		}
		due := r.due(now)
		if !busy && due {
			c.volumes[v.Cluster] = true
		}
		c.mu.Unlock()
		if busy || !due {
			continue
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			err := c.initVolume(ctx, v)
			c.mu.Lock()
			delete(c.volumes, v.Cluster)
			if err == nil {
				c.volumesMade[v.Cluster] = true
			}
			var log bool
			var failures int
			if err != nil {
				log = r.failed(time.Now(), err)
				failures = r.repeats()
			} else {
				failures = r.succeeded()
				delete(c.volumeRetry, v.Cluster)
			}
			c.mu.Unlock()
			switch {
			case err != nil && ctx.Err() != nil:
			case err != nil && log:
				c.log.Error("initialise cluster volume (retrying with backoff; repeats of this error are not logged)", "cluster", v.Cluster, "err", err)
			case err != nil:
				c.log.Debug("initialise cluster volume", "cluster", v.Cluster, "failures", failures, "err", err)
			default:
				if failures > 0 {
					c.log.Info("initialised cluster volume after failures", "cluster", v.Cluster, "failures", failures)
				}
				c.cfg.Model.ObserveVolumeReady(v.Cluster)
			}
		}()
	}
}

// initVolume makes the cluster's volume: initdb, then the server started
// once on a private port to create the master user (from the password's
// verifier), its database and the rds_iam role, then stopped. Until the
// model records the volume ready it holds nothing but what this step puts
// in it, so whatever an interrupted attempt left (a crash of the emulator
// at any moment of the step) is removed and the step starts over.
func (c *Controller) initVolume(ctx context.Context, v rds.Volume) error {
	ctx, cancel := context.WithTimeout(ctx, volumeInitTimeout)
	defer cancel()
	port, err := freePort()
	if err != nil {
		return err
	}
	n := engine.Node{Name: "volume", Dir: c.volumeDir(v.Cluster), Host: "127.0.0.1", Port: port}
	if exists(n.Dir) {
		c.log.Info("removing a half-made cluster volume to start it over", "cluster", v.Cluster)
		if err := c.cfg.Engine.Remove(ctx, n); err != nil {
			return fmt.Errorf("remove half-made volume: %w", err)
		}
	}
	if err := c.cfg.Engine.Init(ctx, n); err != nil {
		return fmt.Errorf("init volume: %w", err)
	}
	p, err := c.cfg.Engine.Start(ctx, n)
	if err != nil {
		return fmt.Errorf("start volume: %w", err)
	}
	defer p.Stop(context.WithoutCancel(ctx), engine.StopFast)
	if v.User != "" && v.PasswordVerifier != "" {
		if err := c.cfg.Engine.EnsureLogin(ctx, n, v.User, v.PasswordVerifier, v.Database); err != nil {
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
