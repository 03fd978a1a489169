package orchestrator

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// StillEvery is how often a human reporter says a step is still running.
const StillEvery = 10 * time.Second

// NewHumanReporter reports for people, the way terraform does: a line
// when a step starts, "Still creating… [10s elapsed]" every `every` while
// it runs, and a line when it completes. Every line names its resource
// and is appended, never rewritten, so steps running in parallel do not
// overwrite each other and the output reads the same in a terminal, a
// pipe or a log.
func NewHumanReporter(w io.Writer, every time.Duration) Reporter {
	return newHumanReporter(w, time.Now, every, time.Second)
}

// newHumanReporter takes its clock, and how often a goroutine looks for
// steps due a "still" line (0: none; the caller calls tick).
func newHumanReporter(w io.Writer, now func() time.Time, every, tickEvery time.Duration) *humanReporter {
	if every <= 0 {
		every = StillEvery
	}
	return &humanReporter{w: w, now: now, every: every, tickEvery: tickEvery, running: map[*Step]*stepProgress{}}
}

type humanReporter struct {
	w         io.Writer
	now       func() time.Time
	every     time.Duration
	tickEvery time.Duration

	mu      sync.Mutex
	running map[*Step]*stepProgress
	seq     int
	// stop ends the ticker goroutine; non-nil while it runs, which is
	// while a step runs: the goroutine never outlives the run.
	stop chan struct{}
}

type stepProgress struct {
	seq   int // start order, for a stable order of "still" lines
	start time.Time
	next  time.Duration // elapsed time of the next "still" line
	state string        // the last state a poll saw
}

// words is how a step's lines read for each action.
type words struct{ doing, still, complete, failed string }

func wordsFor(a Action) words {
	switch a {
	case Create:
		return words{"Creating", "Still creating", "Creation complete", "Creation failed"}
	case Update:
		return words{"Modifying", "Still modifying", "Modifications complete", "Modification failed"}
	case Delete:
		return words{"Destroying", "Still destroying", "Destruction complete", "Destruction failed"}
	case roleChange:
		return words{"Starting", "Still in progress", "Complete", "Failed"}
	}
	return words{"Waiting", "Still waiting", "Ready", "Wait failed"}
}

func (r *humanReporter) Start(s *Step) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.begin(s, r.now())
}

// begin records s as running since t0 and prints its first line.
func (r *humanReporter) begin(s *Step, t0 time.Time) *stepProgress {
	p := &stepProgress{seq: r.seq, start: t0, next: r.every}
	r.seq++
	r.running[s] = p
	fmt.Fprintf(r.w, "%s: %s…\n", s.Resource, wordsFor(s.Action).doing)
	if r.tickEvery > 0 && r.stop == nil {
		r.stop = make(chan struct{})
		go r.ticker(r.stop)
	}
	return p
}

func (r *humanReporter) Waiting(s *Step, _, state string, elapsed time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.running[s]
	if p == nil { // a wait outside a started step
		p = r.begin(s, r.now().Add(-elapsed))
	}
	p.state = state
}

func (r *humanReporter) Done(s *Step, elapsed time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.running, s)
	if len(r.running) == 0 && r.stop != nil {
		close(r.stop)
		r.stop = nil
	}
	w := wordsFor(s.Action)
	if err != nil {
		fmt.Fprintf(r.w, "%s: %s after %s: %v\n", s.Resource, w.failed, roundElapsed(elapsed), err)
		return
	}
	fmt.Fprintf(r.w, "%s: %s after %s\n", s.Resource, w.complete, roundElapsed(elapsed))
}

func (r *humanReporter) ticker(stop <-chan struct{}) {
	t := time.NewTicker(r.tickEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			r.tick()
		}
	}
}

// tick prints a "still" line for every running step whose elapsed time
// has passed its next multiple of every, in the order the steps started.
func (r *humanReporter) tick() {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	due := make([]*Step, r.seq)
	for s, p := range r.running {
		if now.Sub(p.start) >= p.next {
			due[p.seq] = s
		}
	}
	for _, s := range due {
		if s == nil {
			continue
		}
		p := r.running[s]
		elapsed := now.Sub(p.start)
		for p.next <= elapsed {
			p.next += r.every
		}
		line := fmt.Sprintf("%s: %s… [%s elapsed]", s.Resource, wordsFor(s.Action).still, elapsed.Truncate(time.Second))
		if st := shortState(s, p.state); st != "" {
			line += " (now " + st + ")"
		}
		fmt.Fprintln(r.w, line)
	}
}

// roundElapsed shows a duration as terraform does: whole seconds, and
// minutes past a minute (1m5s).
func roundElapsed(d time.Duration) string {
	return d.Round(time.Second).String()
}

// shortState drops a leading word of state that the resource already
// names ("seed-ap-southeast-1-1 creating" → "creating").
func shortState(s *Step, state string) string {
	if first, rest, ok := strings.Cut(state, " "); ok && strings.Contains(s.Resource, first) {
		return rest
	}
	return state
}
