package orchestrator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/globaldb/globaldb/internal/topology"
)

// PolicyDocument is an IAM policy document.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one IAM policy statement.
type Statement struct {
	Sid       string         `json:"Sid,omitempty"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    []string       `json:"Action"`
	Resource  []string       `json:"Resource,omitempty"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// JSON renders the document compactly with stable key order.
func (d PolicyDocument) JSON() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Indented renders the document for people.
func (d PolicyDocument) Indented() string {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b)
}

// sameDocument reports whether two policy JSON documents are equal once
// parsed (key order, whitespace and single-element lists aside).
func sameDocument(a, b string) bool {
	na, errA := normalizeDoc(a)
	nb, errB := normalizeDoc(b)
	return errA == nil && errB == nil && bytes.Equal(na, nb)
}

func normalizeDoc(s string) ([]byte, error) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, err
	}
	return json.Marshal(canonical(v))
}

// canonical turns one-element lists into their element and sorts lists of
// strings, as IAM treats them as equal.
func canonical(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = canonical(e)
		}
		return t
	case []any:
		if len(t) == 1 {
			return canonical(t[0])
		}
		strs := true
		for i, e := range t {
			t[i] = canonical(e)
			_, ok := t[i].(string)
			strs = strs && ok
		}
		if strs {
			sort.Slice(t, func(i, j int) bool { return t[i].(string) < t[j].(string) })
		}
		return t
	}
	return v
}

func trustService(service string) string {
	return PolicyDocument{Version: "2012-10-17", Statement: []Statement{{
		Effect: "Allow", Principal: map[string]any{"Service": service}, Action: []string{"sts:AssumeRole"},
	}}}.JSON()
}

func trustAccount(account string) string {
	return PolicyDocument{Version: "2012-10-17", Statement: []Statement{{
		Effect: "Allow", Principal: map[string]any{"AWS": "arn:aws:iam::" + account + ":root"}, Action: []string{"sts:AssumeRole"},
	}}}.JSON()
}

// EnhancedMonitoringPolicy is the AWS managed policy of the monitoring role.
const EnhancedMonitoringPolicy = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"

// appPolicy allows rds-db:connect as user on every member cluster, named
// by its DbClusterResourceId so that logins survive failover.
func appPolicy(account, user string, resourceIDs map[string]string) string {
	var res []string
	for region, id := range resourceIDs {
		res = append(res, fmt.Sprintf("arn:aws:rds-db:%s:%s:dbuser:%s/%s", region, account, id, user))
	}
	sort.Strings(res)
	return PolicyDocument{Version: "2012-10-17", Statement: []Statement{{
		Sid: "ConnectAsAppUser", Effect: "Allow", Action: []string{"rds-db:connect"}, Resource: res,
	}}}.JSON()
}

// operatorPolicy is the seed's "RDS and Route 53" role, scoped to this
// stack's resources instead of the FullAccess managed policies: what an
// operator needs to run failovers and keep DNS consistent.
func operatorPolicy(t *topology.Topology, account string) PolicyDocument {
	p := policyFor(t, account)
	var keep []Statement
	for _, s := range p.Statement {
		if s.Sid != "IAMStackRoles" && s.Sid != "PassMonitoringRole" && s.Sid != "STSWhoAmI" {
			keep = append(keep, s)
		}
	}
	p.Statement = keep
	return p
}
