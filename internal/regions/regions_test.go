package regions

import (
	"slices"
	"sort"
	"testing"
	"time"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name        string
		region      string
		wantOK      bool
		description string
		azs         []string
		zoneIDs     []string
		auroraNil   bool
		aurora      bool
	}{
		{name: "sydney", region: "ap-southeast-2", wantOK: true, description: "Asia Pacific (Sydney)",
			azs: []string{"ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"}, zoneIDs: []string{"apse2-az1", "apse2-az3", "apse2-az2"}, aurora: true},
		{name: "singapore", region: "ap-southeast-1", wantOK: true, description: "Asia Pacific (Singapore)",
			azs: []string{"ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"}, aurora: true},
		{name: "bahrain aurora unconfirmed", region: "me-south-1", wantOK: true, description: "Middle East (Bahrain)",
			azs: []string{"me-south-1a", "me-south-1b", "me-south-1c"}, auroraNil: true},
		{name: "taipei no aurora global", region: "ap-east-2", wantOK: true, description: "Asia Pacific (Taipei)",
			azs: []string{"ap-east-2a", "ap-east-2b", "ap-east-2c"}, aurora: false},
		{name: "unknown", region: "mars-north-1", wantOK: false},
		{name: "case sensitive", region: "US-EAST-1", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := Lookup(tt.region)
			if ok != tt.wantOK {
				t.Fatalf("Lookup(%q) ok = %v, want %v", tt.region, ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if r.Name != tt.region || r.Description != tt.description {
				t.Errorf("got %q %q, want %q %q", r.Name, r.Description, tt.region, tt.description)
			}
			if !slices.Equal(r.AZs, tt.azs) {
				t.Errorf("AZs = %v, want %v", r.AZs, tt.azs)
			}
			if tt.zoneIDs != nil && !slices.Equal(r.ZoneIDs, tt.zoneIDs) {
				t.Errorf("ZoneIDs = %v, want %v", r.ZoneIDs, tt.zoneIDs)
			}
			if len(r.ZoneIDs) != len(r.AZs) {
				t.Errorf("%d zone IDs for %d AZs", len(r.ZoneIDs), len(r.AZs))
			}
			switch {
			case tt.auroraNil && r.AuroraGlobal != nil:
				t.Errorf("AuroraGlobal = %v, want nil", *r.AuroraGlobal)
			case !tt.auroraNil && (r.AuroraGlobal == nil || *r.AuroraGlobal != tt.aurora):
				t.Errorf("AuroraGlobal = %v, want %v", r.AuroraGlobal, tt.aurora)
			}
		})
	}
	t.Run("copy is independent", func(t *testing.T) {
		r, _ := Lookup("us-east-1")
		r.AZs[0] = "changed"
		again, _ := Lookup("us-east-1")
		if again.AZs[0] != "us-east-1a" {
			t.Fatalf("table was modified through a returned Region: %v", again.AZs)
		}
	})
}

func TestAll(t *testing.T) {
	all := All()
	if len(all) != 34 {
		t.Errorf("len(All()) = %d, want 34", len(all))
	}
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Name < all[j].Name }) {
		t.Errorf("All() not sorted by name")
	}
	for _, r := range all {
		for _, o := range all {
			if _, ok := RTT(r.Name, o.Name); !ok {
				t.Errorf("RTT(%s, %s) missing", r.Name, o.Name)
			}
		}
	}
}

func TestRTT(t *testing.T) {
	tests := []struct {
		name   string
		a, b   string
		want   time.Duration
		wantOK bool
	}{
		{name: "seed pair", a: "ap-southeast-1", b: "ap-southeast-2", want: 95 * time.Millisecond, wantOK: true},
		{name: "seed pair reversed", a: "ap-southeast-2", b: "ap-southeast-1", want: 95 * time.Millisecond, wantOK: true},
		{name: "us east west", a: "us-east-1", b: "us-west-2", want: 64 * time.Millisecond, wantOK: true},
		{name: "same region", a: "eu-west-1", b: "eu-west-1", want: 0, wantOK: true},
		{name: "unknown", a: "ap-southeast-1", b: "mars-north-1", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := RTT(tt.a, tt.b)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("RTT(%s, %s) = %v, %v; want %v, %v", tt.a, tt.b, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestOneWayDelay(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want time.Duration
	}{
		{name: "seed pair", a: "ap-southeast-1", b: "ap-southeast-2", want: 47500 * time.Microsecond},
		{name: "same region", a: "ap-southeast-1", b: "ap-southeast-1", want: 0},
		{name: "unknown pair defaults", a: "lab-a", b: "lab-b", want: DefaultOneWayDelay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OneWayDelay(tt.a, tt.b); got != tt.want {
				t.Errorf("OneWayDelay(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestHealthCheckerRegions(t *testing.T) {
	want := []string{"us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"}
	got := HealthCheckerRegions()
	if !slices.Equal(got, want) {
		t.Fatalf("HealthCheckerRegions() = %v, want %v", got, want)
	}
	for _, r := range got {
		if _, ok := Lookup(r); !ok {
			t.Errorf("health checker region %s not in table", r)
		}
	}
}
