package orchestrator

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// Reporter receives a run's progress.
type Reporter interface {
	Start(s *Step)
	// Waiting is called on each poll that finds the awaited condition not
	// yet true, with what the step waits for and the state seen.
	Waiting(s *Step, what, state string, elapsed time.Duration)
	Done(s *Step, elapsed time.Duration, err error)
}

type discard struct{}

func (discard) Start(*Step)                                  {}
func (discard) Waiting(*Step, string, string, time.Duration) {}
func (discard) Done(*Step, time.Duration, error)             {}

// NewTTYReporter reports for a terminal: a line per finished step and
// one status line, rewritten in place, for what is being waited for.
func NewTTYReporter(w io.Writer) Reporter { return &ttyReporter{w: w, t0: time.Now()} }

type ttyReporter struct {
	mu     sync.Mutex
	w      io.Writer
	t0     time.Time
	status bool
}

func (r *ttyReporter) clear() {
	if r.status {
		fmt.Fprint(r.w, "\r\033[K")
		r.status = false
	}
}

func (r *ttyReporter) Start(s *Step) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clear()
	fmt.Fprintf(r.w, "%6.1fs  %s %s …\n", time.Since(r.t0).Seconds(), s.Action.symbol(), s.Resource)
}

func (r *ttyReporter) Waiting(s *Step, what, state string, elapsed time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clear()
	fmt.Fprintf(r.w, "%6.1fs  waiting %.0fs for %s (now %s)", time.Since(r.t0).Seconds(), elapsed.Seconds(), what, state)
	r.status = true
}

func (r *ttyReporter) Done(s *Step, elapsed time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clear()
	if err != nil {
		fmt.Fprintf(r.w, "%6.1fs  ✗ %s failed after %.1fs: %v\n", time.Since(r.t0).Seconds(), s.Resource, elapsed.Seconds(), err)
		return
	}
	fmt.Fprintf(r.w, "%6.1fs  ✓ %s (%.1fs)\n", time.Since(r.t0).Seconds(), s.Resource, elapsed.Seconds())
}

// NewLineReporter reports one structured (logfmt) line per event, for
// logs and CI.
func NewLineReporter(w io.Writer) Reporter { return &lineReporter{w: w} }

type lineReporter struct {
	mu sync.Mutex
	w  io.Writer
}

func (r *lineReporter) line(kv ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := []byte("time=" + time.Now().UTC().Format(time.RFC3339Nano))
	for i := 0; i+1 < len(kv); i += 2 {
		b = append(b, ' ')
		b = append(b, kv[i]...)
		b = append(b, '=')
		b = append(b, logfmtValue(kv[i+1])...)
	}
	b = append(b, '\n')
	_, _ = r.w.Write(b)
}

func logfmtValue(v string) string {
	for _, c := range v {
		if c <= ' ' || c == '"' || c == '=' || c > '~' {
			return strconv.Quote(v)
		}
	}
	if v == "" {
		return `""`
	}
	return v
}

func (r *lineReporter) Start(s *Step) {
	r.line("event", "start", "step", s.ID, "action", string(s.Action), "resource", s.Resource)
}

func (r *lineReporter) Waiting(s *Step, what, state string, elapsed time.Duration) {
	r.line("event", "waiting", "step", s.ID, "for", what, "state", state, "elapsed", fmt.Sprintf("%.1fs", elapsed.Seconds()))
}

func (r *lineReporter) Done(s *Step, elapsed time.Duration, err error) {
	if err != nil {
		r.line("event", "failed", "step", s.ID, "elapsed", fmt.Sprintf("%.1fs", elapsed.Seconds()), "error", err.Error())
		return
	}
	r.line("event", "done", "step", s.ID, "elapsed", fmt.Sprintf("%.1fs", elapsed.Seconds()))
}
