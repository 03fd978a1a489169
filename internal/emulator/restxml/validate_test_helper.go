package restxml

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

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
)

// ValidateWithBotocore checks one Route 53 response (its HTTP status and
// XML body) of operation op against botocore's model with
// tools/validate_restxml.py: a 2xx status must be the operation's
// responseCode and the body must fit the output shape; an error status
// must carry an ErrorResponse (or InvalidChangeBatch) from which botocore
// reads a code. It fails t with the script's list of problems and skips the
// test when python3 with botocore is not installed.
//
// It lives in a non-test file so that other packages' tests can call it.
func ValidateWithBotocore(t testing.TB, op string, status int, xml []byte) {
	t.Helper()
	v, err := startValidator(t)
	if err != nil {
		t.Skipf("skip botocore validation: %v", err)
	}
	path := filepath.Join(t.TempDir(), op+".xml")
	if err := os.WriteFile(path, xml, 0o600); err != nil {
		t.Fatalf("write response for validation: %v", err)
	}
	code, out, err := v.check(fmt.Sprintf("%s %s %d %s", awsmodel.Route53, op, status, path))
	if err != nil {
		t.Fatalf("botocore validator: %v", err)
	}
	if code != "0" {
		t.Errorf("botocore rejects %s %s response (status %d, exit %s):\n%s\nresponse:\n%s", awsmodel.Route53, op, status, code, out, xml)
	}
}

// validator is one long-running `validate_restxml.py --serve` per test
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

func (v *validator) check(line string) (code, problems string, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, err := fmt.Fprintln(v.in, line); err != nil {
		return "", "", err
	}
	var b strings.Builder
	for {
		l, err := v.out.ReadString('\n')
		if err != nil {
			return "", b.String(), fmt.Errorf("read validator: %w", err)
		}
		if c, ok := strings.CutPrefix(strings.TrimSpace(l), "END "); ok {
			return c, b.String(), nil
		}
		b.WriteString(l)
	}
}

func validatorScript(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Skip("skip botocore validation: cannot locate source tree")
	}
	script := filepath.Join(filepath.Dir(file), "..", "..", "..", "tools", "validate_restxml.py")
	if _, err := os.Stat(script); err != nil {
		t.Skipf("skip botocore validation: %v", err)
	}
	return script
}
