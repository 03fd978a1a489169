// Package querytest checks Query-protocol responses against botocore in
// tests. It is a separate package so that the shipped binary does not link
// the testing package.
package querytest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/globaldb/globaldb/internal/emulator/botocheck"
)

// ValidateWithBotocore checks one Query-protocol response body of
// service's operation op against botocore's output shape with
// tools/validate_shapes.py, failing t with the script's list of problems.
// It skips the test under -short and when python3 with botocore is not
// installed.
func ValidateWithBotocore(t testing.TB, service, op string, xml []byte) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts python3 with botocore (-short)")
	}
	script, err := botocheck.Script("validate_shapes.py")
	if err != nil {
		t.Skipf("skip botocore validation: %v", err)
	}
	v, err := botocheck.Start(script)
	if err != nil {
		t.Skipf("skip botocore validation: %v", err)
	}
	path := filepath.Join(t.TempDir(), op+".xml")
	if err := os.WriteFile(path, xml, 0o600); err != nil {
		t.Fatalf("write response for validation: %v", err)
	}
	code, out, err := v.Check(service, op, path)
	if err != nil {
		t.Fatalf("botocore validator: %v", err)
	}
	if code != "0" {
		t.Errorf("botocore rejects %s %s response (exit %s):\n%s\nresponse:\n%s", service, op, code, out, xml)
	}
}
