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
// Executions. StartPlanExecution picks the workflow for the action whose
// workflowTargetRegion is the target Region (else the one that names no
// Region) and runs its steps in order; a Parallel step runs its blocks
// concurrently. The step and execution state machines are stepNext and
// execNext (machine.go). A failed or timed-out step pauses the execution
// (pausedByFailedStep): resume retries it, UpdatePlanExecutionStep skips
// it or retries it ungraceful, CancelPlanExecution ends it. Blocks:
//
//   - AuroraGlobalDatabase: the cluster in the activating Region becomes
//     the primary. Graceful switchoverOnly calls SwitchoverGlobalCluster in
//     the current primary's Region; behavior failover, or an ungraceful
//     run, calls FailoverGlobalCluster with AllowDataLoss in the target's
//     Region. The step ends when DescribeGlobalClusters shows the global
//     cluster available with the target as writer (at once if it already
//     is); it fails after timeoutMinutes (60 by default).
//   - ManualApproval: pendingApproval / pendingManualApproval until
//     ApprovePlanExecutionStep; decline cancels the execution; the timeout
//     (60 minutes by default) fails the step.
//   - ARCRegionSwitchPlan: runs the child plan (same target, action and
//     mode) and ends with it.
//   - Route53HealthCheck: sets the managed health checks of the record (the
//     activating Region healthy, the other unhealthy for activePassive).
//     The plan keeps one managed check per Region and (hosted zone,
//     record) its blocks name; Config.Route53 holds them in Route 53 with
//     the same IDs and statuses, so failover records that use them follow
//     the plan. AWS inverts checks on an S3 object Region switch writes;
//     here the status is handed over directly.
//
// Execution role. With a Config.Authorizer (the emulator's --enforce-iam)
// blocks act as the plan's execution role: before each call an Aurora
// block asks for rds:DescribeGlobalClusters, rds:DescribeDBClusters and
// the switchover or failover on the global and target clusters, a child
// plan block for arc-region-switch:StartPlanExecution on the child; a
// refusal fails the step with its message. A trigger needs
// arc-region-switch:StartPlanExecution on the plan and
// cloudwatch:DescribeAlarms on its alarms, else it starts nothing and logs
// why. Plan evaluation reports every refusal as a warning. The model
// knows nothing of IAM: the Authorizer decides.
//
// Plans with applicationHealth alarms end in
// completedMonitoringApplicationHealth until those alarms are OK, which
// sets actualRecoveryTime (emulated time since the start).
//
// Triggers are evaluated every TriggerInterval: a trigger starts a graceful
// execution in the Region it activates when its conditions become true
// (decideTrigger), recording the alarms in the comment and TriggeredBy.
// A trigger carries no mode (API_Trigger), so automatic executions are
// graceful: use behavior failover on Aurora blocks a trigger must run
// through a Region outage.
//
// Restart. State is saved on every change; after a restart executions
// resume where they were (a running Aurora step waits for the role change
// it started rather than starting another), as the managed service
// carries on across the emulator's downtime.
//
// Time. Every emulated duration (block timeouts, polling, the trigger
// ticker, minDelayMinutesBetweenExecutions) passes Clock.Scale times
// faster; timestamps are wall-clock.
package regionswitch
