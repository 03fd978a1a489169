// Package regions is a table of AWS facts about the commercial Regions: names,
// Availability Zones, Aurora Global Database support, the inter-Region
// round-trip-time matrix and the Route 53 health-checker Regions.
//
// The data is embedded from regions.json; its sources, dates and method are
// described in /work/shared/reference/regions.md (a copy of which travels with
// the project documentation). The table is read-only after package init.
package regions

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

//go:embed regions.json
var regionsJSON []byte

// DefaultOneWayDelay is what OneWayDelay returns for a pair of Regions that
// the RTT matrix does not cover (for example a made-up Region name in a test
// topology): half of a typical 100 ms intercontinental round trip.
const DefaultOneWayDelay = 50 * time.Millisecond

// Region describes one AWS Region.
type Region struct {
	// Name is the Region code, e.g. "ap-southeast-2".
	Name string
	// Description is the human name, e.g. "Asia Pacific (Sydney)".
	Description string
	// AZs are the Availability Zone names; AZs[i] pairs with ZoneIDs[i].
	// Letters are per account in some Regions, so place things by zone ID.
	AZs []string
	// ZoneIDs are the Availability Zone IDs, e.g. "apse2-az1".
	ZoneIDs []string
	// AuroraGlobal reports Aurora Global Database support; nil means the
	// status is not confirmed by current AWS documentation.
	AuroraGlobal *bool
}

type fileRegion struct {
	Name         string   `json:"name"`
	AZs          []string `json:"azs"`
	ZoneIDs      []string `json:"zone_ids"`
	AuroraGlobal *bool    `json:"aurora_global"`
}

type file struct {
	Regions        map[string]fileRegion     `json:"regions"`
	RTTms          map[string]map[string]int `json:"rtt_ms"`
	HealthCheckers []string                  `json:"route53_health_checker_regions"`
}

var table = mustLoad(regionsJSON)

type data struct {
	byName         map[string]Region
	sorted         []string
	rtt            map[string]map[string]int
	healthCheckers []string
}

func mustLoad(raw []byte) data {
	d, err := load(raw)
	if err != nil {
		panic(err)
	}
	return d
}

// load parses and validates the embedded table.
func load(raw []byte) (data, error) {
	var f file
	if err := json.Unmarshal(raw, &f); err != nil {
		return data{}, fmt.Errorf("decode regions.json: %w", err)
	}
	d := data{byName: make(map[string]Region, len(f.Regions)), rtt: f.RTTms, healthCheckers: f.HealthCheckers}
	for code, r := range f.Regions {
		if len(r.AZs) != len(r.ZoneIDs) {
			return data{}, fmt.Errorf("load region %s: %d AZs but %d zone IDs", code, len(r.AZs), len(r.ZoneIDs))
		}
		d.byName[code] = Region{Name: code, Description: r.Name, AZs: r.AZs, ZoneIDs: r.ZoneIDs, AuroraGlobal: r.AuroraGlobal}
		d.sorted = append(d.sorted, code)
	}
	sort.Strings(d.sorted)
	return d, nil
}

// clone returns a copy of r whose slices and pointer the caller may modify.
func (r Region) clone() Region {
	r.AZs = append([]string(nil), r.AZs...)
	r.ZoneIDs = append([]string(nil), r.ZoneIDs...)
	if r.AuroraGlobal != nil {
		v := *r.AuroraGlobal
		r.AuroraGlobal = &v
	}
	return r
}

// Lookup returns the Region with code name, e.g. "us-east-1".
func Lookup(name string) (Region, bool) {
	r, ok := table.byName[name]
	if !ok {
		return Region{}, false
	}
	return r.clone(), true
}

// All returns every Region, sorted by Name.
func All() []Region {
	out := make([]Region, 0, len(table.sorted))
	for _, n := range table.sorted {
		out = append(out, table.byName[n].clone())
	}
	return out
}

// RTT returns the round-trip time between Regions a and b from the matrix,
// looked up in either direction. The same Region gives 0 and true (inside a
// Region is not modelled). false means the pair is not in the matrix.
func RTT(a, b string) (time.Duration, bool) {
	if a == b {
		return 0, true
	}
	if ms, ok := table.rtt[a][b]; ok {
		return time.Duration(ms) * time.Millisecond, true
	}
	if ms, ok := table.rtt[b][a]; ok {
		return time.Duration(ms) * time.Millisecond, true
	}
	return 0, false
}

// OneWayDelay returns half the RTT between a and b, the delay a packet takes
// in one direction. A pair that RTT does not know (an unknown Region name)
// gets DefaultOneWayDelay (50 ms); the same Region gets 0.
func OneWayDelay(a, b string) time.Duration {
	rtt, ok := RTT(a, b)
	if !ok {
		return DefaultOneWayDelay
	}
	return rtt / 2
}

// HealthCheckerRegions returns the Regions Route 53 health checkers run from
// (the HealthCheckRegion enum), in the table's order.
func HealthCheckerRegions() []string {
	return append([]string(nil), table.healthCheckers...)
}
