// Package faultstest provides a recording faults.Injector for tests of the
// fault registry and of what is built on it.
package faultstest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/faults"
)

// Recorder is a faults.Injector that records each call as one line, e.g.
// "RegionOutage ap-southeast-1 on" or
// "Link ap-southeast-1 ap-southeast-2 delay=200ms cut=false off", and
// fails the calls registered with Fail. It is safe for concurrent use.
type Recorder struct {
	mu    sync.Mutex
	calls []string
	fail  map[string]error
}

var _ faults.Injector = (*Recorder)(nil)

// Calls returns the calls recorded since the last Reset.
func (r *Recorder) Calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// Reset forgets the recorded calls (not the failures).
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = nil
}

// Fail makes every later call recorded as call return err (nil stops it).
func (r *Recorder) Fail(call string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail == nil {
		r.fail = map[string]error{}
	}
	if err == nil {
		delete(r.fail, call)
		return
	}
	r.fail[call] = err
}

func (r *Recorder) record(format string, args ...any) error {
	call := fmt.Sprintf(format, args...)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call)
	return r.fail[call]
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// RegionOutage implements faults.Injector.
func (r *Recorder) RegionOutage(_ context.Context, region string, on bool) error {
	return r.record("RegionOutage %s %s", region, onOff(on))
}

// RegionIsolation implements faults.Injector.
func (r *Recorder) RegionIsolation(_ context.Context, region string, on bool) error {
	return r.record("RegionIsolation %s %s", region, onOff(on))
}

// InstanceFailure implements faults.Injector.
func (r *Recorder) InstanceFailure(_ context.Context, region, instance string, on bool) error {
	return r.record("InstanceFailure %s %s %s", region, instance, onOff(on))
}

// Link implements faults.Injector.
func (r *Recorder) Link(_ context.Context, from, to string, delay time.Duration, cut, on bool) error {
	return r.record("Link %s %s delay=%s cut=%t %s", from, to, delay, cut, onOff(on))
}
