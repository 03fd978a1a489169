package emulator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrAlreadyRunning is returned by Start when another emulator serves the
// data directory.
var ErrAlreadyRunning = errors.New("emulator already running")

// dataDirLock is an exclusive flock on <data-dir>/LOCK, held for the
// emulator's lifetime. The kernel drops it when the process dies, even
// by kill -9, so a crashed emulator never blocks a restart. Go opens files
// close-on-exec, so the postgres processes the emulator starts do not
// inherit (and cannot keep) the lock.
type dataDirLock struct{ f *os.File }

// lockDataDir takes the lock without waiting and writes the emulator's pid
// into the file. If another emulator holds it, it fails with an error
// wrapping ErrAlreadyRunning that names the holder's pid, and changes
// nothing on disk.
func lockDataDir(dir string) (*dataDirLock, error) {
	path := filepath.Join(dir, "LOCK")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open data dir lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w on %s (pid %s)", ErrAlreadyRunning, dir, lockHolder(path))
		}
		return nil, fmt.Errorf("lock data dir: %w", err)
	}
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, fmt.Errorf("write data dir lock: %w", err)
	}
	if _, err := f.WriteAt(pid, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("write data dir lock: %w", err)
	}
	return &dataDirLock{f: f}, nil
}

// lockHolder reads the pid the holder wrote; "unknown" while it has not
// written it yet.
func lockHolder(path string) string {
	b, err := os.ReadFile(path)
	pid := strings.TrimSpace(string(b))
	if err != nil || pid == "" {
		return "unknown"
	}
	return pid
}

// release drops the lock. The file stays: removing it would let a third
// emulator lock a new file while a second one still waits on the old.
func (l *dataDirLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
