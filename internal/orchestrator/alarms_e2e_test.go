package orchestrator

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/resolve"
)

// TestAlarms_e2e applies the private seed (examples/global.yaml) on the
// emulator: every region gets its three alarms, tagged with the stack;
// the health checks are CLOUDWATCH_METRIC checks following the health
// alarms and guard the records; a second apply changes nothing; status
// shows every alarm (and, once the emulated RDS publishes its metrics, the
// primary healthy and the secondary without a writer); destroy removes the
// alarms after the checks, and nothing is left.
func TestAlarms_e2e(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := startEmulator(t)
	top := privateSeed(t)
	c := connect(t, e, top)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if ok, why := cloudWatchServed(ctx, c, top.Primary().Name); !ok {
		t.Fatalf("the emulator does not serve CloudWatch: %v", why)
	}
	applyT(t, c, top)
	n := Names{top.Name}

	t.Run("alarms and checks", func(t *testing.T) {
		w, err := Observe(ctx, c, top)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Alarms) != 3*len(top.Regions) {
			t.Errorf("%d alarms of the stack, want %d: %v", len(w.Alarms), 3*len(top.Regions), sortedKeys(w.Alarms))
		}
		for _, s := range desiredAlarms(top) {
			a := w.Alarms[alarmKey(s.Region, s.Kind)]
			if a == nil {
				t.Errorf("alarm %s missing in %s", s.Name, s.Region)
				continue
			}
			if d := s.diff(*a); len(d) > 0 {
				t.Errorf("alarm %s differs from the topology: %v", s.Name, d)
			}
		}
		for _, r := range top.Regions {
			for _, kind := range []CheckKind{WriterCheck, ReaderCheck} {
				hc := w.Checks[r.Name+"/"+string(kind)]
				if hc == nil || hc.HealthCheckConfig == nil {
					t.Errorf("%s check of %s missing", kind, r.Name)
					continue
				}
				cfg := hc.HealthCheckConfig
				a := cfg.AlarmIdentifier
				if cfg.Type != r53types.HealthCheckTypeCloudwatchMetric || a == nil || string(a.Region) != r.Name ||
					aws.ToString(a.Name) != n.Alarm(r.Name, checkAlarm(kind)) || cfg.InsufficientDataHealthStatus != r53types.InsufficientDataHealthStatusUnhealthy {
					t.Errorf("%s check of %s: %+v; want CLOUDWATCH_METRIC following %s, insufficient data Unhealthy", kind, r.Name, cfg, n.Alarm(r.Name, checkAlarm(kind)))
				}
			}
		}
		guarded := 0
		for _, rr := range w.Records {
			if rr.HealthCheckId != nil {
				guarded++
			}
		}
		if len(w.Records) != 4 || guarded != 4 {
			t.Errorf("%d records, %d health-checked; want 4 and 4", len(w.Records), guarded)
		}
	})

	t.Run("second apply changes nothing", func(t *testing.T) {
		before := c.Calls.Snapshot()
		p := applyT(t, c, top)
		if calls := c.Calls.Snapshot().Since(before); !p.Empty() || calls.Mutating != 0 {
			t.Errorf("second apply: %d steps, mutating calls %v", len(p.Visible()), calls.MutatingOps())
		}
	})

	res := resolve.Server(e.DNSAddr())
	t.Run("status", func(t *testing.T) {
		st, err := Status(ctx, c, top, res)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Alarms) != 6 {
			t.Errorf("status lists %d alarms, want 6: %+v", len(st.Alarms), st.Alarms)
		}
		for _, a := range st.Alarms {
			switch a.State {
			case "OK", "ALARM", "INSUFFICIENT_DATA":
			default:
				t.Errorf("alarm %s: state %q (%s)", a.Name, a.State, a.Error)
			}
		}
		var table, js bytes.Buffer
		if err := st.WriteTable(&table); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(table.String(), n.Alarm("ap-southeast-1", LagAlarm)) {
			t.Errorf("status table lacks the alarms:\n%s", table.String())
		}
		if err := json.NewEncoder(&js).Encode(st); err != nil || !strings.Contains(js.String(), `"alarms":[`) {
			t.Errorf("status JSON lacks alarms (%v): %s", err, js.String())
		}
	})

	t.Run("alarm states follow the RDS metrics", func(t *testing.T) {
		// The emulated RDS publishes once a period (60 s × time scale).
		for {
			m, err := c.CloudWatch("ap-southeast-1").ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/RDS"), MetricName: aws.String("EngineUptime")})
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Metrics) > 0 {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatal("the emulated RDS never published EngineUptime")
			case <-time.After(100 * time.Millisecond):
			}
		}
		want := map[string]string{
			n.Alarm("ap-southeast-1", WriterAlarm): "OK", n.Alarm("ap-southeast-1", ReaderAlarm): "OK",
			n.Alarm("ap-southeast-2", WriterAlarm): "ALARM", n.Alarm("ap-southeast-2", ReaderAlarm): "OK",
		}
		var st *StatusReport
		wait, done := context.WithTimeout(ctx, time.Minute)
		defer done()
		waitUntil(wait, t, "the health alarms to reflect the emulated RDS metrics", func() (bool, string) {
			s, err := Status(wait, c, top, res)
			if err != nil {
				return false, err.Error()
			}
			st = s
			got := map[string]string{}
			for _, a := range s.Alarms {
				got[a.Name] = a.State
			}
			for name, state := range want {
				if got[name] != state {
					b, _ := json.MarshalIndent(s.Alarms, "", "  ")
					return false, string(b)
				}
			}
			return true, ""
		})
		for _, a := range st.Alarms {
			if a.Name == n.Alarm("ap-southeast-2", WriterAlarm) && a.Note == "" {
				t.Errorf("the secondary's writer alarm in ALARM carries no note: %+v", a)
			}
		}
	})

	t.Run("destroy removes the alarms", func(t *testing.T) {
		destroyT(t, c, top)
		for _, r := range top.Regions {
			out, err := c.CloudWatch(r.Name).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String(n.alarmPrefix(r.Name))})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.MetricAlarms) != 0 {
				t.Errorf("%d alarms left in %s", len(out.MetricAlarms), r.Name)
			}
		}
		if left, err := Orphans(ctx, c, top); err != nil || len(left) > 0 {
			t.Errorf("after destroy: left %v, err %v", left, err)
		}
	})
}
