package iampolicy

import (
	"errors"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name string
		kind Kind
		doc  string
		want *Policy
	}{
		{name: "string forms and a single statement object", doc: `{"Version":"2012-10-17","Id":"p1","Statement":{"Sid":"s1","Effect":"Allow","Action":"rds:*","Resource":"*"}}`,
			want: &Policy{Version: "2012-10-17", ID: "p1", Statements: []Statement{{Sid: "s1", Effect: EffectAllow, Action: []string{"rds:*"}, Resource: []string{"*"}}}}},
		{name: "list forms", doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*","sts:*"],"NotResource":["` + clusterApp + `","` + zoneZ1 + `"]}]}`,
			want: &Policy{Version: "2012-10-17", Statements: []Statement{{Effect: EffectDeny, NotAction: []string{"iam:*", "sts:*"}, NotResource: []string{clusterApp, zoneZ1}}}}},
		{name: "legacy version and no version", doc: `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"rds:*","Resource":"*"}]}`,
			want: &Policy{Version: "2008-10-17", Statements: []Statement{{Effect: EffectAllow, Action: []string{"rds:*"}, Resource: []string{"*"}}}}},
		{name: "missing version", doc: `{"Statement":[{"Effect":"Allow","Action":"rds:*","Resource":"*"}]}`,
			want: &Policy{Statements: []Statement{{Effect: EffectAllow, Action: []string{"rds:*"}, Resource: []string{"*"}}}}},
		{name: "conditions keep operators as written and scalars as text", doc: doc(`{"Effect":"Allow","Action":"rds:*","Resource":"*","Condition":{
			"ForAnyValue:StringLike":{"aws:TagKeys":["env","team*"]},"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}`),
			want: &Policy{Version: "2012-10-17", Statements: []Statement{{Effect: EffectAllow, Action: []string{"rds:*"}, Resource: []string{"*"}, Condition: Conditions{
				"ForAnyValue:StringLike": {"aws:TagKeys": {"env", "team*"}},
				"Bool":                   {"aws:SecureTransport": {"true"}},
				"NumericLessThan":        {"aws:MultiFactorAuthAge": {"3600"}},
			}}}}},
		{name: "trust policy with principal map", kind: Trust, doc: doc(`{"Effect":"Allow","Principal":{"AWS":["123456789012","` + roleOps + `"],"Service":"monitoring.rds.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}`),
			want: &Policy{Version: "2012-10-17", Statements: []Statement{{Effect: EffectAllow,
				Principal: &Principals{AWS: []string{"123456789012", roleOps}, Service: []string{"monitoring.rds.amazonaws.com"}},
				Action:    []string{"sts:AssumeRole", "sts:TagSession"}}}}},
		{name: "trust policy with star principal", kind: Trust, doc: doc(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`),
			want: &Policy{Version: "2012-10-17", Statements: []Statement{{Effect: EffectAllow, Principal: &Principals{All: true}, Action: []string{"sts:AssumeRole"}}}}},
		{name: "resource policy with NotPrincipal", kind: Resource, doc: doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"` + alice + `"},"Action":"*","Resource":"*"}`),
			want: &Policy{Version: "2012-10-17", Statements: []Statement{{Effect: EffectDeny, NotPrincipal: &Principals{AWS: []string{alice}}, Action: []string{"*"}, Resource: []string{"*"}}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.doc, tc.kind)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse =\n%#v\nwant\n%#v", got, tc.want)
			}
		})
	}
}

func TestParse_errors(t *testing.T) {
	const ok = `{"Effect":"Allow","Action":"rds:*","Resource":"*"}`
	cases := []struct {
		name string
		kind Kind
		doc  string
		want string
	}{
		{name: "invalid JSON", doc: `{"Version":"2012-10-17",`, want: "Syntax errors in policy."},
		{name: "not an object", doc: `["Statement"]`, want: "Syntax errors in policy."},
		{name: "trailing data", doc: doc(ok) + `{}`, want: "Syntax errors in policy."},
		{name: "unknown top-level element", doc: `{"Version":"2012-10-17","Statements":[` + ok + `]}`, want: "Syntax errors in policy."},
		{name: "missing Statement", doc: `{"Version":"2012-10-17"}`, want: "Syntax errors in policy."},
		{name: "empty Statement list", doc: `{"Version":"2012-10-17","Statement":[]}`, want: "Syntax errors in policy."},
		{name: "unsupported Version", doc: `{"Version":"2020-01-01","Statement":[` + ok + `]}`, want: "Syntax errors in policy."},
		{name: "Version not a string", doc: `{"Version":2012,"Statement":[` + ok + `]}`, want: "Syntax errors in policy."},
		{name: "unknown statement element", doc: doc(`{"Effect":"Allow","Actions":"rds:*","Resource":"*"}`), want: "Syntax errors in policy."},
		{name: "element names are case-sensitive", doc: doc(`{"effect":"Allow","Action":"rds:*","Resource":"*"}`), want: "Syntax errors in policy."},
		{name: "missing Effect", doc: doc(`{"Action":"rds:*","Resource":"*"}`), want: "Missing required field Effect"},
		{name: "bad Effect value", doc: doc(`{"Effect":"Permit","Action":"rds:*","Resource":"*"}`), want: "Syntax errors in policy."},
		{name: "Effect in the wrong case", doc: doc(`{"Effect":"allow","Action":"rds:*","Resource":"*"}`), want: "The policy failed legacy parsing"},
		{name: "Action and NotAction together", doc: doc(`{"Effect":"Allow","Action":"rds:*","NotAction":"iam:*","Resource":"*"}`), want: "Syntax errors in policy."},
		{name: "Action holds an object", doc: doc(`{"Effect":"Allow","Action":{"Ref":"x"},"Resource":"*"}`), want: "Syntax errors in policy."},
		{name: "Resource list holds a number", doc: doc(`{"Effect":"Allow","Action":"rds:*","Resource":[1]}`), want: "Syntax errors in policy."},
		{name: "Principal in an identity policy", doc: doc(`{"Effect":"Allow","Principal":"*","Action":"rds:*","Resource":"*"}`), want: "Policy document should not specify a principal."},
		{name: "NotPrincipal in an identity policy", doc: doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"` + acct + `"},"Action":"rds:*","Resource":"*"}`), want: "Policy document should not specify a principal."},
		{name: "Principal string other than star", kind: Trust, doc: doc(`{"Effect":"Allow","Principal":"` + alice + `","Action":"sts:AssumeRole"}`), want: "Syntax errors in policy."},
		{name: "unknown principal type", kind: Trust, doc: doc(`{"Effect":"Allow","Principal":{"User":"alice"},"Action":"sts:AssumeRole"}`), want: "Syntax errors in policy."},
		{name: "trust policy without a principal", kind: Trust, doc: doc(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), want: "Missing required field Principal"},
		{name: "trust policy with a resource", kind: Trust, doc: doc(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}`), want: "Has prohibited field Resource"},
		{name: "trust policy granting another action", kind: Trust, doc: doc(`{"Effect":"Allow","Principal":"*","Action":"rds:*"}`), want: "AssumeRole policy may only specify STS AssumeRole actions."},
		{name: "trust policy granting another sts action", kind: Trust, doc: doc(`{"Effect":"Allow","Principal":"*","Action":"sts:GetCallerIdentity"}`), want: "AssumeRole policy may only specify STS AssumeRole actions."},
		{name: "invalid AWS principal", kind: Trust, doc: doc(`{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"sts:AssumeRole"}`), want: `Invalid principal in policy: "AWS":"alice"`},
		{name: "resource policy without a principal", kind: Resource, doc: doc(ok), want: "Missing required field Principal"},
		{name: "duplicate Sid", doc: doc(`{"Sid":"a","Effect":"Allow","Action":"rds:*","Resource":"*"}`, `{"Sid":"a","Effect":"Deny","Action":"iam:*","Resource":"*"}`), want: "Statement IDs (SID) in a single policy must be unique."},
		{name: "no actions", doc: doc(`{"Effect":"Allow","Resource":"*"}`), want: "Policy statement must contain actions."},
		{name: "empty action list", doc: doc(`{"Effect":"Allow","Action":[],"Resource":"*"}`), want: "Policy statement must contain actions."},
		{name: "no resources", doc: doc(`{"Effect":"Allow","Action":"rds:*"}`), want: "Policy statement must contain resources."},
		{name: "resource not an ARN", doc: doc(`{"Effect":"Allow","Action":"rds:*","Resource":"cluster-app"}`), want: `Resource cluster-app must be in ARN format or "*".`},
		{name: "resource without a service", doc: doc(`{"Effect":"Allow","Action":"rds:*","Resource":"arn:aws::us-east-1:1:x"}`), want: "The policy failed legacy parsing"},
		{name: "IAM resource with a region", doc: doc(`{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam:us-east-1:123456789012:role/x"}`), want: "IAM resource arn:aws:iam:us-east-1:123456789012:role/x cannot contain region information."},
		{name: "action without vendor prefix", doc: doc(`{"Effect":"Allow","Action":"CreateDBCluster","Resource":"*"}`), want: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{name: "NotAction without vendor prefix", doc: doc(`{"Effect":"Allow","NotAction":"Describe*","Resource":"*"}`), want: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{name: "action with two colons", doc: doc(`{"Effect":"Allow","Action":"rds:Create:DBCluster","Resource":"*"}`), want: "Actions/Condition can contain only one colon."},
		{name: "invalid vendor", doc: doc(`{"Effect":"Allow","Action":"r ds:Create","Resource":"*"}`), want: "Vendor r ds is not valid"},
		{name: "condition key without vendor prefix", doc: doc(allowIf(`{"StringEquals":{"RequestedRegion":"us-east-1"}}`)), want: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{name: "unknown condition operator", doc: doc(allowIf(`{"StringEqualz":{"aws:RequestedRegion":"us-east-1"}}`)), want: "Syntax errors in policy."},
		{name: "unknown set prefix", doc: doc(allowIf(`{"ForSomeValues:StringEquals":{"aws:TagKeys":"env"}}`)), want: "Syntax errors in policy."},
		{name: "condition block not an object", doc: doc(allowIf(`["StringEquals"]`)), want: "Syntax errors in policy."},
		{name: "condition value an object", doc: doc(allowIf(`{"StringEquals":{"aws:RequestedRegion":{"a":"b"}}}`)), want: "Syntax errors in policy."},
		{name: "condition value null", doc: doc(allowIf(`{"StringEquals":{"aws:RequestedRegion":null}}`)), want: "Syntax errors in policy."},
		{name: "bad date value", doc: doc(allowIf(`{"DateLessThan":{"aws:CurrentTime":"next tuesday"}}`)), want: "The policy failed legacy parsing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.doc, tc.kind)
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("Parse = %+v, %v; want *Error %q", p, err, tc.want)
			}
			if perr.Msg != tc.want || err.Error() != tc.want {
				t.Errorf("Parse error = %q, want %q", perr.Msg, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		doc(allowAllRDS),
		doc(`{"Sid":"x","Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:rds:*:*:cluster:${aws:username}"}`),
		doc(allowIf(`{"ForAllValues:StringLikeIfExists":{"aws:TagKeys":["env","t?am*"]},"Null":{"aws:RequestTag/x":true},"NumericLessThan":{"k:n":1.5}}`)),
		doc(allowIf(`{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`)),
		doc(`{"Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:root"],"Service":"monitoring.rds.amazonaws.com"},"Action":"sts:AssumeRole"}`),
		`{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole*"}}`,
		`{"Version":"2008-10-17","Statement":[]}`,
		`{"Version":`, `[]`, `null`, `"*"`, `{}`,
	}
	for _, s := range seeds {
		f.Add(s, 0)
		f.Add(s, 1)
		f.Add(s, 2)
	}
	f.Fuzz(func(t *testing.T, d string, kind int) {
		p, err := Parse(d, Kind(kind%3))
		if err != nil {
			var perr *Error
			if !errors.As(err, &perr) || perr.Msg == "" {
				t.Fatalf("Parse error %v is not a non-empty *Error", err)
			}
			return
		}
		if p == nil || len(p.Statements) == 0 {
			t.Fatal("Parse returned no statements without an error")
		}
		// Whatever parses must evaluate without panicking.
		req := rq("rds:CreateDBCluster", clusterApp, "aws:TagKeys=env,team", "aws:SourceIp=10.1.2.3")
		Evaluate([]*Policy{p}, req)
		EvaluateTrust(p, alice, "monitoring.rds.amazonaws.com", "sts:AssumeRole", req.Context)
	})
}
