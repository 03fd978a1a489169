package conformance

import (
	"os"
	"reflect"
	"testing"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
)

func isModelOp(t *testing.T) func(service, op string) bool {
	models := map[string]*awsmodel.Service{}
	for _, svc := range Services {
		m, err := awsmodel.Load(svc)
		if err != nil {
			t.Fatal(err)
		}
		models[svc] = m
	}
	return func(svc, op string) bool { return models[svc].Operations[op] != nil }
}

func TestParseClaims(t *testing.T) {
	doc, err := os.ReadFile("testdata/claims.md")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseClaims(doc, isModelOp(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, op := range sortedOps(got.Ops) {
		names = append(names, op.String())
	}
	want := []string{
		"iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:CreatePolicy", "iam:DetachRolePolicy", "iam:DetachUserPolicy",
		"iam:ListRolePolicies", "iam:ListUserPolicies", "iam:PutRolePolicy", "iam:PutUserPolicy",
		"rds:CreateDBSubnetGroup", "rds:CreateGlobalCluster", "rds:DeleteDBSubnetGroup", "rds:DescribeDBSubnetGroups",
		"route53:ChangeTagsForResource", "route53:CreateHealthCheck", "route53:DeleteHealthCheck", "route53:GetHealthCheck",
		"route53:ListTagsForResource",
		"sts:AssumeRole", "sts:GetCallerIdentity",
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("claims =\n%v\nwant\n%v", names, want)
	}
	if !reflect.DeepEqual(got.Unknown, []string{"FrobnicateCluster"}) {
		t.Errorf("unknown = %v, want [FrobnicateCluster]", got.Unknown)
	}
}

// TestParseClaims_Docs reads the real docs/emulator.md: every identifier
// in its operation tables must be an operation.
func TestParseClaims_Docs(t *testing.T) {
	doc, err := os.ReadFile("../../docs/emulator.md")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseClaims(doc, isModelOp(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Unknown) > 0 {
		t.Errorf("docs/emulator.md names non-operations in its operation tables: %v", got.Unknown)
	}
	per := map[string]int{}
	for op := range got.Ops {
		per[op.Service]++
	}
	for _, svc := range Services {
		if per[svc] == 0 {
			t.Errorf("no %s operations claimed", svc)
		}
	}
	t.Logf("claimed: %v (%d)", per, len(got.Ops))
}
