package workload

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// cancelGrace is how long DialWith's connections wait, after a write's
// deadline, for the server to answer the cancel request before closing the
// socket.
const cancelGrace = time.Second

// noticeSink collects the notices one connection receives. The workload
// drains it after every statement; pgx calls the handler on the goroutine
// that runs the statement, before the statement returns.
type noticeSink struct {
	mu        sync.Mutex
	texts     []string
	ambiguous bool
}

func (s *noticeSink) handle(_ *pgconn.PgConn, n *pgconn.Notice) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.texts = append(s.texts, n.Severity+": "+n.Message)
	if isAmbiguousNotice(n) {
		s.ambiguous = true
	}
}

// take returns and clears what arrived since the last take.
func (s *noticeSink) take() (text string, ambiguous bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	text, ambiguous = strings.Join(s.texts, "; "), s.ambiguous
	s.texts, s.ambiguous = nil, false
	return text, ambiguous
}

type sinkKey struct{}

func withSink(ctx context.Context, s *noticeSink) context.Context {
	return context.WithValue(ctx, sinkKey{}, s)
}

// OnNotice returns the notice handler for the connection a Dialer is opening
// with ctx; a Dialer must install it as pgconn.Config.OnNotice, or the
// workload cannot see the sync-replication cancel warning and will count
// such writes as OK. It returns nil if ctx does not come from a Workload.
// DialWith does this for you.
func OnNotice(ctx context.Context) pgconn.NoticeHandler {
	s, _ := ctx.Value(sinkKey{}).(*noticeSink)
	if s == nil {
		return nil
	}
	return s.handle
}

// DialWith returns a Dialer that connects with a copy of cfg (which must come
// from pgx.ParseConfig). Each dial resolves the host afresh and installs:
//   - OnNotice (see OnNotice), chained after cfg's own handler if any;
//   - a context watcher that, when a write's deadline expires, sends a cancel
//     request and waits up to a second for the server's answer before
//     closing the socket. A write cancelled while waiting for a synchronous
//     standby then returns the server's "committed locally" warning.
func DialWith(cfg *pgx.ConnConfig) Dialer {
	base := cfg.Copy()
	return func(ctx context.Context) (*pgx.Conn, error) {
		c := base.Copy()
		if h := OnNotice(ctx); h != nil {
			c.OnNotice = chainNotice(base.OnNotice, h)
		}
		c.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
			return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: cancelGrace}
		}
		return pgx.ConnectConfig(ctx, c)
	}
}

func chainNotice(first, second pgconn.NoticeHandler) pgconn.NoticeHandler {
	if first == nil {
		return second
	}
	return func(c *pgconn.PgConn, n *pgconn.Notice) {
		first(c, n)
		second(c, n)
	}
}

// WithInit returns a Dialer that runs stmts on every connection d opens,
// before any write, e.g. SET apg_write_forward.consistency_mode =
// 'session' for a forwarding secondary. A statement that fails fails the
// dial (and closes the connection), so no write is sent on a session set
// up wrong.
func WithInit(d Dialer, stmts ...string) Dialer {
	return func(ctx context.Context) (*pgx.Conn, error) {
		c, err := d(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range stmts {
			if _, err := c.Exec(ctx, s); err != nil {
				_ = c.Close(context.WithoutCancel(ctx))
				return nil, fmt.Errorf("init %q: %w", s, err)
			}
		}
		return c, nil
	}
}
