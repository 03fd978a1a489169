// Package awsmodel holds the botocore service models the emulator speaks:
// rds, iam, sts, route53, cloudwatch and arc-region-switch, trimmed by tools/modelgen (no documentation)
// and embedded at build time.
//
// The protocol codecs read shapes, member order, element names, list member
// names and error codes from here, so the wire format follows what AWS's own
// clients expect without hand-written templates.
package awsmodel

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

//go:generate go run ../../../tools/modelgen -out models

//go:embed models/*.json
var modelFS embed.FS

// Service is one AWS service model. It is read-only after Load; share it
// freely between goroutines.
type Service struct {
	Metadata   Metadata
	Operations map[string]*Operation
	Shapes     map[string]*Shape

	errorsByWireCode map[string]*Shape
}

// Metadata is the model's service metadata.
type Metadata struct {
	APIVersion     string `json:"apiVersion"`
	Protocol       string `json:"protocol"`
	XMLNamespace   string `json:"xmlNamespace"`
	SigningName    string `json:"signingName"`
	ServiceID      string `json:"serviceId"`
	EndpointPrefix string `json:"endpointPrefix"`
	GlobalEndpoint string `json:"globalEndpoint"`
	// JSON and Smithy RPC v2 CBOR services (CloudWatch): the X-Amz-Target
	// prefix (also the CBOR path's service name), the JSON version, every
	// protocol the service speaks, and whether it keeps its Query error
	// codes (x-amzn-query-error).
	TargetPrefix       string    `json:"targetPrefix"`
	JSONVersion        string    `json:"jsonVersion"`
	Protocols          []string  `json:"protocols"`
	AWSQueryCompatible *struct{} `json:"awsQueryCompatible"`
}

// Operation is one API operation.
type Operation struct {
	Name   string `json:"name"`
	HTTP   HTTP   `json:"http"`
	Input  *Ref   `json:"input"`
	Output *Ref   `json:"output"`
	Errors []*Ref `json:"errors"`
}

// HTTP is an operation's HTTP binding (REST protocols use all of it; the
// Query protocol only POST /).
type HTTP struct {
	Method       string `json:"method"`
	RequestURI   string `json:"requestUri"`
	ResponseCode int    `json:"responseCode"`
}

// Ref points at a shape and carries the serialization traits of the place
// it is referenced from (a member, a list member, an operation output).
type Ref struct {
	Shape         string `json:"shape"`
	LocationName  string `json:"locationName"`
	Flattened     bool   `json:"flattened"`
	ResultWrapper string `json:"resultWrapper"`
	XMLNamespace  string `json:"xmlNamespace"`
	XMLAttribute  bool   `json:"xmlAttribute"`
	// Location is "", "uri", "querystring", "header" or "headers" (REST).
	Location string `json:"location"`
}

// Shape is a botocore shape. Type is one of structure, list, map, string,
// boolean, integer, long, double, float, timestamp, blob.
type Shape struct {
	Name            string     `json:"-"`
	Type            string     `json:"type"`
	Members         []Member   `json:"members"` // structure members in model order
	Required        []string   `json:"required"`
	Member          *Ref       `json:"member"` // list element
	Key             *Ref       `json:"key"`    // map entry key
	Value           *Ref       `json:"value"`  // map entry value
	Flattened       bool       `json:"flattened"`
	Enum            []string   `json:"enum"`
	Min             *float64   `json:"min"`
	Max             *float64   `json:"max"`
	Pattern         string     `json:"pattern"`
	TimestampFormat string     `json:"timestampFormat"`
	Sensitive       bool       `json:"sensitive"` // never log values of this shape
	Error           *ErrorInfo `json:"error"`
	Exception       bool       `json:"exception"`
}

// Member is a named structure member.
type Member struct {
	Name string `json:"name"`
	Ref
}

// ErrorInfo is an error shape's wire code and HTTP status. Code is empty
// when the wire code is the shape name.
type ErrorInfo struct {
	Code           string `json:"code"`
	HTTPStatusCode int    `json:"httpStatusCode"`
	SenderFault    bool   `json:"senderFault"`
}

// Names of the embedded models.
const (
	RDS        = "rds"
	IAM        = "iam"
	STS        = "sts"
	Route53    = "route53"
	CloudWatch = "cloudwatch"
	// RegionSwitch is ARC Region switch (Smithy RPC v2 CBOR and JSON 1.0).
	RegionSwitch = "arc-region-switch"
)

var (
	cacheMu sync.Mutex
	cache   = map[string]*Service{}
)

// Load returns the embedded model of service ("rds", "iam", "sts", "cloudwatch",
// "route53", "arc-region-switch"). Models are parsed once and cached; Load is safe for
// concurrent use and the returned *Service must not be modified.
func Load(service string) (*Service, error) {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if s, ok := cache[service]; ok {
		return s, nil
	}
	b, err := modelFS.ReadFile("models/" + service + ".json")
	if err != nil {
		return nil, fmt.Errorf("load model %q: unknown service", service)
	}
	s, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("load model %q: %w", service, err)
	}
	cache[service] = s
	return s, nil
}

// MustLoad is Load for package-level initialisation; it panics on error.
func MustLoad(service string) *Service {
	s, err := Load(service)
	if err != nil {
		panic(err)
	}
	return s
}

func parse(b []byte) (*Service, error) {
	var s Service
	var raw struct {
		Metadata   *Metadata             `json:"metadata"`
		Operations map[string]*Operation `json:"operations"`
		Shapes     map[string]*Shape     `json:"shapes"`
	}
	raw.Metadata = &s.Metadata
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("decode model: %w", err)
	}
	s.Operations, s.Shapes = raw.Operations, raw.Shapes
	s.errorsByWireCode = map[string]*Shape{}
	names := make([]string, 0, len(s.Shapes))
	for name, sh := range s.Shapes {
		sh.Name = name
		names = append(names, name)
	}
	sort.Strings(names) // first shape by name wins a shared wire code
	for _, name := range names {
		sh := s.Shapes[name]
		if sh.Error != nil && sh.Error.Code != "" {
			if _, dup := s.errorsByWireCode[sh.Error.Code]; !dup {
				s.errorsByWireCode[sh.Error.Code] = sh
			}
		}
	}
	for name, op := range s.Operations {
		for _, r := range append([]*Ref{op.Input, op.Output}, op.Errors...) {
			if r != nil && s.Shapes[r.Shape] == nil {
				return nil, fmt.Errorf("operation %s: unknown shape %s", name, r.Shape)
			}
		}
	}
	return &s, nil
}

// Shape returns the named shape, or nil.
func (s *Service) Shape(name string) *Shape { return s.Shapes[name] }

// Operation returns the named operation, or nil.
func (s *Service) Operation(name string) *Operation { return s.Operations[name] }

// WireError maps an error code a model returns to the wire code and HTTP
// status AWS sends, and whether the caller is at fault:
//   - a botocore error shape name ("DBInstanceNotFoundFault") or its wire
//     code ("DBInstanceNotFound") gives the shape's code and httpStatusCode
//     (400 when the model has none);
//   - a common code (awserr.CommonStatus) gives its status;
//   - anything else is sent as is with 400.
func (s *Service) WireError(code string) (wireCode string, status int, sender bool) {
	sh := s.Shapes[code]
	if sh == nil || !sh.Exception {
		sh = s.errorsByWireCode[code]
	}
	if sh != nil {
		wireCode, status, sender = sh.Name, http.StatusBadRequest, true
		if e := sh.Error; e != nil {
			if e.Code != "" {
				wireCode = e.Code
			}
			if e.HTTPStatusCode != 0 {
				status = e.HTTPStatusCode
			}
			sender = e.SenderFault || status < http.StatusInternalServerError
		}
		return wireCode, status, sender
	}
	if st, ok := awserr.CommonStatus(code); ok {
		return code, st, st < http.StatusInternalServerError
	}
	return code, http.StatusBadRequest, true
}

// MemberNamed returns the structure member with the given name, or nil.
func (sh *Shape) MemberNamed(name string) *Member {
	for i := range sh.Members {
		if sh.Members[i].Name == name {
			return &sh.Members[i]
		}
	}
	return nil
}

// ElementName is the XML element / query key of a member: its
// locationName, else its name.
func (m *Member) ElementName() string {
	if m.LocationName != "" {
		return m.LocationName
	}
	return m.Name
}
