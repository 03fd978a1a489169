package wfront

import (
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgproto3"

	sqlclass "github.com/globaldb/globaldb/internal/emulator/sqlclass"
)

// side is one server connection of a session: the local replica or the
// forwarding session on the writer. Messages to it are encoded into out
// and written at flush; its replies are read with fe.
type side struct {
	name   string
	conn   net.Conn
	fe     *pgproto3.Frontend
	out    []byte
	status byte // transaction status of its last ReadyForQuery: I, T or E
}

func newSide(name string, c net.Conn) *side {
	return &side{name: name, conn: c, fe: pgproto3.NewFrontend(c, c), status: 'I'}
}

func (d *side) send(m pgproto3.FrontendMessage) {
	d.out, _ = m.Encode(d.out) // encoding a well-formed message cannot fail
}

func (d *side) flush() error {
	_, err := d.conn.Write(d.out)
	d.out = d.out[:0]
	return err
}

// session is one client connection served by the front itself.
type session struct {
	f      *Front
	client net.Conn
	be     *pgproto3.Backend
	local  *side
	user   string
	db     string
	key    *pgproto3.BackendKeyData

	// mode is the session's apg_write_forward.consistency_mode, lower case.
	mode string
	// lastLSN is the writer's WAL position after the session's last
	// forwarded commit: SESSION reads wait until the replica replayed it.
	lastLSN uint64

	// The client's transaction, beyond what the two sides report.
	txIso      string // isolation level from BEGIN / SET TRANSACTION ("" default)
	txReadOnly bool   // READ ONLY: never forwarded
	// The session's defaults (SET SESSION CHARACTERISTICS AS TRANSACTION).
	defIso      string
	defReadOnly bool
	aborted     bool // failed by the front (refused statement, lost writer): 25P02 until it ends
	abortReason *pgproto3.ErrorResponse

	// wmu guards writer against the idle timers.
	wmu    sync.Mutex
	writer *side
	wkey   *cancelKey // cancels what runs in writer
	wstate writerState
	// writerSQL runs (hidden) before the next statement on the writer.
	writerSQL []string

	// Prepared statements (protocol level and SQL PREPARE) and portals.
	stmts    map[string]*prepared
	sqlPreps map[string]*sqlPrepared
	portals  map[string]string
	batch    []pending
	// wgen numbers forwarding sessions: a statement prepared in an
	// earlier one is not in the current one.
	wgen int
	// Named statements to close (hidden) on a side before its next use.
	staleLocal, staleWriter []string
}

func newSession(f *Front, c, local net.Conn, user, db string, key *pgproto3.BackendKeyData) *session {
	s := &session{
		f: f, client: c, be: pgproto3.NewBackend(c, c), local: newSide("local", local),
		user: user, db: db, key: key,
		mode:     normMode(f.cfg.Policy().Mode),
		stmts:    map[string]*prepared{},
		sqlPreps: map[string]*sqlPrepared{},
		portals:  map[string]string{},
	}
	f.fw.register(s)
	return s
}

// normMode returns a consistency mode in lower case, SESSION (the
// documented default) when unset or unknown.
func normMode(m string) string {
	switch m = strings.ToLower(m); m {
	case "session", "eventual", "global", "off":
		return m
	}
	return "session"
}

func (s *session) close() {
	s.f.fw.unregister(s)
	s.closeWriter()
	s.local.conn.Close()
	s.client.Close()
}

// serve reads the client's messages until it leaves.
func (s *session) serve() error {
	for {
		msg, err := s.be.Receive()
		if err != nil {
			return fmt.Errorf("read client message: %w", err)
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			err = s.query(m.String)
		case *pgproto3.Parse, *pgproto3.Bind, *pgproto3.Describe, *pgproto3.Execute, *pgproto3.Close:
			s.enqueue(m)
		case *pgproto3.Sync:
			err = s.sync()
		case *pgproto3.Flush:
			// Replies come at Sync (a documented deviation).
		case *pgproto3.Terminate:
			return nil
		default:
			s.sendError(errorf("08P01", "unexpected message %T", m))
			err = s.ready()
		}
		if err != nil {
			return err
		}
	}
}

// status is the client's transaction status from both sides and the
// front's own state.
func (s *session) status() byte {
	w := s.writerStatus()
	switch {
	case s.aborted || s.local.status == 'E' || w == 'E':
		return 'E'
	case s.local.status == 'T' || w == 'T':
		return 'T'
	}
	return 'I'
}

// ready ends a client request with ReadyForQuery; when the transaction
// is over, the front's transaction state is reset.
func (s *session) ready() error {
	st := s.status()
	if st == 'I' {
		s.txIso, s.txReadOnly, s.aborted, s.abortReason = "", false, false, nil
	}
	s.be.Send(&pgproto3.ReadyForQuery{TxStatus: st})
	if err := s.be.Flush(); err != nil {
		return fmt.Errorf("write to client: %w", err)
	}
	return nil
}

// fwd reports whether statements are forwarded now: the instance
// forwards (read for every statement: a role change takes effect at
// once) and the session's mode is not OFF.
func (s *session) fwd() bool {
	return s.mode != "off" && s.f.cfg.Policy().Forward
}

// pgError is an error the front sends to the client.
type pgError struct {
	Code, Message, Detail, Hint string
}

func (e *pgError) Error() string { return e.Message + " (SQLSTATE " + e.Code + ")" }

func errorf(code, format string, args ...any) *pgError {
	return &pgError{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (s *session) sendError(e *pgError) {
	s.be.Send(&pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR",
		Code: e.Code, Message: e.Message, Detail: e.Detail, Hint: e.Hint})
}

// abortTx marks the client's open transaction failed by the front.
func (s *session) abortTx() {
	if s.status() != 'I' {
		s.aborted = true
	}
}

var errAborted = &pgError{Code: "25P02",
	Message: "current transaction is aborted, commands ignored until end of transaction block"}

// result is what a side answered to one request.
type result struct {
	failed bool   // an ErrorResponse came
	value  string // first column of the last row (hidden requests)
	tag    string // last CommandComplete
}

// hiddenQ says, in sending order, which Parse and Close messages the
// front added itself, so their replies are not shown to the client.
type hiddenQ struct{ parse, close []bool }

func pop(q *[]bool) bool {
	if len(*q) == 0 {
		return false
	}
	h := (*q)[0]
	*q = (*q)[1:]
	return h
}

// drain reads d's replies up to ReadyForQuery. When visible, they go to
// the client (except ReadyForQuery, the writer's ParameterStatus and the
// replies to hidden messages); otherwise they are only inspected. The
// local server's ParameterStatus always reaches the client.
func (s *session) drain(d *side, visible bool, hq *hiddenQ) (result, error) {
	var r result
	if hq == nil {
		hq = &hiddenQ{}
	}
	for {
		msg, err := d.fe.Receive()
		if err != nil {
			return r, fmt.Errorf("read from %s: %w", d.name, err)
		}
		show := visible
		switch m := msg.(type) {
		case *pgproto3.ReadyForQuery:
			d.status = m.TxStatus
			return r, nil
		case *pgproto3.ErrorResponse:
			r.failed = true
		case *pgproto3.DataRow:
			if !visible && len(m.Values) > 0 {
				r.value = string(m.Values[0])
			}
		case *pgproto3.CommandComplete:
			r.tag = string(m.CommandTag)
		case *pgproto3.ParameterStatus:
			show = d == s.local
		case *pgproto3.ParseComplete:
			show = visible && !pop(&hq.parse)
		case *pgproto3.CloseComplete:
			show = visible && !pop(&hq.close)
		case *pgproto3.CopyInResponse:
			if visible {
				s.be.Send(m)
				if err := s.pumpCopy(d); err != nil {
					return r, err
				}
				continue
			}
		}
		if show {
			s.be.Send(msg)
		}
	}
}

// pumpCopy relays the client's COPY data to d until CopyDone or CopyFail
// (COPY FROM STDIN on a server that accepts writes).
func (s *session) pumpCopy(d *side) error {
	if err := s.be.Flush(); err != nil {
		return fmt.Errorf("write to client: %w", err)
	}
	for {
		msg, err := s.be.Receive()
		if err != nil {
			return fmt.Errorf("read client COPY data: %w", err)
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
			d.send(m)
			if err := d.flush(); err != nil {
				return fmt.Errorf("write to %s: %w", d.name, err)
			}
			if _, ok := m.(*pgproto3.CopyData); !ok {
				return nil
			}
		}
	}
}

// localQuery runs one simple query on the local server, its replies
// shown to the client or not.
func (s *session) localQuery(q string, visible bool) (result, error) {
	s.local.send(&pgproto3.Query{String: q})
	if err := s.local.flush(); err != nil {
		return result{}, fmt.Errorf("write to local: %w", err)
	}
	return s.drain(s.local, visible, nil)
}

// classOf returns the class that decides where st runs: EXPLAIN ANALYZE
// and EXECUTE take their inner statement's.
func (s *session) classOf(st sqlclass.Statement) sqlclass.Class {
	switch st.Class {
	case sqlclass.Explain:
		if st.Analyze && st.Inner != nil {
			return s.classOf(*st.Inner)
		}
		return sqlclass.Read
	case sqlclass.Execute:
		if p := s.sqlPreps[strings.ToLower(st.Name)]; p != nil && p.inner != nil {
			return s.classOf(*p.inner)
		}
		return sqlclass.Read
	case sqlclass.Prepare:
		return sqlclass.Session // PREPARE itself runs locally
	}
	return st.Class
}
