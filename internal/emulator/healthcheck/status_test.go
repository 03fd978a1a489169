package healthcheck

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

func TestOverall(t *testing.T) {
	tests := []struct {
		name           string
		healthy, total int
		want           bool
	}{
		{name: "8 regions, none healthy", healthy: 0, total: 8, want: false},
		{name: "8 regions, 1 healthy is 12.5 %", healthy: 1, total: 8, want: false},
		{name: "8 regions, 2 healthy is 25 %", healthy: 2, total: 8, want: true},
		{name: "8 regions, all healthy", healthy: 8, total: 8, want: true},
		{name: "3 regions, 1 healthy is 33 %", healthy: 1, total: 3, want: true},
		{name: "3 regions, none healthy", healthy: 0, total: 3, want: false},
		{name: "50 regions, 9 healthy is exactly 18 %", healthy: 9, total: 50, want: false},
		{name: "50 regions, 10 healthy is 20 %", healthy: 10, total: 50, want: true},
		{name: "no checkers: no data counts as healthy", healthy: 0, total: 0, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Overall(tt.healthy, tt.total); got != tt.want {
				t.Errorf("Overall(%d, %d) = %v, want %v", tt.healthy, tt.total, got, tt.want)
			}
		})
	}
}

func TestVerdict_Observe(t *testing.T) {
	tests := []struct {
		name      string
		threshold int
		probes    []bool // probe successes, in order
		want      []bool // verdict after each probe
	}{
		{name: "threshold 3: unhealthy on the third failure",
			threshold: 3, probes: []bool{false, false, false}, want: []bool{true, true, false}},
		{name: "threshold 3: a success resets the failure count",
			threshold: 3, probes: []bool{false, false, true, false, false, false}, want: []bool{true, true, true, true, true, false}},
		{name: "threshold 3: healthy again after three successes",
			threshold: 3, probes: []bool{false, false, false, true, true, false, true, true, true},
			want: []bool{true, true, false, false, false, false, false, false, true}},
		{name: "threshold 1 follows every probe",
			threshold: 1, probes: []bool{false, true, false}, want: []bool{false, true, false}},
		{name: "threshold 0 reads as 1",
			threshold: 0, probes: []bool{false}, want: []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerdict()
			for i, ok := range tt.probes {
				v = v.observe(ok, tt.threshold)
				if v.healthy != tt.want[i] {
					t.Fatalf("after probe %d (%v): healthy = %v, want %v", i+1, ok, v.healthy, tt.want[i])
				}
			}
		})
	}
}

func TestApplyFlags(t *testing.T) {
	tests := []struct {
		name               string
		measured           bool
		disabled, inverted bool
		want               bool
	}{
		{name: "healthy", measured: true, want: true},
		{name: "unhealthy", measured: false, want: false},
		{name: "inverted healthy", measured: true, inverted: true, want: false},
		{name: "inverted unhealthy", measured: false, inverted: true, want: true},
		{name: "disabled unhealthy", measured: false, disabled: true, want: true},
		{name: "disabled and inverted forces unhealthy", measured: true, disabled: true, inverted: true, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := types.HealthCheckConfig{Disabled: aws.Bool(tt.disabled), Inverted: aws.Bool(tt.inverted)}
			if got := applyFlags(tt.measured, cfg); got != tt.want {
				t.Errorf("applyFlags = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckerIP(t *testing.T) {
	seen := map[string]string{}
	for _, region := range append([]string{"us-east-1", "sa-east-1", "xx-test-1"}, "us-east-1") {
		ip := CheckerIP(region)
		if other, ok := seen[ip]; ok && other != region {
			t.Errorf("CheckerIP(%s) = %s, same as %s", region, ip, other)
		}
		seen[ip] = region
		if CheckerIP(region) != ip {
			t.Errorf("CheckerIP(%s) is not stable", region)
		}
	}
}
