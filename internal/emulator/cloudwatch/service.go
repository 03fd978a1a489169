package cloudwatch

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/statefile"
)

// Store persists the alarms (configuration, state, tags) and their
// history. Save is called with the model lock held after every change; it
// must be atomic (a crash leaves the old or the new state, never a torn
// one). Metric datapoints are not persisted.
type Store interface {
	Load() (*State, error) // nil, nil when there is no state yet
	Save(*State) error
}

// NewFileStore keeps state as JSON in the file at path (see statefile).
func NewFileStore(path string) statefile.Store[State] {
	return statefile.Store[State]{Path: path, New: newState}
}

// State is everything the model persists.
type State struct {
	// Alarms by alarmKey (region + "/" + name).
	Alarms map[string]*Alarm `json:"alarms"`
	// History by region, oldest first, at most maxHistory per region.
	History map[string][]types.AlarmHistoryItem `json:"history"`
}

func newState() *State {
	s := &State{}
	s.fill()
	return s
}

func (s *State) fill() {
	if s.Alarms == nil {
		s.Alarms = map[string]*Alarm{}
	}
	if s.History == nil {
		s.History = map[string][]types.AlarmHistoryItem{}
	}
}

// Alarm is one metric or composite alarm (exactly one of Metric and
// Composite is set), as DescribeAlarms returns it.
type Alarm struct {
	Region    string                `json:"region"`
	Metric    *types.MetricAlarm    `json:"metric,omitempty"`
	Composite *types.CompositeAlarm `json:"composite,omitempty"`
	Tags      []types.Tag           `json:"tags,omitempty"`
	// Computed is the state the metric data gave at the last evaluation
	// (SetAlarmState does not change it); Route 53 reads the data, not the
	// forced state.
	Computed types.StateValue `json:"computed,omitempty"`
}

func (a *Alarm) name() string {
	if a.Metric != nil {
		return *a.Metric.AlarmName
	}
	return *a.Composite.AlarmName
}

func (a *Alarm) kind() types.AlarmType {
	if a.Metric != nil {
		return types.AlarmTypeMetricAlarm
	}
	return types.AlarmTypeCompositeAlarm
}

func (a *Alarm) state() types.StateValue {
	if a.Metric != nil {
		return a.Metric.StateValue
	}
	return a.Composite.StateValue
}

func (a *Alarm) arn() string {
	if a.Metric != nil {
		return *a.Metric.AlarmArn
	}
	return *a.Composite.AlarmArn
}

func (a *Alarm) actionsEnabled() bool {
	if a.Metric != nil {
		return a.Metric.ActionsEnabled == nil || *a.Metric.ActionsEnabled
	}
	return a.Composite.ActionsEnabled == nil || *a.Composite.ActionsEnabled
}

// actions returns the alarm's actions for entering state v.
func (a *Alarm) actions(v types.StateValue) []string {
	var ok, alarm, insufficient []string
	if a.Metric != nil {
		ok, alarm, insufficient = a.Metric.OKActions, a.Metric.AlarmActions, a.Metric.InsufficientDataActions
	} else {
		ok, alarm, insufficient = a.Composite.OKActions, a.Composite.AlarmActions, a.Composite.InsufficientDataActions
	}
	switch v {
	case types.StateValueOk:
		return ok
	case types.StateValueAlarm:
		return alarm
	}
	return insufficient
}

func alarmKey(region, name string) string { return region + "/" + name }

// maxHistory bounds the history kept per region (AWS keeps 30 days): the
// whole state is saved on every change, so it stays small.
const maxHistory = 1000

// Config configures a Service.
type Config struct {
	AccountID string
	// Clock is the time source; timestamps are wall-clock (Clock.Now()),
	// alarm periods are emulated time (Clock.Duration).
	Clock  clock.Scaled
	Store  Store // nil keeps state in memory only
	Logger *slog.Logger
	// RegionDown reports a region in an outage: it publishes nothing and
	// evaluates nothing. nil: never.
	RegionDown func(region string) bool
}

// Service is the CloudWatch model. All methods are safe for concurrent
// use.
type Service struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex // guards st, nextEval, dirty
	st       *State
	nextEval map[string]time.Time // alarmKey → when the metric alarm is next evaluated
	dirty    map[string]bool      // composites to re-evaluate

	metrics *metricStore
}

// New returns a Service with the state cfg.Store holds.
func New(cfg Config) (*Service, error) {
	if cfg.Clock.Base == nil {
		cfg.Clock = clock.Scaled{Base: clock.Real{}, Scale: 1}
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "000000000000"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, log: cfg.Logger, nextEval: map[string]time.Time{}, dirty: map[string]bool{},
		metrics: newMetricStore()}
	st := newState()
	if cfg.Store != nil {
		loaded, err := cfg.Store.Load()
		if err != nil {
			return nil, fmt.Errorf("load cloudwatch state: %w", err)
		}
		if loaded != nil {
			loaded.fill()
			st = loaded
		}
	}
	s.st = st
	// Composites never evaluated yet are; the others keep their state
	// (possibly forced by SetAlarmState) until a child changes.
	for k, a := range st.Alarms {
		if a.Composite != nil && a.Composite.StateValue == types.StateValueInsufficientData {
			s.dirty[k] = true
		}
	}
	return s, nil
}

// save persists the state; called with s.mu held.
func (s *Service) save() error {
	if s.cfg.Store == nil {
		return nil
	}
	if err := s.cfg.Store.Save(s.st); err != nil {
		return fmt.Errorf("save cloudwatch state: %w", err)
	}
	return nil
}

func (s *Service) now() time.Time { return s.cfg.Clock.Now().UTC() }

func (s *Service) regionDown(region string) bool {
	return s.cfg.RegionDown != nil && s.cfg.RegionDown(region)
}

func (s *Service) alarmARN(region, name string) string {
	return fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", region, s.cfg.AccountID, name)
}
