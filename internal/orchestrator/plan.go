package orchestrator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// Action is what a step does to its resource.
type Action string

// The actions of a plan, printed terraform-like as +, ~, - and … .
const (
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
	// Wait is a step that changes nothing but waits for a resource that a
	// previous, interrupted run left in a transitional state.
	Wait Action = "wait"
)

func (a Action) symbol() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	case Delete:
		return "-"
	}
	return "…"
}

// Step is one ordered unit of a plan: one resource, the calls that change
// it, and the wait until AWS reports it done.
type Step struct {
	ID       string   `json:"id"`
	Action   Action   `json:"action"`
	Resource string   `json:"resource"`
	Region   string   `json:"region,omitempty"`
	Details  []string `json:"details,omitempty"`
	// After lists the IDs of the steps that must finish first.
	After []string `json:"after,omitempty"`

	// hidden steps are part of another step's work (the wait for a cluster
	// being created): not printed, not counted.
	hidden bool

	run func(ctx context.Context, x *exec, s *Step) error
}

// Plan is the ordered list of steps that brings the world to the
// topology (apply) or removes the stack (destroy).
type Plan struct {
	Stack string  `json:"stack"`
	File  string  `json:"file"`
	Kind  string  `json:"kind"` // "apply" or "destroy"
	Steps []*Step `json:"steps"`
	// Notes are things the user should know that are not changes, such
	// as a global writer that has moved by failover.
	Notes []string `json:"notes,omitempty"`
	// Problems stop apply: the world differs in a way globaldb cannot
	// converge (for example a changed engine version).
	Problems []string `json:"problems,omitempty"`
}

// Summary counts steps by action.
type Summary struct {
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
	Wait   int `json:"wait"`
}

// Summary counts the plan's steps by action.
func (p *Plan) Summary() Summary {
	var s Summary
	for _, st := range p.Steps {
		if st.hidden {
			continue
		}
		switch st.Action {
		case Create:
			s.Create++
		case Update:
			s.Update++
		case Delete:
			s.Delete++
		case Wait:
			s.Wait++
		}
	}
	return s
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Visible()) == 0 }

// Visible returns the steps people see: all but waits that are part of
// another step.
func (p *Plan) Visible() []*Step {
	var out []*Step
	for _, s := range p.Steps {
		if !s.hidden {
			out = append(out, s)
		}
	}
	return out
}

func (p *Plan) add(s *Step) *Step {
	for _, have := range p.Steps {
		if have.ID == s.ID {
			panic("duplicate step " + s.ID)
		}
	}
	p.Steps = append(p.Steps, s)
	return s
}

func (p *Plan) has(id string) bool {
	for _, s := range p.Steps {
		if s.ID == id {
			return true
		}
	}
	return false
}

// deps returns the IDs among ids that are steps of the plan: a step need
// not wait for one that is not there because its resource already exists.
func (p *Plan) deps(ids ...string) []string {
	var out []string
	for _, id := range ids {
		if p.has(id) && !contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// moveBefore moves step id to just before step next in the plan's list
// (the order plan shows); a step already before next stays.
func (p *Plan) moveBefore(id, next string) {
	i := slices.IndexFunc(p.Steps, func(s *Step) bool { return s.ID == id })
	j := slices.IndexFunc(p.Steps, func(s *Step) bool { return s.ID == next })
	if i < 0 || j < 0 || i < j {
		return
	}
	s := p.Steps[i]
	p.Steps = slices.Insert(slices.Delete(p.Steps, i, i+1), j, s)
}

// depsPrefix returns the IDs of the plan's steps that start with prefix.
func (p *Plan) depsPrefix(prefix string) []string {
	var out []string
	for _, s := range p.Steps {
		if strings.HasPrefix(s.ID, prefix) {
			out = append(out, s.ID)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortStrings(s []string) { sort.Strings(s) }

// WriteText prints the plan for people, terraform-like.
func (p *Plan) WriteText(w io.Writer) {
	verb := "bring it to the topology"
	if p.Kind == "destroy" {
		verb = "remove it"
	}
	fmt.Fprintf(w, "Stack %q (%s)\n", p.Stack, p.File)
	for _, n := range p.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
	for _, pr := range p.Problems {
		fmt.Fprintf(w, "\nProblem: %s\n", pr)
	}
	if p.Empty() {
		if p.Kind == "destroy" {
			fmt.Fprintf(w, "\nNothing to destroy: no resource of the stack exists.\n")
		} else {
			fmt.Fprintf(w, "\nNo changes: the world matches the topology.\n")
		}
		return
	}
	fmt.Fprintf(w, "\nglobaldb will take these steps, in this order, to %s:\n\n", verb)
	for _, s := range p.Visible() {
		fmt.Fprintf(w, "  %s %s\n", s.Action.symbol(), s.Resource)
		for _, d := range s.Details {
			fmt.Fprintf(w, "      %s\n", d)
		}
	}
	sum := p.Summary()
	fmt.Fprintf(w, "\nPlan: %d to create, %d to change, %d to delete", sum.Create, sum.Update, sum.Delete)
	if sum.Wait > 0 {
		fmt.Fprintf(w, ", %d to wait for", sum.Wait)
	}
	fmt.Fprintln(w, ".")
}

// WriteJSON prints the plan as one JSON document.
func (p *Plan) WriteJSON(w io.Writer) error {
	doc := struct {
		Stack    string   `json:"stack"`
		File     string   `json:"file"`
		Kind     string   `json:"kind"`
		Summary  Summary  `json:"summary"`
		Steps    []*Step  `json:"steps"`
		Notes    []string `json:"notes,omitempty"`
		Problems []string `json:"problems,omitempty"`
	}{p.Stack, p.File, p.Kind, p.Summary(), p.Visible(), p.Notes, p.Problems}
	if doc.Steps == nil {
		doc.Steps = []*Step{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// step returns the plan's step with id, or nil.
func (p *Plan) step(id string) *Step {
	for _, s := range p.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}
