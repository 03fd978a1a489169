// Package sts is the STS model of the emulator: GetCallerIdentity and
// AssumeRole, with the temporary credentials it mints kept in state so
// the emulator can authenticate them. Roles, their trust policies and the
// caller's identity come from the iam model. No HTTP, no wire format.
package sts

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/statefile"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/iam"
	"github.com/globaldb/globaldb/internal/emulator/iampolicy"
)

// Store persists the model's state; Save must be atomic.
type Store interface {
	Load() (*State, error) // nil, nil when there is no state yet
	Save(*State) error
}

// Config configures a Service.
type Config struct {
	// IAM resolves roles and managed policies; required.
	IAM   *iam.Service
	Clock clock.Clock // nil: IAM's clock
	Store Store
	// Random is the source of access key IDs, secrets and tokens; nil
	// means crypto/rand. It is read with the model lock held.
	Random io.Reader
}

// State is the persisted STS state: issued sessions by access key ID.
type State struct {
	Sessions map[string]*Session
}

// Session is one set of temporary credentials issued by AssumeRole.
type Session struct {
	AccessKeyID string
	Secret      string
	Token       string
	Expiration  time.Time
	Principal   iam.Principal
	RoleARN     string
	// Policy and PolicyARNs are the session policies passed to
	// AssumeRole; they further limit the role's permissions.
	Policy         string   `json:",omitempty"`
	PolicyARNs     []string `json:",omitempty"`
	SourceIdentity string   `json:",omitempty"`
}

// Service is the STS model. All methods are safe for concurrent use.
type Service struct {
	cfg Config
	mu  sync.Mutex
	st  *State
}

// New loads state from cfg.Store and returns the service.
func New(cfg Config) (*Service, error) {
	if cfg.IAM == nil {
		return nil, fmt.Errorf("sts: Config.IAM is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = cfg.IAM.Clock()
	}
	if cfg.Random == nil {
		cfg.Random = rand.Reader
	}
	s := &Service{cfg: cfg}
	if cfg.Store != nil {
		st, err := cfg.Store.Load()
		if err != nil {
			return nil, fmt.Errorf("load sts state: %w", err)
		}
		s.st = st
	}
	if s.st == nil {
		s.st = &State{}
	}
	if s.st.Sessions == nil {
		s.st.Sessions = map[string]*Session{}
	}
	return s, nil
}

func (s *Service) commit() error {
	if s.cfg.Store != nil {
		if err := s.cfg.Store.Save(s.st); err != nil {
			return fmt.Errorf("save sts state: %w", err)
		}
	}
	return nil
}

// caller returns the caller of ctx (iam.WithCaller), root when none.
func (s *Service) caller(ctx context.Context) iam.Principal {
	if p, ok := iam.CallerFrom(ctx); ok {
		return p
	}
	return iam.RootPrincipal(s.cfg.IAM.AccountID())
}

// GetCallerIdentity reports the caller: account, ARN and unique ID (the
// account ID for root, AIDA… for users, AROA…:<session> for assumed roles).
func (s *Service) GetCallerIdentity(ctx context.Context, _ string, _ *sdk.GetCallerIdentityInput) (*sdk.GetCallerIdentityOutput, error) {
	c := s.caller(ctx)
	id := c.ID
	if c.IsRoot && id == "" {
		id = s.cfg.IAM.AccountID()
	}
	return &sdk.GetCallerIdentityOutput{
		Account: aws.String(s.cfg.IAM.AccountID()), Arn: aws.String(c.ARN), UserId: aws.String(id),
	}, nil
}

// Session resolves temporary credentials: their secret, the session token
// requests must carry, the assumed-role principal, and whether they have
// expired (the emulator then answers ExpiredToken).
func (s *Service) Session(accessKeyID string) (secret, token string, p iam.Principal, expired bool, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, found := s.st.Sessions[accessKeyID]
	if !found {
		return "", "", iam.Principal{}, false, false
	}
	return sess.Secret, sess.Token, sess.Principal, !s.cfg.Clock.Now().Before(sess.Expiration), true
}

// SessionPolicies returns the parsed session policies of temporary
// credentials (inline Policy, then PolicyArns). The emulator intersects
// them with the role's identity policies: an action must be allowed by
// both. None means no session policy.
func (s *Service) SessionPolicies(accessKeyID string) []*iampolicy.Policy {
	s.mu.Lock()
	sess, found := s.st.Sessions[accessKeyID]
	var doc string
	var arns []string
	if found {
		doc, arns = sess.Policy, append([]string(nil), sess.PolicyARNs...)
	}
	s.mu.Unlock()
	var out []*iampolicy.Policy
	if doc != "" {
		if p, err := iampolicy.Parse(doc, iampolicy.Identity); err == nil {
			out = append(out, p)
		}
	}
	for _, a := range arns {
		if p, ok := s.cfg.IAM.ManagedPolicy(a); ok {
			out = append(out, p)
		}
	}
	return out
}

// NewFileStore keeps state as JSON in the file at path (see statefile).
func NewFileStore(path string) statefile.Store[State] {
	return statefile.Store[State]{Path: path}
}
