// Package botocheck runs the botocore-based response validators in
// tools/ (validate_shapes.py, validate_restxml.py) as long-running
// `--serve` processes, one per script per test binary, so that botocore
// loads once. The protocol codecs' test helpers use it.
package botocheck

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// Proc is one running validator; Check is safe for concurrent use.
type Proc struct {
	mu  sync.Mutex
	in  io.WriteCloser
	out *bufio.Reader
}

var (
	mu    sync.Mutex
	procs = map[string]*Proc{}
	errs  = map[string]error{}
)

// Start returns the running validator for script, starting it once. It
// fails when python3 with botocore is not available.
func Start(script string) (*Proc, error) {
	mu.Lock()
	defer mu.Unlock()
	if p, ok := procs[script]; ok {
		return p, nil
	}
	if err, ok := errs[script]; ok {
		return nil, err
	}
	p, err := start(script)
	if err != nil {
		errs[script] = err
		return nil, err
	}
	procs[script] = p
	return p, nil
}

func start(script string) (*Proc, error) {
	if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
		return nil, fmt.Errorf("python3 with botocore not available: %w", err)
	}
	cmd := exec.Command("python3", script, "--serve")
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &Proc{in: in, out: bufio.NewReader(out)}, nil
}

// Check sends one request line (the script's command-line arguments,
// space-separated) and returns the script's exit code and its problems.
func (p *Proc) Check(args ...string) (code, problems string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := fmt.Fprintln(p.in, strings.Join(args, " ")); err != nil {
		return "", "", err
	}
	var b strings.Builder
	for {
		line, err := p.out.ReadString('\n')
		if err != nil {
			return "", b.String(), fmt.Errorf("read validator: %w", err)
		}
		if c, ok := strings.CutPrefix(strings.TrimSpace(line), "END "); ok {
			return c, b.String(), nil
		}
		b.WriteString(line)
	}
}

// Script returns the path of tools/<name>, found relative to this source
// file (tests run inside the source tree).
func Script(name string) (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("cannot locate the source tree")
	}
	script := filepath.Join(filepath.Dir(file), "..", "..", "..", "tools", name)
	if _, err := os.Stat(script); err != nil {
		return "", err
	}
	return script, nil
}
