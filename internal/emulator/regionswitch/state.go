package regionswitch

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
)

// State is everything the model persists.
type State struct {
	Plans      map[string]*Plan      `json:"plans"`      // ARN → plan
	Executions map[string]*Execution `json:"executions"` // execution ID → execution
	// Triggers is the trigger evaluator's memory: plan ARN → trigger key.
	Triggers map[string]map[string]triggerMemory `json:"triggers"`
}

func newState() *State {
	s := &State{}
	s.fill()
	return s
}

func (s *State) fill() {
	if s.Plans == nil {
		s.Plans = map[string]*Plan{}
	}
	if s.Executions == nil {
		s.Executions = map[string]*Execution{}
	}
	if s.Triggers == nil {
		s.Triggers = map[string]map[string]triggerMemory{}
	}
}

// Plan is a Region switch plan. Union members of the SDK (execution block
// configurations, report outputs) are kept as typed fields so the plan
// encodes to JSON and back.
type Plan struct {
	ARN              string                           `json:"arn"`
	Name             string                           `json:"name"`
	Description      string                           `json:"description,omitempty"`
	ExecutionRole    string                           `json:"executionRole"`
	RecoveryApproach types.RecoveryApproach           `json:"recoveryApproach"`
	Regions          []string                         `json:"regions"`
	PrimaryRegion    string                           `json:"primaryRegion,omitempty"`
	RTOMinutes       *int32                           `json:"rtoMinutes,omitempty"`
	Workflows        []Workflow                       `json:"workflows"`
	AssociatedAlarms map[string]types.AssociatedAlarm `json:"associatedAlarms,omitempty"`
	Triggers         []types.Trigger                  `json:"triggers,omitempty"`
	ReportBuckets    []S3Report                       `json:"reportBuckets,omitempty"`
	Tags             map[string]string                `json:"tags,omitempty"`
	Version          int                              `json:"version"`
	UpdatedAt        time.Time                        `json:"updatedAt"`
	// HealthChecks are the Route 53 health checks Region switch manages
	// for the plan's Route53HealthCheck blocks.
	HealthChecks []HealthCheck `json:"healthChecks,omitempty"`
	// Evaluation is the last plan evaluation.
	Evaluation Evaluation `json:"evaluation"`
}

// Workflow is one workflow of a plan.
type Workflow struct {
	Action      types.WorkflowTargetAction `json:"action"`
	Region      string                     `json:"region,omitempty"`
	Description string                     `json:"description,omitempty"`
	Steps       []Step                     `json:"steps"`
}

// Step is one step: a block of a supported type with its configuration.
type Step struct {
	Name        string                                 `json:"name"`
	Description string                                 `json:"description,omitempty"`
	Type        types.ExecutionBlockType               `json:"type"`
	Aurora      *types.GlobalAuroraConfiguration       `json:"aurora,omitempty"`
	Approval    *types.ExecutionApprovalConfiguration  `json:"approval,omitempty"`
	Parallel    []Step                                 `json:"parallel,omitempty"`
	ChildPlan   *types.RegionSwitchPlanConfiguration   `json:"childPlan,omitempty"`
	Route53     *types.Route53HealthCheckConfiguration `json:"route53,omitempty"`
}

// S3Report is a reportConfiguration S3 output.
type S3Report struct {
	BucketPath  string `json:"bucketPath,omitempty"`
	BucketOwner string `json:"bucketOwner,omitempty"`
}

// HealthCheck is a Route 53 health check Region switch manages.
type HealthCheck struct {
	ID           string                         `json:"id"`
	HostedZoneID string                         `json:"hostedZoneId"`
	RecordName   string                         `json:"recordName"`
	Region       string                         `json:"region"`
	Status       types.Route53HealthCheckStatus `json:"status"`
}

// Evaluation is a plan evaluation's result.
type Evaluation struct {
	Time     time.Time              `json:"time"`
	Version  int                    `json:"version"`
	State    types.EvaluationStatus `json:"state"`
	Warnings []Warning              `json:"warnings,omitempty"`
}

// Warning is one plan-evaluation warning.
type Warning struct {
	Message  string                     `json:"message"`
	Workflow types.WorkflowTargetAction `json:"workflow,omitempty"`
	Step     string                     `json:"step,omitempty"`
	Resource string                     `json:"resource,omitempty"`
	Updated  time.Time                  `json:"updated"`
}

// Execution is one plan execution. Plan is a copy of the plan as it was
// when the execution started (AWS runs the version it started with).
type Execution struct {
	ID                  string                `json:"id"`
	PlanARN             string                `json:"planArn"`
	Plan                Plan                  `json:"plan"`
	Region              string                `json:"region"` // where it was started and runs
	Action              types.ExecutionAction `json:"action"`
	Mode                types.ExecutionMode   `json:"mode"`
	ActivateRegion      string                `json:"activateRegion"`
	DeactivateRegion    string                `json:"deactivateRegion"`
	Comment             string                `json:"comment,omitempty"`
	RecoveryExecutionID string                `json:"recoveryExecutionId,omitempty"`
	State               types.ExecutionState  `json:"state"`
	Start               time.Time             `json:"start"`
	Updated             time.Time             `json:"updated"`
	End                 *time.Time            `json:"end,omitempty"`
	Steps               []*StepRun            `json:"steps"`
	Events              []Event               `json:"events"`
	// PauseRequested: the operator asked for a pause, taken after the
	// running step ends.
	PauseRequested bool `json:"pauseRequested,omitempty"`
	// Canceling: CancelPlanExecution (or a declined approval) was
	// accepted; the runner ends the execution as canceled.
	Canceling bool `json:"canceling,omitempty"`
	// TriggeredBy names the trigger alarm(s) that started the execution;
	// empty for an operator's StartPlanExecution.
	TriggeredBy []string `json:"triggeredBy,omitempty"`
	// Trigger is the key of the trigger that started the execution.
	Trigger            string `json:"trigger,omitempty"`
	ActualRecoveryTime string `json:"actualRecoveryTime,omitempty"`
	// ChildOf is the parent execution's ID for a child plan's execution.
	ChildOf string `json:"childOf,omitempty"`
}

// StepRun is the state of one step of an execution. Steps inside a
// Parallel block have Parent set to the Parallel step's name.
type StepRun struct {
	Name       string                   `json:"name"`
	Type       types.ExecutionBlockType `json:"type"`
	Parent     string                   `json:"parent,omitempty"`
	Status     types.StepStatus         `json:"status"`
	Mode       types.ExecutionMode      `json:"mode,omitempty"`
	Ungraceful bool                     `json:"ungraceful,omitempty"` // switched by UpdatePlanExecutionStep
	Start      *time.Time               `json:"start,omitempty"`
	End        *time.Time               `json:"end,omitempty"`
	Approval   types.Approval           `json:"approval,omitempty"`
	// Child is the child plan execution an ARCRegionSwitchPlan step started.
	Child string `json:"child,omitempty"`
}

// Event is one execution event.
type Event struct {
	ID          string                   `json:"id"`
	Previous    string                   `json:"previous,omitempty"`
	Time        time.Time                `json:"time"`
	Type        types.ExecutionEventType `json:"type"`
	Step        string                   `json:"step,omitempty"`
	BlockType   types.ExecutionBlockType `json:"blockType,omitempty"`
	Resources   []string                 `json:"resources,omitempty"`
	Error       string                   `json:"error,omitempty"`
	Description string                   `json:"description,omitempty"`
}
