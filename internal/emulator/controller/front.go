package controller

import (
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/rds"
	"github.com/globaldb/globaldb/internal/emulator/wfront"
)

// serverPortOffset moves each instance's PostgreSQL server off the
// endpoint port: the instance's wire front (package wfront) owns
// host:port, the address its endpoint names resolve to, and the server
// listens on host:port+serverPortOffset. Replication, the controller's
// own connections and WAN links use the server's address.
const serverPortOffset = 10000

// serverPort is the port an instance's server listens on, for the
// endpoint port the model gave the instance.
func serverPort(endpointPort int) int { return endpointPort + serverPortOffset }

// syncFront keeps the instance's wire front listening exactly while its
// server runs, so that connecting to the endpoint fails when the server
// is down (a TCP health check sees the instance down, as on RDS).
func (a *actor) syncFront(spec rds.Node) error {
	if a.proc == nil {
		a.closeFront()
		return nil
	}
	if a.front != nil {
		return nil
	}
	f, err := wfront.Start(wfront.Config{
		Listen: net.JoinHostPort(spec.Host, strconv.Itoa(spec.Port)),
		Local:  net.JoinHostPort(spec.Host, strconv.Itoa(serverPort(spec.Port))),
		Policy: a.frontPolicy,
		Cert:   a.frontCert,
		Dial:   a.c.cfg.Dial,
		Admin:  a.c.cfg.FrontAdmin,
		Logger: a.log.With("component", "front"),
	})
	if err != nil {
		return fmt.Errorf("start the instance's wire front: %w", err)
	}
	a.mu.Lock()
	a.front = f
	a.mu.Unlock()
	return nil
}

func (a *actor) closeFront() {
	if a.front == nil {
		return
	}
	if err := a.front.Close(); err != nil {
		a.log.Debug("close wire front", "err", err)
	}
	a.mu.Lock()
	a.fwPast = a.fwTotalLocked()
	a.fwPast.OpenSessions = 0
	a.front = nil
	a.mu.Unlock()
}

// writerMaxConnections is the servers' max_connections (engine's
// baseSettings): apg_write_forward.max_forwarding_connections_percent
// is a share of it.
const writerMaxConnections = 60

// frontPolicy is the instance's write forwarding policy, read by its
// front for each new connection and before each forwarded statement, so
// a role change or a new writer takes effect at once.
func (a *actor) frontPolicy() wfront.Policy {
	spec := a.current()
	fw := spec.Forward
	if fw == nil || spec.Writer {
		return wfront.Policy{}
	}
	c := a.c
	return wfront.Policy{
		Forward: true, Kind: fw.Kind, Mode: fw.ConsistencyMode,
		WriterAddr:                      c.forwardAddr(spec.Cluster, fw),
		ConnectTimeout:                  c.scaled(fw.ConnectTimeout),
		IdleSessionTimeout:              c.scaled(fw.IdleSessionTimeout),
		IdleInTransactionSessionTimeout: c.scaled(fw.IdleInTransactionSessionTimeout),
		MaxForwardingConns:              max(1, fw.MaxConnectionsPercent*writerMaxConnections/100),
	}
}

// forwardAddr is where a node of cluster forwards writes: its cluster's
// WAN link (global forwarding pays the inter-region delay, and a cut
// link or a region outage stops it), or the writer's own server (local
// forwarding); "" while neither is known.
func (c *Controller) forwardAddr(cluster string, fw *rds.Forward) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if fw.Link {
		if l := c.links[cluster]; l != nil {
			return l.proxy.Addr()
		}
		return ""
	}
	if n, ok := c.running[fw.Writer]; ok {
		return n.Addr()
	}
	return ""
}

// scaled turns an emulated-AWS duration into real time (0 stays 0: no
// limit).
func (c *Controller) scaled(d time.Duration) time.Duration {
	if c.cfg.TimeScale <= 0 {
		return d
	}
	return time.Duration(float64(d) * c.cfg.TimeScale)
}

// frontCert is the instance's current server certificate.
func (a *actor) frontCert() *tls.Certificate {
	a.mu.Lock()
	cert := a.frontTLS
	a.mu.Unlock()
	return cert
}
