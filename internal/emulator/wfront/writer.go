package wfront

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// lsnQuery follows every forwarded request, hidden, in the same round
// trip: after a commit it is the writer's WAL position that SESSION
// reads wait for.
const lsnQuery = "SELECT pg_catalog.pg_current_wal_lsn()"

// writerState is the forwarding session's idle-timeout bookkeeping,
// guarded by session.wmu.
type writerState struct {
	timer *time.Timer
	busy  bool // the session is using the writer: the timer must not close it
	// killedInTx: the idle-in-transaction timeout closed the writer while
	// the client's transaction was open.
	killedInTx bool
}

// writerStatus is the forwarding session's transaction status ('I' when
// there is none).
func (s *session) writerStatus() byte {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.writer == nil {
		return 'I'
	}
	return s.writer.status
}

// openWriter returns the forwarding session, opening it if needed. The
// writer is read from the policy at each open, so after a switchover
// the next session goes to the new writer.
func (s *session) openWriter() (*side, *pgError) {
	s.wmu.Lock()
	if s.wstate.timer != nil {
		s.wstate.timer.Stop()
		s.wstate.timer = nil
	}
	w, key := s.writer, s.wkey
	s.wstate.busy = w != nil
	s.wmu.Unlock()
	p := s.f.cfg.Policy()
	if w != nil && w.status == 'I' && key != nil && key.addr != p.WriterAddr {
		s.closeWriter() // the writer moved: idle, nothing is lost
		w = nil
	}
	if w != nil {
		if alive(w.conn) {
			return w, nil
		}
		// The session ended while idle (link cut, writer restarted): a
		// transaction open in it is lost; otherwise open a new one.
		st := w.status
		s.closeWriter()
		if st != 'I' {
			return nil, errorf("08006", "connection to the writer lost during write forwarding: the forwarded transaction was rolled back")
		}
	}
	if p.WriterAddr == "" {
		return nil, errorf("08001", "could not forward the statement: no writer is available")
	}
	if !s.f.fw.acquire(p.MaxForwardingConns) {
		return nil, &pgError{Code: "53300", Message: "too many write forwarding connections",
			Hint: "Raise apg_write_forward.max_forwarding_connections_percent or use fewer forwarding sessions."}
	}
	conn, key, err := s.f.dialWriter(s.f.ctx, p, s.user, s.db)
	if err != nil {
		s.f.fw.release()
		return nil, &pgError{Code: "08001", Message: "could not connect to the writer for write forwarding",
			Detail: rootCause(err).Error()}
	}
	s.f.fw.stats.sessions.Add(1)
	w = newSide("writer", conn)
	s.wgen++
	s.staleWriter = nil
	for _, p := range s.sqlPreps {
		p.onWriter = false
	}
	s.wmu.Lock()
	s.writer, s.wstate.busy, s.wkey = w, true, key
	s.wmu.Unlock()
	return w, nil
}

// alive reports whether an idle connection is still open: nothing may
// arrive on an idle session, so data (a FATAL error) or EOF means it is
// gone.
func alive(c net.Conn) bool {
	if err := c.SetReadDeadline(time.Now().Add(50 * time.Microsecond)); err != nil {
		return false
	}
	var b [1]byte
	n, err := c.Read(b[:])
	_ = c.SetReadDeadline(time.Time{})
	var ne net.Error
	return n == 0 && errors.As(err, &ne) && ne.Timeout()
}

// dialWriter opens a session on the writer as the admin superuser that
// runs as the client's user (session_authorization), in the client's
// database, bounded by the policy's connect timeout.
func (f *Front) dialWriter(ctx context.Context, p Policy, user, db string) (net.Conn, *cancelKey, error) {
	cfg, err := adminConfig(f, p.WriterAddr, db)
	if err != nil {
		return nil, nil, err
	}
	cfg.RuntimeParams["role"] = user
	if p.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.ConnectTimeout)
		defer cancel()
	}
	pc, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	hc, err := pc.Hijack()
	if err != nil {
		pc.Close(ctx)
		return nil, nil, fmt.Errorf("take over writer connection: %w", err)
	}
	return hc.Conn, &cancelKey{addr: p.WriterAddr, pid: hc.PID, secret: hc.SecretKey}, nil
}

// adminConfig is a pgconn configuration for the admin user at addr.
func adminConfig(f *Front, addr, db string) (*pgconn.Config, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("parse writer address %q: %w", addr, err)
	}
	pn, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("parse writer address %q: %w", addr, err)
	}
	cfg, err := pgconn.ParseConfig("sslmode=disable")
	if err != nil {
		return nil, fmt.Errorf("parse connection config: %w", err)
	}
	cfg.Host, cfg.Port = host, uint16(pn)
	cfg.User, cfg.Password, cfg.Database = f.cfg.Admin.User, f.cfg.Admin.Password, db
	cfg.TLSConfig, cfg.Fallbacks = nil, nil
	cfg.ConnectTimeout = 0
	cfg.DialFunc = f.cfg.Dial
	cfg.LookupFunc = func(_ context.Context, h string) ([]string, error) { return []string{h}, nil }
	cfg.RuntimeParams = map[string]string{"application_name": "aurora_write_forward"}
	return cfg, nil
}

// connectAdmin opens an admin connection to addr (through the front's
// dialer).
func connectAdmin(ctx context.Context, f *Front, addr, db string) (*pgconn.PgConn, error) {
	cfg, err := adminConfig(f, addr, db)
	if err != nil {
		return nil, err
	}
	return pgconn.ConnectConfig(ctx, cfg)
}

// closeWriter ends the forwarding session, if any.
func (s *session) closeWriter() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.wstate.timer != nil {
		s.wstate.timer.Stop()
		s.wstate.timer = nil
	}
	if s.writer != nil {
		s.writer.conn.Close()
		s.writer = nil
		s.f.fw.release()
	}
	s.wstate.busy = false
}

// armIdle hands the writer back to the idle timers: an idle session is
// closed after IdleSessionTimeout, one idle inside a transaction after
// IdleInTransactionSessionTimeout (the client's transaction then fails
// at its next statement, 25P03).
func (s *session) armIdle() {
	p := s.f.cfg.Policy()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.wstate.busy = false
	w := s.writer
	if w == nil {
		return
	}
	d := p.IdleSessionTimeout
	if w.status != 'I' {
		d = p.IdleInTransactionSessionTimeout
	}
	if d <= 0 {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		s.wmu.Lock()
		defer s.wmu.Unlock()
		if s.wstate.timer != t || s.wstate.busy || s.writer != w {
			return
		}
		s.wstate.killedInTx = w.status != 'I'
		w.conn.Close()
		s.writer, s.wstate.timer = nil, nil
		s.f.fw.release()
	})
	s.wstate.timer = t
}

// checkIdle fails the client's transaction if the idle-in-transaction
// timeout ended its forwarding session.
func (s *session) checkIdle() {
	s.wmu.Lock()
	killed := s.wstate.killedInTx
	s.wstate.killedInTx = false
	s.wmu.Unlock()
	if killed && s.status() != 'I' {
		s.aborted = true
		s.abortReason = &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: "25P03",
			Message: "terminating the forwarded transaction due to idle-in-transaction timeout"}
	}
}

// onWriter runs a request in the forwarding session: hidden prefix
// statements (the writer transaction's BEGIN, PREPAREs), the client's
// messages (fill), and the WAL position query, in one round trip. Only
// the client's part is shown. commit says the request may commit on
// the writer: if the session breaks before its reply, the outcome is
// unknown. dml counts forwarded DML statements.
func (s *session) onWriter(prefix []string, fill func(*side) *hiddenQ, commit bool, dml int) (bool, error) {
	w, perr := s.openWriter()
	if perr != nil {
		s.sendError(perr)
		s.abortTx()
		return true, nil
	}
	defer s.armIdle()
	if s.local.status == 'T' && w.status == 'I' {
		prefix = append([]string{beginFor(s.txIso)}, prefix...)
	}
	prefix = append(s.writerSQL, prefix...)
	s.writerSQL = nil
	for _, q := range prefix {
		w.send(&pgproto3.Query{String: q})
	}
	hq := fill(w)
	w.send(&pgproto3.Query{String: lsnQuery})
	start := time.Now()
	if err := w.flush(); err != nil {
		return s.writerLost(commit, err)
	}
	for _, q := range prefix {
		if r, err := s.drain(w, false, nil); err != nil {
			return s.writerLost(commit, err)
		} else if r.failed {
			s.f.log.Debug("front: hidden statement failed on the writer", "stmt", abbreviate(q))
		}
	}
	r, err := s.drain(w, true, hq)
	if err != nil {
		return s.writerLost(commit, err)
	}
	s.f.fw.stats.dml(dml, time.Since(start))
	lr, err := s.drain(w, false, nil)
	if err != nil {
		s.closeWriter() // the client's reply is complete; only its LSN is lost
		s.f.log.Debug("front: writer lost after the reply", "err", err)
		return r.failed, nil
	}
	if w.status == 'I' && !lr.failed {
		if lsn, ok := parseLSN(lr.value); ok && lsn > s.lastLSN {
			s.lastLSN = lsn
		}
		if commit && !r.failed {
			s.f.fw.stats.commits.Add(1)
		}
	}
	return r.failed, nil
}

// beginFor opens the writer's transaction with the client's isolation
// level (SERIALIZABLE never gets here: the replica refuses it at BEGIN).
func beginFor(iso string) string {
	if iso == "" {
		return "BEGIN READ WRITE"
	}
	return "BEGIN ISOLATION LEVEL " + iso + " READ WRITE"
}

// writerHidden runs q in the forwarding session without showing it;
// a broken session is closed.
func (s *session) writerHidden(q string) {
	w, perr := s.openWriter()
	if perr != nil {
		return
	}
	defer s.armIdle()
	w.send(&pgproto3.Query{String: q})
	if err := w.flush(); err != nil {
		s.closeWriter()
		return
	}
	if _, err := s.drain(w, false, nil); err != nil {
		s.closeWriter()
	}
}

// errAmbiguous is what a client gets when the forwarding session broke
// with a commit in flight.
var errAmbiguous = &pgError{Code: "08007",
	Message: "connection to the writer lost while a forwarded commit was in progress: the transaction may or may not have committed",
	Hint:    "Check whether the change is on the writer before retrying."}

// writerLost handles a forwarding session that broke during a request.
// With a commit in flight the outcome is unknown: the client gets
// 08007 (never a success) and its transaction is reset (rolled back
// locally). Otherwise the statement fails with 08006 and an open
// transaction is aborted. The next forwarded statement opens a new
// session.
func (s *session) writerLost(commit bool, cause error) (bool, error) {
	s.closeWriter()
	s.f.log.Debug("front: forwarding session lost", "err", cause)
	if commit {
		s.sendError(errAmbiguous)
		if s.local.status != 'I' {
			if _, err := s.localQuery("ROLLBACK", false); err != nil {
				return true, err
			}
		}
		s.aborted, s.abortReason = false, nil
		return true, nil
	}
	msg := "connection to the writer lost during write forwarding"
	var ne net.Error
	if errors.As(cause, &ne) && ne.Timeout() {
		msg += " (timeout)"
	}
	s.sendError(errorf("08006", "%s", msg))
	s.abortTx()
	return true, nil
}

// parseLSN parses PostgreSQL's X/Y notation.
func parseLSN(v string) (uint64, bool) {
	var hi, lo uint32
	if _, err := fmt.Sscanf(v, "%X/%X", &hi, &lo); err != nil {
		return 0, false
	}
	return uint64(hi)<<32 | uint64(lo), true
}

// rootCause is the innermost error of a chain (a connect error's network
// cause, without the admin user's name pgconn adds).
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
