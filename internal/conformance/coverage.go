package conformance

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Coverage compares the operations clients exercised with those the docs
// claim.
type Coverage struct {
	Claimed   map[Op]bool
	ByClient  map[Client]map[Op]bool
	Exercised map[Op]bool // union over clients
}

// NewCoverage measures exercised against claimed.
func NewCoverage(claimed map[Op]bool, exercised map[Client]map[Op]bool) *Coverage {
	c := &Coverage{Claimed: claimed, ByClient: exercised, Exercised: map[Op]bool{}}
	for _, ops := range exercised {
		for op := range ops {
			c.Exercised[op] = true
		}
	}
	return c
}

// Ratio is the share of claimed operations some client exercised.
func (c *Coverage) Ratio() float64 {
	return ratio(c.Exercised, c.Claimed)
}

func ratio(exercised, claimed map[Op]bool) float64 {
	if len(claimed) == 0 {
		return 0
	}
	n := 0
	for op := range claimed {
		if exercised[op] {
			n++
		}
	}
	return float64(n) / float64(len(claimed))
}

// Unclaimed lists exercised operations the docs do not claim: a docs bug,
// since clients used them successfully.
func (c *Coverage) Unclaimed() []Op {
	var out []Op
	for _, op := range sortedOps(c.Exercised) {
		if !c.Claimed[op] {
			out = append(out, op)
		}
	}
	return out
}

// WriteTable renders the report: per service the claimed and exercised
// counts (overall and per client) and the claimed operations no client
// exercised; then the totals.
func (c *Coverage) WriteTable(w io.Writer) error {
	clients := make([]Client, 0, len(c.ByClient))
	for cl := range c.ByClient {
		clients = append(clients, cl)
	}
	sort.Slice(clients, func(i, j int) bool { return clients[i] < clients[j] })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"service", "claimed", "exercised"}
	for _, cl := range clients {
		head = append(head, string(cl))
	}
	fmt.Fprintln(tw, strings.Join(append(head, "not exercised"), "\t"))
	for _, svc := range append(Services, "total") {
		claimed, exercised := c.only(svc, c.Claimed), c.only(svc, c.Exercised)
		row := []string{svc, fmt.Sprint(len(claimed)), count(exercised, claimed)}
		for _, cl := range clients {
			row = append(row, count(c.only(svc, c.ByClient[cl]), claimed))
		}
		var missing []string
		for _, op := range sortedOps(claimed) {
			if !exercised[op] && svc != "total" {
				missing = append(missing, op.Name)
			}
		}
		fmt.Fprintln(tw, strings.Join(append(row, strings.Join(missing, " ")), "\t"))
	}
	return tw.Flush()
}

// only returns the operations of set that belong to service ("total":
// all of them).
func (c *Coverage) only(service string, set map[Op]bool) map[Op]bool {
	out := map[Op]bool{}
	for op := range set {
		if service == "total" || op.Service == service {
			out[op] = true
		}
	}
	return out
}

// count renders how many claimed operations exercised holds, with the
// percentage.
func count(exercised, claimed map[Op]bool) string {
	n := 0
	for op := range claimed {
		if exercised[op] {
			n++
		}
	}
	return fmt.Sprintf("%d (%.0f%%)", n, 100*ratio(exercised, claimed))
}
