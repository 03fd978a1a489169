package orchestrator

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	arc "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	arctypes "github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/resolve"
)

// TestRegionSwitchRole_enforced: on an emulator that checks the plan's
// execution role (--enforce-iam), the role apply creates
// (regionSwitchPolicy) is enough: plan evaluation, which checks what the
// Aurora blocks, the Route 53 health check blocks and the triggers need
// of the role and the approval steps of their approval role (the
// operator role), passes, and a failover --via-plan completes.
func TestRegionSwitchRole_enforced(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.StartWith(t, emulator.Config{EnforceIAM: true, TimeScale: 0.05})
	top := automationSeed(t, "automation:\n  approval: true\n  route53HealthChecks: true\n")
	c := connect(t, e, top)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	applyT(t, c, top)
	p, err := findRegionSwitch(ctx, c, top)
	if err != nil || p == nil {
		t.Fatalf("the stack's plan: %v, %v", p, err)
	}
	if len(p.Triggers) == 0 {
		t.Fatal("the plan has no triggers: the evaluation would not check their permissions")
	}
	ev, err := c.ARCRegion("ap-southeast-2").GetPlanEvaluationStatus(ctx, &arc.GetPlanEvaluationStatusInput{PlanArn: p.Arn})
	if err != nil {
		t.Fatal(err)
	}
	if ev.EvaluationState != arctypes.EvaluationStatusPassed {
		for _, w := range ev.Warnings {
			t.Errorf("warning: %s", aws.ToString(w.WarningMessage))
		}
		t.Fatalf("evaluation %s, want passed", ev.EvaluationState)
	}

	// Without triggers, so that only the test starts executions.
	untriggered := automationSeed(t, "automation:\n  triggers: false\n  route53HealthChecks: true\n")
	applyT(t, c, untriggered)
	rep, err := Failover(ctx, c, untriggered, FailoverOptions{Mode: ModeSwitchover, To: "ap-southeast-2", ViaPlan: true, Force: true,
		MaxLag: time.Minute, Resolver: resolve.Server(e.DNSAddr()), Timeout: 2 * time.Minute, Options: fast})
	if err != nil {
		t.Fatalf("failover --via-plan as the execution role: %v (report %+v)", err, rep)
	}
	w, err := Observe(ctx, c, untriggered)
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Writer(); got != "ap-southeast-2" {
		t.Errorf("global writer in %s, want ap-southeast-2", got)
	}
}
