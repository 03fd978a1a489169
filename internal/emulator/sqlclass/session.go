package sqlclass

import "strings"

// forwardPrefix starts the name of every write forwarding parameter.
const forwardPrefix = "apg_write_forward."

// classifyBegin: BEGIN [WORK | TRANSACTION] [modes], START TRANSACTION
// [modes]. A bare START is malformed (Read).
func classifyBegin(st *Statement, p *parser, verb string) {
	if verb == "start" && !p.word("transaction") {
		return
	}
	if verb == "begin" && !p.word("work") {
		p.word("transaction")
	}
	st.Class = Begin
	transactionModes(st, p)
}

// transactionModes reads a transaction mode list: ISOLATION LEVEL level,
// READ ONLY, READ WRITE, [NOT] DEFERRABLE, separated by commas or spaces.
// It stops at the first token it does not know (PostgreSQL will report it).
func transactionModes(st *Statement, p *parser) {
	for !p.done() {
		switch {
		case p.punct(','):
		case p.words("isolation", "level"):
			switch {
			case p.word("serializable"):
				st.Isolation = Serializable
			case p.words("repeatable", "read"):
				st.Isolation = RepeatableRead
			case p.words("read", "committed"):
				st.Isolation = ReadCommitted
			case p.words("read", "uncommitted"):
				st.Isolation = ReadUncommitted
			default:
				return
			}
		case p.words("read", "only"):
			st.ReadOnly, st.ReadWrite = true, false
		case p.words("read", "write"):
			st.ReadOnly, st.ReadWrite = false, true
		case p.word("deferrable"), p.words("not", "deferrable"):
		default:
			return
		}
	}
}

// classifyEnd: COMMIT | END | ROLLBACK | ABORT [WORK | TRANSACTION]
// [AND [NO] CHAIN]; COMMIT PREPARED and ROLLBACK PREPARED (two-phase
// commit) and ROLLBACK TO [SAVEPOINT] are refused, and so is AND CHAIN
// (see the package comment).
func classifyEnd(st *Statement, p *parser, verb string) {
	commit := verb == "commit" || verb == "end"
	st.Class = Rollback
	if commit {
		st.Class = Commit
	}
	if (verb == "commit" || verb == "rollback") && p.word("prepared") {
		st.Class, st.Reason = Refused, "two-phase commit ("+strings.ToUpper(verb)+" PREPARED)"
		return
	}
	if !p.word("work") {
		p.word("transaction")
	}
	switch {
	case !commit && p.word("to"):
		st.Class, st.Reason = Refused, "SAVEPOINT"
	case p.words("and", "chain"):
		st.Class, st.Reason = Refused, strings.ToUpper(verb)+" AND CHAIN"
	default:
		p.words("and", "no", "chain")
	}
}

// classifySet: SET [SESSION | LOCAL] followed by TRANSACTION modes,
// SESSION CHARACTERISTICS AS TRANSACTION modes, CONSTRAINTS (refused), or
// a parameter and its value.
func classifySet(st *Statement, p *parser, text string) {
	if p.word("local") {
		st.Local = true
	} else if w := p.peek(1); p.peek(0).isWord("session") &&
		!w.isWord("characteristics") && !w.isWord("authorization") {
		p.next()
	}
	switch {
	case p.words("transaction", "snapshot"):
		st.Class = SetTransaction
		p.next() // the snapshot id
	case p.word("transaction"):
		st.Class = SetTransaction
		transactionModes(st, p)
	case p.words("session", "characteristics", "as", "transaction"):
		st.Class, st.SessionDefault = SetTransaction, true
		transactionModes(st, p)
	case p.word("constraints"):
		st.Class, st.Reason = Refused, "SET CONSTRAINTS"
	default:
		st.Setting = setting(p)
		if st.Setting == "" || !(p.word("to") || p.punct('=') || isSpecialSet(st.Setting)) || p.done() {
			*st = Statement{Text: st.Text, Command: st.Command} // malformed: Read
			return
		}
		st.Class = Session
		setValue(st, p, text)
		forward(st)
	}
}

// setValue reads the value of a SET (at least one token): one string or
// word unquoted, DEFAULT as Reset, several tokens as written.
func setValue(st *Statement, p *parser, text string) {
	rest := p.toks[p.i:]
	p.i = len(p.toks)
	switch {
	case len(rest) == 1 && rest[0].isWord("default"):
		st.Reset = true
	case len(rest) == 1 && (rest[0].kind == word || rest[0].kind == str || rest[0].kind == ident):
		st.Value = rest[0].val
	default:
		st.Value = text[rest[0].pos:rest[len(rest)-1].end]
	}
}

// classifyResetShow: RESET / SHOW {parameter | ALL | special name}.
func classifyResetShow(st *Statement, p *parser, verb string) {
	st.Class = Session
	st.Reset, st.Show = verb == "reset", verb == "show"
	if p.word("all") {
		st.All = true
		return
	}
	st.Setting = setting(p)
	forward(st)
}

// forward makes a Session SET/RESET/SHOW of an apg_write_forward.*
// parameter SetForward, with the prefix cut.
func forward(st *Statement) {
	if name, ok := strings.CutPrefix(st.Setting, forwardPrefix); ok && name != "" {
		st.Class, st.Setting = SetForward, name
	}
}

// specialSets are the SET/RESET/SHOW forms whose parameter is spelled in
// words, and the parameter each one sets.
var specialSets = []struct {
	words   []string
	setting string
}{
	{[]string{"time", "zone"}, "timezone"},
	{[]string{"session", "authorization"}, "session_authorization"},
	{[]string{"transaction", "isolation", "level"}, "transaction_isolation"},
	{[]string{"xml", "option"}, "xmloption"},
	{[]string{"schema"}, "search_path"},
	{[]string{"names"}, "client_encoding"},
	{[]string{"role"}, "role"},
}

func isSpecialSet(setting string) bool {
	for _, s := range specialSets {
		if s.setting == setting {
			return true
		}
	}
	return false
}

// setting reads a parameter name: a special form, or a dotted name of
// identifiers, in lower case (PostgreSQL matches parameter names
// case-insensitively).
func setting(p *parser) string {
	for _, s := range specialSets {
		if p.words(s.words...) {
			return s.setting
		}
	}
	var b strings.Builder
	for {
		n, ok := p.name()
		if !ok {
			return ""
		}
		b.WriteString(strings.ToLower(n))
		if !p.punct('.') {
			return b.String()
		}
		b.WriteByte('.')
	}
}
