package orchestrator

import (
	"slices"
	"testing"

	"github.com/globaldb/globaldb/internal/topology/topologytest"
)

// TestPolicyFor_Alarms: a topology with alarm checks gets exactly the
// CloudWatch actions apply, status and destroy call, the changes scoped to
// the stack's alarm names; a TCP topology gets none.
func TestPolicyFor_Alarms(t *testing.T) {
	const account = "123456789012"
	byAction := func(doc PolicyDocument) map[string][]string {
		out := map[string][]string{}
		for _, s := range doc.Statement {
			for _, a := range s.Action {
				out[a] = s.Resource
			}
		}
		return out
	}
	private := byAction(PolicyFor(topologytest.PrivateSeed(t), account))
	stackAlarms := []string{"arn:aws:cloudwatch:*:123456789012:alarm:seed-*"}
	tests := []struct {
		action string
		want   []string
	}{
		{"cloudwatch:DescribeAlarms", []string{"*"}},
		{"cloudwatch:PutMetricAlarm", stackAlarms},
		{"cloudwatch:DeleteAlarms", stackAlarms},
		{"cloudwatch:TagResource", stackAlarms},
		{"cloudwatch:ListTagsForResource", stackAlarms},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			if got := private[tt.action]; !slices.Equal(got, tt.want) {
				t.Errorf("%s on %v, want %v", tt.action, got, tt.want)
			}
		})
	}
	for a := range private {
		switch a {
		case "cloudwatch:PutMetricData", "cloudwatch:GetMetricData", "cloudwatch:SetAlarmState", "cloudwatch:*":
			t.Errorf("the operator's policy allows %s, which apply, status and destroy never call", a)
		}
	}
	for a := range byAction(PolicyFor(seedTopology(t), account)) {
		if len(a) > 11 && a[:11] == "cloudwatch:" {
			t.Errorf("the TCP seed's policy allows %s", a)
		}
	}
	canary := byAction(CanaryPolicy())
	if got := canary["cloudwatch:PutMetricData"]; !slices.Equal(got, []string{"*"}) || len(canary) != 2 {
		t.Errorf("canary policy %v: want PutMetricData on * and DescribeDBClusters only", canary)
	}
}
