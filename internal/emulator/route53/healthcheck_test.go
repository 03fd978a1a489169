package route53

import (
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

func TestService_CreateHealthCheck(t *testing.T) {
	f := newFixture(t)
	http := func() *types.HealthCheckConfig {
		return &types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, IPAddress: ptr("93.184.215.1"), ResourcePath: ptr("/health")}
	}
	first, err := f.s.CreateHealthCheck(ctx, "", &sdk.CreateHealthCheckInput{CallerReference: ptr("a"), HealthCheckConfig: http()})
	if err != nil {
		t.Fatalf("CreateHealthCheck: %v", err)
	}
	c := first.HealthCheck.HealthCheckConfig
	if *first.HealthCheck.HealthCheckVersion != 1 || *c.Port != 80 || *c.RequestInterval != 30 || *c.FailureThreshold != 3 || *c.Inverted {
		t.Errorf("defaults not filled: %+v", c)
	}
	tests := []struct {
		name   string
		ref    string
		config *types.HealthCheckConfig
		code   string
		sameID bool
	}{
		{"same reference, same config", "a", http(), "", true},
		{"same reference, other config", "a", &types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, IPAddress: ptr("93.184.215.2")}, "HealthCheckAlreadyExists", false},
		{"interval 20", "b", &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: ptr("93.184.215.1"), Port: ptr(int32(1)), RequestInterval: ptr(int32(20))}, "InvalidInput", false},
		{"threshold 11", "b", &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: ptr("93.184.215.1"), Port: ptr(int32(1)), FailureThreshold: ptr(int32(11))}, "InvalidInput", false},
		{"TCP without port", "b", &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: ptr("93.184.215.1")}, "InvalidInput", false},
		{"port 70000", "b", &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: ptr("93.184.215.1"), Port: ptr(int32(70000))}, "InvalidInput", false},
		{"bad type", "b", &types.HealthCheckConfig{Type: "PING", IPAddress: ptr("93.184.215.1")}, "InvalidInput", false},
		{"string match without string", "b", &types.HealthCheckConfig{Type: types.HealthCheckTypeHttpStrMatch, IPAddress: ptr("93.184.215.1")}, "InvalidInput", false},
		{"calculated with unknown child", "c", &types.HealthCheckConfig{Type: types.HealthCheckTypeCalculated, ChildHealthChecks: []string{"nope"}}, "NoSuchHealthCheck", false},
		{"calculated", "d", &types.HealthCheckConfig{Type: types.HealthCheckTypeCalculated, ChildHealthChecks: []string{*first.HealthCheck.Id}, HealthThreshold: ptr(int32(1))}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := f.s.CreateHealthCheck(ctx, "", &sdk.CreateHealthCheckInput{CallerReference: ptr(tt.ref), HealthCheckConfig: tt.config})
			if code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			if err == nil && (*out.HealthCheck.Id == *first.HealthCheck.Id) != tt.sameID {
				t.Errorf("id %s, first %s, want same=%v", *out.HealthCheck.Id, *first.HealthCheck.Id, tt.sameID)
			}
		})
	}
	if n := len(f.s.HealthChecks()); n != 2 {
		t.Errorf("HealthChecks() has %d checks, want 2", n)
	}
}

func TestService_UpdateHealthCheck(t *testing.T) {
	f := newFixture(t)
	id := f.check(t, "a", "93.184.215.1")
	tests := []struct {
		name    string
		in      sdk.UpdateHealthCheckInput
		code    string
		version int64
	}{
		{"wrong version", sdk.UpdateHealthCheckInput{HealthCheckVersion: ptr(int64(7)), Inverted: ptr(true)}, "HealthCheckVersionMismatch", 1},
		{"invert", sdk.UpdateHealthCheckInput{HealthCheckVersion: ptr(int64(1)), Inverted: ptr(true), FailureThreshold: ptr(int32(1))}, "", 2},
		{"without version", sdk.UpdateHealthCheckInput{Port: ptr(int32(6432)), Disabled: ptr(true)}, "", 3},
		{"invalid threshold", sdk.UpdateHealthCheckInput{FailureThreshold: ptr(int32(0))}, "InvalidInput", 3},
		{"stale version", sdk.UpdateHealthCheckInput{HealthCheckVersion: ptr(int64(2)), Port: ptr(int32(1))}, "HealthCheckVersionMismatch", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.HealthCheckId = ptr(id)
			_, err := f.s.UpdateHealthCheck(ctx, "", &in)
			if code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			got, _ := f.s.GetHealthCheck(ctx, "", &sdk.GetHealthCheckInput{HealthCheckId: ptr(id)})
			if *got.HealthCheck.HealthCheckVersion != tt.version {
				t.Errorf("version = %d, want %d", *got.HealthCheck.HealthCheckVersion, tt.version)
			}
		})
	}
	got, _ := f.s.GetHealthCheck(ctx, "", &sdk.GetHealthCheckInput{HealthCheckId: ptr(id)})
	if c := got.HealthCheck.HealthCheckConfig; !*c.Inverted || !*c.Disabled || *c.Port != 6432 || *c.FailureThreshold != 1 {
		t.Errorf("config after updates: %+v", c)
	}
}

func TestService_DeleteHealthCheck(t *testing.T) {
	f := newFixture(t)
	z := f.zone(t, "example.com")
	id := f.check(t, "a", "93.184.215.1")
	rec := failover("db.example.com", "p", "PRIMARY", id, "192.0.2.1")
	f.mustChange(t, z, create(rec))
	tests := []struct {
		name   string
		before func()
		id     string
		code   string
	}{
		{"in use by a record", nil, id, "HealthCheckInUse"},
		{"unknown", nil, "nope", "NoSuchHealthCheck"},
		{"after removing the record", func() { f.mustChange(t, z, del(rec)) }, id, ""},
		{"twice", nil, id, "NoSuchHealthCheck"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before()
			}
			_, err := f.s.DeleteHealthCheck(ctx, "", &sdk.DeleteHealthCheckInput{HealthCheckId: ptr(tt.id)})
			if code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
		})
	}
	_, err := f.s.CreateHealthCheck(ctx, "", &sdk.CreateHealthCheckInput{CallerReference: ptr("a"),
		HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: ptr("93.184.215.1"), Port: ptr(int32(5432))}})
	if code(err) != "HealthCheckAlreadyExists" {
		t.Errorf("reusing a deleted check's reference: %v", err)
	}
}

func TestService_GetHealthCheckStatus(t *testing.T) {
	f := newFixture(t)
	id := f.check(t, "a", "93.184.215.1")
	f.health.obs = []types.HealthCheckObservation{{Region: types.HealthCheckRegionUsEast1, StatusReport: &types.StatusReport{Status: ptr("Success: TCP connection established")}}}
	tests := []struct {
		name string
		id   string
		n    int
		code string
	}{
		{"known", id, 1, ""},
		{"unknown", "nope", 0, "NoSuchHealthCheck"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := f.s.GetHealthCheckStatus(ctx, "", &sdk.GetHealthCheckStatusInput{HealthCheckId: ptr(tt.id)})
			if code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			if err == nil && len(out.HealthCheckObservations) != tt.n {
				t.Errorf("%d observations, want %d", len(out.HealthCheckObservations), tt.n)
			}
		})
	}
}

func TestService_ChangeTagsForResource(t *testing.T) {
	f := newFixture(t)
	z := f.zone(t, "example.com")
	hc := f.check(t, "a", "93.184.215.1")
	tests := []struct {
		name   string
		typ    types.TagResourceType
		id     string
		add    []types.Tag
		remove []string
		code   string
		want   int
	}{
		{"zone add", types.TagResourceTypeHostedzone, "/hostedzone/" + z, []types.Tag{{Key: ptr("env"), Value: ptr("test")}, {Key: ptr("team"), Value: ptr("db")}}, nil, "", 2},
		{"zone replace and remove", types.TagResourceTypeHostedzone, z, []types.Tag{{Key: ptr("env"), Value: ptr("prod")}}, []string{"team"}, "", 1},
		{"health check", types.TagResourceTypeHealthcheck, hc, []types.Tag{{Key: ptr("k"), Value: ptr("v")}}, nil, "", 1},
		{"unknown zone", types.TagResourceTypeHostedzone, "ZNOPE", nil, nil, "NoSuchHostedZone", 0},
		{"bad type", "bucket", z, nil, nil, "InvalidInput", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.s.ChangeTagsForResource(ctx, "", &sdk.ChangeTagsForResourceInput{ResourceType: tt.typ, ResourceId: ptr(tt.id), AddTags: tt.add, RemoveTagKeys: tt.remove})
			if code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			if err != nil {
				return
			}
			out, err := f.s.ListTagsForResource(ctx, "", &sdk.ListTagsForResourceInput{ResourceType: tt.typ, ResourceId: ptr(tt.id)})
			if err != nil || len(out.ResourceTagSet.Tags) != tt.want {
				t.Errorf("tags = %+v, %v; want %d", out, err, tt.want)
			}
		})
	}
}
