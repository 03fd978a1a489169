package sqlclass

import "strings"

// Classify classifies one statement (as Split returns it; a trailing ';' is
// allowed). Keywords are case-insensitive; leading whitespace, comments and
// parentheses are skipped. Text that holds several statements is Refused
// (call Split first): classifying only the first would let the others run
// unchecked. Classify never panics.
func Classify(stmt string) Statement {
	rs := statements(lex(stmt))
	switch len(rs) {
	case 0:
		return Statement{Text: stmt, Class: Session}
	case 1:
		return classify(stmt, rs[0].toks)
	}
	return Statement{Text: stmt, Class: Refused, Command: command(rs[0].toks),
		Reason: "several statements in one query string (split them first)"}
}

// classify classifies the tokens of one statement lexed from text.
func classify(text string, toks []token) Statement {
	st := Statement{Text: text, Command: command(toks)}
	p := &parser{toks: toks}
	for p.punct('(') {
	}
	verb := p.next()
	if verb.kind != word {
		return st // Read: the replica reports the syntax error
	}
	switch verb.val {
	case "select", "values", "table":
		classifySelect(&st, toks)
	case "with":
		if modifiesData(toks) {
			st.Class = Write
		} else {
			classifySelect(&st, toks)
		}
	case "insert", "update", "delete", "merge":
		st.Class = Write
	case "begin", "start":
		classifyBegin(&st, p, verb.val)
	case "commit", "end", "rollback", "abort":
		classifyEnd(&st, p, verb.val)
	case "set":
		classifySet(&st, p, text)
	case "reset", "show":
		classifyResetShow(&st, p, verb.val)
	case "prepare":
		classifyPrepare(&st, p, text)
	case "execute":
		if n, ok := p.name(); ok {
			st.Class, st.Name = Execute, n
		}
	case "explain":
		classifyExplain(&st, p, text)
	case "deallocate", "discard", "load", "checkpoint":
		classifySession(&st, p, verb.val)
	default:
		if r := refusal(verb.val, p); r != "" {
			st.Class, st.Reason = Refused, r
		}
	}
	switch st.Class {
	case Begin, Commit, Rollback, SetTransaction, SetForward:
		if !p.done() {
			// The front handles these itself: when one does not parse to
			// its end, the replica must run it to report the syntax error.
			return Statement{Text: text, Command: st.Command}
		}
	case Refused:
		return st
	}
	if f := sequenceCall(toks); f != "" {
		st.Class, st.Reason = Refused, f+"()"
	}
	// A forwarded statement runs on the writer in a session whose
	// session_user is the emulator's admin: set_config() there could
	// change its role. Aurora forwards no session settings either.
	if (st.Class == Write || st.Class == LockingRead) && calls(toks, "set_config") {
		st.Class, st.Reason = Refused, "set_config() in a statement that writes"
	}
	return st
}

// calls reports whether the statement calls function name: the name
// (unquoted, quoted, or schema-qualified) followed by '('.
func calls(toks []token, name string) bool {
	for i := 0; i+1 < len(toks); i++ {
		if t := toks[i]; (t.kind == word || t.kind == ident) && t.val == name && toks[i+1].isPunct('(') {
			return true
		}
	}
	return false
}

// command is the statement's leading keyword in upper case, skipping
// leading parentheses.
func command(toks []token) string {
	for _, t := range toks {
		if t.kind == word {
			return strings.ToUpper(t.val)
		}
		if !t.isPunct('(') {
			break
		}
	}
	return ""
}

// classifySelect classifies SELECT, VALUES, TABLE and a WITH that modifies
// no data: Read, LockingRead with a locking clause (at any depth: a
// subquery's FOR UPDATE locks rows too), Refused for SELECT INTO (INTO can
// only appear in a SELECT as SELECT INTO).
func classifySelect(st *Statement, toks []token) {
	for i, t := range toks {
		switch {
		case t.isWord("into"):
			st.Class, st.Reason = Refused, "SELECT INTO"
			return
		case t.isWord("for") && isLockStrength(toks[i+1:]):
			st.Class = LockingRead
		}
	}
}

// isLockStrength reports whether toks start with UPDATE, NO KEY UPDATE,
// SHARE or KEY SHARE.
func isLockStrength(toks []token) bool {
	p := &parser{toks: toks}
	return p.word("update") || p.word("share") ||
		p.words("no", "key", "update") || p.words("key", "share")
}

// modifiesData reports whether a WITH statement contains INSERT, UPDATE,
// DELETE or MERGE (in a CTE or as its main statement). UPDATE after FOR or
// KEY is a locking clause, not a statement. A column named like one of
// these keywords and left unquoted makes a read look like a write: that
// only forwards a read to the writer, which runs it correctly.
func modifiesData(toks []token) bool {
	for i, t := range toks {
		if t.kind != word {
			continue
		}
		switch t.val {
		case "insert", "delete", "merge":
			return true
		case "update":
			if i == 0 || !(toks[i-1].isWord("for") || toks[i-1].isWord("key")) {
				return true
			}
		}
	}
	return false
}

// sequenceCall returns "nextval" or "setval" when the statement calls one
// of them: the name (unquoted, quoted, or schema-qualified) followed by '('.
func sequenceCall(toks []token) string {
	for i := 0; i+1 < len(toks); i++ {
		t := toks[i]
		if (t.kind == word || t.kind == ident) && (t.val == "nextval" || t.val == "setval") &&
			toks[i+1].isPunct('(') {
			return t.val
		}
	}
	return ""
}

// classifyPrepare: PREPARE TRANSACTION 'gid' is two-phase commit; PREPARE
// name [(types)] AS statement classifies the statement as Inner, and is
// Refused when Inner is (executing it would be). Malformed: Read.
func classifyPrepare(st *Statement, p *parser, text string) {
	if p.peek(0).isWord("transaction") && p.peek(1).kind == str {
		st.Class, st.Reason = Refused, "two-phase commit (PREPARE TRANSACTION)"
		return
	}
	name, ok := p.name()
	if !ok {
		return
	}
	if p.peek(0).isPunct('(') {
		p.skipParens()
	}
	if !p.word("as") || p.done() {
		return
	}
	inner := Classify(p.rest(text))
	st.Class, st.Name, st.Inner = Prepare, name, &inner
	if inner.Class == Refused {
		st.Class, st.Reason = Refused, inner.Reason
	}
}

// classifyExplain: EXPLAIN [ANALYZE] [VERBOSE] statement, or EXPLAIN
// (option [value], ...) statement. Refused when the explained statement is.
func classifyExplain(st *Statement, p *parser, text string) {
	if p.punct('(') {
		st.Analyze = explainOptions(p)
	} else {
		st.Analyze = p.word("analyze") || p.word("analyse")
		p.word("verbose")
	}
	if p.done() {
		st.Analyze = false
		return
	}
	inner := Classify(p.rest(text))
	st.Class, st.Inner = Explain, &inner
	if inner.Class == Refused {
		st.Class, st.Reason = Refused, inner.Reason
	}
}

// explainOptions reads an EXPLAIN option list after its '(' up to and
// including the closing ')', and reports whether ANALYZE is on.
func explainOptions(p *parser) bool {
	analyze := false
	for !p.done() && !p.punct(')') {
		opt := p.next()
		if !opt.isWord("analyze") && !opt.isWord("analyse") {
			continue
		}
		analyze = true
		if v := p.peek(0); v.kind == word || v.kind == str || v.kind == num {
			analyze = !isFalse(v.val)
		}
	}
	return analyze
}

// isFalse reports whether an option value is a false boolean as
// PostgreSQL's parse_bool reads it.
func isFalse(v string) bool {
	switch strings.ToLower(v) {
	case "false", "f", "fa", "fal", "fals", "off", "of", "no", "n", "0":
		return true
	}
	return false
}

// classifySession: DEALLOCATE [PREPARE] {name | ALL}, DISCARD {ALL | PLANS
// | SEQUENCES | TEMP}, LOAD 'file', CHECKPOINT run on the replica.
func classifySession(st *Statement, p *parser, verb string) {
	st.Class = Session
	switch verb {
	case "deallocate":
		p.word("prepare")
		if p.word("all") {
			st.All = true
		} else if n, ok := p.name(); ok {
			st.Name = n
		}
	case "discard":
		st.All = p.word("all")
	}
}
