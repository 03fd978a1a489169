// Package engine supervises the PostgreSQL 15 servers behind emulated Aurora
// DB instances. It knows nothing about AWS: it creates (initdb), clones
// (pg_basebackup), starts, stops, promotes and re-points PostgreSQL nodes, and
// never leaves an orphan postgres process behind.
//
// Every node listens on its own loopback address over TCP only (no Unix
// sockets: their paths could exceed 107 bytes). The internal superuser from
// Config.Admin is used for every SQL and replication connection; clients
// authenticate with SCRAM-SHA-256.
//
// Durability: nodes run with fsync=off and synchronous_commit=on. A machine
// crash is not emulated, a process crash is: data acknowledged before a
// kill -9 of the postmaster survives, because the WAL is written to the OS
// before a commit returns.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// Sentinel errors callers can test with errors.Is.
var (
	ErrClosed      = errors.New("supervisor closed")
	ErrRunning     = errors.New("node is running")
	ErrExists      = errors.New("data directory already exists")
	ErrInvalidNode = errors.New("invalid node")
)

// Config configures a Supervisor.
type Config struct {
	// Root holds every data directory; it is created 0700 and, when running
	// as root, owned by RunAs.
	Root string
	// BinDir holds postgres, initdb, pg_basebackup and pg_rewind. "" means
	// discover: `pg_config --bindir`, else the highest /usr/lib/postgresql/*/bin.
	BinDir string
	// RunAs is the OS user the engines run as. "" means the current user, or
	// "postgres" when running as root (PostgreSQL refuses to run as root).
	RunAs string
	// Admin is the internal superuser used for all SQL and replication.
	Admin Credentials
	// Logger receives lifecycle events; nil discards them.
	Logger *slog.Logger
}

// Credentials is a PostgreSQL user and password. The password is never logged.
type Credentials struct{ User, Password string }

// String hides the password.
func (c Credentials) String() string { return c.User + ":***" }

// LogValue hides the password from slog.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.User) }

// Node describes one PostgreSQL server.
type Node struct {
	// Name is unique, [a-z0-9_]{1,63}; it is the node's application_name,
	// cluster_name and replication slot name.
	Name string
	// Dir is the absolute data directory, under Config.Root.
	Dir string
	// Host is the loopback address the node listens on, e.g. "127.10.0.3".
	Host string
	Port int
	// Settings are extra GUCs written to the node's own configuration file.
	Settings map[string]string
	// TLS, when set, is the node's server certificate: the node runs with
	// ssl = on, and the certificate and key are written into its data
	// directory (server.crt, server.key; 0600, owned by the run-as user)
	// at every Init, Clone, Start and Reconfigure, so a clone never keeps
	// its source's certificate.
	TLS *TLS
	// RequireTLS refuses client logins that do not use TLS. The
	// supervisor's own connections (the admin user, replication) are
	// exempt.
	RequireTLS bool
}

// TLS is a PEM server certificate (chain) and its private key.
type TLS struct {
	Cert, Key []byte
}

// Addr returns host:port.
func (n Node) Addr() string { return net.JoinHostPort(n.Host, strconv.Itoa(n.Port)) }

// Upstream is where a standby streams from: a node, or a netsim proxy in
// front of one.
type Upstream struct {
	Host string
	Port int
}

// Supervisor creates and runs PostgreSQL nodes. It is safe for concurrent
// use; operations on the same Node must not run concurrently.
type Supervisor struct {
	root   string
	real   string // root with symlinks resolved, as /proc shows working directories
	bin    string
	admin  Credentials
	log    *slog.Logger
	cred   *syscall.Credential // nil: run as the current user
	uid    int
	gid    int
	asRoot bool

	mu     sync.Mutex
	procs  map[string]*Process // by data dir
	closed bool

	iam atomic.Pointer[IAMAuth] // nil: no IAM database authentication (SetIAMAuth)
}

var nameRE = regexp.MustCompile(`^[a-z0-9_]{1,63}$`)

// New checks the PostgreSQL binaries, the run-as user and that Root is
// reachable by that user, creates Root, and returns a Supervisor.
func New(cfg Config) (*Supervisor, error) {
	if cfg.Root == "" || !filepath.IsAbs(cfg.Root) {
		return nil, fmt.Errorf("new supervisor: root %q must be an absolute path", cfg.Root)
	}
	if err := checkAdmin(cfg.Admin); err != nil {
		return nil, fmt.Errorf("new supervisor: %w", err)
	}
	bin, err := findBinDir(cfg.BinDir)
	if err != nil {
		return nil, fmt.Errorf("new supervisor: %w", err)
	}
	s := &Supervisor{
		root:  filepath.Clean(cfg.Root),
		bin:   bin,
		admin: cfg.Admin,
		log:   cfg.Logger,
		procs: make(map[string]*Process),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.setUser(cfg.RunAs); err != nil {
		return nil, fmt.Errorf("new supervisor: %w", err)
	}
	if err := s.checkTraversable(filepath.Dir(s.root)); err != nil {
		return nil, fmt.Errorf("new supervisor: %w", err)
	}
	if err := s.mkdirAll(s.root); err != nil {
		return nil, fmt.Errorf("new supervisor: %w", err)
	}
	if s.asRoot {
		if err := os.Chown(s.root, s.uid, s.gid); err != nil {
			return nil, fmt.Errorf("new supervisor: chown root: %w", err)
		}
	}
	if s.real, err = filepath.EvalSymlinks(s.root); err != nil {
		return nil, fmt.Errorf("new supervisor: resolve root: %w", err)
	}
	s.log.Debug("engine supervisor ready", "root", s.root, "bin", s.bin, "uid", s.uid)
	return s, nil
}

func checkAdmin(c Credentials) error {
	if c.User == "" || c.Password == "" {
		return errors.New("admin user and password are required")
	}
	if strings.ContainsAny(c.Password, "\n\r\x00") || strings.ContainsAny(c.User, "\n\r\x00") {
		return errors.New("admin credentials must not contain newlines or NUL")
	}
	return nil
}

// findBinDir returns dir if set, else pg_config's bindir, else the highest
// /usr/lib/postgresql/*/bin; it checks the binaries the supervisor runs.
func findBinDir(dir string) (string, error) {
	if dir == "" {
		if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
			dir = strings.TrimSpace(string(out))
		}
	}
	if dir == "" || !hasBinaries(dir) {
		dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
		for _, d := range dirs {
			if hasBinaries(d) {
				dir = d
				break
			}
		}
	}
	if dir == "" || !hasBinaries(dir) {
		return "", fmt.Errorf("find postgres binaries: none found (looked at %q); install PostgreSQL 15 or set BinDir", dir)
	}
	return dir, nil
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func hasBinaries(dir string) bool {
	for _, b := range []string{"postgres", "initdb", "pg_basebackup", "pg_rewind"} {
		fi, err := os.Stat(filepath.Join(dir, b))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// setUser resolves the run-as user. Only root may run engines as another user.
func (s *Supervisor) setUser(name string) error {
	euid := os.Geteuid()
	if name == "" && euid == 0 {
		name = "postgres"
	}
	if name == "" {
		s.uid, s.gid = euid, os.Getegid()
		return nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("look up run-as user %q: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if uid == 0 {
		return fmt.Errorf("run-as user %q is root: postgres refuses to run as root", name)
	}
	s.uid, s.gid = uid, gid
	switch {
	case euid == 0:
		s.asRoot = true
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	case euid != uid:
		return fmt.Errorf("run as %q: only root can run engines as another user", name)
	}
	return nil
}

// checkTraversable verifies that the run-as user can search every existing
// ancestor of dir (and dir itself).
func (s *Supervisor) checkTraversable(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil {
			if !s.canSearch(fi) {
				return fmt.Errorf("check directory %s: not traversable by uid %d (hint: chmod o+x %s)", d, s.uid, d)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("check directory %s: %w", d, err)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

func (s *Supervisor) canSearch(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	mode := fi.Mode().Perm()
	switch {
	case s.uid == 0:
		return true
	case int(st.Uid) == s.uid:
		return mode&0o100 != 0
	case int(st.Gid) == s.gid:
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}

// validate checks a node's name, directory and address.
func (s *Supervisor) validate(n Node) error {
	if !nameRE.MatchString(n.Name) {
		return fmt.Errorf("%w: name %q must match [a-z0-9_]{1,63}", ErrInvalidNode, n.Name)
	}
	if !filepath.IsAbs(n.Dir) || filepath.Clean(n.Dir) != n.Dir {
		return fmt.Errorf("%w: dir %q must be an absolute, clean path", ErrInvalidNode, n.Dir)
	}
	rel, err := filepath.Rel(s.root, n.Dir)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("%w: dir %q must be under %s", ErrInvalidNode, n.Dir, s.root)
	}
	ip := net.ParseIP(n.Host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: host %q must be a loopback IP address", ErrInvalidNode, n.Host)
	}
	if n.Port <= 0 || n.Port > 65535 {
		return fmt.Errorf("%w: port %d out of range", ErrInvalidNode, n.Port)
	}
	if n.TLS != nil && (len(n.TLS.Cert) == 0 || len(n.TLS.Key) == 0) {
		return fmt.Errorf("%w: TLS needs a certificate and a key", ErrInvalidNode)
	}
	return nil
}

// mkdirAll creates dir and missing parents 0700, owned by the run-as user.
func (s *Supervisor) mkdirAll(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := s.mkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create directory: %w", err)
	}
	return s.chown(dir)
}

// chown gives path to the run-as user when running as root.
func (s *Supervisor) chown(path string) error {
	if !s.asRoot {
		return nil
	}
	if err := os.Chown(path, s.uid, s.gid); err != nil {
		return fmt.Errorf("chown %s: %w", path, err)
	}
	return nil
}

// command builds a command for a PostgreSQL binary that runs as the run-as
// user with a minimal environment; extraEnv is appended (never logged).
func (s *Supervisor) command(ctx context.Context, bin string, args []string, extraEnv ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, bin), args...)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "LC_ALL=C", "LANG=C", "HOME=" + s.root}, extraEnv...)
	cmd.Dir = s.root
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd
}

// run runs a PostgreSQL tool and returns its combined output in the error.
func (s *Supervisor) run(ctx context.Context, bin string, args []string, extraEnv ...string) error {
	out, err := s.command(ctx, bin, args, extraEnv...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("run %s: %w: %s", bin, err, strings.TrimSpace(lastLines(string(out), 10)))
	}
	return nil
}
