package regionswitch

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	rdssdk "github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/clock"
)

const (
	account = "123456789012"
	primary = "ap-southeast-1"
	standby = "ap-southeast-2"
	global  = "orders"
	role    = "arn:aws:iam::123456789012:role/region-switch"
	// scale makes a minute 60 ms and the 5 s poll 5 ms.
	scale = 0.001
)

var (
	primaryARN = "arn:aws:rds:" + primary + ":" + account + ":cluster:orders-apse1"
	standbyARN = "arn:aws:rds:" + standby + ":" + account + ":cluster:orders-apse2"
)

// fakeRDS is a fixture of the RDS interface: one global cluster whose role
// change completes after a few DescribeGlobalClusters calls. It applies
// the rules the real model applies to the Region of the call.
type fakeRDS struct {
	mu        sync.Mutex
	writer    string
	status    string
	pending   string
	allowLoss bool
	countdown int
	calls     []string
	refuse    error // returned by the next role-change call
	hold      bool  // role changes do not finish while set
}

func (f *fakeRDS) setHold(h bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hold = h
}

func newFakeRDS() *fakeRDS { return &fakeRDS{writer: primaryARN, status: "available"} }

func (f *fakeRDS) DescribeGlobalClusters(_ context.Context, _ string, in *rdssdk.DescribeGlobalClustersInput) (*rdssdk.DescribeGlobalClustersOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if deref(in.GlobalClusterIdentifier) != global {
		return nil, awserr.New("GlobalClusterNotFoundFault", "Global cluster %s not found.", deref(in.GlobalClusterIdentifier))
	}
	if f.pending != "" && !f.hold {
		if f.countdown--; f.countdown <= 0 {
			f.writer, f.pending, f.status = f.pending, "", "available"
		}
	}
	g := rdstypes.GlobalCluster{GlobalClusterIdentifier: ptr(global), Status: ptr(f.status),
		GlobalClusterArn: ptr("arn:aws:rds::" + account + ":global-cluster:" + global)}
	for _, m := range []string{primaryARN, standbyARN} {
		g.GlobalClusterMembers = append(g.GlobalClusterMembers, rdstypes.GlobalClusterMember{DBClusterArn: ptr(m), IsWriter: ptr(m == f.writer)})
	}
	if f.pending != "" {
		g.FailoverState = &rdstypes.FailoverState{ToDbClusterArn: ptr(f.pending), IsDataLossAllowed: ptr(f.allowLoss)}
	}
	return &rdssdk.DescribeGlobalClustersOutput{GlobalClusters: []rdstypes.GlobalCluster{g}}, nil
}

func (f *fakeRDS) start(call, region, target string, allowLoss bool) error {
	f.calls = append(f.calls, fmt.Sprintf("%s %s -> %s", call, region, target))
	if err := f.refuse; err != nil {
		f.refuse = nil
		return err
	}
	if f.status != "available" {
		return awserr.New("InvalidGlobalClusterStateFault", "Global cluster %s is not in available state.", global)
	}
	f.status, f.pending, f.allowLoss, f.countdown = "switching-over", target, allowLoss, 2
	if allowLoss {
		f.status = "failing-over"
	}
	return nil
}

func (f *fakeRDS) SwitchoverGlobalCluster(_ context.Context, region string, in *rdssdk.SwitchoverGlobalClusterInput) (*rdssdk.SwitchoverGlobalClusterOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if region != regionOfARN(f.writer) {
		return nil, awserr.New("InvalidParameterValue", "SwitchoverGlobalCluster must be called in the region of the current primary cluster.")
	}
	return &rdssdk.SwitchoverGlobalClusterOutput{}, f.start("SwitchoverGlobalCluster", region, deref(in.TargetDbClusterIdentifier), false)
}

func (f *fakeRDS) FailoverGlobalCluster(_ context.Context, region string, in *rdssdk.FailoverGlobalClusterInput) (*rdssdk.FailoverGlobalClusterOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	target := deref(in.TargetDbClusterIdentifier)
	if deref(in.AllowDataLoss) && region != regionOfARN(target) {
		return nil, awserr.New("InvalidParameterValue", "FailoverGlobalCluster with AllowDataLoss must be called in the region of the target cluster.")
	}
	return &rdssdk.FailoverGlobalClusterOutput{}, f.start("FailoverGlobalCluster", region, target, deref(in.AllowDataLoss))
}

func (f *fakeRDS) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeRDS) Writer() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writer
}

// fakeAlarms holds alarm states by "region/name".
type fakeAlarms struct {
	mu     sync.Mutex
	states map[string]cwtypes.StateValue
}

func (a *fakeAlarms) AlarmState(region, name string) (cwtypes.StateValue, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st, ok := a.states[region+"/"+name]
	return st, ok
}

func (a *fakeAlarms) set(region, name string, st cwtypes.StateValue) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.states == nil {
		a.states = map[string]cwtypes.StateValue{}
	}
	a.states[region+"/"+name] = st
}

// outages is a settable RegionDown.
type outages struct {
	mu   sync.Mutex
	down map[string]bool
}

func (o *outages) RegionDown(r string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.down[r]
}

func (o *outages) set(r string, down bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.down == nil {
		o.down = map[string]bool{}
	}
	o.down[r] = down
}

// fakeRoute53 holds what the last SyncHealthChecks gave it; it refuses
// syncs while failing is set.
type fakeRoute53 struct {
	mu      sync.Mutex
	checks  map[string]HealthCheck
	syncs   int
	failing bool
}

func (r *fakeRoute53) SyncHealthChecks(_ context.Context, checks []HealthCheck) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failing {
		return errors.New("route 53 unavailable")
	}
	r.syncs++
	r.checks = map[string]HealthCheck{}
	for _, hc := range checks {
		r.checks[hc.ID] = hc
	}
	return nil
}

func (r *fakeRoute53) held() map[string]HealthCheck {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.checks)
}

func (r *fakeRoute53) setFailing(v bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failing = v
}

type fixture struct {
	t      *testing.T
	s      *Service
	rds    *fakeRDS
	r53    *fakeRoute53
	alarms *fakeAlarms
	out    *outages
	auth   Authorizer // nil: the role is not checked
	appr   Authorizer // nil: approval roles are not checked
	path   string
	cancel context.CancelFunc
	done   chan error
}

// newFixture starts a Service (its Run loop included) with a file store
// in a temporary directory.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newAuthFixture(t, nil)
}

// newAuthFixture is newFixture with auth as the Config's Authorizer.
func newAuthFixture(t *testing.T, auth Authorizer) *fixture {
	t.Helper()
	f := &fixture{t: t, rds: newFakeRDS(), r53: &fakeRoute53{}, alarms: &fakeAlarms{}, out: &outages{}, auth: auth,
		path: filepath.Join(t.TempDir(), "arc-region-switch.json")}
	f.start()
	t.Cleanup(f.stop)
	return f
}

func (f *fixture) start() {
	s, err := New(Config{AccountID: account, Clock: clock.Scaled{Base: clock.Real{}, Scale: scale},
		Store: NewFileStore(f.path), RDS: f.rds, Route53: f.r53, Alarms: f.alarms, RegionDown: f.out.RegionDown, Authorizer: f.auth, Approver: f.appr,
		TriggerInterval: time.Hour}) // tests tick triggers themselves
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.s, f.cancel, f.done = s, cancel, make(chan error, 1)
	go func() { f.done <- s.Run(ctx) }()
}

func (f *fixture) stop() {
	if f.cancel == nil {
		return
	}
	f.cancel()
	if err := <-f.done; err != nil {
		f.t.Errorf("Run: %v", err)
	}
	f.cancel = nil
}

// restart stops the service and starts a new one on the same state file.
func (f *fixture) restart() {
	f.stop()
	f.start()
}

var ctx = context.Background()

func auroraStep(name string, behavior types.GlobalAuroraDefaultBehavior) types.Step {
	return types.Step{Name: ptr(name), ExecutionBlockType: types.ExecutionBlockTypeAurora,
		ExecutionBlockConfiguration: &types.ExecutionBlockConfigurationMemberGlobalAuroraConfig{Value: types.GlobalAuroraConfiguration{
			Behavior: behavior, GlobalClusterIdentifier: ptr(global), DatabaseClusterArns: []string{primaryARN, standbyARN},
			Ungraceful: &types.GlobalAuroraUngraceful{Ungraceful: types.GlobalAuroraUngracefulBehaviorFailover}}}}
}

func approvalStep(name string) types.Step {
	return types.Step{Name: ptr(name), ExecutionBlockType: types.ExecutionBlockTypeExecutionApproval,
		ExecutionBlockConfiguration: &types.ExecutionBlockConfigurationMemberExecutionApprovalConfig{Value: types.ExecutionApprovalConfiguration{
			ApprovalRole: ptr(role)}}}
}

func planInput(name string, steps ...types.Step) *sdk.CreatePlanInput {
	return &sdk.CreatePlanInput{Name: ptr(name), Regions: []string{primary, standby}, PrimaryRegion: ptr(primary),
		RecoveryApproach: types.RecoveryApproachActivePassive, ExecutionRole: ptr(role),
		Workflows: []types.Workflow{{WorkflowTargetAction: types.WorkflowTargetActionActivate, Steps: steps}}}
}

func (f *fixture) createPlan(in *sdk.CreatePlanInput) string {
	f.t.Helper()
	out, err := f.s.CreatePlan(ctx, ControlPlaneRegion, in)
	if err != nil {
		f.t.Fatalf("CreatePlan: %v", err)
	}
	return *out.Plan.Arn
}

func (f *fixture) startExecution(plan, target string, mode types.ExecutionMode) string {
	f.t.Helper()
	out, err := f.s.StartPlanExecution(ctx, target, &sdk.StartPlanExecutionInput{PlanArn: &plan, TargetRegion: &target,
		Action: types.ExecutionActionActivate, Mode: mode})
	if err != nil {
		f.t.Fatalf("StartPlanExecution: %v", err)
	}
	return *out.ExecutionId
}

func (f *fixture) execution(plan, id string) *sdk.GetPlanExecutionOutput {
	f.t.Helper()
	out, err := f.s.GetPlanExecution(ctx, regionOfID(id), &sdk.GetPlanExecutionInput{PlanArn: &plan, ExecutionId: &id})
	if err != nil {
		f.t.Fatalf("GetPlanExecution: %v", err)
	}
	return out
}

func regionOfID(id string) string {
	for i := range id {
		if id[i] == '/' {
			return id[:i]
		}
	}
	return ""
}

// waitState polls the execution until it reaches state, failing after a
// deadline with what it saw.
func (f *fixture) waitState(plan, id string, state types.ExecutionState) *sdk.GetPlanExecutionOutput {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := f.execution(plan, id)
		if out.ExecutionState == state {
			return out
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("execution %s is %s, want %s; steps %s; events %v", id, out.ExecutionState, state, stepSummary(out.StepStates), f.eventTypes(plan, id))
		}
		time.Sleep(2 * time.Millisecond) // poll interval, not a condition
	}
}

func stepSummary(states []types.StepState) string {
	out := ""
	for _, st := range states {
		out += fmt.Sprintf("%s=%s/%s ", deref(st.Name), st.Status, st.StepMode)
	}
	return out
}

func (f *fixture) eventTypes(plan, id string) []string {
	out, err := f.s.ListPlanExecutionEvents(ctx, regionOfID(id), &sdk.ListPlanExecutionEventsInput{PlanArn: &plan, ExecutionId: &id})
	if err != nil {
		f.t.Fatalf("ListPlanExecutionEvents: %v", err)
	}
	var types []string
	for _, ev := range out.Items {
		t := string(ev.Type)
		if ev.StepName != nil {
			t += ":" + *ev.StepName
		}
		types = append(types, t)
	}
	return types
}

// errCode returns the AWS error code of err ("" when none).
func errCode(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	if IsUnreachable(err) {
		return "unreachable"
	}
	return ""
}

// waitFor polls cond until it holds, failing after a deadline.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met before the deadline")
		}
		time.Sleep(2 * time.Millisecond) // poll interval, not a condition
	}
}

// isoRE is the model's Duration pattern without its lookarounds, for
// durations of hours, minutes and seconds.
var isoRE = regexp.MustCompile(`^PT(\d+H)?(\d+M)?(\d+S)?$`)
