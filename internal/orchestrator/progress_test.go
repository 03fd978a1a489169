package orchestrator

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// TestHumanReporter_Golden plays an apply in which two instances are
// created in parallel and one step fails, with a clock the test moves:
// one line per start and completion, "still" lines every 10 s per
// resource, nothing rewritten in place.
func TestHumanReporter_Golden(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	var buf bytes.Buffer
	r := newHumanReporter(&buf, clk.now, 10*time.Second, 0)
	step := func(a Action, res string) *Step { return &Step{ID: res, Action: a, Resource: res} }
	role := step(Create, "iam role seed-app")
	i1 := step(Create, "rds instance seed-ap-southeast-1-1 (ap-southeast-1)")
	i2 := step(Create, "rds instance seed-ap-southeast-1-2 (ap-southeast-1)")
	ready := step(Wait, "rds cluster seed-ap-southeast-1 (ap-southeast-1) available")
	hc := step(Update, "route53 health check seed-ap-southeast-1-writer (4f1c)")
	old := step(Delete, "rds instance seed-ap-southeast-1-3 (ap-southeast-1)")

	// advance moves the clock a second at a time, as the ticker would.
	advance := func(d time.Duration) {
		for range int(d / time.Second) {
			clk.advance(time.Second)
			r.tick()
		}
	}
	r.Start(role)
	advance(time.Second)
	r.Done(role, time.Second, nil)
	r.Start(i1)
	r.Start(i2)
	r.Waiting(i1, "instance seed-ap-southeast-1-1 available", "seed-ap-southeast-1-1 creating", 0)
	advance(4 * time.Second)
	r.Start(old)
	r.Waiting(i2, "instance seed-ap-southeast-1-2 available", "backing-up", 4*time.Second)
	advance(8 * time.Second)
	r.Done(i1, 12*time.Second, nil)
	r.Start(hc)
	r.Done(hc, 300*time.Millisecond, errors.New("InvalidInput: bad port"))
	advance(13 * time.Second)
	r.Done(old, 21*time.Second, nil)
	r.Done(i2, 25*time.Second, nil)
	r.Start(ready)
	advance(65 * time.Second)
	r.Done(ready, 65*time.Second, nil)
	fo := roleChangeStep(ModeFailover, "ap-southeast-1", "ap-southeast-2")
	r.Start(fo)
	r.Waiting(fo, "ap-southeast-2 writes", "global failing-over, writer ap-southeast-2, target failing-over", time.Second)
	advance(12 * time.Second)
	r.Done(fo, 12*time.Second, nil)

	out := buf.String()
	if strings.ContainsAny(out, "\r\033") {
		t.Errorf("output rewrites lines in place:\n%q", out)
	}
	golden(t, "progress-human.txt", buf.Bytes())
}

// TestHumanReporter_Ticker: with the real clock, a step that runs longer
// than the interval gets "still" lines from the reporter's own goroutine,
// which ends when the last step is done.
func TestHumanReporter_Ticker(t *testing.T) {
	var buf syncBuffer
	r := newHumanReporter(&buf, time.Now, 50*time.Millisecond, 10*time.Millisecond)
	s := &Step{ID: "x", Action: Create, Resource: "rds cluster seed-ap-southeast-2 (ap-southeast-2)"}
	r.Start(s)
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(buf.String(), "Still creating…") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no two \"still\" lines within 10 s:\n%s", buf.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.Done(s, time.Second, nil)
	r.mu.Lock()
	stopped := r.stop == nil
	r.mu.Unlock()
	if !stopped {
		t.Error("the ticker goroutine still runs after the last step is done")
	}
	if !strings.HasSuffix(buf.String(), "rds cluster seed-ap-southeast-2 (ap-southeast-2): Creation complete after 1s\n") {
		t.Errorf("last line is not the completion:\n%s", buf.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
