package route53

import (
	"net/netip"
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// refusedIPAddresses are health-check targets AWS refuses with InvalidInput
// (local, private, non-routable or multicast), one or more per range.
var refusedIPAddresses = []string{
	"0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.254", "100.64.0.1", "100.127.255.254",
	"127.0.0.1", "127.20.3.4", "169.254.169.254", "172.16.0.1", "172.31.255.254",
	"192.0.0.8", "192.0.2.44", "192.88.99.1", "192.168.1.1", "198.18.0.1", "198.19.255.254",
	"198.51.100.7", "203.0.113.9", "224.0.0.251", "239.255.255.250", "240.0.0.1", "255.255.255.255",
	"::", "::1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:127.0.0.1", "::192.0.2.1",
	"64:ff9b::808:808", "100::1", "2001:10::1", "2001:db8::1", "fc00::1", "fd12:3456::1",
	"fe80::1", "fec0::1", "ff02::1",
}

// acceptedIPAddresses are public addresses just outside those ranges.
var acceptedIPAddresses = []string{
	"1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.1", "100.63.255.255", "100.128.0.1", "126.255.255.255",
	"128.0.0.1", "169.253.255.255", "172.15.255.255", "172.32.0.1", "192.0.1.255", "192.0.3.1", "192.167.255.255",
	"198.17.255.255", "198.20.0.1", "203.0.114.1", "223.255.255.254", "::ffff:8.8.8.8",
	"2001:4860:4860::8888", "2606:4700::1111", "2002:c000:204::1", "2001:0:4136:e378::1",
}

func TestCheckIPAddress(t *testing.T) {
	for _, ip := range refusedIPAddresses {
		if err := checkIPAddress(ip, nil); code(err) != "InvalidInput" {
			t.Errorf("checkIPAddress(%s) = %v, want InvalidInput", ip, err)
		}
	}
	for _, ip := range acceptedIPAddresses {
		if err := checkIPAddress(ip, nil); err != nil {
			t.Errorf("checkIPAddress(%s) = %v, want accepted", ip, err)
		}
	}
	for _, ip := range []string{"", "256.1.1.1", "1.2.3", "fe80::1%eth0", "example.com", " 8.8.8.8"} {
		if err := checkIPAddress(ip, nil); code(err) != "InvalidInput" || !strings.Contains(err.Error(), "not a valid") {
			t.Errorf("checkIPAddress(%q) = %v, want InvalidInput not valid", ip, err)
		}
	}
}

func TestCheckDomainName(t *testing.T) {
	for _, name := range []string{"example.com", "example.com.", "db-1.us-east-1.rds.example", "_svc.example", "localhost",
		strings.Repeat("a", 63) + ".example"} {
		if err := checkDomainName(name); err != nil {
			t.Errorf("checkDomainName(%q) = %v, want accepted", name, err)
		}
	}
	for _, name := range []string{"", ".", "file:///etc/passwd", "http://example.com", "example.com/health",
		"a..b", ".example.com", "exa mple.com", "user@example.com", "example.com:80", "*.example.com",
		strings.Repeat("a", 64) + ".example", strings.Repeat("a.", 128) + "a"} {
		if err := checkDomainName(name); code(err) != "InvalidInput" {
			t.Errorf("checkDomainName(%q) = %v, want InvalidInput", name, err)
		}
	}
}

// TestService_CreateHealthCheck_Endpoint: the model refuses what AWS
// refuses, except the addresses that Config.EmulatedPublic says stand for
// public endpoints of the emulated world; UpdateHealthCheck follows the
// same rules.
func TestService_CreateHealthCheck_Endpoint(t *testing.T) {
	loopback := func(a netip.Addr) bool { return a.Unmap().IsLoopback() }
	tests := []struct {
		name     string
		emulated func(netip.Addr) bool
		config   types.HealthCheckConfig
		code     string
	}{
		{"private IPv4", nil, types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: ptr("10.0.0.1"), Port: ptr(int32(5432))}, "InvalidInput"},
		{"private IPv4, emulator", loopback, types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: ptr("192.168.1.1"), Port: ptr(int32(5432))}, "InvalidInput"},
		{"instance metadata, emulator", loopback, types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, IPAddress: ptr("169.254.169.254")}, "InvalidInput"},
		{"loopback as AWS", nil, types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: ptr("127.20.3.4"), Port: ptr(int32(5432))}, "InvalidInput"},
		{"loopback in the emulator", loopback, types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: ptr("127.20.3.4"), Port: ptr(int32(5432))}, ""},
		{"::1 in the emulator", loopback, types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: ptr("::1"), Port: ptr(int32(5432))}, ""},
		{"public", nil, types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: ptr("8.8.8.8"), Port: ptr(int32(53))}, ""},
		{"URL as domain name", loopback, types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, FullyQualifiedDomainName: ptr("file:///etc/passwd")}, "InvalidInput"},
		{"domain name", loopback, types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, FullyQualifiedDomainName: ptr("app.example.com")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.s.cfg.EmulatedPublic = tt.emulated
			cfg := tt.config
			_, err := f.s.CreateHealthCheck(ctx, "", &sdk.CreateHealthCheckInput{CallerReference: ptr("r"), HealthCheckConfig: &cfg})
			if code(err) != tt.code {
				t.Fatalf("CreateHealthCheck: err = %v, want %q", err, tt.code)
			}
			if n := len(f.s.HealthChecks()); (n == 1) != (tt.code == "") {
				t.Fatalf("%d health checks stored after %v", n, err)
			}
			// The same target set by UpdateHealthCheck on a valid check.
			id := f.check(t, "valid", "93.184.215.1")
			up := &sdk.UpdateHealthCheckInput{HealthCheckId: &id, IPAddress: tt.config.IPAddress, FullyQualifiedDomainName: tt.config.FullyQualifiedDomainName}
			if _, err := f.s.UpdateHealthCheck(ctx, "", up); code(err) != tt.code {
				t.Fatalf("UpdateHealthCheck: err = %v, want %q", err, tt.code)
			}
		})
	}
}
