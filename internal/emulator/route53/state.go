package route53

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// State is everything the model persists.
type State struct {
	Zones        map[string]*Zone        `json:"zones"`        // bare ID "Z…" → zone
	HealthChecks map[string]*HealthCheck `json:"healthChecks"` // ID → check
	Changes      map[string]*Change      `json:"changes"`      // bare ID "C…" → change
	// DeletedCheckRefs are caller references of deleted health checks,
	// which AWS refuses to reuse.
	DeletedCheckRefs []string `json:"deletedCheckRefs,omitempty"`
}

func newState() *State {
	s := &State{}
	s.fill()
	return s
}

// fill makes nil maps empty (after loading older or partial state).
func (s *State) fill() {
	if s.Zones == nil {
		s.Zones = map[string]*Zone{}
	}
	if s.HealthChecks == nil {
		s.HealthChecks = map[string]*HealthCheck{}
	}
	if s.Changes == nil {
		s.Changes = map[string]*Change{}
	}
}

// Zone is a hosted zone.
type Zone struct {
	ID              string       `json:"id"`   // bare, "Z…"
	Name            string       `json:"name"` // canonical, "example.com."
	CallerReference string       `json:"callerReference"`
	Comment         string       `json:"comment,omitempty"`
	Private         bool         `json:"private,omitempty"`
	VPCs            []VPC        `json:"vpcs,omitempty"`
	NameServers     []string     `json:"nameServers"`
	Created         time.Time    `json:"created"`
	ChangeID        string       `json:"changeId"` // the creating change
	Records         []*RecordSet `json:"records"`
	Tags            []Tag        `json:"tags,omitempty"`
}

// VPC is a VPC associated with a private zone.
type VPC struct {
	ID     string `json:"id"`
	Region string `json:"region"`
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// RecordSet is a resource record set. Its identity in a zone is
// (Name, Type, SetIdentifier).
type RecordSet struct {
	Name          string   `json:"name"` // canonical
	Type          string   `json:"type"`
	SetIdentifier string   `json:"setIdentifier,omitempty"`
	TTL           *int64   `json:"ttl,omitempty"` // nil for alias records
	Values        []string `json:"values,omitempty"`
	Alias         *Alias   `json:"alias,omitempty"`
	Failover      string   `json:"failover,omitempty"` // PRIMARY | SECONDARY
	Weight        *int64   `json:"weight,omitempty"`
	Region        string   `json:"region,omitempty"` // latency routing
	HealthCheckID string   `json:"healthCheckId,omitempty"`
}

// Alias is an alias target: a record set in the same zone.
type Alias struct {
	HostedZoneID         string `json:"hostedZoneId"`
	DNSName              string `json:"dnsName"` // canonical
	EvaluateTargetHealth bool   `json:"evaluateTargetHealth,omitempty"`
}

// Routing policies of a record set.
const (
	policySimple   = "simple"
	policyFailover = "failover"
	policyWeighted = "weighted"
	policyLatency  = "latency"
)

func (r *RecordSet) policy() string {
	switch {
	case r.Failover != "":
		return policyFailover
	case r.Weight != nil:
		return policyWeighted
	case r.Region != "":
		return policyLatency
	}
	return policySimple
}

// HealthCheck is a health check. Config holds the configuration with
// defaults filled in, as GetHealthCheck returns it.
type HealthCheck struct {
	ID              string                  `json:"id"`
	CallerReference string                  `json:"callerReference"`
	Version         int64                   `json:"version"`
	Config          types.HealthCheckConfig `json:"config"`
	Tags            []Tag                   `json:"tags,omitempty"`
	// Alarm is the snapshot of a CLOUDWATCH_METRIC check's alarm taken at
	// CreateHealthCheck and refreshed by an UpdateHealthCheck that sends
	// AlarmIdentifier; nil when no CloudWatch view was set then.
	Alarm *types.CloudWatchAlarmConfiguration `json:"cloudWatchAlarm,omitempty"`
	// Linked is set for a check another service created and controls
	// (linked.go); nil for the user's checks.
	Linked *Linked `json:"linked,omitempty"`
}

// Change is a submitted change; its status is derived from Submitted and
// the configured ChangeDelay.
type Change struct {
	ID        string    `json:"id"` // bare, "C…"
	Submitted time.Time `json:"submitted"`
	Comment   string    `json:"comment,omitempty"`
}
