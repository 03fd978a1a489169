package rds

import (
	"context"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// DefaultAutoFailoverBlock is how long a cluster that failed over by
// itself refuses another automatic failover (anti-flap, like
// orchestrator's RecoveryPeriodBlockSeconds); the writer is restarted in
// place meanwhile.
const DefaultAutoFailoverBlock = 60 * time.Second

// FailoverDBCluster moves the writer role of a cluster to one of its
// replicas (in-region, planned: the runtime fences the old writer and
// lets the target catch up before promoting it, so nothing acknowledged
// is lost).
func (s *Service) FailoverDBCluster(_ context.Context, region string, in *sdk.FailoverDBClusterInput) (*sdk.FailoverDBClusterOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.clusterByRef(region, deref(in.DBClusterIdentifier))
	if err != nil {
		return nil, err
	}
	if s.isSecondary(c) {
		return nil, errorf(errClusterState, "DB cluster %s is a secondary cluster of global cluster %s; fail over the global cluster instead.", c.ID, c.GlobalClusterID)
	}
	if c.Status != StatusAvailable {
		return nil, errorf(errClusterState, "DB cluster %s is not in available state (current state: %s).", c.ID, c.Status)
	}
	if g := s.st.Globals[c.GlobalClusterID]; g != nil && g.Failover != nil {
		return nil, errorf(errClusterState, "DB cluster %s can't fail over while global cluster %s is %s.", c.ID, g.ID, g.Status)
	}
	target, err := s.failoverTarget(c, in.TargetDBInstanceIdentifier)
	if err != nil {
		return nil, err
	}
	c.Status, c.FailoverTo, c.Writer = StatusFailingOver, target.ID, target.ID
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.FailoverDBClusterOutput{DBCluster: s.renderCluster(c)}, nil
}

// failoverTarget checks a requested target, or picks the available replica
// with the lowest promotion tier.
func (s *Service) failoverTarget(c *Cluster, want *string) (*Instance, error) {
	if want != nil && *want != "" {
		inst, err := s.instanceByRef(c.Region, *want)
		if err != nil {
			return nil, err
		}
		if inst.ClusterID != c.ID {
			return nil, errorf(errInvalidValue, "DB instance %s is not a member of DB cluster %s.", inst.ID, c.ID)
		}
		if inst.ID == c.Writer {
			return nil, errorf(errInstanceState, "DB instance %s is already the writer of DB cluster %s.", inst.ID, c.ID)
		}
		if inst.Status != StatusAvailable {
			return nil, errorf(errInstanceState, "DB instance %s is not available (current state: %s).", inst.ID, inst.Status)
		}
		return inst, nil
	}
	for _, inst := range s.liveInstances(c, c.Writer) {
		if inst.Status == StatusAvailable {
			return inst, nil
		}
	}
	return nil, errorf(errClusterState, "DB cluster %s has no available replica to fail over to.", c.ID)
}

// ObserveWriterDown is called by the runtime when a cluster's writer
// server died. candidates are the cluster's running replicas (instance
// keys), most up to date first. The model fails over to the first one, as
// Aurora does by itself, unless the cluster failed over automatically
// within the recovery period or a global role change is in progress; it
// reports whether the writer moved.
func (s *Service) ObserveWriterDown(instance string, candidates []string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := s.st.Instances[instance]
	if inst == nil || inst.Status == StatusDeleting {
		return false
	}
	c := s.st.Clusters[key(inst.Region, inst.ClusterID)]
	if c == nil || c.Writer != inst.ID || len(candidates) == 0 {
		return false
	}
	next := s.st.Instances[candidates[0]]
	if next == nil || next.ClusterID != c.ID {
		return false
	}
	if !s.isSecondary(c) {
		if g := s.st.Globals[c.GlobalClusterID]; g != nil && g.Failover != nil {
			return false
		}
		if now := s.cfg.Clock.Now(); !c.LastAutoFailover.IsZero() && now.Sub(c.LastAutoFailover) < s.autoFailoverBlock() {
			s.cfg.Logger.Warn("automatic failover blocked: recovery period", "cluster", c.ID, "last", c.LastAutoFailover)
			return false
		}
		c.Status, c.FailoverTo = StatusFailingOver, next.ID
		c.LastAutoFailover = s.cfg.Clock.Now()
	}
	s.cfg.Logger.Info("writer down: failing over", "cluster", c.ID, "from", inst.ID, "to", next.ID)
	c.Writer = next.ID
	inst.Status = StatusRebooting
	if err := s.commit(); err != nil {
		s.cfg.Logger.Error("persist failover", "err", err)
	}
	return true
}

func (s *Service) autoFailoverBlock() time.Duration {
	if s.cfg.AutoFailoverBlock > 0 {
		return s.cfg.AutoFailoverBlock
	}
	return DefaultAutoFailoverBlock
}

// SwitchoverGlobalCluster moves the primary role to a secondary cluster
// with no data loss. It must be called in the current primary's region.
func (s *Service) SwitchoverGlobalCluster(_ context.Context, region string, in *sdk.SwitchoverGlobalClusterInput) (*sdk.SwitchoverGlobalClusterOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, target, err := s.checkRoleChange(deref(in.GlobalClusterIdentifier), deref(in.TargetDbClusterIdentifier), false)
	if err != nil {
		return nil, err
	}
	if p := s.st.Clusters[g.Writer]; p != nil && p.Region != region {
		return nil, errorf(errInvalidValue, "SwitchoverGlobalCluster must be called in the region of the current primary cluster (%s), not %s.", p.Region, region)
	}
	if err := s.startRoleChange(g, target, false); err != nil {
		return nil, err
	}
	return &sdk.SwitchoverGlobalClusterOutput{GlobalCluster: s.renderGlobal(g)}, nil
}

// FailoverGlobalCluster promotes a secondary. With AllowDataLoss it does
// not wait for the primary (which may be unreachable) and must be called
// in the target's region; otherwise it behaves as a switchover.
func (s *Service) FailoverGlobalCluster(_ context.Context, region string, in *sdk.FailoverGlobalClusterInput) (*sdk.FailoverGlobalClusterOutput, error) {
	allow := in.AllowDataLoss != nil && *in.AllowDataLoss
	if allow && in.Switchover != nil && *in.Switchover {
		return nil, errorf(errInvalidCombination, "AllowDataLoss and Switchover are mutually exclusive.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, target, err := s.checkRoleChange(deref(in.GlobalClusterIdentifier), deref(in.TargetDbClusterIdentifier), allow)
	if err != nil {
		return nil, err
	}
	if allow && target.Region != region {
		return nil, errorf(errInvalidValue, "FailoverGlobalCluster with AllowDataLoss must be called in the region of the target cluster (%s), not %s.", target.Region, region)
	}
	if err := s.startRoleChange(g, target, allow); err != nil {
		return nil, err
	}
	return &sdk.FailoverGlobalClusterOutput{GlobalCluster: s.renderGlobal(g)}, nil
}

// checkRoleChange applies AWS's rules common to switchover and failover.
func (s *Service) checkRoleChange(globalID, targetRef string, allowDataLoss bool) (*GlobalCluster, *Cluster, error) {
	g, err := s.global(idFromARNOrName(globalID, "global-cluster"))
	if err != nil {
		return nil, nil, err
	}
	if g.Status != StatusAvailable || g.Failover != nil {
		return nil, nil, errorf(errGlobalState, "Global cluster %s is not in available state (current state: %s).", g.ID, g.Status)
	}
	target, k := s.memberByARN(g, targetRef)
	if target == nil {
		return nil, nil, errorf(errClusterNotFound, "The DB cluster %s is not a member of global cluster %s.", targetRef, g.ID)
	}
	if k == g.Writer {
		return nil, nil, errorf(errGlobalState, "DB cluster %s is already the primary cluster of global cluster %s.", target.ID, g.ID)
	}
	if target.Status != StatusAvailable {
		return nil, nil, errorf(errClusterState, "DB cluster %s is not in available state (current state: %s).", target.ID, target.Status)
	}
	if p := s.st.Clusters[g.Writer]; p != nil && p.Status != StatusAvailable && !allowDataLoss {
		return nil, nil, errorf(errClusterState, "The primary cluster %s is not in available state (current state: %s).", p.ID, p.Status)
	}
	if p := s.st.Clusters[g.Writer]; p != nil && p.EngineVersion != target.EngineVersion {
		return nil, nil, errorf(errClusterState, "The engine version %s of DB cluster %s doesn't match %s of the primary cluster %s.", target.EngineVersion, target.ID, p.EngineVersion, p.ID)
	}
	if len(s.availableInstances(target)) == 0 {
		return nil, nil, errorf(errClusterState, "DB cluster %s has no available DB instance. Add an instance to it before switching over or failing over to it.", target.ID)
	}
	return g, target, nil
}

func (s *Service) availableInstances(c *Cluster) []*Instance {
	var out []*Instance
	for _, inst := range s.clusterInstances(c) {
		if inst.Status == StatusAvailable {
			out = append(out, inst)
		}
	}
	return out
}

// startRoleChange records a pending switchover or failover; the runtime
// begins it with BeginGlobalFailover.
func (s *Service) startRoleChange(g *GlobalCluster, target *Cluster, allowDataLoss bool) error {
	if !allowDataLoss {
		p := s.st.Clusters[g.Writer]
		if p == nil || p.Writer == "" || s.st.Instances[key(p.Region, p.Writer)].Status != StatusAvailable {
			return errorf(errClusterState, "The writer of the primary cluster is not available, so a switchover can't be done without data loss. Use FailoverGlobalCluster with AllowDataLoss.")
		}
		g.Status = StatusSwitchingOver
	} else {
		g.Status = StatusFailingOver
	}
	g.Failover = &FailoverState{Status: FailoverPending, From: g.Writer, To: key(target.Region, target.ID),
		AllowDataLoss: allowDataLoss, Started: s.cfg.Clock.Now().UTC()}
	return s.commit()
}

// BeginGlobalFailover is called by the runtime when it starts a pending
// role change: the writer moves to the target (which the runtime promotes
// after fencing the old primary), and the old primary becomes a secondary
// that rejoins through a WAN link.
func (s *Service) BeginGlobalFailover(global string) {
	s.observe(func() {
		g := s.st.Globals[global]
		if g == nil || g.Failover == nil || g.Failover.Status != FailoverPending {
			return
		}
		f := g.Failover
		if f.AllowDataLoss {
			f.Status = StatusFailingOver
			g.Resync = appendOnce(g.Resync, f.From)
			if old := s.st.Clusters[f.From]; old != nil {
				for _, inst := range s.clusterInstances(old) {
					inst.Resync = true
				}
			}
		} else {
			f.Status = StatusSwitchingOver
		}
		g.Writer = f.To
		if to := s.st.Clusters[f.To]; to != nil {
			to.VolumeReady = true // its instances hold the data
		}
		if old := s.st.Clusters[f.From]; old != nil {
			s.demoted(old)
		}
		if old := s.st.Clusters[f.From]; old != nil && old.LinkHost == "" {
			host, err := s.cfg.Addresses.Allocate(old.Port)
			if err != nil {
				s.cfg.Logger.Error("allocate link address", "cluster", old.ID, "err", err)
			}
			old.LinkHost = host
		}
	})
}

// ObserveInstanceRole records the role a server runs in ("writer",
// "reader", or "" when it is not running) and completes role changes that
// were waiting for it.
func (s *Service) ObserveInstanceRole(instance, role string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := s.st.Instances[instance]
	if inst == nil || inst.Role == role {
		return
	}
	inst.Role = role
	if role == "" && inst.Status == StatusAvailable {
		// Stopped to be fenced, rewound or rebuilt: it comes back.
		inst.Status = StatusRebooting
	}
	s.progress()
	if err := s.commit(); err != nil {
		s.cfg.Logger.Error("persist role", "err", err)
	}
}

// progress completes in-region failovers, global role changes and
// resyncs whose servers have reached their roles. Call with s.mu held.
func (s *Service) progress() {
	for _, c := range s.st.Clusters {
		if c.FailoverTo != "" && s.role(c.Region, c.FailoverTo) == roleWriter {
			c.FailoverTo = ""
			if c.Status == StatusFailingOver {
				c.Status = StatusAvailable
			}
		}
	}
	for _, g := range s.st.Globals {
		var resync []string
		for _, k := range g.Resync {
			if !s.resynced(k) {
				resync = append(resync, k)
			}
		}
		g.Resync = resync
		if s.roleChangeDone(g) {
			g.Failover = nil
		}
		if g.Failover == nil {
			g.Status = s.settledStatus(g)
		}
	}
}

// roleChangeDone reports whether g's switchover or failover in progress
// has completed: the target writes and, for a switchover, the old primary
// streams from it. A failover with data loss completes without the old
// primary, which is rebuilt afterwards (pending-resync).
func (s *Service) roleChangeDone(g *GlobalCluster) bool {
	f := g.Failover
	if f == nil || f.Status == FailoverPending {
		return false
	}
	to := s.st.Clusters[f.To]
	if to == nil || s.role(to.Region, to.Writer) != roleWriter {
		return false
	}
	return f.AllowDataLoss || s.rejoined(f.From)
}

// rejoined reports whether cluster k's servers stream as readers, every
// one rebuilt after a failover with data loss (or it has none).
func (s *Service) rejoined(k string) bool {
	c := s.st.Clusters[k]
	if c == nil || c.Writer == "" {
		return true
	}
	for _, inst := range s.clusterInstances(c) {
		if inst.Resync && inst.Status != StatusDeleting {
			return false
		}
	}
	return s.role(c.Region, c.Writer) == roleReader
}

func (s *Service) role(region, instance string) string {
	if inst := s.st.Instances[key(region, instance)]; inst != nil {
		return inst.Role
	}
	return ""
}

func appendOnce(list []string, k string) []string {
	for _, x := range list {
		if x == k {
			return list
		}
	}
	return append(list, k)
}

// renderFailoverState renders g's role change for DescribeGlobalClusters.
func (s *Service) renderFailoverState(g *GlobalCluster) *types.FailoverState {
	f := g.Failover
	if f == nil {
		return nil
	}
	out := &types.FailoverState{Status: types.FailoverStatus(f.Status), IsDataLossAllowed: boolp(f.AllowDataLoss)}
	if c := s.st.Clusters[f.From]; c != nil {
		out.FromDbClusterArn = str(s.arn(c.Region, "cluster", c.ID))
	}
	if c := s.st.Clusters[f.To]; c != nil {
		out.ToDbClusterArn = str(s.arn(c.Region, "cluster", c.ID))
	}
	return out
}
