package cloudwatch

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// AlarmRule limits (PutCompositeAlarm).
const (
	maxRuleLen      = 10240
	maxRuleChildren = 100
	maxRuleElements = 500
)

// rule is a parsed composite AlarmRule:
//
//	expr    = and { "OR" and }
//	and     = not { "AND" not }
//	not     = "NOT" not | primary
//	primary = "(" expr ")" | "TRUE" | "FALSE" | fn "(" alarm ")"
//	fn      = "ALARM" | "OK" | "INSUFFICIENT_DATA"
//	alarm   = name | ARN, optionally in double quotes
type rule interface {
	eval(state func(name string) types.StateValue) bool
}

type (
	ruleConst bool
	ruleNot   struct{ x rule }
	ruleAnd   struct{ l, r rule }
	ruleOr    struct{ l, r rule }
	ruleState struct {
		want  types.StateValue
		alarm string // name or ARN as written (unquoted)
	}
)

func (c ruleConst) eval(func(string) types.StateValue) bool  { return bool(c) }
func (n ruleNot) eval(st func(string) types.StateValue) bool { return !n.x.eval(st) }
func (a ruleAnd) eval(st func(string) types.StateValue) bool {
	return a.l.eval(st) && a.r.eval(st)
}
func (o ruleOr) eval(st func(string) types.StateValue) bool { return o.l.eval(st) || o.r.eval(st) }
func (s ruleState) eval(st func(string) types.StateValue) bool {
	return st(s.alarm) == s.want
}

// children lists the alarms a rule names, as written, in order, once each.
func children(r rule) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(rule)
	walk = func(r rule) {
		switch x := r.(type) {
		case ruleNot:
			walk(x.x)
		case ruleAnd:
			walk(x.l)
			walk(x.r)
		case ruleOr:
			walk(x.l)
			walk(x.r)
		case ruleState:
			if !seen[x.alarm] {
				seen[x.alarm] = true
				out = append(out, x.alarm)
			}
		}
	}
	walk(r)
	return out
}

type ruleParser struct {
	src      string
	pos      int
	elements int
}

// parseRule parses an AlarmRule; errors are InvalidParameterValue with
// the position of the problem.
func parseRule(src string) (rule, error) {
	if len(src) == 0 || len(src) > maxRuleLen {
		return nil, invalidf("The parameter AlarmRule must be between 1 and %d characters long.", maxRuleLen)
	}
	p := &ruleParser{src: src}
	r, err := p.expr()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.src) {
		return nil, p.errorf("unexpected %q", p.rest())
	}
	if p.elements > maxRuleElements {
		return nil, invalidf("The AlarmRule has %d elements; at most %d are allowed.", p.elements, maxRuleElements)
	}
	if n := len(children(r)); n > maxRuleChildren {
		return nil, invalidf("The AlarmRule names %d alarms; at most %d are allowed.", n, maxRuleChildren)
	}
	return r, nil
}

func (p *ruleParser) errorf(format string, args ...any) error {
	return invalidf("Invalid AlarmRule at character %d: %s.", p.pos+1, fmt.Sprintf(format, args...))
}

func (p *ruleParser) rest() string {
	r := p.src[p.pos:]
	if len(r) > 20 {
		r = r[:20] + "…"
	}
	return r
}

func (p *ruleParser) space() {
	for p.pos < len(p.src) && strings.ContainsRune(" \t\r\n", rune(p.src[p.pos])) {
		p.pos++
	}
}

// keyword consumes kw when it is the next token (followed by a
// non-identifier character).
func (p *ruleParser) keyword(kw string) bool {
	p.space()
	if !strings.HasPrefix(p.src[p.pos:], kw) {
		return false
	}
	end := p.pos + len(kw)
	if end < len(p.src) && isIdent(p.src[end]) {
		return false
	}
	p.pos = end
	return true
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func (p *ruleParser) expr() (rule, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = ruleOr{l, r}
	}
	return l, nil
}

func (p *ruleParser) and() (rule, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.keyword("AND") {
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = ruleAnd{l, r}
	}
	return l, nil
}

func (p *ruleParser) not() (rule, error) {
	if p.keyword("NOT") {
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return ruleNot{x}, nil
	}
	return p.primary()
}

func (p *ruleParser) primary() (rule, error) {
	p.space()
	if p.pos >= len(p.src) {
		return nil, p.errorf("unexpected end of rule")
	}
	if p.src[p.pos] == '(' {
		p.pos++
		p.elements += 2
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != ')' {
			return nil, p.errorf("missing )")
		}
		p.pos++
		return x, nil
	}
	switch {
	case p.keyword("TRUE"):
		p.elements++
		return ruleConst(true), nil
	case p.keyword("FALSE"):
		p.elements++
		return ruleConst(false), nil
	case p.keyword("ALARM"):
		return p.state(types.StateValueAlarm)
	case p.keyword("OK"):
		return p.state(types.StateValueOk)
	case p.keyword("INSUFFICIENT_DATA"):
		return p.state(types.StateValueInsufficientData)
	}
	return nil, p.errorf("expected ALARM(), OK(), INSUFFICIENT_DATA(), TRUE, FALSE, NOT or ( but found %q", p.rest())
}

// state parses "(alarm)" after a state function.
func (p *ruleParser) state(want types.StateValue) (rule, error) {
	p.space()
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return nil, p.errorf("%s must be followed by (", want)
	}
	p.pos++
	p.space()
	var name string
	if p.pos < len(p.src) && p.src[p.pos] == '"' {
		end := strings.IndexByte(p.src[p.pos+1:], '"')
		if end < 0 {
			return nil, p.errorf("unterminated quoted alarm name")
		}
		name = p.src[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		p.space()
	} else {
		end := strings.IndexByte(p.src[p.pos:], ')')
		if end < 0 {
			return nil, p.errorf("missing ) after the alarm name")
		}
		name = strings.TrimSpace(p.src[p.pos : p.pos+end])
		p.pos += end
	}
	if p.pos >= len(p.src) || p.src[p.pos] != ')' {
		return nil, p.errorf("missing ) after the alarm name")
	}
	p.pos++
	if name == "" {
		return nil, p.errorf("empty alarm name")
	}
	p.elements++
	return ruleState{want: want, alarm: name}, nil
}
