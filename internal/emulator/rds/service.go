package rds

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/statefile"

	"github.com/globaldb/globaldb/internal/emulator/clock"
)

// Store persists the model's state. Save is called with the model lock
// held after every change; it must be atomic (a crash leaves the old or
// the new state, never a torn one).
type Store interface {
	Load() (*State, error) // nil, nil when there is no state yet
	Save(*State) error
}

// Addresses hands out loopback addresses on which an instance or link can
// listen on port.
type Addresses interface {
	Allocate(port int) (string, error)
}

// Config configures a Service.
type Config struct {
	AccountID string
	Clock     clock.Clock
	Store     Store
	Addresses Addresses
	Logger    *slog.Logger
	// Random is the source of generated identifiers (resource IDs,
	// endpoint labels); nil means crypto/rand. It is only read with the
	// model lock held, so it need not be safe for concurrent use. Tests
	// set a seeded generator to get stable identifiers.
	Random io.Reader
	// Regions limits which region names are accepted; nil accepts every
	// region in the embedded regions table.
	Regions func(name string) ([]string, bool) // AZs of a region
	// AutoFailoverBlock overrides DefaultAutoFailoverBlock.
	AutoFailoverBlock time.Duration
	// WriteForwardingDelay overrides DefaultWriteForwardingDelay (scaled
	// when Clock scales delays); negative means no delay.
	WriteForwardingDelay time.Duration
}

// durationScaler is a Clock that scales emulated delays (clock.Scaled).
type durationScaler interface {
	Duration(time.Duration) time.Duration
}

// Service is the RDS model: state and behaviour of global clusters,
// clusters, instances and subnet groups, per region. It imports no HTTP
// and no wire format. All methods are safe for concurrent use.
//
// The real work (PostgreSQL processes, replication, DNS) is done by a
// runtime that watches Topology and reports back through the Observe
// methods; statuses move when the work is done.
type Service struct {
	cfg     Config
	mu      sync.Mutex
	st      *State
	changed chan struct{}
	// published is what the DNS server answers for each endpoint name
	// (record fingerprints), as last reported by ObserveRecords.
	published map[string]string
}

// New loads state from cfg.Store and returns the service.
func New(cfg Config) (*Service, error) {
	if cfg.AccountID == "" {
		cfg.AccountID = "000000000000"
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Random == nil {
		cfg.Random = rand.Reader
	}
	if cfg.WriteForwardingDelay == 0 {
		cfg.WriteForwardingDelay = DefaultWriteForwardingDelay
		if sc, ok := cfg.Clock.(durationScaler); ok {
			cfg.WriteForwardingDelay = sc.Duration(DefaultWriteForwardingDelay)
		}
	}
	s := &Service{cfg: cfg, changed: make(chan struct{}, 1)}
	if cfg.Store != nil {
		st, err := cfg.Store.Load()
		if err != nil {
			return nil, fmt.Errorf("load rds state: %w", err)
		}
		s.st = st
	}
	if s.st == nil {
		s.st = newState()
	}
	// After a restart every server has to come back first: instances show
	// "rebooting" until the runtime sees them up in their role again.
	for _, inst := range s.st.Instances {
		if inst.Status == StatusAvailable || inst.Status == StatusFailed {
			inst.Status = StatusRebooting
		}
	}
	if err := s.forgetPlaintextPasswords(); err != nil {
		return nil, err
	}
	return s, nil
}

// forgetPlaintextPasswords replaces the plaintext master passwords an
// older emulator kept in its state by their verifiers and saves the state
// at once, so no password stays at rest.
func (s *Service) forgetPlaintextPasswords() error {
	found := false
	for _, c := range s.st.Clusters {
		if c.LegacyPendingLogin == "" {
			continue
		}
		found = true
		v := c.LegacyPendingLogin
		if !isSCRAMVerifier(v) {
			var err error
			if v, err = scramVerifier(s.cfg.Random, v); err != nil {
				return fmt.Errorf("hash master password of %s: %w", c.ID, err)
			}
		}
		if !c.VolumeReady {
			c.PendingVerifier = v
		}
		c.LegacyPendingLogin = ""
	}
	if !found {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commit()
}

// Changed is signalled (non-blocking, coalesced) after every change.
func (s *Service) Changed() <-chan struct{} { return s.changed }

// commit persists state and wakes the runtime. Call with s.mu held.
func (s *Service) commit() error {
	if s.cfg.Store != nil {
		if err := s.cfg.Store.Save(s.st); err != nil {
			return fmt.Errorf("save rds state: %w", err)
		}
	}
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return nil
}

func (s *Service) arn(region, kind, id string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:%s:%s", region, s.cfg.AccountID, kind, id)
}

func (s *Service) globalARN(id string) string {
	return fmt.Sprintf("arn:aws:rds::%s:global-cluster:%s", s.cfg.AccountID, id)
}

// regionHash returns the endpoint label of a region, creating it once.
func (s *Service) regionHash(region string) string {
	h, ok := s.st.RegionHash[region]
	if !ok {
		h = s.randomID(12)
		s.st.RegionHash[region] = h
	}
	return h
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomID returns n random characters of idAlphabet read from
// cfg.Random. Call with s.mu held.
func (s *Service) randomID(n int) string {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.cfg.Random, b); err != nil {
		panic(fmt.Sprintf("read random identifier: %v", err))
	}
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

// resourceID returns a resource ID such as "cluster-ABC…" (26 upper-case
// characters after prefix). Call with s.mu held.
func (s *Service) resourceID(prefix string) string {
	return prefix + strings.ToUpper(s.randomID(26))
}

// NewFileStore keeps state as JSON in the file at path (see statefile).
func NewFileStore(path string) statefile.Store[State] {
	return statefile.Store[State]{Path: path, New: newState}
}
