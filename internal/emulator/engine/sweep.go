package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Sweep kills (SIGKILL) every postgres process left running from a data
// directory under Root by an earlier emulator run (a postmaster or an
// orphaned backend, recognised by its executable and working directory),
// waits for them to exit and removes stale postmaster.pid files. Processes
// this supervisor started are left alone. Call it at emulator start.
func (s *Supervisor) Sweep(ctx context.Context) error {
	own := make(map[int]bool)
	s.mu.Lock()
	for _, p := range s.procs {
		own[p.pid] = true
	}
	s.mu.Unlock()

	// A postmaster may fork between listing and killing, so repeat until
	// nothing is left.
	var swept []int
	for round := 0; ; round++ {
		var killed []int
		for _, pid := range postgresUnder(s.real) {
			if pgid, _ := syscall.Getpgid(pid); own[pid] || own[pgid] {
				continue
			}
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				return fmt.Errorf("sweep: kill %d: %w", pid, err)
			}
			killed = append(killed, pid)
		}
		if len(killed) == 0 {
			break
		}
		if round == 10 {
			return fmt.Errorf("sweep: postgres processes keep appearing under %s: %v", s.root, killed)
		}
		for _, pid := range killed {
			if err := waitGone(ctx, pid); err != nil {
				return fmt.Errorf("sweep: %w", err)
			}
		}
		swept = append(swept, killed...)
	}
	if len(swept) > 0 {
		s.log.Warn("swept leftover postgres processes", "count", len(swept), "pids", swept)
	}
	if err := s.removeLeftovers(); err != nil {
		return err
	}
	return s.removeStalePids()
}

// removeLeftovers removes what an interrupted Init or Clone left directly
// under Root: staging directories (a partial initdb or pg_basebackup) and
// initdb password files written by older versions beside the data
// directory instead of inside the staging directory.
func (s *Supervisor) removeLeftovers() error {
	entries, err := os.ReadDir(s.root)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		staging := e.IsDir() && (strings.HasSuffix(name, initdbSuffix) || strings.HasSuffix(name, cloneSuffix))
		pwfile := !e.IsDir() && strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".pwfile")
		if !staging && !pwfile {
			continue
		}
		if err := os.RemoveAll(filepath.Join(s.root, name)); err != nil {
			return fmt.Errorf("sweep: remove %s: %w", name, err)
		}
		s.log.Info("removed what an interrupted run left", "path", name)
	}
	return nil
}

// removeStalePids removes postmaster.pid files under Root whose postmaster
// is not running, without descending into data directories.
func (s *Supervisor) removeStalePids() error {
	err := filepath.WalkDir(s.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() || !initialised(path) {
			return nil
		}
		if !s.running(path) {
			if err := removeStalePid(path); err != nil && !errors.Is(err, ErrRunning) {
				return err
			}
		}
		return filepath.SkipDir
	})
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	return nil
}

// removeStalePid removes dir's postmaster.pid unless its postmaster is alive
// (ErrRunning).
func removeStalePid(dir string) error {
	if pid, ok := livePostmaster(dir); ok {
		return fmt.Errorf("postmaster %d still runs in %s: %w", pid, dir, ErrRunning)
	}
	if err := os.Remove(filepath.Join(dir, "postmaster.pid")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove stale postmaster.pid: %w", err)
	}
	return nil
}

// pidFileLines returns the lines of dir's postmaster.pid, or nil.
func pidFileLines(dir string) []string {
	data, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return nil
	}
	return strings.Split(string(data), "\n")
}

// pidFileStatus returns the postmaster status from postmaster.pid
// ("starting", "stopping", "ready", "standby"), or "".
func pidFileStatus(dir string) string {
	lines := pidFileLines(dir)
	if len(lines) < 8 {
		return ""
	}
	return strings.TrimSpace(lines[7])
}

// livePostmaster returns the pid in dir's postmaster.pid if that process is
// alive and is a postgres running in dir.
func livePostmaster(dir string) (int, bool) {
	lines := pidFileLines(dir)
	if len(lines) == 0 {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || pid <= 0 {
		return 0, false
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	cwd, ok := postgresCwd(pid)
	if !ok || cwd != dir {
		return 0, false
	}
	return pid, true
}

// postgresCwd returns the working directory of pid if it is a live (not
// zombie) postgres process. Postgres chdirs into its data directory.
func postgresCwd(pid int) (string, bool) {
	if !alive(pid) {
		return "", false
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil || !strings.HasPrefix(filepath.Base(exe), "postgres") {
		return "", false
	}
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	if err != nil {
		return "", false
	}
	return cwd, true
}

// postgresUnder lists live postgres processes whose working directory is
// under root.
func postgresUnder(root string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if cwd, ok := postgresCwd(pid); ok && strings.HasPrefix(cwd, root+"/") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// procStat returns the state letter and process group of pid from
// /proc/PID/stat; ok is false if the process does not exist.
func procStat(pid int) (state byte, pgrp int, ok bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	// Fields after the parenthesised command: state ppid pgrp ...
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 3 {
		return 0, 0, false
	}
	pgrp, _ = strconv.Atoi(f[2])
	return f[0][0], pgrp, true
}

// children lists the processes whose parent is pid.
func children(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		k, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", k))
		if err != nil {
			continue
		}
		i := strings.LastIndexByte(string(data), ')')
		if i < 0 {
			continue
		}
		if f := strings.Fields(string(data[i+1:])); len(f) >= 2 && f[1] == strconv.Itoa(pid) {
			out = append(out, k)
		}
	}
	return out
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	st, _, ok := procStat(pid)
	return ok && st != 'Z' && st != 'X'
}

// groupAlive reports whether any non-zombie process is in process group pgid.
func groupAlive(pgid int) bool {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, pg, ok := procStat(pid); ok && pg == pgid && st != 'Z' && st != 'X' {
			return true
		}
	}
	return false
}

// waitGone polls until pid has exited (or is a zombie).
func waitGone(ctx context.Context, pid int) error {
	return poll(ctx, 10*time.Millisecond, func() bool { return !alive(pid) },
		fmt.Sprintf("wait for pid %d to exit", pid))
}

// waitGroupGone polls until no live process remains in process group pgid.
func waitGroupGone(ctx context.Context, pgid int) error {
	return poll(ctx, 10*time.Millisecond, func() bool { return !groupAlive(pgid) },
		fmt.Sprintf("wait for process group %d to exit", pgid))
}

// poll calls cond every interval until it is true or ctx expires.
func poll(ctx context.Context, interval time.Duration, cond func() bool, what string) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
	return nil
}
