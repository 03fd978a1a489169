package orchestrator

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/globaldb/globaldb/internal/emulator/admin"
)

// TestStatusReport_SetForwardingMetrics checks the JSON field an operator
// reads: present on the instances the emulator has figures for, absent
// elsewhere (and against AWS, where AddForwardingMetrics is not called).
func TestStatusReport_SetForwardingMetrics(t *testing.T) {
	report := func() *StatusReport {
		return &StatusReport{Regions: []RegionStatus{
			{Region: "ap-southeast-1", Instances: []InstanceStatus{{ID: "db-1", Role: "writer"}}},
			{Region: "ap-southeast-2", Instances: []InstanceStatus{{ID: "db-1", Role: "reader"}}},
		}}
	}
	tests := []struct {
		name    string
		metrics []admin.InstanceForwarding // nil: not an emulator
		want    []string                   // substrings of the JSON
		notWant []string
	}{
		{name: "AWS: no field", notWant: []string{"write_forwarding_metrics"}},
		{name: "emulator: per instance, matched by region and id", metrics: []admin.InstanceForwarding{
			{Region: "ap-southeast-1", Instance: "db-1", Metrics: map[string]float64{admin.WriterDMLThroughput: 5}},
			{Region: "ap-southeast-2", Instance: "db-1", Metrics: map[string]float64{admin.ReplicaDMLThroughput: 5, admin.ReplicaDMLLatency: 99.5}},
		}, want: []string{
			`"id":"db-1","az":"","status":"","role":"writer","endpoint":"","write_forwarding_metrics":{"AuroraForwardingWriterDMLThroughput":5}`,
			`"role":"reader","endpoint":"","write_forwarding_metrics":{"AuroraForwardingReplicaDMLLatency":99.5,"AuroraForwardingReplicaDMLThroughput":5}`,
		}},
		{name: "emulator: an instance with no figures has no field", metrics: []admin.InstanceForwarding{
			{Region: "ap-southeast-1", Instance: "db-1", Metrics: map[string]float64{}},
		}, notWant: []string{"write_forwarding_metrics"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := report()
			if tt.metrics != nil {
				rep.setForwardingMetrics(tt.metrics)
			}
			b, err := json.Marshal(rep)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.want {
				if !strings.Contains(string(b), s) {
					t.Errorf("JSON lacks %s:\n%s", s, b)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(string(b), s) {
					t.Errorf("JSON has %s:\n%s", s, b)
				}
			}
		})
	}
}
