// Package sqlclasstmp is a temporary stand-in for internal/emulator/sqlclass
// (being written on branch h11-sqlclass) with the same API, so wfront
// builds until that package lands on main. It is deliberately small:
// keyword-based, good enough for wfront's tests. Delete it when
// sqlclass lands and change wfront's import.
package sqlclasstmp

import (
	"regexp"
	"strings"
)

// Class is what a statement does, as write forwarding sees it.
type Class int

// Classes.
const (
	Read Class = iota
	Write
	LockingRead
	Begin
	Commit
	Rollback
	SetTransaction
	SetForward
	Session
	Prepare
	Execute
	Explain
	Refused
)

// Statement is one classified statement.
type Statement struct {
	Text           string
	Class          Class
	Command        string
	Isolation      string // Begin/SetTransaction: "READ COMMITTED", ...; "" default
	ReadOnly       bool
	ReadWrite      bool
	SessionDefault bool   // SET SESSION CHARACTERISTICS AS TRANSACTION
	Setting        string // SetForward: the setting name without "apg_write_forward."
	Value          string // SetForward: the value (SET)
	Show           bool   // SetForward: SHOW
	Reset          bool   // SetForward: RESET or SET ... TO DEFAULT
	Local          bool
	All            bool   // DEALLOCATE ALL, DISCARD ALL
	Name           string // Prepare/Execute/DEALLOCATE: the prepared statement's name
	Inner          *Statement
	Analyze        bool // Explain: ANALYZE
	Reason         string
}

// Split splits a simple-query string into statements.
func Split(q string) []string {
	var out []string
	start := 0
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '$':
			m := dollarRE.FindString(q[i:])
			if m == "" {
				continue
			}
			end := strings.Index(q[i+len(m):], m)
			if end < 0 {
				i = len(q)
			} else {
				i += len(m) + end + len(m) - 1
			}
		case c == ';':
			if s := strings.TrimSpace(q[start:i]); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(q[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

var (
	dollarRE  = regexp.MustCompile(`^\$[A-Za-z_]*\$`)
	wordRE    = regexp.MustCompile(`[A-Za-z_][A-Za-z_0-9.]*|\S`)
	lockingRE = regexp.MustCompile(`(?i)\bFOR\s+(NO\s+KEY\s+UPDATE|UPDATE|SHARE|KEY\s+SHARE)\b`)
	seqRE     = regexp.MustCompile(`(?i)\b(nextval|setval)\s*\(`)
	isoRE     = regexp.MustCompile(`(?i)ISOLATION\s+LEVEL\s+(READ\s+COMMITTED|REPEATABLE\s+READ|SERIALIZABLE|READ\s+UNCOMMITTED)`)
	intoRE    = regexp.MustCompile(`(?i)^SELECT\b.*\bINTO\b`)
)

// Classify classifies one statement.
func Classify(stmt string) Statement {
	st := classify(stmt)
	st.Text = stmt
	if w := wordRE.FindString(stmt); w != "" {
		st.Command = strings.ToUpper(w)
	}
	return st
}

func classify(stmt string) Statement {
	w := wordRE.FindAllString(stmt, 8)
	up := make([]string, len(w))
	for i, x := range w {
		up[i] = strings.ToUpper(x)
	}
	at := func(i int) string {
		if i < len(up) {
			return up[i]
		}
		return ""
	}
	txn := func(c Class) Statement {
		s := Statement{Class: c}
		if m := isoRE.FindStringSubmatch(stmt); m != nil {
			s.Isolation = strings.ToUpper(strings.Join(strings.Fields(m[1]), " "))
		}
		u := strings.ToUpper(stmt)
		s.ReadOnly = strings.Contains(u, "READ ONLY")
		s.ReadWrite = strings.Contains(u, "READ WRITE")
		return s
	}
	switch at(0) {
	case "SELECT", "WITH", "VALUES", "TABLE", "SHOW":
		if at(0) == "SHOW" && strings.HasPrefix(at(1), "APG_WRITE_FORWARD.") {
			return Statement{Class: SetForward, Setting: strings.TrimPrefix(strings.ToLower(w[1]), "apg_write_forward."), Show: true}
		}
		if seqRE.MatchString(stmt) {
			return Statement{Class: Refused, Reason: "sequence functions"}
		}
		if intoRE.MatchString(stmt) {
			return Statement{Class: Refused, Reason: "SELECT INTO"}
		}
		if at(0) == "WITH" && regexp.MustCompile(`(?i)\b(INSERT|UPDATE|DELETE)\b`).MatchString(stmt) {
			return Statement{Class: Write}
		}
		if lockingRE.MatchString(stmt) {
			return Statement{Class: LockingRead}
		}
		return Statement{Class: Read}
	case "INSERT", "UPDATE", "DELETE", "MERGE":
		if seqRE.MatchString(stmt) {
			return Statement{Class: Refused, Reason: "sequence functions"}
		}
		return Statement{Class: Write}
	case "BEGIN", "START":
		return txn(Begin)
	case "COMMIT", "END":
		if at(1) == "PREPARED" {
			return Statement{Class: Refused, Reason: "two-phase commit"}
		}
		return Statement{Class: Commit}
	case "ROLLBACK", "ABORT":
		if at(1) == "TO" || at(1) == "PREPARED" {
			return Statement{Class: Refused, Reason: "savepoints"}
		}
		return Statement{Class: Rollback}
	case "SET", "RESET":
		name := at(1)
		if name == "SESSION" && at(2) == "CHARACTERISTICS" {
			s := txn(SetTransaction)
			s.SessionDefault = true
			return s
		}
		if name == "SESSION" || name == "LOCAL" {
			name = at(2)
		}
		if name == "TRANSACTION" {
			return txn(SetTransaction)
		}
		if name == "CONSTRAINTS" {
			return Statement{Class: Refused, Reason: "SET CONSTRAINTS"}
		}
		if strings.HasPrefix(name, "APG_WRITE_FORWARD.") {
			s := Statement{Class: SetForward, Setting: strings.TrimPrefix(strings.ToLower(name), "apg_write_forward."), Reset: at(0) == "RESET"}
			s.Setting = strings.ToLower(s.Setting)
			if m := regexp.MustCompile(`(?i)(?:=|\bTO\b)\s*'?([A-Za-z_]+)'?`).FindStringSubmatch(stmt); m != nil {
				s.Value = m[1]
				if strings.EqualFold(s.Value, "default") {
					s.Value, s.Reset = "", true
				}
			}
			return s
		}
		return Statement{Class: Session}
	case "PREPARE":
		if at(1) == "TRANSACTION" {
			return Statement{Class: Refused, Reason: "two-phase commit"}
		}
		m := regexp.MustCompile(`(?is)^PREPARE\s+(\w+)\s*(?:\([^)]*\))?\s+AS\s+(.*)$`).FindStringSubmatch(stmt)
		if m == nil {
			return Statement{Class: Session}
		}
		in := Classify(m[2])
		return Statement{Class: Prepare, Name: strings.ToLower(m[1]), Inner: &in}
	case "EXECUTE":
		return Statement{Class: Execute, Name: strings.ToLower(w[1])}
	case "EXPLAIN":
		m := regexp.MustCompile(`(?is)^EXPLAIN\s+(\([^)]*\)\s*)?(ANALYZE\s+|ANALYSE\s+)?(VERBOSE\s+)?(.*)$`).FindStringSubmatch(stmt)
		in := Classify(m[4])
		an := m[2] != "" || strings.Contains(strings.ToUpper(m[1]), "ANALYZE")
		return Statement{Class: Explain, Inner: &in, Analyze: an}
	case "DEALLOCATE", "DISCARD":
		n := at(1)
		if n == "PREPARE" {
			n = at(2)
		}
		if n == "ALL" {
			return Statement{Class: Session, All: true}
		}
		if at(0) == "DEALLOCATE" && n != "" {
			return Statement{Class: Session, Name: strings.ToLower(n)}
		}
		return Statement{Class: Session}
	case "LOAD":
		return Statement{Class: Session}
	case "SAVEPOINT", "RELEASE":
		return Statement{Class: Refused, Reason: "savepoints"}
	case "DECLARE", "FETCH", "MOVE", "CLOSE":
		return Statement{Class: Refused, Reason: "cursors"}
	case "COPY":
		return Statement{Class: Refused, Reason: "COPY"}
	case "LOCK":
		return Statement{Class: Refused, Reason: "LOCK"}
	case "LISTEN", "NOTIFY", "UNLISTEN":
		return Statement{Class: Refused, Reason: at(0)}
	}
	return Statement{Class: Refused, Reason: "DDL and utility statements"}
}
