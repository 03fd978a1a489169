package emulatortest_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// TestIAM_Lifecycle: users, access keys that sign requests, managed and
// inline policies, DeleteConflict, URL-encoded documents.
func TestIAM_Lifecycle(t *testing.T) {
	e := emulatortest.StartWith(t, emulatorConfig(true))
	ctx := context.Background()
	c := iamClient(e, root)
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); apiCode(err) != "EntityAlreadyExists" {
		t.Errorf("duplicate user: %v", err)
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	alice := creds{aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), ""}
	id, err := stsClient(e, alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::000000000000:user/alice" {
		t.Fatalf("GetCallerIdentity as alice: %v %v", id, err)
	}
	if _, err := rdsAs(e, alice, "ap-southeast-1").DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{}); !accessDenied(err) {
		t.Errorf("alice without policies: %v, want AccessDenied", err)
	}
	full := "arn:aws:iam::aws:policy/AmazonRDSFullAccess"
	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: &full}); err != nil {
		t.Fatal(err)
	}
	if _, err := rdsAs(e, alice, "ap-southeast-1").DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{}); err != nil {
		t.Errorf("alice with AmazonRDSFullAccess: %v", err)
	}
	if _, err := iamClient(e, alice).ListRoles(ctx, &iam.ListRolesInput{}); !accessDenied(err) {
		t.Errorf("AmazonRDSFullAccess must not allow iam:ListRoles: %v", err)
	}
	pol, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: &full})
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: &full, VersionId: pol.Policy.DefaultVersionId})
	if err != nil {
		t.Fatal(err)
	}
	raw := aws.ToString(v.PolicyVersion.Document)
	if !strings.HasPrefix(raw, "%7B") {
		t.Errorf("policy document is not URL-encoded as IAM returns it: %.40s", raw)
	}
	if dec, _ := url.QueryUnescape(raw); !strings.Contains(dec, "rds:*") {
		t.Errorf("AmazonRDSFullAccess document lacks rds:*: %.200s", dec)
	}
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("bad"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"DescribeDBClusters","Resource":"*"}]}`)}); apiCode(err) != "MalformedPolicyDocument" {
		t.Errorf("action without a vendor prefix: %v", err)
	}
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")}); apiCode(err) != "DeleteConflict" {
		t.Errorf("delete user with attachments: %v", err)
	}
	if _, err := c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: &full}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(alice.key)}); err != nil {
		t.Fatal(err)
	}
	if _, err := stsClient(e, alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("deleted access key still signs: %v", err)
	}
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")}); err != nil {
		t.Errorf("delete user: %v", err)
	}
	if _, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("deleted user: %v", err)
	}
}

// TestSTS_AssumeRole: a trusted user assumes a role; the temporary
// credentials sign later requests with the role's permissions; an
// untrusted user is refused; forged tokens are rejected.
func TestSTS_AssumeRole(t *testing.T) {
	e := emulatortest.StartWith(t, emulatorConfig(true))
	ctx := context.Background()
	assume := doc(stmt("Allow", `"Action":"sts:AssumeRole"`, `"Resource":"*"`))
	alice := userWithPolicy(ctx, t, e, "alice", assume)
	bob := userWithPolicy(ctx, t, e, "bob", assume)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"sts:AssumeRole"}]}`
	c := iamClient(e, root)
	role, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: &trust})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(doc(stmt("Allow", `"Action":"rds:Describe*"`, `"Resource":"*"`)))}); err != nil {
		t.Fatal(err)
	}
	out, err := stsClient(e, alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("s1")})
	if err != nil {
		t.Fatalf("alice assumes reader: %v", err)
	}
	tmp := creds{aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken)}
	id, err := stsClient(e, tmp).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:sts::000000000000:assumed-role/reader/s1" {
		t.Errorf("caller with the role's credentials: %v %v", aws.ToString(id.Arn), err)
	}
	if _, err := rdsAs(e, tmp, "ap-southeast-2").DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{}); err != nil {
		t.Errorf("role session describing clusters: %v", err)
	}
	if _, err := iamClient(e, tmp).ListRoles(ctx, &iam.ListRolesInput{}); !accessDenied(err) {
		t.Errorf("role session listing roles: %v, want AccessDenied", err)
	}
	if _, err := stsClient(e, bob).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("s2")}); !accessDenied(err) ||
		!strings.Contains(err.Error(), "arn:aws:iam::000000000000:user/bob is not authorized to perform: sts:AssumeRole") {
		t.Errorf("untrusted bob: %v", err)
	}
	forged := tmp
	forged.token = tmp.token[:len(tmp.token)-4] + "AAAA"
	if _, err := stsClient(e, forged).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("forged session token: %v", err)
	}
	noToken := tmp
	noToken.token = ""
	if _, err := stsClient(e, noToken).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("temporary key without its token: %v", err)
	}
	if _, err := stsClient(e, alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("s3"), DurationSeconds: aws.Int32(60)}); apiCode(err) != "ValidationError" {
		t.Errorf("DurationSeconds 60: %v", err)
	}
}

// shiftClock is the wall clock moved by an offset the test controls.
type shiftClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *shiftClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}
func (c *shiftClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (c *shiftClock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// TestSTS_ExpiredCredentials: temporary credentials stop working when
// their session expires, with AWS's ExpiredToken.
func TestSTS_ExpiredCredentials(t *testing.T) {
	clk := &shiftClock{}
	e := emulatortest.StartWith(t, emulator.Config{EnforceIAM: true, Clock: clk})
	ctx := context.Background()
	alice := userWithPolicy(ctx, t, e, "alice", doc(stmt("Allow", `"Action":"sts:AssumeRole"`, `"Resource":"*"`)))
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`
	role, err := iamClient(e, root).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("short"), AssumeRolePolicyDocument: &trust})
	if err != nil {
		t.Fatal(err)
	}
	out, err := stsClient(e, alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("short-session"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	tmp := creds{aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken)}
	if _, err := stsClient(e, tmp).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("fresh session: %v", err)
	}
	clk.advance(16 * time.Minute)
	if _, err := stsClient(e, tmp).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "ExpiredToken" {
		t.Errorf("after expiry: %v, want ExpiredToken", err)
	}
}
