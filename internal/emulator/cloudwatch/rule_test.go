package cloudwatch

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// TestParseRule parses rules and evaluates them with a = ALARM, b = OK,
// "c d" = INSUFFICIENT_DATA.
func TestParseRule(t *testing.T) {
	states := map[string]types.StateValue{
		"a": types.StateValueAlarm, "b": types.StateValueOk, "c d": types.StateValueInsufficientData,
		"arn:aws:cloudwatch:us-east-1:000000000000:alarm:a": types.StateValueAlarm,
	}
	st := func(n string) types.StateValue { return states[n] }
	tests := []struct {
		rule     string
		want     bool
		children []string
	}{
		{rule: "ALARM(a)", want: true, children: []string{"a"}},
		{rule: `ALARM("a")`, want: true, children: []string{"a"}},
		{rule: "ALARM( a )", want: true, children: []string{"a"}},
		{rule: "OK(a)", want: false, children: []string{"a"}},
		{rule: `INSUFFICIENT_DATA("c d")`, want: true, children: []string{"c d"}},
		{rule: "TRUE", want: true},
		{rule: "FALSE", want: false},
		{rule: "NOT FALSE", want: true},
		{rule: "NOT NOT ALARM(a)", want: true, children: []string{"a"}},
		{rule: "ALARM(a) AND OK(b)", want: true, children: []string{"a", "b"}},
		{rule: "ALARM(b) OR ALARM(a)", want: true, children: []string{"b", "a"}},
		{rule: "ALARM(b) OR ALARM(a) AND FALSE", want: false, children: []string{"b", "a"}}, // AND binds tighter
		{rule: "(ALARM(b) OR ALARM(a)) AND TRUE", want: true, children: []string{"b", "a"}},
		{rule: "NOT (ALARM(a) AND OK(b))", want: false, children: []string{"a", "b"}},
		{rule: "ALARM(arn:aws:cloudwatch:us-east-1:000000000000:alarm:a)", want: true,
			children: []string{"arn:aws:cloudwatch:us-east-1:000000000000:alarm:a"}},
		{rule: "ALARM(a) OR ALARM(a)", want: true, children: []string{"a"}},
		{rule: "\n ALARM(a)\tAND\nOK(b) ", want: true, children: []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			r, err := parseRule(tt.rule)
			if err != nil {
				t.Fatalf("parseRule: %v", err)
			}
			if got := r.eval(st); got != tt.want {
				t.Errorf("eval = %v, want %v", got, tt.want)
			}
			if got := children(r); !reflect.DeepEqual(got, tt.children) && (len(got) != 0 || len(tt.children) != 0) {
				t.Errorf("children = %q, want %q", got, tt.children)
			}
		})
	}
}

func TestParseRule_Errors(t *testing.T) {
	many := strings.Repeat("ALARM(a) OR ", 500) + "TRUE"
	var kids []string
	for i := 0; i < 101; i++ {
		kids = append(kids, "ALARM(x"+strings.Repeat("y", i)+")")
	}
	for _, rule := range []string{
		"", "ALARM", "ALARM()", "ALARM(a", `ALARM("a)`, "ALARM(a) AND", "(ALARM(a)", "ALARM(a))", "alarm(a)",
		"ALARM(a) XOR OK(b)", "TRUEX", "NOT", strings.Repeat("x", maxRuleLen+1), many, strings.Join(kids, " OR "),
	} {
		name := rule
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			_, err := parseRule(rule)
			var e *awserr.Error
			if !errors.As(err, &e) || e.Code != codeInvalidParameter {
				t.Errorf("parseRule(%q) error = %v, want InvalidParameterValue", name, err)
			}
		})
	}
}

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"ALARM(a) AND NOT (OK(\"b c\") OR TRUE)", "INSUFFICIENT_DATA(x)", "((FALSE))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseRule(s)
		if err == nil {
			r.eval(func(string) types.StateValue { return types.StateValueAlarm })
			_ = children(r)
		}
	})
}
