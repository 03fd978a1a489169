package orchestrator

import (
	"fmt"
	"strings"

	"github.com/globaldb/globaldb/internal/topology"
)

// Names derives every resource name from the stack name. They are the
// contract between apply, status, destroy, failover and the scripts.
type Names struct{ Stack string }

// GlobalCluster is the global cluster identifier.
func (n Names) GlobalCluster() string { return n.Stack + "-global" }

// Cluster is the DB cluster identifier in region.
func (n Names) Cluster(region string) string { return n.Stack + "-" + region }

// Instance is the i-th (0-based) DB instance identifier in region.
func (n Names) Instance(region string, i int) string {
	return fmt.Sprintf("%s-%s-%d", n.Stack, region, i+1)
}

// SubnetGroup is the DB subnet group globaldb creates in region when the
// topology gives subnet IDs.
func (n Names) SubnetGroup(region string) string { return n.Stack + "-" + region }

// RolePath is the IAM path of the stack's roles, so they can be listed
// (and granted) as one set.
func (n Names) RolePath() string { return "/globaldb/" + n.Stack + "/" }

// CallerRefPrefix starts the CallerReference of every hosted zone and
// health check the stack creates: a resource created just before a crash,
// not yet tagged, is still recognised as ours.
func (n Names) CallerRefPrefix() string { return "globaldb/" + n.Stack + "/" }

// CheckKind tells a region's two health checks apart.
type CheckKind string

// The health checks of a region: its cluster (writer) endpoint and its
// reader endpoint.
const (
	WriterCheck CheckKind = "writer"
	ReaderCheck CheckKind = "reader"
)

// HealthCheckName is the Name tag of a region's health check.
func (n Names) HealthCheckName(region string, kind CheckKind) string {
	return fmt.Sprintf("%s-%s-%s", n.Stack, region, kind)
}

// healthCheckRef is the CallerReference prefix of a region's health check.
func (n Names) healthCheckRef(region string, kind CheckKind) string {
	return n.CallerRefPrefix() + region + "/" + string(kind) + "/"
}

func (n Names) zoneRef(zone string) string {
	return n.CallerRefPrefix() + "zone/" + strings.TrimSuffix(zone, ".") + "/"
}

// rdsTags are the topology's tags in RDS's shape, sorted by key.
func sortedTags(t *topology.Topology) [][2]string {
	keys := make([]string, 0, len(t.Tags))
	for k := range t.Tags {
		keys = append(keys, k)
	}
	sortStrings(keys)
	out := make([][2]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, [2]string{k, t.Tags[k]})
	}
	return out
}
