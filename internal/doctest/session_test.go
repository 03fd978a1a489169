package doctest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSession_Run checks that blocks behave like one terminal: variables
// (exported or not), functions and the working directory carry over, and
// the docs' data directory is the session's.
func TestSession_Run(t *testing.T) {
	if testing.Short() {
		t.Skip("runs bash and the aws CLI (-short)")
	}
	root := repoRoot(t)
	work := t.TempDir()
	s := newSession(t, root, work)
	blocks := []string{
		"export A=1\nb='two words'\nf() { echo \"f:$1\"; }\nmkdir -p sub && cd sub\n",
		"test \"$A\" = 1\ntest \"$b\" = 'two words'\ntest \"$(f x)\" = f:x\ntest \"$(basename \"$PWD\")\" = sub\necho /tmp/gdb > out\n",
	}
	for i, text := range blocks {
		s.run(t, Block{File: "t.md", Line: i + 1, Text: text})
	}
	got, err := os.ReadFile(filepath.Join(s.checkout, "sub", "out"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(got)) != s.addrs.dataDir {
		t.Errorf("data dir = %q, want %q", got, s.addrs.dataDir)
	}
	for _, kv := range s.env {
		if strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") || strings.HasPrefix(kv, "AWS_ENDPOINT_URL=") {
			t.Errorf("environment carries %s: the docs must set it", kv)
		}
	}
}
