package topology

import (
	"strconv"
	"strings"
)

// suggest returns a "did you mean" hint for an unknown name: the closest of
// known by edit distance when it is close enough, else the list of known
// names.
func suggest(name string, known []string) string {
	if best, ok := closest(name, known); ok {
		return "did you mean " + strconv.Quote(best) + "?"
	}
	if len(known) == 0 {
		return ""
	}
	return "known fields: " + strings.Join(known, ", ")
}

// closest returns the known name nearest to name, if it is within a third of
// name's length (at least 2) edits.
func closest(name string, known []string) (string, bool) {
	best, bestDist := "", -1
	for _, k := range known {
		d := EditDistance(normalize(name), normalize(k))
		if bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	return best, best != "" && bestDist <= max(2, len(name)/3)
}

// normalize folds case and drops '_' and '-', so that master_username and
// MasterUsername are as close to masterUsername as a typo.
func normalize(s string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
}

// EditDistance is the Levenshtein distance between a and b, in bytes
// (also the CLI's did-you-mean).
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
