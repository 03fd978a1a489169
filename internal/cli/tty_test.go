package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/globaldb/globaldb/examples"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/topology/topologytest"
)

// openPTY opens a pseudo-terminal pair: what the command writes to
// the terminal (term) the test reads from ctl.
func openPTY(t *testing.T) (ctl, term *os.File) {
	t.Helper()
	ctl, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(ctl.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	term, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	_ = unix.IoctlSetWinsize(int(term.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: 160})
	return ctl, term
}

// runTTY runs the binary with stdin, stdout and stderr on a terminal, as a
// person would, and returns what the terminal showed (line ends as "\n").
func runTTY(t *testing.T, endpoint string, args ...string) run {
	t.Helper()
	ctl, term := openPTY(t)
	defer ctl.Close()
	cmd := command(t, endpoint, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = term, term, term
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	term.Close() // the child holds it; EOF (EIO) on ctl once it exits
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&out, ctl); close(copied) }()
	// A stuck command shows its goroutines; a loaded machine takes a while.
	timer := time.AfterFunc(6*time.Minute, func() { _ = cmd.Process.Signal(syscall.SIGQUIT) })
	err := cmd.Wait()
	timer.Stop()
	select {
	case <-copied:
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal never reached end of file")
	}
	r := run{stdout: strings.ReplaceAll(out.String(), "\r\n", "\n")}
	if ee, ok := err.(interface{ ExitCode() int }); ok {
		r.code = ee.ExitCode()
	}
	return r
}

var logfmtLine = regexp.MustCompile(`(?m)^time=|\bevent=(start|done|waiting)\b|\blevel=(INFO|WARN|ERROR)\b`)

// checkHuman fails unless a command on a terminal succeeded, printed no
// logfmt, rewrote nothing in place and shows every wanted text.
func checkHuman(t *testing.T, name string, r run, want ...string) {
	t.Helper()
	if r.code != ExitOK {
		t.Fatalf("%s on a terminal: exit %d\n%s", name, r.code, r.stdout)
	}
	if m := logfmtLine.FindString(r.stdout); m != "" {
		t.Errorf("%s on a terminal printed logfmt (%q):\n%s", name, m, r.stdout)
	}
	if strings.ContainsAny(r.stdout, "\r\033") {
		t.Errorf("%s on a terminal rewrote lines in place:\n%q", name, r.stdout)
	}
	for _, w := range want {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("%s on a terminal lacks %q:\n%s", name, w, r.stdout)
		}
	}
}

// TestStackCommands_tty runs apply on a terminal (a pseudo-terminal)
// against the emulator: one line per resource as it starts and completes,
// nothing rewritten in place and no logfmt; then destroy through a pipe,
// which reports in logfmt.
func TestStackCommands_tty(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.StartScaled(t, 0.05)
	ep := e.Endpoint()
	// The seed with one instance per region: the output's shape is the
	// same, and half the PostgreSQL servers start.
	seed := string(examples.GlobalPublic)
	for _, az := range []string{"ap-southeast-1b", "ap-southeast-2b"} {
		seed = strings.Replace(seed, "      - az: "+az+"\n", "", 1)
	}
	file := topologytest.WriteFile(t, "global.yaml", seed)
	t.Run("apply", func(t *testing.T) {
		r := runTTY(t, ep, "apply", "--auto-approve", "-f", file, "--poll-interval", "100ms")
		var want []string
		for _, inst := range []string{"seed-ap-southeast-1-1 (ap-southeast-1)", "seed-ap-southeast-2-1 (ap-southeast-2)"} {
			want = append(want, "\nrds instance "+inst+": Creating…\n", "\nrds instance "+inst+": Creation complete after ")
		}
		checkHuman(t, "apply", r, append(want, "\niam role seed-app: Creation complete after ", "Apply complete in ")...)
	})
	rp := runCLI(t, ep, "destroy", "--auto-approve", "-f", file, "--poll-interval", "100ms")
	if rp.code != ExitOK || !strings.Contains(rp.stderr, "event=start") || strings.Contains(rp.stderr, "Destroying…") {
		t.Errorf("destroy through a pipe: exit %d; want logfmt progress on stderr:\n%s", rp.code, rp.stderr)
	}
}

// TestStackCommands_ttyDrillFailover runs a drill and a failover on a
// terminal on the seed stack: the drill's phases as lines and its
// headline, the failover's pre-flight before it acts, no logfmt.
func TestStackCommands_ttyDrillFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.StartScaled(t, 0.05)
	ep := e.Endpoint()
	file := seedFile(t)
	if r := runCLI(t, ep, "apply", "--auto-approve", "-f", file, "--poll-interval", "100ms"); r.code != ExitOK {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Run("drill", func(t *testing.T) {
		r := runTTY(t, ep, "drill", "-f", file, "--scenario", "switchover", "--duration", "4s",
			"--resolver", e.DNSAddr(), "--time-scale", "0.05")
		checkHuman(t, "drill", r, "drill switchover on stack seed: 4 writers", "s  switchover  ap-southeast-1 → ap-southeast-2\n",
			"PASS: Switchover ap-southeast-1 → ap-southeast-2 and back — longest write outage ")
	})
	t.Run("failover", func(t *testing.T) {
		r := runTTY(t, ep, "failover", "-f", file, "--mode", "switchover", "--to", "ap-southeast-2", "--resolver", e.DNSAddr(), "--poll-interval", "100ms")
		start := "switchover ap-southeast-1 → ap-southeast-2 (SwitchoverGlobalCluster, called in ap-southeast-1): Starting…\n"
		checkHuman(t, "failover", r, "pre-flight:\n  ok   target is a member", start,
			"switchover ap-southeast-1 → ap-southeast-2 (SwitchoverGlobalCluster, called in ap-southeast-1): Complete after ")
		if pf, st := strings.Index(r.stdout, "pre-flight:"), strings.Index(r.stdout, start); pf < 0 || st < pf {
			t.Errorf("failover showed its pre-flight after it acted:\n%s", r.stdout)
		}
	})
}
