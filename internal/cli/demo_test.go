package cli

import (
	"context"
	"strings"
	"syscall"
	"testing"
)

// TestDemo runs `globaldb demo --keep`, what `make demo` runs with the
// stack kept up: an in-process emulator, apply, verify, status, the
// runbook's checks; then Ctrl-C, which must destroy everything and end
// well, with where to go next.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	r := signalWhen(t, "", syscall.SIGINT, func(_ context.Context, stdout string) bool {
		return strings.Contains(stdout, "keeping the stack up")
	}, "demo", "--keep", "--time-scale", "0.5") // see TestStackCommands_emulatorDiscovery
	if r.code != ExitOK {
		t.Fatalf("demo --keep, interrupted: exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"== globaldb apply", "== globaldb verify", "== globaldb status",
		"is refused (read-only)", "keeping the stack up", "interrupted: destroying the stack",
		"== globaldb destroy", "found nothing left", "Next:", "docs/runbook.md", "docs/drills.md",
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
