package wfront

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/globaldb/globaldb/internal/emulator/certs"
	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/emulator/netsim"
)

// The forwarding tests share one primary and one streaming hot standby
// (real PostgreSQL 15), joined for forwarding through a netsim link
// between regions "sec" (the standby's) and "pri".

var testAdmin = engine.Credentials{User: "rdsadmin", Password: "admin-secret"}

const (
	appUser   = "app"
	appPass   = "app-secret"
	wanOneWay = 2 * time.Millisecond
)

type cluster struct {
	root             string
	sup              *engine.Supervisor
	primary, standby engine.Node
	net              *netsim.Network
	wan              *netsim.Proxy // to the primary through the link sec-pri
	repl             *netsim.Proxy // the standby's replication, through the same link
	cert             *tls.Certificate
}

var (
	clusterOnce sync.Once
	shared      *cluster
	sharedErr   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.close()
	}
	os.Exit(code)
}

// testCluster returns the shared primary and standby, started on first use.
func testCluster(t testing.TB) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("starts PostgreSQL servers (-short)")
	}
	clusterOnce.Do(func() { shared, sharedErr = startCluster() })
	if sharedErr != nil {
		t.Fatalf("start cluster: %v", sharedErr)
	}
	return shared
}

func startCluster() (*cluster, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	root, err := os.MkdirTemp("", "wfront-test-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(root, 0o711); err != nil {
		return nil, err
	}
	c := &cluster{root: root}
	if c.sup, err = engine.New(engine.Config{Root: root, Admin: testAdmin}); err != nil {
		return c, err
	}
	ca, err := certs.LoadOrCreate(filepath.Join(root, "ca"))
	if err != nil {
		return c, err
	}
	certPEM, keyPEM, err := ca.Issue([]string{"db.wfront.test"})
	if err != nil {
		return c, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return c, err
	}
	c.cert = &cert
	node := func(name string) (engine.Node, error) {
		port, err := freePort()
		return engine.Node{Name: name, Dir: filepath.Join(root, "data", name), Host: "127.0.0.1", Port: port,
			TLS: &engine.TLS{Cert: certPEM, Key: keyPEM}}, err
	}
	if c.primary, err = node("pri"); err != nil {
		return c, err
	}
	if err := c.sup.Init(ctx, c.primary); err != nil {
		return c, fmt.Errorf("init primary: %w", err)
	}
	if _, err := c.sup.Start(ctx, c.primary); err != nil {
		return c, fmt.Errorf("start primary: %w", err)
	}
	if err := c.adminExec(ctx, c.primary,
		fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", appUser, appPass),
		"CREATE TABLE t (id int PRIMARY KEY, v text)",
		"CREATE TABLE counter (k int PRIMARY KEY, n int)",
		"CREATE TABLE secret (id int)",
		"CREATE SEQUENCE seq",
		"GRANT SELECT, INSERT, UPDATE, DELETE ON t, counter TO "+appUser,
		"GRANT USAGE ON SEQUENCE seq TO "+appUser,
	); err != nil {
		return c, err
	}
	c.net = netsim.NewNetwork(nil, func(a, b string) time.Duration { return wanOneWay })
	if c.wan, err = c.net.Proxy(context.Background(), "sec", "pri", "127.0.0.1:0", c.primary.Addr()); err != nil {
		return c, err
	}
	if c.repl, err = c.net.Proxy(context.Background(), "sec", "pri", "127.0.0.1:0", c.primary.Addr()); err != nil {
		return c, err
	}
	if c.standby, err = node("sec"); err != nil {
		return c, err
	}
	rh, rp, _ := net.SplitHostPort(c.repl.Addr())
	rport, _ := strconv.Atoi(rp)
	if err := c.sup.Clone(ctx, c.standby, engine.Upstream{Host: rh, Port: rport}); err != nil {
		return c, fmt.Errorf("clone standby: %w", err)
	}
	if _, err := c.sup.Start(ctx, c.standby); err != nil {
		return c, fmt.Errorf("start standby: %w", err)
	}
	return c, nil
}

func (c *cluster) close() {
	if c.net != nil {
		c.net.Close()
	}
	if c.sup != nil {
		c.sup.Close()
		_ = c.sup.Sweep(context.Background())
	}
	os.RemoveAll(c.root)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (c *cluster) adminExec(ctx context.Context, n engine.Node, stmts ...string) error {
	conn, err := c.sup.Connect(ctx, n, "postgres")
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("exec %q: %w", s, err)
		}
	}
	return nil
}

// onPrimary runs a query on the primary as the admin and scans one row.
func (c *cluster) onPrimary(t testing.TB, q string, dst ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := c.sup.Connect(ctx, c.primary, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, q).Scan(dst...); err != nil {
		t.Fatalf("%s on the primary: %v", q, err)
	}
}

// testFront is a Front on the shared standby whose policy tests change.
type testFront struct {
	*Front
	policy atomic.Pointer[Policy]
}

func (c *cluster) front(t testing.TB, p Policy) *testFront {
	t.Helper()
	if p.WriterAddr == "" {
		p.WriterAddr = c.wan.Addr()
	}
	tf := &testFront{}
	tf.policy.Store(&p)
	var d net.Dialer
	f, err := Start(Config{Listen: "127.0.0.1:0", Local: c.standby.Addr(), Dial: d.DialContext,
		Cert:   func() *tls.Certificate { return c.cert },
		Policy: func() Policy { return *tf.policy.Load() },
		Admin:  Credentials{User: testAdmin.User, Password: testAdmin.Password}})
	if err != nil {
		t.Fatal(err)
	}
	tf.Front = f
	t.Cleanup(func() { f.Close() })
	return tf
}

func (tf *testFront) set(change func(p *Policy)) {
	p := *tf.policy.Load()
	change(&p)
	tf.policy.Store(&p)
}

func forwarding() Policy {
	return Policy{Forward: true, Kind: "global", Mode: "SESSION", ConnectTimeout: 5 * time.Second}
}

// connect opens a client connection to the front as the app user.
func (tf *testFront) connect(t testing.TB, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	return tf.connectSSL(t, mode, "disable")
}

func (tf *testFront) connectSSL(t testing.TB, mode pgx.QueryExecMode, sslmode string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://%s:%s@%s/postgres?sslmode=%s", appUser, appPass, tf.Addr(), sslmode))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect through the front: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func tctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// sqlstate returns err's SQLSTATE, "" if it has none.
func sqlstate(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

var idSeq atomic.Int32

// newID returns a fresh row id for table t.
func newID() int { return int(idSeq.Add(1)) + 1000*(os.Getpid()%1000) }

func fmtInt(i int) string { return fmt.Sprint(i) }
