// Package rpcdoctest checks AWS JSON and Smithy RPC v2 CBOR response
// bodies against botocore in tests. It is a separate package so that the
// shipped binary does not link the testing package.
package rpcdoctest

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/botocheck"
)

// Protocol names as botocore spells them.
const (
	JSON = "json"
	CBOR = "smithy-rpc-v2-cbor"
)

// ValidateWithBotocore checks one response body of service's operation op
// in protocol (JSON or CBOR) against botocore's output shape with
// tools/validate_rpc.py, failing t with the script's list of problems. A
// body with __type is checked as an error body. It skips the test under
// -short and when python3 with botocore is not installed.
func ValidateWithBotocore(t testing.TB, protocol, service, op string, body []byte) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts python3 with botocore (-short)")
	}
	script, err := botocheck.Script("validate_rpc.py")
	if err != nil {
		t.Skipf("skip botocore validation: %v", err)
	}
	v, err := botocheck.Start(script)
	if err != nil {
		t.Skipf("skip botocore validation: %v", err)
	}
	path := filepath.Join(t.TempDir(), op+".body")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatalf("write response for validation: %v", err)
	}
	code, out, err := v.Check(protocol, service, op, path)
	if err != nil {
		t.Fatalf("botocore validator: %v", err)
	}
	if code != "0" {
		shown := string(body)
		if protocol == CBOR {
			shown = hex.EncodeToString(body)
		}
		t.Errorf("botocore rejects %s %s %s response (exit %s):\n%s\nresponse:\n%s", protocol, service, op, code, out, shown)
	}
}

// Dump renders a params or output document with the Go type of every
// scalar, keys sorted, one value a line: golden files of decoded requests
// show exactly what a handler receives.
func Dump(doc any) string {
	var b strings.Builder
	dump(&b, doc, "")
	return b.String()
}

func dump(b *strings.Builder, v any, indent string) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{\n")
		for _, k := range keys {
			fmt.Fprintf(b, "%s  %s: ", indent, k)
			dump(b, x[k], indent+"  ")
		}
		b.WriteString(indent + "}\n")
	case []any:
		b.WriteString("[\n")
		for _, it := range x {
			b.WriteString(indent + "  - ")
			dump(b, it, indent+"  ")
		}
		b.WriteString(indent + "]\n")
	case time.Time:
		fmt.Fprintf(b, "time.Time(%s)\n", x.Format(time.RFC3339Nano))
	case string:
		fmt.Fprintf(b, "string(%q)\n", x)
	default:
		fmt.Fprintf(b, "%T(%v)\n", x, x)
	}
}

// Golden compares got with testdata/<name>, rewriting the file instead
// when update is set.
func Golden(t testing.TB, name string, got []byte, update bool) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from golden file (-update rewrites it):\n got: %s\nwant: %s", name, got, want)
	}
}
