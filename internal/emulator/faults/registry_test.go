package faults_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/emulator/faults/faultstest"
	"github.com/globaldb/globaldb/internal/regions"
)

const (
	sg  = "ap-southeast-1"
	syd = "ap-southeast-2"
	use = "us-east-1"
)

var t0 = time.Date(2025, 1, 2, 12, 0, 1, 0, time.UTC)

func known(name string) bool { _, ok := regions.Lookup(name); return ok }

func newRegistry(t *testing.T) (*faults.Registry, *faultstest.Recorder) {
	t.Helper()
	rec := &faultstest.Recorder{}
	return faults.NewRegistry(rec, known, func() time.Time { return t0 }), rec
}

func outage(r string) faults.Fault    { return faults.Fault{Kind: faults.RegionOutage, Region: r} }
func isolation(r string) faults.Fault { return faults.Fault{Kind: faults.RegionIsolation, Region: r} }
func instance(r, id string) faults.Fault {
	return faults.Fault{Kind: faults.InstanceFailure, Region: r, Instance: id}
}
func delay(a, b string, d time.Duration) faults.Fault {
	return faults.Fault{Kind: faults.LinkFault, From: a, To: b, Delay: faults.Duration(d)}
}
func cut(a, b string) faults.Fault {
	return faults.Fault{Kind: faults.LinkFault, From: a, To: b, Cut: true}
}

func mustAdd(t *testing.T, reg *faults.Registry, fs ...faults.Fault) {
	t.Helper()
	for _, f := range fs {
		if _, err := reg.Add(context.Background(), f); err != nil {
			t.Fatalf("Add(%s): %v", f, err)
		}
	}
}

func ids(fs []faults.Fault) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func TestRegistry_Add(t *testing.T) {
	tests := []struct {
		name      string
		f         faults.Fault
		wantField string // "" with wantCall: accepted
		wantCall  string
	}{
		{name: "outage", f: outage(sg), wantCall: "RegionOutage ap-southeast-1 on"},
		{name: "isolation", f: isolation(syd), wantCall: "RegionIsolation ap-southeast-2 on"},
		{name: "instance failure", f: instance(sg, "db-1"), wantCall: "InstanceFailure ap-southeast-1 db-1 on"},
		{name: "link delay", f: delay(sg, syd, 200*time.Millisecond), wantCall: "Link ap-southeast-1 ap-southeast-2 delay=200ms cut=false on"},
		{name: "link cut", f: cut(sg, syd), wantCall: "Link ap-southeast-1 ap-southeast-2 delay=0s cut=true on"},
		{name: "ID and Created ignored", f: faults.Fault{ID: "f-99", Kind: faults.RegionOutage, Region: sg, Created: t0.Add(time.Hour)}, wantCall: "RegionOutage ap-southeast-1 on"},
		{name: "no kind", f: faults.Fault{Region: sg}, wantField: "kind"},
		{name: "unknown kind", f: faults.Fault{Kind: "meteor", Region: sg}, wantField: "kind"},
		{name: "outage without region", f: outage(""), wantField: "region"},
		{name: "unknown region", f: outage("mars-north-1"), wantField: "region"},
		{name: "outage with instance", f: faults.Fault{Kind: faults.RegionOutage, Region: sg, Instance: "db-1"}, wantField: "instance"},
		{name: "isolation with link fields", f: faults.Fault{Kind: faults.RegionIsolation, Region: sg, To: syd}, wantField: "to"},
		{name: "instance failure without instance", f: instance(sg, ""), wantField: "instance"},
		{name: "instance failure without region", f: instance("", "db-1"), wantField: "region"},
		{name: "link without from", f: cut("", syd), wantField: "from"},
		{name: "link to unknown region", f: cut(sg, "atlantis-1"), wantField: "to"},
		{name: "link to itself", f: cut(sg, sg), wantField: "to"},
		{name: "link with region", f: faults.Fault{Kind: faults.LinkFault, Region: sg, From: sg, To: syd, Cut: true}, wantField: "region"},
		{name: "link neither delay nor cut", f: delay(sg, syd, 0), wantField: "delay"},
		{name: "link negative delay", f: delay(sg, syd, -time.Second), wantField: "delay"},
		{name: "link delay and cut", f: faults.Fault{Kind: faults.LinkFault, From: sg, To: syd, Delay: faults.Duration(time.Second), Cut: true}, wantField: "cut"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, rec := newRegistry(t)
			got, err := reg.Add(context.Background(), tt.f)
			if tt.wantField != "" {
				var ve *faults.ValidationError
				if !errors.As(err, &ve) || ve.Field != tt.wantField {
					t.Fatalf("Add(%s) error = %v, want ValidationError on %q", tt.f, err, tt.wantField)
				}
				if calls := rec.Calls(); len(calls) != 0 || len(reg.List()) != 0 {
					t.Errorf("refused fault reached the injector %q or the list %v", calls, reg.List())
				}
				return
			}
			if err != nil {
				t.Fatalf("Add(%s): %v", tt.f, err)
			}
			if got.ID != "f-1" || !got.Created.Equal(t0) {
				t.Errorf("Add = ID %q Created %v, want f-1 %v", got.ID, got.Created, t0)
			}
			if calls := rec.Calls(); !slices.Equal(calls, []string{tt.wantCall}) {
				t.Errorf("injector calls = %q, want %q", calls, tt.wantCall)
			}
			if l := reg.List(); len(l) != 1 || l[0] != got {
				t.Errorf("List = %v, want [%v]", l, got)
			}
		})
	}
}

func TestRegistry_Add_unknownRegionNamed(t *testing.T) {
	reg, _ := newRegistry(t)
	_, err := reg.Add(context.Background(), outage("mars-north-1"))
	if err == nil || err.Error() != `region: unknown region "mars-north-1"` {
		t.Errorf("error = %v, want it to name the region", err)
	}
}

func TestRegistry_Add_duplicate(t *testing.T) {
	tests := []struct {
		name        string
		first, then faults.Fault
		wantDup     bool
	}{
		{name: "same outage", first: outage(sg), then: outage(sg), wantDup: true},
		{name: "same cut, reversed pair", first: cut(sg, syd), then: cut(syd, sg), wantDup: true},
		{name: "same delay", first: delay(sg, syd, time.Second), then: delay(sg, syd, time.Second), wantDup: true},
		{name: "other delay on the pair", first: delay(sg, syd, time.Second), then: delay(sg, syd, 2*time.Second)},
		{name: "outage and isolation", first: outage(sg), then: isolation(sg)},
		{name: "other instance", first: instance(sg, "a"), then: instance(sg, "b")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, _ := newRegistry(t)
			mustAdd(t, reg, tt.first)
			_, err := reg.Add(context.Background(), tt.then)
			var ve *faults.ValidationError
			if gotDup := errors.As(err, &ve); gotDup != tt.wantDup || (!tt.wantDup && err != nil) {
				t.Fatalf("second Add error = %v, want duplicate %t", err, tt.wantDup)
			}
		})
	}
}

func TestRegistry_Add_injectorFails(t *testing.T) {
	reg, rec := newRegistry(t)
	mustAdd(t, reg, isolation(sg))
	rec.Reset()
	rec.Fail("RegionOutage ap-southeast-1 on", errors.New("postgres would not stop"))
	_, err := reg.Add(context.Background(), outage(sg))
	if err == nil {
		t.Fatal("Add succeeded, want the injector's error")
	}
	var ve *faults.ValidationError
	if errors.As(err, &ve) {
		t.Errorf("error %v is a ValidationError; want an internal error", err)
	}
	want := []string{"RegionOutage ap-southeast-1 on", "RegionOutage ap-southeast-1 off", "RegionIsolation ap-southeast-1 on"}
	if calls := rec.Calls(); !slices.Equal(calls, want) {
		t.Errorf("calls = %q, want %q", calls, want)
	}
	if got := ids(reg.List()); !slices.Equal(got, []string{"f-1"}) {
		t.Errorf("List = %v, want only f-1", got)
	}
}

func TestRegistry_Clear(t *testing.T) {
	tests := []struct {
		name      string
		setup     []faults.Fault // become f-1, f-2, …
		clear     string
		wantCalls []string
		wantLeft  []string
	}{
		{
			name: "single", setup: []faults.Fault{outage(sg)}, clear: "f-1",
			wantCalls: []string{"RegionOutage ap-southeast-1 off"}, wantLeft: []string{},
		},
		{
			name: "outage then isolation: clearing the outage keeps the region isolated", setup: []faults.Fault{outage(sg), isolation(sg)}, clear: "f-1",
			wantCalls: []string{"RegionOutage ap-southeast-1 off", "RegionIsolation ap-southeast-1 on"}, wantLeft: []string{"f-2"},
		},
		{
			name: "outage then isolation: clearing the isolation keeps the outage", setup: []faults.Fault{outage(sg), isolation(sg)}, clear: "f-2",
			wantCalls: []string{"RegionIsolation ap-southeast-1 off", "RegionOutage ap-southeast-1 on"}, wantLeft: []string{"f-1"},
		},
		{
			name: "delay and cut on one pair: clearing the delay keeps the cut", setup: []faults.Fault{delay(sg, syd, 200*time.Millisecond), cut(syd, sg)}, clear: "f-1",
			wantCalls: []string{"Link ap-southeast-1 ap-southeast-2 delay=200ms cut=false off", "Link ap-southeast-2 ap-southeast-1 delay=0s cut=true on"},
			wantLeft:  []string{"f-2"},
		},
		{
			name: "delay and cut on one pair: clearing the cut keeps the delay", setup: []faults.Fault{delay(sg, syd, 200*time.Millisecond), cut(sg, syd)}, clear: "f-2",
			wantCalls: []string{"Link ap-southeast-1 ap-southeast-2 delay=0s cut=true off", "Link ap-southeast-1 ap-southeast-2 delay=200ms cut=false on"},
			wantLeft:  []string{"f-1"},
		},
		{
			name: "links of other pairs are left alone", setup: []faults.Fault{cut(sg, syd), cut(sg, use)}, clear: "f-1",
			wantCalls: []string{"Link ap-southeast-1 ap-southeast-2 delay=0s cut=true off"}, wantLeft: []string{"f-2"},
		},
		{
			name: "isolation re-asserts a cut on one of its links", setup: []faults.Fault{cut(sg, syd), isolation(syd)}, clear: "f-2",
			wantCalls: []string{"RegionIsolation ap-southeast-2 off", "Link ap-southeast-1 ap-southeast-2 delay=0s cut=true on"}, wantLeft: []string{"f-1"},
		},
		{
			name: "clearing a link re-asserts an isolation at either end", setup: []faults.Fault{isolation(syd), delay(sg, syd, time.Second)}, clear: "f-2",
			wantCalls: []string{"Link ap-southeast-1 ap-southeast-2 delay=1s cut=false off", "RegionIsolation ap-southeast-2 on"}, wantLeft: []string{"f-1"},
		},
		{
			name: "two isolations share the link between them", setup: []faults.Fault{isolation(sg), isolation(syd)}, clear: "f-1",
			wantCalls: []string{"RegionIsolation ap-southeast-1 off", "RegionIsolation ap-southeast-2 on"}, wantLeft: []string{"f-2"},
		},
		{
			name: "clearing an outage keeps a failed instance down", setup: []faults.Fault{instance(sg, "db-1"), outage(sg), instance(syd, "db-2")}, clear: "f-2",
			wantCalls: []string{"RegionOutage ap-southeast-1 off", "InstanceFailure ap-southeast-1 db-1 on"}, wantLeft: []string{"f-1", "f-3"},
		},
		{
			name: "clearing an instance failure keeps the outage", setup: []faults.Fault{outage(sg), instance(sg, "db-1"), instance(sg, "db-2")}, clear: "f-2",
			wantCalls: []string{"InstanceFailure ap-southeast-1 db-1 off", "RegionOutage ap-southeast-1 on"}, wantLeft: []string{"f-1", "f-3"},
		},
		{
			name: "unrelated regions are left alone", setup: []faults.Fault{outage(use), outage(sg), cut(syd, use)}, clear: "f-2",
			wantCalls: []string{"RegionOutage ap-southeast-1 off", "RegionOutage us-east-1 on"}, wantLeft: []string{"f-1", "f-3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, rec := newRegistry(t)
			mustAdd(t, reg, tt.setup...)
			rec.Reset()
			if err := reg.Clear(context.Background(), tt.clear); err != nil {
				t.Fatalf("Clear(%s): %v", tt.clear, err)
			}
			if calls := rec.Calls(); !slices.Equal(calls, tt.wantCalls) {
				t.Errorf("calls =\n%q\nwant\n%q", calls, tt.wantCalls)
			}
			if got := ids(reg.List()); !slices.Equal(got, tt.wantLeft) {
				t.Errorf("left = %v, want %v", got, tt.wantLeft)
			}
		})
	}
}

func TestRegistry_Clear_errors(t *testing.T) {
	t.Run("unknown id", func(t *testing.T) {
		reg, rec := newRegistry(t)
		mustAdd(t, reg, outage(sg))
		rec.Reset()
		if err := reg.Clear(context.Background(), "f-7"); !errors.Is(err, faults.ErrNotFound) {
			t.Errorf("Clear(f-7) = %v, want ErrNotFound", err)
		}
		if calls := rec.Calls(); len(calls) != 0 {
			t.Errorf("calls = %q, want none", calls)
		}
	})
	t.Run("revert fails: fault stays for a retry", func(t *testing.T) {
		reg, rec := newRegistry(t)
		mustAdd(t, reg, outage(sg))
		rec.Fail("RegionOutage ap-southeast-1 off", errors.New("boom"))
		if err := reg.Clear(context.Background(), "f-1"); err == nil {
			t.Fatal("Clear succeeded, want the injector's error")
		}
		if got := ids(reg.List()); !slices.Equal(got, []string{"f-1"}) {
			t.Errorf("left = %v, want [f-1]", got)
		}
		rec.Fail("RegionOutage ap-southeast-1 off", nil)
		if err := reg.Clear(context.Background(), "f-1"); err != nil {
			t.Errorf("retry Clear: %v", err)
		}
	})
}

func TestRegistry_ClearAll(t *testing.T) {
	t.Run("newest first, nothing re-applied", func(t *testing.T) {
		reg, rec := newRegistry(t)
		mustAdd(t, reg, outage(sg), isolation(sg), cut(sg, syd))
		rec.Reset()
		if err := reg.ClearAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := []string{"Link ap-southeast-1 ap-southeast-2 delay=0s cut=true off", "RegionIsolation ap-southeast-1 off", "RegionOutage ap-southeast-1 off"}
		if calls := rec.Calls(); !slices.Equal(calls, want) {
			t.Errorf("calls = %q, want %q", calls, want)
		}
		if l := reg.List(); len(l) != 0 {
			t.Errorf("List = %v, want empty", l)
		}
	})
	t.Run("a failed revert stays and is re-applied", func(t *testing.T) {
		reg, rec := newRegistry(t)
		mustAdd(t, reg, outage(sg), isolation(sg))
		rec.Reset()
		rec.Fail("RegionOutage ap-southeast-1 off", errors.New("boom"))
		if err := reg.ClearAll(context.Background()); err == nil {
			t.Fatal("ClearAll succeeded, want the injector's error")
		}
		want := []string{"RegionIsolation ap-southeast-1 off", "RegionOutage ap-southeast-1 off", "RegionOutage ap-southeast-1 on"}
		if calls := rec.Calls(); !slices.Equal(calls, want) {
			t.Errorf("calls = %q, want %q", calls, want)
		}
		if got := ids(reg.List()); !slices.Equal(got, []string{"f-1"}) {
			t.Errorf("left = %v, want [f-1]", got)
		}
	})
}

func TestRegistry_List(t *testing.T) {
	reg, _ := newRegistry(t)
	var want []string
	for i := range 12 {
		mustAdd(t, reg, delay(sg, syd, time.Duration(i+1)*time.Millisecond))
		want = append(want, "f-"+strconv.Itoa(i+1))
	}
	if err := reg.Clear(context.Background(), "f-3"); err != nil {
		t.Fatal(err)
	}
	want = slices.Delete(want, 2, 3)
	if got := ids(reg.List()); !slices.Equal(got, want) {
		t.Errorf("List IDs = %v, want %v", got, want)
	}
	mustAdd(t, reg, outage(sg))
	if got := reg.List(); got[len(got)-1].ID != "f-13" {
		t.Errorf("next ID = %s, want f-13 (IDs are never reused)", got[len(got)-1].ID)
	}
}

func TestRegistry_RegionDown(t *testing.T) {
	reg, _ := newRegistry(t)
	mustAdd(t, reg, outage(sg), isolation(syd), instance(use, "db-1"))
	tests := []struct {
		region string
		want   bool
	}{
		{sg, true},
		{syd, false}, // isolated, but its API answers
		{use, false},
		{"eu-west-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			if got := reg.RegionDown(tt.region); got != tt.want {
				t.Errorf("RegionDown(%s) = %t, want %t", tt.region, got, tt.want)
			}
		})
	}
	if err := reg.Clear(context.Background(), "f-1"); err != nil {
		t.Fatal(err)
	}
	if reg.RegionDown(sg) {
		t.Errorf("RegionDown(%s) after clear = true", sg)
	}
}
