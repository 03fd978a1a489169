package route53

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// Health-check defaults (reference/aws-semantics.md §3.1).
const (
	defaultRequestInterval  = 30
	defaultFailureThreshold = 3
)

// normaliseConfig validates a health-check configuration and returns a
// copy with AWS's defaults filled in (RequestInterval 30, FailureThreshold
// 3, Port 80/443, Inverted/Disabled/MeasureLatency false, EnableSNI true
// for HTTPS). Errors are InvalidInput. emulated is Config.EmulatedPublic.
func normaliseConfig(in types.HealthCheckConfig, emulated func(netip.Addr) bool) (types.HealthCheckConfig, error) {
	c := cloneConfig(in)
	bad := func(format string, args ...any) (types.HealthCheckConfig, error) {
		return types.HealthCheckConfig{}, errorf(errInvalidInput, "Invalid parameter: "+format, args...)
	}
	if !slices.Contains(c.Type.Values(), c.Type) {
		return bad("Type %q must be one of %v", c.Type, c.Type.Values())
	}
	fillFalse(&c.Inverted, &c.Disabled)
	if c.Type != types.HealthCheckTypeCloudwatchMetric && c.AlarmIdentifier != nil {
		// AWS's words (aws-cli issue 3188, terraform-provider-aws 22993).
		return types.HealthCheckConfig{}, errorf(errInvalidInput, "Invalid parameter : Basic health checks must not have an metric region specified.")
	}
	switch c.Type {
	case types.HealthCheckTypeCalculated:
		if len(c.ChildHealthChecks) > 256 {
			return bad("a calculated health check can have at most 256 child health checks")
		}
		if c.HealthThreshold == nil {
			c.HealthThreshold = ptr(int32(len(c.ChildHealthChecks)))
		}
		if *c.HealthThreshold < 0 || *c.HealthThreshold > 256 {
			return bad("HealthThreshold must be between 0 and 256")
		}
		return c, nil
	case types.HealthCheckTypeCloudwatchMetric:
		return normaliseMetric(c)
	case types.HealthCheckTypeRecoveryControl:
		if deref(c.RoutingControlArn) == "" {
			return bad("RoutingControlArn is required for RECOVERY_CONTROL health checks")
		}
		return c, nil
	}
	return normaliseEndpoint(c, emulated)
}

// normaliseEndpoint handles the endpoint types: HTTP(S)[_STR_MATCH], TCP.
func normaliseEndpoint(c types.HealthCheckConfig, emulated func(netip.Addr) bool) (types.HealthCheckConfig, error) {
	bad := func(format string, args ...any) (types.HealthCheckConfig, error) {
		return types.HealthCheckConfig{}, errorf(errInvalidInput, "Invalid parameter: "+format, args...)
	}
	t := string(c.Type)
	https, strMatch, http := strings.HasPrefix(t, "HTTPS"), strings.HasSuffix(t, "_STR_MATCH"), strings.HasPrefix(t, "HTTP")
	if c.RequestInterval == nil {
		c.RequestInterval = ptr(int32(defaultRequestInterval))
	}
	if c.FailureThreshold == nil {
		c.FailureThreshold = ptr(int32(defaultFailureThreshold))
	}
	switch {
	case *c.RequestInterval != 10 && *c.RequestInterval != 30:
		return bad("RequestInterval must be 10 or 30, got %d", *c.RequestInterval)
	case *c.FailureThreshold < 1 || *c.FailureThreshold > 10:
		return bad("FailureThreshold must be between 1 and 10, got %d", *c.FailureThreshold)
	case deref(c.IPAddress) == "" && deref(c.FullyQualifiedDomainName) == "":
		return bad("you must specify either IPAddress or FullyQualifiedDomainName")
	case c.Port == nil && !http:
		return bad("Port is required for %s health checks", t)
	case strMatch && deref(c.SearchString) == "":
		return bad("SearchString is required for %s health checks", t)
	case !strMatch && c.SearchString != nil:
		return bad("SearchString is only valid for HTTP_STR_MATCH and HTTPS_STR_MATCH health checks")
	case len(deref(c.SearchString)) > 255 || len(deref(c.ResourcePath)) > 255:
		return bad("SearchString and ResourcePath must be at most 255 characters")
	case !http && c.ResourcePath != nil:
		return bad("ResourcePath is only valid for HTTP and HTTPS health checks")
	case c.Regions != nil && len(c.Regions) < 3:
		return bad("Regions must list at least 3 health checker regions")
	}
	if c.IPAddress != nil {
		if err := checkIPAddress(*c.IPAddress, emulated); err != nil {
			return types.HealthCheckConfig{}, err
		}
	}
	if c.FullyQualifiedDomainName != nil {
		if err := checkDomainName(*c.FullyQualifiedDomainName); err != nil {
			return types.HealthCheckConfig{}, err
		}
	}
	for _, r := range c.Regions {
		if !slices.Contains(r.Values(), r) {
			return bad("Region %q is not a health checker region", r)
		}
	}
	if c.Port == nil {
		c.Port = ptr(int32(80))
		if https {
			c.Port = ptr(int32(443))
		}
	}
	if *c.Port < 1 || *c.Port > 65535 {
		return bad("Port must be between 1 and 65535, got %d", *c.Port)
	}
	fillFalse(&c.MeasureLatency)
	if http && c.EnableSNI == nil {
		c.EnableSNI = ptr(https)
	}
	return c, nil
}

func fillFalse(ps ...**bool) {
	for _, p := range ps {
		if *p == nil {
			*p = ptr(false)
		}
	}
}

// cloneConfig deep-copies a configuration, so callers never share
// pointers with the state.
func cloneConfig(c types.HealthCheckConfig) types.HealthCheckConfig {
	out := c
	out.AlarmIdentifier = cloneAlarm(c.AlarmIdentifier)
	out.ChildHealthChecks = slices.Clone(c.ChildHealthChecks)
	out.Regions = slices.Clone(c.Regions)
	for _, p := range []**int32{&out.FailureThreshold, &out.HealthThreshold, &out.Port, &out.RequestInterval} {
		if *p != nil {
			*p = ptr(**p)
		}
	}
	for _, p := range []**bool{&out.Disabled, &out.EnableSNI, &out.Inverted, &out.MeasureLatency} {
		if *p != nil {
			*p = ptr(**p)
		}
	}
	for _, p := range []**string{&out.FullyQualifiedDomainName, &out.IPAddress, &out.ResourcePath, &out.RoutingControlArn, &out.SearchString} {
		if *p != nil {
			*p = ptr(**p)
		}
	}
	return out
}

func cloneAlarm(a *types.AlarmIdentifier) *types.AlarmIdentifier {
	if a == nil {
		return nil
	}
	out := *a
	if a.Name != nil {
		out.Name = ptr(*a.Name)
	}
	return &out
}
