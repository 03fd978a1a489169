package iam

import (
	"context"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/iampolicy"
)

const (
	acct       = "123456789012"
	rdsDescDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"rds:Describe*","Resource":"*"}]}`
	rdsAllDoc  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["rds:*"],"Resource":"*"}]}`
	trustEC2   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- c.Now().Add(d)
	return ch
}

func newService(t *testing.T, store Store) *Service {
	t.Helper()
	s, err := New(Config{
		AccountID: acct, Store: store, Random: rand.NewChaCha8([32]byte{1}),
		Clock: &fakeClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func code(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return "non-aws: " + err.Error()
}

// step is one call of a scenario and the error code it must return.
type step struct {
	name string
	call func() error
	want string
}

func run(t *testing.T, steps []step) {
	t.Helper()
	for _, st := range steps {
		if got := code(st.call()); got != st.want {
			t.Fatalf("%s: error code %q, want %q", st.name, got, st.want)
		}
	}
}

func ignore[T any](_ T, err error) error { return err }

func TestUserLifecycle(t *testing.T) {
	s := newService(t, nil)
	ctx := context.Background()
	u := aws.String("alice")
	var keyID string
	run(t, []step{
		{"create user", func() error {
			out, err := s.CreateUser(ctx, "", &sdk.CreateUserInput{UserName: u, Path: aws.String("/ops/")})
			if err == nil {
				if got := *out.User.Arn; got != "arn:aws:iam::"+acct+":user/ops/alice" {
					t.Errorf("arn %s", got)
				}
				if id := *out.User.UserId; len(id) != 21 || !strings.HasPrefix(id, "AIDA") {
					t.Errorf("user id %s", id)
				}
			}
			return err
		}, ""},
		{"duplicate (case-insensitive)", func() error {
			return ignore(s.CreateUser(ctx, "", &sdk.CreateUserInput{UserName: aws.String("ALICE")}))
		}, ErrEntityAlreadyExists},
		{"bad name", func() error {
			return ignore(s.CreateUser(ctx, "", &sdk.CreateUserInput{UserName: aws.String("a b")}))
		}, ErrValidation},
		{"bad path", func() error {
			return ignore(s.CreateUser(ctx, "", &sdk.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("ops")}))
		}, ErrValidation},
		{"create key", func() error {
			out, err := s.CreateAccessKey(ctx, "", &sdk.CreateAccessKeyInput{UserName: u})
			if err == nil {
				keyID = *out.AccessKey.AccessKeyId
				if len(keyID) != 20 || !strings.HasPrefix(keyID, "AKIA") || len(*out.AccessKey.SecretAccessKey) != 40 {
					t.Errorf("key %s secret %q", keyID, *out.AccessKey.SecretAccessKey)
				}
			}
			return err
		}, ""},
		{"second key", func() error { return ignore(s.CreateAccessKey(ctx, "", &sdk.CreateAccessKeyInput{UserName: u})) }, ""},
		{"third key", func() error { return ignore(s.CreateAccessKey(ctx, "", &sdk.CreateAccessKeyInput{UserName: u})) }, ErrLimitExceeded},
		{"attach RDS full access", func() error {
			return ignore(s.AttachUserPolicy(ctx, "", &sdk.AttachUserPolicyInput{UserName: u, PolicyArn: aws.String(AmazonRDSFullAccessARN)}))
		}, ""},
		{"attach again is a no-op", func() error {
			return ignore(s.AttachUserPolicy(ctx, "", &sdk.AttachUserPolicyInput{UserName: u, PolicyArn: aws.String(AmazonRDSFullAccessARN)}))
		}, ""},
		{"attach missing policy", func() error {
			return ignore(s.AttachUserPolicy(ctx, "", &sdk.AttachUserPolicyInput{UserName: u, PolicyArn: aws.String("arn:aws:iam::aws:policy/Nope")}))
		}, ErrNoSuchEntity},
		{"attach service role policy to a user", func() error {
			return ignore(s.AttachUserPolicy(ctx, "", &sdk.AttachUserPolicyInput{UserName: u, PolicyArn: aws.String(AmazonRDSServiceRolePolicyARN)}))
		}, ErrNotAttachable},
		{"put inline", func() error {
			return ignore(s.PutUserPolicy(ctx, "", &sdk.PutUserPolicyInput{UserName: u, PolicyName: aws.String("describe"), PolicyDocument: aws.String(rdsDescDoc)}))
		}, ""},
		{"delete with inline policy", func() error { return ignore(s.DeleteUser(ctx, "", &sdk.DeleteUserInput{UserName: u})) }, ErrDeleteConflict},
		{"delete inline", func() error {
			return ignore(s.DeleteUserPolicy(ctx, "", &sdk.DeleteUserPolicyInput{UserName: u, PolicyName: aws.String("describe")}))
		}, ""},
		{"delete with attached policy", func() error { return ignore(s.DeleteUser(ctx, "", &sdk.DeleteUserInput{UserName: u})) }, ErrDeleteConflict},
		{"detach", func() error {
			return ignore(s.DetachUserPolicy(ctx, "", &sdk.DetachUserPolicyInput{UserName: u, PolicyArn: aws.String(AmazonRDSFullAccessARN)}))
		}, ""},
		{"detach twice", func() error {
			return ignore(s.DetachUserPolicy(ctx, "", &sdk.DetachUserPolicyInput{UserName: u, PolicyArn: aws.String(AmazonRDSFullAccessARN)}))
		}, ErrNoSuchEntity},
		{"delete with access keys", func() error { return ignore(s.DeleteUser(ctx, "", &sdk.DeleteUserInput{UserName: u})) }, ErrDeleteConflict},
		{"delete keys", func() error {
			out, err := s.ListAccessKeys(ctx, "", &sdk.ListAccessKeysInput{UserName: u})
			if err != nil {
				return err
			}
			if len(out.AccessKeyMetadata) != 2 {
				t.Errorf("%d keys", len(out.AccessKeyMetadata))
			}
			for _, k := range out.AccessKeyMetadata {
				if _, err := s.DeleteAccessKey(ctx, "", &sdk.DeleteAccessKeyInput{UserName: u, AccessKeyId: k.AccessKeyId}); err != nil {
					return err
				}
			}
			return nil
		}, ""},
		{"deleted key does not resolve", func() error {
			if _, _, ok := s.AccessKey(keyID); ok {
				t.Error("deleted key still resolves")
			}
			return nil
		}, ""},
		{"delete user", func() error { return ignore(s.DeleteUser(ctx, "", &sdk.DeleteUserInput{UserName: u})) }, ""},
		{"get deleted user", func() error { return ignore(s.GetUser(ctx, "", &sdk.GetUserInput{UserName: u})) }, ErrNoSuchEntity},
	})
}

func TestAccessKeyAndIdentityPolicies(t *testing.T) {
	s := newService(t, nil)
	s.cfg.RootKeys = map[string]string{"test": "testsecret"}
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, "", &sdk.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	key, err := s.CreateAccessKey(ctx, "", &sdk.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []any{
		&sdk.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String(AmazonRoute53FullAccessARN)},
		&sdk.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("rds"), PolicyDocument: aws.String(rdsDescDoc)},
	} {
		switch in := in.(type) {
		case *sdk.AttachUserPolicyInput:
			_, err = s.AttachUserPolicy(ctx, "", in)
		case *sdk.PutUserPolicyInput:
			_, err = s.PutUserPolicy(ctx, "", in)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	bobARN := "arn:aws:iam::" + acct + ":user/bob"
	tests := []struct {
		name, keyID, secret, arn string
		root, ok                 bool
	}{
		{"user key", *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, bobARN, false, true},
		{"root key", "test", "testsecret", "arn:aws:iam::" + acct + ":root", true, true},
		{"unknown", "AKIAUNKNOWN000000000", "", "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			secret, p, ok := s.AccessKey(tc.keyID)
			if ok != tc.ok || secret != tc.secret || p.ARN != tc.arn || p.IsRoot != tc.root {
				t.Errorf("got %q %+v %v", secret, p, ok)
			}
		})
	}
	pols := s.IdentityPolicies(bobARN)
	if len(pols) != 2 {
		t.Fatalf("%d identity policies, want 2", len(pols))
	}
	allowed := func(action string) iampolicy.Decision {
		return iampolicy.Evaluate(pols, iampolicy.Request{Principal: bobARN, Action: action, Resource: "*"})
	}
	for action, want := range map[string]iampolicy.Decision{
		"route53:ChangeResourceRecordSets": iampolicy.Allow,
		"rds:DescribeDBClusters":           iampolicy.Allow,
		"rds:DeleteDBCluster":              iampolicy.ImplicitDeny,
	} {
		if got := allowed(action); got != want {
			t.Errorf("%s: %v, want %v", action, got, want)
		}
	}
	if _, err := s.UpdateAccessKey(ctx, "", &sdk.UpdateAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: key.AccessKey.AccessKeyId, Status: types.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := s.AccessKey(*key.AccessKey.AccessKeyId); ok {
		t.Error("inactive key resolves")
	}
	if got := s.IdentityPolicies("arn:aws:iam::" + acct + ":user/nobody"); got != nil {
		t.Errorf("unknown user has policies %v", got)
	}
}

func TestRoleLifecycle(t *testing.T) {
	s := newService(t, nil)
	ctx := context.Background()
	r := aws.String("app")
	run(t, []step{
		{"create role", func() error {
			out, err := s.CreateRole(ctx, "", &sdk.CreateRoleInput{RoleName: r, AssumeRolePolicyDocument: aws.String(trustEC2),
				Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("db")}}})
			if err == nil {
				if *out.Role.AssumeRolePolicyDocument != EncodeDocument(trustEC2) || *out.Role.MaxSessionDuration != 3600 {
					t.Errorf("role %+v", out.Role)
				}
				if id := *out.Role.RoleId; len(id) != 21 || !strings.HasPrefix(id, "AROA") {
					t.Errorf("role id %s", id)
				}
			}
			return err
		}, ""},
		{"identity policy as trust policy", func() error {
			return ignore(s.CreateRole(ctx, "", &sdk.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(rdsAllDoc)}))
		}, ErrMalformedPolicy},
		{"max session too long", func() error {
			return ignore(s.CreateRole(ctx, "", &sdk.CreateRoleInput{RoleName: aws.String("long"), AssumeRolePolicyDocument: aws.String(trustEC2), MaxSessionDuration: aws.Int32(50000)}))
		}, ErrValidation},
		{"duplicate", func() error {
			return ignore(s.CreateRole(ctx, "", &sdk.CreateRoleInput{RoleName: aws.String("APP"), AssumeRolePolicyDocument: aws.String(trustEC2)}))
		}, ErrEntityAlreadyExists},
		{"tag", func() error {
			return ignore(s.TagRole(ctx, "", &sdk.TagRoleInput{RoleName: r, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("dr")}, {Key: aws.String("env"), Value: aws.String("test")}}}))
		}, ""},
		{"list tags", func() error {
			out, err := s.ListRoleTags(ctx, "", &sdk.ListRoleTagsInput{RoleName: r})
			if err == nil && (len(out.Tags) != 2 || *out.Tags[0].Value != "dr") {
				t.Errorf("tags %+v", out.Tags)
			}
			return err
		}, ""},
		{"update trust with malformed", func() error {
			return ignore(s.UpdateAssumeRolePolicy(ctx, "", &sdk.UpdateAssumeRolePolicyInput{RoleName: r, PolicyDocument: aws.String("{")}))
		}, ErrMalformedPolicy},
		{"attach", func() error {
			return ignore(s.AttachRolePolicy(ctx, "", &sdk.AttachRolePolicyInput{RoleName: r, PolicyArn: aws.String(AmazonRDSEnhancedMonitoringRoleARN)}))
		}, ""},
		{"put inline", func() error {
			return ignore(s.PutRolePolicy(ctx, "", &sdk.PutRolePolicyInput{RoleName: r, PolicyName: aws.String("p"), PolicyDocument: aws.String(rdsAllDoc)}))
		}, ""},
		{"delete while attached", func() error { return ignore(s.DeleteRole(ctx, "", &sdk.DeleteRoleInput{RoleName: r})) }, ErrDeleteConflict},
		{"list attached", func() error {
			out, err := s.ListAttachedRolePolicies(ctx, "", &sdk.ListAttachedRolePoliciesInput{RoleName: r})
			if err == nil && (len(out.AttachedPolicies) != 1 || *out.AttachedPolicies[0].PolicyName != "AmazonRDSEnhancedMonitoringRole") {
				t.Errorf("attached %+v", out.AttachedPolicies)
			}
			return err
		}, ""},
		{"detach", func() error {
			return ignore(s.DetachRolePolicy(ctx, "", &sdk.DetachRolePolicyInput{RoleName: r, PolicyArn: aws.String(AmazonRDSEnhancedMonitoringRoleARN)}))
		}, ""},
		{"delete with inline", func() error { return ignore(s.DeleteRole(ctx, "", &sdk.DeleteRoleInput{RoleName: r})) }, ErrDeleteConflict},
		{"delete inline", func() error {
			return ignore(s.DeleteRolePolicy(ctx, "", &sdk.DeleteRolePolicyInput{RoleName: r, PolicyName: aws.String("p")}))
		}, ""},
		{"delete", func() error { return ignore(s.DeleteRole(ctx, "", &sdk.DeleteRoleInput{RoleName: r})) }, ""},
		{"get deleted", func() error { return ignore(s.GetRole(ctx, "", &sdk.GetRoleInput{RoleName: r})) }, ErrNoSuchEntity},
	})
}

func TestPolicyVersions(t *testing.T) {
	s := newService(t, nil)
	ctx := context.Background()
	out, err := s.CreatePolicy(ctx, "", &sdk.CreatePolicyInput{PolicyName: aws.String("dr"), Path: aws.String("/tool/"), PolicyDocument: aws.String(rdsDescDoc)})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.Policy.Arn
	if *arn != "arn:aws:iam::"+acct+":policy/tool/dr" || *out.Policy.DefaultVersionId != "v1" {
		t.Fatalf("policy %+v", out.Policy)
	}
	newVersion := func(def bool) func() error {
		return func() error {
			return ignore(s.CreatePolicyVersion(ctx, "", &sdk.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(rdsAllDoc), SetAsDefault: def}))
		}
	}
	defaultVersion := func(want string) func() error {
		return func() error {
			p, err := s.GetPolicy(ctx, "", &sdk.GetPolicyInput{PolicyArn: arn})
			if err == nil && *p.Policy.DefaultVersionId != want {
				t.Errorf("default %s, want %s", *p.Policy.DefaultVersionId, want)
			}
			return err
		}
	}
	run(t, []step{
		{"duplicate name", func() error {
			return ignore(s.CreatePolicy(ctx, "", &sdk.CreatePolicyInput{PolicyName: aws.String("DR"), PolicyDocument: aws.String(rdsDescDoc)}))
		}, ErrEntityAlreadyExists},
		{"v2", newVersion(false), ""},
		{"default still v1", defaultVersion("v1"), ""},
		{"v3 default", newVersion(true), ""},
		{"default v3", defaultVersion("v3"), ""},
		{"v4", newVersion(false), ""},
		{"v5", newVersion(false), ""},
		{"v6 over the limit", newVersion(false), ErrLimitExceeded},
		{"list newest first", func() error {
			l, err := s.ListPolicyVersions(ctx, "", &sdk.ListPolicyVersionsInput{PolicyArn: arn})
			if err == nil {
				var ids []string
				for _, v := range l.Versions {
					ids = append(ids, *v.VersionId)
					if v.IsDefaultVersion != (*v.VersionId == "v3") || v.Document != nil {
						t.Errorf("version %+v", v)
					}
				}
				if strings.Join(ids, ",") != "v5,v4,v3,v2,v1" {
					t.Errorf("versions %v", ids)
				}
			}
			return err
		}, ""},
		{"get v1 document URL-encoded", func() error {
			v, err := s.GetPolicyVersion(ctx, "", &sdk.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")})
			if err == nil {
				doc, _ := url.QueryUnescape(*v.PolicyVersion.Document)
				if doc != rdsDescDoc || v.PolicyVersion.IsDefaultVersion {
					t.Errorf("v1 %q", *v.PolicyVersion.Document)
				}
			}
			return err
		}, ""},
		{"get missing version", func() error {
			return ignore(s.GetPolicyVersion(ctx, "", &sdk.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v9")}))
		}, ErrNoSuchEntity},
		{"delete default version", func() error {
			return ignore(s.DeletePolicyVersion(ctx, "", &sdk.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v3")}))
		}, ErrDeleteConflict},
		{"delete v1", func() error {
			return ignore(s.DeletePolicyVersion(ctx, "", &sdk.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")}))
		}, ""},
		{"v6 now fits", newVersion(false), ""},
		{"delete with versions", func() error { return ignore(s.DeletePolicy(ctx, "", &sdk.DeletePolicyInput{PolicyArn: arn})) }, ErrDeleteConflict},
		{"delete other versions", func() error {
			for _, v := range []string{"v2", "v4", "v5", "v6"} {
				if _, err := s.DeletePolicyVersion(ctx, "", &sdk.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String(v)}); err != nil {
					return err
				}
			}
			return nil
		}, ""},
		{"create user", func() error { return ignore(s.CreateUser(ctx, "", &sdk.CreateUserInput{UserName: aws.String("u")})) }, ""},
		{"attach", func() error {
			return ignore(s.AttachUserPolicy(ctx, "", &sdk.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: arn}))
		}, ""},
		{"attachment count", func() error {
			p, err := s.GetPolicy(ctx, "", &sdk.GetPolicyInput{PolicyArn: arn})
			if err == nil && *p.Policy.AttachmentCount != 1 {
				t.Errorf("attachment count %d", *p.Policy.AttachmentCount)
			}
			return err
		}, ""},
		{"delete attached", func() error { return ignore(s.DeletePolicy(ctx, "", &sdk.DeletePolicyInput{PolicyArn: arn})) }, ErrDeleteConflict},
		{"detach", func() error {
			return ignore(s.DetachUserPolicy(ctx, "", &sdk.DetachUserPolicyInput{UserName: aws.String("u"), PolicyArn: arn}))
		}, ""},
		{"delete", func() error { return ignore(s.DeletePolicy(ctx, "", &sdk.DeletePolicyInput{PolicyArn: arn})) }, ""},
		{"get deleted", func() error { return ignore(s.GetPolicy(ctx, "", &sdk.GetPolicyInput{PolicyArn: arn})) }, ErrNoSuchEntity},
	})
}

func TestInlinePoliciesEncoded(t *testing.T) {
	s := newService(t, nil)
	ctx := context.Background()
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"rds:*\", \"Resource\": \"*\"}]\n}"
	if _, err := s.CreateUser(ctx, "", &sdk.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRole(ctx, "", &sdk.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustEC2)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		put  func(name string) error
		get  func(name string) (*string, error)
		list func() ([]string, error)
	}{
		{"user",
			func(n string) error {
				return ignore(s.PutUserPolicy(ctx, "", &sdk.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String(n), PolicyDocument: aws.String(doc)}))
			},
			func(n string) (*string, error) {
				out, err := s.GetUserPolicy(ctx, "", &sdk.GetUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String(n)})
				if err != nil {
					return nil, err
				}
				return out.PolicyDocument, nil
			},
			func() ([]string, error) {
				out, err := s.ListUserPolicies(ctx, "", &sdk.ListUserPoliciesInput{UserName: aws.String("u")})
				if err != nil {
					return nil, err
				}
				return out.PolicyNames, nil
			}},
		{"role",
			func(n string) error {
				return ignore(s.PutRolePolicy(ctx, "", &sdk.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String(n), PolicyDocument: aws.String(doc)}))
			},
			func(n string) (*string, error) {
				out, err := s.GetRolePolicy(ctx, "", &sdk.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String(n)})
				if err != nil {
					return nil, err
				}
				return out.PolicyDocument, nil
			},
			func() ([]string, error) {
				out, err := s.ListRolePolicies(ctx, "", &sdk.ListRolePoliciesInput{RoleName: aws.String("r")})
				if err != nil {
					return nil, err
				}
				return out.PolicyNames, nil
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, n := range []string{"b", "a", "b"} { // put replaces
				if err := tc.put(n); err != nil {
					t.Fatal(err)
				}
			}
			got, err := tc.get("a")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(*got, "%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22") || !strings.Contains(*got, "rds%3A*") {
				t.Errorf("encoded document %s", *got)
			}
			if dec, _ := url.QueryUnescape(*got); dec != doc {
				t.Errorf("decoded %q", dec)
			}
			names, err := tc.list()
			if err != nil || strings.Join(names, ",") != "a,b" {
				t.Errorf("names %v %v", names, err)
			}
			if _, err := tc.get("missing"); code(err) != ErrNoSuchEntity {
				t.Errorf("missing: %v", err)
			}
		})
	}
}

func TestEncodeDocument(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"Version":"2012-10-17"}`, "%7B%22Version%22%3A%222012-10-17%22%7D"},
		{`"rds:*"`, "%22rds%3A*%22"},
		{"a b\n+", "a%20b%0A%2B"},
		{"arn:aws:iam::1:role/x", "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx"},
	}
	for _, tc := range tests {
		if got := EncodeDocument(tc.in); got != tc.want {
			t.Errorf("EncodeDocument(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if dec, err := url.QueryUnescape(tc.want); err != nil || dec != tc.in {
			t.Errorf("round trip %q: %q %v", tc.in, dec, err)
		}
	}
}

func TestAWSManagedPolicies(t *testing.T) {
	s := newService(t, nil)
	ctx := context.Background()
	tests := []struct {
		arn, path string
		contains  []string
	}{
		{AmazonRDSFullAccessARN, "/", []string{`"rds:*"`, `"iam:CreateServiceLinkedRole"`, `"rds.amazonaws.com"`, "cloudwatch:", "ec2:DescribeSubnets", "sns:"}},
		{AmazonRoute53FullAccessARN, "/", []string{`"route53:*"`, `"route53domains:*"`}},
		{AmazonRDSEnhancedMonitoringRoleARN, "/service-role/", []string{"logs:CreateLogGroup", "log-group:RDS*"}},
		{AmazonRDSServiceRolePolicyARN, "/aws-service-role/", []string{"rds:CrossRegionCommunication", "ec2:CreateNetworkInterface", "kinesis:", "secretsmanager:"}},
	}
	for _, tc := range tests {
		t.Run(tc.arn, func(t *testing.T) {
			p, err := s.GetPolicy(ctx, "", &sdk.GetPolicyInput{PolicyArn: aws.String(tc.arn)})
			if err != nil {
				t.Fatal(err)
			}
			if *p.Policy.Path != tc.path || *p.Policy.DefaultVersionId != "v1" || len(*p.Policy.PolicyId) != 21 {
				t.Errorf("policy %+v", p.Policy)
			}
			v, err := s.GetPolicyVersion(ctx, "", &sdk.GetPolicyVersionInput{PolicyArn: aws.String(tc.arn), VersionId: aws.String("v1")})
			if err != nil {
				t.Fatal(err)
			}
			doc, err := url.QueryUnescape(*v.PolicyVersion.Document)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := iampolicy.Parse(doc, iampolicy.Identity); err != nil {
				t.Errorf("document does not parse: %v", err)
			}
			for _, c := range tc.contains {
				if !strings.Contains(doc, c) {
					t.Errorf("document lacks %s", c)
				}
			}
			if strings.Contains(tc.arn, "RDS") && strings.Contains(doc, "route53") {
				t.Error("RDS policy grants Route 53")
			}
			if strings.Contains(doc, "iam:PassRole") {
				t.Error("grants iam:PassRole")
			}
			if _, err := s.DeletePolicy(ctx, "", &sdk.DeletePolicyInput{PolicyArn: aws.String(tc.arn)}); code(err) != awserr.AccessDenied {
				t.Errorf("delete AWS managed: %v", err)
			}
		})
	}
	if _, err := s.CreatePolicy(ctx, "", &sdk.CreatePolicyInput{PolicyName: aws.String("mine"), PolicyDocument: aws.String(rdsDescDoc)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRole(ctx, "", &sdk.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustEC2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AttachRolePolicy(ctx, "", &sdk.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(AmazonRDSFullAccessARN)}); err != nil {
		t.Fatal(err)
	}
	scopes := []struct {
		in   sdk.ListPoliciesInput
		want string
	}{
		{sdk.ListPoliciesInput{}, "AmazonRDSEnhancedMonitoringRole,AmazonRDSFullAccess,AmazonRDSServiceRolePolicy,AmazonRoute53FullAccess,mine"},
		{sdk.ListPoliciesInput{Scope: types.PolicyScopeTypeAws}, "AmazonRDSEnhancedMonitoringRole,AmazonRDSFullAccess,AmazonRDSServiceRolePolicy,AmazonRoute53FullAccess"},
		{sdk.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal}, "mine"},
		{sdk.ListPoliciesInput{OnlyAttached: true}, "AmazonRDSFullAccess"},
		{sdk.ListPoliciesInput{PathPrefix: aws.String("/service-role/")}, "AmazonRDSEnhancedMonitoringRole"},
		{sdk.ListPoliciesInput{MaxItems: aws.Int32(2)}, "AmazonRDSEnhancedMonitoringRole,AmazonRDSFullAccess"},
	}
	for _, tc := range scopes {
		out, err := s.ListPolicies(ctx, "", &tc.in)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range out.Policies {
			names = append(names, *p.PolicyName)
		}
		if got := strings.Join(names, ","); got != tc.want {
			t.Errorf("ListPolicies(%+v) = %s, want %s", tc.in, got, tc.want)
		}
		if out.IsTruncated != (tc.in.MaxItems != nil) {
			t.Errorf("ListPolicies(%+v) truncated %v", tc.in, out.IsTruncated)
		}
	}
}

func TestServiceLinkedRole(t *testing.T) {
	s := newService(t, nil)
	ctx := context.Background()
	slr := aws.String("AWSServiceRoleForRDS")
	run(t, []step{
		{"create for rds", func() error {
			out, err := s.CreateServiceLinkedRole(ctx, "", &sdk.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("rds.amazonaws.com")})
			if err == nil {
				if *out.Role.Arn != "arn:aws:iam::"+acct+":role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS" {
					t.Errorf("arn %s", *out.Role.Arn)
				}
				if doc, _ := url.QueryUnescape(*out.Role.AssumeRolePolicyDocument); !strings.Contains(doc, "rds.amazonaws.com") {
					t.Errorf("trust %s", doc)
				}
			}
			return err
		}, ""},
		{"again", func() error {
			return ignore(s.CreateServiceLinkedRole(ctx, "", &sdk.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("rds.amazonaws.com")}))
		}, ErrInvalidInput},
		{"other service", func() error {
			return ignore(s.CreateServiceLinkedRole(ctx, "", &sdk.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("elasticache.amazonaws.com")}))
		}, ErrInvalidInput},
		{"policy attached", func() error {
			out, err := s.ListAttachedRolePolicies(ctx, "", &sdk.ListAttachedRolePoliciesInput{RoleName: slr})
			if err == nil && (len(out.AttachedPolicies) != 1 || *out.AttachedPolicies[0].PolicyArn != AmazonRDSServiceRolePolicyARN) {
				t.Errorf("attached %+v", out.AttachedPolicies)
			}
			return err
		}, ""},
		{"delete protected", func() error { return ignore(s.DeleteRole(ctx, "", &sdk.DeleteRoleInput{RoleName: slr})) }, ErrUnmodifiable},
		{"detach protected", func() error {
			return ignore(s.DetachRolePolicy(ctx, "", &sdk.DetachRolePolicyInput{RoleName: slr, PolicyArn: aws.String(AmazonRDSServiceRolePolicyARN)}))
		}, ErrUnmodifiable},
		{"role policies resolve", func() error {
			if n := len(s.IdentityPolicies("arn:aws:iam::" + acct + ":role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS")); n != 1 {
				t.Errorf("%d policies", n)
			}
			return nil
		}, ""},
	})
}

func TestMalformedPolicyDocument(t *testing.T) {
	s := newService(t, nil)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, "", &sdk.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	docs := []struct{ name, doc string }{
		{"not json", "{"},
		{"no statement", `{"Version":"2012-10-17"}`},
		{"bad effect", `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"rds:*","Resource":"*"}]}`},
		{"principal in identity policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"rds:*","Resource":"*"}]}`},
		{"no resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"rds:*"}]}`},
	}
	for _, tc := range docs {
		t.Run(tc.name, func(t *testing.T) {
			calls := map[string]error{
				"CreatePolicy":  ignore(s.CreatePolicy(ctx, "", &sdk.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(tc.doc)})),
				"PutUserPolicy": ignore(s.PutUserPolicy(ctx, "", &sdk.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("p"), PolicyDocument: aws.String(tc.doc)})),
				"CreateRole":    ignore(s.CreateRole(ctx, "", &sdk.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(tc.doc)})),
			}
			for op, err := range calls {
				e, ok := awserr.As(err)
				if !ok || e.Code != ErrMalformedPolicy || e.Message == "" {
					t.Errorf("%s: %v", op, err)
				}
			}
		})
	}
}

func TestGetUserCaller(t *testing.T) {
	s := newService(t, nil)
	if _, err := s.CreateUser(context.Background(), "", &sdk.CreateUserInput{UserName: aws.String("carol")}); err != nil {
		t.Fatal(err)
	}
	carol, _ := s.UserPrincipal("carol")
	tests := []struct {
		name    string
		ctx     context.Context
		wantARN string
		want    string
	}{
		{"no caller is root", context.Background(), "arn:aws:iam::" + acct + ":root", ""},
		{"root", WithCaller(context.Background(), RootPrincipal(acct)), "arn:aws:iam::" + acct + ":root", ""},
		{"user", WithCaller(context.Background(), carol), "arn:aws:iam::" + acct + ":user/carol", ""},
		{"assumed role", WithCaller(context.Background(), Principal{ARN: "arn:aws:sts::" + acct + ":assumed-role/r/s", RoleName: "r"}), "", ErrValidation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.GetUser(tc.ctx, "", &sdk.GetUserInput{})
			if code(err) != tc.want {
				t.Fatalf("error %v, want %s", err, tc.want)
			}
			if err == nil && *out.User.Arn != tc.wantARN {
				t.Errorf("arn %s, want %s", *out.User.Arn, tc.wantARN)
			}
		})
	}
}

func TestFileStorePersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iam.json")
	s := newService(t, NewFileStore(path))
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, "", &sdk.CreateUserInput{UserName: aws.String("dave")}); err != nil {
		t.Fatal(err)
	}
	key, err := s.CreateAccessKey(ctx, "", &sdk.CreateAccessKeyInput{UserName: aws.String("dave")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreatePolicy(ctx, "", &sdk.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(rdsDescDoc)}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file %v %v", fi, err)
	}
	s2 := newService(t, NewFileStore(path))
	if _, _, ok := s2.AccessKey(*key.AccessKey.AccessKeyId); !ok {
		t.Error("access key lost on restart")
	}
	if _, err := s2.GetPolicy(ctx, "", &sdk.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::" + acct + ":policy/p")}); err != nil {
		t.Error(err)
	}
	if _, err := s2.PutUserPolicy(ctx, "", &sdk.PutUserPolicyInput{UserName: aws.String("dave"), PolicyName: aws.String("x"), PolicyDocument: aws.String(rdsDescDoc)}); err != nil {
		t.Error(err)
	}
}
