// Package faults keeps the emulator's book of injected faults: what is
// active, since when, and how to undo it. It validates requests, applies
// and reverts them through an Injector (implemented by the emulator's
// controller) and, when faults overlap, re-applies what is still wanted
// after one of them is cleared. It imports no HTTP; the adminapi package is
// its wire layer.
//
//	admin API / CLI ──► Registry.Add/Clear ──► Injector ──► controller ──► engine, netsim
//	router ──► Registry.RegionDown (refuse regional API calls while a region is out)
package faults

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind names a kind of fault.
type Kind string

// The kinds of fault the emulator can inject.
const (
	// RegionOutage stops every DB instance of Region; its endpoints refuse
	// connections and its regional API calls are refused.
	RegionOutage Kind = "region-outage"
	// RegionIsolation cuts every WAN link of Region; the region keeps
	// running but cannot reach, or be reached from, other regions.
	RegionIsolation Kind = "region-isolation"
	// InstanceFailure stops one DB instance (Instance in Region).
	InstanceFailure Kind = "instance-failure"
	// LinkFault delays or cuts the WAN link between From and To.
	LinkFault Kind = "link"
)

// Kinds lists every Kind, in the order help texts show them.
var Kinds = []Kind{RegionOutage, RegionIsolation, InstanceFailure, LinkFault}

// String returns the kind's wire name.
func (k Kind) String() string { return string(k) }

func (k Kind) valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// Fault is one injected fault. Which fields apply depends on Kind: Region
// for region-outage, region-isolation and instance-failure; Instance for
// instance-failure; From, To and one of Delay or Cut for link. ID and
// Created are assigned by the Registry.
type Fault struct {
	ID       string   `json:"id"`
	Kind     Kind     `json:"kind"`
	Region   string   `json:"region,omitempty"`
	Instance string   `json:"instance,omitempty"`
	From     string   `json:"from,omitempty"`
	To       string   `json:"to,omitempty"`
	Delay    Duration `json:"delay,omitempty"`
	Cut      bool     `json:"cut,omitempty"`
	// Created is when the fault was injected, by the Registry's clock.
	Created time.Time `json:"created"`
}

// Params renders the fault's target as key=value pairs, e.g.
// "region=ap-southeast-1" or "from=a to=b delay=200ms".
func (f Fault) Params() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("region", f.Region)
	add("instance", f.Instance)
	add("from", f.From)
	add("to", f.To)
	if f.Delay != 0 {
		add("delay", f.Delay.String())
	}
	if f.Cut {
		parts = append(parts, "cut")
	}
	return strings.Join(parts, " ")
}

// String renders the fault without its ID, e.g.
// "region-outage region=ap-southeast-1".
func (f Fault) String() string {
	if p := f.Params(); p != "" {
		return string(f.Kind) + " " + p
	}
	return string(f.Kind)
}

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("200ms").
type Duration time.Duration

// String formats the duration like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes the duration as a string such as "200ms".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string such as "200ms" or "1.5s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string such as \"200ms\", got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration string such as \"200ms\": %w", err)
	}
	*d = Duration(v)
	return nil
}

// ErrNotFound is returned (wrapped) by Registry.Clear for an ID that is not
// active.
var ErrNotFound = errors.New("fault not found")

// ValidationError reports a fault request that cannot be applied as given.
// Field names the offending JSON field, or is "" when the request as a whole
// is refused (e.g. a duplicate).
type ValidationError struct {
	Field string
	Msg   string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// Injector applies and reverts faults on the running emulator; the
// emulator's controller implements it.
//
// Contract: every method is idempotent and safe for concurrent use, but the
// Registry never calls it concurrently. on==true only adds its effect: it
// never heals a link or restarts an instance that another call took down.
// on==false reverts the fault's whole effect, even parts another active
// fault also required; the Registry then re-applies those faults.
type Injector interface {
	// RegionOutage stops (on) or restarts (off) every DB instance of region
	// and makes its endpoints refuse connections.
	RegionOutage(ctx context.Context, region string, on bool) error
	// RegionIsolation cuts (on) or heals (off) every link of region.
	RegionIsolation(ctx context.Context, region string, on bool) error
	// InstanceFailure stops (on) or restarts (off) one DB instance.
	InstanceFailure(ctx context.Context, region, instance string, on bool) error
	// Link imposes a one-way delay on, or cuts (cut==true), the link
	// between from and to (either order names the same link). on==false
	// restores the pair's default delay and heals it.
	Link(ctx context.Context, from, to string, delay time.Duration, cut bool, on bool) error
}
