package wfront

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Consistency waits: a SESSION read waits until the local replica has
// replayed the session's last forwarded commit; a GLOBAL read first
// asks the writer for its current WAL position (a WAN round trip, as on
// Aurora) and waits for that. One poller per front watches the
// replica's replay position while anyone waits.

const (
	pollPeriod = time.Millisecond
	// defaultWaitBound bounds a consistency wait when the policy has no
	// connect timeout.
	defaultWaitBound = 30 * time.Second
)

// waitConsistent waits, before a local read, for what the session's
// mode requires. It returns the client's error when the wait fails.
func (s *session) waitConsistent() *pgError {
	if !s.fwd() || (s.mode != "session" && s.mode != "global") {
		return nil
	}
	p := s.f.cfg.Policy()
	bound := p.ConnectTimeout
	if bound <= 0 {
		bound = defaultWaitBound
	}
	ctx, cancel := context.WithTimeout(s.f.ctx, bound)
	defer cancel()
	start := time.Now()
	target := s.lastLSN
	if s.mode == "global" {
		lsn, err := s.f.writerLSN(ctx, p)
		if err != nil {
			return errorf("08006", "could not get the writer's consistency point for apg_write_forward.consistency_mode global: %v", err)
		}
		target = lsn
	}
	if target == 0 {
		return nil
	}
	err := s.f.fw.poller.wait(ctx, s.f, target)
	s.f.fw.stats.readWait(time.Since(start))
	if err != nil {
		return errorf("57014", "canceling statement: the replica did not reach the write forwarding consistency point within %s", bound)
	}
	return nil
}

// replayPoller reports when the local replica has replayed a position.
type replayPoller struct {
	mu       sync.Mutex
	waiters  []waiter
	running  bool
	kick     chan struct{}
	replayed atomic.Uint64
}

type waiter struct {
	lsn  uint64
	done chan struct{}
}

func (p *replayPoller) wait(ctx context.Context, f *Front, lsn uint64) error {
	if p.replayed.Load() >= lsn {
		return nil
	}
	w := waiter{lsn: lsn, done: make(chan struct{})}
	p.mu.Lock()
	p.waiters = append(p.waiters, w)
	if p.kick == nil {
		p.kick = make(chan struct{}, 1)
	}
	if !p.running {
		p.running = true
		f.wg.Add(1)
		go p.run(f)
	}
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		for i := range p.waiters {
			if p.waiters[i].done == w.done {
				p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
				break
			}
		}
		p.mu.Unlock()
		return ctx.Err()
	}
}

// run polls pg_last_wal_replay_lsn() every pollPeriod while anyone
// waits, until the front closes.
func (p *replayPoller) run(f *Front) {
	defer f.wg.Done()
	var conn *pgconn.PgConn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	for {
		p.mu.Lock()
		n := len(p.waiters)
		p.mu.Unlock()
		if n == 0 {
			select {
			case <-p.kick:
				continue
			case <-f.ctx.Done():
				return
			}
		}
		if conn == nil {
			var err error
			if conn, err = f.localAdmin(); err != nil {
				f.log.Debug("front: replay poller connect", "err", err)
				if !sleepCtx(f.ctx, 50*time.Millisecond) {
					return
				}
				continue
			}
		}
		lsn, err := queryLSN(f.ctx, conn, "SELECT COALESCE(pg_catalog.pg_last_wal_replay_lsn(), pg_catalog.pg_current_wal_lsn())")
		if err != nil {
			conn.Close(context.Background())
			conn = nil
			continue
		}
		p.release(lsn)
		if !sleepCtx(f.ctx, pollPeriod) {
			return
		}
	}
}

func (p *replayPoller) release(lsn uint64) {
	if lsn > p.replayed.Load() {
		p.replayed.Store(lsn)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	keep := p.waiters[:0]
	for _, w := range p.waiters {
		if w.lsn <= lsn {
			close(w.done)
		} else {
			keep = append(keep, w)
		}
	}
	p.waiters = keep
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// localAdmin connects to the local server as the admin user.
func (f *Front) localAdmin() (*pgconn.PgConn, error) {
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	return connectAdmin(ctx, f, f.cfg.Local, "postgres")
}

// writerLSN returns the writer's current WAL position, through a small
// pool of admin connections to the writer; a pooled connection that
// fails (the link was cut meanwhile) is dropped and the next tried, then
// a new one.
func (f *Front) writerLSN(ctx context.Context, p Policy) (uint64, error) {
	if p.WriterAddr == "" {
		return 0, errors.New("no writer is available")
	}
	for {
		conn := f.fw.takeLSNConn(p.WriterAddr)
		pooled := conn != nil
		if !pooled {
			var err error
			if conn, err = connectAdmin(ctx, f, p.WriterAddr, "postgres"); err != nil {
				return 0, err
			}
		}
		lsn, err := queryLSN(ctx, conn, lsnQuery)
		if err != nil {
			conn.Close(context.Background())
			if pooled && ctx.Err() == nil {
				continue
			}
			return 0, err
		}
		f.fw.putLSNConn(p.WriterAddr, conn)
		return lsn, nil
	}
}

func queryLSN(ctx context.Context, c *pgconn.PgConn, q string) (uint64, error) {
	res, err := c.Exec(ctx, q).ReadAll()
	if err != nil {
		return 0, err
	}
	if len(res) != 1 || len(res[0].Rows) != 1 || len(res[0].Rows[0]) != 1 {
		return 0, fmt.Errorf("unexpected reply to %q", q)
	}
	lsn, ok := parseLSN(string(res[0].Rows[0][0]))
	if !ok {
		return 0, fmt.Errorf("parse LSN %q", res[0].Rows[0][0])
	}
	return lsn, nil
}
