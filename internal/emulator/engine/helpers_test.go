package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/certs"
)

// testAdmin has a password that exercises every quoting layer.
var testAdmin = Credentials{User: "rdsadmin", Password: `p'a"ss\w rd$1`}

const helperEnv = "ENGINE_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	os.Exit(m.Run())
}

// newRoot returns a data root traversable by the postgres user, removed at
// cleanup after any leftover process under it is swept.
func newRoot(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts PostgreSQL servers (-short)")
	}
	root, err := os.MkdirTemp("", "engine-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(root, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := New(Config{Root: root, Admin: testAdmin}); err == nil {
			_ = s.Sweep(context.Background())
		}
		os.RemoveAll(root)
	})
	return root
}

// newSupervisor returns a Supervisor over a fresh root, closed at cleanup.
func newSupervisor(t *testing.T) *Supervisor {
	t.Helper()
	s, err := New(Config{Root: newRoot(t), Admin: testAdmin, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.DiscardHandler)
}

var hostSeq atomic.Int32

// freeHost returns a loopback address in 127.77.0.0/16 whose port 5432 is free.
func freeHost(t *testing.T) string {
	t.Helper()
	third := os.Getpid()%250 + 1
	for range 250 {
		n := hostSeq.Add(1)
		host := fmt.Sprintf("127.77.%d.%d", (third+int(n)/250)%250+1, int(n)%250+1)
		l, err := net.Listen("tcp", net.JoinHostPort(host, "5432"))
		if err == nil {
			l.Close()
			return host
		}
	}
	t.Fatal("no free loopback address")
	return ""
}

// newNode describes a node with a server certificate for name+".engine.test"
// signed by testCA.
func newNode(t *testing.T, s *Supervisor, name string) Node {
	t.Helper()
	cert, key, err := testCA(t).Issue([]string{name + ".engine.test"})
	if err != nil {
		t.Fatal(err)
	}
	return Node{Name: name, Dir: filepath.Join(s.root, "data", name), Host: freeHost(t), Port: 5432,
		TLS: &TLS{Cert: cert, Key: key}}
}

var (
	caOnce sync.Once
	ca     *certs.Authority
	caErr  error
)

// testCA is one CA for the test binary, kept in a temporary directory.
func testCA(t *testing.T) *certs.Authority {
	t.Helper()
	caOnce.Do(func() {
		dir, err := os.MkdirTemp("", "engine-test-ca-")
		if err != nil {
			caErr = err
			return
		}
		defer os.RemoveAll(dir)
		ca, caErr = certs.LoadOrCreate(dir)
	})
	if caErr != nil {
		t.Fatal(caErr)
	}
	return ca
}

func upstreamOf(n Node) Upstream { return Upstream{Host: n.Host, Port: n.Port} }

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// startPrimary initialises and starts a primary with table t(id int).
func startPrimary(t *testing.T, s *Supervisor, name string) (Node, *Process) {
	t.Helper()
	ctx := testCtx(t)
	n := newNode(t, s, name)
	if err := s.Init(ctx, n); err != nil {
		t.Fatalf("Init: %v", err)
	}
	p, err := s.Start(ctx, n)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	exec1(t, s, n, "CREATE TABLE t (id int PRIMARY KEY)")
	return n, p
}

// startStandby clones name from up and starts it.
func startStandby(t *testing.T, s *Supervisor, name string, up Node) (Node, *Process) {
	t.Helper()
	ctx := testCtx(t)
	n := newNode(t, s, name)
	if err := s.Clone(ctx, n, upstreamOf(up)); err != nil {
		t.Fatalf("Clone %s: %v", name, err)
	}
	p, err := s.Start(ctx, n)
	if err != nil {
		t.Fatalf("Start %s: %v", name, err)
	}
	return n, p
}

func exec1(t *testing.T, s *Supervisor, n Node, sql string, args ...any) {
	t.Helper()
	if err := execErr(s, n, sql, args...); err != nil {
		t.Fatalf("exec %q on %s: %v", sql, n.Name, err)
	}
}

func execErr(s *Supervisor, n Node, sql string, args ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := s.Connect(ctx, n, "postgres")
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql, args...)
	return err
}

func hasRow(s *Supervisor, n Node, id int) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := s.Connect(ctx, n, "postgres")
	if err != nil {
		return false, err
	}
	defer c.Close(ctx)
	var ok bool
	err = c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM t WHERE id = $1)", id).Scan(&ok)
	return ok, err
}

// waitRow polls n until row id is visible.
func waitRow(t *testing.T, s *Supervisor, n Node, id int) {
	t.Helper()
	var lastErr error
	err := poll(testCtx(t), 20*time.Millisecond, func() bool {
		ok, err := hasRow(s, n, id)
		lastErr = err
		return ok
	}, fmt.Sprintf("row %d on %s", id, n.Name))
	if err != nil {
		t.Fatalf("%v (last error: %v)", err, lastErr)
	}
}

// processesUnder lists live processes whose cmdline or cwd mentions root.
func processesUnder(root string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !alive(pid) {
			continue
		}
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
		if strings.Contains(string(cmd), root) || strings.HasPrefix(cwd, root+"/") {
			out = append(out, fmt.Sprintf("%d %s", pid, strings.ReplaceAll(string(cmd), "\x00", " ")))
		}
	}
	return out
}

// runHelper is the child side of the orphan tests: it starts a postgres under
// $ENGINE_TEST_ROOT, prints "PID <pid>" and blocks until killed.
func runHelper(mode string) int {
	ctx := context.Background()
	s, err := New(Config{Root: os.Getenv("ENGINE_TEST_ROOT"), Admin: testAdmin})
	if err != nil {
		fmt.Println("ERR", err)
		return 1
	}
	port, _ := strconv.Atoi(os.Getenv("ENGINE_TEST_PORT"))
	n := Node{Name: "orphan", Dir: filepath.Join(s.root, "orphan"), Host: os.Getenv("ENGINE_TEST_HOST"), Port: port}
	if err := s.Init(ctx, n); err != nil {
		fmt.Println("ERR", err)
		return 1
	}
	pid, err := 0, error(nil)
	switch mode {
	case "supervised":
		var p *Process
		if p, err = s.Start(ctx, n); err == nil {
			pid = p.Pid()
		}
	case "unsupervised":
		pid, err = startUnsupervised(ctx, s, n)
	default:
		err = errors.New("unknown mode " + mode)
	}
	if err != nil {
		fmt.Println("ERR", err)
		return 1
	}
	fmt.Println("PID", pid)
	select {}
}

// startUnsupervised starts postgres without a parent-death signal, as an
// older or crashed emulator might have left it.
func startUnsupervised(ctx context.Context, s *Supervisor, n Node) (int, error) {
	cmd := exec.Command(filepath.Join(s.bin, "postgres"), "-D", n.Dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	err := poll(ctx, 20*time.Millisecond, func() bool { return pidFileStatus(n.Dir) == "ready" }, "wait for ready")
	return cmd.Process.Pid, err
}

// spawnHelper runs the test binary in helper mode and returns the child and
// the postmaster pid it reported.
func spawnHelper(t *testing.T, root, mode string) (*exec.Cmd, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "ENGINE_TEST_ROOT="+root,
		"ENGINE_TEST_HOST="+freeHost(t), "ENGINE_TEST_PORT=5432")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read helper output: %v", err)
	}
	var pid int
	if _, err := fmt.Sscanf(line, "PID %d", &pid); err != nil {
		t.Fatalf("helper said %q", line)
	}
	return cmd, pid
}
