package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
)

// initialised reports whether dir holds a PostgreSQL data directory.
func initialised(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "PG_VERSION"))
	return err == nil
}

// Init creates n's data directory with initdb (SCRAM authentication, the
// admin superuser, UTF8) and writes its configuration. It is a no-op, apart
// from rewriting the node's configuration, if Dir is already initialised.
// Dir appears only once it is complete: initdb runs in a staging directory
// beside it (stagingDir) that is renamed into place, so a crash at any
// moment leaves either no Dir or a whole one; a staging directory left by
// a crash is removed by the next Init (and by Sweep).
func (s *Supervisor) Init(ctx context.Context, n Node) error {
	if err := s.validate(n); err != nil {
		return fmt.Errorf("init %s: %w", n.Name, err)
	}
	if initialised(n.Dir) {
		return s.writeNodeConf(n)
	}
	if err := s.checkFresh(n.Dir); err != nil {
		return fmt.Errorf("init %s: %w", n.Name, err)
	}
	start := time.Now()
	stage, err := s.newStaging(n.Dir, initdbSuffix)
	if err != nil {
		return fmt.Errorf("init %s: %w", n.Name, err)
	}
	defer os.RemoveAll(stage)
	// The password file lives in the staging directory, so no copy of the
	// admin secret outlives the step, even after a crash.
	pwfile := filepath.Join(stage, "pwfile")
	if err := s.writeFile(pwfile, []byte(s.admin.Password+"\n")); err != nil {
		return fmt.Errorf("init %s: %w", n.Name, err)
	}
	staged := n
	staged.Dir = filepath.Join(stage, "data")
	err = s.run(ctx, "initdb", []string{
		"-D", staged.Dir, "-A", "scram-sha-256", "-U", s.admin.User, "--pwfile", pwfile,
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
	})
	if err == nil {
		err = s.writeNodeConf(staged)
	}
	if err == nil {
		err = os.Rename(staged.Dir, n.Dir)
	}
	if err != nil {
		return fmt.Errorf("init %s: %w", n.Name, err)
	}
	s.log.Info("initialised node", "node", n.Name, "dir", n.Dir, "took", time.Since(start))
	return nil
}

// Staging directories (beside a node's Dir) hold a data directory while
// initdb or pg_basebackup writes it.
const (
	initdbSuffix = ".initdb"
	cloneSuffix  = ".clone"
)

// newStaging returns an empty staging directory dir+suffix, owned by the
// run-as user, removing one left by an interrupted run.
func (s *Supervisor) newStaging(dir, suffix string) (string, error) {
	stage := dir + suffix
	if err := os.RemoveAll(stage); err != nil {
		return "", fmt.Errorf("remove stale staging directory: %w", err)
	}
	if err := s.mkdirAll(stage); err != nil {
		return "", err
	}
	return stage, nil
}

// checkFresh fails with ErrExists if dir exists and is not empty.
func (s *Supervisor) checkFresh(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check data directory: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("%w: %s is not empty (remove it first)", ErrExists, dir)
	}
	return nil
}

// Clone makes n a streaming standby of up with pg_basebackup, creating the
// physical slot n.Name on up (dropping an inactive slot of that name first).
// up may be a primary or a standby (cascade). The clone gets n's own
// configuration and a postgresql.auto.conf holding only primary_conninfo and
// primary_slot_name. Dir must not exist or be empty (ErrExists). As with
// Init, the copy is made in a staging directory and renamed into place
// once complete: a crash mid-copy never leaves a partial Dir.
func (s *Supervisor) Clone(ctx context.Context, n Node, up Upstream) error {
	if err := s.validate(n); err != nil {
		return fmt.Errorf("clone %s: %w", n.Name, err)
	}
	if err := s.checkFresh(n.Dir); err != nil {
		return fmt.Errorf("clone %s: %w", n.Name, err)
	}
	start := time.Now()
	if err := s.dropInactiveSlot(ctx, up, n.Name); err != nil {
		return fmt.Errorf("clone %s: %w", n.Name, err)
	}
	stage, err := s.newStaging(n.Dir, cloneSuffix)
	if err != nil {
		return fmt.Errorf("clone %s: %w", n.Name, err)
	}
	defer os.RemoveAll(stage)
	staged := n
	staged.Dir = filepath.Join(stage, "data")
	err = s.basebackup(ctx, staged, up)
	if err == nil {
		err = s.writeNodeConf(staged)
	}
	if err == nil {
		err = s.writeStandbyAuto(staged, up)
	}
	if err == nil {
		err = os.Rename(staged.Dir, n.Dir)
	}
	if err != nil {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if derr := s.dropInactiveSlot(dctx, up, n.Name); derr != nil {
			s.log.Warn("drop slot after failed clone", "node", n.Name, "err", derr)
		}
		return fmt.Errorf("clone %s: %w", n.Name, err)
	}
	s.log.Info("cloned node", "node", n.Name, "upstream", upstreamAddr(up), "took", time.Since(start))
	return nil
}

func (s *Supervisor) basebackup(ctx context.Context, n Node, up Upstream) error {
	dsn := fmt.Sprintf("host=%s port=%d user=%s application_name=%s sslmode=disable",
		libpqQuote(up.Host), up.Port, libpqQuote(s.admin.User), libpqQuote(n.Name))
	return s.run(ctx, "pg_basebackup", []string{
		"-d", dsn, "-D", n.Dir, "-X", "stream", "-c", "fast", "-C", "-S", n.Name, "-R", "--no-sync",
	}, "PGPASSWORD="+s.admin.Password, "PGCONNECT_TIMEOUT=10")
}

// dropInactiveSlot drops slot on up if it exists and is inactive; an active
// slot of that name is an error.
func (s *Supervisor) dropInactiveSlot(ctx context.Context, up Upstream, slot string) error {
	conn, err := s.connectAddr(ctx, up.Host, up.Port, "postgres")
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var active bool
	err = conn.QueryRow(ctx, `SELECT active FROM pg_replication_slots WHERE slot_name = $1`, slot).Scan(&active)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("query slot %s: %w", slot, err)
	case active:
		return fmt.Errorf("drop slot %s at %s: slot is in use", slot, upstreamAddr(up))
	}
	if _, err := conn.Exec(ctx, `SELECT pg_drop_replication_slot($1)`, slot); err != nil {
		return fmt.Errorf("drop slot %s: %w", slot, err)
	}
	s.log.Info("dropped stale replication slot", "slot", slot, "upstream", upstreamAddr(up))
	return nil
}

// Remove deletes n's data directory and log. The node must be stopped.
func (s *Supervisor) Remove(ctx context.Context, n Node) error {
	if err := s.validate(n); err != nil {
		return fmt.Errorf("remove %s: %w", n.Name, err)
	}
	if s.running(n.Dir) {
		return fmt.Errorf("remove %s: %w", n.Name, ErrRunning)
	}
	if pid, ok := livePostmaster(n.Dir); ok {
		return fmt.Errorf("remove %s: postmaster %d: %w", n.Name, pid, ErrRunning)
	}
	for _, d := range []string{n.Dir, n.Dir + initdbSuffix, n.Dir + cloneSuffix} {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("remove %s: %w", n.Name, err)
		}
	}
	if err := os.Remove(logPath(n.Dir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", n.Name, err)
	}
	s.log.Info("removed node", "node", n.Name, "dir", n.Dir)
	return nil
}

func upstreamAddr(up Upstream) string { return fmt.Sprintf("%s:%d", up.Host, up.Port) }

func logPath(dir string) string { return filepath.Clean(dir) + ".log" }

// Rewind turns the stopped former primary n into a standby of up with
// pg_rewind (crash recovery is run first if n was not shut down cleanly),
// creating n's slot on up if missing and writing the same standby settings
// as Clone. up must be promoted and checkpointed (Promote does both). If
// pg_rewind fails the data directory may be unusable: Remove and Clone it.
func (s *Supervisor) Rewind(ctx context.Context, n Node, up Upstream) error {
	if err := s.validate(n); err != nil {
		return fmt.Errorf("rewind %s: %w", n.Name, err)
	}
	if s.running(n.Dir) {
		return fmt.Errorf("rewind %s: %w", n.Name, ErrRunning)
	}
	if err := removeStalePid(n.Dir); err != nil {
		return fmt.Errorf("rewind %s: %w", n.Name, err)
	}
	start := time.Now()
	if err := s.ensureSlot(ctx, up, n.Name); err != nil {
		return fmt.Errorf("rewind %s: %w", n.Name, err)
	}
	// pg_rewind completes an interrupted shutdown in single-user mode,
	// which refuses standby mode: a standby that crashed is rewound as
	// the primary it would become, and made a standby again below.
	if err := os.Remove(filepath.Join(n.Dir, "standby.signal")); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("rewind %s: %w", n.Name, err)
	}
	src := fmt.Sprintf("host=%s port=%d user=%s dbname=postgres application_name=%s sslmode=disable",
		libpqQuote(up.Host), up.Port, libpqQuote(s.admin.User), libpqQuote(n.Name))
	err := s.run(ctx, "pg_rewind", []string{"-D", n.Dir, "--source-server", src, "--no-sync"},
		"PGPASSWORD="+s.admin.Password, "PGCONNECT_TIMEOUT=10")
	if err == nil {
		err = s.writeStandbyAuto(n, up)
	}
	if err == nil {
		err = s.writeFile(filepath.Join(n.Dir, "standby.signal"), nil)
	}
	if err != nil {
		return fmt.Errorf("rewind %s: %w", n.Name, err)
	}
	s.log.Info("rewound node", "node", n.Name, "upstream", upstreamAddr(up), "took", time.Since(start))
	return nil
}

// SetUpstream rewrites a stopped standby's replication settings so that it
// streams from up when it next starts (e.g. through a WAN link after a
// clone taken directly from the source). The slot name stays n.Name.
func (s *Supervisor) SetUpstream(n Node, up Upstream) error {
	if err := s.validate(n); err != nil {
		return fmt.Errorf("set upstream of %s: %w", n.Name, err)
	}
	if s.running(n.Dir) {
		return fmt.Errorf("set upstream of %s: %w", n.Name, ErrRunning)
	}
	return s.writeStandbyAuto(n, up)
}
