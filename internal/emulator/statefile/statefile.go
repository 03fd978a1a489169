// Package statefile persists a model's state as one JSON file, written
// atomically (temporary file + rename) with mode 0600: a crash leaves the
// old or the new state, never a torn one, and nobody else can read it.
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

// Write replaces the file at path with v encoded as JSON.
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
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", filepath.Base(tmp), err)
	}
	return nil
}
