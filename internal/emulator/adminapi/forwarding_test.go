package adminapi

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/admin"
	"github.com/globaldb/globaldb/internal/emulator/controller"
	"github.com/globaldb/globaldb/internal/emulator/rds"
	"github.com/globaldb/globaldb/internal/emulator/wfront"
)

// TestForwardingMetrics names the controller's counters as Aurora's
// CloudWatch metrics: each side only where it applies, latencies as
// means in milliseconds, throughputs as counts.
func TestForwardingMetrics(t *testing.T) {
	tests := []struct {
		name string
		in   controller.Forwarding
		want map[string]float64
	}{
		{name: "neither side", in: controller.Forwarding{}, want: map[string]float64{}},
		{name: "replica that forwards", in: controller.Forwarding{Forwards: true, Kind: rds.ForwardGlobal,
			Replica: wfront.Stats{DMLStatements: 6, Commits: 4, DMLLatencySum: 300 * time.Millisecond, DMLLatencyCount: 3,
				ReadWaitSum: 5 * time.Millisecond, ReadWaitCount: 2, OpenSessions: 1, TotalSessions: 2, SessionsLimitErrors: 1}},
			want: map[string]float64{admin.ReplicaDMLThroughput: 6, admin.ReplicaCommitThroughput: 4, admin.ReplicaDMLLatency: 100,
				admin.ReplicaReadWaitLatency: 2.5, admin.ReplicaOpenSessions: 1, admin.ReplicaErrorSessionsLimit: 1}},
		{name: "replica that forwards, nothing forwarded yet: zeros", in: controller.Forwarding{Forwards: true},
			want: map[string]float64{admin.ReplicaDMLThroughput: 0, admin.ReplicaCommitThroughput: 0, admin.ReplicaDMLLatency: 0,
				admin.ReplicaReadWaitLatency: 0, admin.ReplicaOpenSessions: 0, admin.ReplicaErrorSessionsLimit: 0}},
		{name: "global writer", in: controller.Forwarding{WriterTarget: true,
			Writer: controller.WriterStats{DMLStatements: 7, OpenSessions: 1, TotalSessions: 3}},
			want: map[string]float64{admin.WriterDMLThroughput: 7, admin.WriterOpenSessions: 1, admin.WriterTotalSessions: 3}},
		{name: "local writer, no longer a target: its counts stay", in: controller.Forwarding{
			LocalWriter: controller.WriterStats{DMLStatements: 2, TotalSessions: 1}},
			want: map[string]float64{admin.LocalWriterDMLThroughput: 2, admin.LocalWriterOpenSessions: 0, admin.LocalWriterTotalSessions: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Region, tt.in.Instance = "eu-west-1", "db-1"
			got := forwardingMetrics(tt.in)
			if got.Region != "eu-west-1" || got.Instance != "db-1" {
				t.Errorf("instance %s/%s, want eu-west-1/db-1", got.Region, got.Instance)
			}
			if !reflect.DeepEqual(got.Metrics, tt.want) {
				t.Errorf("metrics\n got %v\nwant %v", got.Metrics, tt.want)
			}
		})
	}
}

// TestHandler_forwardingRoute: the forwarding figures are read-only
// (GET); with no source (a test server) the list is empty, not null.
func TestHandler_forwardingRoute(t *testing.T) {
	tests := []struct {
		method string
		status int
		body   string
	}{
		{http.MethodGet, http.StatusOK, `"instances": []`},
		{http.MethodPost, http.StatusMethodNotAllowed, admin.CodeMethodNotAllowed},
		{http.MethodDelete, http.StatusMethodNotAllowed, admin.CodeMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			w := httptest.NewRecorder()
			HandlerWith(nil, nil).ServeHTTP(w, httptest.NewRequest(tt.method, admin.ForwardingPath, nil))
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.body) {
				t.Errorf("%s %s: %d %s, want %d with %s", tt.method, admin.ForwardingPath, w.Code, w.Body, tt.status, tt.body)
			}
		})
	}
}
