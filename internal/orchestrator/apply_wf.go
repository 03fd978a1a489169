package orchestrator

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/globaldb/globaldb/internal/topology"
)

// Write forwarding (reference/write-forwarding.md). The request is sent to
// every member whatever its current role: AWS stores a global request made
// on the primary and honours it once the cluster becomes a secondary, so a
// re-run after a switchover changes nothing.

func idForwarding(region string) string { return "rds/cluster/" + region + "/write-forwarding" }

// wantForwarding is what the topology asks of region r's cluster.
func wantForwarding(r topology.Region) (global, local bool) {
	return r.WriteForwarding == topology.ForwardGlobal, r.WriteForwarding == topology.ForwardLocal
}

// localRequested reads whether local forwarding is requested from its
// status (DBCluster has no LocalWriteForwardingRequested).
func localRequested(c *rdstypes.DBCluster) bool {
	switch c.LocalWriteForwardingStatus {
	case rdstypes.LocalWriteForwardingStatusEnabled, rdstypes.LocalWriteForwardingStatusEnabling, rdstypes.LocalWriteForwardingStatusRequested:
		return true
	}
	return false
}

// setForwarding puts into in the forwarding changes c needs; it returns
// their plan details (none when c already matches).
func setForwarding(r topology.Region, c *rdstypes.DBCluster, in *rds.ModifyDBClusterInput) []string {
	global, local := wantForwarding(r)
	var details []string
	if have := aws.ToBool(c.GlobalWriteForwardingRequested); have != global {
		in.EnableGlobalWriteForwarding = aws.Bool(global)
		details = append(details, fmt.Sprintf("global write forwarding: %v → %v", have, global))
	}
	if have := localRequested(c); have != local {
		in.EnableLocalWriteForwarding = aws.Bool(local)
		details = append(details, fmt.Sprintf("local write forwarding: %v → %v", have, local))
	}
	return details
}

// forwardingSettled reports whether c forwards as r asks: the status of
// the requested kind is enabled. A global request on the current primary
// has no status (it acts after a role change) and counts as settled.
func forwardingSettled(r topology.Region, c *rdstypes.DBCluster) (bool, string) {
	switch r.WriteForwarding {
	case topology.ForwardGlobal:
		st := c.GlobalWriteForwardingStatus
		return aws.ToBool(c.GlobalWriteForwardingRequested) && (st == rdstypes.WriteForwardingStatusEnabled || st == ""), "global " + orNone(string(st))
	case topology.ForwardLocal:
		st := c.LocalWriteForwardingStatus
		return st == rdstypes.LocalWriteForwardingStatusEnabled, "local " + orNone(string(st))
	}
	return true, ""
}

func orNone(s string) string {
	if s == "" {
		return "(no status)"
	}
	return s
}

// planForwardingWait waits, after the cluster is ready, until the
// forwarding the topology asks for is enabled; c is the observed cluster
// (nil when it is created by this plan).
func (pl *planner) planForwardingWait(r topology.Region, c *rdstypes.DBCluster) {
	pl.planConsistency(r)
	if r.WriteForwarding == topology.ForwardOff || r.WriteForwarding == "" {
		return
	}
	var details []string
	if c != nil {
		ok, now := forwardingSettled(r, c)
		if ok && !pl.p.has(idCluster(r.Name)) {
			return
		}
		details = []string{"now " + now}
	}
	region := r.Name
	pl.p.add(&Step{ID: idForwarding(region), Action: Wait, Region: region, Details: details,
		After:    pl.p.deps(idCluster(region), idReady(region)),
		Resource: fmt.Sprintf("rds cluster %s (%s) %s write forwarding enabled", pl.n.Cluster(region), region, r.WriteForwarding),
		run:      func(ctx context.Context, x *exec, s *Step) error { return x.waitForwarding(ctx, s, r) }})
}

func (x *exec) waitForwarding(ctx context.Context, s *Step, r topology.Region) error {
	id := x.n.Cluster(r.Name)
	return x.waitFor(ctx, s, "cluster "+id+" write forwarding enabled", func(ctx context.Context) (bool, string, error) {
		c, err := describeCluster(ctx, x.c.RDS(r.Name), id)
		if err != nil {
			return false, "", err
		}
		if c == nil {
			return false, "absent", fmt.Errorf("cluster %s in %s does not exist", id, r.Name)
		}
		x.setCluster(r.Name, c)
		ok, now := forwardingSettled(r, c)
		return ok, now, nil
	})
}

const paramConsistency = "apg_write_forward.consistency_mode"

// consistencyGroup is the cluster parameter group in which globaldb sets
// region's consistency mode, "" when none (forwarding off, or the engine's
// default group, which is read-only and says session).
func consistencyGroup(t *topology.Topology, region string) (group, want string) {
	for _, r := range t.Regions {
		if r.Name != region || r.ClusterParameterGroup == "" || strings.HasPrefix(r.ClusterParameterGroup, "default.") {
			continue
		}
		if global, local := wantForwarding(r); !global && !local {
			return "", ""
		}
		want = r.WriteForwardingConsistency
		if want == "" {
			want = topology.DefaultWriteForwardingConsistency
		}
		return r.ClusterParameterGroup, want
	}
	return "", ""
}

// observeConsistency reads apg_write_forward.consistency_mode from the
// group region's forwarding uses; "" when there is none or it does not
// exist yet.
func observeConsistency(ctx context.Context, cl *rds.Client, t *topology.Topology, region string) (string, error) {
	group, _ := consistencyGroup(t, region)
	if group == "" {
		return "", nil
	}
	return readConsistency(ctx, cl, group)
}

func readConsistency(ctx context.Context, cl *rds.Client, group string) (string, error) {
	p := rds.NewDescribeDBClusterParametersPaginator(cl, &rds.DescribeDBClusterParametersInput{DBClusterParameterGroupName: aws.String(group)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if isNotFound(err) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("read parameters of cluster parameter group %s: %w", group, err)
		}
		for _, prm := range out.Parameters {
			if aws.ToString(prm.ParameterName) == paramConsistency {
				return aws.ToString(prm.ParameterValue), nil
			}
		}
	}
	return "", nil
}

// planConsistency sets the consistency mode in the region's named
// cluster parameter group when it differs (the parameter is dynamic:
// new sessions get it without a reboot).
func (pl *planner) planConsistency(r topology.Region) {
	group, want := consistencyGroup(pl.t, r.Name)
	have := pl.w.ConsistencyModes[r.Name]
	if group == "" || strings.EqualFold(have, want) {
		return
	}
	region := r.Name
	pl.p.add(&Step{ID: "rds/cluster-parameter-group/" + region, Action: Update, Region: region,
		Resource: fmt.Sprintf("rds cluster parameter group %s (%s)", group, region),
		Details:  []string{fmt.Sprintf("%s: %s → %s", paramConsistency, orNone(have), want)},
		run: func(ctx context.Context, x *exec, s *Step) error {
			_, err := x.c.RDS(region).ModifyDBClusterParameterGroup(ctx, &rds.ModifyDBClusterParameterGroupInput{
				DBClusterParameterGroupName: aws.String(group),
				Parameters: []rdstypes.Parameter{{ParameterName: aws.String(paramConsistency), ParameterValue: aws.String(want),
					ApplyMethod: rdstypes.ApplyMethodImmediate}}})
			return err
		}})
}
