// Package topologytest gives tests the seed topologies (examples/global.yaml,
// private with CloudWatch alarm checks, and examples/global-public.yaml,
// public with TCP checks) with their master password read from a file beside
// them, so that no test needs GLOBALDB_MASTER_PASSWORD.
package topologytest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/globaldb/globaldb/examples"
	"github.com/globaldb/globaldb/internal/topology"
)

// Password is the master password of the topologies this package writes.
const Password = "test-master-pw-1"

// SeedFile writes the seed topology the emulator tests apply, reading its
// password from a file named "pw" beside it, into a temporary directory and
// returns its path. It is examples/global-public.yaml (TCP checks), which
// any emulator serves; PrivateSeedFile is examples/global.yaml, whose alarm
// checks need an emulator that serves CloudWatch.
func SeedFile(t testing.TB) string {
	t.Helper()
	return WriteFile(t, "global.yaml", string(examples.GlobalPublic))
}

// PrivateSeedFile writes examples/global.yaml (private databases,
// CloudWatch alarm checks) like SeedFile.
func PrivateSeedFile(t testing.TB) string {
	t.Helper()
	return WriteFile(t, "global.yaml", string(examples.Global))
}

// PrivateSeed loads the topology written by PrivateSeedFile.
func PrivateSeed(t testing.TB) *topology.Topology {
	t.Helper()
	top, err := topology.Load(PrivateSeedFile(t))
	if err != nil {
		t.Fatal(err)
	}
	return top
}

// WriteFile writes doc as name in a temporary directory with the password
// file beside it; "env: GLOBALDB_MASTER_PASSWORD" in doc becomes "file: pw".
func WriteFile(t testing.TB, name, doc string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte(Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc = strings.Replace(doc, "env: GLOBALDB_MASTER_PASSWORD", "file: pw", 1)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Seed loads the seed topology written by SeedFile.
func Seed(t testing.TB) *topology.Topology {
	t.Helper()
	top, err := topology.Load(SeedFile(t))
	if err != nil {
		t.Fatal(err)
	}
	return top
}
