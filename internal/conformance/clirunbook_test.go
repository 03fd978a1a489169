package conformance

import (
	"encoding/json"
	"fmt"
	"net"
	"testing"
	"time"
)

// The CLI runbook: the seed runbook's steps as an operator types them,
// under names of its own (name is unique per CLI) and with error cases.
// With full, it also calls every other operation docs/emulator.md claims
// (one CLI does: each command costs a second of CPU). Its three parts
// touch disjoint resources and run in parallel.

const (
	primary   = "ap-southeast-1"
	secondary = "ap-southeast-2"
	global    = "us-east-1" // Route 53, IAM and STS are signed for us-east-1
	account   = "000000000000"
)

func cliRDS(t *testing.T, c *cli, name string, full bool) {
	p, s := primary, secondary
	pc, sc := name+"-p", name+"-s"
	if full {
		c.must(t, p, "rds", "describe-db-engine-versions", "--engine", "aurora-postgresql", "--engine-version", "15.10")
		c.must(t, p, "rds", "describe-orderable-db-instance-options", "--engine", "aurora-postgresql", "--engine-version", "15.10")
		c.must(t, p, "rds", "create-db-subnet-group", "--db-subnet-group-name", name, "--db-subnet-group-description", "conformance",
			"--subnet-ids", "subnet-"+name+"a", "subnet-"+name+"b")
		c.must(t, p, "rds", "describe-db-subnet-groups", "--db-subnet-group-name", name)
		c.must(t, p, "rds", "delete-db-subnet-group", "--db-subnet-group-name", name)
	}

	c.must(t, p, "rds", "create-global-cluster", "--global-cluster-identifier", name, "--engine", "aurora-postgresql", "--engine-version", "15.10")
	c.must(t, p, "rds", "create-db-cluster", "--db-cluster-identifier", pc, "--engine", "aurora-postgresql", "--engine-version", "15.10",
		"--global-cluster-identifier", name, "--master-username", "app_admin", "--master-user-password", "cli-password-1",
		"--tags", "Key=globaldb:stack,Value="+name)
	for i, az := range []string{"ap-southeast-1a", "ap-southeast-1b"} {
		c.must(t, p, "rds", "create-db-instance", "--db-instance-identifier", fmt.Sprintf("%s%d", pc, i+1), "--db-cluster-identifier", pc,
			"--db-instance-class", "db.r6g.large", "--engine", "aurora-postgresql", "--availability-zone", az)
	}
	if full { // a class Aurora PostgreSQL does not offer
		c.fails(t, "InvalidParameterCombination", p, "rds", "create-db-instance", "--db-instance-identifier", pc+"-micro",
			"--db-cluster-identifier", pc, "--db-instance-class", "db.t3.micro", "--engine", "aurora-postgresql")
	}
	c.fails(t, "InvalidParameterCombination", s, "rds", "create-db-cluster", "--db-cluster-identifier", name+"-bad",
		"--engine", "aurora-postgresql", "--global-cluster-identifier", name, "--master-username", "u", "--master-user-password", "pw-123456789")
	c.must(t, s, "rds", "create-db-cluster", "--db-cluster-identifier", sc, "--engine", "aurora-postgresql", "--engine-version", "15.10",
		"--global-cluster-identifier", name)
	c.must(t, s, "rds", "create-db-instance", "--db-instance-identifier", sc+"1", "--db-cluster-identifier", sc,
		"--db-instance-class", "db.r6g.large", "--engine", "aurora-postgresql", "--availability-zone", "ap-southeast-2a")
	c.must(t, p, "rds", "wait", "db-instance-available", "--filters", "Name=db-cluster-id,Values="+pc)
	c.must(t, s, "rds", "wait", "db-instance-available", "--filters", "Name=db-cluster-id,Values="+sc)
	c.must(t, s, "rds", "wait", "db-cluster-available", "--db-cluster-identifier", sc)

	g := c.must(t, s, "rds", "describe-global-clusters", "--global-cluster-identifier", name)
	if members := g["GlobalClusters"].([]any)[0].(map[string]any)["GlobalClusterMembers"].([]any); len(members) != 2 {
		t.Errorf("global cluster members = %v", members)
	}
	c.must(t, p, "rds", "describe-db-clusters", "--db-cluster-identifier", pc)
	c.must(t, p, "rds", "describe-db-instances", "--filters", "Name=db-cluster-id,Values="+pc)
	arn := "arn:aws:rds:" + p + ":" + account + ":cluster:" + pc
	if tags := c.must(t, p, "rds", "list-tags-for-resource", "--resource-name", arn); len(tags["TagList"].([]any)) != 1 {
		t.Errorf("tags = %v", tags)
	}
	if full {
		rdsExtras(t, c, name, arn)
	}

	// Teardown in AWS's order.
	c.must(t, p, "rds", "remove-from-global-cluster", "--global-cluster-identifier", name,
		"--db-cluster-identifier", "arn:aws:rds:"+s+":"+account+":cluster:"+sc)
	c.must(t, s, "rds", "wait", "db-cluster-available", "--db-cluster-identifier", sc)
	teardown := []struct {
		region, cluster string
		instances       int
	}{{s, sc, 1}, {p, pc, 2}}
	for _, r := range teardown {
		for i := 1; i <= r.instances; i++ {
			c.must(t, r.region, "rds", "delete-db-instance", "--db-instance-identifier", fmt.Sprintf("%s%d", r.cluster, i))
		}
		for i := 1; i <= r.instances; i++ {
			c.must(t, r.region, "rds", "wait", "db-instance-deleted", "--db-instance-identifier", fmt.Sprintf("%s%d", r.cluster, i))
		}
		if r.region == p {
			c.must(t, p, "rds", "remove-from-global-cluster", "--global-cluster-identifier", name, "--db-cluster-identifier", arn)
		}
		c.must(t, r.region, "rds", "delete-db-cluster", "--db-cluster-identifier", r.cluster, "--skip-final-snapshot")
		c.must(t, r.region, "rds", "wait", "db-cluster-deleted", "--db-cluster-identifier", r.cluster)
	}
	c.must(t, p, "rds", "delete-global-cluster", "--global-cluster-identifier", name)
	c.fails(t, "GlobalClusterNotFoundFault", p, "rds", "describe-global-clusters", "--global-cluster-identifier", name)
}

func cliRoute53(t *testing.T, c *cli, name string, full bool) {
	r := global
	zone := name + ".conformance.example.net"
	z := c.must(t, r, "route53", "create-hosted-zone", "--name", zone, "--caller-reference", zone)
	zoneID := z["HostedZone"].(map[string]any)["Id"].(string)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	host, port, _ := net.SplitHostPort(l.Addr().String())
	cfg := fmt.Sprintf(`{"Type":"TCP","IPAddress":"%s","Port":%s,"RequestInterval":10,"FailureThreshold":3}`, host, port)
	hc := c.must(t, r, "route53", "create-health-check", "--caller-reference", "hc-"+zone, "--health-check-config", cfg)
	check := hc["HealthCheck"].(map[string]any)["Id"].(string)
	c.must(t, r, "route53", "get-health-check-status", "--health-check-id", check)
	c.must(t, r, "route53", "list-tags-for-resource", "--resource-type", "healthcheck", "--resource-id", check)
	c.must(t, r, "route53", "list-tags-for-resources", "--resource-type", "healthcheck", "--resource-ids", check)

	record := func(action string) string {
		b, _ := json.Marshal(map[string]any{"Changes": []any{map[string]any{"Action": action, "ResourceRecordSet": map[string]any{
			"Name": "db." + zone, "Type": "A", "TTL": 5, "SetIdentifier": "primary", "Failover": "PRIMARY", "HealthCheckId": check,
			"ResourceRecords": []any{map[string]any{"Value": "192.0.2.1"}}}}}})
		return string(b)
	}
	ch := c.must(t, r, "route53", "change-resource-record-sets", "--hosted-zone-id", zoneID, "--change-batch", record("CREATE"))
	change := ch["ChangeInfo"].(map[string]any)["Id"].(string)
	c.must(t, r, "route53", "wait", "resource-record-sets-changed", "--id", change)
	if rrs := c.must(t, r, "route53", "list-resource-record-sets", "--hosted-zone-id", zoneID); len(rrs["ResourceRecordSets"].([]any)) != 3 {
		t.Errorf("record sets = %v, want SOA, NS and the failover record", rrs)
	}
	c.fails(t, "HostedZoneNotEmpty", r, "route53", "delete-hosted-zone", "--id", zoneID)
	if full {
		route53Extras(t, c, zone, zoneID, check, change, record("CREATE"))
	}
	c.must(t, r, "route53", "change-resource-record-sets", "--hosted-zone-id", zoneID, "--change-batch", record("DELETE"))
	c.must(t, r, "route53", "delete-health-check", "--health-check-id", check)
	c.must(t, r, "route53", "delete-hosted-zone", "--id", zoneID)
}

// route53Extras calls the Route 53 operations the runbook does not need.
func route53Extras(t *testing.T, c *cli, zone, zoneID, check, change, create string) {
	r := global
	c.must(t, r, "route53", "get-hosted-zone", "--id", zoneID)
	c.must(t, r, "route53", "list-hosted-zones")
	c.must(t, r, "route53", "list-hosted-zones-by-name", "--dns-name", zone)
	c.must(t, r, "route53", "get-health-check", "--health-check-id", check)
	c.must(t, r, "route53", "list-health-checks")
	c.must(t, r, "route53", "update-health-check", "--health-check-id", check, "--health-check-version", "1", "--failure-threshold", "2")
	c.must(t, r, "route53", "change-tags-for-resource", "--resource-type", "healthcheck", "--resource-id", check,
		"--add-tags", "Key=team,Value=db")
	c.must(t, r, "route53", "get-change", "--id", change)
	c.must(t, r, "route53", "test-dns-answer", "--hosted-zone-id", zoneID, "--record-name", "db."+zone, "--record-type", "A")
	c.fails(t, "InvalidChangeBatch", r, "route53", "change-resource-record-sets", "--hosted-zone-id", zoneID, "--change-batch", create)
	c.fails(t, "NoSuchHostedZone", r, "route53", "get-hosted-zone", "--id", "/hostedzone/ZNOSUCHZONE")
}

func cliIAM(t *testing.T, c *cli, name string, full bool) {
	r := global
	if id := c.must(t, r, "sts", "get-caller-identity"); id["Account"] != account {
		t.Errorf("caller identity = %v", id)
	}
	role, user := name+"-role", name+"-user"
	c.must(t, r, "iam", "create-role", "--role-name", role, "--assume-role-policy-document", trustAccount, "--tags", "Key=globaldb:stack,Value="+name)
	c.must(t, r, "iam", "put-role-policy", "--role-name", role, "--policy-name", "describe", "--policy-document", describeRDS)
	c.must(t, r, "iam", "get-role", "--role-name", role)
	c.must(t, r, "iam", "list-roles")
	c.must(t, r, "iam", "create-user", "--user-name", user)
	key := c.must(t, r, "iam", "create-access-key", "--user-name", user)
	keyID := key["AccessKey"].(map[string]any)["AccessKeyId"].(string)
	secret := key["AccessKey"].(map[string]any)["SecretAccessKey"].(string)
	if full {
		iamExtras(t, c, role, user, keyID, secret)
	}
	c.fails(t, "DeleteConflict", r, "iam", "delete-role", "--role-name", role)
	c.must(t, r, "iam", "delete-access-key", "--user-name", user, "--access-key-id", keyID)
	c.must(t, r, "iam", "delete-user", "--user-name", user)
	c.must(t, r, "iam", "delete-role-policy", "--role-name", role, "--policy-name", "describe")
	c.must(t, r, "iam", "delete-role", "--role-name", role)
	c.fails(t, "NoSuchEntity", r, "iam", "get-role", "--role-name", role)
}

const (
	trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`
	describeRDS  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"rds:Describe*","Resource":"*"}]}`
)

// iamExtras calls the IAM and STS operations the runbook does not need;
// it leaves the role and the user as it found them.
func iamExtras(t *testing.T, c *cli, role, user, keyID, secret string) {
	r := global
	c.must(t, r, "iam", "update-assume-role-policy", "--role-name", role, "--policy-document", trustAccount)
	c.must(t, r, "iam", "tag-role", "--role-name", role, "--tags", "Key=team,Value=db")
	c.must(t, r, "iam", "list-role-tags", "--role-name", role)
	c.must(t, r, "iam", "get-role-policy", "--role-name", role, "--policy-name", "describe")
	c.must(t, r, "iam", "list-role-policies", "--role-name", role)
	// Root may not assume roles (as on AWS): the user does.
	as := &cli{bin: c.bin, endpoint: c.endpoint, env: append(append([]string(nil), c.env...),
		"AWS_ACCESS_KEY_ID="+keyID, "AWS_SECRET_ACCESS_KEY="+secret)}
	as.must(t, r, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+account+":role/"+role, "--role-session-name", user)

	pol := c.must(t, r, "iam", "create-policy", "--policy-name", user+"-policy", "--policy-document", describeRDS)
	polARN := pol["Policy"].(map[string]any)["Arn"].(string)
	c.must(t, r, "iam", "get-policy", "--policy-arn", polARN)
	c.must(t, r, "iam", "create-policy-version", "--policy-arn", polARN, "--policy-document", describeRDS, "--set-as-default")
	c.must(t, r, "iam", "list-policy-versions", "--policy-arn", polARN)
	c.must(t, r, "iam", "get-policy-version", "--policy-arn", polARN, "--version-id", "v1")
	c.must(t, r, "iam", "delete-policy-version", "--policy-arn", polARN, "--version-id", "v1")
	c.must(t, r, "iam", "list-policies", "--scope", "Local")
	c.must(t, r, "iam", "attach-role-policy", "--role-name", role, "--policy-arn", polARN)
	c.must(t, r, "iam", "list-attached-role-policies", "--role-name", role)
	c.must(t, r, "iam", "detach-role-policy", "--role-name", role, "--policy-arn", polARN)

	c.must(t, r, "iam", "get-user", "--user-name", user)
	c.must(t, r, "iam", "list-users")
	c.must(t, r, "iam", "put-user-policy", "--user-name", user, "--policy-name", "describe", "--policy-document", describeRDS)
	c.must(t, r, "iam", "get-user-policy", "--user-name", user, "--policy-name", "describe")
	c.must(t, r, "iam", "list-user-policies", "--user-name", user)
	c.must(t, r, "iam", "attach-user-policy", "--user-name", user, "--policy-arn", polARN)
	c.must(t, r, "iam", "list-attached-user-policies", "--user-name", user)
	c.must(t, r, "iam", "list-access-keys", "--user-name", user)
	c.must(t, r, "iam", "update-access-key", "--user-name", user, "--access-key-id", keyID, "--status", "Inactive")
	c.fails(t, "DeleteConflict", r, "iam", "delete-user", "--user-name", user)
	c.must(t, r, "iam", "detach-user-policy", "--user-name", user, "--policy-arn", polARN)
	c.must(t, r, "iam", "delete-user-policy", "--user-name", user, "--policy-name", "describe")
	c.must(t, r, "iam", "delete-policy", "--policy-arn", polARN)
	c.must(t, r, "iam", "create-service-linked-role", "--aws-service-name", "rds.amazonaws.com")
}

// rdsExtras calls the RDS operations the runbook does not need.
func rdsExtras(t *testing.T, c *cli, name, arn string) {
	p, pc := primary, name+"-p"
	c.must(t, p, "rds", "add-tags-to-resource", "--resource-name", arn, "--tags", "Key=team,Value=db")
	if tags := c.must(t, p, "rds", "list-tags-for-resource", "--resource-name", arn); len(tags["TagList"].([]any)) != 2 {
		t.Errorf("tags = %v", tags)
	}
	c.must(t, p, "rds", "remove-tags-from-resource", "--resource-name", arn, "--tag-keys", "team")
	c.must(t, p, "rds", "modify-db-cluster", "--db-cluster-identifier", pc, "--backup-retention-period", "3", "--apply-immediately")
	c.must(t, p, "rds", "modify-db-instance", "--db-instance-identifier", pc+"2", "--promotion-tier", "3", "--apply-immediately")
	c.must(t, p, "rds", "modify-global-cluster", "--global-cluster-identifier", name, "--no-deletion-protection")
}

// cliCloudWatch is the canary-and-alarm part of the runbook (a custom
// metric, an alarm on it, the alarm's history), with every other claimed
// CloudWatch operation when full. aws CLI v1 speaks AWS JSON 1.0 to
// CloudWatch; Debian's v2.9 speaks Query (emulatortest covers it).
func cliCloudWatch(t *testing.T, c *cli, name string, full bool) {
	r := secondary
	ns, alarm := "Conformance/"+name, name+"-healthy"
	dim := "Cluster=" + name
	c.must(t, r, "cloudwatch", "put-metric-data", "--namespace", ns, "--metric-name", "Healthy", "--dimensions", dim, "--value", "0")
	c.fails(t, "InvalidParameterValue", r, "cloudwatch", "put-metric-data", "--namespace", "AWS/RDS", "--metric-name", "EngineUptime", "--value", "1")
	c.must(t, r, "cloudwatch", "put-metric-alarm", "--alarm-name", alarm, "--namespace", ns, "--metric-name", "Healthy",
		"--dimensions", "Name=Cluster,Value="+name, "--statistic", "Minimum", "--period", "60", "--evaluation-periods", "1",
		"--threshold", "1", "--comparison-operator", "LessThanThreshold", "--treat-missing-data", "breaching",
		"--alarm-actions", "arn:aws:sns:"+r+":"+account+":"+name)
	c.must(t, r, "cloudwatch", "describe-alarms", "--alarm-names", alarm)
	c.must(t, r, "cloudwatch", "describe-alarm-history", "--alarm-name", alarm)
	c.fails(t, "ResourceNotFound", r, "cloudwatch", "set-alarm-state", "--alarm-name", name+"-missing", "--state-value", "OK", "--state-reason", "conformance")
	if full {
		start, end := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		c.must(t, r, "cloudwatch", "list-metrics", "--namespace", ns)
		c.must(t, r, "cloudwatch", "get-metric-statistics", "--namespace", ns, "--metric-name", "Healthy", "--dimensions", "Name=Cluster,Value="+name,
			"--start-time", start, "--end-time", end, "--period", "300", "--statistics", "Minimum", "SampleCount")
		c.must(t, r, "cloudwatch", "get-metric-data", "--start-time", start, "--end-time", end, "--metric-data-queries",
			`[{"Id":"h","MetricStat":{"Metric":{"Namespace":"`+ns+`","MetricName":"Healthy","Dimensions":[{"Name":"Cluster","Value":"`+name+`"}]},"Period":300,"Stat":"Average"}}]`)
		c.must(t, r, "cloudwatch", "describe-alarms-for-metric", "--namespace", ns, "--metric-name", "Healthy", "--dimensions", "Name=Cluster,Value="+name)
		c.must(t, r, "cloudwatch", "set-alarm-state", "--alarm-name", alarm, "--state-value", "OK", "--state-reason", "conformance")
		c.must(t, r, "cloudwatch", "disable-alarm-actions", "--alarm-names", alarm)
		c.must(t, r, "cloudwatch", "enable-alarm-actions", "--alarm-names", alarm)
		c.must(t, r, "cloudwatch", "put-composite-alarm", "--alarm-name", name+"-region", "--alarm-rule", "ALARM(\""+alarm+"\")")
		arn := "arn:aws:cloudwatch:" + r + ":" + account + ":alarm:" + alarm
		c.must(t, r, "cloudwatch", "tag-resource", "--resource-arn", arn, "--tags", "Key=globaldb:stack,Value="+name)
		c.must(t, r, "cloudwatch", "list-tags-for-resource", "--resource-arn", arn)
		c.must(t, r, "cloudwatch", "untag-resource", "--resource-arn", arn, "--tag-keys", "globaldb:stack")
		c.must(t, r, "cloudwatch", "delete-alarms", "--alarm-names", name+"-region")
	}
	c.must(t, r, "cloudwatch", "delete-alarms", "--alarm-names", alarm)
}

// cliRegionSwitch is an ARC Region switch plan's lifecycle as an operator
// drives it with the CLI (JSON): a plan whose activate workflow asks for
// an approval, then switches the writer of a global cluster that does not
// exist; an execution waits for the approval, is approved, fails at the
// Aurora step and is skipped past; with full, every other claimed
// operation. The plan's control plane is us-east-1; executions run in the
// region they activate.
func cliRegionSwitch(t *testing.T, c *cli, name string, full bool) {
	if !full {
		return
	}
	cp, r := global, secondary
	workflows := `[{"workflowTargetAction":"activate","steps":[` +
		`{"name":"approve","executionBlockType":"ManualApproval","executionBlockConfiguration":{"executionApprovalConfig":{"approvalRole":"arn:aws:iam::` + account + `:role/` + name + `-approver"}}},` +
		`{"name":"move-writer","executionBlockType":"AuroraGlobalDatabase","executionBlockConfiguration":{"globalAuroraConfig":{"behavior":"switchoverOnly","globalClusterIdentifier":"` + name + `-none",` +
		`"databaseClusterArns":["arn:aws:rds:` + primary + `:` + account + `:cluster:` + name + `-p","arn:aws:rds:` + secondary + `:` + account + `:cluster:` + name + `-s"]}}}]}]`
	created := c.must(t, cp, "arc-region-switch", "create-plan", "--name", name+"-rs", "--regions", primary, secondary,
		"--primary-region", primary, "--recovery-approach", "activePassive",
		"--execution-role", "arn:aws:iam::"+account+":role/"+name+"-region-switch", "--workflows", workflows)
	plan := created["plan"].(map[string]any)["arn"].(string)
	c.must(t, cp, "arc-region-switch", "get-plan", "--arn", plan)
	c.must(t, cp, "arc-region-switch", "list-plans")
	c.must(t, r, "arc-region-switch", "get-plan-in-region", "--arn", plan)
	c.must(t, r, "arc-region-switch", "list-plans-in-region")
	c.must(t, cp, "arc-region-switch", "update-plan", "--arn", plan, "--description", "conformance",
		"--execution-role", "arn:aws:iam::"+account+":role/"+name+"-region-switch", "--workflows", workflows)
	c.must(t, cp, "arc-region-switch", "tag-resource", "--arn", plan, "--tags", "globaldb:stack="+name)
	c.must(t, cp, "arc-region-switch", "list-tags-for-resource", "--arn", plan)
	c.must(t, cp, "arc-region-switch", "untag-resource", "--arn", plan, "--resource-tag-keys", "globaldb:stack")
	c.must(t, r, "arc-region-switch", "get-plan-evaluation-status", "--plan-arn", plan)
	c.must(t, cp, "arc-region-switch", "list-route53-health-checks", "--arn", plan)
	c.must(t, r, "arc-region-switch", "list-route53-health-checks-in-region", "--arn", plan)

	ex := c.must(t, r, "arc-region-switch", "start-plan-execution", "--plan-arn", plan, "--target-region", r,
		"--action", "activate", "--mode", "graceful")
	id := ex["executionId"].(string)
	state := func(want string) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			got := c.must(t, r, "arc-region-switch", "get-plan-execution", "--plan-arn", plan, "--execution-id", id)
			if got["executionState"] == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("execution %s: state %v, want %s", id, got["executionState"], want)
			}
			time.Sleep(200 * time.Millisecond) // the CLI is the client here; each call takes longer than this
		}
	}
	state("pendingManualApproval")
	c.must(t, r, "arc-region-switch", "approve-plan-execution-step", "--plan-arn", plan, "--execution-id", id,
		"--step-name", "approve", "--approval", "approve")
	state("pausedByFailedStep") // the global cluster does not exist
	c.must(t, r, "arc-region-switch", "list-plan-execution-events", "--plan-arn", plan, "--execution-id", id)
	c.must(t, r, "arc-region-switch", "list-plan-executions", "--plan-arn", plan)
	c.must(t, r, "arc-region-switch", "update-plan-execution", "--plan-arn", plan, "--execution-id", id, "--action", "resume")
	state("pausedByFailedStep") // retried, failed again
	c.must(t, r, "arc-region-switch", "update-plan-execution-step", "--plan-arn", plan, "--execution-id", id,
		"--step-name", "move-writer", "--action-to-take", "skip", "--comment", "conformance")
	state("completedWithExceptions")

	ex = c.must(t, r, "arc-region-switch", "start-plan-execution", "--plan-arn", plan, "--target-region", r,
		"--action", "activate", "--mode", "graceful")
	id = ex["executionId"].(string)
	state("pendingManualApproval")
	c.must(t, r, "arc-region-switch", "cancel-plan-execution", "--plan-arn", plan, "--execution-id", id)
	state("canceled")
	c.must(t, cp, "arc-region-switch", "delete-plan", "--arn", plan)
}
