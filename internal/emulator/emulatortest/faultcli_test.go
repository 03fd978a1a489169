package emulatortest_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/globaldb/globaldb/internal/cli"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// TestFaultCLI_Emulator drives `globaldb fault` against a running
// emulator found through AWS_ENDPOINT_URL, signed with the root
// credentials; other credentials are refused.
func TestFaultCLI_Emulator(t *testing.T) {
	e := emulatortest.Start(t)
	t.Setenv("AWS_ENDPOINT_URL", e.Endpoint())
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	run := func(args ...string) (string, error) {
		root := cli.Root()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs(append([]string{"fault"}, args...))
		err := root.Execute()
		return out.String(), err
	}
	if out, err := run("region-isolation", "--region", "ap-southeast-2"); err != nil || !strings.Contains(out, "f-1") {
		t.Fatalf("inject: %v\n%s", err, out)
	}
	if out, err := run("link", "--from", "ap-southeast-1", "--to", "us-east-1", "--delay", "200ms"); err != nil {
		t.Fatalf("link fault: %v\n%s", err, out)
	}
	out, err := run("list")
	if err != nil || !strings.Contains(out, "region-isolation") || !strings.Contains(out, "200ms") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if len(e.Faults().List()) != 2 {
		t.Errorf("emulator holds %d faults, want 2", len(e.Faults().List()))
	}
	if _, err := run("region-outage", "--region", "mars-north-1"); err == nil {
		t.Error("an unknown region was accepted")
	}
	if out, err := run("clear"); err != nil {
		t.Fatalf("clear: %v\n%s", err, out)
	}
	if n := len(e.Faults().List()); n != 0 {
		t.Errorf("%d faults left after clear", n)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	if _, err := run("list"); err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Errorf("list with a wrong secret: %v", err)
	}
}
