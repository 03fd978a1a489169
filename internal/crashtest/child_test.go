package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/cli"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// argsEnv, when set, makes this test binary run `globaldb` with the JSON
// list of arguments it holds instead of the tests: the test kills those
// children with SIGKILL as it would kill the real binary.
const argsEnv = "GLOBALDB_CRASHTEST_ARGS"

func TestMain(m *testing.M) {
	if a := os.Getenv(argsEnv); a != "" {
		var args []string
		if err := json.Unmarshal([]byte(a), &args); err != nil {
			fmt.Fprintln(os.Stderr, "crashtest:", err)
			os.Exit(2)
		}
		os.Exit(runCLI(args))
	}
	os.Exit(m.Run())
}

// runCLI runs globaldb's command line as cmd/globaldb's main does.
func runCLI(args []string) int {
	root := cli.Root()
	root.SetArgs(args)
	if err := root.ExecuteContext(context.Background()); err != nil {
		code := cli.ExitFailure
		var ee *cli.ExitError
		if errors.As(err, &ee) {
			code = ee.Code
		}
		fmt.Fprintln(os.Stderr, "globaldb:", err)
		return code
	}
	return 0
}

// globaldb returns a command that runs `globaldb args...` in a child.
func globaldb(args ...string) *exec.Cmd {
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), argsEnv+"="+string(a))
	return cmd
}

// emulatorChild is a `globaldb emulator` child process.
type emulatorChild struct {
	cmd           *exec.Cmd
	endpoint, dns string
	exited        chan struct{}
}

var readyRE = regexp.MustCompile(`ready: endpoint (\S+), dns (\S+),`)

// startEmulator starts an emulator on dir (time scale 0.1, free ports),
// appending its log to logPath, and returns once it serves requests.
func startEmulator(t *testing.T, dir, logPath string) *emulatorChild {
	t.Helper()
	cmd := globaldb("emulator", "--data-dir", dir, "--listen", "127.0.0.1:0", "--dns-listen", "127.0.0.1:0", "--time-scale", "0.1")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &emulatorChild{cmd: cmd, exited: make(chan struct{})}
	t.Cleanup(func() { c.kill(t) })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := readyRE.FindStringSubmatch(sc.Text()); m != nil {
			c.endpoint, c.dns = m[1], m[2]
			go func() {
				for sc.Scan() {
				}
				_ = cmd.Wait()
				close(c.exited)
			}()
			return c
		}
	}
	_ = cmd.Wait()
	t.Fatalf("emulator exited before it was ready (log: %s)", logPath)
	return nil
}

// kill ends the emulator with SIGKILL and waits until it is gone.
func (c *emulatorChild) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("kill emulator: %v", err)
	}
	<-c.exited
}

// stop ends the emulator with SIGTERM, as an operator would, and checks
// that it exits cleanly.
func (c *emulatorChild) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("stop emulator: %v", err)
	}
	<-c.exited
	if !c.cmd.ProcessState.Success() {
		t.Errorf("emulator exit after SIGTERM: %v", c.cmd.ProcessState)
	}
}

// run is a globaldb command running in a child.
type run struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan struct{}
	t0   time.Time
}

// start runs `globaldb args...` against the emulator.
func (c *emulatorChild) start(t *testing.T, password string, args ...string) *run {
	t.Helper()
	r := &run{cmd: globaldb(args...), done: make(chan struct{})}
	r.cmd.Env = append(r.cmd.Env, "AWS_ENDPOINT_URL="+c.endpoint, "AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1", "GLOBALDB_MASTER_PASSWORD="+password)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	r.t0 = time.Now()
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() { _ = r.cmd.Process.Kill(); <-r.done })
	return r
}

// wait waits for the command to end, killing it at the deadline, and
// returns whether it succeeded.
func (r *run) wait(ctx context.Context) bool {
	select {
	case <-r.done:
	case <-ctx.Done():
		_ = r.cmd.Process.Kill()
		<-r.done
	}
	return r.cmd.ProcessState.Success()
}

// tail is the end of the command's output, for failure messages.
func (r *run) tail() string {
	s := strings.TrimSpace(r.out.String())
	if i := len(s) - 3000; i > 0 {
		s = "…" + s[i:]
	}
	return s
}

// waitNoPostgres polls until no postgres process runs from dir.
func waitNoPostgres(ctx context.Context, t *testing.T, dir, when string) {
	t.Helper()
	for {
		pids := emulatortest.PostgresUnder(dir)
		if len(pids) == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: postgres processes of the data dir still run: %v", when, pids)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// filesContaining lists the files under dir (and the extra files) whose
// bytes contain secret.
func filesContaining(t *testing.T, secret []byte, dir string, extra ...string) []string {
	t.Helper()
	var found []string
	check := func(path string) {
		b, err := os.ReadFile(path)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("read %s: %v", path, err)
			}
			return
		}
		if bytes.Contains(b, secret) {
			found = append(found, path)
		}
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() {
			check(path)
		}
		return nil
	})
	if err != nil {
		t.Errorf("walk %s: %v", dir, err)
	}
	for _, p := range extra {
		check(p)
	}
	return found
}
