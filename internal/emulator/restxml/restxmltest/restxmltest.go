// Package restxmltest checks REST-XML (Route 53) responses against botocore
// in tests. It is a separate package so that the shipped binary does not
// link the testing package.
package restxmltest

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/botocheck"
)

// ValidateWithBotocore checks one Route 53 response (its HTTP status and
// XML body) of operation op against botocore's model with
// tools/validate_restxml.py: a 2xx status must be the operation's
// responseCode and the body must fit the output shape; an error status
// must carry an ErrorResponse (or InvalidChangeBatch) from which botocore
// reads a code. It fails t with the script's list of problems and skips the
// test under -short and when python3 with botocore is not installed.
func ValidateWithBotocore(t testing.TB, op string, status int, xml []byte) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts python3 with botocore (-short)")
	}
	script, err := botocheck.Script("validate_restxml.py")
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
	code, out, err := v.Check(awsmodel.Route53, op, strconv.Itoa(status), path)
	if err != nil {
		t.Fatalf("botocore validator: %v", err)
	}
	if code != "0" {
		t.Errorf("botocore rejects %s %s response (status %d, exit %s):\n%s\nresponse:\n%s", awsmodel.Route53, op, status, code, out, xml)
	}
}
