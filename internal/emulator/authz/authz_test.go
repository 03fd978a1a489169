package authz

import (
	"reflect"
	"testing"
)

func TestResolve(t *testing.T) {
	const acct, region = "123456789012", "ap-southeast-1"
	cases := []struct {
		name      string
		call      Call
		action    string
		resources []string
	}{
		{"create cluster in a global cluster", Call{Service: "rds", Operation: "CreateDBCluster", Params: map[string]any{"DBClusterIdentifier": "App", "GlobalClusterIdentifier": "g"}},
			"rds:CreateDBCluster", []string{"arn:aws:rds:ap-southeast-1:123456789012:cluster:app", "arn:aws:rds::123456789012:global-cluster:g"}},
		{"describe all clusters", Call{Service: "rds", Operation: "DescribeDBClusters", Params: map[string]any{}},
			"rds:DescribeDBClusters", []string{"arn:aws:rds:ap-southeast-1:123456789012:cluster:*"}},
		{"switchover by ARN", Call{Service: "rds", Operation: "SwitchoverGlobalCluster", Params: map[string]any{"GlobalClusterIdentifier": "g",
			"TargetDbClusterIdentifier": "arn:aws:rds:ap-southeast-2:123456789012:cluster:b"}},
			"rds:SwitchoverGlobalCluster", []string{"arn:aws:rds::123456789012:global-cluster:g", "arn:aws:rds:ap-southeast-2:123456789012:cluster:b"}},
		{"create instance", Call{Service: "rds", Operation: "CreateDBInstance", Params: map[string]any{"DBInstanceIdentifier": "i1", "DBClusterIdentifier": "c"}},
			"rds:CreateDBInstance", []string{"arn:aws:rds:ap-southeast-1:123456789012:db:i1", "arn:aws:rds:ap-southeast-1:123456789012:cluster:c"}},
		{"modify instance", Call{Service: "rds", Operation: "ModifyDBInstance", Params: map[string]any{"DBInstanceIdentifier": "I1", "MonitoringRoleArn": "arn:aws:iam::123456789012:role/mon"}},
			"rds:ModifyDBInstance", []string{"arn:aws:rds:ap-southeast-1:123456789012:db:i1"}},
		{"modify cluster parameter group", Call{Service: "rds", Operation: "ModifyDBClusterParameterGroup", Params: map[string]any{"DBClusterParameterGroupName": "TLS-Only"}},
			"rds:ModifyDBClusterParameterGroup", []string{"arn:aws:rds:ap-southeast-1:123456789012:cluster-pg:tls-only"}},
		{"engine versions", Call{Service: "rds", Operation: "DescribeDBEngineVersions", Params: map[string]any{}}, "rds:DescribeDBEngineVersions", []string{"*"}},
		{"change records", Call{Service: "route53", Operation: "ChangeResourceRecordSets", Params: map[string]any{"HostedZoneId": "/hostedzone/Z1"}},
			"route53:ChangeResourceRecordSets", []string{"arn:aws:route53:::hostedzone/Z1"}},
		{"health check status", Call{Service: "route53", Operation: "GetHealthCheckStatus", Params: map[string]any{"HealthCheckId": "abc"}},
			"route53:GetHealthCheckStatus", []string{"arn:aws:route53:::healthcheck/abc"}},
		{"list tags of several health checks", Call{Service: "route53", Operation: "ListTagsForResources", Params: map[string]any{"ResourceType": "healthcheck", "ResourceIds": []any{"a", "b"}}},
			"route53:ListTagsForResources", []string{"arn:aws:route53:::healthcheck/a", "arn:aws:route53:::healthcheck/b"}},
		{"create hosted zone", Call{Service: "route53", Operation: "CreateHostedZone", Params: map[string]any{}}, "route53:CreateHostedZone", []string{"*"}},
		{"attach role policy", Call{Service: "iam", Operation: "AttachRolePolicy", Params: map[string]any{"RoleName": "ops"}},
			"iam:AttachRolePolicy", []string{"arn:aws:iam::123456789012:role/ops"}},
		{"access key", Call{Service: "iam", Operation: "CreateAccessKey", Params: map[string]any{"UserName": "alice"}},
			"iam:CreateAccessKey", []string{"arn:aws:iam::123456789012:user/alice"}},
		{"put alarm", Call{Service: "cloudwatch", Operation: "PutMetricAlarm", Params: map[string]any{"AlarmName": "seed-writer"}},
			"cloudwatch:PutMetricAlarm", []string{"arn:aws:cloudwatch:ap-southeast-1:123456789012:alarm:seed-writer"}},
		{"describe alarms by name", Call{Service: "cloudwatch", Operation: "DescribeAlarms", Params: map[string]any{"AlarmNames": []any{"a", "b"}}},
			"cloudwatch:DescribeAlarms", []string{"arn:aws:cloudwatch:ap-southeast-1:123456789012:alarm:a", "arn:aws:cloudwatch:ap-southeast-1:123456789012:alarm:b"}},
		{"describe alarms by prefix", Call{Service: "cloudwatch", Operation: "DescribeAlarms", Params: map[string]any{"AlarmNamePrefix": "seed-"}},
			"cloudwatch:DescribeAlarms", []string{"arn:aws:cloudwatch:ap-southeast-1:123456789012:alarm:seed-*"}},
		{"delete alarms", Call{Service: "cloudwatch", Operation: "DeleteAlarms", Params: map[string]any{"AlarmNames": []any{"a"}}},
			"cloudwatch:DeleteAlarms", []string{"arn:aws:cloudwatch:ap-southeast-1:123456789012:alarm:a"}},
		{"tag alarm by ARN", Call{Service: "cloudwatch", Operation: "TagResource", Params: map[string]any{"ResourceARN": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:x"}},
			"cloudwatch:TagResource", []string{"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:x"}},
		{"put metric data", Call{Service: "cloudwatch", Operation: "PutMetricData", Params: map[string]any{"Namespace": "Globaldb/Canary"}},
			"cloudwatch:PutMetricData", []string{"*"}},
		{"policy version", Call{Service: "iam", Operation: "GetPolicyVersion", Params: map[string]any{"PolicyArn": "arn:aws:iam::aws:policy/AmazonRDSFullAccess"}},
			"iam:GetPolicyVersion", []string{"arn:aws:iam::aws:policy/AmazonRDSFullAccess"}},
		{"assume role", Call{Service: "sts", Operation: "AssumeRole", Params: map[string]any{"RoleArn": "arn:aws:iam::123456789012:role/r"}},
			"sts:AssumeRole", []string{"arn:aws:iam::123456789012:role/r"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.call.Account, tc.call.Region, tc.call.Principal = acct, region, "arn:aws:iam::123456789012:user/alice"
			got := Resolve(tc.call)
			if got.Action != tc.action || !reflect.DeepEqual(got.Resources, tc.resources) {
				t.Errorf("Resolve = %s %v, want %s %v", got.Action, got.Resources, tc.action, tc.resources)
			}
		})
	}
	t.Run("pass role", func(t *testing.T) {
		cases := []struct {
			name      string
			call      Call
			resources []string // of the iam:PassRole target; nil for none
		}{
			{"create instance with a monitoring role", Call{Service: "rds", Operation: "CreateDBInstance", Params: map[string]any{"MonitoringRoleArn": "arn:aws:iam::123456789012:role/mon"}},
				[]string{"arn:aws:iam::123456789012:role/mon"}},
			{"modify instance with a role name", Call{Service: "rds", Operation: "ModifyDBInstance", Params: map[string]any{"MonitoringRoleArn": "mon"}},
				[]string{"arn:aws:iam::123456789012:role/mon"}},
			{"create instance without a role", Call{Service: "rds", Operation: "CreateDBInstance", Params: map[string]any{"MonitoringInterval": "0"}}, nil},
			{"other operation", Call{Service: "rds", Operation: "ModifyDBCluster", Params: map[string]any{"MonitoringRoleArn": "arn:aws:iam::123456789012:role/mon"}}, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				tc.call.Account, tc.call.Region, tc.call.Principal = acct, region, "arn:aws:iam::123456789012:user/alice"
				got := PassRoles(tc.call)
				if tc.resources == nil {
					if got != nil {
						t.Errorf("PassRoles = %+v, want none", got)
					}
					return
				}
				if len(got) != 1 || got[0].Action != "iam:PassRole" || !reflect.DeepEqual(got[0].Resources, tc.resources) ||
					got[0].Context["aws:requestedregion"][0] != region {
					t.Errorf("PassRoles = %+v, want iam:PassRole on %v", got, tc.resources)
				}
			})
		}
	})
	t.Run("request tags", func(t *testing.T) {
		got := Resolve(Call{Service: "rds", Operation: "CreateDBCluster", Region: region, Account: acct,
			Params: map[string]any{"Tags": []any{map[string]any{"Key": "env", "Value": "prod"}, map[string]any{"Key": "team", "Value": "db"}}}})
		if !reflect.DeepEqual(got.Context["aws:tagkeys"], []string{"env", "team"}) || got.Context["aws:requesttag/env"][0] != "prod" ||
			got.Context["aws:requestedregion"][0] != region {
			t.Errorf("context = %v", got.Context)
		}
	})
}

// TestAuthz_RolePath: a role's ARN includes its path, from the request
// for CreateRole and from the existing role (Call.RolePath) otherwise.
func TestAuthz_RolePath(t *testing.T) {
	const acct, region = "123456789012", "ap-southeast-1"
	cases := []struct {
		name      string
		call      Call
		action    string
		resources []string
	}{
		{"existing role under a path", Call{Service: "iam", Operation: "PutRolePolicy", Params: map[string]any{"RoleName": "mon"}, RolePath: "/globaldb/seed/"},
			"iam:PutRolePolicy", []string{"arn:aws:iam::123456789012:role/globaldb/seed/mon"}},
		{"create role under a path", Call{Service: "iam", Operation: "CreateRole", Params: map[string]any{"RoleName": "mon", "Path": "/globaldb/seed/"}},
			"iam:CreateRole", []string{"arn:aws:iam::123456789012:role/globaldb/seed/mon"}},
		{"create role without a path", Call{Service: "iam", Operation: "CreateRole", Params: map[string]any{"RoleName": "mon"}, RolePath: "/ignored/"},
			"iam:CreateRole", []string{"arn:aws:iam::123456789012:role/mon"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.call.Account, tc.call.Region, tc.call.Principal = acct, region, "arn:aws:iam::123456789012:user/alice"
			got := Resolve(tc.call)
			if got.Action != tc.action || !reflect.DeepEqual(got.Resources, tc.resources) {
				t.Errorf("Resolve = %s %v, want %s %v", got.Action, got.Resources, tc.action, tc.resources)
			}
		})
	}
}

// TestAuthz_CreateTags: a create with tags also needs the tagging action
// on the new resource, with the request's tags in its context.
func TestAuthz_CreateTags(t *testing.T) {
	const acct, region = "123456789012", "ap-southeast-1"
	tags := []any{map[string]any{"Key": "env", "Value": "prod"}}
	cases := []struct {
		name     string
		call     Call
		action   string // of the tagging target; "" for none
		resource string
	}{
		{"cluster with tags", Call{Service: "rds", Operation: "CreateDBCluster", Params: map[string]any{"DBClusterIdentifier": "App", "GlobalClusterIdentifier": "g", "Tags": tags}},
			"rds:AddTagsToResource", "arn:aws:rds:ap-southeast-1:123456789012:cluster:app"},
		{"instance with tags", Call{Service: "rds", Operation: "CreateDBInstance", Params: map[string]any{"DBInstanceIdentifier": "i1", "DBClusterIdentifier": "c", "Tags": tags}},
			"rds:AddTagsToResource", "arn:aws:rds:ap-southeast-1:123456789012:db:i1"},
		{"global cluster with tags", Call{Service: "rds", Operation: "CreateGlobalCluster", Params: map[string]any{"GlobalClusterIdentifier": "g", "Tags": tags}},
			"rds:AddTagsToResource", "arn:aws:rds::123456789012:global-cluster:g"},
		{"subnet group with tags", Call{Service: "rds", Operation: "CreateDBSubnetGroup", Params: map[string]any{"DBSubnetGroupName": "sg", "Tags": tags}},
			"rds:AddTagsToResource", "arn:aws:rds:ap-southeast-1:123456789012:subgrp:sg"},
		{"role with tags", Call{Service: "iam", Operation: "CreateRole", Params: map[string]any{"RoleName": "mon", "Path": "/globaldb/seed/", "Tags": tags}},
			"iam:TagRole", "arn:aws:iam::123456789012:role/globaldb/seed/mon"},
		{"alarm with tags", Call{Service: "cloudwatch", Operation: "PutMetricAlarm", Params: map[string]any{"AlarmName": "seed-writer", "Tags": tags}},
			"cloudwatch:TagResource", "arn:aws:cloudwatch:ap-southeast-1:123456789012:alarm:seed-writer"},
		{"cluster without tags", Call{Service: "rds", Operation: "CreateDBCluster", Params: map[string]any{"DBClusterIdentifier": "app"}}, "", ""},
		{"empty tag list", Call{Service: "iam", Operation: "CreateRole", Params: map[string]any{"RoleName": "mon", "Tags": []any{}}}, "", ""},
		{"modify with tags", Call{Service: "rds", Operation: "ModifyDBCluster", Params: map[string]any{"DBClusterIdentifier": "app", "Tags": tags}}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.call.Account, tc.call.Region, tc.call.Principal = acct, region, "arn:aws:iam::123456789012:user/alice"
			got := CreateTags(tc.call)
			if tc.action == "" {
				if got != nil {
					t.Errorf("CreateTags = %+v, want none", got)
				}
				return
			}
			if len(got) != 1 || got[0].Action != tc.action || !reflect.DeepEqual(got[0].Resources, []string{tc.resource}) ||
				!reflect.DeepEqual(got[0].Context["aws:requesttag/env"], []string{"prod"}) {
				t.Errorf("CreateTags = %+v, want %s on %s with the request's tags", got, tc.action, tc.resource)
			}
			all := Targets(tc.call)
			if len(all) != 2 || all[0].Action != Resolve(tc.call).Action || all[1].Action != tc.action {
				t.Errorf("Targets = %+v, want the call's own action, then %s", all, tc.action)
			}
		})
	}
}

// TestAuthz_NeedsNoPermission: only sts:GetCallerIdentity.
func TestAuthz_NeedsNoPermission(t *testing.T) {
	for _, tc := range []struct {
		call Call
		want bool
	}{
		{Call{Service: "sts", Operation: "GetCallerIdentity"}, true},
		{Call{Service: "sts", Operation: "AssumeRole"}, false},
		{Call{Service: "iam", Operation: "GetUser"}, false},
	} {
		if got := NeedsNoPermission(tc.call); got != tc.want {
			t.Errorf("NeedsNoPermission(%s:%s) = %v, want %v", tc.call.Service, tc.call.Operation, got, tc.want)
		}
	}
}

// TestAuthz_RegionSwitch: ARC Region switch calls are authorized on the
// plan they name; CreatePlan and UpdatePlan also need GetPlan and
// iam:PassRole on the execution role (passed to arc-region-switch), and
// CreatePlan with tags TagResource (Service Authorization Reference).
func TestAuthz_RegionSwitch(t *testing.T) {
	const acct, region = "123456789012", "us-east-1"
	const plan = "arn:aws:arc-region-switch::123456789012:plan/orders:abc123"
	const role = "arn:aws:iam::123456789012:role/rs"
	call := func(op string, params map[string]any) Call {
		return Call{Service: "arc-region-switch", Operation: op, Params: params, Region: region, Account: acct, Principal: "arn:aws:iam::123456789012:user/alice"}
	}
	resources := []struct {
		name string
		call Call
		want []string
	}{
		{"get plan", call("GetPlan", map[string]any{"arn": plan}), []string{plan}},
		{"start execution", call("StartPlanExecution", map[string]any{"planArn": plan, "targetRegion": "ap-southeast-2"}), []string{plan}},
		{"evaluation status", call("GetPlanEvaluationStatus", map[string]any{"planArn": plan}), []string{plan}},
		{"tag plan", call("TagResource", map[string]any{"arn": plan, "tags": map[string]any{"team": "db"}}), []string{plan}},
		{"list plans", call("ListPlans", map[string]any{}), []string{"*"}},
		{"list plans in a region", call("ListPlansInRegion", map[string]any{}), []string{"*"}},
		{"create plan", call("CreatePlan", map[string]any{"name": "orders"}), []string{"arn:aws:arc-region-switch::123456789012:plan/orders:*"}},
	}
	for _, tc := range resources {
		t.Run(tc.name, func(t *testing.T) {
			if got := Resolve(tc.call); got.Action != "arc-region-switch:"+tc.call.Operation || !reflect.DeepEqual(got.Resources, tc.want) {
				t.Errorf("Resolve = %s %v, want %v", got.Action, got.Resources, tc.want)
			}
		})
	}
	targets := []struct {
		name string
		call Call
		want []string // "action resource" of every target, in order
	}{
		{"create plan with tags", call("CreatePlan", map[string]any{"name": "orders", "executionRole": role, "tags": map[string]any{"env": "prod"}}), []string{
			"arc-region-switch:CreatePlan arn:aws:arc-region-switch::123456789012:plan/orders:*",
			"arc-region-switch:GetPlan arn:aws:arc-region-switch::123456789012:plan/orders:*",
			"iam:PassRole " + role,
			"arc-region-switch:TagResource arn:aws:arc-region-switch::123456789012:plan/orders:*"}},
		{"update plan", call("UpdatePlan", map[string]any{"arn": plan, "executionRole": role}), []string{
			"arc-region-switch:UpdatePlan " + plan, "arc-region-switch:GetPlan " + plan, "iam:PassRole " + role}},
		{"start execution", call("StartPlanExecution", map[string]any{"planArn": plan}), []string{"arc-region-switch:StartPlanExecution " + plan}},
	}
	for _, tc := range targets {
		t.Run("targets of "+tc.name, func(t *testing.T) {
			var got []string
			for _, tg := range Targets(tc.call) {
				for _, r := range tg.Resources {
					got = append(got, tg.Action+" "+r)
				}
				if tg.Action == "iam:PassRole" && !reflect.DeepEqual(tg.Context["iam:passedtoservice"], []string{"arc-region-switch.amazonaws.com"}) {
					t.Errorf("iam:PassRole context %v, want iam:PassedToService arc-region-switch.amazonaws.com", tg.Context)
				}
				if tg.Action == "arc-region-switch:TagResource" && !reflect.DeepEqual(tg.Context["aws:requesttag/env"], []string{"prod"}) {
					t.Errorf("TagResource context %v, want the request's tags", tg.Context)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Targets = %q, want %q", got, tc.want)
			}
		})
	}
	if AccessDeniedCode("arc-region-switch") != "AccessDeniedException" || AccessDeniedCode("rds") != "AccessDenied" {
		t.Errorf("AccessDeniedCode: %s, %s", AccessDeniedCode("arc-region-switch"), AccessDeniedCode("rds"))
	}
}
