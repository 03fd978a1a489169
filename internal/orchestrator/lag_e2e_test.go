package orchestrator

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/resolve"
)

// TestPostgresLag_idleWriter: a secondary a few bytes behind an idle
// writer (WAL without a commit: a non-transactional logical message) is
// not as far behind as its last replayed transaction is old: status
// measures the time it takes to replay the writer's position (about the
// link's delay), not the age of that transaction, so a switchover's
// pre-flight does not refuse a secondary that is in fact caught up (the
// runbook's switch back right after a switchover was refused so).
func TestPostgresLag_idleWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := startEmulator(t)
	top := privateSeed(t)
	c := connect(t, e, top)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	applyT(t, c, top)
	res := resolve.Server(e.DNSAddr())
	pri, sec := writerAndReader(ctx, t, c, top, res)
	w, err := Observe(ctx, c, top)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pri.Exec(ctx, `CREATE TABLE IF NOT EXISTS idle (id int)`); err != nil {
		t.Fatal(err)
	}
	// The secondary's last replayed transaction grows old while nothing
	// commits (the condition this test is about, polled).
	const old = 3.0
	deadline := time.Now().Add(time.Minute)
	for {
		var age *float64
		err := sec.QueryRow(ctx, `SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8`).Scan(&age)
		if err == nil && age != nil && *age > old {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the last replayed transaction never became %.0f s old: %v, %v", old, age, err)
		}
		time.Sleep(200 * time.Millisecond) // polling interval
	}
	// WAL without a commit, slowed on its way: the secondary is some bytes
	// behind for about the delay. Measured as status measures it, right
	// after.
	const delay = 400 * time.Millisecond
	for _, link := range [][2]string{{"ap-southeast-1", "ap-southeast-2"}} {
		f, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.LinkFault, From: link[0], To: link[1], Delay: faults.Duration(delay)})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Faults().Clear(ctx, f.ID)
	}
	var before string
	if err := pri.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if _, err := pri.Exec(ctx, `SELECT pg_logical_emit_message(false, 'globaldb', 'idle')`); err != nil {
		t.Fatal(err)
	}
	// The message is written (not flushed) by the WAL writer within
	// moments: wait for the writer's position to pass it.
	var lsn string
	var lsnAt time.Time
	for {
		lsnAt = time.Now()
		var moved bool
		if err := pri.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text, pg_current_wal_lsn() > $1::pg_lsn`, before).Scan(&lsn, &moved); err != nil {
			t.Fatal(err)
		}
		if moved {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the writer's WAL position stayed at %s", before)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
	v := regionView{region: "ap-southeast-2", role: "secondary", reader: aws.ToString(w.Clusters["ap-southeast-2"].ReaderEndpoint), port: 5432}
	rep := postgresLag(ctx, top, res, c.DBTrust(ctx), v, lsn, lsnAt)
	if rep.Error != "" || rep.LagSeconds == nil || rep.BytesBehind == nil {
		t.Fatalf("replication of ap-southeast-2: %+v", rep)
	}
	if *rep.BytesBehind == 0 {
		t.Fatalf("the secondary was not behind when measured (%+v): the test did not exercise the measure", rep)
	}
	if *rep.LagSeconds >= old-0.5 || *rep.LagSeconds > 1.5 {
		t.Errorf("lag %.3f s with %d bytes behind an idle writer: want about the link delay (%v), not the age of the last transaction (> %.0f s)",
			*rep.LagSeconds, *rep.BytesBehind, delay, old)
	}
	t.Logf("lag %.3f s, %d bytes behind", *rep.LagSeconds, *rep.BytesBehind)
}
