package iampolicy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// pattern is a compiled wildcard pattern. wild[i] marks r[i] as the
// wildcard "*" or "?"; a "*" or "?" that came from a policy variable (or
// from a pattern compiled without wildcards) is a literal character.
type pattern struct {
	r    []rune
	wild []bool
	// unresolved is set when a policy variable had no value: the pattern
	// then matches nothing, as IAM treats an unresolvable element.
	unresolved bool
}

// resolver returns the value of a policy variable's key. A nil resolver
// disables policy variables: "${...}" is literal text.
type resolver func(key string) (string, bool)

// compileOpts says how to read a pattern.
type compileOpts struct {
	wildcards bool // "*" and "?" are wildcards
	fold      bool // lower-case the pattern; callers lower-case the input
}

func compile(s string, vars resolver, o compileOpts) pattern {
	var p pattern
	lit := func(v string) {
		for _, c := range v {
			if o.fold {
				c = unicode.ToLower(c)
			}
			p.r = append(p.r, c)
			p.wild = append(p.wild, false)
		}
	}
	for i := 0; i < len(s); {
		if vars != nil && strings.HasPrefix(s[i:], "${") {
			if end := strings.IndexByte(s[i:], '}'); end > 0 {
				v, ok := resolveVariable(s[i+2:i+end], vars)
				if !ok {
					p.unresolved = true
				}
				lit(v)
				i += end + 1
				continue
			}
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if o.wildcards && (c == '*' || c == '?') {
			p.r = append(p.r, c)
			p.wild = append(p.wild, true)
		} else {
			lit(string(c))
		}
		i += size
	}
	return p
}

// resolveVariable resolves the inside of "${...}": a context key with an
// optional default ("aws:username, 'guest'"), or one of the escapes
// ${*}, ${?} and ${$}.
func resolveVariable(inner string, vars resolver) (string, bool) {
	switch inner {
	case "*", "?", "$":
		return inner, true
	}
	key, def, hasDef := strings.Cut(inner, ",")
	if v, ok := vars(strings.TrimSpace(key)); ok {
		return v, true
	}
	if hasDef {
		return strings.Trim(strings.TrimSpace(def), "'"), true
	}
	return "", false
}

// match reports whether the whole of s matches p. "*" matches any run of
// characters (including ":" and "/"), "?" exactly one.
func (p pattern) match(s string) bool {
	if p.unresolved {
		return false
	}
	in := []rune(s)
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(in) {
		switch {
		case pi < len(p.r) && p.wild[pi] && p.r[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p.r) && (p.wild[pi] || p.r[pi] == in[si]):
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p.r) && p.wild[pi] && p.r[pi] == '*' {
		pi++
	}
	return pi == len(p.r)
}

// splitARN splits p at its first five ":" into the six ARN components.
func (p pattern) splitARN() []pattern {
	var parts []pattern
	start := 0
	for i, c := range p.r {
		if len(parts) == 5 {
			break
		}
		if c == ':' && !p.wild[i] {
			parts = append(parts, pattern{r: p.r[start:i], wild: p.wild[start:i], unresolved: p.unresolved})
			start = i + 1
		}
	}
	return append(parts, pattern{r: p.r[start:], wild: p.wild[start:], unresolved: p.unresolved})
}

// matchARN is ArnLike: each of the six colon-separated components is
// matched on its own, so a wildcard does not cross a ":". A pattern or
// value that is not a six-component ARN is matched as a whole string.
func (p pattern) matchARN(s string) bool {
	pp, vp := p.splitARN(), strings.SplitN(s, ":", 6)
	if len(pp) != 6 || len(vp) != 6 {
		return p.match(s)
	}
	for i := range pp {
		if !pp[i].match(vp[i]) {
			return false
		}
	}
	return true
}
