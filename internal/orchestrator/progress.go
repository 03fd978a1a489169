package orchestrator

import (
	"encoding/json"
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

// NewLineReporter reports one structured (logfmt) line per event, for
// logs and CI.
func NewLineReporter(w io.Writer) Reporter { return &lineReporter{w: w} }

// NewJSONReporter reports one JSON object per line and event, with the
// keys of NewLineReporter's lines.
func NewJSONReporter(w io.Writer) Reporter { return &lineReporter{w: w, json: true} }

type lineReporter struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
}

func (r *lineReporter) line(kv ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if r.json {
		b := []byte(`{"time":` + strconv.Quote(now))
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := json.Marshal(kv[i])
			v, _ := json.Marshal(kv[i+1])
			b = append(append(append(append(b, ','), k...), ':'), v...)
		}
		_, _ = r.w.Write(append(b, "}\n"...))
		return
	}
	b := []byte("time=" + now)
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
