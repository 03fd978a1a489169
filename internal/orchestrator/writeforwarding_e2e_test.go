package orchestrator

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

// TestWriteForwarding_Emulator drives global write forwarding through a
// secondary's reader endpoint as an application would, on one applied
// stack: forwarded writes land on the primary; with forwarding disabled
// the secondary refuses them (25006) without a restart; while the
// primary's region is out a forwarded write fails promptly with a
// connection-class error and reads go on; after the failover the same
// endpoint takes writes (now locally, it is the writer).
func TestWriteForwarding_Emulator(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := startEmulator(t)
	top := seedTopology(t)
	for i := range top.Regions {
		top.Regions[i].Instances = top.Regions[i].Instances[:1]
	}
	primary, secondary := top.Regions[0].Name, top.Regions[1].Name
	top.Regions[1].WriteForwarding = topology.ForwardGlobal
	c := connect(t, e, top)
	applyT(t, c, top)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	res := resolve.Server(e.DNSAddr())
	trust := c.DBTrust(ctx)
	sec, err := ClusterEndpoints(ctx, c, top, secondary)
	if err != nil {
		t.Fatal(err)
	}
	pri, err := ClusterEndpoints(ctx, c, top, primary)
	if err != nil {
		t.Fatal(err)
	}
	open := func(host string) *pgx.Conn {
		t.Helper()
		db, err := openDB(ctx, top, res, trust, host, sec.Port)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close(context.Background()) })
		return db
	}
	w := open(pri.Writer)
	if _, err := w.Exec(ctx, `CREATE TABLE wf (id text PRIMARY KEY, at timestamptz DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	onPrimary := func(id string) bool {
		var n int
		if err := w.QueryRow(ctx, `SELECT count(*) FROM wf WHERE id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}

	r := open(sec.Reader)
	waitTable(ctx, t, r, "wf")
	if _, err := r.Exec(ctx, `INSERT INTO wf (id) VALUES ('forwarded')`); err != nil {
		t.Fatalf("forwarded insert: %v", err)
	}
	var n int
	if err := r.QueryRow(ctx, `SELECT count(*) FROM wf WHERE id = 'forwarded'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("read-your-writes after a forwarded insert: %d rows, %v", n, err)
	}
	if _, err := r.Exec(ctx, `UPDATE wf SET at = now() WHERE id = 'forwarded'`); err != nil {
		t.Errorf("forwarded update: %v", err)
	}
	if !onPrimary("forwarded") {
		t.Fatal("the forwarded row is not on the primary")
	}

	t.Run("disabled: the secondary refuses writes (25006), no restart", func(t *testing.T) {
		setForwardingT(ctx, t, c, top, secondary, false, "disabled")
		db := open(sec.Reader)
		_, err := db.Exec(ctx, `INSERT INTO wf (id) VALUES ('refused')`)
		if code := sqlState(err); code != "25006" {
			t.Errorf("insert with forwarding disabled: %v (SQLSTATE %q), want 25006", err, code)
		}
		// The reader session opened before kept its server: no restart.
		if err := r.QueryRow(ctx, `SELECT count(*) FROM wf`).Scan(&n); err != nil {
			t.Errorf("the session opened before disabling: %v", err)
		}
		setForwardingT(ctx, t, c, top, secondary, true, "enabled")
		db = open(sec.Reader)
		if _, err := db.Exec(ctx, `INSERT INTO wf (id) VALUES ('again')`); err != nil {
			t.Errorf("insert after re-enabling: %v", err)
		}
	})

	t.Run("region outage: fast failure, then writes after the failover", func(t *testing.T) {
		db := open(sec.Reader)
		f, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.RegionOutage, Region: primary})
		if err != nil {
			t.Fatal(err)
		}
		cleared := false
		defer func() {
			if !cleared {
				_ = e.Faults().Clear(context.Background(), f.ID)
			}
		}()
		// The connect timeout (30 s) on the emulated clock bounds the
		// failure; the deadline here only keeps a hang from stalling the
		// suite.
		wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
		_, err = db.Exec(wctx, `INSERT INTO wf (id) VALUES ('during-outage')`)
		wcancel()
		if code := sqlState(err); !strings.HasPrefix(code, "08") {
			t.Fatalf("forwarded insert while %s is out: %v (SQLSTATE %q), want a connection-class error (08xxx)", primary, err, code)
		}
		if err := db.QueryRow(ctx, `SELECT count(*) FROM wf WHERE id = 'forwarded'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("read on the secondary during the outage: %d, %v", n, err)
		}
		if _, err := Failover(ctx, c, top, FailoverOptions{Mode: ModeFailover, To: secondary, Resolver: res, Options: fast}); err != nil {
			t.Fatalf("failover to %s: %v", secondary, err)
		}
		deadline := time.Now().Add(time.Minute)
		for {
			// Each attempt on a new session, as an application's pool
			// reconnects after the role change.
			d, err := openDB(ctx, top, res, trust, sec.Reader, sec.Port)
			if err == nil {
				_, err = d.Exec(ctx, `INSERT INTO wf (id) VALUES ('after-failover')`)
				d.Close(ctx)
			}
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no write through %s's reader endpoint after the failover: %v", secondary, err)
			}
			time.Sleep(200 * time.Millisecond) // poll interval
		}
		if err := e.Faults().Clear(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		cleared = true
	})
}

// setForwardingT turns global write forwarding of region's cluster on or
// off and waits for the status.
func setForwardingT(ctx context.Context, t *testing.T, c *Clients, top *topology.Topology, region string, on bool, want string) {
	t.Helper()
	id := Names{top.Name}.Cluster(region)
	if _, err := c.RDS(region).ModifyDBCluster(ctx, &rds.ModifyDBClusterInput{DBClusterIdentifier: aws.String(id),
		EnableGlobalWriteForwarding: aws.Bool(on), ApplyImmediately: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		cl, err := describeCluster(ctx, c.RDS(region), id)
		if err == nil && cl != nil && string(cl.GlobalWriteForwardingStatus) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: write forwarding status never %s: %v", id, want, err)
		}
		time.Sleep(100 * time.Millisecond) // poll interval
	}
}

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
