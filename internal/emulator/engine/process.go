package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrKilled reports that a graceful stop did not finish before its context
// expired, so the process group was killed. The process has exited.
var ErrKilled = errors.New("stop timed out; process group killed")

// StopMode selects how the postmaster shuts down.
type StopMode int

// Stop modes, as in pg_ctl stop -m.
const (
	StopSmart     StopMode = iota // SIGTERM: wait for clients to disconnect
	StopFast                      // SIGINT: disconnect clients, checkpoint
	StopImmediate                 // SIGQUIT: exit without checkpoint (crash recovery at next start)
)

// String returns the pg_ctl name of the mode.
func (m StopMode) String() string {
	switch m {
	case StopSmart:
		return "smart"
	case StopFast:
		return "fast"
	case StopImmediate:
		return "immediate"
	}
	return fmt.Sprintf("StopMode(%d)", int(m))
}

func (m StopMode) signal() syscall.Signal {
	switch m {
	case StopSmart:
		return syscall.SIGTERM
	case StopImmediate:
		return syscall.SIGQUIT
	}
	return syscall.SIGINT
}

// Process is a running postmaster started by Start, in a process group of
// its own (its children each call setsid, so they are found by parent);
// the postmaster is reaped by the supervisor.
type Process struct {
	node Node
	pid  int
	log  *slog.Logger
	done chan struct{}

	exitErr error // valid once done is closed
}

// Pid returns the postmaster's process id (also its process group id).
func (p *Process) Pid() int { return p.pid }

// Done is closed once the postmaster has exited and been reaped.
func (p *Process) Done() <-chan struct{} { return p.done }

// ExitErr returns how the postmaster exited (nil for a clean exit); it is
// only meaningful after Done is closed.
func (p *Process) ExitErr() error {
	select {
	case <-p.done:
		return p.exitErr
	default:
		return nil
	}
}

// Stop signals the postmaster with mode and waits for it to exit. If ctx
// expires first, the whole process group is killed and Stop returns an error
// wrapping ErrKilled once it is gone. Stopping an exited process is a no-op.
func (p *Process) Stop(ctx context.Context, mode StopMode) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := syscall.Kill(p.pid, mode.signal()); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop %s: %w", p.node.Name, err)
	}
	select {
	case <-p.done:
		p.log.Info("stopped node", "mode", mode)
		return nil
	case <-ctx.Done():
	}
	if err := p.Kill(); err != nil {
		return fmt.Errorf("stop %s: %w", p.node.Name, err)
	}
	p.log.Warn("stop timed out; killed node", "mode", mode)
	return fmt.Errorf("stop %s (%s): %w", p.node.Name, mode, ErrKilled)
}

// Kill crashes the server: SIGKILL to the postmaster's process group and
// to every child of the postmaster (PostgreSQL's children each lead a
// session of their own, so the group holds only the postmaster), then
// waits until all of them have exited, so the shared memory is free for
// the next start. The postmaster is stopped first so that it forks no
// child that the kill would miss.
func (p *Process) Kill() error {
	if err := syscall.Kill(p.pid, syscall.SIGSTOP); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill %s: %w", p.node.Name, err)
	}
	kids := children(p.pid)
	if err := syscall.Kill(-p.pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill %s: %w", p.node.Name, err)
	}
	for _, k := range kids {
		if err := syscall.Kill(k, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("kill %s: child %d: %w", p.node.Name, k, err)
		}
	}
	<-p.done
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitGroupGone(ctx, p.pid); err != nil {
		return fmt.Errorf("kill %s: %w", p.node.Name, err)
	}
	for _, k := range kids {
		if err := waitGone(ctx, k); err != nil {
			return fmt.Errorf("kill %s: %w", p.node.Name, err)
		}
	}
	return nil
}

// Start runs `postgres -D Dir` as the run-as user in its own process group,
// with SIGKILL as its parent-death signal, appending its output to Dir+".log".
// It rewrites the node's configuration first, removes a stale postmaster.pid,
// and returns once the node accepts SQL connections (a standby: once hot
// standby accepts them). If the postmaster exits or ctx expires first, the
// process group is killed and the error includes the end of the log.
func (s *Supervisor) Start(ctx context.Context, n Node) (*Process, error) {
	if err := s.validate(n); err != nil {
		return nil, fmt.Errorf("start %s: %w", n.Name, err)
	}
	if !initialised(n.Dir) {
		return nil, fmt.Errorf("start %s: %s is not a data directory", n.Name, n.Dir)
	}
	if s.running(n.Dir) {
		return nil, fmt.Errorf("start %s: %w", n.Name, ErrRunning)
	}
	if err := s.writeNodeConf(n); err != nil {
		return nil, fmt.Errorf("start %s: %w", n.Name, err)
	}
	if err := removeStalePid(n.Dir); err != nil {
		return nil, fmt.Errorf("start %s: %w", n.Name, err)
	}
	begin := time.Now()
	p, err := s.spawn(n)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", n.Name, err)
	}
	if err := s.waitReady(ctx, n, p); err != nil {
		kerr := p.Kill()
		return nil, fmt.Errorf("start %s: %w", n.Name, errors.Join(err, kerr))
	}
	p.log.Info("started node", "pid", p.pid, "addr", n.Addr(), "took", time.Since(begin))
	return p, nil
}

// spawn starts the postmaster, registers it and starts its reaper.
func (s *Supervisor) spawn(n Node) (*Process, error) {
	logf, err := os.OpenFile(logPath(n.Dir), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	defer logf.Close()
	if err := s.chown(logf.Name()); err != nil {
		return nil, err
	}
	// No CommandContext: the server outlives the Start call. Pdeathsig is
	// applied by the child after the credential switch, so it holds for the
	// unprivileged postmaster too; it fires when the forking OS thread dies,
	// and Go never retires the threads it forks from unless they are locked.
	cmd := exec.Command(filepath.Join(s.bin, "postgres"), "-D", n.Dir)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "LANG=C", "HOME=" + s.root}
	cmd.Dir = n.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("exec postgres: %w", err)
	}
	p := &Process{
		node: n,
		pid:  cmd.Process.Pid,
		log:  s.log.With("node", n.Name),
		done: make(chan struct{}),
	}
	s.procs[n.Dir] = p
	go s.reap(cmd, p)
	return p, nil
}

// reap waits for the postmaster, records its exit and unregisters it.
func (s *Supervisor) reap(cmd *exec.Cmd, p *Process) {
	p.exitErr = cmd.Wait()
	s.mu.Lock()
	if s.procs[p.node.Dir] == p {
		delete(s.procs, p.node.Dir)
	}
	s.mu.Unlock()
	close(p.done)
	p.log.Debug("postmaster exited", "pid", p.pid, "status", fmt.Sprint(p.exitErr))
}

// running reports whether this supervisor has a live postmaster for dir.
func (s *Supervisor) running(dir string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.procs[dir]
	return ok
}

// waitReady polls postmaster.pid until the server reports ready or standby,
// then confirms with a SQL connection. A server that refuses the admin's
// login (a wrong password, a missing role) or keeps failing connections
// will not get better by asking again: waitReady gives up with that error
// instead of retrying it many times a second (each try would be a line in
// the server's log).
func (s *Supervisor) waitReady(ctx context.Context, n Node, p *Process) error {
	delay := 20 * time.Millisecond
	timer := time.NewTimer(delay)
	defer timer.Stop()
	var lastErr error
	failures := 0
	for {
		select {
		case <-p.done:
			return fmt.Errorf("postmaster exited (%v): %s", p.exitErr, logTail(n.Dir))
		case <-ctx.Done():
			return fmt.Errorf("wait for readiness: %w (last error: %v): %s", ctx.Err(), lastErr, logTail(n.Dir))
		case <-timer.C:
		}
		timer.Reset(delay)
		if st := pidFileStatus(n.Dir); st != "ready" && st != "standby" {
			continue
		}
		conn, err := s.Connect(ctx, n, "postgres")
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		lastErr = err
		if !startingUp(err) {
			failures++
			delay = min(2*delay, time.Second)
		}
		if refusedLogin(err) || failures >= maxReadyFailures {
			return fmt.Errorf("wait for readiness: %w", err)
		}
	}
}

// maxReadyFailures bounds the failed connections (other than "the
// database system is starting up") waitReady makes before it gives up.
const maxReadyFailures = 8

// startingUp reports the server's "not yet" answers: starting up, in
// recovery, shutting down for a restart (SQLSTATE 57P03).
func startingUp(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "57P03"
}

// refusedLogin reports an authentication failure (SQLSTATE class 28).
func refusedLogin(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "28")
}

// Close stops every process this supervisor started (fast, killed after
// 5 s), waits for all of them, and makes later Starts fail with ErrClosed.
func (s *Supervisor) Close() error {
	s.mu.Lock()
	s.closed = true
	procs := make([]*Process, 0, len(s.procs))
	for _, p := range s.procs {
		procs = append(procs, p)
	}
	s.mu.Unlock()

	var wg sync.WaitGroup
	errs := make([]error, len(procs))
	for i, p := range procs {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := p.Stop(ctx, StopFast); err != nil && !errors.Is(err, ErrKilled) {
				errs[i] = err
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// logTail returns the last lines of a node's log for error messages.
func logTail(dir string) string {
	f, err := os.Open(logPath(dir))
	if err != nil {
		return "(no log)"
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "(no log)"
	}
	off := max(fi.Size()-4096, 0)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return "(unreadable log)"
	}
	return "log: " + strings.TrimSpace(lastLines(string(buf), 12))
}

// lastLines returns at most n trailing lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
