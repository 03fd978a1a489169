package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/globaldb/globaldb/internal/topology"
)

// oneOf returns nil when value is one of choices, else a usage error
// naming the flag and the choices, with the closest choice as a
// suggestion when there is one close enough to be a typo, e.g.
//
//	--to "ap-southeast-3" is not a region of stack seed: did you mean "ap-southeast-2"? (one of ap-southeast-1, ap-southeast-2)
func oneOf(flag, value, what string, choices []string) error {
	if slices.Contains(choices, value) {
		return nil
	}
	msg := fmt.Sprintf("%s %q is not %s", flag, value, what)
	if s := closest(value, choices); s != "" {
		msg += fmt.Sprintf(": did you mean %q?", s)
	}
	return usageError(fmt.Errorf("%s (one of %s)", msg, strings.Join(choices, ", ")))
}

// closest is the choice nearest to s by edit distance, if the distance is
// small for its length (a typo, not another word), else "".
func closest(s string, choices []string) string {
	best, bestD := "", -1
	for _, c := range choices {
		d := topology.EditDistance(strings.ToLower(s), strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > max(2, len(s)/4) {
		return ""
	}
	return best
}
