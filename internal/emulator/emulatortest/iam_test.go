package emulatortest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

type creds struct{ key, secret, token string }

func (c creds) provider() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(c.key, c.secret, c.token)
}

func iamClient(e *emulator.Emulator, c creds) *iam.Client {
	return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.Endpoint()), Credentials: c.provider()})
}

func stsClient(e *emulator.Emulator, c creds) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.Endpoint()), Credentials: c.provider()})
}

func rdsAs(e *emulator.Emulator, c creds, region string) *rds.Client {
	return rds.New(rds.Options{Region: region, BaseEndpoint: aws.String(e.Endpoint()), Credentials: c.provider()})
}

func r53As(e *emulator.Emulator, c creds) *route53.Client {
	return route53.New(route53.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.Endpoint()), Credentials: c.provider()})
}

var root = creds{"test", "test", ""}

// userWithPolicy creates a user with one inline policy and returns its keys.
func userWithPolicy(ctx context.Context, t *testing.T, e *emulator.Emulator, name, policy string) creds {
	t.Helper()
	c := iamClient(e, root)
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: &name}); err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	if policy != "" {
		if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: &name, PolicyName: aws.String("p"), PolicyDocument: &policy}); err != nil {
			t.Fatalf("put policy for %s: %v", name, err)
		}
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: &name})
	if err != nil {
		t.Fatal(err)
	}
	return creds{aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), ""}
}

func accessDenied(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "AccessDenied" || api.ErrorCode() == "AccessDeniedException")
}

func stmt(effect, action, resource string, extra ...string) string {
	s := fmt.Sprintf(`{"Effect":%q,%s,%s`, effect, action, resource)
	for _, x := range extra {
		s += "," + x
	}
	return s + "}"
}

func doc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// TestIAM_Enforcement runs an allow/deny table over HTTP against an
// emulator started with --enforce-iam: each case gives a fresh user one
// policy and makes one call.
func TestIAM_Enforcement(t *testing.T) {
	e := emulatortest.StartWith(t, emulatorConfig(true))
	ctx := context.Background()
	// A hosted zone and a tagged global cluster for resource-level cases.
	zone, err := r53As(e, root).CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("iam.example"), CallerReference: aws.String("iam")})
	if err != nil {
		t.Fatal(err)
	}
	zid := strings.TrimPrefix(aws.ToString(zone.HostedZone.Id), "/hostedzone/")
	for _, sg := range []struct{ name, env string }{{"tagged", "prod"}, {"untagged", ""}} {
		in := &rds.CreateDBSubnetGroupInput{DBSubnetGroupName: aws.String(sg.name), DBSubnetGroupDescription: aws.String("d"), SubnetIds: []string{"subnet-1", "subnet-2"}}
		if sg.env != "" {
			in.Tags = []rdstypes.Tag{{Key: aws.String("env"), Value: aws.String(sg.env)}}
		}
		if _, err := rdsAs(e, root, "ap-southeast-1").CreateDBSubnetGroup(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	descSubnetGroup := func(name string) func(context.Context, creds) error {
		return func(ctx context.Context, c creds) error {
			_, err := rdsAs(e, c, "ap-southeast-1").DescribeDBSubnetGroups(ctx, &rds.DescribeDBSubnetGroupsInput{DBSubnetGroupName: &name})
			return err
		}
	}
	descClusters := func(region string) func(context.Context, creds) error {
		return func(ctx context.Context, c creds) error {
			_, err := rdsAs(e, c, region).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
			return err
		}
	}
	descCluster := func(id string) func(context.Context, creds) error {
		return func(ctx context.Context, c creds) error {
			_, err := rdsAs(e, c, "ap-southeast-1").DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &id})
			return err
		}
	}
	createGlobal := func(id, tagKey string) func(context.Context, creds) error {
		return func(ctx context.Context, c creds) error {
			in := &rds.CreateGlobalClusterInput{GlobalClusterIdentifier: &id, Engine: aws.String("aurora-postgresql")}
			if tagKey != "" {
				in.Tags = []rdstypes.Tag{{Key: aws.String(tagKey), Value: aws.String("v")}}
			}
			_, err := rdsAs(e, c, "ap-southeast-1").CreateGlobalCluster(ctx, in)
			return err
		}
	}
	getZone := func(ctx context.Context, c creds) error {
		_, err := r53As(e, c).GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String(zid)})
		return err
	}
	listZones := func(ctx context.Context, c creds) error {
		_, err := r53As(e, c).ListHostedZones(ctx, &route53.ListHostedZonesInput{})
		return err
	}
	listRoles := func(ctx context.Context, c creds) error {
		_, err := iamClient(e, c).ListRoles(ctx, &iam.ListRolesInput{})
		return err
	}
	getRole := func(ctx context.Context, c creds) error {
		_, err := iamClient(e, c).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("nobody")})
		return err
	}
	whoami := func(ctx context.Context, c creds) error {
		_, err := stsClient(e, c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	}
	const (
		rdsAll      = `"Action":"rds:*"`
		rdsDescribe = `"Action":"rds:Describe*"`
		anyRes      = `"Resource":"*"`
	)
	cases := []struct {
		name   string
		policy string
		call   func(context.Context, creds) error
		allow  bool
	}{
		{"no policy: implicit deny", "", descClusters("ap-southeast-1"), false},
		{"rds:* allows describe", doc(stmt("Allow", rdsAll, anyRes)), descClusters("ap-southeast-1"), true},
		{"rds:Describe* allows describe", doc(stmt("Allow", rdsDescribe, anyRes)), descClusters("ap-southeast-1"), true},
		{"rds:Describe* does not allow create", doc(stmt("Allow", rdsDescribe, anyRes)), createGlobal("g-a", ""), false},
		{"action names are case-insensitive", doc(stmt("Allow", `"Action":"RDS:describedbclusters"`, anyRes)), descClusters("ap-southeast-1"), true},
		{"* allows everything", doc(stmt("Allow", `"Action":"*"`, anyRes)), listRoles, true},
		{"list of actions", doc(stmt("Allow", `"Action":["iam:GetUser","rds:DescribeDBClusters"]`, anyRes)), descClusters("eu-west-1"), true},
		{"explicit deny beats allow", doc(stmt("Allow", rdsAll, anyRes), stmt("Deny", rdsDescribe, anyRes)), descClusters("ap-southeast-1"), false},
		{"deny of another action leaves allow", doc(stmt("Allow", rdsAll, anyRes), stmt("Deny", `"Action":"rds:Delete*"`, anyRes)), descClusters("ap-southeast-1"), true},
		{"NotAction allow covers other services", doc(stmt("Allow", `"NotAction":"iam:*"`, anyRes)), listZones, true},
		{"NotAction allow excludes its own", doc(stmt("Allow", `"NotAction":"iam:*"`, anyRes)), listRoles, false},
		{"NotAction deny", doc(stmt("Allow", `"Action":"*"`, anyRes), stmt("Deny", `"NotAction":"rds:*"`, anyRes)), listZones, false},
		{"NotAction deny leaves rds", doc(stmt("Allow", `"Action":"*"`, anyRes), stmt("Deny", `"NotAction":"rds:*"`, anyRes)), descClusters("ap-southeast-1"), true},
		{"cluster ARN in region allows", doc(stmt("Allow", rdsDescribe, `"Resource":"arn:aws:rds:ap-southeast-1:000000000000:cluster:*"`)), descClusters("ap-southeast-1"), true},
		{"cluster ARN in another region denies", doc(stmt("Allow", rdsDescribe, `"Resource":"arn:aws:rds:ap-southeast-2:000000000000:cluster:*"`)), descClusters("ap-southeast-1"), false},
		{"wildcard region in ARN", doc(stmt("Allow", rdsDescribe, `"Resource":"arn:aws:rds:*:000000000000:cluster:*"`)), descClusters("us-west-2"), true},
		{"specific cluster ARN", doc(stmt("Allow", rdsDescribe, `"Resource":"arn:aws:rds:ap-southeast-1:000000000000:cluster:app"`)), descCluster("app"), true},
		{"other cluster ARN denies", doc(stmt("Allow", rdsDescribe, `"Resource":"arn:aws:rds:ap-southeast-1:000000000000:cluster:app"`)), descCluster("billing"), false},
		{"prefix wildcard on cluster name", doc(stmt("Allow", rdsDescribe, `"Resource":"arn:aws:rds:*:*:cluster:app-*"`)), descCluster("app-eu"), true},
		{"? wildcard", doc(stmt("Allow", rdsDescribe, `"Resource":"arn:aws:rds:*:*:cluster:app?"`)), descCluster("app1"), true},
		{"? matches one character only", doc(stmt("Allow", rdsDescribe, `"Resource":"arn:aws:rds:*:*:cluster:app?"`)), descCluster("app12"), false},
		{"NotResource allow", doc(stmt("Allow", rdsDescribe, `"NotResource":"arn:aws:rds:*:*:cluster:secret*"`)), descCluster("app"), true},
		{"NotResource excludes", doc(stmt("Allow", rdsDescribe, `"NotResource":"arn:aws:rds:*:*:cluster:secret*"`)), descCluster("secret-db"), false},
		{"global cluster ARN has no region", doc(stmt("Allow", `"Action":"rds:CreateGlobalCluster"`, `"Resource":"arn:aws:rds::000000000000:global-cluster:g-*"`)), createGlobal("g-b", ""), true},
		{"global cluster ARN with a region does not match", doc(stmt("Allow", `"Action":"rds:CreateGlobalCluster"`, `"Resource":"arn:aws:rds:ap-southeast-1:000000000000:global-cluster:*"`)), createGlobal("g-c", ""), false},
		{"hosted zone ARN", doc(stmt("Allow", `"Action":"route53:GetHostedZone"`, `"Resource":"arn:aws:route53:::hostedzone/`+zid+`"`)), getZone, true},
		{"other hosted zone", doc(stmt("Allow", `"Action":"route53:GetHostedZone"`, `"Resource":"arn:aws:route53:::hostedzone/ZOTHER"`)), getZone, false},
		{"route53 list needs *", doc(stmt("Allow", `"Action":"route53:ListHostedZones"`, `"Resource":"arn:aws:route53:::hostedzone/*"`)), listZones, false},
		{"route53 list with *", doc(stmt("Allow", `"Action":"route53:List*"`, anyRes)), listZones, true},
		{"iam role ARN", doc(stmt("Allow", `"Action":"iam:GetRole"`, `"Resource":"arn:aws:iam::000000000000:role/*"`)), getRole, true},
		{"iam role ARN of another account", doc(stmt("Allow", `"Action":"iam:GetRole"`, `"Resource":"arn:aws:iam::111111111111:role/*"`)), getRole, false},
		{"GetCallerIdentity needs no permission", "", whoami, true},
		{"StringEquals aws:RequestedRegion", doc(stmt("Allow", rdsDescribe, anyRes, `"Condition":{"StringEquals":{"aws:RequestedRegion":"ap-southeast-1"}}`)), descClusters("ap-southeast-1"), true},
		{"StringEquals aws:RequestedRegion other", doc(stmt("Allow", rdsDescribe, anyRes, `"Condition":{"StringEquals":{"aws:RequestedRegion":"ap-southeast-1"}}`)), descClusters("us-east-1"), false},
		{"StringLike region", doc(stmt("Allow", rdsDescribe, anyRes, `"Condition":{"StringLike":{"aws:RequestedRegion":"ap-*"}}`)), descClusters("ap-southeast-2"), true},
		{"StringNotEquals deny outside regions", doc(stmt("Allow", rdsAll, anyRes), stmt("Deny", `"Action":"*"`, anyRes, `"Condition":{"StringNotEquals":{"aws:RequestedRegion":["ap-southeast-1","ap-southeast-2"]}}`)), descClusters("eu-west-1"), false},
		{"StringNotEquals deny inside regions passes", doc(stmt("Allow", rdsAll, anyRes), stmt("Deny", `"Action":"*"`, anyRes, `"Condition":{"StringNotEquals":{"aws:RequestedRegion":["ap-southeast-1","ap-southeast-2"]}}`)), descClusters("ap-southeast-2"), true},
		{"ArnLike aws:PrincipalArn", doc(stmt("Allow", rdsDescribe, anyRes, `"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::000000000000:user/case-*"}}`)), descClusters("ap-southeast-1"), true},
		{"ArnEquals aws:PrincipalArn other", doc(stmt("Allow", rdsDescribe, anyRes, `"Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::000000000000:user/bob"}}`)), descClusters("ap-southeast-1"), false},
		{"aws:RequestTag required", doc(stmt("Allow", `"Action":["rds:CreateGlobalCluster","rds:AddTagsToResource"]`, anyRes, `"Condition":{"StringEquals":{"aws:RequestTag/team":"v"}}`)), createGlobal("g-d", "team"), true},
		{"aws:RequestTag missing", doc(stmt("Allow", `"Action":"rds:CreateGlobalCluster"`, anyRes, `"Condition":{"StringEquals":{"aws:RequestTag/team":"v"}}`)), createGlobal("g-e", ""), false},
		{"ForAnyValue aws:TagKeys", doc(stmt("Allow", `"Action":["rds:CreateGlobalCluster","rds:AddTagsToResource"]`, anyRes, `"Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["team","env"]}}`)), createGlobal("g-f", "env"), true},
		{"ForAllValues aws:TagKeys rejects other keys", doc(stmt("Allow", `"Action":"rds:CreateGlobalCluster"`, anyRes, `"Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}`)), createGlobal("g-g", "owner"), false},
		{"StringEqualsIfExists without the key", doc(stmt("Allow", `"Action":"rds:CreateGlobalCluster"`, anyRes, `"Condition":{"StringEqualsIfExists":{"aws:RequestTag/team":"v"}}`)), createGlobal("g-h", ""), true},
		{"Bool aws:SecureTransport absent fails", doc(stmt("Allow", rdsDescribe, anyRes, `"Condition":{"Bool":{"aws:SecureTransport":"true"}}`)), descClusters("ap-southeast-1"), false},
		{"Null condition on a missing tag", doc(stmt("Allow", rdsDescribe, anyRes, `"Condition":{"Null":{"aws:RequestTag/team":"true"}}`)), descClusters("ap-southeast-1"), true},
		{"NumericLessThan on a missing key fails", doc(stmt("Allow", rdsDescribe, anyRes, `"Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`)), descClusters("ap-southeast-1"), false},
		{"aws:ResourceTag matches the resource's tag", doc(stmt("Allow", rdsDescribe, anyRes, `"Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}`)), descSubnetGroup("tagged"), true},
		{"aws:ResourceTag absent on an untagged resource", doc(stmt("Allow", rdsDescribe, anyRes, `"Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}`)), descSubnetGroup("untagged"), false},
		{"deny by aws:ResourceTag", doc(stmt("Allow", rdsAll, anyRes), stmt("Deny", rdsAll, anyRes, `"Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}`)), descSubnetGroup("tagged"), false},
		{"NumericLessThanIfExists on a missing key", doc(stmt("Allow", rdsDescribe, anyRes, `"Condition":{"NumericLessThanIfExists":{"aws:MultiFactorAuthAge":"3600"}}`)), descClusters("ap-southeast-1"), true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := userWithPolicy(ctx, t, e, fmt.Sprintf("case-%d", i), tc.policy)
			err := tc.call(ctx, c)
			if denied := accessDenied(err); denied == tc.allow {
				t.Errorf("allowed=%v, want %v (err %v)", !denied, tc.allow, err)
			}
			if !tc.allow && err != nil && !strings.Contains(err.Error(), "is not authorized to perform") {
				t.Errorf("AccessDenied message %q does not say who may not do what", err)
			}
		})
	}
}

// TestIAM_PassRole: under --enforce-iam, passing an Enhanced Monitoring
// role to CreateDBInstance or ModifyDBInstance also needs iam:PassRole on
// that role, as on AWS. Allowed calls name a cluster or instance that does
// not exist, so they fail after authorization with a NotFound error.
func TestIAM_PassRole(t *testing.T) {
	e := emulatortest.StartWith(t, emulatorConfig(true))
	ctx := context.Background()
	const (
		monRole   = "arn:aws:iam::000000000000:role/rds-monitoring"
		otherRole = "arn:aws:iam::000000000000:role/other"
		rdsAll    = `"Action":"rds:*"`
		passRole  = `"Action":"iam:PassRole"`
		anyRes    = `"Resource":"*"`
	)
	createInstance := func(role string) func(context.Context, creds) error {
		return func(ctx context.Context, c creds) error {
			in := &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("mon-1"), DBClusterIdentifier: aws.String("nope"),
				DBInstanceClass: aws.String("db.r6g.large"), Engine: aws.String("aurora-postgresql")}
			if role != "" {
				in.MonitoringInterval, in.MonitoringRoleArn = aws.Int32(60), aws.String(role)
			}
			_, err := rdsAs(e, c, "ap-southeast-1").CreateDBInstance(ctx, in)
			return err
		}
	}
	modifyInstance := func(role string) func(context.Context, creds) error {
		return func(ctx context.Context, c creds) error {
			in := &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("app-1"), PromotionTier: aws.Int32(2)}
			if role != "" {
				in.MonitoringInterval, in.MonitoringRoleArn = aws.Int32(60), aws.String(role)
			}
			_, err := rdsAs(e, c, "ap-southeast-1").ModifyDBInstance(ctx, in)
			return err
		}
	}
	cases := []struct {
		name   string
		policy string
		call   func(context.Context, creds) error
		denied string // the action AccessDenied names; "" when allowed
	}{
		{"create without a role needs no PassRole", doc(stmt("Allow", rdsAll, anyRes)), createInstance(""), ""},
		{"create with a role needs PassRole", doc(stmt("Allow", rdsAll, anyRes)), createInstance(monRole), "iam:PassRole"},
		{"create with PassRole on the role", doc(stmt("Allow", rdsAll, anyRes), stmt("Allow", passRole, `"Resource":"`+monRole+`"`)), createInstance(monRole), ""},
		{"PassRole on another role", doc(stmt("Allow", rdsAll, anyRes), stmt("Allow", passRole, `"Resource":"`+otherRole+`"`)), createInstance(monRole), "iam:PassRole"},
		{"PassRole on a role wildcard", doc(stmt("Allow", rdsAll, anyRes), stmt("Allow", passRole, `"Resource":"arn:aws:iam::000000000000:role/rds-*"`)), createInstance(monRole), ""},
		{"explicit deny of PassRole", doc(stmt("Allow", `"Action":"*"`, anyRes), stmt("Deny", passRole, anyRes)), createInstance(monRole), "iam:PassRole"},
		{"PassRole alone does not allow create", doc(stmt("Allow", passRole, anyRes)), createInstance(monRole), "rds:CreateDBInstance"},
		{"modify without a role needs no PassRole", doc(stmt("Allow", `"Action":"rds:ModifyDBInstance"`, `"Resource":"arn:aws:rds:ap-southeast-1:000000000000:db:app-*"`)), modifyInstance(""), ""},
		{"modify on another instance ARN", doc(stmt("Allow", `"Action":"rds:ModifyDBInstance"`, `"Resource":"arn:aws:rds:ap-southeast-1:000000000000:db:billing-*"`)), modifyInstance(""), "rds:ModifyDBInstance"},
		{"modify with a role needs PassRole", doc(stmt("Allow", `"Action":"rds:ModifyDBInstance"`, anyRes)), modifyInstance(monRole), "iam:PassRole"},
		{"modify with PassRole", doc(stmt("Allow", `"Action":"rds:ModifyDBInstance"`, anyRes), stmt("Allow", passRole, anyRes)), modifyInstance(monRole), ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := userWithPolicy(ctx, t, e, fmt.Sprintf("pass-%d", i), tc.policy)
			err := tc.call(ctx, c)
			if denied := accessDenied(err); denied != (tc.denied != "") {
				t.Fatalf("denied=%v, want %v (err %v)", denied, tc.denied != "", err)
			}
			if tc.denied == "" {
				var api smithy.APIError
				if !errors.As(err, &api) || !strings.HasSuffix(api.ErrorCode(), "NotFound") && !strings.HasSuffix(api.ErrorCode(), "NotFoundFault") {
					t.Errorf("allowed call: err %v, want the NotFound of a missing cluster or instance", err)
				}
				return
			}
			if want := "is not authorized to perform: " + tc.denied + " on resource:"; !strings.Contains(err.Error(), want) {
				t.Errorf("AccessDenied %q does not contain %q", err, want)
			}
		})
	}
}

// TestIAM_TagsPathsAndWhoami: under --enforce-iam, a create with tags
// also needs the tagging action on the new resource (rds:AddTagsToResource,
// iam:TagRole), a role's ARN includes its path (the request's Path for
// CreateRole, the stored one for an existing role), and GetCallerIdentity
// needs no permission even when denied, as on AWS. Allowed calls either
// succeed or fail after authorization with a NotFound error.
func TestIAM_TagsPathsAndWhoami(t *testing.T) {
	e := emulatortest.StartWith(t, emulatorConfig(true))
	ctx := context.Background()
	const (
		trust  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
		anyRes = `"Resource":"*"`
	)
	if _, err := iamClient(e, root).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("pathed"), Path: aws.String("/team/app/"),
		AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	rdsTags := []rdstypes.Tag{{Key: aws.String("team"), Value: aws.String("db")}}
	createGlobal := func(id string, tagged bool) func(context.Context, creds) error {
		return func(ctx context.Context, c creds) error {
			in := &rds.CreateGlobalClusterInput{GlobalClusterIdentifier: &id, Engine: aws.String("aurora-postgresql")}
			if tagged {
				in.Tags = rdsTags
			}
			_, err := rdsAs(e, c, "ap-southeast-1").CreateGlobalCluster(ctx, in)
			return err
		}
	}
	createSubnetGroup := func(ctx context.Context, c creds) error {
		_, err := rdsAs(e, c, "ap-southeast-1").CreateDBSubnetGroup(ctx, &rds.CreateDBSubnetGroupInput{DBSubnetGroupName: aws.String("tagged-sg"),
			DBSubnetGroupDescription: aws.String("d"), SubnetIds: []string{"subnet-1", "subnet-2"}, Tags: rdsTags})
		return err
	}
	createCluster := func(ctx context.Context, c creds) error {
		_, err := rdsAs(e, c, "ap-southeast-1").CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("tagged-cluster"),
			Engine: aws.String("aurora-postgresql"), MasterUsername: aws.String("postgres"), MasterUserPassword: aws.String("secret-pw-1"), Tags: rdsTags})
		return err
	}
	createInstance := func(ctx context.Context, c creds) error {
		_, err := rdsAs(e, c, "ap-southeast-1").CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("tagged-1"),
			DBClusterIdentifier: aws.String("nope"), DBInstanceClass: aws.String("db.r6g.large"), Engine: aws.String("aurora-postgresql"), Tags: rdsTags})
		return err
	}
	createRole := func(name, path string, tagged bool) func(context.Context, creds) error {
		return func(ctx context.Context, c creds) error {
			in := &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: aws.String(trust)}
			if path != "" {
				in.Path = &path
			}
			if tagged {
				in.Tags = []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("db")}}
			}
			_, err := iamClient(e, c).CreateRole(ctx, in)
			return err
		}
	}
	getRole := func(name string) func(context.Context, creds) error {
		return func(ctx context.Context, c creds) error {
			_, err := iamClient(e, c).GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
			return err
		}
	}
	whoami := func(ctx context.Context, c creds) error {
		_, err := stsClient(e, c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	}
	actions := func(a ...string) string { return `"Action":["` + strings.Join(a, `","`) + `"]` }
	res := func(r string) string { return `"Resource":"` + r + `"` }
	cases := []struct {
		name   string
		policy string
		call   func(context.Context, creds) error
		denied string // the action AccessDenied names; "" when allowed
	}{
		{"create global cluster without tags", doc(stmt("Allow", actions("rds:CreateGlobalCluster"), anyRes)), createGlobal("t-1", false), ""},
		{"create global cluster with tags needs AddTagsToResource", doc(stmt("Allow", actions("rds:CreateGlobalCluster"), anyRes)), createGlobal("t-2", true), "rds:AddTagsToResource"},
		{"AddTagsToResource on the new global cluster", doc(stmt("Allow", actions("rds:CreateGlobalCluster", "rds:AddTagsToResource"), res("arn:aws:rds::000000000000:global-cluster:t-*"))),
			createGlobal("t-3", true), ""},
		{"AddTagsToResource on other resources", doc(stmt("Allow", actions("rds:CreateGlobalCluster"), anyRes), stmt("Allow", actions("rds:AddTagsToResource"), res("arn:aws:rds:*:000000000000:cluster:*"))),
			createGlobal("t-4", true), "rds:AddTagsToResource"},
		{"AddTagsToResource sees the request's tags", doc(stmt("Allow", actions("rds:CreateGlobalCluster"), anyRes),
			stmt("Allow", actions("rds:AddTagsToResource"), anyRes, `"Condition":{"StringEquals":{"aws:RequestTag/team":"db"}}`)), createGlobal("t-5", true), ""},
		{"AddTagsToResource with other request tags", doc(stmt("Allow", actions("rds:CreateGlobalCluster"), anyRes),
			stmt("Allow", actions("rds:AddTagsToResource"), anyRes, `"Condition":{"StringEquals":{"aws:RequestTag/team":"web"}}`)), createGlobal("t-6", true), "rds:AddTagsToResource"},
		{"create subnet group with tags needs AddTagsToResource", doc(stmt("Allow", actions("rds:CreateDBSubnetGroup"), anyRes)), createSubnetGroup, "rds:AddTagsToResource"},
		{"create cluster with tags needs AddTagsToResource", doc(stmt("Allow", actions("rds:CreateDBCluster"), anyRes)), createCluster, "rds:AddTagsToResource"},
		{"create instance with tags needs AddTagsToResource", doc(stmt("Allow", actions("rds:CreateDBInstance"), anyRes)), createInstance, "rds:AddTagsToResource"},
		{"create instance with tags and AddTagsToResource", doc(stmt("Allow", actions("rds:CreateDBInstance", "rds:AddTagsToResource"), anyRes)), createInstance, ""},
		{"create role matched with the request's path", doc(stmt("Allow", actions("iam:CreateRole"), res("arn:aws:iam::000000000000:role/team/*"))), createRole("r-1", "/team/app/", false), ""},
		{"create role not matched without its path", doc(stmt("Allow", actions("iam:CreateRole"), res("arn:aws:iam::000000000000:role/r-2"))), createRole("r-2", "/team/app/", false), "iam:CreateRole"},
		{"create role outside the allowed path", doc(stmt("Allow", actions("iam:CreateRole"), res("arn:aws:iam::000000000000:role/team/*"))), createRole("r-3", "/other/", false), "iam:CreateRole"},
		{"create role with tags needs TagRole", doc(stmt("Allow", actions("iam:CreateRole"), anyRes)), createRole("r-4", "/team/app/", true), "iam:TagRole"},
		{"create role with tags and TagRole on its pathed ARN", doc(stmt("Allow", actions("iam:CreateRole", "iam:TagRole"), res("arn:aws:iam::000000000000:role/team/app/*"))),
			createRole("r-5", "/team/app/", true), ""},
		{"existing role matched by its path", doc(stmt("Allow", actions("iam:GetRole"), res("arn:aws:iam::000000000000:role/team/app/pathed"))), getRole("pathed"), ""},
		{"existing role matched by its path, name in another case", doc(stmt("Allow", actions("iam:GetRole"), res("arn:aws:iam::000000000000:role/team/*"))), getRole("PATHED"), ""},
		{"existing role not matched without its path", doc(stmt("Allow", actions("iam:GetRole"), res("arn:aws:iam::000000000000:role/pathed"))), getRole("pathed"), "iam:GetRole"},
		{"GetCallerIdentity under an explicit deny", doc(stmt("Deny", actions("sts:*"), anyRes)), whoami, ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := userWithPolicy(ctx, t, e, fmt.Sprintf("tags-%d", i), tc.policy)
			err := tc.call(ctx, c)
			if denied := accessDenied(err); denied != (tc.denied != "") {
				t.Fatalf("denied=%v, want %v (err %v)", denied, tc.denied != "", err)
			}
			if tc.denied == "" {
				var api smithy.APIError
				if err != nil && (!errors.As(err, &api) || !strings.Contains(api.ErrorCode(), "NotFound")) {
					t.Errorf("allowed call: err %v, want success or the NotFound of a missing resource", err)
				}
				return
			}
			if want := "is not authorized to perform: " + tc.denied + " on resource:"; !strings.Contains(err.Error(), want) {
				t.Errorf("AccessDenied %q does not contain %q", err, want)
			}
		})
	}
}

func emulatorConfig(enforce bool) emulator.Config {
	return emulator.Config{EnforceIAM: enforce}
}
