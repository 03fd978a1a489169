package topology

import (
	"os"
	"testing"
)

// TestTopology_SetEnv: a secret handed over with SetEnv is what
// MasterPassword reads, and the process environment is left alone.
func TestTopology_SetEnv(t *testing.T) {
	t.Setenv("GLOBALDB_MASTER_PASSWORD", "")
	os.Unsetenv("GLOBALDB_MASTER_PASSWORD")
	topo, err := Load("../../examples/global.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if _, err := topo.MasterPassword(); err == nil {
		t.Fatal("MasterPassword with the variable unset succeeded")
	}
	var asked []string
	topo.SetEnv(func(name string) (string, bool) {
		asked = append(asked, name)
		return testPassword, true
	})
	if pw, err := topo.MasterPassword(); err != nil || pw != testPassword {
		t.Fatalf("MasterPassword() = %q, %v; want the handed-over password", pw, err)
	}
	if len(asked) != 1 || asked[0] != "GLOBALDB_MASTER_PASSWORD" {
		t.Errorf("lookup asked for %q, want [GLOBALDB_MASTER_PASSWORD]", asked)
	}
	if _, set := os.LookupEnv("GLOBALDB_MASTER_PASSWORD"); set {
		t.Error("SetEnv changed the process environment")
	}
}
