package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Activity is what one short query tells of a running server for the
// CloudWatch metrics the emulator publishes (package metrics).
type Activity struct {
	// At is the server's clock when it answered (now()).
	At time.Time
	// Started is when the postmaster started (pg_postmaster_start_time).
	Started    time.Time
	InRecovery bool
	// Position is how far the server's history goes: on a primary its
	// WAL insert position, on a standby the last WAL position replayed.
	Position LSN
	// Received is, on a standby, the last WAL position received and
	// flushed to its disk by its WAL receiver, or Position if that is
	// further (nothing received since it started); on a primary it
	// equals Position.
	Received LSN
	// LastReplayedCommit is, on a standby, the commit time of the last
	// transaction replayed (pg_last_xact_replay_timestamp); zero when
	// none was replayed since the server started, and on a primary.
	LastReplayedCommit time.Time
	// Connections counts client backends (pg_stat_activity, backend_type
	// "client backend"), not the supervisor's own sessions
	// (application_name globaldb-engine, this query's included),
	// walsenders or background workers.
	Connections int
}

// adminApplication is the application_name of the supervisor's sessions.
const adminApplication = "globaldb-engine"

// Activity reads n's Activity over one admin connection, in one query.
func (s *Supervisor) Activity(ctx context.Context, n Node) (Activity, error) {
	var a Activity
	var pos, recv string
	var replayed *time.Time
	err := s.withConn(ctx, n, "postgres", func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT now(), pg_postmaster_start_time(), pg_is_in_recovery(),
			(CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_replay_lsn(), '0/0')
				ELSE pg_current_wal_insert_lsn() END)::text,
			(CASE WHEN pg_is_in_recovery() THEN greatest(coalesce(pg_last_wal_receive_lsn(), '0/0'),
				coalesce(pg_last_wal_replay_lsn(), '0/0')) ELSE pg_current_wal_insert_lsn() END)::text,
			pg_last_xact_replay_timestamp(),
			(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'
				AND coalesce(application_name, '') <> $1)::int`, adminApplication).
			Scan(&a.At, &a.Started, &a.InRecovery, &pos, &recv, &replayed, &a.Connections)
	})
	if err != nil {
		return Activity{}, fmt.Errorf("read activity of %s: %w", n.Name, err)
	}
	if a.Position, err = ParseLSN(pos); err != nil {
		return Activity{}, fmt.Errorf("read activity of %s: %w", n.Name, err)
	}
	if a.Received, err = ParseLSN(recv); err != nil {
		return Activity{}, fmt.Errorf("read activity of %s: %w", n.Name, err)
	}
	if replayed != nil {
		a.LastReplayedCommit = *replayed
	}
	return a, nil
}

// Postmaster returns the pid of the postmaster running in n's data
// directory, from the first line of its postmaster.pid.
func (s *Supervisor) Postmaster(n Node) (int, error) {
	data, err := os.ReadFile(filepath.Join(n.Dir, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("read postmaster pid of %s: %w", n.Name, err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0, fmt.Errorf("read postmaster pid of %s: %w", n.Name, err)
	}
	return pid, nil
}
