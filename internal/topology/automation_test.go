package topology

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// withAutomation returns the example file with doc appended.
func withAutomation(t *testing.T, example, doc string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../examples/" + example)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, []byte("\n"+doc)...)
}

func TestParse_AutomationDefaults(t *testing.T) {
	tests := []struct {
		name, example, doc string
		want               Automation
	}{
		{"alarm checks: triggers on", "global.yaml", "automation: {}\n",
			Automation{Behavior: FailoverBehavior, MinDelayMinutes: DefaultMinDelayMinutes, Triggers: true, StalledLagMs: DefaultStalledLagMs}},
		{"TCP checks: triggers off", "global-public.yaml", "automation:\n",
			Automation{Behavior: FailoverBehavior, MinDelayMinutes: DefaultMinDelayMinutes, StalledLagMs: DefaultStalledLagMs}},
		{"everything set", "global.yaml", "automation:\n  behavior: switchoverOnly\n  approval: true\n  minDelayMinutes: 15\n  triggers: true\n  stalledLagMs: 20000\n  route53HealthChecks: true\n",
			Automation{Behavior: SwitchoverOnly, Approval: true, MinDelayMinutes: 15, Triggers: true, StalledLagMs: 20000, Route53HealthChecks: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top, err := Parse(tt.example, withAutomation(t, tt.example, tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if top.Automation == nil || !reflect.DeepEqual(*top.Automation, tt.want) {
				t.Errorf("automation = %+v, want %+v", top.Automation, tt.want)
			}
		})
	}
	top, err := Parse("global.yaml", withAutomation(t, "global.yaml", ""))
	if err != nil || top.Automation != nil {
		t.Errorf("without the section: automation %+v, err %v; want nil", top.Automation, err)
	}
}

func TestParse_AutomationInvalid(t *testing.T) {
	tests := []struct {
		name, example, doc string
		// want is "line:column: field" of the first error.
		want string
	}{
		{"behavior typo", "global.yaml", "automation:\n  behavior: switchover\n", "behavior: 2:3: automation.behavior"},
		{"min delay zero", "global.yaml", "automation:\n  minDelayMinutes: 0\n", "minDelayMinutes: 2:3: automation.minDelayMinutes"},
		{"stalled lag too small", "global.yaml", "automation:\n  stalledLagMs: 500\n", "stalledLagMs: 2:3: automation.stalledLagMs"},
		{"triggers need alarm checks", "global-public.yaml", "automation:\n  triggers: true\n", "triggers: 2:3: automation.triggers"},
		{"approval not a bool", "global.yaml", "automation:\n  approval: maybe\n", "approval: 2:3: automation.approval"},
		{"unknown field", "global.yaml", "automation:\n  planName: x\n", "planName: 2:3: automation.planName"},
		{"route53HealthChecks not a bool", "global.yaml", "automation:\n  route53HealthChecks: 1\n", "route53HealthChecks: 2:3: automation.route53HealthChecks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := withAutomation(t, tt.example, tt.doc)
			_, err := Parse(tt.example, data)
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			// The section starts at the line after the example's last.
			base := strings.Count(string(data[:len(data)-len(tt.doc)]), "\n")
			field, rest, _ := strings.Cut(tt.want, ": ")
			_ = field
			var line, col int
			var path string
			if _, err := fmt.Sscanf(rest, "%d:%d: %s", &line, &col, &path); err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("%s:%d:%d: %s: ", tt.example, base+line, col, path)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not name %q:\n%v", want, err)
			}
		})
	}
}

func TestParse_AutomationTwoRegions(t *testing.T) {
	doc := strings.Replace(string(withAutomation(t, "global.yaml", "automation: {}\n")), "regions:\n",
		"regions:\n  - name: us-east-1\n    role: secondary\n    instances: [{}]\n    clusterParameterGroup: default.aurora-postgresql15\n", 1)
	_, err := Parse("three.yaml", []byte(doc))
	if err == nil || !strings.Contains(err.Error(), "regions: automation needs exactly 2 regions, not 3") {
		t.Errorf("three regions with automation: %v", err)
	}
}

func TestParse_AutomationLongName(t *testing.T) {
	doc := strings.Replace(string(withAutomation(t, "global.yaml", "automation: {}\n")), "name: seed\n", "name: a-rather-long-stack-name\n", 1)
	_, err := Parse("long.yaml", []byte(doc))
	if err == nil || !strings.Contains(err.Error(), "long.yaml:15:1: name: \"a-rather-long-stack-name\" is too long for automation") {
		t.Errorf("a 24-character name with automation: %v", err)
	}
}

// The plan's health checks guard failover records to the cluster
// endpoints: a writer record of another kind, or none, is refused where
// route53HealthChecks is set.
func TestParse_AutomationRoute53HealthChecks(t *testing.T) {
	tests := []struct {
		name, from, to string
		want           string // "" accepted
	}{
		{"failover to cluster endpoints", "", "", ""},
		{"global writer endpoint", "    routing: failover\n    target: cluster-endpoints\n", "    routing: simple\n    target: global-writer-endpoint\n",
			"automation.route53HealthChecks: needs the writer record's failover records to the cluster endpoints, not simple routing to global-writer-endpoint"},
		{"no writer record", "  writerRecord:\n    name: writer.seed.globaldb.example.com\n    routing: failover\n    target: cluster-endpoints\n", "",
			"automation.route53HealthChecks: needs a writer record, and the topology has none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := string(withAutomation(t, "global.yaml", "automation:\n  route53HealthChecks: true\n"))
			if tt.from != "" {
				if !strings.Contains(doc, tt.from) {
					t.Fatalf("example lacks %q", tt.from)
				}
				doc = strings.Replace(doc, tt.from, tt.to, 1)
			}
			top, err := Parse("global.yaml", []byte(doc))
			if tt.want == "" {
				if err != nil || !top.PlanRecords() {
					t.Fatalf("err %v, plan records %v; want accepted", err, err == nil && top.PlanRecords())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			line := strings.Count(doc[:strings.Index(doc, "route53HealthChecks:")], "\n") + 1
			if !strings.Contains(err.Error(), fmt.Sprintf("global.yaml:%d:3: automation.route53HealthChecks", line)) {
				t.Errorf("error does not name line %d: %v", line, err)
			}
		})
	}
}

// triggerAlarms replaces the default triggers: it turns triggers on even
// without alarm health checks, and each entry is checked where it is
// written.
func TestParse_AutomationTriggerAlarms(t *testing.T) {
	const arn = "arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:orders-api-5xx"
	top, err := Parse("global-public.yaml", withAutomation(t, "global-public.yaml",
		"automation:\n  triggerAlarms:\n    ap-southeast-2: [orders-no-writer, "+arn+"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := top.Automation
	if !a.Triggers || a.DefaultTriggers() || !reflect.DeepEqual(a.TriggerAlarms, map[string][]string{"ap-southeast-2": {"orders-no-writer", arn}}) {
		t.Fatalf("automation %+v: want triggers on, on the listed alarms", a)
	}
	for _, tt := range []struct{ entry, name, region string }{{"orders-no-writer", "orders-no-writer", "ap-southeast-2"}, {arn, "orders-api-5xx", "ap-southeast-2"},
		{"arn:aws:cloudwatch:us-east-1:123456789012:alarm:a:b", "a:b", "us-east-1"}} {
		if name, region := TriggerAlarm("ap-southeast-2", tt.entry); name != tt.name || region != tt.region {
			t.Errorf("TriggerAlarm(%q) = %s in %s, want %s in %s", tt.entry, name, region, tt.name, tt.region)
		}
	}
	tests := []struct{ name, doc, want string }{
		{"not a region", "automation:\n  triggerAlarms:\n    us-east-1: [x]\n", "3:5: automation.triggerAlarms.us-east-1: \"us-east-1\" is not a region of the topology"},
		{"empty list", "automation:\n  triggerAlarms:\n    ap-southeast-2: []\n", "3:5: automation.triggerAlarms.ap-southeast-2: lists no alarm"},
		{"bad ARN", "automation:\n  triggerAlarms:\n    ap-southeast-2:\n      - arn:aws:sns:ap-southeast-2:123456789012:topic\n", "4:9: automation.triggerAlarms.ap-southeast-2[0]: \"arn:aws:sns:ap-southeast-2:123456789012:topic\" is not a CloudWatch alarm ARN"},
		{"same name twice", "automation:\n  triggerAlarms:\n    ap-southeast-1: [x]\n    ap-southeast-2: [x]\n", "4:22: automation.triggerAlarms.ap-southeast-2[0]: alarm \"x\" is also named by automation.triggerAlarms.ap-southeast-1[0]"},
		{"not a mapping", "automation:\n  triggerAlarms: [x]\n", "2:3: automation.triggerAlarms: must be a mapping of names to lists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := withAutomation(t, "global-public.yaml", tt.doc)
			_, err := Parse("global-public.yaml", data)
			base := strings.Count(string(data[:len(data)-len(tt.doc)]), "\n")
			var line, col int
			var rest string
			if _, serr := fmt.Sscanf(tt.want, "%d:%d:", &line, &col); serr != nil {
				t.Fatal(serr)
			}
			_, rest, _ = strings.Cut(tt.want, ": ")
			want := fmt.Sprintf("global-public.yaml:%d:%d: %s", base+line, col, rest)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v\nwant %q", err, want)
			}
		})
	}
}
