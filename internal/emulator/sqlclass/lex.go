package sqlclass

import "strings"

// kind is the kind of a token.
type kind uint8

const (
	none  kind = iota // the zero token: past the end of a statement
	word              // unquoted identifier or keyword; val is lower-cased (ASCII, as PostgreSQL folds)
	ident             // "quoted identifier" (also U&"..."); val is the name, "" resolved
	str               // string constant: '...', E'...', B'...', X'...', N'...', U&'...', $tag$...$tag$; val is its content
	num               // numeric constant as written
	param             // positional parameter $n
	punct             // one byte of punctuation or operator; val is that byte
)

// token is one lexical token of a statement; pos and end are byte offsets
// into the lexed text (end is exclusive).
type token struct {
	kind     kind
	val      string
	pos, end int
}

// isPunct reports whether t is the punctuation byte c.
func (t token) isPunct(c byte) bool { return t.kind == punct && t.val[0] == c }

// isWord reports whether t is the unquoted keyword or identifier w (lower case).
func (t token) isWord(w string) bool { return t.kind == word && t.val == w }

// lex splits s into tokens the way PostgreSQL's scanner (scan.l) delimits
// them, closely enough to find keywords, parentheses and semicolons:
// whitespace and comments (-- to end of line, nested /* */) separate tokens
// and produce none; operators come out one byte at a time. An unterminated
// string, quoted identifier, dollar quote or comment runs to the end of s.
// Strings follow standard_conforming_strings = on (PostgreSQL's default):
// only E'...' strings take backslash escapes. lex never fails.
func lex(s string) []token {
	toks := make([]token, 0, len(s)/4+1)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isSpace(c):
			i++
		case c == '-' && at(s, i+1) == '-':
			i = lineEnd(s, i)
		case c == '/' && at(s, i+1) == '*':
			i = blockEnd(s, i)
		case c == '\'':
			t := quoted(s, i, i+1, '\'', false)
			toks = append(toks, t)
			i = t.end
		case c == '"':
			t := quoted(s, i, i+1, '"', false)
			t.kind = ident
			toks = append(toks, t)
			i = t.end
		case c == '$':
			t := dollar(s, i)
			toks = append(toks, t)
			i = t.end
		case isDigit(c) || (c == '.' && isDigit(at(s, i+1))):
			t := number(s, i)
			toks = append(toks, t)
			i = t.end
		case isIdentStart(c):
			t := wordOrPrefixed(s, i)
			toks = append(toks, t)
			i = t.end
		default:
			toks = append(toks, token{kind: punct, val: s[i : i+1], pos: i, end: i + 1})
			i++
		}
	}
	return toks
}

// wordOrPrefixed lexes an identifier or keyword at i, or a prefixed
// constant: E'...', B'...', X'...', N'...', U&'...', U&"...".
func wordOrPrefixed(s string, i int) token {
	j := i + 1
	for j < len(s) && isIdentCont(s[j]) {
		j++
	}
	w := s[i:j]
	if len(w) == 1 {
		switch {
		case at(s, j) == '\'' && strings.ContainsRune("eE", rune(w[0])):
			return quoted(s, i, j+1, '\'', true)
		case at(s, j) == '\'' && strings.ContainsRune("bBxXnN", rune(w[0])):
			return quoted(s, i, j+1, '\'', false)
		case (w == "u" || w == "U") && at(s, j) == '&' && at(s, j+1) == '\'':
			return quoted(s, i, j+2, '\'', false)
		case (w == "u" || w == "U") && at(s, j) == '&' && at(s, j+1) == '"':
			t := quoted(s, i, j+2, '"', false)
			t.kind = ident
			return t
		}
	}
	return token{kind: word, val: strings.ToLower(w), pos: i, end: j}
}

// quoted lexes a constant starting at pos whose body starts at body and ends
// at the first unescaped q; a doubled q stands for one, and with backslash a
// backslash escapes the next byte (kept as written except \\ and \q).
func quoted(s string, pos, body int, q byte, backslash bool) token {
	var b []byte // built only once an escape is seen
	k := body
	for k < len(s) {
		c := s[k]
		switch {
		case backslash && c == '\\' && k+1 < len(s):
			if b == nil {
				b = append([]byte(nil), s[body:k]...)
			}
			if n := s[k+1]; n != '\\' && n != q {
				b = append(b, '\\')
			}
			b = append(b, s[k+1])
			k += 2
			continue
		case c == q && at(s, k+1) == q:
			if b == nil {
				b = append([]byte(nil), s[body:k]...)
			}
			b = append(b, q)
			k += 2
			continue
		case c == q:
			return token{kind: str, val: content(s[body:k], b), pos: pos, end: k + 1}
		}
		if b != nil {
			b = append(b, c)
		}
		k++
	}
	return token{kind: str, val: content(s[body:], b), pos: pos, end: len(s)}
}

// content is the unescaped body b when one was built, else the raw body.
func content(raw string, b []byte) string {
	if b == nil {
		return raw
	}
	return string(b)
}

// dollar lexes at a '$': a parameter ($1), a dollar-quoted string
// ($$...$$, $tag$...$tag$), or else a lone '$' as punctuation.
func dollar(s string, i int) token {
	k := i + 1
	if isDigit(at(s, k)) {
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		return token{kind: param, val: s[i:k], pos: i, end: k}
	}
	if k < len(s) && isIdentStart(s[k]) {
		for k < len(s) && (isIdentStart(s[k]) || isDigit(s[k])) {
			k++
		}
	}
	if at(s, k) != '$' {
		return token{kind: punct, val: "$", pos: i, end: i + 1}
	}
	delim := s[i : k+1]
	body := k + 1
	n := strings.Index(s[body:], delim)
	if n < 0 {
		return token{kind: str, val: s[body:], pos: i, end: len(s)}
	}
	return token{kind: str, val: s[body : body+n], pos: i, end: body + n + len(delim)}
}

// number lexes a numeric constant: digits, a fraction, an exponent.
func number(s string, i int) token {
	k := i
	for k < len(s) && (isDigit(s[k]) || s[k] == '.' || s[k] == '_') {
		k++
	}
	if c := at(s, k); (c == 'e' || c == 'E') && (isDigit(at(s, k+1)) ||
		((at(s, k+1) == '+' || at(s, k+1) == '-') && isDigit(at(s, k+2)))) {
		k += 2
		for k < len(s) && isDigit(s[k]) {
			k++
		}
	}
	return token{kind: num, val: s[i:k], pos: i, end: k}
}

// lineEnd is the offset after a -- comment starting at i (its newline
// stays whitespace).
func lineEnd(s string, i int) int {
	if n := strings.IndexAny(s[i:], "\n\r"); n >= 0 {
		return i + n
	}
	return len(s)
}

// blockEnd is the offset after a /* */ comment starting at i; comments nest,
// as in PostgreSQL.
func blockEnd(s string, i int) int {
	depth := 0
	for k := i; k < len(s); {
		switch {
		case s[k] == '/' && at(s, k+1) == '*':
			depth++
			k += 2
		case s[k] == '*' && at(s, k+1) == '/':
			depth--
			k += 2
			if depth == 0 {
				return k
			}
		default:
			k++
		}
	}
	return len(s)
}

// at is s[i], or 0 past the end.
func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isIdentStart: PostgreSQL's ident_start, [A-Za-z\200-\377_].
func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

// isIdentCont: PostgreSQL's ident_cont, which also allows digits and '$'.
func isIdentCont(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }
