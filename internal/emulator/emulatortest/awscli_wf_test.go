package emulatortest_test

import (
	"strings"
	"testing"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// TestAWSCLI_WriteForwarding: every aws CLI on the machine sends
// --enable-global-write-forwarding and --enable-local-write-forwarding and
// reads back the forwarding fields. No instance is created, so no
// PostgreSQL server is needed for these field checks.
func TestAWSCLI_WriteForwarding(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the emulator")
	}
	bins := awsCLIs(t)
	e := emulatortest.Start(t)
	env := []string{"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_PAGER=",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ENDPOINT_URL="}
	for i, bin := range bins {
		cli := &awsCLI{t: t, bin: bin, endpoint: e.Endpoint(), env: env}
		t.Run(cliVersion(bin), func(t *testing.T) {
			cli.t = t
			name := "wf" + string(rune('a'+i))
			p, s := "us-east-1", "eu-west-1"
			cli.must(p, "create-global-cluster", "--global-cluster-identifier", name, "--engine", "aurora-postgresql", "--engine-version", "15.10")
			primary := cli.must(p, "create-db-cluster", "--db-cluster-identifier", name+"-p", "--engine", "aurora-postgresql",
				"--global-cluster-identifier", name, "--master-username", "app_admin", "--master-user-password", "correct-horse-battery",
				"--enable-global-write-forwarding")["DBCluster"].(map[string]any)
			if primary["GlobalWriteForwardingRequested"] != true || primary["GlobalWriteForwardingStatus"] != nil {
				t.Errorf("primary: requested %v status %v, want the request stored and no status", primary["GlobalWriteForwardingRequested"], primary["GlobalWriteForwardingStatus"])
			}
			secondary := cli.must(s, "create-db-cluster", "--db-cluster-identifier", name+"-s", "--engine", "aurora-postgresql",
				"--global-cluster-identifier", name, "--enable-global-write-forwarding")["DBCluster"].(map[string]any)
			if secondary["GlobalWriteForwardingRequested"] != true || secondary["GlobalWriteForwardingStatus"] != "enabling" {
				t.Errorf("secondary: requested %v status %v, want true enabling", secondary["GlobalWriteForwardingRequested"], secondary["GlobalWriteForwardingStatus"])
			}
			g := cli.must(p, "describe-global-clusters", "--global-cluster-identifier", name)["GlobalClusters"].([]any)[0].(map[string]any)
			for _, m := range g["GlobalClusterMembers"].([]any) {
				m := m.(map[string]any)
				if st := m["GlobalWriteForwardingStatus"]; (m["IsWriter"] == true) != (st == nil) {
					t.Errorf("member %v (writer %v) GlobalWriteForwardingStatus = %v", m["DBClusterArn"], m["IsWriter"], st)
				}
			}
			_, stderr, err := cli.run(p, "create-db-cluster", "--db-cluster-identifier", name+"-old", "--engine", "aurora-postgresql",
				"--engine-version", "15.4", "--master-username", "app_admin", "--master-user-password", "correct-horse-battery",
				"--enable-local-write-forwarding")
			if strings.Contains(stderr, "Unknown options: --enable-local-write-forwarding") {
				t.Logf("%s predates EnableLocalWriteForwarding: local check skipped", cliVersion(bin))
				return
			}
			if err == nil || !strings.Contains(stderr, "InvalidParameterCombination") || !strings.Contains(stderr, "version 15.4") {
				t.Errorf("local forwarding on 15.4: err %v, stderr %s; want InvalidParameterCombination naming the version", err, stderr)
			}
		})
	}
}
