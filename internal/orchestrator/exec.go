package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/globaldb/globaldb/internal/topology"
)

// Options tune a run.
type Options struct {
	// PollMin and PollMax bound the poller's backoff (defaults 500 ms and
	// 30 s): AWS has no waiter for global clusters, so globaldb polls.
	PollMin, PollMax time.Duration
	// Parallel caps the steps running at once (default 8).
	Parallel int
	// Reporter receives progress; nil discards it.
	Reporter Reporter
	// LiftDeletionProtection lets destroy turn deletion protection off.
	LiftDeletionProtection bool
}

func (o *Options) defaults() {
	if o.PollMin <= 0 {
		o.PollMin = 500 * time.Millisecond
	}
	if o.PollMax <= 0 {
		o.PollMax = 30 * time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	if o.Reporter == nil {
		o.Reporter = discard{}
	}
}

// exec is the state shared by the steps of one run: clients, the
// topology, and what earlier steps learned (endpoints, IDs).
type exec struct {
	c    *Clients
	t    *topology.Topology
	n    Names
	w    *World
	opts Options

	mu       sync.Mutex
	clusters map[string]*rdstypes.DBCluster
	checks   map[string]string // "region/kind" → health check ID
	zoneID   string
	roleArns map[string]string
}

func newExec(c *Clients, t *topology.Topology, w *World, opts Options) *exec {
	opts.defaults()
	x := &exec{c: c, t: t, n: Names{t.Name}, w: w, opts: opts,
		clusters: map[string]*rdstypes.DBCluster{}, checks: map[string]string{}, roleArns: map[string]string{}}
	for r, cl := range w.Clusters {
		x.clusters[r] = cl
	}
	for k, hc := range w.Checks {
		x.checks[k] = derefStr(hc.Id)
	}
	if w.Zone != nil {
		x.zoneID = w.Zone.ID
	}
	for name, r := range w.Roles {
		x.roleArns[name] = r.Arn
	}
	return x
}

func derefStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (x *exec) setCluster(region string, c *rdstypes.DBCluster) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.clusters[region] = c
}

func (x *exec) cluster(region string) *rdstypes.DBCluster {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.clusters[region]
}

// zone is the stack's hosted zone ID, "" while unknown.
func (x *exec) zone() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.zoneID
}

// StepError is a step that failed, with the step's resource.
type StepError struct {
	Step *Step
	Err  error
}

func (e *StepError) Error() string { return fmt.Sprintf("%s: %v", e.Step.Resource, e.Err) }
func (e *StepError) Unwrap() error { return e.Err }

// run executes the plan's steps, each once every step it comes after has
// finished, up to opts.Parallel at a time. On the first failure no new
// step starts; running ones finish; the errors are joined.
func (x *exec) run(ctx context.Context, p *Plan) error {
	done := map[string]bool{}
	started := map[string]bool{}
	type result struct {
		s   *Step
		err error
	}
	results := make(chan result)
	running := 0
	var errs []error
	for {
		if len(errs) == 0 && ctx.Err() == nil {
			for _, s := range p.Steps {
				if started[s.ID] || running >= x.opts.Parallel {
					continue
				}
				ready := true
				for _, d := range s.After {
					ready = ready && done[d]
				}
				if !ready {
					continue
				}
				started[s.ID] = true
				running++
				go func(s *Step) {
					x.opts.Reporter.Start(s)
					t0 := time.Now()
					err := s.run(ctx, x, s)
					x.opts.Reporter.Done(s, time.Since(t0), err)
					results <- result{s, err}
				}(s)
			}
		}
		if running == 0 {
			break
		}
		r := <-results
		running--
		if r.err != nil {
			// Running steps finish their calls: cancelling them would
			// leave requests whose outcome nobody knows.
			errs = append(errs, &StepError{r.s, r.err})
			continue
		}
		done[r.s.ID] = true
	}
	if len(errs) == 0 && ctx.Err() != nil {
		return ctx.Err()
	}
	if len(errs) == 0 && len(done) != len(p.Steps) {
		return errors.New("plan has steps whose dependencies never finish")
	}
	return errors.Join(errs...)
}

// waitFor polls check with exponential backoff and jitter until it
// reports done, fails, or ctx ends. what names the awaited condition for
// progress output; check returns the state it saw.
func (x *exec) waitFor(ctx context.Context, s *Step, what string, check func(ctx context.Context) (done bool, state string, err error)) error {
	t0 := time.Now()
	var delay time.Duration
	ctx = context.WithValue(ctx, pollKey{}, true)
	last := ""
	for {
		ok, state, err := check(ctx)
		if err != nil && ctx.Err() != nil && last != "" {
			// The deadline cut a poll short: say what was seen last.
			return fmt.Errorf("waiting for %s (last state %q): %w", what, last, err)
		}
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		last = state
		if ok {
			return nil
		}
		x.opts.Reporter.Waiting(s, what, state, time.Since(t0))
		// The interval grows with the time already waited (a quarter of
		// it): short waits are seen promptly, long ones polled rarely.
		delay = min(max(x.opts.PollMin, time.Since(t0)/4), x.opts.PollMax)
		jitter := time.Duration(rand.Int64N(int64(delay)/10 + 1))
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s (last state %q): %w", what, state, ctx.Err())
		case <-time.After(delay + jitter):
		}
	}
}
