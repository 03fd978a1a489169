// Package regionswitch is the emulated Amazon Application Recovery
// Controller (ARC) Region switch: plans, their executions and the triggers
// that start executions from CloudWatch alarms. It is a model only: it
// holds state and behaviour and takes and returns aws-sdk-go-v2 types
// (github.com/aws/aws-sdk-go-v2/service/arcregionswitch); the Smithy RPC v2
// CBOR and JSON 1.0 codecs live elsewhere.
//
// Endpoints. Plan management (CreatePlan, GetPlan, UpdatePlan, DeletePlan,
// ListPlans, ListRoute53HealthChecks and the tag operations) is a control
// plane pinned to us-east-1: the SDKs send these operations to
// arc-region-switch-control-plane.us-east-1.api.aws whatever Region the
// client is configured for (botocore's endpoint-rule-set-1.json,
// UseControlPlaneEndpoint), so the model serves them whatever Region the
// request was signed for and answers *UnreachableError for us-east-1 while
// us-east-1 is in an outage. Executions and the …InRegion reads are data
// plane: served by the Region the request names, for plans that include
// that Region (ResourceNotFoundException otherwise), and unreachable while
// that Region is down.
//
// Operations:
//
//	operation                         plane    notes
//	CreatePlan                        control  blocks: AuroraGlobalDatabase, ManualApproval, Parallel,
//	                                           ARCRegionSwitchPlan, Route53HealthCheck; others refused
//	GetPlan, UpdatePlan, DeletePlan   control  DeletePlan refused while an execution is active
//	ListPlans                         control
//	TagResource, UntagResource,
//	ListTagsForResource               control
//	ListRoute53HealthChecks           control  the health checks the plan's Route53HealthCheck blocks manage
//	GetPlanInRegion, ListPlansInRegion data
//	ListRoute53HealthChecksInRegion   data
//	StartPlanExecution                data     one active execution per plan
//	GetPlanExecution,
//	ListPlanExecutions,
//	ListPlanExecutionEvents           data
//	CancelPlanExecution               data
//	UpdatePlanExecution               data     pause, resume, switchToGraceful, switchToUngraceful
//	UpdatePlanExecutionStep           data     skip, switchToUngraceful
//	ApprovePlanExecutionStep          data     approve, decline (decline cancels the execution)
//	GetPlanEvaluationStatus           data     checks the Aurora blocks' global clusters and trigger alarms
//
// Time. Every emulated duration (block timeouts, polling, the trigger
// ticker, minDelayMinutesBetweenExecutions) passes Clock.Scale times
// faster; timestamps are wall-clock.
package regionswitch
