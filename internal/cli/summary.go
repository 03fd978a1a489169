package cli

import (
	"io"
	"sync"
	"time"

	"github.com/globaldb/globaldb/internal/orchestrator"
)

// runSummary is apply's and destroy's --output json document: what the
// run did, step by step.
type runSummary struct {
	Stack string `json:"stack"`
	File  string `json:"file"`
	Kind  string `json:"kind"` // apply or destroy
	// Complete is true when every step finished (and, for destroy, the
	// scan found nothing left).
	Complete bool                 `json:"complete"`
	Planned  orchestrator.Summary `json:"planned"`
	Steps    []stepResult         `json:"steps"`
	Notes    []string             `json:"notes,omitempty"`
	Problems []string             `json:"problems,omitempty"`
	// Left lists what destroy's scan by tag found.
	Left          []string `json:"left,omitempty"`
	Seconds       float64  `json:"seconds"`
	APICalls      int      `json:"api_calls"`
	MutatingCalls int      `json:"mutating_calls"`
	Error         string   `json:"error,omitempty"`
}

// stepResult is one step that ran.
type stepResult struct {
	ID       string              `json:"id"`
	Action   orchestrator.Action `json:"action"`
	Resource string              `json:"resource"`
	Region   string              `json:"region,omitempty"`
	Seconds  float64             `json:"seconds"`
	Error    string              `json:"error,omitempty"`
}

// newSummary starts the summary of running plan p.
func newSummary(p *orchestrator.Plan) *runSummary {
	return &runSummary{Stack: p.Stack, File: p.File, Kind: p.Kind, Planned: p.Summary(), Steps: []stepResult{},
		Notes: p.Notes, Problems: p.Problems}
}

// finish records the totals and writes the document.
func (s *runSummary) finish(w io.Writer, t0 time.Time, calls orchestrator.Counts, err error) error {
	s.Seconds = time.Since(t0).Seconds()
	s.APICalls, s.MutatingCalls = calls.Total, calls.Mutating
	if err != nil {
		s.Error = err.Error()
	}
	return writeJSON(w, s)
}

// recorder is a Reporter that keeps every finished step for the summary
// and passes everything on to the progress reporter it wraps.
type recorder struct {
	orchestrator.Reporter
	mu    sync.Mutex
	steps []stepResult
}

func (r *recorder) Done(s *orchestrator.Step, elapsed time.Duration, err error) {
	res := stepResult{ID: s.ID, Action: s.Action, Resource: s.Resource, Region: s.Region, Seconds: elapsed.Seconds()}
	if err != nil {
		res.Error = err.Error()
	}
	r.mu.Lock()
	r.steps = append(r.steps, res)
	r.mu.Unlock()
	r.Reporter.Done(s, elapsed, err)
}

// done returns the steps of p finished so far that p shows (not the
// waits that are part of another step), in the order they finished.
func (r *recorder) done(p *orchestrator.Plan) []stepResult {
	visible := map[string]bool{}
	for _, s := range p.Visible() {
		visible[s.ID] = true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []stepResult{}
	for _, s := range r.steps {
		if visible[s.ID] {
			out = append(out, s)
		}
	}
	return out
}
