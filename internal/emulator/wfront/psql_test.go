package wfront

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestFront_Psql drives the front with psql: TLS negotiated by default
// (sslmode=prefer), SCRAM, and a script of simple queries that mixes a
// forwarded transaction, reads and the consistency setting.
func TestFront_Psql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql not installed")
	}
	c := testCluster(t)
	f := c.front(t, forwarding())
	host, port, _ := net.SplitHostPort(f.Addr())
	n := newID()
	id := itoa(n)
	script := strings.Join([]string{
		"SHOW apg_write_forward.consistency_mode;",
		"BEGIN;",
		"INSERT INTO t VALUES (" + id + ", 'psql');",
		"SELECT v FROM t WHERE id = " + id + ";",
		"COMMIT;",
		"SELECT v || '-after' FROM t WHERE id = " + id + ";",
		"SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();",
	}, "\n")
	cmd := exec.CommandContext(tctx(t), psql, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-h", host, "-p", port, "-U", appUser, "-d", "postgres", "-c", script)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+appPass, "PGSSLMODE=prefer", "PGCONNECT_TIMEOUT=10")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	got := strings.Fields(string(out))
	want := []string{"session", "BEGIN", "INSERT", "0", "1", "psql", "COMMIT", "psql-after", "t"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("psql printed %q, want %q", got, want)
	}
	if !c.hasRow(t, n) {
		t.Fatal("psql's row missing on the primary")
	}
}
