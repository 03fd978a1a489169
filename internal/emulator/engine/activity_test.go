package engine

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/emulator/netguard"
)

// clientConn opens a session on n as a client application would (not
// under the supervisor's application_name).
func clientConn(t *testing.T, s *Supervisor, n Node) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig("sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Host, cfg.Port, cfg.Database = n.Host, uint16(n.Port), "postgres"
	cfg.User, cfg.Password = s.admin.User, s.admin.Password
	cfg.RuntimeParams = map[string]string{"application_name": "app"}
	cfg.DialFunc, cfg.LookupFunc = netguard.Dialer{}.DialContext, netguard.Dialer{}.LookupHost
	c, err := pgx.ConnectConfig(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSupervisor_Activity: the one query behind the CloudWatch metrics
// reads a primary's and a standby's start time, WAL positions, last
// replayed commit and client sessions (not the supervisor's own, nor
// walsenders).
func TestSupervisor_Activity(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	s := newSupervisor(t)
	ctx := testCtx(t)
	p, pp := startPrimary(t, s, "act_p")
	sb, _ := startStandby(t, s, "act_s", p)

	if pid, err := s.Postmaster(p); err != nil || pid != pp.Pid() {
		t.Errorf("Postmaster = %d, %v; want %d", pid, err, pp.Pid())
	}
	conns := func(n Node) int {
		a, err := s.Activity(ctx, n)
		if err != nil {
			t.Fatalf("Activity of %s: %v", n.Name, err)
		}
		return a.Connections
	}
	if n := conns(p); n != 0 {
		t.Errorf("Connections with only the supervisor's session and a walsender = %d, want 0", n)
	}
	c := clientConn(t, s, p)
	if n := conns(p); n != 1 {
		t.Errorf("Connections with a client session held = %d, want 1", n)
	}
	c.Close(ctx)
	if err := poll(ctx, 20*time.Millisecond, func() bool { return conns(p) == 0 }, "the closed session to end"); err != nil {
		t.Error(err)
	}

	exec1(t, s, p, "INSERT INTO t VALUES (1)")
	waitRow(t, s, sb, 1)
	pa, err := s.Activity(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if pa.InRecovery || pa.Position == 0 || pa.Received != pa.Position || !pa.LastReplayedCommit.IsZero() {
		t.Errorf("primary activity %+v: want not in recovery, Received = Position > 0, no replayed commit", pa)
	}
	if pa.Started.After(pa.At) || pa.At.Sub(pa.Started) > time.Minute {
		t.Errorf("primary started %v, answered %v: want a start within the test", pa.Started, pa.At)
	}
	var sa Activity
	if err := poll(ctx, 20*time.Millisecond, func() bool {
		sa, err = s.Activity(ctx, sb)
		return err == nil && sa.Position >= pa.Position
	}, "the standby to replay the primary's WAL"); err != nil {
		t.Fatalf("%v (last: %+v, %v)", err, sa, err)
	}
	if !sa.InRecovery || sa.Received < sa.Position || sa.LastReplayedCommit.IsZero() || sa.LastReplayedCommit.After(sa.At) {
		t.Errorf("standby activity %+v: want in recovery, Received >= Position, a replayed commit before now", sa)
	}
}
