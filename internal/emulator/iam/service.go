// Package iam is the IAM model of the emulator: users, roles, managed and
// inline policies, access keys and the AWS managed policies the emulator
// knows. It holds state and behaviour only; the wire layer decodes Query
// requests into aws-sdk-go-v2 input structs and renders the output structs.
//
// IAM is global: the region argument of every operation is ignored.
package iam

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/statefile"

	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/iampolicy"
)

// DefaultAccountID is the account the emulator plays when Config leaves it
// empty.
const DefaultAccountID = "000000000000"

// Store persists the model's state. Save is called with the model lock
// held after every change; it must be atomic.
type Store interface {
	Load() (*State, error) // nil, nil when there is no state yet
	Save(*State) error
}

// Config configures a Service.
type Config struct {
	AccountID string
	Clock     clock.Clock
	Store     Store
	Logger    *slog.Logger
	// Random is the source of generated identifiers and secrets; nil
	// means crypto/rand. It is read with the model lock held.
	Random io.Reader
	// RootKeys are long-term access keys of the account's root user
	// (access key ID → secret), resolved by AccessKey. They are how a
	// client calls the emulator before any IAM user exists.
	RootKeys map[string]string
}

// Principal is an authenticated caller.
type Principal struct {
	ARN      string
	UserName string // IAM users
	RoleName string // assumed-role sessions
	// ID is the unique ID AWS reports as UserId: the account ID for root,
	// AIDA… for users, AROA…:<session> for assumed roles.
	ID     string
	IsRoot bool
}

type callerKey struct{}

// WithCaller returns ctx carrying the authenticated caller; GetUser without
// a user name and STS GetCallerIdentity answer for it.
func WithCaller(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, callerKey{}, p)
}

// CallerFrom returns the caller ctx carries.
func CallerFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(callerKey{}).(Principal)
	return p, ok
}

// RootPrincipal returns the root user of account.
func RootPrincipal(account string) Principal {
	return Principal{ARN: "arn:aws:iam::" + account + ":root", ID: account, IsRoot: true}
}

// State is the persisted IAM state. Maps are keyed by the lower-cased
// name (IAM names are unique case-insensitively), access keys by ID and
// customer managed policies by ARN.
type State struct {
	Users      map[string]*User
	Roles      map[string]*Role
	Policies   map[string]*ManagedPolicy
	AccessKeys map[string]*AccessKey
	// Created is when the account (root user) came to be.
	Created time.Time
}

func newState() *State {
	return &State{
		Users: map[string]*User{}, Roles: map[string]*Role{},
		Policies: map[string]*ManagedPolicy{}, AccessKeys: map[string]*AccessKey{},
	}
}

// Tag is a resource tag.
type Tag struct{ Key, Value string }

// User is an IAM user.
type User struct {
	Name     string
	Path     string
	ID       string
	Created  time.Time
	Tags     []Tag
	Attached []string          // managed policy ARNs, in attach order
	Inline   map[string]string // policy name → document as given
}

// Role is an IAM role.
type Role struct {
	Name               string
	Path               string
	ID                 string
	Created            time.Time
	Description        string
	MaxSessionDuration int32 // seconds
	TrustDocument      string
	Tags               []Tag
	Attached           []string
	Inline             map[string]string
	// ServiceName is the service of a service-linked role
	// ("rds.amazonaws.com"); such roles are modifiable only by AWS.
	ServiceName string `json:",omitempty"`

	// ARN and Trust are filled in by RoleByARN; they are not stored.
	ARN   string            `json:"-"`
	Trust *iampolicy.Policy `json:"-"`
}

// ManagedPolicy is a customer managed policy (AWS managed policies are
// built in and not stored).
type ManagedPolicy struct {
	ARN            string
	Name           string
	Path           string
	ID             string
	Description    string
	Created        time.Time
	Updated        time.Time
	DefaultVersion string
	NextVersion    int
	Versions       map[string]*PolicyVersion
	Tags           []Tag
	AWSManaged     bool `json:"-"`
}

// PolicyVersion is one document of a managed policy.
type PolicyVersion struct {
	Document string
	Created  time.Time
}

// AccessKey is a long-term access key of a user.
type AccessKey struct {
	ID       string
	Secret   string
	UserName string // key of the owner in State.Users
	Status   string // Active | Inactive
	Created  time.Time
}

// Service is the IAM model. All methods are safe for concurrent use.
type Service struct {
	cfg Config
	mu  sync.Mutex
	st  *State
	aws map[string]*ManagedPolicy // AWS managed policies by ARN
	// parsed caches parsed documents by kind and text.
	parsed map[parseKey]*iampolicy.Policy
}

type parseKey struct {
	kind iampolicy.Kind
	doc  string
}

// New loads state from cfg.Store and returns the service.
func New(cfg Config) (*Service, error) {
	if cfg.AccountID == "" {
		cfg.AccountID = DefaultAccountID
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
	s := &Service{cfg: cfg, aws: awsManagedPolicies(), parsed: map[parseKey]*iampolicy.Policy{}}
	if cfg.Store != nil {
		st, err := cfg.Store.Load()
		if err != nil {
			return nil, fmt.Errorf("load iam state: %w", err)
		}
		s.st = st
	}
	if s.st == nil {
		s.st = newState()
		s.st.Created = cfg.Clock.Now().UTC()
	}
	for _, u := range s.st.Users {
		if u.Inline == nil {
			u.Inline = map[string]string{}
		}
	}
	for _, r := range s.st.Roles {
		if r.Inline == nil {
			r.Inline = map[string]string{}
		}
	}
	return s, nil
}

// AccountID returns the account the service plays.
func (s *Service) AccountID() string { return s.cfg.AccountID }

// Clock returns the service's time source.
func (s *Service) Clock() clock.Clock { return s.cfg.Clock }

// commit persists state. Call with s.mu held.
func (s *Service) commit() error {
	if s.cfg.Store != nil {
		if err := s.cfg.Store.Save(s.st); err != nil {
			return fmt.Errorf("save iam state: %w", err)
		}
	}
	return nil
}

// parse parses doc, caching the result. Call with s.mu held.
func (s *Service) parse(doc string, kind iampolicy.Kind) (*iampolicy.Policy, error) {
	k := parseKey{kind, doc}
	if p, ok := s.parsed[k]; ok {
		return p, nil
	}
	p, err := iampolicy.Parse(doc, kind)
	if err != nil {
		return nil, err
	}
	s.parsed[k] = p
	return p, nil
}

// caller returns the caller of ctx, root when there is none.
func (s *Service) caller(ctx context.Context) Principal {
	if p, ok := CallerFrom(ctx); ok {
		return p
	}
	return RootPrincipal(s.cfg.AccountID)
}

// NewFileStore keeps state as JSON in the file at path (see statefile).
func NewFileStore(path string) statefile.Store[State] {
	return statefile.Store[State]{Path: path, New: newState}
}
