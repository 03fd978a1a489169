package route53

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/statefile"

	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
)

// Defaults for Config fields left zero.
const (
	DefaultChangeDelay = 2 * time.Second
	DefaultRegion      = "us-east-1"
)

// Health is the health-check runner's view of check results. It is called
// while answering DNS queries, so both methods must be fast and safe for
// concurrent use.
type Health interface {
	// Healthy reports the current status of a check; unknown or new checks
	// are healthy.
	Healthy(id string) bool
	// Observations returns the latest result of each checker region.
	Observations(id string) []types.HealthCheckObservation
}

// Store persists the model's state. Save is called with the model lock held
// after every change; it must be atomic (a crash leaves the old or the new
// state, never a torn one).
type Store interface {
	Load() (*State, error) // nil, nil when there is no state yet
	Save(*State) error
}

// Config configures a Service.
type Config struct {
	Clock  clock.Clock
	Store  Store
	Health Health // may be set later with SetHealth
	// Alarms is the CloudWatch view for CLOUDWATCH_METRIC checks (see
	// Alarms); nil: none. It may be set later with SetAlarms.
	Alarms Alarms
	// ChangeDelay is how long a change stays PENDING (default 2s).
	ChangeDelay time.Duration
	// ClientRegion maps a DNS client's address to the region it queries
	// from, for latency routing; "" means DefaultRegion.
	ClientRegion  func(ip net.IP) string
	DefaultRegion string // default "us-east-1"
	// EmulatedPublic reports whether a health check's IPAddress stands for
	// a public endpoint of the emulated world although it is in a range
	// AWS refuses (the emulator passes netguard.Allowed: its public
	// endpoints are loopback addresses). nil accepts none, as AWS.
	EmulatedPublic func(netip.Addr) bool
	Logger         *slog.Logger
	// Random is the source of generated identifiers; nil means crypto/rand.
	// It is read with the model lock held.
	Random io.Reader
	// Rand draws weighted-routing choices; nil means a generator seeded from
	// crypto/rand. Tests pass a seeded one. Access is serialised internally.
	Rand *mrand.Rand
}

// Service is the Route 53 model. All methods are safe for concurrent use.
//
// DNS answers read an immutable index rebuilt on every committed change
// (see answer.go), so queries never wait for the model lock or for Save.
type Service struct {
	cfg    Config
	mu     sync.Mutex
	st     *State
	index  atomic.Pointer[index]
	health atomic.Pointer[healthBox]
	alarms atomic.Pointer[alarmsBox]
	randMu sync.Mutex // guards cfg.Rand
	// checksChanged is signalled when the health checks change.
	checksChanged chan struct{}
}

type healthBox struct{ h Health }

var _ dnsserver.ClientSource = (*Service)(nil)

// New loads state from cfg.Store and returns the service.
func New(cfg Config) (*Service, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Random == nil {
		cfg.Random = rand.Reader
	}
	if cfg.Rand == nil {
		var seed [32]byte
		if _, err := rand.Read(seed[:]); err != nil {
			return nil, fmt.Errorf("seed route53 rand: %w", err)
		}
		cfg.Rand = mrand.New(mrand.NewChaCha8(seed))
	}
	if cfg.ChangeDelay <= 0 {
		cfg.ChangeDelay = DefaultChangeDelay
	}
	if cfg.DefaultRegion == "" {
		cfg.DefaultRegion = DefaultRegion
	}
	s := &Service{cfg: cfg, checksChanged: make(chan struct{}, 1)}
	if cfg.Store != nil {
		st, err := cfg.Store.Load()
		if err != nil {
			return nil, fmt.Errorf("load route53 state: %w", err)
		}
		s.st = st
	}
	if s.st == nil {
		s.st = newState()
	}
	s.st.fill()
	s.SetHealth(cfg.Health)
	s.SetAlarms(cfg.Alarms)
	s.index.Store(buildIndex(s.st))
	return s, nil
}

// SetHealth installs the health view used by DNS answers and
// GetHealthCheckStatus. nil means every check is healthy.
func (s *Service) SetHealth(h Health) { s.health.Store(&healthBox{h: h}) }

func (s *Service) healthy(id string) bool {
	if b := s.health.Load(); b != nil && b.h != nil {
		return b.h.Healthy(id)
	}
	return true
}

// commit persists the state and publishes a new DNS index. Call with s.mu
// held; on error the caller restores what it changed.
func (s *Service) commit() error {
	if s.cfg.Store != nil {
		if err := s.cfg.Store.Save(s.st); err != nil {
			return fmt.Errorf("save route53 state: %w", err)
		}
	}
	s.index.Store(buildIndex(s.st))
	return nil
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomString returns n characters of alphabet. Call with s.mu held.
func (s *Service) randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.cfg.Random, b); err != nil {
		panic(fmt.Sprintf("read random identifier: %v", err))
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// newZoneID returns an unused bare hosted zone ID, "Z" and 20 upper-case
// alphanumerics. Call with s.mu held.
func (s *Service) newZoneID() string {
	for {
		id := "Z" + s.randomString(20, upperAlnum)
		if _, ok := s.st.Zones[id]; !ok {
			return id
		}
	}
}

// newChangeID returns an unused bare change ID ("C…"). Call with s.mu held.
func (s *Service) newChangeID() string {
	for {
		id := "C" + s.randomString(20, upperAlnum)
		if _, ok := s.st.Changes[id]; !ok {
			return id
		}
	}
}

// newHealthCheckID returns an unused UUID. Call with s.mu held.
func (s *Service) newHealthCheckID() string {
	for {
		h := s.randomString(32, "0123456789abcdef")
		id := h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
		if _, ok := s.st.HealthChecks[id]; !ok {
			return id
		}
	}
}

// NewFileStore keeps state as JSON in the file at path (see statefile).
func NewFileStore(path string) statefile.Store[State] {
	return statefile.Store[State]{Path: path, New: newState}
}
