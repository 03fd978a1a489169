//go:build aws

// The same lifecycle against a real AWS account. It creates billable
// resources (two Aurora clusters of db.r6g.large) for about an hour:
//
//	GLOBALDB_MASTER_PASSWORD=... go test -tags aws -timeout 3h -run TestAWS ./internal/orchestrator
//
// GLOBALDB_AWS_TOPOLOGY picks another topology file (default
// examples/global.yaml). Without credentials the test is skipped.
package orchestrator

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/topology"
)

func TestAWS_lifecycle(t *testing.T) {
	path := os.Getenv("GLOBALDB_AWS_TOPOLOGY")
	if path == "" {
		path = "../../examples/global.yaml"
	}
	top, err := topology.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var regions []string
	for _, r := range top.Regions {
		regions = append(regions, r.Name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 170*time.Minute)
	defer cancel()
	c, err := Connect(ctx, Target{Profile: os.Getenv("AWS_PROFILE")}, regions)
	if err != nil {
		t.Skipf("no AWS configuration: %v", err)
	}
	if _, err := c.Account(ctx); err != nil {
		t.Skipf("no AWS credentials: %v", err)
	}
	if _, err := top.MasterPassword(); err != nil {
		t.Skipf("no master password: %v", err)
	}
	opts := Options{PollMin: 10 * time.Second, PollMax: 60 * time.Second, Reporter: NewLineReporter(os.Stderr)}
	t.Cleanup(func() {
		p, w, err := PlanDestroy(context.Background(), c, top, true)
		if err == nil {
			err = Destroy(context.Background(), c, top, p, w, opts)
		}
		if err != nil {
			t.Errorf("clean-up destroy: %v (delete the stack's resources by hand: tag %s=%s)", err, topology.StackTag, top.Name)
		}
	})
	p, w, err := PlanApply(ctx, c, top)
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(ctx, c, top, p, w, opts); err != nil {
		t.Fatal(err)
	}
	before := c.Calls.Snapshot()
	p, w, err = PlanApply(ctx, c, top)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() {
		p.WriteText(os.Stderr)
		t.Errorf("plan after apply is not empty")
	}
	if err := Apply(ctx, c, top, p, w, opts); err != nil {
		t.Fatal(err)
	}
	if n := c.Calls.Snapshot().Since(before).Mutating; n != 0 {
		t.Errorf("second apply made %d mutating calls", n)
	}
	p, w, err = PlanDestroy(ctx, c, top, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := Destroy(ctx, c, top, p, w, opts); err != nil {
		t.Fatal(err)
	}
	if left, err := Orphans(ctx, c, top); err != nil || len(left) > 0 {
		t.Errorf("left after destroy: %v (%v)", left, err)
	}
}
