package orchestrator

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
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

// TestSurveyed_recordTargets: with alarm checks (which name no endpoint),
// a region whose RDS API is down is still located through its records.
func TestSurveyed_recordTargets(t *testing.T) {
	top := privateSeed(t)
	cname := func(name, set, target string) r53types.ResourceRecordSet {
		return r53types.ResourceRecordSet{Name: aws.String(name), SetIdentifier: aws.String(set), Type: r53types.RRTypeCname,
			ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(target)}}}
	}
	sv := &surveyed{t: top, w: &World{Records: []r53types.ResourceRecordSet{
		cname("writer.seed.globaldb.example.com.", "ap-southeast-1", "seed-ap-southeast-1.cluster-x.ap-southeast-1.rds.amazonaws.com"),
		cname("writer.seed.globaldb.example.com.", "ap-southeast-2", "seed-ap-southeast-2.cluster-x.ap-southeast-2.rds.amazonaws.com."),
		cname("reader.seed.globaldb.example.com.", "ap-southeast-2", "seed-ap-southeast-2.cluster-ro-x.ap-southeast-2.rds.amazonaws.com"),
	}}}
	tests := []struct{ region, cluster, reader string }{
		{"ap-southeast-2", "seed-ap-southeast-2.cluster-x.ap-southeast-2.rds.amazonaws.com", "seed-ap-southeast-2.cluster-ro-x.ap-southeast-2.rds.amazonaws.com"},
		{"ap-southeast-1", "seed-ap-southeast-1.cluster-x.ap-southeast-1.rds.amazonaws.com", ""},
		{"eu-west-1", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			if c, r := sv.recordTargets(tt.region); c != tt.cluster || r != tt.reader {
				t.Errorf("recordTargets = %q, %q; want %q, %q", c, r, tt.cluster, tt.reader)
			}
		})
	}
}
