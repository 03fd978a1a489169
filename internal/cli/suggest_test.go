package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/globaldb/globaldb/internal/topology"
)

func TestOneOf(t *testing.T) {
	regions := []string{"ap-southeast-1", "ap-southeast-2"}
	tests := []struct {
		name, value string
		want        []string // in the message; none: no error
		suggests    bool
	}{
		{name: "a choice", value: "ap-southeast-2"},
		{name: "one character off", value: "ap-southeast-3", want: []string{`--to "ap-southeast-3" is not a region of stack seed`, `did you mean "ap-southeast-1"?`}, suggests: true},
		{name: "transposed", value: "ap-southaest-2", want: []string{`did you mean "ap-southeast-2"?`}, suggests: true},
		{name: "case", value: "AP-SOUTHEAST-2", want: []string{`did you mean "ap-southeast-2"?`}, suggests: true},
		{name: "another region entirely", value: "us-east-1", want: []string{"(one of ap-southeast-1, ap-southeast-2)"}},
		{name: "empty", value: "", want: []string{`--to "" is not`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := oneOf("--to", tt.value, "a region of stack seed", regions)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("oneOf(%q) = %v, want nil", tt.value, err)
				}
				return
			}
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Code != ExitUsage {
				t.Fatalf("oneOf(%q) = %v, want a usage error (exit %d)", tt.value, err, ExitUsage)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if got := strings.Contains(err.Error(), "did you mean"); got != tt.suggests {
				t.Errorf("error %q: suggests = %v, want %v", err, got, tt.suggests)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3},
		{"ap-southeast-2", "ap-southeast-3", 1}, {"ap-southaest-2", "ap-southeast-2", 2},
	} {
		if got := topology.EditDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
