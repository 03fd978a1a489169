// Package orchestrator builds, shows, checks and removes a globaldb stack
// (an Aurora Global Database, its Route 53 names and IAM roles) from a
// topology file, through aws-sdk-go-v2 only: the same code serves AWS and
// the emulator.
//
// A run reads the world (every resource carries the globaldb:stack tag),
// plans ordered steps, and executes them in parallel where AWS allows,
// polling with backoff where AWS has no waiter. Every step tolerates
// being run again after an interruption, so a re-run converges.
package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/globaldb/globaldb/internal/topology"
)

// PlanApply reads the world and plans what brings it to t.
func PlanApply(ctx context.Context, c *Clients, t *topology.Topology) (*Plan, *World, error) {
	w, err := Observe(ctx, c, t)
	if err != nil {
		return nil, nil, err
	}
	return planApply(t, w), w, nil
}

// planApply is the decision of PlanApply: the steps from w to t.
func planApply(t *topology.Topology, w *World) *Plan {
	pl := &planner{t: t, w: w, n: Names{t.Name}, p: &Plan{Stack: t.Name, File: t.File, Kind: "apply"}}
	pl.planIAMFirst()
	pl.planRDS()
	pl.planRoute53()
	// The plan's triggers name alarms: change it before they go.
	pl.planRegionSwitch()
	pl.planAlarmDeletes()
	pl.planIAMAfterClusters()
	return pl.p
}

// planIAMFirst and planIAMAfterClusters split the IAM steps: roles that
// instances use (monitoring) come first so the instances can name them;
// the app role names the clusters' resource IDs and comes after them.
func (pl *planner) planIAMFirst() {
	pl.planIAMRoles(func(s roleSpec) bool { return !s.dependsOnClusters })
}

func (pl *planner) planIAMAfterClusters() {
	pl.planIAMRoles(func(s roleSpec) bool { return s.dependsOnClusters })
	pl.planIAMDeletes()
}

// ErrProblems is returned by Apply and Destroy when the plan has
// problems that stop it.
var ErrProblems = errors.New("the plan has problems")

// ErrNotDeployed is returned (wrapped: "stack seed is not deployed (run
// apply)") by Status, Verify and Failover when none of the stack's
// databases exists: no global cluster and no DB cluster in any region.
var ErrNotDeployed = errors.New("not deployed")

// notDeployed is the error for stack t.
func notDeployed(t *topology.Topology) error {
	return fmt.Errorf("stack %s is %w (run apply)", t.Name, ErrNotDeployed)
}

// Apply executes an apply plan.
func Apply(ctx context.Context, c *Clients, t *topology.Topology, p *Plan, w *World, opts Options) error {
	if len(p.Problems) > 0 {
		return fmt.Errorf("%w:\n  %s", ErrProblems, strings.Join(p.Problems, "\n  "))
	}
	// The password is needed only to create the primary: check it before
	// anything changes, so a missing variable loses no work.
	if p.has(idCluster(t.Primary().Name)) && w.Clusters[t.Primary().Name] == nil {
		if _, err := t.MasterPassword(); err != nil {
			return err
		}
	}
	return newExec(c, t, w, opts).run(ctx, p)
}

// PlanDestroy reads the world and plans the stack's removal.
func PlanDestroy(ctx context.Context, c *Clients, t *topology.Topology, liftDeletionProtection bool) (*Plan, *World, error) {
	w, err := Observe(ctx, c, t)
	if err != nil {
		return nil, nil, err
	}
	return planDestroy(t, w, liftDeletionProtection), w, nil
}

// planDestroy is the decision of PlanDestroy: the steps that remove what
// w holds.
func planDestroy(t *topology.Topology, w *World, liftDeletionProtection bool) *Plan {
	pl := &planner{t: t, w: w, n: Names{t.Name}, p: &Plan{Stack: t.Name, File: t.File, Kind: "destroy"}}
	(&destroyer{planner: pl, lift: liftDeletionProtection}).plan()
	return pl.p
}

// Destroy executes a destroy plan.
func Destroy(ctx context.Context, c *Clients, t *topology.Topology, p *Plan, w *World, opts Options) error {
	if len(p.Problems) > 0 {
		return fmt.Errorf("%w:\n  %s", ErrProblems, strings.Join(p.Problems, "\n  "))
	}
	return newExec(c, t, w, opts).run(ctx, p)
}
