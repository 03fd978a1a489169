package sts

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	sdk "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/iam"
)

const acct = "123456789012"

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

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type fixture struct {
	iam        *iam.Service
	sts        *Service
	clk        *fakeClock
	alice, bob iam.Principal // alice is trusted by role "ops", bob is not
	roleARN    string
}

func trust(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
}

func newFixture(t *testing.T, store Store) *fixture {
	t.Helper()
	clk := &fakeClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	is, err := iam.New(iam.Config{AccountID: acct, Clock: clk, Random: rand.NewChaCha8([32]byte{2})})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, u := range []string{"alice", "bob"} {
		if _, err := is.CreateUser(ctx, "", &iamsdk.CreateUserInput{UserName: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
	}
	aliceARN := "arn:aws:iam::" + acct + ":user/alice"
	roles := []struct {
		name, trust string
		max         int32
	}{
		{"ops", trust(aliceARN), 7200},
		// "chain" trusts sessions of "ops" (a role principal matches its sessions).
		{"chain", trust("arn:aws:iam::" + acct + ":role/ops"), 43200},
	}
	for _, r := range roles {
		if _, err := is.CreateRole(ctx, "", &iamsdk.CreateRoleInput{
			RoleName: aws.String(r.name), Path: aws.String("/dr/"), AssumeRolePolicyDocument: aws.String(r.trust), MaxSessionDuration: aws.Int32(r.max),
		}); err != nil {
			t.Fatal(err)
		}
	}
	ss, err := New(Config{IAM: is, Store: store, Random: rand.NewChaCha8([32]byte{3})})
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := is.UserPrincipal("alice")
	bob, _ := is.UserPrincipal("bob")
	return &fixture{iam: is, sts: ss, clk: clk, alice: alice, bob: bob, roleARN: "arn:aws:iam::" + acct + ":role/dr/ops"}
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

func TestAssumeRole(t *testing.T) {
	f := newFixture(t, nil)
	as := func(p iam.Principal) context.Context { return iam.WithCaller(context.Background(), p) }
	tests := []struct {
		name     string
		ctx      context.Context
		in       sdk.AssumeRoleInput
		wantCode string
		wantMsg  string
	}{
		{"allowed", as(f.alice), sdk.AssumeRoleInput{RoleArn: aws.String(f.roleARN), RoleSessionName: aws.String("dr-run")}, "", ""},
		{"allowed at role max", as(f.alice), sdk.AssumeRoleInput{RoleArn: aws.String(f.roleARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(7200)}, "", ""},
		{"not trusted", as(f.bob), sdk.AssumeRoleInput{RoleArn: aws.String(f.roleARN), RoleSessionName: aws.String("s1")}, awserr.AccessDenied,
			"User: arn:aws:iam::" + acct + ":user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + acct + ":role/dr/ops"},
		{"role does not exist", as(f.alice), sdk.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acct + ":role/nope"), RoleSessionName: aws.String("s1")}, awserr.AccessDenied,
			"User: arn:aws:iam::" + acct + ":user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + acct + ":role/nope"},
		{"wrong path", as(f.alice), sdk.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acct + ":role/ops"), RoleSessionName: aws.String("s1")}, awserr.AccessDenied, ""},
		{"root", as(iam.RootPrincipal(acct)), sdk.AssumeRoleInput{RoleArn: aws.String(f.roleARN), RoleSessionName: aws.String("s1")}, awserr.AccessDenied, "Roles may not be assumed by root accounts."},
		{"not a role ARN", as(f.alice), sdk.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acct + ":user/alice"), RoleSessionName: aws.String("s1")}, ErrValidation, ""},
		{"duration below 900", as(f.alice), sdk.AssumeRoleInput{RoleArn: aws.String(f.roleARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(899)}, ErrValidation, ""},
		{"duration above 43200", as(f.alice), sdk.AssumeRoleInput{RoleArn: aws.String(f.roleARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(43201)}, ErrValidation, ""},
		{"duration above role max", as(f.alice), sdk.AssumeRoleInput{RoleArn: aws.String(f.roleARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(7201)}, ErrValidation,
			"The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{"session name with space", as(f.alice), sdk.AssumeRoleInput{RoleArn: aws.String(f.roleARN), RoleSessionName: aws.String("a b")}, ErrValidation, ""},
		{"session name too short", as(f.alice), sdk.AssumeRoleInput{RoleArn: aws.String(f.roleARN), RoleSessionName: aws.String("a")}, ErrValidation, ""},
		{"missing session name", as(f.alice), sdk.AssumeRoleInput{RoleArn: aws.String(f.roleARN)}, ErrValidation, ""},
		{"malformed session policy", as(f.alice), sdk.AssumeRoleInput{RoleArn: aws.String(f.roleARN), RoleSessionName: aws.String("s1"), Policy: aws.String(`{"Statement":[]`)}, ErrMalformedPolicy, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.sts.AssumeRole(tc.ctx, "us-east-1", &tc.in)
			if code(err) != tc.wantCode {
				t.Fatalf("error %v, want %s", err, tc.wantCode)
			}
			if tc.wantMsg != "" {
				if e, _ := awserr.As(err); e.Message != tc.wantMsg {
					t.Errorf("message %q, want %q", e.Message, tc.wantMsg)
				}
			}
			if err != nil {
				return
			}
			c := out.Credentials
			if !strings.HasPrefix(*c.AccessKeyId, "ASIA") || len(*c.AccessKeyId) != 20 || len(*c.SecretAccessKey) != 40 || len(*c.SessionToken) < 300 {
				t.Errorf("credentials %+v", c)
			}
			dur := int32(3600)
			if tc.in.DurationSeconds != nil {
				dur = *tc.in.DurationSeconds
			}
			if want := f.clk.Now().Add(time.Duration(dur) * time.Second); !c.Expiration.Equal(want) {
				t.Errorf("expiration %v, want %v", c.Expiration, want)
			}
			wantARN := "arn:aws:sts::" + acct + ":assumed-role/ops/" + *tc.in.RoleSessionName
			if *out.AssumedRoleUser.Arn != wantARN || !strings.HasPrefix(*out.AssumedRoleUser.AssumedRoleId, "AROA") ||
				!strings.HasSuffix(*out.AssumedRoleUser.AssumedRoleId, ":"+*tc.in.RoleSessionName) {
				t.Errorf("assumed role user %+v", out.AssumedRoleUser)
			}
			secret, token, p, expired, ok := f.sts.Session(*c.AccessKeyId)
			if !ok || expired || secret != *c.SecretAccessKey || token != *c.SessionToken || p.ARN != wantARN || p.RoleName != "ops" {
				t.Errorf("session %q %q %+v %v %v", secret, token, p, expired, ok)
			}
		})
	}
}

func TestRoleChaining(t *testing.T) {
	f := newFixture(t, nil)
	out, err := f.sts.AssumeRole(iam.WithCaller(context.Background(), f.alice), "", &sdk.AssumeRoleInput{RoleArn: aws.String(f.roleARN), RoleSessionName: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	_, _, session, _, _ := f.sts.Session(*out.Credentials.AccessKeyId)
	ctx := iam.WithCaller(context.Background(), session)
	chainARN := aws.String("arn:aws:iam::" + acct + ":role/dr/chain")
	tests := []struct {
		name string
		dur  *int32
		want string
	}{
		{"default", nil, ""},
		{"one hour", aws.Int32(3600), ""},
		{"over the chaining limit", aws.Int32(3601), ErrValidation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.sts.AssumeRole(ctx, "", &sdk.AssumeRoleInput{RoleArn: chainARN, RoleSessionName: aws.String("second"), DurationSeconds: tc.dur})
			if code(err) != tc.want {
				t.Errorf("error %v, want %s", err, tc.want)
			}
		})
	}
	// alice herself is not trusted by "chain".
	if _, err := f.sts.AssumeRole(iam.WithCaller(context.Background(), f.alice), "", &sdk.AssumeRoleInput{RoleArn: chainARN, RoleSessionName: aws.String("x1")}); code(err) != awserr.AccessDenied {
		t.Errorf("alice assumed chain: %v", err)
	}
}

func TestSessionExpiry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sts.json")
	f := newFixture(t, NewFileStore(path))
	out, err := f.sts.AssumeRole(iam.WithCaller(context.Background(), f.alice), "", &sdk.AssumeRoleInput{
		RoleArn: aws.String(f.roleARN), RoleSessionName: aws.String("short"), DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatal(err)
	}
	id := *out.Credentials.AccessKeyId
	steps := []struct {
		advance       time.Duration
		expired, ok   bool
		reloadedStore bool
	}{
		{0, false, true, false},
		{899 * time.Second, false, true, true},
		{time.Second, true, true, false},
		{time.Hour, true, true, true},
	}
	for i, st := range steps {
		f.clk.Advance(st.advance)
		s := f.sts
		if st.reloadedStore {
			s, err = New(Config{IAM: f.iam, Store: NewFileStore(path)})
			if err != nil {
				t.Fatal(err)
			}
		}
		_, _, _, expired, ok := s.Session(id)
		if expired != st.expired || ok != st.ok {
			t.Errorf("step %d: expired %v ok %v, want %v %v", i, expired, ok, st.expired, st.ok)
		}
	}
	if _, _, _, _, ok := f.sts.Session("ASIAUNKNOWN000000000"); ok {
		t.Error("unknown key resolves")
	}
}

func TestGetCallerIdentity(t *testing.T) {
	f := newFixture(t, nil)
	out, err := f.sts.AssumeRole(iam.WithCaller(context.Background(), f.alice), "", &sdk.AssumeRoleInput{RoleArn: aws.String(f.roleARN), RoleSessionName: aws.String("who")})
	if err != nil {
		t.Fatal(err)
	}
	_, _, session, _, _ := f.sts.Session(*out.Credentials.AccessKeyId)
	tests := []struct {
		name, arn, userID string
		ctx               context.Context
	}{
		{"no caller is root", "arn:aws:iam::" + acct + ":root", acct, context.Background()},
		{"root", "arn:aws:iam::" + acct + ":root", acct, iam.WithCaller(context.Background(), iam.RootPrincipal(acct))},
		{"user", "arn:aws:iam::" + acct + ":user/alice", f.alice.ID, iam.WithCaller(context.Background(), f.alice)},
		{"assumed role", "arn:aws:sts::" + acct + ":assumed-role/ops/who", *out.AssumedRoleUser.AssumedRoleId, iam.WithCaller(context.Background(), session)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.sts.GetCallerIdentity(tc.ctx, "us-east-1", &sdk.GetCallerIdentityInput{})
			if err != nil {
				t.Fatal(err)
			}
			if *got.Account != acct || *got.Arn != tc.arn || *got.UserId != tc.userID {
				t.Errorf("got %s %s %s", *got.Account, *got.Arn, *got.UserId)
			}
		})
	}
	if !strings.HasPrefix(f.alice.ID, "AIDA") {
		t.Errorf("user id %s", f.alice.ID)
	}
	// The session's principal resolves to the role's identity policies.
	if _, err := f.iam.AttachRolePolicy(context.Background(), "", &iamsdk.AttachRolePolicyInput{RoleName: aws.String("ops"), PolicyArn: aws.String(iam.AmazonRDSFullAccessARN)}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.iam.IdentityPolicies(session.ARN)); n != 1 {
		t.Errorf("session has %d identity policies, want 1", n)
	}
}

func TestSessionPolicies(t *testing.T) {
	f := newFixture(t, nil)
	out, err := f.sts.AssumeRole(iam.WithCaller(context.Background(), f.alice), "", &sdk.AssumeRoleInput{
		RoleArn: aws.String(f.roleARN), RoleSessionName: aws.String("scoped"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"rds:Describe*","Resource":"*"}]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 the emulator sends PackedPolicySize as STS does
	packed := out.PackedPolicySize
	if packed == nil || *packed <= 0 {
		t.Errorf("packed policy size %v", packed)
	}
	if n := len(f.sts.SessionPolicies(*out.Credentials.AccessKeyId)); n != 1 {
		t.Errorf("%d session policies", n)
	}
}
