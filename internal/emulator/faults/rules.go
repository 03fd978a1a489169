package faults

import (
	"fmt"
	"strings"
	"time"
)

// validate checks that f names a known kind, the fields its kind needs
// and none that it does not. known reports whether a region exists.
func validate(f Fault, known func(string) bool) error {
	if f.Kind == "" {
		return &ValidationError{Field: "kind", Msg: "required; one of " + kindList()}
	}
	if !f.Kind.valid() {
		return &ValidationError{Field: "kind", Msg: fmt.Sprintf("unknown kind %q; one of %s", f.Kind, kindList())}
	}
	if f.Kind == LinkFault {
		return validateLink(f, known)
	}
	if err := unused(f.Kind, map[string]bool{"from": f.From != "", "to": f.To != "", "delay": f.Delay != 0, "cut": f.Cut}); err != nil {
		return err
	}
	if err := region("region", f.Region, known); err != nil {
		return err
	}
	switch {
	case f.Kind == InstanceFailure && f.Instance == "":
		return &ValidationError{Field: "instance", Msg: "required: the DB instance identifier to fail"}
	case f.Kind != InstanceFailure && f.Instance != "":
		return &ValidationError{Field: "instance", Msg: fmt.Sprintf("not used by %s faults (did you mean %s?)", f.Kind, InstanceFailure)}
	}
	return nil
}

func validateLink(f Fault, known func(string) bool) error {
	if err := unused(f.Kind, map[string]bool{"region": f.Region != "", "instance": f.Instance != ""}); err != nil {
		return err
	}
	if err := region("from", f.From, known); err != nil {
		return err
	}
	if err := region("to", f.To, known); err != nil {
		return err
	}
	switch {
	case f.From == f.To:
		return &ValidationError{Field: "to", Msg: fmt.Sprintf("must differ from from (%s): a link joins two regions", f.From)}
	case f.Delay < 0:
		return &ValidationError{Field: "delay", Msg: fmt.Sprintf("must be positive, got %s", f.Delay)}
	case f.Delay > 0 && f.Cut:
		return &ValidationError{Field: "cut", Msg: "give either a delay or cut, not both"}
	case f.Delay == 0 && !f.Cut:
		return &ValidationError{Field: "delay", Msg: `give a delay (e.g. "200ms") or cut`}
	}
	return nil
}

// unused refuses fields (named by their JSON name) that kind does not use.
func unused(kind Kind, set map[string]bool) error {
	for _, name := range []string{"region", "instance", "from", "to", "delay", "cut"} {
		if set[name] {
			return &ValidationError{Field: name, Msg: fmt.Sprintf("not used by %s faults", kind)}
		}
	}
	return nil
}

func region(field, name string, known func(string) bool) error {
	switch {
	case name == "":
		return &ValidationError{Field: field, Msg: "required: a region name such as us-east-1"}
	case known != nil && !known(name):
		return &ValidationError{Field: field, Msg: fmt.Sprintf("unknown region %q", name)}
	}
	return nil
}

func kindList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// identical reports whether a and b have the same effect; a link is the
// same link named in either order.
func identical(a, b Fault) bool {
	a.ID, b.ID = "", ""
	a.Created, b.Created = time.Time{}, time.Time{}
	if a.Kind == LinkFault && b.Kind == LinkFault && a.From == b.To && a.To == b.From {
		b.From, b.To = b.To, b.From
	}
	return a == b
}

// footprint is what a fault takes down: DB instances (all of a region's
// when instance is "") and links (every link of linksOf, or one pair).
type footprint struct {
	instRegion, instance string
	linksOf              string
	pair                 [2]string
}

// An outage also counts as holding the region's links: the controller may
// take the region's WAN proxies down with its instances, so clearing an
// isolation or link fault re-asserts it.
func footprintOf(f Fault) footprint {
	switch f.Kind {
	case RegionOutage:
		return footprint{instRegion: f.Region, linksOf: f.Region}
	case RegionIsolation:
		return footprint{linksOf: f.Region}
	case InstanceFailure:
		return footprint{instRegion: f.Region, instance: f.Instance}
	case LinkFault:
		if f.To < f.From {
			return footprint{pair: [2]string{f.To, f.From}}
		}
		return footprint{pair: [2]string{f.From, f.To}}
	}
	return footprint{}
}

// overlaps reports whether reverting a can undo part of what b requires,
// so that b must be re-applied after a is cleared (and vice versa).
func overlaps(a, b Fault) bool {
	fa, fb := footprintOf(a), footprintOf(b)
	if fa.instRegion != "" && fa.instRegion == fb.instRegion &&
		(fa.instance == "" || fb.instance == "" || fa.instance == fb.instance) {
		return true
	}
	switch {
	case fa.linksOf != "" && fb.linksOf != "":
		// Both hold every link of their region; they share the pair
		// between the two (or are the same region).
		return true
	case fa.linksOf != "" && fb.pair[0] != "":
		return fa.linksOf == fb.pair[0] || fa.linksOf == fb.pair[1]
	case fb.linksOf != "" && fa.pair[0] != "":
		return fb.linksOf == fa.pair[0] || fb.linksOf == fa.pair[1]
	case fa.pair[0] != "" && fb.pair[0] != "":
		return fa.pair == fb.pair
	}
	return false
}
