package statefile

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// helperEnv, when set to a path, turns the test binary into a writer that
// replaces the state file at that path in a loop until it is killed.
const helperEnv = "GLOBALDB_STATEFILE_WRITER"

func TestMain(m *testing.M) {
	if path := os.Getenv(helperEnv); path != "" {
		os.Exit(writeForever(path))
	}
	os.Exit(m.Run())
}

// state is a version whose payload is large enough for a write to take a
// while, with a checksum that tells a complete version from a torn one.
type state struct {
	Version int    `json:"version"`
	Payload string `json:"payload"`
	Sum     string `json:"sum"`
}

func newState(v int) state {
	p := strings.Repeat(fmt.Sprintf("%08d", v), 32<<10) // 256 KiB
	return state{Version: v, Payload: p, Sum: sum(v, p)}
}

func sum(v int, p string) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%d:%s", v, p)))
	return hex.EncodeToString(h[:])
}

// writeForever continues from the version on disk and prints "writing"
// once its first write is done.
func writeForever(path string) int {
	var st state
	if _, err := Read(path, &st); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for v := st.Version + 1; ; v++ {
		if err := Write(path, newState(v)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		if v == st.Version+1 {
			fmt.Println("writing")
		}
	}
}

// TestWrite_killed kills a writer with SIGKILL at random moments; after
// each kill the file must hold one complete version, never older than the
// one seen before.
func TestWrite_killed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts writer processes")
	}
	path := filepath.Join(t.TempDir(), "state.json")
	last := 0
	for round := range 25 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(out).ReadString('\n'); line != "writing\n" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("round %d: writer said %q, %v", round, line, err)
		}
		time.Sleep(rand.N(20 * time.Millisecond)) // the random kill point, not a wait for a condition
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()

		var st state
		found, err := Read(path, &st)
		if err != nil || !found {
			t.Fatalf("round %d: after kill -9: found=%v, %v", round, found, err)
		}
		if st.Sum != sum(st.Version, st.Payload) {
			t.Fatalf("round %d: version %d is torn", round, st.Version)
		}
		if st.Version <= last {
			t.Fatalf("round %d: version %d after %d: a completed write was lost", round, st.Version, last)
		}
		last = st.Version
	}
	t.Logf("%d versions written across 25 kills", last)
}

func TestWrite_readBack(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	var st state
	if found, err := Read(path, &st); found || err != nil {
		t.Fatalf("Read of a missing file = %v, %v; want not found", found, err)
	}
	for _, v := range []int{1, 2} {
		if err := Write(path, newState(v)); err != nil {
			t.Fatal(err)
		}
		if found, err := Read(path, &st); !found || err != nil || st.Version != v {
			t.Fatalf("Read after Write(%d) = version %d, %v, %v", v, st.Version, found, err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want the state file only", len(entries))
	}
	if err := os.WriteFile(path, []byte(`{"version":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path, &st); err == nil || !strings.Contains(err.Error(), "parse") {
		t.Errorf("Read of a torn file: %v, want a parse error", err)
	}
}

func TestStore_LoadSave(t *testing.T) {
	type doc struct {
		Names map[string]int `json:",omitempty"`
	}
	s := Store[doc]{Path: filepath.Join(t.TempDir(), "s.json"), New: func() *doc { return &doc{Names: map[string]int{}} }}
	if st, err := s.Load(); st != nil || err != nil {
		t.Fatalf("Load before Save = %v, %v; want nil, nil", st, err)
	}
	if err := s.Save(&doc{}); err != nil {
		t.Fatal(err)
	}
	st, err := s.Load()
	if err != nil || st == nil || st.Names == nil {
		t.Fatalf("Load = %+v, %v; want a state with its map made by New", st, err)
	}
}
