package route53

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *fakeClock) After(time.Duration) <-chan time.Time { return nil }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeHealth reports the checks listed in down as unhealthy.
type fakeHealth struct {
	mu   sync.Mutex
	down map[string]bool
	obs  []types.HealthCheckObservation
}

func (h *fakeHealth) Healthy(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.down[id]
}
func (h *fakeHealth) Observations(string) []types.HealthCheckObservation { return h.obs }
func (h *fakeHealth) set(id string, healthy bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down == nil {
		h.down = map[string]bool{}
	}
	h.down[id] = !healthy
}

// memStore is an in-memory Store that can be made to fail.
type memStore struct {
	saved *State
	fail  bool
}

func (m *memStore) Load() (*State, error) { return m.saved, nil }
func (m *memStore) Save(st *State) error {
	if m.fail {
		return errors.New("disk full")
	}
	m.saved = st
	return nil
}

type fixture struct {
	s      *Service
	clock  *fakeClock
	health *fakeHealth
}

var clientRegions = map[string]string{"10.0.0.1": "us-east-1", "10.0.0.2": "eu-west-1", "10.0.0.3": "ap-southeast-2", "10.0.0.4": "sa-east-1"}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{clock: &fakeClock{t: t0}, health: &fakeHealth{}}
	s, err := New(Config{
		Clock:        f.clock,
		Health:       f.health,
		Random:       rand.NewChaCha8([32]byte{1}),
		Rand:         rand.New(rand.NewPCG(1, 2)),
		ClientRegion: func(ip net.IP) string { return clientRegions[ip.String()] },
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.s = s
	return f
}

var ctx = context.Background()

// zone creates a public zone and returns its bare ID.
func (f *fixture) zone(t *testing.T, name string) string {
	t.Helper()
	out, err := f.s.CreateHostedZone(ctx, "", &sdk.CreateHostedZoneInput{CallerReference: ptr("ref-" + name), Name: ptr(name)})
	if err != nil {
		t.Fatalf("CreateHostedZone %s: %v", name, err)
	}
	return (*out.HostedZone.Id)[len("/hostedzone/"):]
}

func (f *fixture) change(zone string, changes ...types.Change) error {
	_, err := f.s.ChangeResourceRecordSets(ctx, "", &sdk.ChangeResourceRecordSetsInput{HostedZoneId: ptr(zone), ChangeBatch: &types.ChangeBatch{Changes: changes}})
	return err
}

func (f *fixture) mustChange(t *testing.T, zone string, changes ...types.Change) {
	t.Helper()
	if err := f.change(zone, changes...); err != nil {
		t.Fatalf("ChangeResourceRecordSets: %v", err)
	}
}

func (f *fixture) check(t *testing.T, ref, ip string) string {
	t.Helper()
	out, err := f.s.CreateHealthCheck(ctx, "", &sdk.CreateHealthCheckInput{CallerReference: ptr(ref),
		HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: ptr(ip), Port: ptr(int32(5432))}})
	if err != nil {
		t.Fatalf("CreateHealthCheck: %v", err)
	}
	return *out.HealthCheck.Id
}

// rrset builders.
func simple(name string, typ types.RRType, ttl int64, values ...string) *types.ResourceRecordSet {
	r := &types.ResourceRecordSet{Name: ptr(name), Type: typ, TTL: ptr(ttl)}
	for _, v := range values {
		r.ResourceRecords = append(r.ResourceRecords, types.ResourceRecord{Value: ptr(v)})
	}
	return r
}

func failover(name, id string, role types.ResourceRecordSetFailover, check, value string) *types.ResourceRecordSet {
	r := simple(name, types.RRTypeA, 60, value)
	r.SetIdentifier, r.Failover, r.HealthCheckId = ptr(id), role, optional(check)
	return r
}

func weighted(name, id string, w int64, check, value string) *types.ResourceRecordSet {
	r := simple(name, types.RRTypeA, 60, value)
	r.SetIdentifier, r.Weight, r.HealthCheckId = ptr(id), ptr(w), optional(check)
	return r
}

func latency(name, region, check, value string) *types.ResourceRecordSet {
	r := simple(name, types.RRTypeA, 60, value)
	r.SetIdentifier, r.Region, r.HealthCheckId = ptr(region), types.ResourceRecordSetRegion(region), optional(check)
	return r
}

func alias(name, zone, target string, eval bool) *types.ResourceRecordSet {
	return &types.ResourceRecordSet{Name: ptr(name), Type: types.RRTypeA, AliasTarget: &types.AliasTarget{HostedZoneId: ptr(zone), DNSName: ptr(target), EvaluateTargetHealth: eval}}
}

func create(r *types.ResourceRecordSet) types.Change {
	return types.Change{Action: types.ChangeActionCreate, ResourceRecordSet: r}
}
func upsert(r *types.ResourceRecordSet) types.Change {
	return types.Change{Action: types.ChangeActionUpsert, ResourceRecordSet: r}
}
func del(r *types.ResourceRecordSet) types.Change {
	return types.Change{Action: types.ChangeActionDelete, ResourceRecordSet: r}
}

// code returns the AWS error code of err, "" for nil.
func code(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return "non-aws: " + err.Error()
}
