// Package admin is the contract of the emulator's own API under
// /_globaldb/ (JSON over HTTP, SigV4-signed with the root key) and a Client
// for it. It is what client-side code (globaldb fault, drills) imports: it
// depends on no other emulator package, so the client knows no emulator
// internals. The server side is package adminapi, which serves these types
// over the fault registry.
//
// Routes (all JSON):
//
//	GET    /_globaldb/health       200 Health (unsigned: the emulator announces itself)
//	GET    /_globaldb/faults       200 {"faults":[Fault…]}
//	POST   /_globaldb/faults       Fault → 201 Fault (ID and Created ignored on input)
//	DELETE /_globaldb/faults       200 {"cleared":["f-1",…]}
//	DELETE /_globaldb/faults/{id}  200 {"cleared":"f-1"}
//	GET    /_globaldb/forwarding   200 ForwardingResponse (write forwarding counters)
//
// Errors: {"error":{"code":C,"message":M}} with ValidationError 400,
// NotFound 404, MethodNotAllowed 405, InternalError 500.
package admin

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// FaultsPath is the fault collection's path.
const FaultsPath = "/_globaldb/faults"

// SigningService is the service name in the SigV4 credential scope of
// admin requests.
const SigningService = "globaldb"

// Error codes in error responses.
const (
	CodeValidation       = "ValidationError"
	CodeNotFound         = "NotFound"
	CodeMethodNotAllowed = "MethodNotAllowed"
	CodeInternal         = "InternalError"
)

// Kind names a kind of fault.
type Kind string

// The kinds of fault the emulator can inject.
const (
	// RegionOutage stops every DB instance of Region; its endpoints refuse
	// connections and its regional API calls are refused.
	RegionOutage Kind = "region-outage"
	// RegionIsolation cuts every WAN link of Region; the region keeps
	// running but cannot reach, or be reached from, other regions.
	RegionIsolation Kind = "region-isolation"
	// InstanceFailure stops one DB instance (Instance in Region).
	InstanceFailure Kind = "instance-failure"
	// LinkFault delays or cuts the WAN link between From and To.
	LinkFault Kind = "link"
)

// String returns the kind's wire name.
func (k Kind) String() string { return string(k) }

// Fault is one injected fault, as the API reads and writes it. Which fields
// apply depends on Kind: Region for region-outage, region-isolation and
// instance-failure; Instance for instance-failure; From, To and one of
// Delay or Cut for link. ID and Created are assigned by the emulator.
type Fault struct {
	ID       string   `json:"id"`
	Kind     Kind     `json:"kind"`
	Region   string   `json:"region,omitempty"`
	Instance string   `json:"instance,omitempty"`
	From     string   `json:"from,omitempty"`
	To       string   `json:"to,omitempty"`
	Delay    Duration `json:"delay,omitempty"`
	Cut      bool     `json:"cut,omitempty"`
	// Created is when the fault was injected, by the emulator's clock.
	Created time.Time `json:"created"`
}

// Params renders the fault's target as key=value pairs, e.g.
// "region=ap-southeast-1" or "from=a to=b delay=200ms".
func (f Fault) Params() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("region", f.Region)
	add("instance", f.Instance)
	add("from", f.From)
	add("to", f.To)
	if f.Delay != 0 {
		add("delay", f.Delay.String())
	}
	if f.Cut {
		parts = append(parts, "cut")
	}
	return strings.Join(parts, " ")
}

// String renders the fault without its ID, e.g.
// "region-outage region=ap-southeast-1".
func (f Fault) String() string {
	if p := f.Params(); p != "" {
		return string(f.Kind) + " " + p
	}
	return string(f.Kind)
}

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("200ms").
type Duration time.Duration

// String formats the duration like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes the duration as a string such as "200ms".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string such as "200ms" or "1.5s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string such as \"200ms\", got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration string such as \"200ms\": %w", err)
	}
	*d = Duration(v)
	return nil
}

// ListResponse is the body of GET /_globaldb/faults.
type ListResponse struct {
	Faults []Fault `json:"faults"`
}

// ClearResponse is the body of DELETE /_globaldb/faults/{id}.
type ClearResponse struct {
	Cleared string `json:"cleared"`
}

// ClearAllResponse is the body of DELETE /_globaldb/faults.
type ClearAllResponse struct {
	Cleared []string `json:"cleared"`
}

// ErrorResponse is the body of every error answer.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody carries an error's code and message.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
