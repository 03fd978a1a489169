package controller

import (
	"context"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/emulator/rds"
)

// metricsQueryTimeout bounds each query the metrics publisher causes.
const metricsQueryTimeout = 2 * time.Second

// InstanceFacts is what the CloudWatch metrics of one running instance
// are made of (package metrics converts them): where it sits in the
// topology and one reading of its server.
type InstanceFacts struct {
	Key       string // instance key region/id
	Region    string
	ID        string // DBInstanceIdentifier
	Cluster   string // cluster key region/id
	ClusterID string // DBClusterIdentifier
	// Scope is the replication topology (global cluster or cluster) the
	// instance belongs to: its global writer's WAL is what it replays.
	Scope string
	// Writer: the writer instance of a primary or standalone cluster.
	// Every instance of a secondary cluster is a reader.
	Writer bool
	// SourceRegion is set on the instance of a secondary cluster that
	// receives the global writer's WAL over the WAN link: the primary
	// cluster's region. (The secondary's other instances stream from it.)
	SourceRegion string
	// Pid is the postmaster's process id (0 when unknown).
	Pid int
	engine.Activity
}

// WriterPosition is one reading of a scope's writer's WAL position.
type WriterPosition struct {
	Scope string
	Key   string // the writer's instance key
	// At is the writer's clock when it answered.
	At  time.Time
	LSN engine.LSN
}

// metricNodes returns the topology's nodes whose server runs and is not
// held down by a fault, with their engine nodes.
func (c *Controller) metricNodes(writersOnly bool) (map[string]rds.Node, map[string]engine.Node) {
	c.mu.Lock()
	specs := maps.Clone(c.specs)
	running := maps.Clone(c.running)
	c.mu.Unlock()
	out := map[string]rds.Node{}
	for k, n := range specs {
		if _, ok := running[k]; !ok || n.Deleting || c.held(n) || (writersOnly && !n.Writer) {
			continue
		}
		out[k] = n
	}
	return out, running
}

// InstanceFacts reads every running instance, one short query each (in
// parallel), for the metrics publisher. Instances that do not answer are
// left out: a down instance publishes nothing, as on AWS.
func (c *Controller) InstanceFacts(ctx context.Context) []InstanceFacts {
	nodes, running := c.metricNodes(false)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var out []InstanceFacts
	for k, n := range nodes {
		en := running[k]
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(ctx, metricsQueryTimeout)
			defer cancel()
			act, err := c.cfg.Engine.Activity(ctx, en)
			if err != nil {
				c.log.Debug("read instance activity", "instance", k, "err", err)
				return
			}
			f := InstanceFacts{Key: k, Region: n.Region, ID: identifier(k), Cluster: n.Cluster,
				ClusterID: identifier(n.Cluster), Scope: n.Scope, Writer: n.Writer, Activity: act}
			if up := n.Upstream; up != nil && up.Link != nil {
				f.SourceRegion = up.Link.From
			}
			if pid, err := c.cfg.Engine.Postmaster(en); err == nil {
				f.Pid = pid
			}
			mu.Lock()
			out = append(out, f)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// WriterPositions reads the WAL position of every running writer of a
// primary or standalone cluster, one short query each (in parallel).
func (c *Controller) WriterPositions(ctx context.Context) []WriterPosition {
	nodes, running := c.metricNodes(true)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var out []WriterPosition
	for k, n := range nodes {
		en := running[k]
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(ctx, metricsQueryTimeout)
			defer cancel()
			lsn, err := c.cfg.Engine.ReceivedLSN(ctx, en)
			at := time.Now()
			if err != nil {
				c.log.Debug("read writer position", "instance", k, "err", err)
				return
			}
			mu.Lock()
			out = append(out, WriterPosition{Scope: n.Scope, Key: k, At: at, LSN: lsn})
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// identifier is the AWS identifier part of a region/id key.
func identifier(key string) string {
	_, id, _ := strings.Cut(key, "/")
	return id
}
