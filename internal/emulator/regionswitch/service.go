package regionswitch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	rdssdk "github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/statefile"
)

// ControlPlaneRegion is where the Region switch control plane runs.
const ControlPlaneRegion = "us-east-1"

// Error codes of the arc-region-switch model.
const (
	errNotFound     = "ResourceNotFoundException"
	errIllegalArg   = "IllegalArgumentException"
	errIllegalState = "IllegalStateException"
	errAccessDenied = "AccessDeniedException"
	errInternal     = "InternalServerException"
	// errValidation is the common error AWS's JSON and RPC v2 services send
	// when input breaks the model's constraints (required members, lengths,
	// patterns, ranges) before the operation runs.
	errValidation = "ValidationException"
)

// UnreachableError reports a call to an endpoint whose Region is in an
// outage: the wire layer drops the connection, as it does for RDS.
type UnreachableError struct{ Region string }

func (e *UnreachableError) Error() string {
	return "arc-region-switch endpoint in " + e.Region + " is unreachable (region outage)"
}

// RDS is what Aurora global database blocks need of RDS; the emulated RDS
// model (internal/emulator/rds) satisfies it with these exact signatures
// (rds_test.go checks). region is the Region the call is made in, as for
// every opadapter operation: a switchover is called in the current
// primary's Region, a failover with data loss in the target's, reads in
// the first Region of the plan that is up. Errors are reported in the
// step's events. Calls may be made with the Service's lock held (plan
// evaluation): implementations must not call back into the Service.
type RDS interface {
	SwitchoverGlobalCluster(ctx context.Context, region string, in *rdssdk.SwitchoverGlobalClusterInput) (*rdssdk.SwitchoverGlobalClusterOutput, error)
	FailoverGlobalCluster(ctx context.Context, region string, in *rdssdk.FailoverGlobalClusterInput) (*rdssdk.FailoverGlobalClusterOutput, error)
	DescribeGlobalClusters(ctx context.Context, region string, in *rdssdk.DescribeGlobalClustersInput) (*rdssdk.DescribeGlobalClustersOutput, error)
}

// Alarms reads CloudWatch alarm states for triggers and application-health
// monitoring: the alarm's current state (StateValue), as DescribeAlarms
// shows it. ok is false when region has no alarm of that name. Called
// with the Service's lock held: implementations must not call back into
// the Service.
type Alarms interface {
	AlarmState(region, name string) (cwtypes.StateValue, bool)
}

// Route53 holds in Route 53 the health checks Region switch manages for
// Route53HealthCheck blocks (one per Region of a plan and record), as
// checks Region switch owns: the emulator wires its Route 53 model in
// (internal/emulator/regionswitchwiring.go). Called with the Service's
// lock held: implementations must not call back into the Service.
type Route53 interface {
	// SyncHealthChecks makes Route 53 hold exactly checks, every plan's
	// managed checks with the status Region switch set: it creates the new
	// ones with their IDs, sets the status of those that stay and deletes
	// the others. It is called after a plan is created, updated or
	// deleted, when an execution sets statuses, and when Run starts.
	SyncHealthChecks(ctx context.Context, checks []HealthCheck) error
}

// ServicePrincipal is the service principal a plan's execution role
// must trust (sts:AssumeRole) for Region switch to run as it.
const ServicePrincipal = "arc-region-switch.amazonaws.com"

// Authorizer decides whether a plan's execution role (roleARN) may make
// a call Region switch makes on the plan's behalf: action (for example
// "rds:FailoverGlobalCluster") on resource (an ARN). nil allows; an error
// (the role cannot be assumed, or its policies do not allow the call)
// refuses, and its text is what the execution's events or the plan's
// evaluation show. May be called with the Service's lock held:
// implementations must not call back into the Service.
type Authorizer func(ctx context.Context, roleARN, action, resource string) error

// Store persists the model's state.
type Store interface {
	Load() (*State, error) // nil, nil when nothing has been saved
	Save(*State) error
}

// NewFileStore keeps state as JSON in the file at path (see statefile);
// the emulator uses <data-dir>/arc-region-switch.json.
func NewFileStore(path string) statefile.Store[State] {
	return statefile.Store[State]{Path: path, New: newState}
}

var _ Store = statefile.Store[State]{}

// Config configures the model.
type Config struct {
	AccountID string
	Clock     clock.Scaled
	Store     Store // nil: state is kept in memory only
	Logger    *slog.Logger
	RDS       RDS     // nil: Aurora blocks fail
	Alarms    Alarms  // nil: triggers never fire
	Route53   Route53 // nil: managed health checks exist only in Region switch
	// Authorizer checks what the plan's execution role may do (nil:
	// everything, as when the emulator does not enforce IAM). Aurora
	// blocks, child-plan blocks and triggers consult it before each call
	// they make as the role, and plan evaluation reports what it refuses.
	Authorizer Authorizer
	// Approver checks what a manual approval block's approval role may do
	// by its policies alone (people assume it; Region switch does not):
	// plan evaluation warns when it may not
	// arc-region-switch:ApprovePlanExecutionStep on the plan. nil: not
	// checked.
	Approver Authorizer
	// RegionDown reports a Region in an outage (nil: never).
	RegionDown func(region string) bool
	// TriggerInterval is how often (emulated) triggers are evaluated;
	// zero means 10 s.
	TriggerInterval time.Duration
	// PollInterval is how often (emulated) blocks check on what they
	// started; zero means 5 s.
	PollInterval time.Duration
}

// Service is the Region switch model. Its methods are safe for concurrent
// use; Run drives executions and triggers.
type Service struct {
	cfg Config
	log *slog.Logger

	mu   sync.Mutex
	st   *State
	runs map[string]*runtime // execution ID → running execution
	ctx  context.Context     // Run's context; nil before Run
	wg   sync.WaitGroup
}

// New loads saved state and returns the model. Executions that were
// running resume when Run starts.
func New(cfg Config) (*Service, error) {
	if cfg.Clock.Base == nil {
		cfg.Clock.Base = clock.Real{}
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "000000000000"
	}
	if cfg.TriggerInterval <= 0 {
		cfg.TriggerInterval = 10 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 5 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, log: log.With("service", "arc-region-switch"), st: newState(),
		runs: map[string]*runtime{}}
	if cfg.Store != nil {
		st, err := cfg.Store.Load()
		if err != nil {
			return nil, fmt.Errorf("load arc-region-switch state: %w", err)
		}
		if st != nil {
			st.fill()
			s.st = st
		}
	}
	return s, nil
}

// Run resumes executions left running, then runs the trigger evaluator
// until ctx ends; it waits for the executions' goroutines before
// returning.
func (s *Service) Run(ctx context.Context) error {
	s.mu.Lock()
	s.ctx = ctx
	// Route 53 may have missed a change before a restart.
	s.pushHealthChecksLocked(ctx)
	for _, e := range s.st.Executions {
		if !terminal(e.State) {
			s.startRunnerLocked(e)
		}
	}
	s.mu.Unlock()
	defer s.wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.cfg.Clock.After(s.cfg.TriggerInterval):
			s.evaluateTriggers(ctx)
		}
	}
}

// saveLocked persists the state; callers hold s.mu. A failed save is
// logged: the in-memory state stays authoritative.
func (s *Service) saveLocked() {
	if s.cfg.Store == nil {
		return
	}
	if err := s.cfg.Store.Save(s.st); err != nil {
		s.log.Error("save state", "err", err)
	}
}

func (s *Service) now() time.Time { return s.cfg.Clock.Now().UTC() }

func (s *Service) down(region string) bool {
	return s.cfg.RegionDown != nil && s.cfg.RegionDown(region)
}

// controlPlane gates a control-plane operation.
func (s *Service) controlPlane() error {
	if s.down(ControlPlaneRegion) {
		return &UnreachableError{Region: ControlPlaneRegion}
	}
	return nil
}

// dataPlane gates a data-plane operation called in region.
func (s *Service) dataPlane(region string) error {
	if s.down(region) {
		return &UnreachableError{Region: region}
	}
	return nil
}

// authorize asks Config.Authorizer whether role may take action on
// every one of resources; nil without an Authorizer.
func (s *Service) authorize(ctx context.Context, role, action string, resources ...string) error {
	if s.cfg.Authorizer == nil {
		return nil
	}
	for _, res := range resources {
		if err := s.cfg.Authorizer(ctx, role, action, res); err != nil {
			return err
		}
	}
	return nil
}

func errorf(code, format string, args ...any) error { return awserr.New(code, format, args...) }

// IsUnreachable reports whether err is an *UnreachableError.
func IsUnreachable(err error) bool {
	var u *UnreachableError
	return errors.As(err, &u)
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
