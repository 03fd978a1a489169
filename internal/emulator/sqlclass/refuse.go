package sqlclass

import "strings"

// refusedVerbs maps the leading keyword of a statement Aurora does not
// support with write forwarding to the Reason given.
var refusedVerbs = map[string]string{
	"analyze":   "ANALYZE",
	"analyse":   "ANALYZE",
	"cluster":   "CLUSTER",
	"vacuum":    "VACUUM",
	"truncate":  "TRUNCATE",
	"copy":      "COPY",
	"declare":   "cursors (DECLARE)",
	"fetch":     "cursors (FETCH)",
	"move":      "cursors (MOVE)",
	"close":     "cursors (CLOSE)",
	"grant":     "GRANT",
	"revoke":    "REVOKE",
	"reassign":  "REASSIGN OWNED",
	"security":  "SECURITY LABEL",
	"lock":      "LOCK",
	"savepoint": "SAVEPOINT",
	"release":   "SAVEPOINT (RELEASE)",
	"listen":    "LISTEN",
	"notify":    "NOTIFY",
	"unlisten":  "UNLISTEN",
	"call":      "procedures (CALL)",
	"do":        "anonymous code blocks (DO)",
	"reindex":   "DDL (REINDEX)",
	"refresh":   "DDL (REFRESH MATERIALIZED VIEW)",
	"import":    "DDL (IMPORT FOREIGN SCHEMA)",
	"comment":   "DDL (COMMENT ON)",
	"create":    "", // ddl names the object
	"alter":     "",
	"drop":      "",
}

// refusal is the Reason for refusing a statement that starts with verb
// (p positioned after it), or "" when verb is not refused.
func refusal(verb string, p *parser) string {
	r, ok := refusedVerbs[verb]
	switch {
	case !ok:
		return ""
	case r != "":
		return r
	case verb == "create" || verb == "alter" || verb == "drop":
		return ddl(verb, p)
	}
	return ""
}

// createModifiers come between CREATE and the kind of object.
var createModifiers = map[string]bool{
	"or": true, "replace": true, "temp": true, "temporary": true, "unlogged": true,
	"global": true, "local": true, "unique": true, "trusted": true, "procedural": true,
	"recursive": true, "constraint": true, "default": true,
}

// objectKinds are the kinds of object whose name takes several words.
var objectKinds = [][]string{
	{"materialized", "view"},
	{"foreign", "data", "wrapper"},
	{"foreign", "table"},
	{"event", "trigger"},
	{"text", "search", "configuration"},
	{"text", "search", "dictionary"},
	{"text", "search", "parser"},
	{"text", "search", "template"},
	{"access", "method"},
	{"user", "mapping"},
	{"operator", "class"},
	{"operator", "family"},
	{"default", "privileges"},
}

// ddl is the Reason for CREATE, ALTER or DROP: "DDL (CREATE TABLE)",
// "DDL (ALTER MATERIALIZED VIEW)", "DDL (CREATE TABLE AS)" (a write as
// well as DDL), "DDL (DROP)" when the kind of object is missing.
func ddl(verb string, p *parser) string {
	obj := objectKind(verb, p)
	if obj == "table" && topLevelWord(p.toks[p.i:], "as") {
		obj = "table as"
	}
	if obj == "" {
		return "DDL (" + strings.ToUpper(verb) + ")"
	}
	return "DDL (" + strings.ToUpper(verb+" "+obj) + ")"
}

// objectKind reads the kind of object after CREATE, ALTER or DROP, in
// lower case words ("table", "materialized view").
func objectKind(verb string, p *parser) string {
	for _, k := range objectKinds {
		if p.words(k...) {
			return strings.Join(k, " ")
		}
	}
	if verb == "create" && createModifiers[p.peek(0).val] && p.peek(0).kind == word {
		p.next()
		return objectKind(verb, p)
	}
	if t := p.peek(0); t.kind == word && t.val != "" {
		p.next()
		return t.val
	}
	return ""
}

// topLevelWord reports whether the keyword w occurs in toks outside
// parentheses.
func topLevelWord(toks []token, w string) bool {
	depth := 0
	for _, t := range toks {
		switch {
		case t.isPunct('('):
			depth++
		case t.isPunct(')'):
			depth--
		case depth == 0 && t.isWord(w):
			return true
		}
	}
	return false
}
