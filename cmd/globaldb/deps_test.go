package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/globaldb/globaldb"

// deps lists the packages pkgs depend on (themselves included), as the go
// command resolves them for the shipped build: test files are not counted.
func deps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH: %v", err)
	}
	args := append([]string{"list", "-deps"}, pkgs...)
	cmd := exec.Command(gocmd, args...)
	cmd.Dir = "../.." // the module root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	return strings.Fields(string(out))
}

// TestBinary_noTestCode: test helpers live in …test packages, so the
// shipped binary links neither the testing package nor test tooling.
func TestBinary_noTestCode(t *testing.T) {
	for _, p := range deps(t, "./cmd/globaldb") {
		if p == "testing" || strings.HasPrefix(p, "testing/") || strings.HasSuffix(p, "test") && strings.HasPrefix(p, module) ||
			p == module+"/internal/emulator/botocheck" {
			t.Errorf("./cmd/globaldb links %s", p)
		}
	}
}

// TestClientSide_knowsNoEmulatorInternals: the client side talks to AWS or
// to the emulator through public protocols only; of the emulator's packages
// it may use the admin API's client, which itself depends on no other
// emulator package. The region table is AWS facts (internal/regions).
func TestClientSide_knowsNoEmulatorInternals(t *testing.T) {
	client := []string{"./internal/topology", "./internal/orchestrator", "./internal/drill", "./internal/workload", "./internal/resolve"}
	allowed := []string{module + "/internal/emulator/admin"}
	for _, p := range deps(t, client...) {
		if strings.HasPrefix(p, module+"/internal/emulator") && !slices.Contains(allowed, p) {
			t.Errorf("client-side packages %v depend on %s", client, p)
		}
	}
	for _, p := range deps(t, "./internal/emulator/admin") {
		if strings.HasPrefix(p, module+"/internal/emulator") && !slices.Contains(allowed, p) {
			t.Errorf("the admin client depends on %s", p)
		}
	}
}
