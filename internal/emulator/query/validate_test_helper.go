package query

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
	"testing"
)

// ValidateWithBotocore checks one Query-protocol response body of
// service's operation op against botocore's output shape with
// tools/validate_shapes.py, failing t with the script's list of problems.
// It skips the test when python3 with botocore is not installed.
//
// It lives in a non-test file so that other packages' tests can call it.
func ValidateWithBotocore(t testing.TB, service, op string, xml []byte) {
	t.Helper()
	v, err := startValidator(t)
	if err != nil {
		t.Skipf("skip botocore validation: %v", err)
	}
	path := filepath.Join(t.TempDir(), op+".xml")
	if err := os.WriteFile(path, xml, 0o600); err != nil {
		t.Fatalf("write response for validation: %v", err)
	}
	code, out, err := v.check(service, op, path)
	if err != nil {
		t.Fatalf("botocore validator: %v", err)
	}
	if code != "0" {
		t.Errorf("botocore rejects %s %s response (exit %s):\n%s\nresponse:\n%s", service, op, code, out, xml)
	}
}

// validator is one long-running `validate_shapes.py --serve` per test
// binary, so botocore loads once.
type validator struct {
	mu  sync.Mutex
	in  io.WriteCloser
	out *bufio.Reader
}

var (
	validatorOnce sync.Once
	sharedVal     *validator
	validatorErr  error
)

func startValidator(t testing.TB) (*validator, error) {
	script := validatorScript(t)
	validatorOnce.Do(func() {
		if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
			validatorErr = fmt.Errorf("python3 with botocore not available: %w", err)
			return
		}
		cmd := exec.Command("python3", script, "--serve")
		in, err := cmd.StdinPipe()
		if err != nil {
			validatorErr = err
			return
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			validatorErr = err
			return
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			validatorErr = err
			return
		}
		sharedVal = &validator{in: in, out: bufio.NewReader(out)}
	})
	return sharedVal, validatorErr
}

func (v *validator) check(service, op, path string) (code, problems string, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, err := fmt.Fprintf(v.in, "%s %s %s\n", service, op, path); err != nil {
		return "", "", err
	}
	var b strings.Builder
	for {
		line, err := v.out.ReadString('\n')
		if err != nil {
			return "", b.String(), fmt.Errorf("read validator: %w", err)
		}
		if c, ok := strings.CutPrefix(strings.TrimSpace(line), "END "); ok {
			return c, b.String(), nil
		}
		b.WriteString(line)
	}
}

// validatorScript returns the path of tools/validate_shapes.py, found
// relative to this source file.
func validatorScript(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Skip("skip botocore validation: cannot locate source tree")
	}
	script := filepath.Join(filepath.Dir(file), "..", "..", "..", "tools", "validate_shapes.py")
	if _, err := os.Stat(script); err != nil {
		t.Skipf("skip botocore validation: %v", err)
	}
	return script
}
