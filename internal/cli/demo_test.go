package cli

import (
	"strings"
	"testing"
)

// TestDemo runs `globaldb demo`, what `make demo` runs: an in-process
// emulator, apply, verify, status, the runbook's checks and destroy, with
// nothing left behind.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	r := runCLI(t, "", "demo")
	if r.code != ExitOK {
		t.Fatalf("demo: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"== globaldb apply", "== globaldb verify", "== globaldb status",
		"is refused (read-only)", "== globaldb destroy", "found nothing left",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	// Through a pipe, as `make demo | tee` runs it, the demo still reads
	// as text: progress in lines a person follows, no logfmt.
	if m := logfmtLine.FindString(r.stdout + r.stderr); m != "" {
		t.Errorf("demo printed logfmt (%q):\n%s%s", m, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "rds instance seed-ap-southeast-2-2 (ap-southeast-2): Creation complete after ") {
		t.Errorf("demo output lacks the progress of apply:\n%s", r.stdout)
	}
}
