// Package statefile persists a model's state as one JSON file, written
// atomically with mode 0600: a crash of the process or of the machine
// leaves the old or the new state, never a torn one, and nobody else can
// read it.
package statefile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Read decodes the JSON file at path into v. found is false when the file
// does not exist yet.
func Read(path string, v any) (found bool, err error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("parse %s: %w", path, err)
	}
	return true, nil
}

// Write replaces the file at path with v encoded as JSON. It writes a
// temporary file beside it, syncs it, renames it over path and syncs the
// directory: without the first sync a machine crash can leave the new name
// pointing at an empty or partial file, without the second the rename
// itself may be lost. Writers of one path must not run concurrently.
func Write(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	return WriteBytes(path, b)
}

// WriteBytes replaces the file at path with b, atomically, mode 0600.
func WriteBytes(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := writeSynced(tmp, b); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", filepath.Base(tmp), err)
	}
	return syncDir(filepath.Dir(path))
}

// writeSynced writes b to a new or truncated file at path, mode 0600, and
// syncs it to stable storage before closing it.
func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// Store keeps a model's state, a *T, in the file at Path; it is the
// models' Store (Load and Save) for the emulator's data directory.
type Store[T any] struct {
	Path string
	// New returns the empty state that Load decodes into (with its maps
	// made); nil means new(T).
	New func() *T
}

// Load returns the saved state, or nil and no error when nothing has been
// saved yet.
func (s Store[T]) Load() (*T, error) {
	st := new(T)
	if s.New != nil {
		st = s.New()
	}
	found, err := Read(s.Path, st)
	if !found || err != nil {
		return nil, err
	}
	return st, nil
}

// Save replaces the saved state with st (see Write).
func (s Store[T]) Save(st *T) error { return Write(s.Path, st) }
