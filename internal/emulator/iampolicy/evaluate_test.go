package iampolicy

import (
	"strings"
	"testing"
)

const acct = "123456789012"

const (
	alice       = "arn:aws:iam::123456789012:user/alice"
	clusterApp  = "arn:aws:rds:us-east-1:123456789012:cluster:app"
	clusterDev  = "arn:aws:rds:us-east-1:123456789012:cluster:dev"
	instanceApp = "arn:aws:rds:us-east-1:123456789012:db:app-1"
	globalG     = "arn:aws:rds::123456789012:global-cluster:g"
	zoneZ1      = "arn:aws:route53:::hostedzone/Z1"
	healthHC    = "arn:aws:route53:::healthcheck/hc1"
	roleOps     = "arn:aws:iam::123456789012:role/ops"
)

// doc wraps statements in a 2012-10-17 policy document.
func doc(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// allowIf is an Allow of rds:* on * under a condition block.
func allowIf(cond string) string {
	return `{"Effect":"Allow","Action":"rds:*","Resource":"*","Condition":` + cond + `}`
}

// denyIf is a Deny of rds:* on * under a condition block.
func denyIf(cond string) string {
	return `{"Effect":"Deny","Action":"rds:*","Resource":"*","Condition":` + cond + `}`
}

const allowAllRDS = `{"Effect":"Allow","Action":"rds:*","Resource":"*"}`

func mustParse(t *testing.T, d string, kind Kind) *Policy {
	t.Helper()
	p, err := Parse(d, kind)
	if err != nil {
		t.Fatalf("Parse(%s): %v", d, err)
	}
	return p
}

// rq builds a request from alice with optional context pairs "key=v1,v2".
func rq(action, resource string, ctx ...string) Request {
	r := Request{Principal: alice, Action: action, Resource: resource, Context: map[string][]string{}}
	for _, kv := range ctx {
		k, v, _ := strings.Cut(kv, "=")
		r.Context[k] = strings.Split(v, ",")
	}
	return r
}

func TestEvaluate(t *testing.T) {
	cases := []struct {
		name  string
		docs  []string  // parsed as identity policies (resource policies when kind is set)
		kind  Kind      // for docs
		built []*Policy // appended as is: hand-built policies Parse would reject
		req   Request
		want  Decision
	}{
		// Actions.
		{name: "exact action allows", docs: []string{doc(`{"Effect":"Allow","Action":"rds:CreateDBCluster","Resource":"*"}`)},
			req: rq("rds:CreateDBCluster", clusterApp), want: Allow},
		{name: "other action is implicitly denied", docs: []string{doc(`{"Effect":"Allow","Action":"rds:CreateDBCluster","Resource":"*"}`)},
			req: rq("rds:DeleteDBCluster", clusterApp), want: ImplicitDeny},
		{name: "service wildcard matches any action of the service", docs: []string{doc(allowAllRDS)},
			req: rq("rds:FailoverGlobalCluster", globalG), want: Allow},
		{name: "service wildcard does not match another service", docs: []string{doc(allowAllRDS)},
			req: rq("route53:ChangeResourceRecordSets", zoneZ1), want: ImplicitDeny},
		{name: "prefix wildcard matches Describe actions", docs: []string{doc(`{"Effect":"Allow","Action":"rds:Describe*","Resource":"*"}`)},
			req: rq("rds:DescribeGlobalClusters", "*"), want: Allow},
		{name: "prefix wildcard does not match Delete", docs: []string{doc(`{"Effect":"Allow","Action":"rds:Describe*","Resource":"*"}`)},
			req: rq("rds:DeleteDBCluster", clusterApp), want: ImplicitDeny},
		{name: "infix wildcard in action", docs: []string{doc(`{"Effect":"Allow","Action":"rds:*Global*","Resource":"*"}`)},
			req: rq("rds:SwitchoverGlobalCluster", globalG), want: Allow},
		{name: "question mark matches one character of an action", docs: []string{doc(`{"Effect":"Allow","Action":"rds:?eleteDBCluster","Resource":"*"}`)},
			req: rq("rds:DeleteDBCluster", clusterApp), want: Allow},
		{name: "star action matches everything", docs: []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`)},
			req: rq("iam:CreateRole", roleOps), want: Allow},
		{name: "action names match case-insensitively", docs: []string{doc(`{"Effect":"Allow","Action":"rds:createdbcluster","Resource":"*"}`)},
			req: rq("rds:CreateDBCluster", clusterApp), want: Allow},
		{name: "service prefix matches case-insensitively", docs: []string{doc(`{"Effect":"Allow","Action":"RDS:CreateDBCluster","Resource":"*"}`)},
			req: rq("rds:createDBcluster", clusterApp), want: Allow},
		{name: "any action of a list", docs: []string{doc(`{"Effect":"Allow","Action":["rds:CreateDBCluster","rds:DeleteDBCluster"],"Resource":"*"}`)},
			req: rq("rds:DeleteDBCluster", clusterApp), want: Allow},
		{name: "NotAction allows actions not listed", docs: []string{doc(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`)},
			req: rq("rds:CreateDBCluster", clusterApp), want: Allow},
		{name: "NotAction does not allow listed actions", docs: []string{doc(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`)},
			req: rq("iam:PassRole", roleOps), want: ImplicitDeny},
		{name: "Deny with NotAction denies everything else", docs: []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`, `{"Effect":"Deny","NotAction":["rds:Describe*"],"Resource":"*"}`)},
			req: rq("rds:DeleteDBCluster", clusterApp), want: ExplicitDeny},

		// Resources.
		{name: "exact cluster ARN", docs: []string{doc(`{"Effect":"Allow","Action":"rds:*","Resource":"` + clusterApp + `"}`)},
			req: rq("rds:ModifyDBCluster", clusterApp), want: Allow},
		{name: "other cluster is implicitly denied", docs: []string{doc(`{"Effect":"Allow","Action":"rds:*","Resource":"` + clusterApp + `"}`)},
			req: rq("rds:ModifyDBCluster", clusterDev), want: ImplicitDeny},
		{name: "region and name wildcards on clusters", docs: []string{doc(`{"Effect":"Allow","Action":"rds:*","Resource":"arn:aws:rds:*:123456789012:cluster:*"}`)},
			req: rq("rds:DeleteDBCluster", clusterDev), want: Allow},
		{name: "cluster pattern does not match another account", docs: []string{doc(`{"Effect":"Allow","Action":"rds:*","Resource":"arn:aws:rds:*:123456789012:cluster:*"}`)},
			req: rq("rds:DeleteDBCluster", "arn:aws:rds:us-east-1:999999999999:cluster:app"), want: ImplicitDeny},
		{name: "cluster pattern does not match instances", docs: []string{doc(`{"Effect":"Allow","Action":"rds:*","Resource":"arn:aws:rds:*:123456789012:cluster:*"}`)},
			req: rq("rds:DeleteDBInstance", instanceApp), want: ImplicitDeny},
		{name: "star spans colons in resources", docs: []string{doc(`{"Effect":"Allow","Action":"rds:*","Resource":"arn:aws:rds:*"}`)},
			req: rq("rds:DeleteDBInstance", instanceApp), want: Allow},
		{name: "star spans slashes in resources", docs: []string{doc(`{"Effect":"Allow","Action":"route53:*","Resource":"arn:aws:route53:::hostedzone/*"}`)},
			req: rq("route53:ChangeResourceRecordSets", zoneZ1), want: Allow},
		{name: "global cluster ARN has no region", docs: []string{doc(`{"Effect":"Allow","Action":"rds:SwitchoverGlobalCluster","Resource":"arn:aws:rds::123456789012:global-cluster:*"}`)},
			req: rq("rds:SwitchoverGlobalCluster", globalG), want: Allow},
		{name: "global cluster pattern does not match a regional cluster", docs: []string{doc(`{"Effect":"Allow","Action":"rds:*","Resource":"arn:aws:rds::123456789012:global-cluster:*"}`)},
			req: rq("rds:DeleteDBCluster", clusterApp), want: ImplicitDeny},
		{name: "question mark matches one character of a resource", docs: []string{doc(`{"Effect":"Allow","Action":"rds:*","Resource":"arn:aws:rds:us-east-1:123456789012:db:app-?"}`)},
			req: rq("rds:RebootDBInstance", instanceApp), want: Allow},
		{name: "resource ARNs are case-sensitive", docs: []string{doc(`{"Effect":"Allow","Action":"rds:*","Resource":"arn:aws:rds:us-east-1:123456789012:cluster:App"}`)},
			req: rq("rds:DeleteDBCluster", clusterApp), want: ImplicitDeny},
		{name: "Route 53 hosted zone exact", docs: []string{doc(`{"Effect":"Allow","Action":"route53:ChangeResourceRecordSets","Resource":"` + zoneZ1 + `"}`)},
			req: rq("route53:ChangeResourceRecordSets", zoneZ1), want: Allow},
		{name: "Route 53 health check pattern does not match a zone", docs: []string{doc(`{"Effect":"Allow","Action":"route53:*","Resource":"arn:aws:route53:::healthcheck/*"}`)},
			req: rq("route53:ChangeResourceRecordSets", zoneZ1), want: ImplicitDeny},
		{name: "Route 53 health check pattern", docs: []string{doc(`{"Effect":"Allow","Action":"route53:*","Resource":"arn:aws:route53:::healthcheck/*"}`)},
			req: rq("route53:GetHealthCheckStatus", healthHC), want: Allow},
		{name: "IAM role ARN", docs: []string{doc(`{"Effect":"Allow","Action":"iam:PassRole","Resource":"` + roleOps + `"}`)},
			req: rq("iam:PassRole", roleOps), want: Allow},
		{name: "IAM role path wildcard", docs: []string{doc(`{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/service/*"}`)},
			req: rq("iam:PassRole", "arn:aws:iam::123456789012:role/service/rds/monitoring"), want: Allow},
		{name: "star resource for actions without resource types", docs: []string{doc(`{"Effect":"Allow","Action":"route53:CreateHostedZone","Resource":"*"}`)},
			req: rq("route53:CreateHostedZone", "*"), want: Allow},
		{name: "ARN pattern does not match the star resource", docs: []string{doc(`{"Effect":"Allow","Action":"route53:*","Resource":"arn:aws:route53:::*"}`)},
			req: rq("route53:CreateHostedZone", "*"), want: ImplicitDeny},
		{name: "any resource of a list", docs: []string{doc(`{"Effect":"Allow","Action":"rds:*","Resource":["` + clusterDev + `","` + clusterApp + `"]}`)},
			req: rq("rds:DeleteDBCluster", clusterApp), want: Allow},
		{name: "NotResource allows other resources", docs: []string{doc(`{"Effect":"Allow","Action":"rds:*","NotResource":"` + clusterApp + `"}`)},
			req: rq("rds:DeleteDBCluster", clusterDev), want: Allow},
		{name: "NotResource does not allow listed resources", docs: []string{doc(`{"Effect":"Allow","Action":"rds:*","NotResource":"` + clusterApp + `"}`)},
			req: rq("rds:DeleteDBCluster", clusterApp), want: ImplicitDeny},
		{name: "Deny with NotResource protects all but dev", docs: []string{doc(allowAllRDS, `{"Effect":"Deny","Action":"rds:Delete*","NotResource":"arn:aws:rds:*:*:cluster:dev"}`)},
			req: rq("rds:DeleteDBCluster", clusterApp), want: ExplicitDeny},

		// Combining statements and policies.
		{name: "explicit deny beats allow across two policies", docs: []string{doc(allowAllRDS), doc(`{"Effect":"Deny","Action":"rds:DeleteGlobalCluster","Resource":"*"}`)},
			req: rq("rds:DeleteGlobalCluster", globalG), want: ExplicitDeny},
		{name: "explicit deny beats allow in the same policy", docs: []string{doc(`{"Effect":"Deny","Action":"rds:*","Resource":"*"}`, allowAllRDS)},
			req: rq("rds:DescribeDBClusters", "*"), want: ExplicitDeny},
		{name: "deny of another action leaves the allow", docs: []string{doc(allowAllRDS), doc(`{"Effect":"Deny","Action":"rds:DeleteGlobalCluster","Resource":"*"}`)},
			req: rq("rds:CreateGlobalCluster", globalG), want: Allow},
		{name: "allow in the second policy", docs: []string{doc(`{"Effect":"Allow","Action":"route53:*","Resource":"*"}`), doc(allowAllRDS)},
			req: rq("rds:CreateDBCluster", clusterApp), want: Allow},
		{name: "no policies is an implicit deny", req: rq("rds:CreateDBCluster", clusterApp), want: ImplicitDeny},
		{name: "nil policies are skipped", built: []*Policy{nil}, docs: []string{doc(allowAllRDS)},
			req: rq("rds:CreateDBCluster", clusterApp), want: Allow},

		// String conditions.
		{name: "StringEquals on aws:RequestedRegion holds", docs: []string{doc(allowIf(`{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`))},
			req: rq("rds:CreateDBCluster", clusterApp, "aws:RequestedRegion=us-east-1"), want: Allow},
		{name: "StringEquals on aws:RequestedRegion fails for another region", docs: []string{doc(allowIf(`{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`))},
			req: rq("rds:CreateDBCluster", clusterApp, "aws:RequestedRegion=eu-west-1"), want: ImplicitDeny},
		{name: "values of one key are ORed", docs: []string{doc(allowIf(`{"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}`))},
			req: rq("rds:CreateDBCluster", clusterApp, "aws:RequestedRegion=eu-west-1"), want: Allow},
		{name: "condition keys match case-insensitively", docs: []string{doc(allowIf(`{"StringEquals":{"AWS:requestedREGION":"us-east-1"}}`))},
			req: rq("rds:CreateDBCluster", clusterApp, "aws:RequestedRegion=us-east-1"), want: Allow},
		{name: "condition values are case-sensitive", docs: []string{doc(allowIf(`{"StringEquals":{"aws:RequestedRegion":"US-EAST-1"}}`))},
			req: rq("rds:CreateDBCluster", clusterApp, "aws:RequestedRegion=us-east-1"), want: ImplicitDeny},
		{name: "StringEquals on an absent key fails", docs: []string{doc(allowIf(`{"StringEquals":{"aws:ResourceTag/env":"prod"}}`))},
			req: rq("rds:CreateDBCluster", clusterApp), want: ImplicitDeny},
		{name: "StringNotEquals region guard denies other regions", docs: []string{doc(allowAllRDS, denyIf(`{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","us-west-2"]}}`))},
			req: rq("rds:CreateDBCluster", clusterApp, "aws:RequestedRegion=eu-west-1"), want: ExplicitDeny},
		{name: "StringNotEquals region guard passes listed regions", docs: []string{doc(allowAllRDS, denyIf(`{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","us-west-2"]}}`))},
			req: rq("rds:CreateDBCluster", clusterApp, "aws:RequestedRegion=us-west-2"), want: Allow},
		{name: "StringNotEquals on an absent key holds", docs: []string{doc(allowIf(`{"StringNotEquals":{"aws:ResourceTag/env":"prod"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp), want: Allow},
		{name: "StringEqualsIgnoreCase ignores case", docs: []string{doc(allowIf(`{"StringEqualsIgnoreCase":{"aws:ResourceTag/env":"PROD"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:ResourceTag/env=Prod"), want: Allow},
		{name: "StringNotEqualsIgnoreCase ignores case", docs: []string{doc(allowIf(`{"StringNotEqualsIgnoreCase":{"aws:ResourceTag/env":"PROD"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:ResourceTag/env=prod"), want: ImplicitDeny},
		{name: "StringLike with wildcard on aws:ResourceTag/env", docs: []string{doc(allowIf(`{"StringLike":{"aws:ResourceTag/env":"dev-*"}}`))},
			req: rq("rds:DeleteDBCluster", clusterDev, "aws:ResourceTag/env=dev-alice"), want: Allow},
		{name: "StringLike fails on a non-matching tag", docs: []string{doc(allowIf(`{"StringLike":{"aws:ResourceTag/env":"dev-*"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:ResourceTag/env=prod"), want: ImplicitDeny},
		{name: "StringNotLike denies prod-like tags", docs: []string{doc(allowAllRDS, denyIf(`{"StringNotLike":{"aws:ResourceTag/env":"dev*"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:ResourceTag/env=prod"), want: ExplicitDeny},
		{name: "StringEquals treats wildcards literally", docs: []string{doc(allowIf(`{"StringEquals":{"aws:ResourceTag/env":"dev*"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:ResourceTag/env=dev1"), want: ImplicitDeny},
		{name: "tag key in a condition key is case-insensitive", docs: []string{doc(allowIf(`{"StringEquals":{"aws:ResourceTag/Env":"prod"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:resourcetag/env=prod"), want: Allow},
		{name: "StringEquals on aws:RequestTag", docs: []string{doc(allowIf(`{"StringEquals":{"aws:RequestTag/team":"db"}}`))},
			req: rq("rds:CreateDBCluster", clusterApp, "aws:RequestTag/team=db"), want: Allow},

		// IfExists.
		{name: "IfExists holds when the key is absent", docs: []string{doc(allowIf(`{"StringEqualsIfExists":{"aws:ResourceTag/env":"dev"}}`))},
			req: rq("rds:DescribeDBClusters", "*"), want: Allow},
		{name: "IfExists still checks a present key", docs: []string{doc(allowIf(`{"StringEqualsIfExists":{"aws:ResourceTag/env":"dev"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:ResourceTag/env=prod"), want: ImplicitDeny},
		{name: "NumericLessThanIfExists holds when absent", docs: []string{doc(allowIf(`{"NumericLessThanIfExists":{"aws:MultiFactorAuthAge":"3600"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp), want: Allow},

		// ARN conditions.
		{name: "ArnEquals on aws:PrincipalArn derived from the caller", docs: []string{doc(allowIf(`{"ArnEquals":{"aws:PrincipalArn":"` + alice + `"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp), want: Allow},
		{name: "ArnLike with a wildcard on aws:SourceArn", docs: []string{doc(allowIf(`{"ArnLike":{"aws:SourceArn":"arn:aws:rds:*:123456789012:cluster:*"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:SourceArn="+clusterApp), want: Allow},
		{name: "ArnLike matches component by component", docs: []string{doc(allowIf(`{"ArnLike":{"aws:SourceArn":"arn:aws:rds:*:*:cluster:app"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:SourceArn=arn:aws:rds:us-east-1:123456789012:x:cluster:app"), want: ImplicitDeny},
		{name: "ArnNotLike denies outside the pattern", docs: []string{doc(allowAllRDS, denyIf(`{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin*"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp), want: ExplicitDeny},
		{name: "ArnNotEquals on an absent key holds", docs: []string{doc(allowIf(`{"ArnNotEquals":{"aws:SourceArn":"` + clusterApp + `"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp), want: Allow},

		// Bool and Null.
		{name: "Bool aws:SecureTransport true holds", docs: []string{doc(allowIf(`{"Bool":{"aws:SecureTransport":"true"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:SecureTransport=true"), want: Allow},
		{name: "Bool fails on the other value", docs: []string{doc(allowIf(`{"Bool":{"aws:SecureTransport":"true"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:SecureTransport=false"), want: ImplicitDeny},
		{name: "Bool written as a JSON boolean", docs: []string{doc(allowAllRDS, denyIf(`{"Bool":{"aws:SecureTransport":false}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:SecureTransport=false"), want: ExplicitDeny},
		{name: "Null true holds when the key is absent", docs: []string{doc(allowIf(`{"Null":{"aws:RequestTag/team":"true"}}`))},
			req: rq("rds:CreateDBCluster", clusterApp), want: Allow},
		{name: "Null true fails when the key is present", docs: []string{doc(allowIf(`{"Null":{"aws:RequestTag/team":"true"}}`))},
			req: rq("rds:CreateDBCluster", clusterApp, "aws:RequestTag/team=db"), want: ImplicitDeny},
		{name: "Null false requires the tag", docs: []string{doc(allowAllRDS, denyIf(`{"Null":{"aws:RequestTag/team":"false"}}`))},
			req: rq("rds:CreateDBCluster", clusterApp, "aws:RequestTag/team=db"), want: ExplicitDeny},

		// Numeric.
		{name: "NumericLessThan holds", docs: []string{doc(allowIf(`{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:MultiFactorAuthAge=60"), want: Allow},
		{name: "NumericLessThan fails at the bound", docs: []string{doc(allowIf(`{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:MultiFactorAuthAge=3600"), want: ImplicitDeny},
		{name: "NumericLessThanEquals holds at the bound", docs: []string{doc(allowIf(`{"NumericLessThanEquals":{"aws:MultiFactorAuthAge":3600}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:MultiFactorAuthAge=3600"), want: Allow},
		{name: "NumericGreaterThan holds", docs: []string{doc(allowIf(`{"NumericGreaterThan":{"rds:StorageSize":"100"}}`))},
			req: rq("rds:CreateDBInstance", instanceApp, "rds:StorageSize=200"), want: Allow},
		{name: "NumericGreaterThanEquals holds at the bound", docs: []string{doc(allowIf(`{"NumericGreaterThanEquals":{"rds:StorageSize":"100"}}`))},
			req: rq("rds:CreateDBInstance", instanceApp, "rds:StorageSize=100"), want: Allow},
		{name: "NumericEquals with a JSON number", docs: []string{doc(allowIf(`{"NumericEquals":{"rds:StorageSize":100}}`))},
			req: rq("rds:CreateDBInstance", instanceApp, "rds:StorageSize=100.0"), want: Allow},
		{name: "NumericNotEquals fails on equal values", docs: []string{doc(allowIf(`{"NumericNotEquals":{"rds:StorageSize":100}}`))},
			req: rq("rds:CreateDBInstance", instanceApp, "rds:StorageSize=100"), want: ImplicitDeny},
		{name: "numeric operator fails on a non-numeric context value", docs: []string{doc(allowIf(`{"NumericLessThan":{"rds:StorageSize":"100"}}`))},
			req: rq("rds:CreateDBInstance", instanceApp, "rds:StorageSize=big"), want: ImplicitDeny},

		// Set operators on multivalued keys.
		{name: "ForAnyValue holds when one tag key is listed", docs: []string{doc(allowIf(`{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}`))},
			req: rq("rds:AddTagsToResource", clusterApp, "aws:TagKeys=owner,env"), want: Allow},
		{name: "ForAnyValue fails when no tag key is listed", docs: []string{doc(allowIf(`{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}`))},
			req: rq("rds:AddTagsToResource", clusterApp, "aws:TagKeys=owner"), want: ImplicitDeny},
		{name: "ForAnyValue fails when the key is absent", docs: []string{doc(allowIf(`{"ForAnyValue:StringEquals":{"aws:TagKeys":"env"}}`))},
			req: rq("rds:AddTagsToResource", clusterApp), want: ImplicitDeny},
		{name: "ForAllValues holds when every tag key is listed", docs: []string{doc(allowIf(`{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`))},
			req: rq("rds:AddTagsToResource", clusterApp, "aws:TagKeys=team,env"), want: Allow},
		{name: "ForAllValues fails when one tag key is not listed", docs: []string{doc(allowIf(`{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`))},
			req: rq("rds:AddTagsToResource", clusterApp, "aws:TagKeys=env,owner"), want: ImplicitDeny},
		{name: "ForAllValues holds when the key is absent", docs: []string{doc(allowIf(`{"ForAllValues:StringEquals":{"aws:TagKeys":"env"}}`))},
			req: rq("rds:AddTagsToResource", clusterApp), want: Allow},
		{name: "ForAnyValue:StringLike on tag keys", docs: []string{doc(allowAllRDS, denyIf(`{"ForAnyValue:StringLike":{"aws:TagKeys":"aws:*"}}`))},
			req: rq("rds:AddTagsToResource", clusterApp, "aws:TagKeys=env,aws:cloudformation:stack"), want: ExplicitDeny},
		{name: "ForAnyValue:StringNotEquals finds an unlisted key", docs: []string{doc(allowAllRDS, denyIf(`{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","team"]}}`))},
			req: rq("rds:AddTagsToResource", clusterApp, "aws:TagKeys=env,owner"), want: ExplicitDeny},
		{name: "ForAllValues:StringEqualsIfExists holds when absent", docs: []string{doc(allowIf(`{"ForAllValues:StringEqualsIfExists":{"aws:TagKeys":"env"}}`))},
			req: rq("rds:AddTagsToResource", clusterApp), want: Allow},

		// Several keys and operators.
		{name: "keys are ANDed", docs: []string{doc(allowIf(`{"StringEquals":{"aws:RequestedRegion":"us-east-1","aws:ResourceTag/env":"dev"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:RequestedRegion=us-east-1", "aws:ResourceTag/env=prod"), want: ImplicitDeny},
		{name: "operators are ANDed", docs: []string{doc(allowIf(`{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"Bool":{"aws:SecureTransport":"true"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:RequestedRegion=us-east-1", "aws:SecureTransport=true"), want: Allow},
		{name: "one failing operator fails the statement", docs: []string{doc(allowIf(`{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"Bool":{"aws:SecureTransport":"true"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:RequestedRegion=us-east-1"), want: ImplicitDeny},

		// Date and IP.
		{name: "DateLessThan on aws:CurrentTime", docs: []string{doc(allowIf(`{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:CurrentTime=2026-05-01T12:00:00Z"), want: Allow},
		{name: "DateGreaterThan with epoch seconds", docs: []string{doc(allowIf(`{"DateGreaterThan":{"aws:EpochTime":"1893456000"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:EpochTime=1700000000"), want: ImplicitDeny},
		{name: "IpAddress on aws:SourceIp", docs: []string{doc(allowIf(`{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:SourceIp=203.0.113.7"), want: Allow},
		{name: "NotIpAddress denies outside the range", docs: []string{doc(allowAllRDS, denyIf(`{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","10.0.0.1"]}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:SourceIp=198.51.100.1"), want: ExplicitDeny},

		// Policy variables.
		{name: "aws:username variable scopes a resource to the caller", docs: []string{doc(`{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::123456789012:user/${aws:username}"}`)},
			req: rq("iam:CreateAccessKey", alice), want: Allow},
		{name: "aws:username variable does not match another user", docs: []string{doc(`{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::123456789012:user/${aws:username}"}`)},
			req: rq("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/bob"), want: ImplicitDeny},
		{name: "unresolved variable matches nothing", docs: []string{doc(`{"Effect":"Allow","Action":"rds:*","Resource":"arn:aws:rds:*:*:cluster:${aws:PrincipalTag/team}-*"}`)},
			req: rq("rds:DeleteDBCluster", clusterApp), want: ImplicitDeny},
		{name: "variable in a condition value", docs: []string{doc(allowIf(`{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`))},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:ResourceTag/owner=alice"), want: Allow},
		{name: "variables are literal in version 2008-10-17", docs: []string{`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::123456789012:user/${aws:username}"}}`},
			req: rq("iam:CreateAccessKey", alice), want: ImplicitDeny},

		// Principals in resource-based policies.
		{name: "resource policy principal must match the caller", kind: Resource,
			docs: []string{doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"rds:*","Resource":"*"}`)},
			req:  rq("rds:DeleteDBCluster", clusterApp), want: ImplicitDeny},
		{name: "resource policy account principal matches the caller", kind: Resource,
			docs: []string{doc(`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"rds:*","Resource":"*"}`)},
			req:  rq("rds:DeleteDBCluster", clusterApp), want: Allow},

		// Failing closed on what Parse would reject.
		{name: "unknown operator never allows", built: []*Policy{{Statements: []Statement{{Effect: EffectAllow, Action: []string{"rds:*"}, Resource: []string{"*"},
			Condition: Conditions{"StringEqualz": {"aws:RequestedRegion": {"us-east-1"}}}}}}},
			req: rq("rds:DeleteDBCluster", clusterApp, "aws:RequestedRegion=us-east-1"), want: ImplicitDeny},
		{name: "unknown operator in a Deny denies", docs: []string{doc(allowAllRDS)}, built: []*Policy{{Statements: []Statement{{Effect: EffectDeny, Action: []string{"rds:*"}, Resource: []string{"*"},
			Condition: Conditions{"StringEqualz": {"aws:RequestedRegion": {"us-east-1"}}}}}}},
			req: rq("rds:DeleteDBCluster", clusterApp), want: ExplicitDeny},
		{name: "malformed numeric policy value never allows", built: []*Policy{{Statements: []Statement{{Effect: EffectAllow, Action: []string{"rds:*"}, Resource: []string{"*"},
			Condition: Conditions{"NumericLessThan": {"rds:StorageSize": {"lots"}}}}}}},
			req: rq("rds:CreateDBInstance", instanceApp, "rds:StorageSize=1"), want: ImplicitDeny},
		{name: "unknown effect is ignored", built: []*Policy{{Statements: []Statement{{Effect: "allow", Action: []string{"*"}, Resource: []string{"*"}}}}},
			req: rq("rds:DeleteDBCluster", clusterApp), want: ImplicitDeny},
		{name: "statement without Action never applies", built: []*Policy{{Statements: []Statement{{Effect: EffectAllow, Resource: []string{"*"}}}}},
			req: rq("rds:DeleteDBCluster", clusterApp), want: ImplicitDeny},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ps []*Policy
			for _, d := range tc.docs {
				ps = append(ps, mustParse(t, d, tc.kind))
			}
			ps = append(ps, tc.built...)
			if got := Evaluate(ps, tc.req); got != tc.want {
				t.Errorf("Evaluate = %v, want %v", got, tc.want)
			}
		})
	}
	if len(cases) < 60 {
		t.Errorf("only %d cases", len(cases))
	}
}

func TestDecision_String(t *testing.T) {
	for d, want := range map[Decision]string{ImplicitDeny: "ImplicitDeny", Allow: "Allow", ExplicitDeny: "ExplicitDeny", Decision(9): "Decision(?)"} {
		if got := d.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(d), got, want)
		}
	}
}

func TestKind_String(t *testing.T) {
	for k, want := range map[Kind]string{Identity: "Identity", Trust: "Trust", Resource: "Resource", Kind(9): "Kind(?)"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}
