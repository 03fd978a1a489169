package sqlclass

import "strings"

// Split splits a query string (the simple query protocol may carry several
// statements) into its statements at each ';' outside strings, quoted
// identifiers, dollar quotes, comments and parentheses, and outside the
// BEGIN ATOMIC ... END body of CREATE FUNCTION/PROCEDURE (the heuristic psql
// uses). Each text starts at the statement's first token or leading comment
// (whitespace trimmed) and ends with its last token: no trailing ';', no
// trailing comment, so texts can be joined again with ";". Statements with
// no tokens (only whitespace and comments) are dropped. An unterminated
// quote or comment runs to the end of q, so it ends the last statement.
func Split(q string) []string {
	var out []string
	for _, r := range statements(lex(q)) {
		out = append(out, text(q, r))
	}
	return out
}

// stmtRange is one statement: its tokens, and the byte offset where it
// starts (after the previous ';').
type stmtRange struct {
	toks  []token
	start int
}

// text is the statement's text in q, from its start (leading whitespace
// trimmed) to the end of its last token.
func text(q string, r stmtRange) string {
	return strings.TrimLeft(q[r.start:r.toks[len(r.toks)-1].end], " \t\n\r\f\v")
}

// statements groups toks into statements at top-level semicolons, dropping
// statements without tokens.
func statements(toks []token) []stmtRange {
	var out []stmtRange
	first, start := 0, 0 // token index and byte offset of the current statement
	depth := 0           // parentheses
	atomic := 0          // BEGIN ATOMIC ... END nesting in a routine body
	for i, t := range toks {
		switch {
		case t.isPunct('('):
			depth++
		case t.isPunct(')'):
			if depth > 0 {
				depth--
			}
		case t.isPunct(';') && depth == 0 && atomic == 0:
			if i > first {
				out = append(out, stmtRange{toks: toks[first:i], start: start})
			}
			first, start = i+1, t.end
		case t.kind == word && depth == 0 && isRoutine(toks[first:i]):
			atomic = atomicDepth(atomic, t.val)
		}
	}
	if first < len(toks) {
		out = append(out, stmtRange{toks: toks[first:], start: start})
	}
	return out
}

// isRoutine reports whether a statement starting with toks is
// CREATE [OR REPLACE] FUNCTION|PROCEDURE, whose SQL-standard body
// (BEGIN ATOMIC ... END) may contain semicolons.
func isRoutine(toks []token) bool {
	w := func(i int, v ...string) bool {
		if i >= len(toks) {
			return false
		}
		for _, x := range v {
			if toks[i].isWord(x) {
				return true
			}
		}
		return false
	}
	if !w(0, "create") {
		return false
	}
	if w(1, "or") && w(2, "replace") {
		return w(3, "function", "procedure")
	}
	return w(1, "function", "procedure")
}

// atomicDepth tracks BEGIN ... END nesting in a routine body as psql does:
// BEGIN opens, CASE opens only inside a body (it also ends with END), END
// closes.
func atomicDepth(depth int, w string) int {
	switch {
	case w == "begin":
		return depth + 1
	case w == "case" && depth > 0:
		return depth + 1
	case w == "end" && depth > 0:
		return depth - 1
	}
	return depth
}
