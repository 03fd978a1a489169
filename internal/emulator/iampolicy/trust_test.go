package iampolicy

import "testing"

// trust wraps statements in a 2012-10-17 trust policy.
func trust(statements ...string) string { return doc(statements...) }

func TestEvaluateTrust(t *testing.T) {
	const (
		bob        = "arn:aws:iam::123456789012:user/bob"
		opsSession = "arn:aws:sts::123456789012:assumed-role/ops/session-1"
		otherRole  = "arn:aws:sts::123456789012:assumed-role/dev/s"
		foreign    = "arn:aws:iam::999999999999:user/mallory"
		monitoring = "monitoring.rds.amazonaws.com"
		assume     = "sts:AssumeRole"
		oidc       = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
	)
	allowAWS := func(p string) string {
		return `{"Effect":"Allow","Principal":{"AWS":"` + p + `"},"Action":"sts:AssumeRole"}`
	}
	cases := []struct {
		name      string
		doc       string
		identity  bool // parse as an identity policy instead of a trust policy
		principal string
		service   string
		action    string
		ctx       map[string][]string
		want      Decision
	}{
		{name: "account root trusts a user of the account", doc: trust(allowAWS("arn:aws:iam::123456789012:root")), principal: alice, action: assume, want: Allow},
		{name: "account root trusts a role session of the account", doc: trust(allowAWS("arn:aws:iam::123456789012:root")), principal: opsSession, action: assume, want: Allow},
		{name: "account root does not trust another account", doc: trust(allowAWS("arn:aws:iam::123456789012:root")), principal: foreign, action: assume, want: ImplicitDeny},
		{name: "bare account id trusts the account", doc: trust(allowAWS(acct)), principal: bob, action: assume, want: Allow},
		{name: "bare account id does not trust a service", doc: trust(allowAWS(acct)), service: monitoring, action: assume, want: ImplicitDeny},
		{name: "user ARN trusts that user", doc: trust(allowAWS(alice)), principal: alice, action: assume, want: Allow},
		{name: "user ARN does not trust another user", doc: trust(allowAWS(alice)), principal: bob, action: assume, want: ImplicitDeny},
		{name: "role ARN trusts its sessions", doc: trust(allowAWS(roleOps)), principal: opsSession, action: assume, want: Allow},
		{name: "role ARN trusts the role itself", doc: trust(allowAWS(roleOps)), principal: roleOps, action: assume, want: Allow},
		{name: "role ARN with a path trusts its sessions", doc: trust(allowAWS("arn:aws:iam::123456789012:role/teams/ops")), principal: opsSession, action: assume, want: Allow},
		{name: "role ARN does not trust another role's session", doc: trust(allowAWS(roleOps)), principal: otherRole, action: assume, want: ImplicitDeny},
		{name: "service principal", doc: trust(`{"Effect":"Allow","Principal":{"Service":"monitoring.rds.amazonaws.com"},"Action":"sts:AssumeRole"}`),
			service: monitoring, action: assume, want: Allow},
		{name: "service principal in a list", doc: trust(`{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","monitoring.rds.amazonaws.com"]},"Action":"sts:AssumeRole"}`),
			service: monitoring, action: assume, want: Allow},
		{name: "other service is not trusted", doc: trust(`{"Effect":"Allow","Principal":{"Service":"monitoring.rds.amazonaws.com"},"Action":"sts:AssumeRole"}`),
			service: "lambda.amazonaws.com", action: assume, want: ImplicitDeny},
		{name: "service principal does not trust a user", doc: trust(`{"Effect":"Allow","Principal":{"Service":"monitoring.rds.amazonaws.com"},"Action":"sts:AssumeRole"}`),
			principal: alice, action: assume, want: ImplicitDeny},
		{name: "star trusts everyone", doc: trust(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`), principal: foreign, action: assume, want: Allow},
		{name: "star trusts services", doc: trust(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`), service: monitoring, action: assume, want: Allow},
		{name: "AWS star trusts every AWS principal", doc: trust(allowAWS("*")), principal: foreign, action: assume, want: Allow},
		{name: "NotPrincipal Deny denies everyone but the listed role", doc: trust(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`,
			`{"Effect":"Deny","NotPrincipal":{"AWS":"`+roleOps+`"},"Action":"sts:AssumeRole"}`), principal: alice, action: assume, want: ExplicitDeny},
		{name: "NotPrincipal Deny spares the listed role", doc: trust(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`,
			`{"Effect":"Deny","NotPrincipal":{"AWS":"`+roleOps+`"},"Action":"sts:AssumeRole"}`), principal: opsSession, action: assume, want: Allow},
		{name: "explicit Deny of one user beats the account", doc: trust(allowAWS(acct), `{"Effect":"Deny","Principal":{"AWS":"`+bob+`"},"Action":"sts:AssumeRole"}`),
			principal: bob, action: assume, want: ExplicitDeny},
		{name: "action not granted", doc: trust(allowAWS(acct)), principal: alice, action: "sts:TagSession", want: ImplicitDeny},
		{name: "action matches case-insensitively", doc: trust(allowAWS(acct)), principal: alice, action: "STS:assumerole", want: Allow},
		{name: "action list grants TagSession", doc: trust(`{"Effect":"Allow","Principal":{"AWS":"` + acct + `"},"Action":["sts:AssumeRole","sts:TagSession"]}`),
			principal: alice, action: "sts:TagSession", want: Allow},
		{name: "action wildcard", doc: trust(`{"Effect":"Allow","Principal":{"Federated":"` + oidc + `"},"Action":"sts:AssumeRole*"}`),
			principal: oidc, action: "sts:AssumeRoleWithWebIdentity", want: Allow},
		{name: "external id condition holds", doc: trust(`{"Effect":"Allow","Principal":{"AWS":"` + acct + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"xyz"}}}`),
			principal: alice, action: assume, ctx: map[string][]string{"sts:ExternalId": {"xyz"}}, want: Allow},
		{name: "external id condition fails when absent", doc: trust(`{"Effect":"Allow","Principal":{"AWS":"` + acct + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"xyz"}}}`),
			principal: alice, action: assume, want: ImplicitDeny},
		{name: "service with aws:SourceAccount and aws:SourceArn", doc: trust(`{"Effect":"Allow","Principal":{"Service":"monitoring.rds.amazonaws.com"},"Action":"sts:AssumeRole",
			"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"ArnLike":{"aws:SourceArn":"arn:aws:rds:*:123456789012:db:*"}}}`),
			service: monitoring, action: assume, ctx: map[string][]string{"aws:SourceAccount": {acct}, "aws:SourceArn": {instanceApp}}, want: Allow},
		{name: "service from another account is refused by aws:SourceAccount", doc: trust(`{"Effect":"Allow","Principal":{"Service":"monitoring.rds.amazonaws.com"},"Action":"sts:AssumeRole",
			"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}`),
			service: monitoring, action: assume, ctx: map[string][]string{"aws:SourceAccount": {"999999999999"}}, want: ImplicitDeny},
		{name: "aws:PrincipalArn of a session is its role", doc: trust(`{"Effect":"Allow","Principal":{"AWS":"` + acct + `"},"Action":"sts:AssumeRole",
			"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/op*"}}}`),
			principal: opsSession, action: assume, want: Allow},
		{name: "aws:PrincipalAccount is derived", doc: trust(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole",
			"Condition":{"StringEquals":{"aws:PrincipalAccount":"123456789012"}}}`),
			principal: foreign, action: assume, want: ImplicitDeny},
		{name: "federated web identity with audience condition", doc: trust(`{"Effect":"Allow","Principal":{"Federated":"` + oidc + `"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:globaldb/*"}}}`),
			principal: oidc, action: "sts:AssumeRoleWithWebIdentity",
			ctx:  map[string][]string{"token.actions.githubusercontent.com:aud": {"sts.amazonaws.com"}, "token.actions.githubusercontent.com:sub": {"repo:globaldb/globaldb:ref:refs/heads/main"}},
			want: Allow},
		{name: "statement without principal never applies", identity: true, doc: doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}`),
			principal: alice, action: assume, want: ImplicitDeny},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kind := Trust
			if tc.identity {
				kind = Identity
			}
			p := mustParse(t, tc.doc, kind)
			if got := EvaluateTrust(p, tc.principal, tc.service, tc.action, tc.ctx); got != tc.want {
				t.Errorf("EvaluateTrust = %v, want %v", got, tc.want)
			}
		})
	}
}
