package orchestrator

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
	"github.com/globaldb/globaldb/internal/topology/topologytest"
)

// seedTopology loads examples/global.yaml with its password in a file.
func seedTopology(t testing.TB) *topology.Topology { return topologytest.Seed(t) }

// startEmulator starts an emulator with health checks and DNS changes
// sped up 20×.
func startEmulator(t testing.TB) *emulator.Emulator {
	t.Helper()
	return emulatortest.StartScaled(t, 0.05)
}

// connect returns clients for the emulator with its root credentials.
func connect(t testing.TB, e *emulator.Emulator, top *topology.Topology) *Clients {
	t.Helper()
	return connectAs(t, e, top, "test", "test", "")
}

func connectAs(t testing.TB, e *emulator.Emulator, top *topology.Topology, key, secret, token string) *Clients {
	t.Helper()
	var regions []string
	for _, r := range top.Regions {
		regions = append(regions, r.Name)
	}
	c, err := Connect(context.Background(), Target{EndpointURL: e.Endpoint(), Region: top.Primary().Name,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, token)}, regions)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fast polls every 100 ms: the emulator is quick.
var fast = Options{PollMin: 100 * time.Millisecond}

// applyT plans and applies, failing the test on error.
func applyT(t testing.TB, c *Clients, top *topology.Topology) *Plan {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p, w, err := PlanApply(ctx, c, top)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if err := Apply(ctx, c, top, p, w, fast); err != nil {
		t.Fatalf("apply: %v", err)
	}
	return p
}

// destroyT plans and destroys, failing the test on error.
func destroyT(t testing.TB, c *Clients, top *topology.Topology) *Plan {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p, w, err := PlanDestroy(ctx, c, top, false)
	if err != nil {
		t.Fatalf("plan destroy: %v", err)
	}
	if err := Destroy(ctx, c, top, p, w, fast); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	return p
}

func rdsModifyProtection(id string, on bool) *rds.ModifyDBClusterInput {
	return &rds.ModifyDBClusterInput{DBClusterIdentifier: aws.String(id), DeletionProtection: aws.Bool(on), ApplyImmediately: aws.Bool(true)}
}

// privateSeed loads examples/global.yaml (private, alarm checks) with its
// password in a file.
func privateSeed(t testing.TB) *topology.Topology { return topologytest.PrivateSeed(t) }

// writerAndReader opens the master user's connections to ap-southeast-1's
// cluster endpoint (the primary's) and ap-southeast-2's reader endpoint,
// closed when the test ends.
func writerAndReader(ctx context.Context, t testing.TB, c *Clients, top *topology.Topology, res resolve.Resolver) (pri, sec *pgx.Conn) {
	t.Helper()
	w, err := Observe(ctx, c, top)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct {
		conn *(*pgx.Conn)
		host string
	}{{&pri, aws.ToString(w.Clusters["ap-southeast-1"].Endpoint)}, {&sec, aws.ToString(w.Clusters["ap-southeast-2"].ReaderEndpoint)}} {
		db, err := openDB(ctx, top, res, c.DBTrust(ctx), e.host, 5432)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close(context.WithoutCancel(ctx)) })
		*e.conn = db
	}
	return pri, sec
}
