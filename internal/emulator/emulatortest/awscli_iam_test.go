package emulatortest_test

import (
	"strings"
	"testing"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// TestAWSCLI_IAM runs the IAM lifecycle and AssumeRole with every aws CLI
// against an emulator that enforces IAM.
func TestAWSCLI_IAM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the aws CLI")
	}
	bins := awsCLIs(t)
	e := emulatortest.StartWith(t, emulatorConfig(true))
	env := []string{"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_PAGER=",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ENDPOINT_URL="}
	for i, bin := range bins {
		cli := &awsCLI{t: t, bin: bin, endpoint: e.Endpoint(), env: env, service: "iam"}
		t.Run(cliVersion(bin), func(t *testing.T) {
			t.Parallel()
			cli.t = t
			user := "cli-user-" + string(rune('a'+i))
			cli.must("us-east-1", "create-user", "--user-name", user)
			key := cli.must("us-east-1", "create-access-key", "--user-name", user)["AccessKey"].(map[string]any)
			cli.must("us-east-1", "put-user-policy", "--user-name", user, "--policy-name", "p",
				"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"rds:Describe*","Resource":"*"}]}`)
			users := cli.must("us-east-1", "list-users")["Users"].([]any)
			if len(users) == 0 {
				t.Fatal("list-users is empty")
			}
			as := &awsCLI{t: t, bin: bin, endpoint: e.Endpoint(), service: "rds", env: []string{
				"AWS_ACCESS_KEY_ID=" + key["AccessKeyId"].(string), "AWS_SECRET_ACCESS_KEY=" + key["SecretAccessKey"].(string),
				"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ENDPOINT_URL="}}
			as.must("ap-southeast-1", "describe-db-clusters")
			if _, stderr, err := as.run("ap-southeast-1", "create-global-cluster", "--global-cluster-identifier", "g", "--engine", "aurora-postgresql"); err == nil ||
				!strings.Contains(stderr, "AccessDenied") {
				t.Errorf("create-global-cluster without permission: err=%v stderr=%s", err, stderr)
			}
			if _, stderr, err := cli.run("us-east-1", "delete-user", "--user-name", user); err == nil || !strings.Contains(stderr, "DeleteConflict") {
				t.Errorf("delete-user with a policy and a key: err=%v stderr=%s", err, stderr)
			}
			// AssumeRole with the CLI, as the user, then use the session.
			cli.must("us-east-1", "put-user-policy", "--user-name", user, "--policy-name", "assume",
				"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
			role := cli.must("us-east-1", "create-role", "--role-name", user+"-role", "--assume-role-policy-document",
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/`+user+`"},"Action":"sts:AssumeRole"}]}`)
			roleARN := role["Role"].(map[string]any)["Arn"].(string)
			as.service = "sts"
			sess := as.must("us-east-1", "assume-role", "--role-arn", roleARN, "--role-session-name", "cli")["Credentials"].(map[string]any)
			tmp := &awsCLI{t: t, bin: bin, endpoint: e.Endpoint(), service: "sts", env: []string{
				"AWS_ACCESS_KEY_ID=" + sess["AccessKeyId"].(string), "AWS_SECRET_ACCESS_KEY=" + sess["SecretAccessKey"].(string),
				"AWS_SESSION_TOKEN=" + sess["SessionToken"].(string),
				"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ENDPOINT_URL="}}
			if arn := tmp.must("us-east-1", "get-caller-identity")["Arn"].(string); arn != "arn:aws:sts::000000000000:assumed-role/"+user+"-role/cli" {
				t.Errorf("caller with the session = %s", arn)
			}
			cli.must("us-east-1", "delete-role", "--role-name", user+"-role")
			cli.must("us-east-1", "delete-user-policy", "--user-name", user, "--policy-name", "assume")
			cli.must("us-east-1", "delete-user-policy", "--user-name", user, "--policy-name", "p")
			cli.must("us-east-1", "delete-access-key", "--user-name", user, "--access-key-id", key["AccessKeyId"].(string))
			cli.must("us-east-1", "delete-user", "--user-name", user)
		})
	}
}
