package wfront

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	sqlclass "github.com/globaldb/globaldb/internal/emulator/sqlclass"
)

// dest is where a statement runs.
type dest int

const (
	toLocal   dest = iota
	toWriter       // the forwarding session on the writer
	toRefuse       // refused by the front: not supported with write forwarding
	toAborted      // the front failed the transaction: 25P02
)

// route decides where a statement of class c runs now. A transaction
// that failed on one side sends the rest of its statements there, so
// the client sees "current transaction is aborted".
func (s *session) route(c sqlclass.Class) dest {
	w := s.writerStatus()
	switch {
	case s.aborted:
		return toAborted
	case s.local.status == 'E':
		return toLocal
	case w == 'E':
		return toWriter
	case !s.fwd():
		return toLocal
	}
	switch c {
	case sqlclass.Write, sqlclass.LockingRead:
		if s.txReadOnly {
			return toLocal // a READ ONLY transaction is never forwarded
		}
		return toWriter
	case sqlclass.Read:
		// Inside a transaction that has written, SESSION and GLOBAL reads
		// see its uncommitted writes: they run in the forwarding session.
		if w == 'T' && s.mode != "eventual" {
			return toWriter
		}
	case sqlclass.Refused:
		return toRefuse
	}
	return toLocal
}

// plain reports whether a statement class needs nothing from the front
// beyond routing, so several of them can be sent as one string.
func plain(c sqlclass.Class) bool {
	switch c {
	case sqlclass.Read, sqlclass.Write, sqlclass.LockingRead, sqlclass.Session:
		return true
	}
	return false
}

// query serves a simple-protocol Query message. When every statement
// goes to one side the string is sent as is; otherwise the statements
// run one at a time, in order, until one fails (each then commits on
// its own outside an explicit transaction: a documented deviation from
// PostgreSQL's implicit transaction for a multi-statement string).
func (s *session) query(q string) error {
	s.checkIdle()
	texts := sqlclass.Split(q)
	sts := make([]sqlclass.Statement, len(texts))
	whole := true
	for i, t := range texts {
		sts[i] = sqlclass.Classify(t)
		if !plain(sts[i].Class) || s.route(sts[i].Class) != s.route(sts[0].Class) {
			whole = false
		}
	}
	switch {
	case len(texts) == 0:
		if _, err := s.localQuery(q, true); err != nil {
			return err
		}
	case whole:
		if _, err := s.run(q, sts); err != nil {
			return err
		}
	default:
		for i, t := range texts {
			failed, err := s.execOne(t, sts[i])
			if err != nil {
				return err
			}
			if failed {
				break
			}
		}
	}
	return s.ready()
}

// execOne runs one statement, its replies (but not ReadyForQuery) going
// to the client; failed reports an ErrorResponse.
func (s *session) execOne(text string, st sqlclass.Statement) (bool, error) {
	if c := st.Class; c != sqlclass.Commit && c != sqlclass.Rollback && s.route(c) == toAborted {
		return s.failAborted(), nil
	}
	switch st.Class {
	case sqlclass.Begin, sqlclass.SetTransaction:
		r, err := s.localQuery(text, true)
		if err == nil && !r.failed {
			s.noteTx(st)
		}
		return r.failed, err
	case sqlclass.Commit, sqlclass.Rollback:
		return s.endTx(text, st.Class == sqlclass.Commit)
	case sqlclass.SetForward:
		return s.setForward(st, true), nil
	}
	return s.run(text, []sqlclass.Statement{st})
}

// run sends text (statements sts, all routed alike) where they go.
func (s *session) run(text string, sts []sqlclass.Statement) (bool, error) {
	c := s.classOf(sts[0])
	switch s.route(c) {
	case toAborted:
		return s.failAborted(), nil
	case toRefuse:
		s.sendError(refusal(sts[0]))
		s.abortTx()
		return true, nil
	case toWriter:
		dml, prefix := 0, []string(nil)
		for _, st := range sts {
			if k := s.classOf(st); k == sqlclass.Write || k == sqlclass.LockingRead {
				dml++
			}
			prefix = append(prefix, s.writerPrepares(st)...)
		}
		commit := s.status() == 'I'
		return s.onWriter(prefix, sendQuery(text), commit, dml)
	}
	for _, st := range sts {
		if s.classOf(st) == sqlclass.Read {
			if e := s.waitConsistent(); e != nil {
				s.sendError(e)
				s.abortTx()
				return true, nil
			}
			break
		}
	}
	r, err := s.localQuery(text, true)
	if err == nil && !r.failed {
		for _, st := range sts {
			s.afterLocal(st)
		}
	}
	return r.failed, err
}

// afterLocal records what a statement that succeeded on the replica
// changed in the session's prepared statements.
func (s *session) afterLocal(st sqlclass.Statement) {
	if st.Class == sqlclass.Prepare {
		s.sqlPreps[strings.ToLower(st.Name)] = &sqlPrepared{text: st.Text, inner: st.Inner}
		return
	}
	s.forget(st)
}

// noteTx records the access mode and isolation level a BEGIN or SET
// TRANSACTION gave, which the writer's transaction will get.
func (s *session) noteTx(st sqlclass.Statement) {
	if st.SessionDefault {
		if st.Isolation != "" {
			s.defIso = st.Isolation
		}
		if st.ReadOnly || st.ReadWrite {
			s.defReadOnly = st.ReadOnly
		}
		return
	}
	if st.Class == sqlclass.Begin {
		s.txIso, s.txReadOnly = s.defIso, s.defReadOnly
	}
	if st.Isolation != "" {
		s.txIso = st.Isolation
	}
	if st.ReadOnly {
		s.txReadOnly = true
	} else if st.ReadWrite {
		s.txReadOnly = false
	}
}

// forget follows DEALLOCATE and DISCARD ALL run on the replica: the
// statements they drop are dropped in the forwarding session too (at
// its next use), and are no longer known.
func (s *session) forget(st sqlclass.Statement) {
	switch {
	case st.Class != sqlclass.Session:
	case st.All && (st.Command == "DEALLOCATE" || st.Command == "DISCARD"):
		s.writerSQL = append(s.writerSQL, "DEALLOCATE ALL")
		s.sqlPreps = map[string]*sqlPrepared{}
		if st.Command == "DISCARD" {
			s.stmts = map[string]*prepared{}
		}
	case st.Command == "DEALLOCATE" && st.Name != "":
		if p := s.sqlPreps[st.Name]; p != nil && p.onWriter {
			s.writerSQL = append(s.writerSQL, "DEALLOCATE "+quoteIdent(st.Name))
		}
		delete(s.sqlPreps, st.Name)
	}
}

// failAborted answers a statement in a transaction the front failed.
func (s *session) failAborted() bool {
	if e := s.abortReason; e != nil {
		s.be.Send(e)
		s.abortReason = nil
	} else {
		s.sendError(errAborted)
	}
	return true
}

// refusal is the error for a statement write forwarding does not
// support. Aurora's exact error is not documented; this is PostgreSQL's
// feature_not_supported class, naming what is refused.
func refusal(st sqlclass.Statement) *pgError {
	what := st.Reason
	if what == "" {
		what = abbreviate(st.Text)
	}
	return &pgError{Code: "0A000",
		Message: fmt.Sprintf("write forwarding does not support %s", what),
		Detail:  "Statement: " + abbreviate(st.Text),
		Hint:    "Run it on the writer endpoint of the primary cluster."}
}

func abbreviate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// endTx ends the client's transaction on both sides. A failed
// transaction is rolled back (COMMIT answers ROLLBACK, as PostgreSQL
// does); a COMMIT of a transaction open on the writer ends locally
// first, then on the writer, whose reply the client sees.
func (s *session) endTx(text string, commit bool) (bool, error) {
	w := s.writerStatus()
	if s.status() == 'E' {
		if w != 'I' {
			s.writerHidden("ROLLBACK")
		}
		s.aborted, s.abortReason = false, nil
		r, err := s.localQuery("ROLLBACK", true)
		return r.failed, err
	}
	if w == 'I' {
		r, err := s.localQuery(text, true)
		return r.failed, err
	}
	if !commit {
		// A ROLLBACK cannot fail: a writer lost meanwhile rolled back too.
		s.writerHidden("ROLLBACK")
		r, err := s.localQuery(text, true)
		return r.failed, err
	}
	if _, err := s.localQuery("ROLLBACK", false); err != nil {
		return false, err
	}
	return s.onWriter(nil, sendQuery(text), commit, 0)
}

// setForward serves SET, RESET and SHOW of apg_write_forward settings in
// the front: PostgreSQL does not know them. The setting is not
// transactional (a documented deviation).
func (s *session) setForward(st sqlclass.Statement, rowDesc bool) bool {
	const name = "apg_write_forward.consistency_mode"
	if !strings.EqualFold(st.Setting, "consistency_mode") {
		s.sendError(errorf("42704", "unrecognized configuration parameter %q", "apg_write_forward."+st.Setting))
		s.abortTx()
		return true
	}
	switch {
	case st.Show:
		if rowDesc {
			s.be.Send(showDesc())
		}
		s.be.Send(&pgproto3.DataRow{Values: [][]byte{[]byte(s.mode)}})
		s.be.Send(&pgproto3.CommandComplete{CommandTag: []byte("SHOW")})
	case st.Reset:
		s.mode = normMode(s.f.cfg.Policy().Mode)
		s.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(tagOf(st))})
	default:
		v := strings.ToLower(strings.Trim(st.Value, `'"`))
		switch v {
		case "session", "eventual", "global", "off":
			s.mode = v
			s.be.Send(&pgproto3.CommandComplete{CommandTag: []byte("SET")})
		default:
			s.sendError(&pgError{Code: "22023",
				Message: fmt.Sprintf("invalid value for parameter %q: %q", name, st.Value),
				Hint:    "Available values: off, eventual, session, global."})
			s.abortTx()
			return true
		}
	}
	return false
}

func tagOf(st sqlclass.Statement) string {
	if st.Reset {
		return "RESET"
	}
	return "SET"
}

// sqlPrepared is a statement prepared with SQL PREPARE: it lives on the
// local server, and on the writer once an EXECUTE of it was forwarded.
type sqlPrepared struct {
	text     string
	inner    *sqlclass.Statement
	onWriter bool
}

// writerPrepares returns the PREPARE an EXECUTE needs on the writer.
func (s *session) writerPrepares(st sqlclass.Statement) []string {
	if st.Class != sqlclass.Execute {
		return nil
	}
	p := s.sqlPreps[strings.ToLower(st.Name)]
	if p == nil || p.onWriter {
		return nil
	}
	p.onWriter = true
	return []string{p.text}
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// sendQuery fills a side with one simple Query.
func sendQuery(text string) func(*side) *hiddenQ {
	return func(w *side) *hiddenQ {
		w.send(&pgproto3.Query{String: text})
		return nil
	}
}
