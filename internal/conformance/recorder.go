// Package conformance checks the emulator against AWS's own clients: it
// records every response the emulator sends while aws-sdk-go-v2 and the
// aws CLIs run the runbook, validates each against botocore's model of its
// operation, and measures which of the operations docs/emulator.md claims
// were exercised.
//
//	clients ──HTTP──► emulator ──ResponseTap──► Recorder ──► Validator (botocore)
//	                                                   └──► Coverage ◄── Claims (docs/emulator.md)
package conformance

import (
	"sort"
	"strings"
	"sync"

	"github.com/globaldb/globaldb/internal/emulator"
)

// Client names the AWS client that sent a request.
type Client string

// The clients the suite runs; Unknown is a request no client claims.
const (
	SDKGoV2 Client = "aws-sdk-go-v2"
	CLIv1   Client = "aws-cli-v1"
	CLIv2   Client = "aws-cli-v2"
	Unknown Client = "unknown"
)

// ClientOf tells the client from a request's User-Agent: the aws CLI
// sends "aws-cli/<version> …", aws-sdk-go-v2 "aws-sdk-go-v2/<version> …".
func ClientOf(userAgent string) Client {
	switch {
	case strings.HasPrefix(userAgent, "aws-cli/1."):
		return CLIv1
	case strings.HasPrefix(userAgent, "aws-cli/2."):
		return CLIv2
	case strings.Contains(userAgent, "aws-sdk-go-v2/"):
		return SDKGoV2
	}
	return Unknown
}

// Record is one recorded response and the client that asked for it.
type Record struct {
	Client Client
	emulator.Exchange
}

// Op names an operation of a service, e.g. {rds CreateDBCluster}.
type Op struct {
	Service string
	Name    string
}

func (o Op) String() string { return o.Service + ":" + o.Name }

// Recorder collects exchanges; Tap is safe for concurrent use, as
// emulator.Config.ResponseTap requires.
type Recorder struct {
	mu      sync.Mutex
	records []Record
}

// Tap records ex; pass it as emulator.Config.ResponseTap.
func (r *Recorder) Tap(ex emulator.Exchange) {
	rec := Record{Client: ClientOf(ex.UserAgent), Exchange: ex}
	if rec.Service == "monitoring" { // CloudWatch's signing name; its model is cloudwatch
		rec.Service = "cloudwatch"
	}
	r.mu.Lock()
	r.records = append(r.records, rec)
	r.mu.Unlock()
}

// Records returns a copy of what was recorded so far, in arrival order.
func (r *Recorder) Records() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Record(nil), r.records...)
}

// Exercised returns, per client, the operations that succeeded at least
// once (a 2xx response): an operation seen only failing is not counted as
// covered, though its error responses are validated like any other.
func Exercised(records []Record) map[Client]map[Op]bool {
	out := map[Client]map[Op]bool{}
	for _, rec := range records {
		if rec.Service == "" || rec.Operation == "" || rec.Status < 200 || rec.Status > 299 {
			continue
		}
		if out[rec.Client] == nil {
			out[rec.Client] = map[Op]bool{}
		}
		out[rec.Client][Op{rec.Service, rec.Operation}] = true
	}
	return out
}

// sortedOps returns the set's operations sorted by service, then name.
func sortedOps(set map[Op]bool) []Op {
	ops := make([]Op, 0, len(set))
	for op := range set {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Service != ops[j].Service {
			return ops[i].Service < ops[j].Service
		}
		return ops[i].Name < ops[j].Name
	})
	return ops
}
