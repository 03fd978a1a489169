package restxml

import (
	"reflect"
	"testing"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
)

func route53Codec(t testing.TB) *Codec {
	t.Helper()
	svc, err := awsmodel.Load(awsmodel.Route53)
	if err != nil {
		t.Fatal(err)
	}
	return NewCodec(svc)
}

func TestCodec_Route(t *testing.T) {
	c := route53Codec(t)
	tests := []struct {
		method, path string
		op           string
		params       map[string]string
	}{
		{"POST", "/2013-04-01/hostedzone", "CreateHostedZone", map[string]string{}},
		{"POST", "/2013-04-01/hostedzone/", "CreateHostedZone", map[string]string{}},
		{"GET", "/2013-04-01/hostedzone/Z1D633PJN98FT9", "GetHostedZone", map[string]string{"Id": "Z1D633PJN98FT9"}},
		{"GET", "/2013-04-01/hostedzone", "ListHostedZones", map[string]string{}},
		{"GET", "/2013-04-01/hostedzonesbyname", "ListHostedZonesByName", map[string]string{}},
		{"DELETE", "/2013-04-01/hostedzone/Z1", "DeleteHostedZone", map[string]string{"Id": "Z1"}},
		{"POST", "/2013-04-01/hostedzone/Z1/rrset/", "ChangeResourceRecordSets", map[string]string{"Id": "Z1"}},
		{"POST", "/2013-04-01/hostedzone/Z1/rrset", "ChangeResourceRecordSets", map[string]string{"Id": "Z1"}},
		{"GET", "/2013-04-01/hostedzone/Z1/rrset", "ListResourceRecordSets", map[string]string{"Id": "Z1"}},
		{"GET", "/2013-04-01/hostedzone/Z1/rrset/", "ListResourceRecordSets", map[string]string{"Id": "Z1"}},
		{"GET", "/2013-04-01/change/C2682N5HXP0BZ4", "GetChange", map[string]string{"Id": "C2682N5HXP0BZ4"}},
		{"POST", "/2013-04-01/healthcheck", "CreateHealthCheck", map[string]string{}},
		{"GET", "/2013-04-01/healthcheck/abcdef11-2222", "GetHealthCheck", map[string]string{"HealthCheckId": "abcdef11-2222"}},
		{"GET", "/2013-04-01/healthcheck", "ListHealthChecks", map[string]string{}},
		{"POST", "/2013-04-01/healthcheck/hc-1", "UpdateHealthCheck", map[string]string{"HealthCheckId": "hc-1"}},
		{"DELETE", "/2013-04-01/healthcheck/hc-1", "DeleteHealthCheck", map[string]string{"HealthCheckId": "hc-1"}},
		{"GET", "/2013-04-01/healthcheck/hc-1/status", "GetHealthCheckStatus", map[string]string{"HealthCheckId": "hc-1"}},
		{"POST", "/2013-04-01/tags/healthcheck/hc-1", "ChangeTagsForResource", map[string]string{"ResourceType": "healthcheck", "ResourceId": "hc-1"}},
		{"GET", "/2013-04-01/tags/hostedzone/Z1", "ListTagsForResource", map[string]string{"ResourceType": "hostedzone", "ResourceId": "Z1"}},
		{"GET", "/2013-04-01/testdnsanswer", "TestDNSAnswer", map[string]string{}},
		{"get", "/2013-04-01/healthcheckcount", "GetHealthCheckCount", map[string]string{}},
		{"GET", "/2013-04-01/hostedzone/Z%2F1%20x", "GetHostedZone", map[string]string{"Id": "Z/1 x"}},
		// Literal segments beat labels.
		{"GET", "/2013-04-01/trafficpolicyinstances/hostedzone", "ListTrafficPolicyInstancesByHostedZone", map[string]string{}},
		{"GET", "/2013-04-01/cidrcollection/c-1/cidrblocks", "ListCidrBlocks", map[string]string{"CidrCollectionId": "c-1"}},
		// No match.
		{"PUT", "/2013-04-01/hostedzone", "", nil},
		{"GET", "/2013-04-01/hostedzone/Z1/nope", "", nil},
		{"GET", "/2013-04-01/hostedzone//rrset", "", nil},
		{"GET", "/", "", nil},
		{"GET", "/2013-04-01/hostedzone/%zz", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			op, params, ok := c.Route(tt.method, tt.path)
			if ok != (tt.op != "") || op != tt.op {
				t.Fatalf("Route = %q, %v, want %q", op, ok, tt.op)
			}
			if ok && !reflect.DeepEqual(params, tt.params) {
				t.Errorf("params = %v, want %v", params, tt.params)
			}
		})
	}
}

// TestCodec_Route_everyOperation checks that every operation's own
// template, with its labels filled in, routes back to it.
func TestCodec_Route_everyOperation(t *testing.T) {
	c := route53Codec(t)
	for _, rt := range c.routes {
		path := ""
		want := map[string]string{}
		for _, s := range rt.segments {
			if s.label != "" {
				path += "/v-" + s.label
				want[s.label] = "v-" + s.label
				continue
			}
			path += "/" + s.literal
		}
		op, params, ok := c.Route(rt.method, path)
		if !ok || op != rt.op || !reflect.DeepEqual(params, want) {
			t.Errorf("%s %s routes to %q %v %v, want %s", rt.method, path, op, params, ok, rt.op)
		}
	}
}

func TestRoute_greedy(t *testing.T) {
	rt := &route{segments: []segment{{literal: "b"}, {label: "Key", greedy: true}, {literal: "acl"}}}
	tests := []struct {
		path string
		want map[string]string
	}{
		{"/b/a/c%2Fd/acl", map[string]string{"Key": "a/c/d"}},
		{"/b/k/acl", map[string]string{"Key": "k"}},
		{"/b/acl", nil},
	}
	for _, tt := range tests {
		got, ok := rt.match(splitPath(tt.path))
		if ok != (tt.want != nil) || (ok && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("match(%s) = %v, %v, want %v", tt.path, got, ok, tt.want)
		}
	}
}
