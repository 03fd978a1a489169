package healthcheck

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/globaldb/globaldb/internal/regions"
)

const refused = "Failure: Connection refused"

// TestRunner_TCP walks one TCP check (FailureThreshold 3) through an
// outage: it turns unhealthy on the third failed round, not before, and
// healthy again on the third successful one.
func TestRunner_TCP(t *testing.T) {
	l := listen(t, "127.0.0.1:0")
	addr := l.Addr().(*net.TCPAddr)
	h := newHarness(t, Config{}, Check{ID: "hc-tcp", Config: tcpCheck(addr, 3)}).start()

	steps := []struct {
		name        string
		listening   bool
		wantHealthy bool
		wantStatus  string // prefix of every observation
		wantFlip    bool
	}{
		{name: "first probe", listening: true, wantHealthy: true, wantStatus: "Success: TCP connection established"},
		{name: "1st failure", listening: false, wantHealthy: true, wantStatus: refused},
		{name: "2nd failure", listening: false, wantHealthy: true, wantStatus: refused},
		{name: "3rd failure", listening: false, wantHealthy: false, wantStatus: refused, wantFlip: true},
		{name: "1st success", listening: true, wantHealthy: false, wantStatus: "Success: TCP connection established"},
		{name: "2nd success", listening: true, wantHealthy: false, wantStatus: "Success: TCP connection established"},
		{name: "3rd success", listening: true, wantHealthy: true, wantStatus: "Success: TCP connection established", wantFlip: true},
	}
	checkers := regions.HealthCheckerRegions()
	for i, s := range steps {
		if i > 0 {
			if s.listening && l == nil {
				l = listen(t, addr.String())
			}
			if !s.listening && l != nil {
				l.Close()
				l = nil
			}
			h.tick(10 * time.Second)
		}
		if got := h.r.Healthy("hc-tcp"); got != s.wantHealthy {
			t.Fatalf("%s: Healthy = %v, want %v", s.name, got, s.wantHealthy)
		}
		obs := h.r.Observations("hc-tcp")
		if len(obs) != len(checkers) {
			t.Fatalf("%s: %d observations, want %d", s.name, len(obs), len(checkers))
		}
		for j, o := range obs {
			if string(o.Region) != checkers[j] || aws.ToString(o.IPAddress) != CheckerIP(checkers[j]) {
				t.Errorf("%s: observation %d from %s (%s), want %s (%s)", s.name, j,
					o.Region, aws.ToString(o.IPAddress), checkers[j], CheckerIP(checkers[j]))
			}
			if st := aws.ToString(o.StatusReport.Status); !strings.HasPrefix(st, s.wantStatus) {
				t.Errorf("%s: %s status %q, want prefix %q", s.name, o.Region, st, s.wantStatus)
			}
			if got := aws.ToTime(o.StatusReport.CheckedTime); !got.Equal(h.clk.Now()) {
				t.Errorf("%s: CheckedTime %v, want %v", s.name, got, h.clk.Now())
			}
		}
		var flipped bool
		select {
		case id := <-h.r.Flips():
			flipped = id == "hc-tcp"
		default:
		}
		if flipped != s.wantFlip {
			t.Errorf("%s: flip signalled = %v, want %v", s.name, flipped, s.wantFlip)
		}
	}
}

// privateReach marks some addresses private, as the emulator does for DB
// instances that are not PubliclyAccessible.
type privateReach struct{ private []string }

func (p privateReach) Reachable(ip net.IP) (bool, string) {
	if slices.Contains(p.private, ip.String()) {
		return false, "Resolved IP address " + ip.String() + " is private; Route 53 health checkers cannot reach it"
	}
	return true, ""
}

func TestRunner_Reachability(t *testing.T) {
	tests := []struct {
		name        string
		host        string
		wantHealthy bool
		wantStatus  string
	}{
		{name: "private address fails although the port is open", host: "127.0.0.2",
			wantHealthy: false, wantStatus: "Failure: Resolved IP address 127.0.0.2 is private; Route 53 health checkers cannot reach it"},
		{name: "public address is probed", host: "127.0.0.1",
			wantHealthy: true, wantStatus: "Success: TCP connection established"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := listen(t, tt.host+":0")
			cfg := Config{Reach: privateReach{private: []string{"127.0.0.2"}}, Regions: []string{"us-east-1", "eu-west-1", "ap-northeast-1"}}
			h := newHarness(t, cfg, Check{ID: "hc", Config: tcpCheck(l.Addr().(*net.TCPAddr), 1)}).start()
			if got := h.r.Healthy("hc"); got != tt.wantHealthy {
				t.Errorf("Healthy = %v, want %v", got, tt.wantHealthy)
			}
			want := []string{tt.wantStatus, tt.wantStatus, tt.wantStatus}
			if got := statuses(h.r.Observations("hc")); !slices.Equal(got, want) {
				t.Errorf("statuses = %q, want %q", got, want)
			}
		})
	}
}

func TestRunner_Calculated(t *testing.T) {
	up := listen(t, "127.0.0.1:0").Addr().(*net.TCPAddr)
	down := closedPort(t)
	child := func(id string, a *net.TCPAddr, mod func(*types.HealthCheckConfig)) Check {
		cfg := tcpCheck(a, 1)
		if mod != nil {
			mod(&cfg)
		}
		return Check{ID: id, Config: cfg}
	}
	parent := func(threshold int32, mod func(*types.HealthCheckConfig)) Check {
		cfg := types.HealthCheckConfig{
			Type:              types.HealthCheckTypeCalculated,
			ChildHealthChecks: []string{"up", "down"},
			HealthThreshold:   aws.Int32(threshold),
		}
		if mod != nil {
			mod(&cfg)
		}
		return Check{ID: "parent", Config: cfg}
	}
	inverted := func(c *types.HealthCheckConfig) { c.Inverted = aws.Bool(true) }
	disabled := func(c *types.HealthCheckConfig) { c.Disabled = aws.Bool(true) }
	tests := []struct {
		name     string
		downMod  func(*types.HealthCheckConfig)
		parent   Check
		wantDown bool
		want     bool
	}{
		{name: "1 of 2 healthy, threshold 1", parent: parent(1, nil), want: true},
		{name: "1 of 2 healthy, threshold 2", parent: parent(2, nil), want: false},
		{name: "threshold 0 is always healthy", parent: parent(0, nil), want: true},
		{name: "threshold above the children is never healthy", parent: parent(3, nil), want: false},
		{name: "inverted parent", parent: parent(2, inverted), want: true},
		{name: "disabled parent is healthy", parent: parent(2, disabled), want: true},
		{name: "disabled and inverted parent", parent: parent(1, func(c *types.HealthCheckConfig) { disabled(c); inverted(c) }), want: false},
		{name: "inverted child counts as healthy", downMod: inverted, parent: parent(2, nil), wantDown: true, want: true},
		{name: "disabled child counts as healthy", downMod: disabled, parent: parent(2, nil), wantDown: true, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Config{Regions: []string{"us-east-1", "us-west-2", "eu-west-1"}},
				child("up", up, nil), child("down", down, tt.downMod), tt.parent).start()
			if got := h.r.Healthy("down"); got != tt.wantDown {
				t.Errorf("Healthy(down) = %v, want %v", got, tt.wantDown)
			}
			if got := h.r.Healthy("parent"); got != tt.want {
				t.Errorf("Healthy(parent) = %v, want %v", got, tt.want)
			}
			if obs := h.r.Observations("parent"); obs != nil {
				t.Errorf("CALCULATED check has observations %v", obs)
			}
		})
	}
}

// gate is a Reachability that blocks every probe until opened, then
// marks everything unreachable.
type gate struct{ open chan struct{} }

func (g *gate) Reachable(net.IP) (bool, string) {
	<-g.open
	return false, "gate"
}

func TestRunner_Lifecycle(t *testing.T) {
	up := listen(t, "127.0.0.1:0").Addr().(*net.TCPAddr)
	down := closedPort(t)
	regs := []string{"us-east-1", "us-west-1", "sa-east-1"}

	t.Run("new checks are healthy before any probe", func(t *testing.T) {
		g := &gate{open: make(chan struct{})}
		h := newHarness(t, Config{Reach: g, Regions: regs}, Check{ID: "new", Config: tcpCheck(up, 1)})
		if !h.r.Healthy("new") || h.r.Observations("new") != nil {
			t.Fatalf("before Run: Healthy = %v, observations %v", h.r.Healthy("new"), h.r.Observations("new"))
		}
		h.run()
		eventually(t, "the prober blocked in its first probe", func() bool { return h.r.active.Load() == 1 })
		if !h.r.Healthy("new") || h.r.Observations("new") != nil {
			t.Fatalf("while probing: Healthy = %v, observations %v", h.r.Healthy("new"), h.r.Observations("new"))
		}
		close(g.open)
		eventually(t, "the first failures", func() bool { return !h.r.Healthy("new") })
		want := []string{"Failure: gate", "Failure: gate", "Failure: gate"}
		eventually(t, "3 observations", func() bool { return slices.Equal(statuses(h.r.Observations("new")), want) })
	})

	t.Run("removed checks stop probing, updates apply, Run ends every prober", func(t *testing.T) {
		a := Check{ID: "a", Config: tcpCheck(up, 1)}
		b := Check{ID: "b", Config: tcpCheck(up, 1)}
		h := newHarness(t, Config{Regions: regs}, a, b).start()
		if n := h.r.active.Load(); n != 2 {
			t.Fatalf("%d probers, want 2 (one per check, shared by its 3 checker Regions)", n)
		}
		h.setChecks(a)
		eventually(t, "b's prober to end", func() bool { return h.r.active.Load() == 1 })
		if h.r.Observations("b") != nil || !h.r.Healthy("b") {
			t.Errorf("removed check: observations %v, Healthy %v; want none and healthy", h.r.Observations("b"), h.r.Healthy("b"))
		}

		// UpdateHealthCheck: a new port restarts the probers, which probe at once.
		moved := a
		moved.Config = tcpCheck(down, 1)
		h.setChecks(moved)
		eventually(t, "a to fail on its new port", func() bool { return !h.r.Healthy("a") })
		eventually(t, "one prober for a", func() bool { return h.r.active.Load() == 1 })

		// Inverted needs no probe.
		inv := moved
		inv.Config.Inverted = aws.Bool(true)
		h.setChecks(inv)
		eventually(t, "inverted a to be healthy", func() bool { return h.r.Healthy("a") })

		// Disabled stops probing; the check reads healthy (inverted: unhealthy).
		dis := inv
		dis.Config.Disabled, dis.Config.Inverted = aws.Bool(true), nil
		h.setChecks(dis)
		eventually(t, "disabled a to stop probing", func() bool { return h.r.active.Load() == 0 && h.r.Healthy("a") })

		h.setChecks(a, b)
		eventually(t, "2 probers again", func() bool { return h.r.active.Load() == 2 })
		h.stop() // fails unless every prober has ended
	})
}
