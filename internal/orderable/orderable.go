// Package orderable is the table of DB instance classes AWS offers per
// engine and engine version (what DescribeOrderableDBInstanceOptions
// answers), embedded from AWS's documentation. The emulator refuses
// combinations outside it, as RDS does, and the topology file checks its
// instance class against it, so that a rehearsal on the emulator cannot
// pass with a class AWS would refuse halfway through an apply.
//
// Only aurora-postgresql is tabled (the engine globaldb serves); the
// source and its date are in the data file. Classes AWS added after that
// page was archived are not in the table (docs/emulator.md).
package orderable

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Kind is the family of an instance class.
type Kind string

// Kinds of instance class.
const (
	Memory     Kind = "memory"     // memory-optimized (db.r*, db.x*)
	Burstable  Kind = "burstable"  // burstable performance (db.t*)
	Serverless Kind = "serverless" // Aurora Serverless v2 (db.serverless)
)

// Option is a class offered for an engine.
type Option struct {
	Engine string
	Class  string
	Kind   Kind
	// minimums: first offering version per major; nil means every version.
	minimums map[int]version
}

// AuroraPostgreSQL is the engine the table covers.
const AuroraPostgreSQL = "aurora-postgresql"

//go:embed aurora-postgresql.tsv
var auroraPostgreSQL string

var table = mustParse(AuroraPostgreSQL, auroraPostgreSQL)

// Offers reports whether class is offered for engine at engineVersion.
func (o Option) Offers(engineVersion string) bool {
	if o.minimums == nil {
		return true
	}
	v, ok := parseVersion(engineVersion)
	if !ok {
		return false
	}
	if min, ok := o.minimums[v.major]; ok {
		return !v.less(min)
	}
	for major := range o.minimums {
		if major >= v.major {
			return false
		}
	}
	return true
}

// Options lists the classes offered for engine at engineVersion ("" for
// any version), in table order.
func Options(engine, engineVersion string) []Option {
	var out []Option
	for _, o := range table {
		if o.Engine == engine && (engineVersion == "" || o.Offers(engineVersion)) {
			out = append(out, o)
		}
	}
	return out
}

// Lookup finds class in the table of engine, whatever the version.
func Lookup(engine, class string) (Option, bool) {
	for _, o := range table {
		if o.Engine == engine && o.Class == class {
			return o, true
		}
	}
	return Option{}, false
}

// Offered reports whether RDS creates a DB instance of class for engine
// at engineVersion.
func Offered(engine, engineVersion, class string) bool {
	o, ok := Lookup(engine, class)
	return ok && o.Offers(engineVersion)
}

// Classes lists every class name tabled for engine.
func Classes(engine string) []string {
	var out []string
	for _, o := range Options(engine, "") {
		out = append(out, o.Class)
	}
	return out
}

// LicenseModel is the license model RDS reports for engine.
func LicenseModel(engine string) string {
	if strings.Contains(engine, "postgres") {
		return "postgresql-license"
	}
	return "general-public-license"
}

type version struct{ major, minor int }

func (v version) less(w version) bool {
	return v.major < w.major || v.major == w.major && v.minor < w.minor
}

func parseVersion(s string) (version, bool) {
	maj, min, _ := strings.Cut(s, ".")
	a, err := strconv.Atoi(maj)
	if err != nil {
		return version{}, false
	}
	b := 0
	if min != "" {
		min, _, _ = strings.Cut(min, ".")
		if b, err = strconv.Atoi(min); err != nil {
			return version{}, false
		}
	}
	return version{a, b}, true
}

func mustParse(engine, data string) []Option {
	opts, err := parse(engine, data)
	if err != nil {
		panic(err)
	}
	return opts
}

// parse reads the tab-separated table: class, kind, minimums.
func parse(engine, data string) ([]Option, error) {
	var out []Option
	for i, line := range strings.Split(data, "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("parse %s table line %d: want 3 tab-separated fields", engine, i+1)
		}
		o := Option{Engine: engine, Class: f[0], Kind: Kind(f[1])}
		if !slices.Contains([]Kind{Memory, Burstable, Serverless}, o.Kind) {
			return nil, fmt.Errorf("parse %s table line %d: unknown kind %q", engine, i+1, f[1])
		}
		if f[2] != "*" {
			o.minimums = map[int]version{}
			for _, s := range strings.Fields(f[2]) {
				v, ok := parseVersion(s)
				if !ok {
					return nil, fmt.Errorf("parse %s table line %d: bad version %q", engine, i+1, s)
				}
				o.minimums[v.major] = v
			}
		}
		out = append(out, o)
	}
	return out, nil
}
