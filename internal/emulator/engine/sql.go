package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/globaldb/globaldb/internal/emulator/netguard"
)

// Replica is one row of a node's pg_stat_replication.
type Replica struct {
	Name      string // application_name: the standby's node name
	State     string // e.g. "streaming", "catchup"
	SyncState string // "async", "potential", "sync", "quorum"
	ReplayLSN string
	FlushLSN  string
	ReplayLag time.Duration
}

// Connect opens a TCP connection to n as the admin user.
func (s *Supervisor) Connect(ctx context.Context, n Node, database string) (*pgx.Conn, error) {
	return s.connectAddr(ctx, n.Host, n.Port, database)
}

func (s *Supervisor) connectAddr(ctx context.Context, host string, port int, database string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig("sslmode=disable")
	if err != nil {
		return nil, fmt.Errorf("parse connection config: %w", err)
	}
	cfg.Host, cfg.Port = host, uint16(port)
	cfg.User, cfg.Password = s.admin.User, s.admin.Password
	cfg.Database = database
	cfg.Fallbacks = nil
	cfg.TLSConfig = nil
	cfg.RuntimeParams = map[string]string{"application_name": "globaldb-engine"}
	guard := netguard.Dialer{} // instances listen on loopback only
	cfg.DialFunc, cfg.LookupFunc = guard.DialContext, guard.LookupHost
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s:%d: %w", host, port, err)
	}
	return conn, nil
}

// withConn runs f on a fresh admin connection to database on n.
func (s *Supervisor) withConn(ctx context.Context, n Node, database string, f func(*pgx.Conn) error) error {
	conn, err := s.Connect(ctx, n, database)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return f(conn)
}

// execFormatted builds a statement server-side with format() (so %I and %L
// quote identifiers and literals) and runs it. Statements may carry
// passwords, so the session first stops the server from logging failed
// statements.
func execFormatted(ctx context.Context, conn *pgx.Conn, format string, args ...any) error {
	if _, err := conn.Exec(ctx, "SET log_min_error_statement = panic"); err != nil {
		return fmt.Errorf("silence statement logging: %w", err)
	}
	params := make([]string, len(args))
	for i := range args {
		params[i] = "$" + strconv.Itoa(i+2) + "::text"
	}
	q := "SELECT format($1::text" + strings.Repeat(", %s", len(args)) + ")"
	q = fmt.Sprintf(q, toAny(params)...)
	var stmt string
	if err := conn.QueryRow(ctx, q, append([]any{format}, args...)...).Scan(&stmt); err != nil {
		return fmt.Errorf("format statement: %w", err)
	}
	if _, err := conn.Exec(ctx, stmt, pgx.QueryExecModeSimpleProtocol); err != nil {
		verb, _, _ := strings.Cut(format, " %")
		return fmt.Errorf("exec %s: %w", verb, err)
	}
	return nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// InRecovery reports whether n is a standby (pg_is_in_recovery).
func (s *Supervisor) InRecovery(ctx context.Context, n Node) (bool, error) {
	var rec bool
	err := s.withConn(ctx, n, "postgres", func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&rec)
	})
	if err != nil {
		return false, fmt.Errorf("check recovery of %s: %w", n.Name, err)
	}
	return rec, nil
}

// Promote turns standby n into a primary (pg_promote, waiting up to 60 s)
// and checkpoints so pg_control shows the new timeline (pg_rewind needs it).
// Promoting a primary is a no-op.
func (s *Supervisor) Promote(ctx context.Context, n Node) error {
	err := s.withConn(ctx, n, "postgres", func(c *pgx.Conn) error {
		var rec, ok bool
		if err := c.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&rec); err != nil {
			return err
		}
		if !rec {
			return nil
		}
		if err := c.QueryRow(ctx, "SELECT pg_promote(true, 60)").Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return errors.New("promotion did not finish within 60s")
		}
		_, err := c.Exec(ctx, "CHECKPOINT")
		return err
	})
	if err != nil {
		return fmt.Errorf("promote %s: %w", n.Name, err)
	}
	s.log.Info("promoted node", "node", n.Name)
	return nil
}

// SyncStandbyNames renders synchronous_standby_names for a quorum of one
// among names: `ANY 1 ("a","b")`, or "" when names is empty.
func SyncStandbyNames(names []string) (string, error) {
	if len(names) == 0 {
		return "", nil
	}
	quoted := make([]string, len(names))
	for i, name := range names {
		if !nameRE.MatchString(name) {
			return "", fmt.Errorf("%w: standby name %q", ErrInvalidNode, name)
		}
		quoted[i] = `"` + name + `"`
	}
	return "ANY 1 (" + strings.Join(quoted, ",") + ")", nil
}

// SetSyncStandbys makes commits on n wait until at least one of names has
// flushed them (quorum commit), or no standby when names is empty. It
// persists the setting with ALTER SYSTEM, reloads, and returns once a new
// session on n sees it. Idempotent.
func (s *Supervisor) SetSyncStandbys(ctx context.Context, n Node, names []string) error {
	value, err := SyncStandbyNames(names)
	if err != nil {
		return fmt.Errorf("set sync standbys of %s: %w", n.Name, err)
	}
	err = s.withConn(ctx, n, "postgres", func(c *pgx.Conn) error {
		if err := execFormatted(ctx, c, "ALTER SYSTEM SET synchronous_standby_names = %L", value); err != nil {
			return err
		}
		return reloadAndWait(ctx, c, "synchronous_standby_names", value)
	})
	if err != nil {
		return fmt.Errorf("set sync standbys of %s: %w", n.Name, err)
	}
	s.log.Info("set synchronous standbys", "node", n.Name, "names", names)
	return nil
}

// reloadAndWait reloads the configuration and polls until this session sees
// guc = want (sessions apply a reload between statements).
func reloadAndWait(ctx context.Context, c *pgx.Conn, guc, want string) error {
	if _, err := c.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
		return fmt.Errorf("reload config: %w", err)
	}
	var got string
	var qerr error
	err := poll(ctx, 10*time.Millisecond, func() bool {
		qerr = c.QueryRow(ctx, "SELECT current_setting($1)", guc).Scan(&got)
		return qerr == nil && got == want
	}, "wait for "+guc+" to apply")
	if qerr != nil {
		return fmt.Errorf("read %s: %w", guc, qerr)
	}
	return err
}

// Repoint makes standby n stream from up: it creates n's physical slot on up
// if missing (reserving WAL now), then sets primary_conninfo and
// primary_slot_name with ALTER SYSTEM and reloads; the walreceiver restarts
// towards up. up must accept SQL connections (directly or through a proxy).
func (s *Supervisor) Repoint(ctx context.Context, n Node, up Upstream) error {
	if err := s.validate(n); err != nil {
		return fmt.Errorf("repoint %s: %w", n.Name, err)
	}
	if err := s.ensureSlot(ctx, up, n.Name); err != nil {
		return fmt.Errorf("repoint %s: %w", n.Name, err)
	}
	err := s.withConn(ctx, n, "postgres", func(c *pgx.Conn) error {
		if err := execFormatted(ctx, c, "ALTER SYSTEM SET primary_conninfo = %L", s.conninfo(n, up)); err != nil {
			return err
		}
		if err := execFormatted(ctx, c, "ALTER SYSTEM SET primary_slot_name = %L", n.Name); err != nil {
			return err
		}
		return reloadAndWait(ctx, c, "primary_slot_name", n.Name)
	})
	if err != nil {
		return fmt.Errorf("repoint %s: %w", n.Name, err)
	}
	s.log.Info("repointed node", "node", n.Name, "upstream", upstreamAddr(up))
	return nil
}

// ensureSlot creates physical slot on up unless it exists.
func (s *Supervisor) ensureSlot(ctx context.Context, up Upstream, slot string) error {
	conn, err := s.connectAddr(ctx, up.Host, up.Port, "postgres")
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, `SELECT pg_create_physical_replication_slot($1, true)
		WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)`, slot)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42710" { // duplicate_object: lost a race
		return nil
	}
	if err != nil {
		return fmt.Errorf("create slot %s at %s: %w", slot, upstreamAddr(up), err)
	}
	return nil
}

// Replication lists n's walsenders (pg_stat_replication), by name.
func (s *Supervisor) Replication(ctx context.Context, n Node) ([]Replica, error) {
	var out []Replica
	err := s.withConn(ctx, n, "postgres", func(c *pgx.Conn) error {
		var err error
		out, err = replication(ctx, c)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list replication of %s: %w", n.Name, err)
	}
	return out, nil
}

func replication(ctx context.Context, c *pgx.Conn) ([]Replica, error) {
	rows, err := c.Query(ctx, `SELECT coalesce(application_name, ''), coalesce(state, ''),
		coalesce(sync_state, ''), coalesce(replay_lsn::text, ''), coalesce(flush_lsn::text, ''),
		coalesce(extract(epoch FROM replay_lag)::float8, 0)
		FROM pg_stat_replication ORDER BY application_name`)
	if err != nil {
		return nil, err
	}
	var out []Replica
	var lag float64
	var r Replica
	_, err = pgx.ForEachRow(rows, []any{&r.Name, &r.State, &r.SyncState, &r.ReplayLSN, &r.FlushLSN, &lag}, func() error {
		r.ReplayLag = time.Duration(lag * float64(time.Second))
		out = append(out, r)
		return nil
	})
	return out, err
}

// EnsureLogin creates (or updates the password and attributes of) the login
// role user on primary n: LOGIN CREATEDB CREATEROLE, a SCRAM password, member
// of pg_monitor and pg_signal_backend, with CREATE on schema public of the
// "postgres" database; it creates database owned by user if database is not
// "" and missing. Idempotent. password may be a SCRAM-SHA-256 verifier
// ("SCRAM-SHA-256$..."), which PostgreSQL stores as it is; the emulator
// passes nothing else. The password is never logged.
func (s *Supervisor) EnsureLogin(ctx context.Context, n Node, user, password, database string) error {
	if user == "" || user == s.admin.User || strings.HasPrefix(user, "pg_") {
		return fmt.Errorf("ensure login on %s: invalid user name %q", n.Name, user)
	}
	err := s.withConn(ctx, n, "postgres", func(c *pgx.Conn) error {
		var exists bool
		if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", user).Scan(&exists); err != nil {
			return fmt.Errorf("look up role: %w", err)
		}
		verb := "CREATE"
		if exists {
			verb = "ALTER"
		}
		if err := execFormatted(ctx, c, verb+" ROLE %I LOGIN CREATEDB CREATEROLE PASSWORD %L", user, password); err != nil {
			return err
		}
		for _, f := range []string{"GRANT pg_monitor, pg_signal_backend TO %I", "GRANT CREATE ON SCHEMA public TO %I"} {
			if err := execFormatted(ctx, c, f, user); err != nil {
				return err
			}
		}
		if database == "" {
			return nil
		}
		if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", database).Scan(&exists); err != nil {
			return fmt.Errorf("look up database: %w", err)
		}
		if exists {
			return nil
		}
		return execFormatted(ctx, c, "CREATE DATABASE %I OWNER %I", database, user)
	})
	if err != nil {
		return fmt.Errorf("ensure login %s on %s: %w", user, n.Name, err)
	}
	s.log.Info("ensured login", "node", n.Name, "user", user, "database", database)
	return nil
}

// DropSlot drops replication slot on n if it exists, terminating the
// walsender that holds it if needed.
func (s *Supervisor) DropSlot(ctx context.Context, n Node, slot string) error {
	err := s.withConn(ctx, n, "postgres", func(c *pgx.Conn) error {
		var dropErr error
		err := poll(ctx, 50*time.Millisecond, func() bool {
			dropErr = dropSlotOnce(ctx, c, slot)
			return !isObjectInUse(dropErr)
		}, "wait for slot "+slot+" to be released")
		if dropErr != nil && !isObjectInUse(dropErr) {
			return dropErr
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("drop slot %s on %s: %w", slot, n.Name, err)
	}
	return nil
}

// dropSlotOnce terminates the slot's walsender, if any, and drops the slot;
// a missing slot is not an error.
func dropSlotOnce(ctx context.Context, c *pgx.Conn, slot string) error {
	if _, err := c.Exec(ctx, `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
		WHERE slot_name = $1 AND active_pid IS NOT NULL`, slot); err != nil {
		return err
	}
	_, err := c.Exec(ctx, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, slot)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42704" { // undefined_object: dropped meanwhile
		return nil
	}
	return err
}

func isObjectInUse(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "55006"
}

// EnsureSlot creates the physical replication slot a standby named slot
// needs on up, if it is missing (for instance after the standby's
// upstream changed behind a WAN link). WAL is reserved from up's current
// position; wal_keep_size covers a standby that is a little behind.
func (s *Supervisor) EnsureSlot(ctx context.Context, up Upstream, slot string) error {
	return s.ensureSlot(ctx, up, slot)
}

// StreamsFrom returns the "host:port" that a running standby's
// primary_conninfo names, or "" when it names none.
func (s *Supervisor) StreamsFrom(ctx context.Context, n Node) (string, error) {
	var info string
	err := s.withConn(ctx, n, "postgres", func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT current_setting('primary_conninfo')`).Scan(&info)
	})
	if err != nil {
		return "", fmt.Errorf("read upstream of %s: %w", n.Name, err)
	}
	addr, err := conninfoAddr(info)
	if err != nil {
		return "", fmt.Errorf("read upstream of %s: %w", n.Name, err)
	}
	return addr, nil
}

// conninfoAddr returns the "host:port" a primary_conninfo names, or ""
// when it is empty.
func conninfoAddr(info string) (string, error) {
	if strings.TrimSpace(info) == "" {
		return "", nil
	}
	cfg, err := pgconn.ParseConfig(info)
	if err != nil {
		// The error would quote the string, which holds the password.
		return "", errors.New("primary_conninfo does not parse")
	}
	return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), nil
}

// Status is what one query tells of a running server: its role, how far
// it has WAL, its WAL receiver and, on a primary, its walsenders.
type Status struct {
	InRecovery bool
	// Received is how far it has WAL: on a standby the last location
	// received or replayed, on a primary its insert position.
	Received LSN
	// Streaming: a standby's WAL receiver is streaming.
	Streaming bool
	// StreamsFrom is the "host:port" a standby's primary_conninfo names
	// ("" when none).
	StreamsFrom string
	// Replicas are a primary's walsenders (pg_stat_replication).
	Replicas []Replica
}

// Status reads n's Status over one admin connection.
func (s *Supervisor) Status(ctx context.Context, n Node) (Status, error) {
	var st Status
	var lsn, receiver, info string
	err := s.withConn(ctx, n, "postgres", func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `SELECT pg_is_in_recovery(), (CASE WHEN pg_is_in_recovery()
			THEN greatest(coalesce(pg_last_wal_receive_lsn(), '0/0'), coalesce(pg_last_wal_replay_lsn(), '0/0'))
			ELSE pg_current_wal_insert_lsn() END)::text,
			coalesce((SELECT status FROM pg_stat_wal_receiver LIMIT 1), ''),
			current_setting('primary_conninfo')`).Scan(&st.InRecovery, &lsn, &receiver, &info)
		if err != nil || st.InRecovery {
			return err
		}
		st.Replicas, err = replication(ctx, c)
		return err
	})
	if err != nil {
		return Status{}, fmt.Errorf("read status of %s: %w", n.Name, err)
	}
	if st.Received, err = ParseLSN(lsn); err != nil {
		return Status{}, fmt.Errorf("read status of %s: %w", n.Name, err)
	}
	st.Streaming = receiver == "streaming"
	if st.StreamsFrom, err = conninfoAddr(info); err != nil {
		return Status{}, fmt.Errorf("read status of %s: %w", n.Name, err)
	}
	return st, nil
}
