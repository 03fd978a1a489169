package emulatortest_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"golang.org/x/sys/unix"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// TestRoute53_HealthCheckTargets: through aws-sdk-go-v2 against a running
// emulator, CreateHealthCheck refuses with InvalidInput what AWS refuses
// (an IPAddress in a local, private, non-routable or multicast range, a
// FullyQualifiedDomainName that is not a domain name), and accepts the
// emulator's loopback addresses, which stand for public endpoints.
func TestRoute53_HealthCheckTargets(t *testing.T) {
	e := emulatortest.StartScaled(t, 0.05)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r53 := route53Client(e)
	tcp := func(ip string) *r53types.HealthCheckConfig {
		return &r53types.HealthCheckConfig{Type: r53types.HealthCheckTypeTcp, IPAddress: aws.String(ip), Port: aws.Int32(5432)}
	}
	tests := []struct {
		name   string
		cfg    *r53types.HealthCheckConfig
		refuse bool
	}{
		{"10.0.0.1", tcp("10.0.0.1"), true},
		{"192.168.1.1", tcp("192.168.1.1"), true},
		{"172.20.0.1", tcp("172.20.0.1"), true},
		{"169.254.169.254", tcp("169.254.169.254"), true},
		{"100.64.0.1", tcp("100.64.0.1"), true},
		{"192.0.2.44", tcp("192.0.2.44"), true},
		{"198.51.100.1", tcp("198.51.100.1"), true},
		{"203.0.113.1", tcp("203.0.113.1"), true},
		{"198.18.0.1", tcp("198.18.0.1"), true},
		{"0.0.0.0", tcp("0.0.0.0"), true},
		{"multicast", tcp("239.1.2.3"), true},
		{"IPv6 unique local", tcp("fd00::5"), true},
		{"IPv6 link-local", tcp("fe80::1"), true},
		{"IPv4-mapped private", tcp("::ffff:192.168.0.1"), true},
		{"file URL", &r53types.HealthCheckConfig{Type: r53types.HealthCheckTypeHttp, FullyQualifiedDomainName: aws.String("file:///etc/passwd")}, true},
		{"emulated loopback address", tcp("127.20.3.4"), false},
		{"127.0.0.1", tcp("127.0.0.1"), false},
		{"::1", tcp("::1"), false},
		{"public address", tcp("8.8.8.8"), false},
		{"domain name", &r53types.HealthCheckConfig{Type: r53types.HealthCheckTypeHttp, FullyQualifiedDomainName: aws.String("app.example.com")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r53.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: aws.String("ref-" + tt.name), HealthCheckConfig: tt.cfg})
			var invalid *r53types.InvalidInput
			if tt.refuse != errors.As(err, &invalid) {
				t.Fatalf("CreateHealthCheck error = %v, want refused=%v with InvalidInput", err, tt.refuse)
			}
			if !tt.refuse && err != nil {
				t.Fatalf("CreateHealthCheck: %v", err)
			}
		})
	}
}

// netnsEnv marks the copy of the test binary that runs inside the
// loopback-only network namespace.
const netnsEnv = "GLOBALDB_TEST_LOOPBACK_NETNS"

// TestEmulator_LoopbackOnly proves the rule "no component of the emulator
// ever opens a connection outside 127.0.0.0/8 and ::1" in a network
// namespace that has only loopback (unshare -n): health checks aimed at a
// public address and at a public name that is not part of the emulated
// world turn unhealthy with the "outside the emulated world" reason, no
// packet is even routed (the kernel's OutNoRoutes counters stay put), and
// emulated endpoints still work. The test re-runs its own binary in the
// namespace; it skips where unshare is not permitted (not root).
func TestEmulator_LoopbackOnly(t *testing.T) {
	if os.Getenv(netnsEnv) == "" {
		runInLoopbackNamespace(t, "TestEmulator_LoopbackOnly")
		return
	}
	if err := loopbackUp(); err != nil {
		t.Fatalf("bring lo up in the namespace: %v", err)
	}
	if ifs, err := net.Interfaces(); err != nil || len(ifs) != 1 || ifs[0].Name != "lo" {
		t.Fatalf("interfaces in the namespace = %v, %v; want lo alone", ifs, err)
	}
	e := emulatortest.StartScaled(t, 0.05)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r53 := route53Client(e)
	up := listenLoopback(t)
	upHost, upPort, _ := net.SplitHostPort(up.Addr().String())
	port, _ := strconv.Atoi(upPort)
	zone, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("world.example"), CallerReference: aws.String("world")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id,
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: aws.String("app.world.example"), Type: r53types.RRTypeA, TTL: aws.Int64(5),
			ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(upHost)}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	before := outNoRoutes(t)
	checks := []struct {
		name    string
		cfg     r53types.HealthCheckConfig
		healthy bool
		status  string
	}{
		{"public address", r53types.HealthCheckConfig{IPAddress: aws.String("8.8.8.8"), Port: aws.Int32(53)},
			false, "Failure: address 8.8.8.8 is outside the emulated world"},
		{"public IPv6 address", r53types.HealthCheckConfig{IPAddress: aws.String("2001:4860:4860::8888"), Port: aws.Int32(53)},
			false, "Failure: address 2001:4860:4860::8888 is outside the emulated world"},
		{"public name", r53types.HealthCheckConfig{FullyQualifiedDomainName: aws.String("www.example.com"), Port: aws.Int32(443)},
			false, "Failure: name www.example.com is outside the emulated world"},
		{"emulated loopback listener", r53types.HealthCheckConfig{IPAddress: aws.String(upHost), Port: aws.Int32(int32(port))},
			true, "Success: TCP connection established"},
		{"emulated name", r53types.HealthCheckConfig{FullyQualifiedDomainName: aws.String("app.world.example"), Port: aws.Int32(int32(port))},
			true, "Success: TCP connection established"},
	}
	ids := make([]*string, len(checks))
	for i, c := range checks {
		cfg := c.cfg
		cfg.Type, cfg.RequestInterval, cfg.FailureThreshold = r53types.HealthCheckTypeTcp, aws.Int32(10), aws.Int32(1)
		out, err := r53.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: aws.String(c.name), HealthCheckConfig: &cfg})
		if err != nil {
			t.Fatalf("CreateHealthCheck %s: %v", c.name, err)
		}
		ids[i] = out.HealthCheck.Id
	}
	for i, c := range checks {
		waitFor(ctx, t, fmt.Sprintf("%s: every checker reports %q", c.name, c.status), func() bool {
			st, err := r53.GetHealthCheckStatus(ctx, &route53.GetHealthCheckStatusInput{HealthCheckId: ids[i]})
			if err != nil || len(st.HealthCheckObservations) == 0 {
				return false
			}
			for _, o := range st.HealthCheckObservations {
				if !strings.HasPrefix(aws.ToString(o.StatusReport.Status), c.status) {
					return false
				}
			}
			return true
		})
	}
	if after := outNoRoutes(t); after != before {
		t.Errorf("kernel OutNoRoutes went from %v to %v: something tried to send outside loopback", before, after)
	}
}

// runInLoopbackNamespace re-runs test in a new network namespace whose
// only interface is lo, and reports the inner run's outcome.
func runInLoopbackNamespace(t *testing.T, test string) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a process in a network namespace and an emulator (-short)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare (util-linux) not found: cannot make a loopback-only network namespace")
	}
	if out, err := exec.Command("unshare", "-n", "true").CombinedOutput(); err != nil {
		t.Skipf("unshare -n is not permitted here (needs root or user namespaces), so the loopback-only test cannot run: %v: %s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "-n", "--",
		os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.v", "-test.timeout=3m")
	cmd.Env = append(os.Environ(), netnsEnv+"=1")
	out, err := cmd.CombinedOutput()
	switch {
	case err != nil:
		t.Fatalf("%s in a loopback-only network namespace: %v\n%s", test, err, out)
	case strings.Contains(string(out), "--- SKIP: "+test):
		t.Skipf("%s skipped in the namespace:\n%s", test, out)
	case !strings.Contains(string(out), "--- PASS: "+test):
		t.Fatalf("%s did not pass in the namespace:\n%s", test, out)
	}
	if testing.Verbose() {
		t.Logf("in a loopback-only network namespace:\n%s", out)
	}
}

// loopbackUp sets lo up (a new network namespace starts with lo down), as
// `ip link set lo up` does, without needing iproute2.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("read lo flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("set lo up: %w", err)
	}
	return nil
}

// outNoRoutes reads the namespace's IPv4 and IPv6 OutNoRoutes counters:
// packets the kernel could not route, i.e. attempts to reach outside
// loopback.
func outNoRoutes(t *testing.T) [2]string {
	t.Helper()
	var out [2]string
	f, err := os.Open("/proc/net/snmp")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var header []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || fields[0] != "Ip:" {
			continue
		}
		if header == nil {
			header = fields
			continue
		}
		for i, h := range header {
			if h == "OutNoRoutes" && i < len(fields) {
				out[0] = fields[i]
			}
		}
	}
	if out[0] == "" {
		t.Fatal("no Ip OutNoRoutes in /proc/net/snmp")
	}
	if b, err := os.ReadFile("/proc/net/snmp6"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 2 && f[0] == "Ip6OutNoRoutes" {
				out[1] = f[1]
			}
		}
	}
	return out
}

// listenLoopback accepts and closes TCP connections on 127.0.0.1 until
// the test ends.
func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close() })
	return l
}
