package orchestrator

import (
	"fmt"

	"github.com/globaldb/globaldb/internal/topology"
)

// PolicyFor returns the least-privilege identity policy for the operator
// who runs globaldb (plan, apply, status, verify, failover, destroy,
// orphans) on t in account. Reads are allowed on every resource, as RDS,
// Route 53 and IAM list and describe calls with filters are; every
// change is scoped to the stack's own resources by name. Each statement
// is needed by some command on the seed topology (TestLeastPrivilege
// removes them one by one). sts:GetCallerIdentity needs no permission.
func PolicyFor(t *topology.Topology, account string) PolicyDocument { return policyFor(t, account) }

func policyFor(t *topology.Topology, account string) PolicyDocument {
	n := Names{t.Name}
	global := fmt.Sprintf("arn:aws:rds::%s:global-cluster:%s", account, n.GlobalCluster())
	clusters := fmt.Sprintf("arn:aws:rds:*:%s:cluster:%s-*", account, t.Name)
	instances := fmt.Sprintf("arn:aws:rds:*:%s:db:%s-*", account, t.Name)
	subnets := fmt.Sprintf("arn:aws:rds:*:%s:subgrp:%s-*", account, t.Name)
	// A role's ARN includes its path: the stack's roles live under theirs.
	roles := fmt.Sprintf("arn:aws:iam::%s:role%s*", account, n.RolePath())
	usesSubnets := false
	for _, r := range t.Regions {
		usesSubnets = usesSubnets || len(r.Network.SubnetIDs) > 0
	}
	doc := PolicyDocument{Version: "2012-10-17"}
	add := func(s Statement) { s.Effect = "Allow"; doc.Statement = append(doc.Statement, s) }
	// Orphans looks for a leftover subnet group in every region, whether
	// or not the topology makes one, and reads its tags.
	rdsRead := []string{
		"rds:DescribeGlobalClusters", "rds:DescribeDBClusters", "rds:DescribeDBInstances", "rds:DescribeDBSubnetGroups", "rds:ListTagsForResource",
	}
	// Write forwarding's consistency mode lives in the named cluster
	// parameter group: plan reads it, apply sets it.
	// Status reads it for every forwarding cluster.
	var paramGroups []string
	forwards := false
	for _, r := range t.Regions {
		global, local := wantForwarding(r)
		forwards = forwards || global || local
		if group, _ := consistencyGroup(t, r.Name); group != "" {
			paramGroups = append(paramGroups, fmt.Sprintf("arn:aws:rds:%s:%s:cluster-pg:%s", r.Name, account, group))
		}
	}
	if forwards {
		rdsRead = append(rdsRead, "rds:DescribeDBClusterParameters")
	}
	add(Statement{Sid: "RDSRead", Action: rdsRead, Resource: []string{"*"}})
	if len(paramGroups) > 0 {
		add(Statement{Sid: "RDSWriteForwardingParameters", Action: []string{"rds:ModifyDBClusterParameterGroup"}, Resource: paramGroups})
	}
	add(Statement{Sid: "RDSGlobalCluster", Action: []string{
		"rds:CreateGlobalCluster", "rds:ModifyGlobalCluster", "rds:DeleteGlobalCluster", "rds:RemoveFromGlobalCluster",
		"rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster",
	}, Resource: []string{global, clusters}})
	clusterRes := []string{clusters, global}
	if usesSubnets {
		clusterRes = append(clusterRes, subnets)
	}
	add(Statement{Sid: "RDSClusters", Action: []string{"rds:CreateDBCluster", "rds:ModifyDBCluster", "rds:DeleteDBCluster"}, Resource: clusterRes})
	add(Statement{Sid: "RDSInstances", Action: []string{
		"rds:CreateDBInstance", "rds:ModifyDBInstance", "rds:DeleteDBInstance",
	}, Resource: []string{instances, clusters}})
	// Every create passes the stack's tags, which RDS authorizes as
	// rds:AddTagsToResource on the new resource; apply also tags existing
	// resources that lack them.
	tagRes := []string{global, clusters, instances}
	if usesSubnets {
		tagRes = append(tagRes, subnets)
	}
	add(Statement{Sid: "RDSTags", Action: []string{"rds:AddTagsToResource"}, Resource: tagRes})
	if usesSubnets {
		add(Statement{Sid: "RDSSubnetGroups", Action: []string{"rds:CreateDBSubnetGroup", "rds:DeleteDBSubnetGroup"}, Resource: []string{subnets}})
	}
	if t.IAM.MonitoringRole != nil {
		add(Statement{Sid: "PassMonitoringRole", Action: []string{"iam:PassRole"},
			Resource: []string{fmt.Sprintf("arn:aws:iam::%s:role%s%s", account, n.RolePath(), t.IAM.MonitoringRole.Name)}})
	}
	// Observe and Orphans find the stack's health checks and zones by
	// listing, with or without a dns section.
	r53Read := []string{"route53:ListHostedZones", "route53:ListHealthChecks"}
	if t.DNS != nil {
		r53Read = append(r53Read, "route53:ListHostedZonesByName", "route53:GetHostedZone", "route53:ListResourceRecordSets",
			"route53:GetChange", "route53:GetHealthCheckStatus", "route53:ListTagsForResource")
	}
	add(Statement{Sid: "Route53Read", Action: r53Read, Resource: []string{"*"}})
	if d := t.DNS; d != nil {
		zone := "arn:aws:route53:::hostedzone/*"
		if d.HostedZone.ID != "" {
			zone = "arn:aws:route53:::hostedzone/" + zoneID(d.HostedZone.ID)
		} else {
			add(Statement{Sid: "Route53CreateZone", Action: []string{"route53:CreateHostedZone", "route53:DeleteHostedZone"}, Resource: []string{"*"}})
		}
		add(Statement{Sid: "Route53Records", Action: []string{"route53:ChangeResourceRecordSets", "route53:ChangeTagsForResource"}, Resource: []string{zone}})
		if d.HealthChecks != nil {
			add(Statement{Sid: "Route53CreateHealthChecks", Action: []string{"route53:CreateHealthCheck"}, Resource: []string{"*"}})
			add(Statement{Sid: "Route53HealthChecks", Action: []string{
				"route53:UpdateHealthCheck", "route53:DeleteHealthCheck", "route53:ChangeTagsForResource",
			}, Resource: []string{"arn:aws:route53:::healthcheck/*"}})
		}
	}
	if usesAlarms(t) {
		// Observe and status find the stack's alarms with DescribeAlarms
		// (a name-prefix listing, not scoped to one alarm); every change,
		// and the tag read that proves an alarm is the stack's, is on the
		// stack's alarm names. PutMetricAlarm with Tags is authorized as
		// cloudwatch:TagResource too.
		add(Statement{Sid: "CloudWatchReadAlarms", Action: []string{"cloudwatch:DescribeAlarms"}, Resource: []string{"*"}})
		add(Statement{Sid: "CloudWatchStackAlarms", Action: []string{
			"cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:ListTagsForResource",
		}, Resource: []string{alarmArns(t, account)}})
	}
	if t.Automation != nil {
		// Observe and status find the stack's Region switch plan by
		// listing (failover --via-plan also in the target's data plane);
		// every other call is on the stack's plan.
		add(Statement{Sid: "RegionSwitchRead", Action: []string{"arc-region-switch:ListPlans", "arc-region-switch:ListPlansInRegion"}, Resource: []string{"*"}})
		// Every other action takes the plan resource (Service
		// Authorization Reference). The plan's ARN ends in a suffix AWS
		// picks at CreatePlan, so the statement matches any suffix of the
		// stack's plan name.
		actions := []string{
			"arc-region-switch:CreatePlan", "arc-region-switch:GetPlan", "arc-region-switch:UpdatePlan", "arc-region-switch:DeletePlan",
			"arc-region-switch:TagResource", "arc-region-switch:ListTagsForResource", "arc-region-switch:ListPlanExecutions",
			"arc-region-switch:StartPlanExecution", "arc-region-switch:GetPlanExecution", "arc-region-switch:ListRoute53HealthChecks",
			"arc-region-switch:GetPlanEvaluationStatus",
		}
		if t.Automation.Approval {
			// The people who run failovers approve the plan's steps (the
			// operator role, when declared, is the steps' approval role).
			actions = append(actions, "arc-region-switch:ApprovePlanExecutionStep")
		}
		add(Statement{Sid: "RegionSwitchPlan", Action: actions, Resource: []string{regionSwitchPlanArns(t, account)}})
		// CreatePlan and UpdatePlan pass the execution role to Region
		// switch (iam:PassRole, iam:PassedToService
		// arc-region-switch.amazonaws.com).
		add(Statement{Sid: "PassRegionSwitchRole", Action: []string{"iam:PassRole"},
			Resource:  []string{fmt.Sprintf("arn:aws:iam::%s:role%s%s", account, n.RolePath(), n.RegionSwitchRole())},
			Condition: map[string]any{"StringEquals": map[string]any{"iam:PassedToService": RegionSwitchService}}})
	}
	// Observe and Orphans list the roles under the stack's path even when
	// the topology declares none (a role left by an earlier version).
	add(Statement{Sid: "IAMListStackRoles", Action: []string{"iam:ListRoles"}, Resource: []string{"*"}})
	if len(declaredRoles(t)) > 0 {
		add(Statement{Sid: "IAMStackRoles", Action: []string{
			"iam:CreateRole", "iam:GetRole", "iam:DeleteRole", "iam:TagRole", "iam:UpdateAssumeRolePolicy",
			"iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies",
			"iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListAttachedRolePolicies",
		}, Resource: []string{roles}})
	}
	return doc
}

// declaredRoles lists the role names the topology declares.
func declaredRoles(t *topology.Topology) []string {
	var out []string
	if r := t.IAM.MonitoringRole; r != nil {
		out = append(out, r.Name)
	}
	if r := t.IAM.AppRole; r != nil {
		out = append(out, r.Name)
	}
	if r := t.IAM.OperatorRole; r != nil {
		out = append(out, r.Name)
	}
	if t.Automation != nil {
		out = append(out, Names{t.Name}.RegionSwitchRole())
	}
	return out
}

// alarmArns matches the ARNs of the stack's CloudWatch alarms in every
// region (Names.Alarm).
func alarmArns(t *topology.Topology, account string) string {
	return fmt.Sprintf("arn:aws:cloudwatch:*:%s:alarm:%s-*", account, t.Name)
}

// CanaryPolicy returns the identity policy of `globaldb canary`: read the
// clusters' endpoints, and publish the canary's metrics, which CloudWatch
// cannot scope to a resource (PutMetricData takes "*"); the condition
// keeps the canary to its own namespace. The database login is not an IAM
// matter (the canary logs in as the master user).
func CanaryPolicy() PolicyDocument {
	return PolicyDocument{Version: "2012-10-17", Statement: []Statement{
		{Sid: "CanaryFindsClusters", Effect: "Allow", Action: []string{"rds:DescribeDBClusters"}, Resource: []string{"*"}},
		{Sid: "CanaryPublishes", Effect: "Allow", Action: []string{"cloudwatch:PutMetricData"}, Resource: []string{"*"},
			Condition: map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": CanaryNamespace}}},
	}}
}
