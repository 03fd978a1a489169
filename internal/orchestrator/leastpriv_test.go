package orchestrator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

// TestLeastPrivilege proves `globaldb iam-policy` on the seed topology
// against an emulator that enforces IAM: a user holding exactly
// PolicyFor's policy can apply, read status, verify, destroy and find no
// orphans; without any one statement some command fails with
// AccessDenied. Root cleans up after each denied run.
func TestLeastPrivilege(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.StartWith(t, emulator.Config{EnforceIAM: true, TimeScale: 0.05})
	leastPrivilege(t, e, seedTopology(t))
}

// TestLeastPrivilege_alarms is TestLeastPrivilege on the private seed:
// the CloudWatch statements are needed and suffice.
func TestLeastPrivilege_alarms(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.StartWith(t, emulator.Config{EnforceIAM: true, TimeScale: 0.05})
	top := privateSeed(t)
	if ok, why := cloudWatchServed(context.Background(), connect(t, e, top), top.Primary().Name); !ok {
		t.Fatalf("the emulator does not serve CloudWatch: %v", why)
	}
	leastPrivilege(t, e, top)
}

func leastPrivilege(t *testing.T, e *emulator.Emulator, top *topology.Topology) {
	start := time.Now()
	root := connect(t, e, top)
	account, err := root.Account(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	policy := PolicyFor(top, account)
	run := operatorRun{top: top, res: resolve.Server(e.DNSAddr())}

	t.Run("the policy suffices", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		began := time.Now()
		c := operator(ctx, t, e, root, top, "operator-all", policy)
		if cmd, err := run.all(ctx, c, true); err != nil {
			t.Fatalf("%s as a user holding the policy: %v", cmd, err)
		}
		t.Logf("apply, status, verify, destroy and orphans as the user: %s", time.Since(began).Round(time.Millisecond))
	})
	for i, s := range policy.Statement {
		t.Run("without "+s.Sid, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			began := time.Now()
			less := policy
			less.Statement = append(append([]Statement{}, policy.Statement[:i]...), policy.Statement[i+1:]...)
			c := operator(ctx, t, e, root, top, fmt.Sprintf("operator-%d", i), less)
			cmd, err := run.all(ctx, c, false)
			t.Cleanup(func() { cleanUp(t, root, top) })
			switch {
			case err == nil:
				t.Fatalf("statement %s is not needed: every command succeeded without it", s.Sid)
			case !accessDenied(err):
				t.Fatalf("%s failed without %s, but not with AccessDenied: %v", cmd, s.Sid, err)
			}
			t.Logf("without %s, %s fails after %s: %v", s.Sid, cmd, time.Since(began).Round(time.Millisecond), err)
		})
	}
	t.Logf("total %s", time.Since(start).Round(time.Millisecond))
}

// operator creates an IAM user holding doc as its only policy and
// returns clients signed with its access key. The policy is a customer
// managed one: at about 2,700 characters it exceeds the 2,048 a user's
// inline policies may total (IAM quotas), as it would on AWS.
func operator(ctx context.Context, t *testing.T, e *emulator.Emulator, root *Clients, top *topology.Topology, name string, doc PolicyDocument) *Clients {
	t.Helper()
	if _, err := root.IAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	pol, err := root.IAM.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("globaldb-" + name), PolicyDocument: aws.String(doc.JSON())})
	if err != nil {
		t.Fatalf("create policy for %s: %v", name, err)
	}
	if _, err := root.IAM.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatalf("attach policy to %s: %v", name, err)
	}
	k, err := root.IAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatalf("create access key of %s: %v", name, err)
	}
	return connectAs(t, e, top, aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), "")
}

// operatorRun is the operator's sequence of commands on one topology.
type operatorRun struct {
	top *topology.Topology
	res resolve.Resolver
}

// all runs apply, status, verify, destroy and orphans as c, stopping at
// the first command that fails, and returns its name and error. Status
// and verify report unreadable parts instead of failing: an AccessDenied
// in their report fails them. With settle, verify is retried until it
// passes (health checks need a few rounds on a new stack).
func (r operatorRun) all(ctx context.Context, c *Clients, settle bool) (string, error) {
	top := r.top
	p, w, err := PlanApply(ctx, c, top)
	if err != nil {
		return "plan", err
	}
	if err := Apply(ctx, c, top, p, w, fast); err != nil {
		return "apply", err
	}
	st, err := Status(ctx, c, top, r.res)
	if err == nil {
		err = deniedIn(st)
	}
	if err != nil {
		return "status", err
	}
	if err := r.verify(ctx, c, settle); err != nil {
		return "verify", err
	}
	p, w, err = PlanDestroy(ctx, c, top, false)
	if err != nil {
		return "plan destroy", err
	}
	if err := Destroy(ctx, c, top, p, w, fast); err != nil {
		return "destroy", err
	}
	left, err := Orphans(ctx, c, top)
	if err == nil && len(left) > 0 {
		err = fmt.Errorf("left behind: %s", strings.Join(left, "; "))
	}
	if err != nil {
		return "orphans", err
	}
	return "", nil
}

func (r operatorRun) verify(ctx context.Context, c *Clients, settle bool) error {
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		v, err := Verify(wait, c, r.top, r.res, VerifyOptions{CanaryTimeout: 5 * time.Second})
		if err == nil {
			err = deniedIn(v)
		}
		if err != nil || !settle || v.OK() {
			return err
		}
		select {
		case <-wait.Done():
			return fmt.Errorf("verify never passed: %s", strings.Join(v.Failures(), "; "))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// deniedIn returns an error naming the first AccessDenied a status or
// verify report holds, or nil.
func deniedIn(report any) error {
	b, err := json.Marshal(report)
	if err != nil {
		return err
	}
	s := string(b)
	i := strings.Index(s, "AccessDenied")
	if i < 0 {
		return nil
	}
	from, to := max(0, i-200), min(len(s), i+300)
	return fmt.Errorf("report holds an AccessDenied: …%s…", s[from:to])
}

// accessDenied reports whether err is, or a report says, AccessDenied.
func accessDenied(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "AccessDenied" {
		return true
	}
	return strings.Contains(err.Error(), "AccessDenied")
}

// cleanUp destroys whatever a denied run left, as root, until nothing is
// left: a run denied mid-apply leaves clusters still creating, which
// destroy cannot detach yet (InvalidDBClusterStateFault), so it is
// retried until they are available.
func cleanUp(t *testing.T, root *Clients, top *topology.Topology) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		err := destroyAll(ctx, root, top)
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("clean up as root: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func destroyAll(ctx context.Context, c *Clients, top *topology.Topology) error {
	p, w, err := PlanDestroy(ctx, c, top, false)
	if err != nil {
		return fmt.Errorf("plan destroy: %w", err)
	}
	if err := Destroy(ctx, c, top, p, w, fast); err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	left, err := Orphans(ctx, c, top)
	if err == nil && len(left) > 0 {
		err = fmt.Errorf("left behind: %s", strings.Join(left, "; "))
	}
	return err
}
