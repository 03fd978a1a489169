package emulatortest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/emulator/faults"
)

// TestAWSCLI_CloudWatchMetricFailover is the private-endpoint pattern of
// reference/cloudwatch.md with aws CLI v2 (Query to CloudWatch): a canary publishes a custom
// metric (PutMetricData), an alarm watches it, a CLOUDWATCH_METRIC health
// check follows the alarm and guards the PRIMARY of a failover pair. The
// DNS answer (a real query to the emulator's DNS server) moves to the
// SECONDARY when the metric breaches and back when it recovers;
// SetAlarmState does not move it (Route 53 reads the data, not the state);
// UpdateHealthCheck with the same AlarmIdentifier refreshes the snapshot;
// an outage of the alarm's Region is insufficient data.
func TestAWSCLI_CloudWatchMetricFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the aws CLI")
	}
	v2, ok := emulatortest.AWSCLIVersion("2")
	if !ok {
		t.Skip("aws CLI v2 (/usr/bin/aws) not installed")
	}
	// Alarm periods are emulated time: a 60 s period is 3 s of real time.
	e := emulatortest.StartScaled(t, 0.05)
	env := []string{"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_PAGER=",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ENDPOINT_URL="}
	for i, bin := range []string{v2.Bin} {
		t.Run(cliVersion(bin), func(t *testing.T) {
			r53 := &awsCLI{t: t, bin: bin, endpoint: e.Endpoint(), env: env, service: "route53"}
			cw := &awsCLI{t: t, bin: bin, endpoint: e.Endpoint(), env: env, service: "cloudwatch"}
			const region = "eu-central-1"
			zone := fmt.Sprintf("cw%d.example.net", i)
			alarmName, dimension := "canary-"+zone, "Endpoint=db."+zone // put-metric-data's Key=Value form
			alarm := func(threshold string) {
				cw.must(region, "put-metric-alarm", "--alarm-name", alarmName, "--namespace", "Globaldb/Canary",
					"--metric-name", "Healthy", "--dimensions", "Name=Endpoint,Value=db."+zone, "--statistic", "Minimum", "--period", "60",
					"--evaluation-periods", "1", "--threshold", threshold, "--comparison-operator", "LessThanThreshold",
					"--treat-missing-data", "missing")
			}
			alarm("1")
			canary := startCanary(t, cw, region, dimension)

			cfg := fmt.Sprintf(`{"Type":"CLOUDWATCH_METRIC","AlarmIdentifier":{"Region":"%s","Name":"%s"},"InsufficientDataHealthStatus":"LastKnownStatus"}`, region, alarmName)
			hc := r53.must("us-east-1", "create-health-check", "--caller-reference", zone, "--health-check-config", cfg)["HealthCheck"].(map[string]any)
			checkID := hc["Id"].(string)
			// A second check on the same alarm, unhealthy on insufficient
			// data, shows what a CloudWatch Region in outage does.
			strict := strings.Replace(cfg, "LastKnownStatus", "Unhealthy", 1)
			strictID := r53.must("us-east-1", "create-health-check", "--caller-reference", "strict-"+zone, "--health-check-config", strict)["HealthCheck"].(map[string]any)["Id"].(string)
			snap, _ := hc["CloudWatchAlarmConfiguration"].(map[string]any)
			if snap["MetricName"] != "Healthy" || snap["Namespace"] != "Globaldb/Canary" || snap["Statistic"] != "Minimum" ||
				snap["ComparisonOperator"] != "LessThanThreshold" || snap["Threshold"] != 1.0 || snap["Period"] != 60.0 || snap["EvaluationPeriods"] != 1.0 {
				t.Errorf("CloudWatchAlarmConfiguration = %v", snap)
			}

			z := r53.must("us-east-1", "create-hosted-zone", "--name", zone, "--caller-reference", zone)
			zoneID := z["HostedZone"].(map[string]any)["Id"].(string)
			batch, _ := json.Marshal(map[string]any{"Changes": []any{
				failoverChange("db."+zone, "primary", "PRIMARY", "192.0.2.1", checkID),
				secondaryChange("db."+zone, "192.0.2.2")}})
			r53.must("us-east-1", "change-resource-record-sets", "--hosted-zone-id", zoneID, "--change-batch", string(batch))
			answer := func() string { return dnsA(t, e.DNSAddr(), "db."+zone) }
			alarmState := func() string {
				out := cw.must(region, "describe-alarms", "--alarm-names", alarmName)
				return out["MetricAlarms"].([]any)[0].(map[string]any)["StateValue"].(string)
			}

			poll(t, "the alarm to be OK on the canary's data", func() bool { return alarmState() == "OK" })
			if got := answer(); got != "192.0.2.1" {
				t.Fatalf("answer with the canary healthy = %q, want the primary 192.0.2.1", got)
			}

			canary.set(0)
			poll(t, "the answer to move to the secondary once the metric breaches", func() bool { return answer() == "192.0.2.2" })
			st := r53.must("us-east-1", "get-health-check-status", "--health-check-id", checkID)
			obs := st["HealthCheckObservations"].([]any)
			if len(obs) != 1 || !strings.HasPrefix(obs[0].(map[string]any)["StatusReport"].(map[string]any)["Status"].(string), "Failure") {
				t.Errorf("status of the breached check = %v, want one Failure observation", obs)
			}

			// SetAlarmState moves the alarm, not the health check: the
			// answer stays on the secondary while the alarm is OK, until
			// the alarm's next evaluation puts it back in ALARM.
			cw.must(region, "set-alarm-state", "--alarm-name", alarmName, "--state-value", "OK", "--state-reason", "drill")
			poll(t, "the alarm's own evaluation to put it back in ALARM", func() bool {
				if got := answer(); got != "192.0.2.2" {
					t.Fatalf("answer = %q after SetAlarmState OK, want the secondary: the check must follow the data", got)
				}
				return alarmState() == "ALARM"
			})

			canary.set(1)
			poll(t, "the answer to move back to the primary once the metric recovers", func() bool { return answer() == "192.0.2.1" })

			// Editing the alarm changes nothing for Route 53 until
			// UpdateHealthCheck re-sends the AlarmIdentifier.
			alarm("0.5")
			got := r53.must("us-east-1", "get-health-check", "--health-check-id", checkID)["HealthCheck"].(map[string]any)
			if th := got["CloudWatchAlarmConfiguration"].(map[string]any)["Threshold"]; th != 1.0 {
				t.Errorf("snapshot threshold before UpdateHealthCheck = %v, want 1", th)
			}
			upd := r53.must("us-east-1", "update-health-check", "--health-check-id", checkID,
				"--alarm-identifier", fmt.Sprintf("Region=%s,Name=%s", region, alarmName))["HealthCheck"].(map[string]any)
			if th := upd["CloudWatchAlarmConfiguration"].(map[string]any)["Threshold"]; th != 0.5 {
				t.Errorf("snapshot threshold after UpdateHealthCheck = %v, want 0.5", th)
			}
			if _, stderr, err := r53.run("us-east-1", "create-health-check", "--caller-reference", "missing-"+zone, "--health-check-config",
				fmt.Sprintf(`{"Type":"CLOUDWATCH_METRIC","AlarmIdentifier":{"Region":"%s","Name":"no-such-alarm"}}`, region)); err == nil || !strings.Contains(stderr, "InvalidInput") {
				t.Errorf("health check on a missing alarm: err=%v stderr=%s, want InvalidInput", err, stderr)
			}

			// The alarm's Region in outage: Route 53 gets no data, which
			// is insufficient data: LastKnownStatus keeps the primary,
			// Unhealthy fails the strict check.
			status := func(id string) string {
				obs := r53.must("us-east-1", "get-health-check-status", "--health-check-id", id)["HealthCheckObservations"].([]any)
				if len(obs) != 1 {
					t.Fatalf("health check %s has %d observations, want 1", id, len(obs))
				}
				return obs[0].(map[string]any)["StatusReport"].(map[string]any)["Status"].(string)
			}
			poll(t, "the strict check to follow the alarm's data", func() bool { return strings.HasPrefix(status(strictID), "Success") })
			canary.expectRefusals(true)
			outage, err := e.Faults().Add(context.Background(), faults.Fault{Kind: faults.RegionOutage, Region: region})
			if err != nil {
				t.Fatal(err)
			}
			poll(t, "the strict check to fail while the alarm's Region is out", func() bool {
				s := status(strictID)
				return strings.HasPrefix(s, "Failure") && strings.Contains(s, "region is unavailable")
			})
			if got := answer(); got != "192.0.2.1" {
				t.Errorf("answer during the outage = %q, want the primary (LastKnownStatus)", got)
			}
			if err := e.Faults().Clear(context.Background(), outage.ID); err != nil {
				t.Fatal(err)
			}
			poll(t, "the strict check to recover with the Region", func() bool { return strings.HasPrefix(status(strictID), "Success") })
			canary.expectRefusals(false) // the calls refused during the outage have ended
		})
	}
}

func secondaryChange(name, value string) map[string]any {
	return map[string]any{"Action": "CREATE", "ResourceRecordSet": map[string]any{
		"Name": name, "Type": "A", "TTL": 5, "SetIdentifier": "secondary", "Failover": "SECONDARY",
		"ResourceRecords": []any{map[string]any{"Value": value}}}}
}

// canary publishes the metric Globaldb/Canary Healthy (with one dimension)
// with the CLI, over and over, until the test ends: the in-VPC canary of
// the pattern.
type canary struct {
	value   atomic.Int64
	refused atomic.Bool // PutMetricData may fail: the Region is in outage
}

func (c *canary) expectRefusals(on bool) { c.refused.Store(on) }

func (c *canary) set(v int64) { c.value.Store(v) }

func startCanary(t *testing.T, cw *awsCLI, region, dimension string) *canary {
	c := &canary{}
	c.set(1)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var failures atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			v := strconv.FormatInt(c.value.Load(), 10)
			if _, _, err := cw.run(region, "put-metric-data", "--namespace", "Globaldb/Canary",
				"--metric-name", "Healthy", "--dimensions", dimension, "--value", v); err != nil && ctx.Err() == nil && !c.refused.Load() {
				failures.Add(1)
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if n := failures.Load(); n > 0 {
			t.Errorf("%d put-metric-data calls failed", n)
		}
	})
	return c
}

// poll waits for cond, up to a minute.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	waitFor(ctx, t, what, cond)
}
