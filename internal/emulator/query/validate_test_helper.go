package query

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
	script := validatorScript(t)
	if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
		t.Skipf("skip botocore validation: python3 with botocore not available: %v", err)
	}
	path := filepath.Join(t.TempDir(), op+".xml")
	if err := os.WriteFile(path, xml, 0o600); err != nil {
		t.Fatalf("write response for validation: %v", err)
	}
	out, err := exec.Command("python3", script, service, op, path).CombinedOutput()
	if err != nil {
		t.Errorf("botocore rejects %s %s response: %v\n%s\nresponse:\n%s", service, op, err, out, xml)
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
