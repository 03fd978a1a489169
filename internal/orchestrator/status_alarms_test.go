package orchestrator

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestStatusReport_alarms renders a report with alarms as a table and as
// JSON (golden files): every alarm with its state, since when and why,
// and the note on a secondary's writer alarm.
func TestStatusReport_alarms(t *testing.T) {
	rep := &StatusReport{Stack: "seed", GlobalCluster: "seed-global", GlobalStatus: "available", WriterRegion: "ap-southeast-1",
		Regions: []RegionStatus{}, HealthChecks: []CheckStatus{
			{Region: "ap-southeast-1", Kind: "writer", Name: "seed-ap-southeast-1-writer", ID: "hc1",
				Target: "alarm seed-ap-southeast-1-writer-health in ap-southeast-1", State: "healthy", Checkers: 8, Success: 8},
		},
		Alarms: []AlarmStatus{
			{Region: "ap-southeast-1", Kind: "writer-health", Name: "seed-ap-southeast-1-writer-health", State: "OK",
				Since: "2026-12-05T10:00:00Z", Reason: "Threshold Crossed: 2 datapoints [4520.0 (05/12/26 09:59:00), 4460.0 (05/12/26 09:58:00)] were not less than the threshold (0.0).",
				Metric: "AWS/RDS EngineUptime {DBClusterIdentifier=seed-ap-southeast-1, Role=WRITER}"},
			{Region: "ap-southeast-2", Kind: "writer-health", Name: "seed-ap-southeast-2-writer-health", State: "ALARM",
				Since: "2026-12-05T10:02:00Z", Reason: "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].",
				Note: "expected: a secondary has no writer until it is promoted"},
			{Region: "ap-southeast-2", Kind: "rpo-lag", Name: "seed-ap-southeast-2-rpo-lag", State: "unknown", Error: "describe alarms in ap-southeast-2: connection refused"},
		},
		DNS: []DNSAnswer{}}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	golden(t, "status-alarms.txt", table.Bytes())
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "status-alarms.json", append(js, '\n'))
}
