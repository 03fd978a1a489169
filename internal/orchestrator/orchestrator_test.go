package orchestrator

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/globaldb/globaldb/internal/topology"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file:\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// interruptAfter cancels the returned context just before the
// (k+1)-th mutating call of c: exactly k changes reach the API, as if
// the process had been killed there.
func interruptAfter(c *Clients, k int) (context.Context, func()) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	var mu sync.Mutex
	n := 0
	c.Calls.mu.Lock()
	c.Calls.before = func(op string) {
		if !Mutating(op) {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if n++; n > k {
			cancel()
		}
	}
	c.Calls.mu.Unlock()
	return ctx, func() {
		c.Calls.mu.Lock()
		c.Calls.before = nil
		c.Calls.mu.Unlock()
		cancel()
	}
}

// runInterrupted runs plan+execute repeatedly, each run cut after k
// mutating calls, until one run completes; it returns how many runs
// were cut. Each run starts from a fresh read of the world, as a re-run
// of the command would.
func runInterrupted(t *testing.T, c *Clients, top *topology.Topology, k int, destroy bool) int {
	t.Helper()
	for cut := 0; cut < 60; cut++ {
		ctx, done := interruptAfter(c, k)
		var p *Plan
		var w *World
		var err error
		if destroy {
			if p, w, err = PlanDestroy(ctx, c, top, false); err == nil {
				err = Destroy(ctx, c, top, p, w, fast)
			}
		} else {
			if p, w, err = PlanApply(ctx, c, top); err == nil {
				err = Apply(ctx, c, top, p, w, fast)
			}
		}
		interrupted := ctx.Err() != nil
		done()
		if err == nil {
			return cut
		}
		if !interrupted || !errors.Is(err, context.Canceled) {
			t.Fatalf("run %d failed for another reason than the interruption: %v", cut+1, err)
		}
	}
	t.Fatal("never converged")
	return 0
}

func TestStack_lifecycle(t *testing.T) {
	e := startEmulator(t)
	top := seedTopology(t)
	c := connect(t, e, top)
	ctx := context.Background()

	// The plan on an empty account: every resource, in order.
	p, _, err := PlanApply(ctx, c, top)
	if err != nil {
		t.Fatal(err)
	}
	var text, js bytes.Buffer
	p.WriteText(&text)
	if err := p.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan-seed.txt", bytes.ReplaceAll(text.Bytes(), []byte(top.File), []byte("global.yaml")))
	golden(t, "plan-seed.json", bytes.ReplaceAll(js.Bytes(), []byte(top.File), []byte("global.yaml")))

	// Apply, cut every 3 changes (a kill at that point), re-run until done.
	cuts := runInterrupted(t, c, top, 3, false)
	if cuts < 5 {
		t.Errorf("apply was cut %d times; want at least 5 (about 26 changes, 3 per run)", cuts)
	}
	t.Logf("apply converged after %d interruptions", cuts)

	t.Run("converged", func(t *testing.T) {
		w, err := Observe(ctx, c, top)
		if err != nil {
			t.Fatal(err)
		}
		if got := w.Writer(); got != "ap-southeast-1" {
			t.Errorf("writer region %q, want ap-southeast-1", got)
		}
		for _, r := range top.Regions {
			cl := w.Clusters[r.Name]
			if cl == nil || aws.ToString(cl.Status) != "available" || !w.Member(r.Name) {
				t.Errorf("cluster in %s: %+v, want an available member", r.Name, cl)
				continue
			}
			if !aws.ToBool(cl.IAMDatabaseAuthenticationEnabled) {
				t.Errorf("cluster in %s: IAM database authentication off", r.Name)
			}
			if len(w.Instances[r.Name]) != 2 {
				t.Errorf("%s has %d instances, want 2", r.Name, len(w.Instances[r.Name]))
			}
			azs := map[string]bool{}
			for _, i := range w.Instances[r.Name] {
				azs[aws.ToString(i.AvailabilityZone)] = true
				if aws.ToString(i.DBInstanceStatus) != "available" {
					t.Errorf("instance %s is %s", aws.ToString(i.DBInstanceIdentifier), aws.ToString(i.DBInstanceStatus))
				}
			}
			if len(azs) != 2 {
				t.Errorf("%s instances in AZs %v, want two different AZs", r.Name, azs)
			}
		}
		if len(w.Checks) != 4 || len(w.Records) != 4 || len(w.Roles) != 3 || w.Zone == nil || !w.Zone.Owned {
			t.Errorf("route53/iam: %d checks, %d records, %d roles, zone %+v; want 4, 4, 3 and an owned zone", len(w.Checks), len(w.Records), len(w.Roles), w.Zone)
		}
		app := w.Roles["seed-app"].Inline["rds-db-connect"]
		for _, r := range top.Regions {
			if id := aws.ToString(w.Clusters[r.Name].DbClusterResourceId); id == "" || !strings.Contains(app, id) {
				t.Errorf("app role policy %s does not name %s's cluster resource ID %q", app, r.Name, id)
			}
		}
		if !strings.Contains(w.Roles["seed-operator"].Inline["globaldb-operator"], "arn:aws:rds:*:000000000000:cluster:seed-*") &&
			!strings.Contains(w.Roles["seed-operator"].Inline["globaldb-operator"], ":cluster:seed-*") {
			t.Errorf("operator policy is not scoped to the stack: %s", w.Roles["seed-operator"].Inline["globaldb-operator"])
		}
	})

	t.Run("second apply changes nothing", func(t *testing.T) {
		before := c.Calls.Snapshot()
		p := applyT(t, c, top)
		calls := c.Calls.Snapshot().Since(before)
		if !p.Empty() || calls.Mutating != 0 {
			t.Errorf("second apply: %d steps, mutating calls %v; want none", len(p.Visible()), calls.MutatingOps())
		}
	})

	t.Run("drift is planned", func(t *testing.T) {
		// A hand-made change: deletion protection on the secondary.
		if _, err := c.RDS("ap-southeast-2").ModifyDBCluster(ctx, rdsModifyProtection("seed-ap-southeast-2", true)); err != nil {
			t.Fatal(err)
		}
		p, _, err := PlanApply(ctx, c, top)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		p.WriteText(&b)
		if s := p.Summary(); s.Update != 1 || !strings.Contains(b.String(), "deletion protection: true → false") {
			t.Errorf("plan after drift:\n%s", b.String())
		}
		applyT(t, c, top)
		if p, _, _ := PlanApply(ctx, c, top); !p.Empty() {
			t.Errorf("plan after correcting drift is not empty")
		}
	})

	// Destroy, cut every 2 changes, re-run until done; then again.
	cuts = runInterrupted(t, c, top, 2, true)
	if cuts < 5 {
		t.Errorf("destroy was cut %d times; want at least 5", cuts)
	}
	left, err := Orphans(ctx, c, top)
	if err != nil || len(left) > 0 {
		t.Fatalf("after destroy: left %v, err %v", left, err)
	}
	before := c.Calls.Snapshot()
	if p := destroyT(t, c, top); !p.Empty() {
		t.Errorf("second destroy planned %d steps", len(p.Visible()))
	}
	if calls := c.Calls.Snapshot().Since(before); calls.Mutating != 0 {
		t.Errorf("second destroy made mutating calls %v", calls.MutatingOps())
	}
}
