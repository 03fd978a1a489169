package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/globaldb/globaldb/examples"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/topology/topologytest"
)

// TestStackCommands_instanceClass: plan and apply print the topology's
// warning about a burstable class, and refuse a class AWS does not offer
// (db.t3.micro) before making any call, naming the file, line and field.
func TestStackCommands_instanceClass(t *testing.T) {
	if testing.Short() {
		t.Skip("builds globaldb and starts an emulator")
	}
	e := emulatortest.StartScaled(t, 0.05)
	with := func(class string) string {
		doc := strings.Replace(string(examples.Global), "instanceClass: db.r6g.large", "instanceClass: "+class, 1)
		if doc == string(examples.Global) {
			t.Fatal("examples/global.yaml no longer sets instanceClass: db.r6g.large")
		}
		return topologytest.WriteFile(t, "global.yaml", doc)
	}
	classLine := 1 + strings.Count(string(examples.Global)[:strings.Index(string(examples.Global), "instanceClass:")], "\n")
	burstable := with("db.t4g.medium")
	for _, cmd := range []string{"plan", "apply"} {
		t.Run(cmd+" warns about a burstable class", func(t *testing.T) {
			// Without --auto-approve and a terminal, apply stops at its
			// prompt: the warning must come before.
			r := runCLI(t, e.Endpoint(), cmd, "-f", burstable)
			if !strings.Contains(r.stderr, "warning: "+burstable+":") || !strings.Contains(r.stderr, "instanceClass: Aurora Global Database requires memory-optimized instance classes") {
				t.Errorf("%s: exit %d, stderr lacks the instanceClass warning:\n%s", cmd, r.code, r.stderr)
			}
		})
	}
	micro := with("db.t3.micro")
	for _, cmd := range []string{"plan", "apply"} {
		t.Run(cmd+" refuses db.t3.micro", func(t *testing.T) {
			r := runCLI(t, e.Endpoint(), cmd, "-f", micro)
			if r.code != ExitFailure || !strings.Contains(r.stderr, fmt.Sprintf("%s:%d:", micro, classLine)) ||
				!strings.Contains(r.stderr, "instanceClass: db.t3.micro is not a DB instance class aurora-postgresql offers") {
				t.Errorf("%s: exit %d, want %d naming %s:%d instanceClass:\n%s%s", cmd, r.code, ExitFailure, micro, classLine, r.stdout, r.stderr)
			}
		})
	}
}
