// Package authz maps an API call to what IAM authorizes: the action name
// and the resource ARNs, as AWS's Service Authorization Reference defines
// them for the operations the emulator serves, and the condition keys the
// emulator can supply. Evaluation itself is iampolicy's.
package authz

import (
	"fmt"
	"sort"
	"strings"
)

// Target is what one call asks to be allowed: every resource must be
// allowed for the action.
type Target struct {
	Action    string
	Resources []string
	Context   map[string][]string
}

// Call is a decoded API call.
type Call struct {
	Service   string // "rds", "route53", "iam", "sts", "cloudwatch", "arc-region-switch"
	Operation string
	Params    map[string]any
	Region    string
	Account   string
	Principal string // caller ARN (aws:PrincipalArn)
	// RolePath is the path of the existing role the call names by
	// RoleName ("" when it has none or does not exist): a role's ARN
	// includes its path (arn:aws:iam::ACCT:role/PATH/NAME), which the
	// request does not carry. The caller looks it up in the IAM model.
	RolePath string
}

// Targets returns everything c must be allowed: its own action
// (Resolve) first, then the further actions AWS authorizes for some
// calls: iam:PassRole on every role the call hands to a service
// (PassRoles), and the tagging action of a create with tags (CreateTags).
func Targets(c Call) []Target {
	out := []Target{Resolve(c)}
	out = append(out, Dependents(c)...)
	out = append(out, PassRoles(c)...)
	return append(out, CreateTags(c)...)
}

// AccessDeniedCode is the error code service answers a denied call with:
// AccessDeniedException for ARC Region switch (its model's error shape,
// HTTP 403), AccessDenied for the Query and REST-XML services.
func AccessDeniedCode(service string) string {
	if service == "arc-region-switch" {
		return "AccessDeniedException"
	}
	return "AccessDenied"
}

// Dependents returns the further actions of the call's own service that
// the Service Authorization Reference lists for an operation besides its
// own: ARC Region switch's CreatePlan and UpdatePlan also authorize
// arc-region-switch:GetPlan on the plan ("API operations defined by
// Amazon ARC Region switch").
func Dependents(c Call) []Target {
	if c.Service != "arc-region-switch" || (c.Operation != "CreatePlan" && c.Operation != "UpdatePlan") {
		return nil
	}
	t := Resolve(c)
	t.Action = "arc-region-switch:GetPlan"
	return []Target{t}
}

// NeedsNoPermission reports whether any authenticated principal may make
// c whatever its policies say: sts:GetCallerIdentity, which "No
// permissions are required to perform" even under an explicit deny (STS
// API Reference, GetCallerIdentity), as the same information is in every
// AccessDenied message.
func NeedsNoPermission(c Call) bool {
	return c.Service == "sts" && c.Operation == "GetCallerIdentity"
}

// Resolve returns the authorization target of c.
func Resolve(c Call) Target {
	t := Target{Action: c.Service + ":" + c.Operation, Context: map[string][]string{
		"aws:principalarn": {c.Principal},
	}}
	switch c.Service {
	case "rds":
		t.Resources = rdsResources(c)
		t.Context["aws:requestedregion"] = []string{c.Region}
	case "route53":
		t.Resources = route53Resources(c)
		t.Context["aws:requestedregion"] = []string{"us-east-1"}
	case "iam":
		t.Resources = iamResources(c)
		t.Context["aws:requestedregion"] = []string{"us-east-1"}
	case "sts":
		t.Resources = stsResources(c)
		t.Context["aws:requestedregion"] = []string{c.Region}
	case "cloudwatch":
		t.Resources = cloudWatchResources(c)
		t.Context["aws:requestedregion"] = []string{c.Region}
	case "arc-region-switch":
		t.Resources = regionSwitchResources(c)
		t.Context["aws:requestedregion"] = []string{c.Region}
	}
	if len(t.Resources) == 0 {
		t.Resources = []string{"*"}
	}
	addRequestTags(t.Context, c.Params)
	return t
}

func str(p map[string]any, k string) string {
	v, _ := p[k].(string)
	return v
}

func arnOr(v, build string) string {
	if strings.HasPrefix(v, "arn:") {
		return v
	}
	return build
}

func rdsResources(c Call) []string {
	p := c.Params
	rds := func(kind, id string) string {
		if id == "" {
			id = "*"
		}
		return arnOr(id, fmt.Sprintf("arn:aws:rds:%s:%s:%s:%s", c.Region, c.Account, kind, strings.ToLower(id)))
	}
	global := func(id string) string {
		if id == "" {
			id = "*"
		}
		return arnOr(id, fmt.Sprintf("arn:aws:rds::%s:global-cluster:%s", c.Account, strings.ToLower(id)))
	}
	switch c.Operation {
	case "CreateGlobalCluster", "DescribeGlobalClusters", "ModifyGlobalCluster", "DeleteGlobalCluster":
		out := []string{global(str(p, "GlobalClusterIdentifier"))}
		if src := str(p, "SourceDBClusterIdentifier"); src != "" {
			out = append(out, rds("cluster", src))
		}
		return out
	case "RemoveFromGlobalCluster":
		return []string{global(str(p, "GlobalClusterIdentifier")), rds("cluster", str(p, "DbClusterIdentifier"))}
	case "SwitchoverGlobalCluster", "FailoverGlobalCluster":
		return []string{global(str(p, "GlobalClusterIdentifier")), rds("cluster", str(p, "TargetDbClusterIdentifier"))}
	case "CreateDBCluster":
		out := []string{rds("cluster", str(p, "DBClusterIdentifier"))}
		if g := str(p, "GlobalClusterIdentifier"); g != "" {
			out = append(out, global(g))
		}
		if sg := str(p, "DBSubnetGroupName"); sg != "" {
			out = append(out, rds("subgrp", sg))
		}
		return out
	case "DescribeDBClusters", "ModifyDBCluster", "DeleteDBCluster", "FailoverDBCluster":
		return []string{rds("cluster", str(p, "DBClusterIdentifier"))}
	case "CreateDBInstance":
		return []string{rds("db", str(p, "DBInstanceIdentifier")), rds("cluster", str(p, "DBClusterIdentifier"))}
	case "DescribeDBInstances", "ModifyDBInstance", "DeleteDBInstance":
		return []string{rds("db", str(p, "DBInstanceIdentifier"))}
	case "CreateDBSubnetGroup", "DescribeDBSubnetGroups", "DeleteDBSubnetGroup":
		return []string{rds("subgrp", str(p, "DBSubnetGroupName"))}
	case "AddTagsToResource", "ListTagsForResource", "RemoveTagsFromResource":
		return []string{str(p, "ResourceName")}
	case "CreateDBClusterParameterGroup", "DescribeDBClusterParameterGroups", "ModifyDBClusterParameterGroup",
		"DescribeDBClusterParameters", "DeleteDBClusterParameterGroup":
		return []string{rds("cluster-pg", str(p, "DBClusterParameterGroupName"))}
	}
	return []string{"*"}
}

// PassRoles returns the iam:PassRole targets of a call that hands IAM
// roles to the service: AWS authorizes passing a role as a second action
// of the caller, on the role, besides the call's own action. The RDS
// operations served pass one with MonitoringRoleArn (Enhanced
// Monitoring's role); ARC Region switch's CreatePlan and UpdatePlan pass
// the plan's executionRole, with iam:PassedToService
// arc-region-switch.amazonaws.com (Service Authorization Reference). Most
// calls pass none.
func PassRoles(c Call) []Target {
	var role, service string
	switch {
	case c.Service == "rds" && (c.Operation == "CreateDBInstance" || c.Operation == "ModifyDBInstance"):
		role = str(c.Params, "MonitoringRoleArn")
	case c.Service == "arc-region-switch" && (c.Operation == "CreatePlan" || c.Operation == "UpdatePlan"):
		role, service = str(c.Params, "executionRole"), "arc-region-switch.amazonaws.com"
	}
	if role == "" {
		return nil
	}
	t := Target{
		Action:    "iam:PassRole",
		Resources: []string{arnOr(role, fmt.Sprintf("arn:aws:iam::%s:role/%s", c.Account, role))},
		Context: map[string][]string{
			"aws:principalarn":    {c.Principal},
			"aws:requestedregion": {c.Region},
		},
	}
	if service != "" {
		t.Context["iam:passedtoservice"] = []string{service}
	}
	return []Target{t}
}

// regionSwitchResources is the plan an ARC Region switch call names: arn
// (plan operations, tags) or planArn (executions, evaluation); every
// action but ListPlans and ListPlansInRegion takes the plan resource
// (Service Authorization Reference). CreatePlan's is the plan to be: its
// ARN ends in a suffix the service picks when it creates it
// (arn:aws:arc-region-switch::ACCOUNT:plan/NAME:SUFFIX), so the emulator
// authorizes arn:aws:arc-region-switch::ACCOUNT:plan/NAME:* — a policy
// matches it with a pattern such as plan/NAME:* or plan/*, not with one
// plan's full ARN.
func regionSwitchResources(c Call) []string {
	switch c.Operation {
	case "ListPlans", "ListPlansInRegion":
		return []string{"*"}
	case "CreatePlan":
		return []string{fmt.Sprintf("arn:aws:arc-region-switch::%s:plan/%s:*", c.Account, orStar(str(c.Params, "name")))}
	}
	for _, k := range []string{"planArn", "arn"} {
		if v := str(c.Params, k); v != "" {
			return []string{v}
		}
	}
	return []string{"*"}
}

// CreateTags returns the tagging target of a call that creates a
// resource with tags: AWS authorizes the tags as a second action on the
// new resource, with the request's tags as aws:RequestTag and
// aws:TagKeys. RDS checks rds:AddTagsToResource for the creates it serves
// ("Grant permission to tag Amazon RDS resources during creation", RDS
// User Guide); IAM checks iam:TagRole for CreateRole ("Tagging IAM
// roles", IAM User Guide). Calls without tags need neither.
func CreateTags(c Call) []Target {
	if !hasTags(c.Params) {
		return nil
	}
	var action, res string
	switch {
	case c.Service == "rds" && (c.Operation == "CreateDBCluster" || c.Operation == "CreateDBInstance" ||
		c.Operation == "CreateGlobalCluster" || c.Operation == "CreateDBSubnetGroup"):
		// The created resource is the first the call's own target names.
		action, res = "rds:AddTagsToResource", rdsResources(c)[0]
	case c.Service == "iam" && c.Operation == "CreateRole":
		action, res = "iam:TagRole", iamResources(c)[0]
	case c.Service == "arc-region-switch" && c.Operation == "CreatePlan":
		// CreatePlan with tags authorizes arc-region-switch:TagResource
		// (Service Authorization Reference).
		action, res = "arc-region-switch:TagResource", regionSwitchResources(c)[0]
	case c.Service == "cloudwatch" && (c.Operation == "PutMetricAlarm" || c.Operation == "PutCompositeAlarm"):
		// "To create an alarm that has tags, you must have the
		// cloudwatch:TagResource permission" (PutMetricAlarm, CloudWatch
		// API Reference).
		action, res = "cloudwatch:TagResource", cloudWatchResources(c)[0]
	default:
		return nil
	}
	t := Target{Action: action, Resources: []string{res}, Context: map[string][]string{
		"aws:principalarn":    {c.Principal},
		"aws:requestedregion": {c.Region},
	}}
	if c.Service == "iam" {
		t.Context["aws:requestedregion"] = []string{"us-east-1"}
	}
	addRequestTags(t.Context, c.Params)
	return []Target{t}
}

func route53Resources(c Call) []string {
	id := func(k, kind string) string {
		v := str(c.Params, k)
		v = strings.TrimPrefix(strings.TrimPrefix(v, "/"+kind+"/"), kind+"/")
		if v == "" {
			v = "*"
		}
		return "arn:aws:route53:::" + kind + "/" + v
	}
	switch c.Operation {
	case "GetHostedZone", "DeleteHostedZone", "ChangeResourceRecordSets", "ListResourceRecordSets":
		if c.Operation == "GetHostedZone" || c.Operation == "DeleteHostedZone" {
			return []string{id("Id", "hostedzone")}
		}
		return []string{id("HostedZoneId", "hostedzone")}
	case "GetChange":
		return []string{id("Id", "change")}
	case "GetHealthCheck", "UpdateHealthCheck", "DeleteHealthCheck", "GetHealthCheckStatus":
		return []string{id("HealthCheckId", "healthcheck")}
	case "ChangeTagsForResource", "ListTagsForResource":
		kind := str(c.Params, "ResourceType")
		return []string{"arn:aws:route53:::" + kind + "/" + str(c.Params, "ResourceId")}
	case "ListTagsForResources":
		kind := str(c.Params, "ResourceType")
		ids, _ := c.Params["ResourceIds"].([]any)
		var out []string
		for _, v := range ids {
			id, _ := v.(string)
			out = append(out, "arn:aws:route53:::"+kind+"/"+id)
		}
		if len(out) == 0 {
			out = []string{"arn:aws:route53:::" + kind + "/*"}
		}
		return out
	}
	return []string{"*"}
}

func iamResources(c Call) []string {
	p := c.Params
	user := fmt.Sprintf("arn:aws:iam::%s:user/%s", c.Account, orStar(str(p, "UserName")))
	op := c.Operation
	path := c.RolePath
	if op == "CreateRole" {
		path = str(p, "Path")
	}
	if path == "" {
		path = "/"
	}
	role := fmt.Sprintf("arn:aws:iam::%s:role%s%s", c.Account, path, orStar(str(p, "RoleName")))
	switch {
	case strings.Contains(op, "Role") || op == "UpdateAssumeRolePolicy":
		if op == "CreateServiceLinkedRole" {
			return []string{fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/*", c.Account)}
		}
		return []string{role}
	case strings.Contains(op, "User") || strings.Contains(op, "AccessKey"):
		return []string{user}
	case strings.Contains(op, "Policy") || strings.Contains(op, "Policies"):
		if a := str(p, "PolicyArn"); a != "" {
			return []string{a}
		}
		return []string{fmt.Sprintf("arn:aws:iam::%s:policy/%s", c.Account, orStar(str(p, "PolicyName")))}
	}
	return []string{"*"}
}

func orStar(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

func stsResources(c Call) []string {
	if c.Operation == "AssumeRole" {
		return []string{str(c.Params, "RoleArn")}
	}
	return []string{"*"}
}

// hasTags reports whether the call carries tags (see addRequestTags).
func hasTags(p map[string]any) bool {
	list, _ := p["Tags"].([]any)
	m, _ := p["tags"].(map[string]any)
	return len(list) > 0 || len(m) > 0
}

// addRequestTags sets aws:RequestTag/<key> and aws:TagKeys from the
// call's tags: the Tags parameter (RDS, IAM: a list of {Key, Value}) or
// the tags map (ARC Region switch).
func addRequestTags(ctx map[string][]string, p map[string]any) {
	tags, _ := p["Tags"].([]any)
	var keys []string
	set := func(k, v string) {
		if k == "" {
			return
		}
		ctx["aws:requesttag/"+strings.ToLower(k)] = []string{v}
		keys = append(keys, k)
	}
	for _, t := range tags {
		m, _ := t.(map[string]any)
		k, _ := m["Key"].(string)
		v, _ := m["Value"].(string)
		set(k, v)
	}
	byKey, _ := p["tags"].(map[string]any)
	for k, v := range byKey {
		s, _ := v.(string)
		set(k, s)
	}
	if len(keys) > 0 {
		sort.Strings(keys)
		ctx["aws:tagkeys"] = keys
	}
}

// cloudWatchResources are the alarms a CloudWatch call names
// (arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME, the Service
// Authorization Reference's only CloudWatch resource the emulator
// serves); a describe by prefix names the prefix with a trailing *, one
// of every alarm alarm:*. Metric operations (PutMetricData,
// GetMetricData, GetMetricStatistics, ListMetrics,
// DescribeAlarmsForMetric) have no resource: "*".
func cloudWatchResources(c Call) []string {
	p := c.Params
	alarm := func(name string) string {
		return arnOr(name, fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", c.Region, c.Account, name))
	}
	names := func(key string) []string {
		var out []string
		l, _ := p[key].([]any)
		for _, v := range l {
			if s, ok := v.(string); ok {
				out = append(out, alarm(s))
			}
		}
		return out
	}
	switch c.Operation {
	case "PutMetricAlarm", "PutCompositeAlarm", "SetAlarmState", "DescribeAlarmHistory":
		if n := str(p, "AlarmName"); n != "" {
			return []string{alarm(n)}
		}
		if c.Operation == "DescribeAlarmHistory" {
			return []string{alarm("*")}
		}
	case "DescribeAlarms":
		if out := names("AlarmNames"); len(out) > 0 {
			return out
		}
		return []string{alarm(str(p, "AlarmNamePrefix") + "*")}
	case "DeleteAlarms", "EnableAlarmActions", "DisableAlarmActions":
		return names("AlarmNames")
	case "TagResource", "UntagResource", "ListTagsForResource":
		if a := str(p, "ResourceARN"); a != "" {
			return []string{a}
		}
	}
	return []string{"*"}
}
