package regionswitch

import (
	"context"
	"maps"
	"slices"
	"strconv"

	sdk "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

// CreatePlan creates a plan (control plane).
func (s *Service) CreatePlan(_ context.Context, _ string, in *sdk.CreatePlanInput) (*sdk.CreatePlanOutput, error) {
	if err := s.controlPlane(); err != nil {
		return nil, err
	}
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	if err := checkRegions(in.Regions, in.RecoveryApproach, in.PrimaryRegion); err != nil {
		return nil, err
	}
	if len(in.Tags) > 200 {
		return nil, invalid("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.st.Plans {
		if p.Name == *in.Name {
			return nil, errorf(errIllegalState, "A plan named %s already exists (%s).", p.Name, p.ARN)
		}
	}
	arn := "arn:aws:arc-region-switch::" + s.cfg.AccountID + ":plan/" + *in.Name + ":" + randomAlnum(6)
	sp := planSpec{description: in.Description, workflows: in.Workflows, executionRole: in.ExecutionRole, rto: in.RecoveryTimeObjectiveMinutes,
		alarms: in.AssociatedAlarms, triggers: in.Triggers, report: in.ReportConfiguration}
	wfs, reports, err := s.buildSpec(sp, in.Regions, in.RecoveryApproach, arn)
	if err != nil {
		return nil, err
	}
	p := &Plan{ARN: arn, Name: *in.Name, Description: deref(in.Description), ExecutionRole: *in.ExecutionRole,
		RecoveryApproach: in.RecoveryApproach, Regions: slices.Clone(in.Regions), PrimaryRegion: deref(in.PrimaryRegion),
		RTOMinutes: in.RecoveryTimeObjectiveMinutes, Workflows: wfs, AssociatedAlarms: in.AssociatedAlarms,
		Triggers: in.Triggers, ReportBuckets: reports, Tags: maps.Clone(in.Tags), Version: 1, UpdatedAt: s.now()}
	s.syncHealthChecks(p)
	s.evaluateLocked(context.Background(), p)
	s.st.Plans[arn] = p
	s.saveLocked()
	s.pushHealthChecksLocked(context.Background())
	s.log.Info("plan created", "plan", arn)
	return &sdk.CreatePlanOutput{Plan: renderPlan(p)}, nil
}

// UpdatePlan replaces a plan's workflows, role, alarms, triggers and
// report configuration (control plane). Running executions keep the
// version they started with.
func (s *Service) UpdatePlan(ctx context.Context, _ string, in *sdk.UpdatePlanInput) (*sdk.UpdatePlanOutput, error) {
	if err := s.controlPlane(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planLocked(in.Arn)
	if err != nil {
		return nil, err
	}
	sp := planSpec{description: in.Description, workflows: in.Workflows, executionRole: in.ExecutionRole, rto: in.RecoveryTimeObjectiveMinutes,
		alarms: in.AssociatedAlarms, triggers: in.Triggers, report: in.ReportConfiguration}
	wfs, reports, err := s.buildSpec(sp, p.Regions, p.RecoveryApproach, p.ARN)
	if err != nil {
		return nil, err
	}
	p.Description, p.ExecutionRole, p.RTOMinutes = deref(in.Description), *in.ExecutionRole, in.RecoveryTimeObjectiveMinutes
	p.Workflows, p.AssociatedAlarms, p.Triggers, p.ReportBuckets = wfs, in.AssociatedAlarms, in.Triggers, reports
	p.Version++
	p.UpdatedAt = s.now()
	s.syncHealthChecks(p)
	// Triggers that stay keep their memory; new ones start from what holds
	// when they are first evaluated.
	keep := map[string]bool{}
	for _, t := range p.Triggers {
		keep[triggerKey(t)] = true
	}
	for k := range s.st.Triggers[p.ARN] {
		if !keep[k] {
			delete(s.st.Triggers[p.ARN], k)
		}
	}
	s.evaluateLocked(ctx, p)
	s.saveLocked()
	s.pushHealthChecksLocked(ctx)
	return &sdk.UpdatePlanOutput{Plan: renderPlan(p)}, nil
}

// GetPlan returns a plan (control plane).
func (s *Service) GetPlan(_ context.Context, _ string, in *sdk.GetPlanInput) (*sdk.GetPlanOutput, error) {
	if err := s.controlPlane(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planLocked(in.Arn)
	if err != nil {
		return nil, err
	}
	return &sdk.GetPlanOutput{Plan: renderPlan(p)}, nil
}

// GetPlanInRegion returns the copy of a plan kept in region (data plane).
func (s *Service) GetPlanInRegion(_ context.Context, region string, in *sdk.GetPlanInRegionInput) (*sdk.GetPlanInRegionOutput, error) {
	if err := s.dataPlane(region); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planInRegionLocked(in.Arn, region)
	if err != nil {
		return nil, err
	}
	return &sdk.GetPlanInRegionOutput{Plan: renderPlan(p)}, nil
}

// DeletePlan deletes a plan (control plane); refused while an execution
// of it is active.
func (s *Service) DeletePlan(ctx context.Context, _ string, in *sdk.DeletePlanInput) (*sdk.DeletePlanOutput, error) {
	if err := s.controlPlane(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planLocked(in.Arn)
	if err != nil {
		return nil, err
	}
	if e := s.activeExecutionLocked(p.ARN); e != nil {
		return nil, errorf(errIllegalState, "Plan %s has an active execution (%s, %s); cancel it or wait for it to end before deleting the plan.", p.ARN, e.ID, e.State)
	}
	for _, o := range s.st.Plans {
		if o.ARN != p.ARN && slices.ContainsFunc(childPlans(o), func(c string) bool { return c == p.ARN }) {
			return nil, errorf(errIllegalState, "Plan %s is a child plan of %s; remove it from that plan first.", p.ARN, o.ARN)
		}
	}
	delete(s.st.Plans, p.ARN)
	delete(s.st.Triggers, p.ARN)
	for id, e := range s.st.Executions {
		if e.PlanARN == p.ARN {
			delete(s.st.Executions, id)
		}
	}
	s.saveLocked()
	s.pushHealthChecksLocked(ctx)
	return &sdk.DeletePlanOutput{}, nil
}

// ListPlans lists the account's plans (control plane).
func (s *Service) ListPlans(_ context.Context, _ string, in *sdk.ListPlansInput) (*sdk.ListPlansOutput, error) {
	if err := s.controlPlane(); err != nil {
		return nil, err
	}
	items, next, err := s.listPlans("", in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &sdk.ListPlansOutput{Plans: items, NextToken: next}, nil
}

// ListPlansInRegion lists the plans whose copy region keeps (data plane).
func (s *Service) ListPlansInRegion(_ context.Context, region string, in *sdk.ListPlansInRegionInput) (*sdk.ListPlansInRegionOutput, error) {
	if err := s.dataPlane(region); err != nil {
		return nil, err
	}
	items, next, err := s.listPlans(region, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &sdk.ListPlansInRegionOutput{Plans: items, NextToken: next}, nil
}

func (s *Service) listPlans(region string, max *int32, token *string) ([]types.AbbreviatedPlan, *string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var arns []string
	for arn, p := range s.st.Plans {
		if region == "" || slices.Contains(p.Regions, region) {
			arns = append(arns, arn)
		}
	}
	slices.Sort(arns)
	start, end, next, err := page(len(arns), token, max, 100)
	if err != nil {
		return nil, nil, err
	}
	items := []types.AbbreviatedPlan{}
	for _, arn := range arns[start:end] {
		p := s.st.Plans[arn]
		a := types.AbbreviatedPlan{Arn: ptr(p.ARN), Name: ptr(p.Name), Owner: ptr(s.cfg.AccountID),
			RecoveryApproach: p.RecoveryApproach, Regions: slices.Clone(p.Regions), Description: optional(p.Description),
			ExecutionRole: ptr(p.ExecutionRole), PrimaryRegion: optional(p.PrimaryRegion),
			RecoveryTimeObjectiveMinutes: p.RTOMinutes, UpdatedAt: ptr(p.UpdatedAt), Version: ptr(strconv.Itoa(p.Version))}
		if e := s.activeExecutionLocked(p.ARN); e != nil {
			a.ActivePlanExecution = ptr(e.ID)
		}
		items = append(items, a)
	}
	return items, next, nil
}

// TagResource adds or replaces tags (control plane).
func (s *Service) TagResource(_ context.Context, _ string, in *sdk.TagResourceInput) (*sdk.TagResourceOutput, error) {
	if err := s.controlPlane(); err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, invalid("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planLocked(in.Arn)
	if err != nil {
		return nil, err
	}
	merged := maps.Clone(p.Tags)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, in.Tags)
	if len(merged) > 200 {
		return nil, invalid("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200")
	}
	p.Tags = merged
	s.saveLocked()
	return &sdk.TagResourceOutput{}, nil
}

// UntagResource removes tags (control plane).
func (s *Service) UntagResource(_ context.Context, _ string, in *sdk.UntagResourceInput) (*sdk.UntagResourceOutput, error) {
	if err := s.controlPlane(); err != nil {
		return nil, err
	}
	if in.ResourceTagKeys == nil {
		return nil, invalid("1 validation error detected: Value null at 'resourceTagKeys' failed to satisfy constraint: Member must not be null")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planLocked(in.Arn)
	if err != nil {
		return nil, err
	}
	for _, k := range in.ResourceTagKeys {
		delete(p.Tags, k)
	}
	s.saveLocked()
	return &sdk.UntagResourceOutput{}, nil
}

// ListTagsForResource returns a plan's tags (control plane).
func (s *Service) ListTagsForResource(_ context.Context, _ string, in *sdk.ListTagsForResourceInput) (*sdk.ListTagsForResourceOutput, error) {
	if err := s.controlPlane(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planLocked(in.Arn)
	if err != nil {
		return nil, err
	}
	tags := maps.Clone(p.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	return &sdk.ListTagsForResourceOutput{ResourceTags: tags}, nil
}

// planLocked finds a plan by ARN; callers hold s.mu.
func (s *Service) planLocked(arn *string) (*Plan, error) {
	if arn == nil {
		return nil, invalid("1 validation error detected: Value null at 'arn' failed to satisfy constraint: Member must not be null")
	}
	if !planARNRE.MatchString(*arn) {
		return nil, invalid("1 validation error detected: Value '%s' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws[a-zA-Z-]*:arc-region-switch::[0-9]{12}:plan/([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?):([a-z0-9]{6})", *arn)
	}
	p := s.st.Plans[*arn]
	if p == nil {
		return nil, errorf(errNotFound, "Plan %s not found.", *arn)
	}
	return p, nil
}

// planInRegionLocked finds a plan whose copy lives in region.
func (s *Service) planInRegionLocked(arn *string, region string) (*Plan, error) {
	p, err := s.planLocked(arn)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(p.Regions, region) {
		return nil, errorf(errNotFound, "Plan %s not found in %s; it is kept in %s and %s.", p.ARN, region, p.Regions[0], p.Regions[1])
	}
	return p, nil
}

func childPlans(p *Plan) []string {
	var out []string
	var walk func([]Step)
	walk = func(steps []Step) {
		for _, st := range steps {
			if st.ChildPlan != nil {
				out = append(out, deref(st.ChildPlan.Arn))
			}
			walk(st.Parallel)
		}
	}
	for _, w := range p.Workflows {
		walk(w.Steps)
	}
	return out
}

func optional(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

// page returns the slice bounds for a page of n items after token.
func page(n int, token *string, max *int32, limit int32) (start, end int, next *string, err error) {
	size := int(limit)
	if max != nil {
		if *max < 1 || *max > limit {
			return 0, 0, nil, invalid("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and %d", *max, limit)
		}
		size = int(*max)
	}
	if token != nil {
		start, err = strconv.Atoi(*token)
		if err != nil || start < 0 || start > n {
			return 0, 0, nil, illegalArg("The nextToken %q is not valid.", *token)
		}
	}
	end = min(start+size, n)
	if end < n {
		next = ptr(strconv.Itoa(end))
	}
	return start, end, next, nil
}

func randomAlnum(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	h := randomHex(2 * n)
	out := make([]byte, n)
	for i := range out {
		v, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		out[i] = alphabet[int(v)%len(alphabet)]
	}
	return string(out)
}
