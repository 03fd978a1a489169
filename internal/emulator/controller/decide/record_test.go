package decide

import (
	"bufio"
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// TestRecord_FromLogLine checks that a decision logged through slog, as
// the controller logs it (text or JSON handler), replays to the same
// actions.
func TestRecord_FromLogLine(t *testing.T) {
	w := healthy().inRegionSwitch().fenced(eW, 0x2000).down(eW).inst(eR1, func(i *Instance) { i.Received = 0x1fff })
	rec := NewRecord(w.spec, w.snap, eR1)
	handlers := map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			slog.New(h(&b)).Info("decision", "instance", eR1, LogKey, rec.String())
			back, err := FromLogLine(b.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := back.Replay(); !ok || !matches(got, []Action{waitFor(eR1, RuleFencedLSN, "0/2000")}) {
				t.Errorf("replayed %s, ok=%v", show(got), ok)
			}
		})
	}
	if _, err := FromLogLine([]byte(`time=x level=INFO msg=hello`)); err == nil {
		t.Error("a line without a decision parsed")
	}
}

// TestRecord_Replay replays decisions logged by real emulator runs
// (testdata/decisions/*.log: lines of `GLOBALDB_TEST_DEBUG=1` output):
// decide, given the same spec and snapshot, takes the same actions.
func TestRecord_Replay(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "decisions", "*.log"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no logged decisions in testdata/decisions: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(bytes.NewReader(data))
			sc.Buffer(nil, 1<<20)
			n := 0
			for sc.Scan() {
				if !bytes.Contains(sc.Bytes(), []byte(" "+LogKey+"=")) {
					continue
				}
				rec, err := FromLogLine(sc.Bytes())
				if err != nil {
					t.Fatalf("line %d: %v", n+1, err)
				}
				if got, ok := rec.Replay(); !ok {
					t.Errorf("decision %d for %s: replayed %s, logged %s", n+1, rec.Instance, show(got), show(rec.Actions))
				}
				n++
			}
			if n == 0 {
				t.Errorf("%s holds no decision", f)
			}
		})
	}
}
