package faults

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Registry is the book of active faults. It is safe for concurrent use:
// changes (Add, Clear, ClearAll) are serialised, so the Injector sees one
// change at a time, while List and RegionDown never wait for an Injector
// call in progress.
type Registry struct {
	inj   Injector
	known func(string) bool
	now   func() time.Time

	change sync.Mutex // held for a whole Add, Clear or ClearAll

	mu     sync.RWMutex // guards the fields below
	next   int
	active []Fault // in ID order
}

// NewRegistry returns an empty Registry applying faults through inj.
// known reports whether a region exists (nil accepts any name); clock
// stamps Created (nil means time.Now).
func NewRegistry(inj Injector, known func(region string) bool, clock func() time.Time) *Registry {
	if clock == nil {
		clock = time.Now
	}
	return &Registry{inj: inj, known: known, now: clock}
}

// Add validates f, applies it and records it with a fresh ID ("f-1",
// "f-2", …) and Created time; f's own ID and Created are ignored. Bad
// input and a duplicate of an active fault give a *ValidationError. If the
// Injector fails, Add reverts what it may have applied, re-applies the
// active faults that overlap it and records nothing.
func (r *Registry) Add(ctx context.Context, f Fault) (Fault, error) {
	f.ID, f.Created = "", time.Time{}
	if err := validate(f, r.known); err != nil {
		return Fault{}, err
	}
	r.change.Lock()
	defer r.change.Unlock()
	for _, g := range r.List() {
		if identical(f, g) {
			return Fault{}, &ValidationError{Msg: fmt.Sprintf("an identical fault is already active: %s (%s)", g.ID, g)}
		}
	}
	if err := r.apply(ctx, f, true); err != nil {
		undo := r.revert(context.WithoutCancel(ctx), f)
		return Fault{}, errors.Join(fmt.Errorf("inject %s: %w", f, err), undo)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	f.ID, f.Created = "f-"+strconv.Itoa(r.next), r.now()
	r.active = append(r.active, f)
	return f, nil
}

// List returns the active faults in ID order.
func (r *Registry) List() []Fault {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.active)
}

// Clear reverts the fault with the given ID, forgets it and re-applies the
// remaining faults that overlap it (an outage and an isolation of the same
// region, two faults on one link, …) so that they stay in effect. An
// unknown ID gives ErrNotFound. If reverting fails, the fault stays
// recorded so that Clear can be retried.
func (r *Registry) Clear(ctx context.Context, id string) error {
	r.change.Lock()
	defer r.change.Unlock()
	all := r.List()
	i := slices.IndexFunc(all, func(f Fault) bool { return f.ID == id })
	if i < 0 {
		return fmt.Errorf("clear %s: %w", id, ErrNotFound)
	}
	f := all[i]
	if err := r.apply(ctx, f, false); err != nil {
		return fmt.Errorf("revert %s: %w", id, err)
	}
	r.remove(id)
	return r.reapply(context.WithoutCancel(ctx), f)
}

// ClearAll reverts every active fault, newest first, and forgets those it
// reverted. On errors the faults it could not revert stay recorded and are
// re-applied, and the errors are returned joined.
func (r *Registry) ClearAll(ctx context.Context) error {
	r.change.Lock()
	defer r.change.Unlock()
	all := r.List()
	var errs []error
	for i := len(all) - 1; i >= 0; i-- {
		f := all[i]
		if err := r.apply(ctx, f, false); err != nil {
			errs = append(errs, fmt.Errorf("revert %s: %w", f.ID, err))
			continue
		}
		r.remove(f.ID)
	}
	if len(errs) == 0 {
		return nil
	}
	for _, f := range r.List() {
		if err := r.apply(context.WithoutCancel(ctx), f, true); err != nil {
			errs = append(errs, fmt.Errorf("re-apply %s: %w", f.ID, err))
		}
	}
	return errors.Join(errs...)
}

// RegionDown reports whether a region-outage fault is active for region.
// The router uses it to refuse the region's API calls. An isolated region
// is not down: its API still answers (AWS's control plane is regional).
func (r *Registry) RegionDown(region string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, f := range r.active {
		if f.Kind == RegionOutage && f.Region == region {
			return true
		}
	}
	return false
}

// revert undoes f (which need not be recorded) and re-applies the active
// faults that overlap it.
func (r *Registry) revert(ctx context.Context, f Fault) error {
	if err := r.apply(ctx, f, false); err != nil {
		return fmt.Errorf("revert %s: %w", f, err)
	}
	return r.reapply(ctx, f)
}

// reapply re-applies, in ID order, every active fault that overlaps
// cleared, whose revert may have undone part of them.
func (r *Registry) reapply(ctx context.Context, cleared Fault) error {
	var errs []error
	for _, g := range r.List() {
		if !overlaps(cleared, g) {
			continue
		}
		if err := r.apply(ctx, g, true); err != nil {
			errs = append(errs, fmt.Errorf("re-apply %s: %w", g.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (r *Registry) apply(ctx context.Context, f Fault, on bool) error {
	switch f.Kind {
	case RegionOutage:
		return r.inj.RegionOutage(ctx, f.Region, on)
	case RegionIsolation:
		return r.inj.RegionIsolation(ctx, f.Region, on)
	case InstanceFailure:
		return r.inj.InstanceFailure(ctx, f.Region, f.Instance, on)
	case LinkFault:
		return r.inj.Link(ctx, f.From, f.To, time.Duration(f.Delay), f.Cut, on)
	}
	return fmt.Errorf("apply %s: unknown kind", f)
}

func (r *Registry) remove(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.active = slices.DeleteFunc(r.active, func(f Fault) bool { return f.ID == id })
}
