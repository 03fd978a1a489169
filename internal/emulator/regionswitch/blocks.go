package regionswitch

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	rdssdk "github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// Default block timeouts in minutes (emulated) when the plan gives none.
const (
	defaultAuroraTimeout   = 60
	defaultApprovalTimeout = 60
)

// auroraCall is the RDS call an Aurora block makes.
type auroraCall int

const (
	callSwitchover auroraCall = iota // SwitchoverGlobalCluster (graceful, no data loss)
	callFailover                     // FailoverGlobalCluster with AllowDataLoss
)

// auroraCallFor chooses the RDS call: a graceful run of a switchoverOnly
// block switches over; behavior failover, or an ungraceful run (whose only
// ungraceful behavior is failover), fails over allowing data loss
// (region-switch.md, Aurora global database block).
func auroraCallFor(behavior types.GlobalAuroraDefaultBehavior, mode types.ExecutionMode) auroraCall {
	if mode == types.ExecutionModeUngraceful || behavior == types.GlobalAuroraDefaultBehaviorFailover {
		return callFailover
	}
	return callSwitchover
}

// runAurora makes the cluster in the activating Region the global
// database's primary and waits until the global cluster is available with
// it as writer. A target that is already the writer completes the step at
// once (so a resumed or repeated execution is harmless).
func (s *Service) runAurora(ctx context.Context, id string, r *StepRun, c *types.GlobalAuroraConfiguration) error {
	if s.cfg.RDS == nil {
		return errors.New("no RDS is configured for Aurora blocks")
	}
	s.mu.Lock()
	e := s.st.Executions[id]
	target := e.ActivateRegion
	mode := r.Mode
	role := e.Plan.ExecutionRole
	s.mu.Unlock()
	gid := deref(c.GlobalClusterIdentifier)
	globalARN := s.globalClusterARN(gid)
	if err := s.authorize(ctx, role, "rds:DescribeGlobalClusters", globalARN); err != nil {
		return err
	}
	if err := s.authorize(ctx, role, "rds:DescribeDBClusters", c.DatabaseClusterArns...); err != nil {
		return err
	}
	targetARN := ""
	for _, a := range c.DatabaseClusterArns {
		if m := auroraARNRE.FindStringSubmatch(a); m != nil && m[1] == target {
			targetARN = a
		}
	}
	if targetARN == "" {
		return fmt.Errorf("no cluster of global cluster %s in %s among databaseClusterArns", deref(c.GlobalClusterIdentifier), target)
	}
	timeout := s.deadline(r, c.TimeoutMinutes, defaultAuroraTimeout)
	called := false
	for {
		g, err := s.describeGlobal(ctx, deref(c.GlobalClusterIdentifier), target, e.DeactivateRegion)
		if err != nil {
			return err
		}
		writer := writerOf(g)
		busy := deref(g.Status) != "available" || g.FailoverState != nil
		switch {
		case writer == targetARN && !busy:
			s.stepNote(id, r, fmt.Sprintf("%s is the primary cluster of global cluster %s.", targetARN, deref(g.GlobalClusterIdentifier)), targetARN)
			return nil
		case !busy && !called:
			call := auroraCallFor(c.Behavior, mode)
			if err := s.authorize(ctx, role, call.action(), globalARN, targetARN); err != nil {
				return err
			}
			if err := s.auroraCall(ctx, call, g, writer, targetARN); err != nil {
				return err
			}
			called = true
			s.stepNote(id, r, fmt.Sprintf("%s to %s started.", callName(auroraCallFor(c.Behavior, mode)), targetARN), targetARN)
		case !busy && called:
			return fmt.Errorf("global cluster %s is available but %s is not its primary", deref(g.GlobalClusterIdentifier), targetARN)
		}
		if err := s.wait(ctx, id, timeout); err != nil {
			if errors.Is(err, errTimeout) {
				return fmt.Errorf("timed out after the block's timeout waiting for %s to become the primary cluster", targetARN)
			}
			return err
		}
	}
}

// action is the IAM action of the call, which the execution role needs
// on the global cluster and the target cluster (as RDS authorizes the
// call; AWS's sample policy for the block grants both calls on the
// global cluster and every member).
func (c auroraCall) action() string {
	if c == callFailover {
		return "rds:FailoverGlobalCluster"
	}
	return "rds:SwitchoverGlobalCluster"
}

// globalClusterARN is the ARN of the account's global cluster id (RDS
// keeps identifiers in lower case).
func (s *Service) globalClusterARN(id string) string {
	return "arn:aws:rds::" + s.cfg.AccountID + ":global-cluster:" + strings.ToLower(id)
}

func callName(c auroraCall) string {
	if c == callFailover {
		return "FailoverGlobalCluster (AllowDataLoss)"
	}
	return "SwitchoverGlobalCluster"
}

// auroraCall calls RDS in the Region AWS requires: a switchover in the
// current primary's Region, a failover with data loss in the target's.
func (s *Service) auroraCall(ctx context.Context, call auroraCall, g *rdstypes.GlobalCluster, writer, target string) error {
	if call == callSwitchover {
		region := regionOfARN(writer)
		if s.down(region) {
			return fmt.Errorf("SwitchoverGlobalCluster needs the primary Region %s, which is unavailable; run the execution in ungraceful mode", region)
		}
		_, err := s.cfg.RDS.SwitchoverGlobalCluster(ctx, region, &rdssdk.SwitchoverGlobalClusterInput{
			GlobalClusterIdentifier: g.GlobalClusterIdentifier, TargetDbClusterIdentifier: &target})
		if err != nil {
			return fmt.Errorf("SwitchoverGlobalCluster: %w", err)
		}
		return nil
	}
	_, err := s.cfg.RDS.FailoverGlobalCluster(ctx, regionOfARN(target), &rdssdk.FailoverGlobalClusterInput{
		GlobalClusterIdentifier: g.GlobalClusterIdentifier, TargetDbClusterIdentifier: &target, AllowDataLoss: ptr(true)})
	if err != nil {
		return fmt.Errorf("FailoverGlobalCluster: %w", err)
	}
	return nil
}

// describeGlobal reads the global cluster from the first of regions that
// is up.
func (s *Service) describeGlobal(ctx context.Context, id string, regions ...string) (*rdstypes.GlobalCluster, error) {
	var lastErr error
	for _, region := range regions {
		if s.down(region) {
			lastErr = fmt.Errorf("region %s is unavailable", region)
			continue
		}
		out, err := s.cfg.RDS.DescribeGlobalClusters(ctx, region, &rdssdk.DescribeGlobalClustersInput{GlobalClusterIdentifier: &id})
		if err != nil {
			return nil, fmt.Errorf("DescribeGlobalClusters %s: %w", id, err)
		}
		if len(out.GlobalClusters) == 0 {
			return nil, fmt.Errorf("global cluster %s not found", id)
		}
		return &out.GlobalClusters[0], nil
	}
	return nil, fmt.Errorf("describe global cluster %s: %w", id, lastErr)
}

func writerOf(g *rdstypes.GlobalCluster) string {
	for _, m := range g.GlobalClusterMembers {
		if deref(m.IsWriter) {
			return deref(m.DBClusterArn)
		}
	}
	return ""
}

// regionOfARN returns the Region field of an ARN.
func regionOfARN(arn string) string {
	p := strings.SplitN(arn, ":", 5)
	if len(p) < 4 {
		return ""
	}
	return p[3]
}

// stepNote records a stepUpdate event.
func (s *Service) stepNote(id string, r *StepRun, desc string, resources ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.st.Executions[id]; e != nil {
		s.eventLocked(e, types.ExecutionEventTypeStepUpdate, r, desc, "", resources...)
		s.saveLocked()
	}
}

// runApproval waits for ApprovePlanExecutionStep: approve completes the
// step, decline cancels the execution, the timeout fails the step.
func (s *Service) runApproval(ctx context.Context, id string, r *StepRun, c *types.ExecutionApprovalConfiguration) error {
	timeout := s.deadline(r, c.TimeoutMinutes, defaultApprovalTimeout)
	s.mu.Lock()
	e := s.st.Executions[id]
	if r.Status == types.StepStatusRunning {
		s.stepMoveLocked(e, r, stepAwaitApproval, "Waiting for approval by "+deref(c.ApprovalRole)+".", "")
		s.execMoveLocked(e, execAwaitApproval, "")
		s.saveLocked()
	}
	s.mu.Unlock()
	for {
		s.mu.Lock()
		decision := r.Approval
		s.mu.Unlock()
		if decision != "" {
			return nil // ApprovePlanExecutionStep moved the step
		}
		if err := s.wait(ctx, id, timeout); err != nil {
			if errors.Is(err, errTimeout) {
				return errors.New("no approval before the block's timeout")
			}
			return err
		}
	}
}

// runChild runs the child plan in the same target Region, action and
// mode, and succeeds when the child execution succeeds.
func (s *Service) runChild(ctx context.Context, id string, r *StepRun, c *types.RegionSwitchPlanConfiguration) error {
	s.mu.Lock()
	e := s.st.Executions[id]
	child := s.st.Executions[r.Child]
	if child == nil {
		p := s.st.Plans[deref(c.Arn)]
		if p == nil {
			s.mu.Unlock()
			return fmt.Errorf("child plan %s not found", deref(c.Arn))
		}
		// The parent's role starts the child (AWS's sample policy for the
		// block: arc-region-switch:StartPlanExecution on the child plan).
		if err := s.authorize(ctx, e.Plan.ExecutionRole, "arc-region-switch:StartPlanExecution", p.ARN); err != nil {
			s.mu.Unlock()
			return err
		}
		var err error
		child, err = s.startLocked(p, e.Region, targetOf(e), e.Action, r.Mode, "Child of execution "+e.ID+".", "", id)
		if err != nil {
			s.mu.Unlock()
			return fmt.Errorf("start child plan %s: %w", p.ARN, err)
		}
		r.Child = child.ID
		s.eventLocked(e, types.ExecutionEventTypeStepUpdate, r, "Started child plan execution "+child.ID+".", "", p.ARN)
		s.saveLocked()
	}
	s.mu.Unlock()
	waiting := false // the child waits for an approval
	for {
		s.mu.Lock()
		state := child.State
		if now := state == types.ExecutionStatePendingManualApproval; now != waiting {
			waiting = now
			if now {
				s.eventLocked(e, types.ExecutionEventTypeExecutionPendingChildPlanManualApproval, r,
					"Child plan execution "+child.ID+" waits for a manual approval.", "", child.PlanARN)
				s.saveLocked()
			}
		}
		s.mu.Unlock()
		switch state {
		case types.ExecutionStateCompleted, types.ExecutionStateCompletedWithExceptions:
			return nil
		case types.ExecutionStateFailed, types.ExecutionStateCancelled, types.ExecutionStatePlanExecutionTimedOut:
			return fmt.Errorf("child plan execution %s ended %s", child.ID, state)
		}
		if err := s.wait(ctx, id, nil); err != nil {
			return err
		}
	}
}

// runRoute53 sets the health checks Region switch manages for the
// record: the activating Region's healthy; in an activePassive plan the
// other Region's unhealthy, and in an activeActive deactivation the
// deactivated Region's unhealthy (region-switch.md, Route 53 health check
// block). It needs the activating Region to be available, and the
// execution role route53:ListResourceRecordSets on the hosted zone.
func (s *Service) runRoute53(ctx context.Context, id string, r *StepRun, c *types.Route53HealthCheckConfiguration) error {
	s.mu.Lock()
	e := s.st.Executions[id]
	act, deact, role := e.ActivateRegion, e.DeactivateRegion, e.Plan.ExecutionRole
	p := s.st.Plans[e.PlanARN]
	s.mu.Unlock()
	if s.down(act) {
		return fmt.Errorf("the Route53HealthCheck block needs the activating Region %s, which is unavailable", act)
	}
	if p == nil {
		return fmt.Errorf("plan %s no longer exists", e.PlanARN)
	}
	// The block reads the record's sets with the execution role (AWS's
	// sample policy: route53:ListResourceRecordSets on the hosted zone).
	if err := s.authorize(ctx, role, "route53:ListResourceRecordSets", hostedZoneARN(deref(c.HostedZoneId))); err != nil {
		return err
	}
	want := map[string]types.Route53HealthCheckStatus{act: types.Route53HealthCheckStatusHealthy}
	if p.RecoveryApproach == types.RecoveryApproachActivePassive || e.Action == types.ExecutionActionDeactivate {
		want[deact] = types.Route53HealthCheckStatusUnhealthy
	}
	var ids []string
	s.mu.Lock()
	for i := range p.HealthChecks {
		hc := &p.HealthChecks[i]
		st, ok := want[hc.Region]
		if !ok || hc.HostedZoneID != deref(c.HostedZoneId) || hc.RecordName != deref(c.RecordName) {
			continue
		}
		hc.Status = st
		ids = append(ids, hc.ID)
	}
	s.saveLocked()
	err := s.syncRoute53Locked(ctx)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("set health checks %v in Route 53: %w", ids, err)
	}
	s.stepNote(id, r, "Route 53 health checks set: "+act+" healthy.", ids...)
	return nil
}

// hostedZoneARN is the ARN IAM knows a hosted zone by.
func hostedZoneARN(id string) string {
	return "arn:aws:route53:::hostedzone/" + strings.TrimPrefix(id, "/hostedzone/")
}
