package route53api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/restxml/restxmltest"
)

// TestHandler_CreateHealthCheck_Endpoint: an IPAddress in a local, private,
// non-routable or multicast range, or a FullyQualifiedDomainName that is
// not a domain name, gets InvalidInput (400) as from AWS, and nothing is
// created. This model has no EmulatedPublic: loopback is refused too.
func TestHandler_CreateHealthCheck_Endpoint(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	tcp := func(ip string) types.HealthCheckConfig {
		return types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: aws.String(ip), Port: aws.Int32(5432)}
	}
	tests := []struct {
		name    string
		cfg     types.HealthCheckConfig
		message string
	}{
		{"RFC 1918 10/8", tcp("10.0.0.1"), "IPAddress 10.0.0.1 is in 10.0.0.0/8"},
		{"RFC 1918 172.16/12", tcp("172.16.5.4"), "172.16.0.0/12"},
		{"RFC 1918 192.168/16", tcp("192.168.1.1"), "192.168.0.0/16"},
		{"link-local, instance metadata", tcp("169.254.169.254"), "169.254.0.0/16"},
		{"shared address space", tcp("100.64.0.1"), "100.64.0.0/10"},
		{"loopback", tcp("127.0.0.1"), "127.0.0.0/8"},
		{"this network", tcp("0.0.0.0"), "0.0.0.0/8"},
		{"TEST-NET-1", tcp("192.0.2.44"), "192.0.2.0/24"},
		{"benchmarking", tcp("198.18.0.1"), "198.18.0.0/15"},
		{"multicast", tcp("224.0.0.251"), "224.0.0.0/4"},
		{"broadcast", tcp("255.255.255.255"), "240.0.0.0/4"},
		{"IPv6 loopback", tcp("::1"), "::1/128"},
		{"IPv6 unique local", tcp("fd00::1"), "fc00::/7"},
		{"IPv6 link-local", tcp("fe80::1"), "fe80::/10"},
		{"IPv4-mapped private", tcp("::ffff:10.1.2.3"), "10.0.0.0/8"},
		{"file URL as domain name", types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, FullyQualifiedDomainName: aws.String("file:///etc/passwd")},
			"FullyQualifiedDomainName"},
		{"http URL as domain name", types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, FullyQualifiedDomainName: aws.String("http://example.com/")},
			"FullyQualifiedDomainName"},
	}
	var bodies []exchange
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.begin(fmt.Sprintf("00000000-0000-4000-9000-%012d", i+1))
			cfg := tt.cfg
			_, err := h.client().CreateHealthCheck(ctx, &sdk.CreateHealthCheckInput{CallerReference: aws.String(fmt.Sprintf("bad-%d", i)), HealthCheckConfig: &cfg})
			var invalid *types.InvalidInput
			if !errors.As(err, &invalid) {
				t.Fatalf("CreateHealthCheck error = %v, want InvalidInput", err)
			}
			got := h.responses()
			if len(got) != 1 {
				t.Fatalf("server answered %d requests, want 1", len(got))
			}
			checkResponse(t, step{op: "CreateHealthCheck", code: "InvalidInput", message: tt.message}, got[0], nil)
			bodies = append(bodies, got[0])
		})
	}
	out, err := h.client().ListHealthChecks(ctx, &sdk.ListHealthChecksInput{})
	if err != nil || len(out.HealthChecks) != 0 {
		t.Fatalf("ListHealthChecks = %v, %v; want no health checks", out, err)
	}
	t.Run("botocore", func(t *testing.T) {
		if testing.Short() {
			t.Skip("skip botocore validation in -short mode")
		}
		for i, ex := range bodies {
			if i != 0 && i != len(bodies)-1 { // one IPAddress and one domain-name refusal
				continue
			}
			if ex.status != http.StatusBadRequest {
				t.Errorf("status %d", ex.status)
			}
			restxmltest.ValidateWithBotocore(t, "CreateHealthCheck", ex.status, ex.body)
		}
	})
}
