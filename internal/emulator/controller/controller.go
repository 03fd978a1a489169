// Package controller does the real work behind the RDS model: it
// converges PostgreSQL servers (engine), WAN links (netsim) and endpoint
// DNS records (dnsserver) towards the model's Topology, and reports
// progress back to the model, whose statuses move only when the work is
// done.
//
//	rds.Service ──Topology()──► Controller ──► engine.Supervisor (postgres)
//	     ▲                          │    ├───► netsim.Network (links)
//	     └──────Observe*()──────────┘    └───► dnsserver.Table (records)
//
// Each instance has its own goroutine (a node actor) that brings its
// server up in the right role by observe → decide → act: it observes its
// server, decides on a snapshot of every instance's published facts with
// the pure function decide.For (package decide holds every safety rule),
// and carries out the actions through engine. The controller loop only
// distributes the desired state.
package controller

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/controller/decide"
	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/emulator/netsim"
	"github.com/globaldb/globaldb/internal/emulator/rds"
	"github.com/globaldb/globaldb/internal/emulator/wfront"
)

// Config wires a Controller.
type Config struct {
	Model  *rds.Service
	Engine *engine.Supervisor
	Net    *netsim.Network
	DNS    *dnsserver.Table
	// Root is the engine data root: node data directories and cluster
	// volumes live under it.
	Root   string
	Logger *slog.Logger
	// Interval is how often actors re-check their servers (default 250ms).
	Interval time.Duration
	// DefaultDelay is the one-way delay a link returns to when a link
	// fault is cleared.
	DefaultDelay func(a, b string) time.Duration
	// Certs issues each instance's server certificate for its RDS
	// endpoint names (rds.Node.TLSNames); nil runs the servers without
	// TLS.
	Certs Issuer
	// Dial opens the wire fronts' connections (the emulator's
	// loopback-only dialer).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// TimeScale scales the write forwarding timeouts like every
	// emulated delay (0 or 1: real time).
	TimeScale float64
	// FrontAdmin is the superuser the fronts open forwarding sessions
	// with on the writer.
	FrontAdmin wfront.Credentials
}

// Issuer signs server certificates (certs.Authority).
type Issuer interface {
	// Issue returns a PEM certificate and key whose DNS names are exactly
	// names.
	Issue(names []string) (certPEM, keyPEM []byte, err error)
}

// Controller converges the real world to the model's topology.
type Controller struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	actors  map[string]*actor // by instance key
	running map[string]engine.Node
	// facts are each instance's latest observation, published by its
	// actor (and only by it) for the others' decisions.
	facts   map[string]decide.Instance
	finals  map[string]map[string]engine.LSN // scope → fenced node → last WAL it wrote
	specs   map[string]rds.Node              // last desired spec per instance key
	faults  faultState
	links   map[string]*linkState // by secondary cluster key
	records map[string]bool
	volumes map[string]bool // volume inits in flight
	// volumesMade are the volumes initialised whose readiness the model
	// may not show yet in the list syncVolumes was given: never made
	// again (that would remove the volume the writer is adopting).
	volumesMade map[string]bool
	// volumeRetry paces the volume inits that failed, by cluster key.
	volumeRetry map[string]*retry
	deletes     map[string]bool // cluster deletions in flight
	wg          sync.WaitGroup
}

type linkState struct {
	proxy  *netsim.Proxy
	target string
}

// New returns a controller; Run starts it.
func New(cfg Config) *Controller {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Interval == 0 {
		cfg.Interval = 250 * time.Millisecond
	}
	return &Controller{
		cfg: cfg, log: cfg.Logger,
		actors: map[string]*actor{}, running: map[string]engine.Node{}, facts: map[string]decide.Instance{},
		finals: map[string]map[string]engine.LSN{}, specs: map[string]rds.Node{},
		faults: newFaultState(),
		links:  map[string]*linkState{}, records: map[string]bool{},
		volumes: map[string]bool{}, volumesMade: map[string]bool{}, deletes: map[string]bool{}, volumeRetry: map[string]*retry{},
	}
}

// Run reconciles until ctx is cancelled, then stops every server it
// started and closes every link before returning.
func (c *Controller) Run(ctx context.Context) error {
	tick := time.NewTicker(c.cfg.Interval * 4)
	defer tick.Stop()
	for {
		c.reconcile(ctx)
		select {
		case <-ctx.Done():
			c.shutdown()
			return nil
		case <-c.cfg.Model.Changed():
		case <-tick.C:
		}
	}
}

func (c *Controller) shutdown() {
	c.wg.Wait() // actors stop their servers when ctx is done
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, l := range c.links {
		l.proxy.Close()
		delete(c.links, k)
	}
}

func (c *Controller) reconcile(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	t := c.cfg.Model.Topology()
	for _, g := range t.PendingFailovers {
		c.log.Info("beginning global role change", "global", g)
		c.cfg.Model.BeginGlobalFailover(g)
	}
	if len(t.PendingFailovers) > 0 {
		t = c.cfg.Model.Topology()
	}
	c.syncRecords(t.Records)
	c.cfg.Model.ObserveRecords(t.Records)
	c.syncLinks(ctx, t.Links)
	c.syncVolumes(ctx, t.Volumes)
	c.syncNodes(ctx, t)
	c.syncDeletedClusters(ctx, t.Deleted)
}

func (c *Controller) syncRecords(recs []rds.Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.Name] = true
		if r.CNAME != "" {
			c.cfg.DNS.SetCNAME(r.Name, r.CNAME, r.TTL)
			continue
		}
		ips := make([]net.IP, 0, len(r.A))
		for _, a := range r.A {
			ips = append(ips, net.ParseIP(a))
		}
		c.cfg.DNS.SetA(r.Name, r.TTL, ips...)
	}
	for name := range c.records {
		if !seen[name] {
			c.cfg.DNS.Delete(name)
		}
	}
	c.records = seen
}

// syncLinks keeps one netsim proxy per secondary cluster, aimed at the
// current global writer.
func (c *Controller) syncLinks(ctx context.Context, links []rds.Link) {
	c.mu.Lock()
	defer c.mu.Unlock()
	want := map[string]bool{}
	for _, l := range links {
		want[l.Cluster] = true
		target, ok := c.running[l.TargetNode]
		ls := c.links[l.Cluster]
		if ls == nil {
			p, err := c.cfg.Net.Proxy(ctx, l.From, l.To, net.JoinHostPort(l.Host, fmt.Sprint(l.Port)), "")
			if err != nil {
				c.log.Error("start link", "cluster", l.Cluster, "err", err)
				continue
			}
			ls = &linkState{proxy: p}
			c.links[l.Cluster] = ls
		}
		if ok && ls.target != target.Addr() {
			ls.proxy.SetTarget(target.Addr())
			ls.target = target.Addr()
		}
	}
	for k, ls := range c.links {
		if !want[k] {
			ls.proxy.Close()
			delete(c.links, k)
		}
	}
}

// volumeDir is where a primary or standalone cluster's storage lives
// while no instance holds it.
func (c *Controller) volumeDir(cluster string) string {
	return filepath.Join(c.cfg.Root, "vol-"+strings.ReplaceAll(cluster, "/", "-"))
}

func (c *Controller) nodeDir(name string) string { return filepath.Join(c.cfg.Root, name) }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func (c *Controller) syncDeletedClusters(ctx context.Context, deleted []string) {
	for _, k := range deleted {
		c.mu.Lock()
		busy := c.deletes[k]
		c.deletes[k] = true
		c.mu.Unlock()
		if busy {
			continue
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			dir := c.volumeDir(k)
			if err := c.cfg.Engine.Remove(ctx, engine.Node{Name: "volume", Dir: dir, Host: "127.0.0.1", Port: 5432}); err != nil && exists(dir) {
				c.log.Error("remove cluster volume", "cluster", k, "err", err)
				c.mu.Lock()
				delete(c.deletes, k)
				c.mu.Unlock()
				return
			}
			c.cfg.Model.ObserveClusterDeleted(k)
			c.mu.Lock()
			delete(c.deletes, k)
			delete(c.volumesMade, k)
			c.mu.Unlock()
		}()
	}
}
