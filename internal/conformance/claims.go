package conformance

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// Claims are the operations docs/emulator.md says the emulator supports,
// per service, with the doc's table cells that named something unknown.
type Claims struct {
	Ops map[Op]bool
	// Unknown lists identifiers in operation cells that no service model
	// of their section defines: a typo or a claim of a non-operation.
	Unknown []string
}

// Services lists the services claims are read for, in report order.
var Services = []string{"rds", "route53", "iam", "sts", "cloudwatch", "arc-region-switch"}

// sectionServices maps a level-2 heading's start to the services whose
// operations its tables list.
var sectionServices = []struct {
	prefix   string
	services []string
}{
	{"RDS", []string{"rds"}},
	{"Route 53", []string{"route53"}},
	{"IAM and STS", []string{"iam", "sts"}},
	{"CloudWatch", []string{"cloudwatch"}},
	{"ARC Region switch", []string{"arc-region-switch"}},
}

// ParseClaims reads the operation tables of doc (docs/emulator.md): in
// the RDS, Route 53 and IAM/STS sections, the column headed "operation" or
// "operations" of every table. A cell lists operations separated by ",",
// ";" or " / ", with notes in parentheses or backticks; "Attach/Detach
// User/Role Policy" and "Put/Get User and Role Policy" stand for every
// combination. isOp reports whether service defines an operation: only
// those are claims (a list operation may be written singular:
// "List User Policy" is ListUserPolicies).
func ParseClaims(doc []byte, isOp func(service, op string) bool) (Claims, error) {
	c := Claims{Ops: map[Op]bool{}}
	var services []string
	col := -1
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if title, ok := strings.CutPrefix(line, "## "); ok {
			services, col = sectionOf(title), -1
			continue
		}
		if services == nil || !strings.HasPrefix(line, "|") {
			col = -1 // a table ends at its first non-table line
			continue
		}
		cells := splitRow(line)
		switch {
		case col == -1:
			col = operationColumn(cells)
		case col < 0 || isRule(cells):
		case col < len(cells):
			rowServices := services
			if strings.HasPrefix(cells[0], "STS") {
				rowServices = []string{"sts"}
			}
			c.addCell(cells[col], rowServices, isOp)
		}
	}
	if err := sc.Err(); err != nil {
		return Claims{}, fmt.Errorf("read docs: %w", err)
	}
	if len(c.Ops) == 0 {
		return Claims{}, fmt.Errorf("parse docs: no operation tables found")
	}
	return c, nil
}

func sectionOf(title string) []string {
	for _, s := range sectionServices {
		if strings.HasPrefix(title, s.prefix) {
			return s.services
		}
	}
	return nil
}

func splitRow(line string) []string {
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	cells := strings.Split(line, "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

// operationColumn is the index of the header cell naming operations, -2
// (skip the table) when there is none.
func operationColumn(header []string) int {
	for i, h := range header {
		if h := strings.ToLower(h); h == "operation" || h == "operations" {
			return i
		}
	}
	return -2
}

func isRule(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, "-: ") != "" {
			return false
		}
	}
	return true
}

var (
	notes     = regexp.MustCompile("`[^`]*`")
	camelCase = regexp.MustCompile(`^[A-Z][a-z]+[A-Z][A-Za-z0-9]*$`)
)

// addCell adds the operations one table cell lists.
func (c *Claims) addCell(cell string, services []string, isOp func(service, op string) bool) {
	cell = stripParens(notes.ReplaceAllString(cell, ""))
	for _, item := range strings.FieldsFunc(cell, func(r rune) bool { return r == ',' || r == ';' }) {
		for _, phrase := range strings.Split(item, " / ") {
			found := false
			for _, name := range expand(phrase) {
				for _, svc := range services {
					if op, ok := lookup(svc, name, isOp); ok {
						c.Ops[op], found = true, true
						break
					}
				}
			}
			if p := strings.TrimSpace(phrase); !found && camelCase.MatchString(p) {
				c.Unknown = append(c.Unknown, p)
			}
		}
	}
}

// lookup finds name, or its plural, among service's operations.
func lookup(service, name string, isOp func(service, op string) bool) (Op, bool) {
	for _, n := range []string{name, strings.TrimSuffix(name, "y") + "ies", name + "s"} {
		if isOp(service, n) {
			return Op{service, n}, true
		}
	}
	return Op{}, false
}

// stripParens removes parenthesised notes, nested or not.
func stripParens(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// expand turns a phrase into candidate operation names: "Attach/Detach
// User/Role Policy" → AttachUserPolicy, AttachRolePolicy, …; "User and
// Role" is read as "User/Role". Phrases with words that are not
// capitalised (prose) expand to nothing but themselves.
func expand(phrase string) []string {
	words := strings.Fields(phrase)
	var groups [][]string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w == "and" && len(groups) > 0 && i+1 < len(words) {
			i++
			groups[len(groups)-1] = append(groups[len(groups)-1], strings.Split(words[i], "/")...)
			continue
		}
		alts := strings.Split(w, "/")
		for _, a := range alts {
			if a == "" || a[0] < 'A' || a[0] > 'Z' {
				return []string{strings.Join(words, "")}
			}
		}
		groups = append(groups, alts)
	}
	names := []string{""}
	for _, g := range groups {
		var next []string
		for _, prefix := range names {
			for _, alt := range g {
				next = append(next, prefix+alt)
			}
		}
		names = next
	}
	return names
}
