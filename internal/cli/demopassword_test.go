package cli

import (
	"os"
	"testing"
)

// TestDemoPassword: with GLOBALDB_MASTER_PASSWORD unset the demo makes up
// a password that the topology reads, without putting it in the process
// environment; a set variable wins.
func TestDemoPassword(t *testing.T) {
	t.Run("generated", func(t *testing.T) {
		t.Setenv("GLOBALDB_MASTER_PASSWORD", "")
		os.Unsetenv("GLOBALDB_MASTER_PASSWORD")
		top, err := demoTopology("")
		if err != nil {
			t.Fatal(err)
		}
		if err := demoPassword(top); err != nil {
			t.Fatal(err)
		}
		pw, err := top.MasterPassword()
		if err != nil || len(pw) < 8 {
			t.Fatalf("MasterPassword() = %d characters, %v; want a generated password", len(pw), err)
		}
		if _, set := os.LookupEnv("GLOBALDB_MASTER_PASSWORD"); set {
			t.Error("the demo put the password in its environment")
		}
	})
	t.Run("from the environment", func(t *testing.T) {
		t.Setenv("GLOBALDB_MASTER_PASSWORD", "Mine-1234567")
		top, err := demoTopology("")
		if err != nil {
			t.Fatal(err)
		}
		if err := demoPassword(top); err != nil {
			t.Fatal(err)
		}
		if pw, err := top.MasterPassword(); err != nil || pw != "Mine-1234567" {
			t.Fatalf("MasterPassword() = %q, %v; want the environment's", pw, err)
		}
	})
}
