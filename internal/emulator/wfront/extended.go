package wfront

import (
	"github.com/jackc/pgx/v5/pgproto3"

	sqlclass "github.com/globaldb/globaldb/internal/emulator/sqlclass"
)

// The extended protocol: messages are held until Sync, then run in
// order. Consecutive ordinary messages form a run sent to one side with
// a Sync: to the writer if any of its Executes is forwarded (reads
// there see at least what the replica sees), else to the replica.
// Statements the front handles itself (transaction control, the
// apg_write_forward settings, refused statements) are answered by the
// front between runs. Within one Sync, each run is its own implicit
// transaction (a documented deviation). Flush is not answered until
// Sync (a documented deviation).

// pending is an extended-protocol message held until Sync.
type pending struct {
	kind   byte // 'P' Parse, 'B' Bind, 'D' Describe, 'E' Execute, 'C' Close
	obj    byte // Describe, Close: 'S' statement or 'P' portal
	raw    []byte
	query  string // Parse
	stmt   string // Parse, Bind; Describe/Close of a statement
	portal string // Bind, Execute; Describe/Close of a portal
}

// prepared is a protocol-level prepared statement and where it exists.
type prepared struct {
	parse   []byte // the client's Parse, encoded
	query   string
	st      sqlclass.Statement
	control bool
	local   bool
	wgen    int // the forwarding session it is prepared in (session.wgen)
}

func (s *session) enqueue(m pgproto3.FrontendMessage) {
	raw, _ := m.Encode(nil)
	p := pending{raw: raw}
	switch m := m.(type) {
	case *pgproto3.Parse:
		p.kind, p.query, p.stmt = 'P', m.Query, m.Name
	case *pgproto3.Bind:
		p.kind, p.stmt, p.portal = 'B', m.PreparedStatement, m.DestinationPortal
	case *pgproto3.Describe:
		p.kind, p.obj = 'D', m.ObjectType
		if m.ObjectType == 'S' {
			p.stmt = m.Name
		} else {
			p.portal = m.Name
		}
	case *pgproto3.Execute:
		p.kind, p.portal = 'E', m.Portal
	case *pgproto3.Close:
		p.kind, p.obj = 'C', m.ObjectType
		if m.ObjectType == 'S' {
			p.stmt = m.Name
		} else {
			p.portal = m.Name
		}
	}
	s.batch = append(s.batch, p)
}

// stmtOf returns the prepared statement a message refers to.
func (s *session) stmtOf(p pending) *prepared {
	if p.kind == 'B' || p.kind == 'P' || p.obj == 'S' {
		return s.stmts[p.stmt]
	}
	return s.stmts[s.portals[p.portal]]
}

// register records a Parse's statement (its sides are set when sent).
func (s *session) register(p pending) *prepared {
	st := sqlclass.Classify(p.query)
	if texts := sqlclass.Split(p.query); len(texts) == 1 {
		st = sqlclass.Classify(texts[0])
	}
	ps := &prepared{parse: p.raw, query: p.query, st: st}
	switch st.Class {
	case sqlclass.Begin, sqlclass.Commit, sqlclass.Rollback, sqlclass.SetTransaction, sqlclass.SetForward:
		ps.control = true
	case sqlclass.Refused:
		ps.control = s.fwd()
	}
	if old := s.stmts[p.stmt]; old != nil && p.stmt != "" {
		return old // the server answers "already exists"
	}
	s.stmts[p.stmt] = ps
	return ps
}

// control reports whether the front answers p itself.
func (s *session) control(p pending) bool {
	if p.kind == 'P' {
		return s.register(p).control
	}
	if p.kind == 'B' {
		s.portals[p.portal] = p.stmt
	}
	ps := s.stmtOf(p)
	return ps != nil && ps.control
}

func (s *session) sync() error {
	s.checkIdle()
	batch := s.batch
	s.batch = nil
	for i := 0; i < len(batch); {
		if s.control(batch[i]) {
			failed, err := s.answer(batch[i])
			if err != nil {
				return err
			}
			if failed {
				break
			}
			i++
			continue
		}
		j := i + 1
		for j < len(batch) && !s.control(batch[j]) {
			j++
		}
		failed, err := s.runBatch(batch[i:j])
		if err != nil {
			return err
		}
		if failed {
			break
		}
		i = j
	}
	if len(s.portals) > 64 {
		s.portals = map[string]string{}
	}
	return s.ready()
}

// answer serves a message about a statement the front handles.
func (s *session) answer(p pending) (bool, error) {
	ps := s.stmtOf(p)
	switch p.kind {
	case 'P':
		if ps.st.Class == sqlclass.Refused {
			s.sendError(refusal(ps.st))
			s.abortTx()
			delete(s.stmts, p.stmt)
			return true, nil
		}
		s.be.Send(&pgproto3.ParseComplete{})
	case 'B':
		s.portals[p.portal] = p.stmt
		s.be.Send(&pgproto3.BindComplete{})
	case 'D':
		if p.obj == 'S' {
			s.be.Send(&pgproto3.ParameterDescription{})
		}
		if ps.st.Class == sqlclass.SetForward && ps.st.Show {
			s.be.Send(showDesc())
		} else {
			s.be.Send(&pgproto3.NoData{})
		}
	case 'C':
		if p.obj == 'S' {
			delete(s.stmts, p.stmt)
		}
		s.be.Send(&pgproto3.CloseComplete{})
	case 'E':
		if ps.st.Class == sqlclass.SetForward {
			if s.aborted {
				return s.failAborted(), nil
			}
			return s.setForward(ps.st, false), nil
		}
		return s.execOne(ps.query, ps.st)
	}
	return false, nil
}

// runBatch sends a run of ordinary messages, with a Sync, to one side.
func (s *session) runBatch(run []pending) (bool, error) {
	d, dml, reads, ok := s.runDest(run)
	if !ok {
		return s.failAborted(), nil
	}
	var prefix []string
	for _, p := range run {
		if p.kind == 'E' {
			if ps := s.stmtOf(p); ps != nil {
				prefix = append(prefix, s.writerPrepares(ps.st)...)
			}
		}
	}
	if d == toLocal {
		if reads {
			if e := s.waitConsistent(); e != nil {
				s.sendError(e)
				s.abortTx()
				return true, nil
			}
		}
		hq := s.fill(s.local, run)
		s.local.send(&pgproto3.Sync{})
		if err := s.local.flush(); err != nil {
			return false, err
		}
		r, err := s.drain(s.local, true, hq)
		if err == nil && !r.failed {
			for _, p := range run {
				if ps := s.stmtOf(p); p.kind == 'E' && ps != nil {
					s.afterLocal(ps.st)
				}
			}
		}
		return r.failed, err
	}
	fill := func(w *side) *hiddenQ {
		hq := s.fill(w, run)
		w.send(&pgproto3.Sync{})
		return hq
	}
	commit := s.status() == 'I'
	return s.onWriter(prefix, fill, commit, dml)
}

// runDest decides where a run goes; ok is false when the transaction
// was failed by the front.
func (s *session) runDest(run []pending) (d dest, dml int, reads, ok bool) {
	d = toLocal
	if s.aborted {
		return d, 0, false, false
	}
	if s.writerStatus() == 'E' && s.local.status != 'E' {
		d = toWriter
	}
	for _, p := range run {
		if p.kind == 'B' {
			s.portals[p.portal] = p.stmt
		}
		if p.kind != 'E' {
			continue
		}
		ps := s.stmtOf(p)
		if ps == nil {
			continue
		}
		c := s.classOf(ps.st)
		switch s.route(c) {
		case toAborted:
			return d, 0, false, false
		case toWriter:
			d = toWriter
		}
		switch c {
		case sqlclass.Write, sqlclass.LockingRead:
			dml++
		case sqlclass.Read:
			reads = true
		}
	}
	return d, dml, reads, true
}

// fill encodes a run for side d: a statement the run uses that d lacks
// is prepared there first (its ParseComplete hidden); a named statement
// the client parsed again on the other side is closed on d first
// (hidden), so that re-preparing it does not collide.
func (s *session) fill(d *side, run []pending) *hiddenQ {
	hq := &hiddenQ{}
	stale := &s.staleLocal
	if d != s.local {
		stale = &s.staleWriter
	}
	for _, name := range *stale {
		d.send(&pgproto3.Close{ObjectType: 'S', Name: name})
		hq.close = append(hq.close, true)
	}
	*stale = nil
	for _, p := range run {
		ps := s.stmtOf(p)
		switch {
		case p.kind == 'P':
			if ps != nil {
				s.placeOn(d, ps, p.stmt)
			}
			hq.parse = append(hq.parse, false)
		case ps != nil && (p.kind == 'B' || p.obj == 'S' && p.kind == 'D') && !s.has(d, ps):
			d.out = append(d.out, ps.parse...)
			hq.parse = append(hq.parse, true)
			s.placeOn(d, ps, "")
		case p.kind == 'C':
			hq.close = append(hq.close, false)
			if p.obj == 'S' {
				delete(s.stmts, p.stmt)
				if ps != nil && p.stmt != "" && s.has(s.otherSide(d), ps) {
					s.addStale(s.otherSide(d), p.stmt)
				}
			}
		}
		if p.kind == 'B' {
			s.portals[p.portal] = p.stmt
		}
		d.out = append(d.out, p.raw...)
	}
	return hq
}

// has reports whether ps is prepared on d.
func (s *session) has(d *side, ps *prepared) bool {
	if d == s.local {
		return ps.local
	}
	return ps.wgen == s.wgen
}

// placeOn records ps as prepared on d only; when the client parsed
// name there, a copy on the other side is stale.
func (s *session) placeOn(d *side, ps *prepared, name string) {
	o := s.otherSide(d)
	if name != "" && s.has(o, ps) {
		s.addStale(o, name)
	}
	if d == s.local {
		ps.local = true
		if name != "" {
			ps.wgen = 0
		}
	} else {
		ps.wgen = s.wgen
		if name != "" {
			ps.local = false
		}
	}
}

func (s *session) otherSide(d *side) *side {
	if d == s.local {
		return nil // the writer (or none)
	}
	return s.local
}

func (s *session) addStale(d *side, name string) {
	if d == s.local {
		s.staleLocal = append(s.staleLocal, name)
	} else {
		s.staleWriter = append(s.staleWriter, name)
	}
}

func showDesc() *pgproto3.RowDescription {
	return &pgproto3.RowDescription{Fields: []pgproto3.FieldDescription{{
		Name: []byte("apg_write_forward.consistency_mode"), DataTypeOID: 25, DataTypeSize: -1, TypeModifier: -1}}}
}
