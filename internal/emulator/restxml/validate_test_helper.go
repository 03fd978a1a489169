package restxml

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
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
	script := validatorScript(t)
	if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
		t.Skipf("skip botocore validation: python3 with botocore not available: %v", err)
	}
	path := filepath.Join(t.TempDir(), op+".xml")
	if err := os.WriteFile(path, xml, 0o600); err != nil {
		t.Fatalf("write response for validation: %v", err)
	}
	out, err := exec.Command("python3", script, awsmodel.Route53, op, strconv.Itoa(status), path).CombinedOutput()
	if err != nil {
		t.Errorf("botocore rejects route53 %s response (status %d): %v\n%s\nresponse:\n%s", op, status, err, out, xml)
	}
}

// validatorScript returns the path of tools/validate_restxml.py, found
// relative to this source file.
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
