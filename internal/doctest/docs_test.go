package doctest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runDocs are the documents whose shell blocks run, each in order, each
// from a fresh checkout with its own emulator (the blocks start it).
var runDocs = []string{"README.md", "docs/runbook.md"}

// blockTimeout bounds one block; a block that waits for a condition that
// never comes fails with its output instead of hanging the suite.
const blockTimeout = 4 * time.Minute

// TestDocs_RunAsWritten runs every shell block of README.md and
// docs/runbook.md with bash (set -euo pipefail), in order, as a newcomer
// would paste them into one terminal: variables and functions carry from
// block to block, and so does the working directory. The blocks start
// their own emulator; the test only provides a checkout, the tools, and
// an environment in which nothing can reach AWS: no credentials or config
// files, no instance metadata, and HTTP(S) proxies at a closed loopback
// port for every host but loopback. Blocks that cannot run here (make demo,
// make test, calls that need a real AWS account) carry a
// `<!-- doctest: skip (reason) -->` marker in the doc.
func TestDocs_RunAsWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("starts emulators and PostgreSQL servers, runs make, the aws CLI, dig and psql (-short)")
	}
	var missing []string
	for _, tool := range []string{"bash", "make", "go", "aws", "dig", "psql", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		t.Skipf("the docs' commands need %s, not installed (scripts/install-deps.sh test installs them)", strings.Join(missing, ", "))
	}
	if _, err := exec.LookPath("pg_config"); err != nil {
		if _, err := os.Stat("/usr/lib/postgresql"); err != nil {
			t.Skip("PostgreSQL server binaries not installed (run scripts/install-deps.sh)")
		}
	}
	root := repoRoot(t)
	for _, doc := range runDocs {
		t.Run(doc, func(t *testing.T) {
			// Each document has its own emulator at its own addresses
			// (docAddrs): the two run side by side, and a reader's
			// emulator on the documented ports is left alone.
			t.Parallel()
			runDoc(t, root, doc)
		})
	}
}

// runDoc runs one document's blocks in a fresh working directory.
func runDoc(t *testing.T, root, doc string) {
	text, err := os.ReadFile(filepath.Join(root, doc))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := ParseBlocks(doc, string(text))
	if err != nil {
		t.Fatal(err)
	}
	// os.MkdirTemp, not t.TempDir: PostgreSQL's socket paths under the
	// data directory must stay short.
	work, err := os.MkdirTemp("", "doctest-")
	if err != nil {
		t.Fatal(err)
	}
	// The emulator runs PostgreSQL as the postgres user when started as
	// root: the data directory's parents must be traversable by it.
	if err := os.Chmod(work, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(work) })
	s := newSession(t, root, work)
	for _, b := range blocks {
		if b.Skip != "" {
			t.Logf("%s: skipped (%s)", b, b.Skip)
			continue
		}
		s.run(t, b)
	}
}

// session is one terminal: a checkout, an environment, and the state the
// blocks carry (exported variables, functions, working directory).
type session struct {
	work, checkout  string
	addrs           docAddrs
	state, cwd, log string
	env             []string
	groups          []int // process groups to end when the doc is done
}

func newSession(t *testing.T, root, work string) *session {
	s := &session{
		work:     work,
		checkout: filepath.Join(work, "globaldb"),
		addrs:    newDocAddrs(t, filepath.Join(work, "gdb")),
		state:    filepath.Join(work, "state.sh"),
		cwd:      filepath.Join(work, "cwd"),
		// The transcript (every command, timed, and its output) is kept
		// with go test -artifacts.
		log: filepath.Join(t.ArtifactDir(), "transcript.log"),
	}
	linkCheckout(t, root, s.checkout)
	for _, f := range []string{s.state, filepath.Join(work, "empty")} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(s.cwd, []byte(s.checkout), 0o644); err != nil {
		t.Fatal(err)
	}
	s.env = docEnv(t, work)
	t.Cleanup(s.stop)
	return s
}

// linkCheckout makes dst look like a fresh clone of root: every top-level
// entry but .git and bin is a symlink, so `make build` writes its own
// bin/globaldb and files the blocks write stay in dst.
func linkCheckout(t *testing.T, root, dst string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == ".git" || e.Name() == "bin" {
			continue
		}
		if err := os.Symlink(filepath.Join(root, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}

// docEnv is the caller's environment without anything that points at AWS
// or a database, plus what makes every non-loopback HTTP(S) call fail.
func docEnv(t *testing.T, work string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "AWS_"), strings.HasPrefix(name, "GLOBALDB_"), strings.HasPrefix(name, "PG"),
			strings.EqualFold(name, "http_proxy"), strings.EqualFold(name, "https_proxy"),
			strings.EqualFold(name, "no_proxy"), strings.EqualFold(name, "all_proxy"), name == "CI":
			continue
		}
		env = append(env, kv)
	}
	empty := filepath.Join(work, "empty")
	dead := "http://127.0.0.1:9" // discard port: nothing listens, the call fails
	env = append(env,
		"AWS_CONFIG_FILE="+empty, "AWS_SHARED_CREDENTIALS_FILE="+empty,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
		"HTTPS_PROXY="+dead, "HTTP_PROXY="+dead, "https_proxy="+dead, "http_proxy="+dead,
		"NO_PROXY=127.0.0.1,localhost,::1", "no_proxy=127.0.0.1,localhost,::1",
		"TERM=dumb", "GOTOOLCHAIN=local",
	)
	if dir := awsShim(t, work); dir != "" {
		for i, kv := range env {
			if strings.HasPrefix(kv, "PATH=") {
				env[i] = "PATH=" + dir + ":" + strings.TrimPrefix(kv, "PATH=")
			}
		}
	}
	return env
}

var awsVersion = regexp.MustCompile(`aws-cli/(\d+)\.(\d+)\.`)

// awsShim returns a directory to put first on the blocks' PATH, holding
// an `aws` that is the aws CLI first on PATH, or "" when that one will do
// as it is. Two cases need it:
//   - the CLI is too old to read AWS_ENDPOINT_URL (v1 before 1.29, v2
//     before 2.13): the `aws` adds --endpoint-url "$AWS_ENDPOINT_URL" to
//     every call, which is what the docs tell users of those versions to do;
//   - it is a pyenv shim: the `aws` is the script the shim would run,
//     without the shim's version lookup (seconds per call on a busy machine).
func awsShim(t *testing.T, work string) string {
	path, err := exec.LookPath("aws")
	if err != nil {
		return "" // the blocks' aws fails as the reader's would
	}
	real := path
	if strings.Contains(path, "/.pyenv/shims/") {
		out, err := exec.Command("pyenv", "which", "aws").Output()
		if err != nil {
			t.Fatalf("pyenv which aws: %v", err)
		}
		real = strings.TrimSpace(string(out))
	}
	out, err := exec.Command(real, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("aws --version: %v: %s", err, out)
	}
	m := awsVersion.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("aws --version: no version in %q", out)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	readsVar := major > 2 || (major == 2 && minor >= 13) || (major == 1 && minor >= 29)
	if readsVar && real == path {
		return ""
	}
	script := fmt.Sprintf("#!/bin/sh\nexec %q \"$@\"\n", real)
	if !readsVar {
		t.Logf("%s (%s) ignores AWS_ENDPOINT_URL: the blocks' aws gets --endpoint-url", path, strings.TrimSpace(string(out)))
		script = fmt.Sprintf("#!/bin/sh\nexec %q --endpoint-url \"$AWS_ENDPOINT_URL\" \"$@\"\n", real)
	}
	dir := filepath.Join(work, "awsshim")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "aws"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// run runs one block in its own process group (so what it leaves running
// in the background, the emulator, can be ended), after restoring the state
// the previous blocks left, and saves the state it leaves.
func (s *session) run(t *testing.T, b Block) {
	t.Helper()
	text, err := s.addrs.substitute(b.Text)
	if err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	// The state is every variable the blocks set (exported or not: a
	// block may keep $! for a later one), the exports, and the functions.
	// Each command is traced to the log (fd 3, never the block's own
	// stderr) with the seconds since the block began, so a failure shows
	// which command failed and a slow block which command is slow.
	script := fmt.Sprintf(`BASH_XTRACEFD=3 __t0=${EPOCHREALTIME/./}
PS4='+ [$(( (${EPOCHREALTIME/./} - __t0) / 1000000 )).$(( (${EPOCHREALTIME/./} - __t0) / 100000 %% 10 )) s] '
__doctest_vars=$(compgen -v)
set -euo pipefail
source %[1]q
cd "$(cat %[2]q)"
set -x
%[3]s
set +x
{ export -p; declare -f
  for __v in $(compgen -v); do
    case $__v in __*) continue;; esac
    case $'\n'"$__doctest_vars"$'\n' in *$'\n'"$__v"$'\n'*) ;; *) declare -p "$__v";; esac
  done | grep -v '^declare -[^ ]*r' || true; } > %[1]q
pwd > %[2]q
`, s.state, s.cwd, text)
	out, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	start, _ := out.Seek(0, 2)
	fmt.Fprintf(out, "### %s\n", b)
	ctx, cancel := context.WithTimeout(context.Background(), blockTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Env = s.env
	cmd.Stdin = nil
	// A file, not a pipe: a background process keeps its end open, and
	// Wait would wait for it.
	cmd.Stdout, cmd.Stderr = out, out
	cmd.ExtraFiles = []*os.File{out} // fd 3: the trace
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.groups = append(s.groups, cmd.Process.Pid)
	err = cmd.Wait()
	t.Logf("%s: %.1f s", b, time.Since(began).Seconds())
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (timed out after %s)", err, blockTimeout)
		}
		t.Fatalf("%s: block failed: %v\n--- block\n%s--- output\n%s", b, err, b.Text, tail(s.log, start, 80))
	}
}

// stop ends what the blocks left running (SIGTERM, as Ctrl-C would not
// reach a background job) and waits until it is gone.
func (s *session) stop() {
	for _, g := range s.groups {
		_ = syscall.Kill(-g, syscall.SIGTERM)
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, g := range s.groups {
		for syscall.Kill(-g, 0) == nil && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		_ = syscall.Kill(-g, syscall.SIGKILL)
	}
}

// tail returns the last n lines of the log written since offset.
func tail(path string, offset int64, n int) string {
	b, err := os.ReadFile(path)
	if err != nil || offset > int64(len(b)) {
		return fmt.Sprintf("(no output: %v)", err)
	}
	lines := strings.SplitAfter(string(b[offset:]), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("(… %d lines)\n", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "")
}

// repoRoot is the directory holding go.mod, above this package.
func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal(errors.New("go.mod not found above the test's directory"))
		}
		dir = parent
	}
}
