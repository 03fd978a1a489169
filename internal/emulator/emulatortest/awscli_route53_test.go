package emulatortest_test

import (
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// TestAWSCLI_Route53 runs the Route 53 steps of the runbook with every
// aws CLI: hosted zone, TCP health checks, failover records, change
// propagation, health-check status, and the DNS answer flipping when the
// primary endpoint stops answering.
func TestAWSCLI_Route53(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the aws CLI")
	}
	bins := awsCLIs(t)
	e := emulatortest.StartScaled(t, 0.05)
	env := []string{"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_PAGER=",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ENDPOINT_URL="}
	for i, bin := range bins {
		cli := &awsCLI{t: t, bin: bin, endpoint: e.Endpoint(), env: env, service: "route53"}
		t.Run(cliVersion(bin), func(t *testing.T) {
			t.Parallel()
			cli.t = t
			primary, secondary := listen(t), listen(t)
			zone := fmt.Sprintf("cli%d.example.net", i)
			z := cli.must("us-east-1", "create-hosted-zone", "--name", zone, "--caller-reference", zone)
			zoneID := z["HostedZone"].(map[string]any)["Id"].(string)
			check := func(ref string, l net.Listener) string {
				host, port, _ := net.SplitHostPort(l.Addr().String())
				cfg := fmt.Sprintf(`{"Type":"TCP","IPAddress":"%s","Port":%s,"RequestInterval":10,"FailureThreshold":1}`, host, port)
				out := cli.must("us-east-1", "create-health-check", "--caller-reference", ref+zone, "--health-check-config", cfg)
				return out["HealthCheck"].(map[string]any)["Id"].(string)
			}
			pc, sc := check("p", primary), check("s", secondary)
			batch, _ := json.Marshal(map[string]any{"Changes": []any{
				failoverChange("db."+zone, "primary", "PRIMARY", "192.0.2.1", pc),
				failoverChange("db."+zone, "secondary", "SECONDARY", "192.0.2.2", sc)}})
			ch := cli.must("us-east-1", "change-resource-record-sets", "--hosted-zone-id", zoneID, "--change-batch", string(batch))
			changeID := ch["ChangeInfo"].(map[string]any)["Id"].(string)
			cli.must("us-east-1", "wait", "resource-record-sets-changed", "--id", changeID)
			rrs := cli.must("us-east-1", "list-resource-record-sets", "--hosted-zone-id", zoneID)
			if n := len(rrs["ResourceRecordSets"].([]any)); n != 4 { // SOA, NS, two failover records
				t.Errorf("record sets = %d, want 4", n)
			}
			if got := dnsA(t, e.DNSAddr(), "db."+zone); got != "192.0.2.1" {
				t.Fatalf("answer = %q, want the primary 192.0.2.1", got)
			}
			primary.Close()
			deadline := time.Now().Add(20 * time.Second)
			for dnsA(t, e.DNSAddr(), "db."+zone) != "192.0.2.2" {
				if time.Now().After(deadline) {
					t.Fatal("answer did not flip to the secondary after the primary stopped answering")
				}
				time.Sleep(50 * time.Millisecond)
			}
			st := cli.must("us-east-1", "get-health-check-status", "--health-check-id", pc)
			obs := st["HealthCheckObservations"].([]any)
			if len(obs) < 3 || !strings.HasPrefix(obs[0].(map[string]any)["StatusReport"].(map[string]any)["Status"].(string), "Failure") {
				t.Errorf("primary check status = %v", obs)
			}
			if _, stderr, err := cli.run("us-east-1", "delete-hosted-zone", "--id", zoneID); err == nil || !strings.Contains(stderr, "HostedZoneNotEmpty") {
				t.Errorf("delete non-empty zone: err=%v stderr=%s", err, stderr)
			}
		})
	}
}

func failoverChange(name, id, role, value, check string) map[string]any {
	return map[string]any{"Action": "CREATE", "ResourceRecordSet": map[string]any{
		"Name": name, "Type": "A", "TTL": 5, "SetIdentifier": id, "Failover": role, "HealthCheckId": check,
		"ResourceRecords": []any{map[string]any{"Value": value}}}}
}

func listen(t *testing.T) net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close() })
	return l
}

func dnsA(t *testing.T, server, name string) string {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	r, _, err := new(dns.Client).Exchange(m, server)
	if err != nil {
		t.Fatalf("query %s: %v", name, err)
	}
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			return a.A.String()
		}
	}
	return ""
}
