package emulator

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/globaldb/globaldb/internal/emulator/dbauth"
	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/emulator/iampolicy"
	"github.com/globaldb/globaldb/internal/emulator/sigv4"
)

// startDBAuth runs the LDAP bind server PostgreSQL asks about members of
// rds_iam (IAM database authentication; docs/emulator.md) and points every
// engine's pg_hba at it.
func (e *Emulator) startDBAuth(ctx context.Context) error {
	srv := dbauth.NewServer("127.0.0.1:0", e.validateDBToken, e.log.With("component", "dbauth"))
	if err := srv.Start(ctx); err != nil {
		return fmt.Errorf("start IAM database authentication server: %w", err)
	}
	e.dbauth = srv
	if err := e.engine.SetIAMAuth(&engine.IAMAuth{Addr: srv.Addr()}); err != nil {
		return fmt.Errorf("configure IAM database authentication: %w", err)
	}
	return nil
}

// validateDBToken decides an IAM database authentication attempt: token
// must be an RDS auth token (a SigV4-presigned "connect" URL for service
// rds-db) for user, signed by a known principal, for an instance of a
// cluster with EnableIAMDatabaseAuthentication, and the principal must be
// allowed rds-db:connect on arn:aws:rds-db:REGION:ACCOUNT:dbuser:<DbClusterResourceId>/<user>.
// reason is for the log only.
func (e *Emulator) validateDBToken(ctx context.Context, hostPort, user, token string) (bool, string) {
	host, _, err := net.SplitHostPort(hostPort)
	if err != nil {
		return false, "bad instance address"
	}
	target, ok := e.rds.DBAuthTargetAt(host)
	if !ok {
		return false, "no instance at " + hostPort
	}
	if !target.IAMAuth {
		return false, "IAM database authentication is not enabled on the cluster"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+token, nil)
	if err != nil {
		return false, "token is not a presigned URL"
	}
	q := req.URL.Query()
	if q.Get("Action") != "connect" || q.Get("DBUser") != user {
		return false, "token is not for connect as " + user
	}
	id, err := (&sigv4.Verifier{Secrets: e}).Verify(ctx, req, nil)
	if err != nil {
		return false, "signature: " + err.Error()
	}
	if id.Service != "rds-db" || id.Region != target.Region {
		return false, fmt.Sprintf("token signed for %s in %s, want rds-db in %s", id.Service, id.Region, target.Region)
	}
	p, err := e.principal(id.AccessKeyID)
	if err != nil {
		return false, err.Error()
	}
	if p.IsRoot {
		return true, ""
	}
	resource := fmt.Sprintf("arn:aws:rds-db:%s:%s:dbuser:%s/%s", target.Region, e.cfg.AccountID, target.ClusterResourceID, user)
	d := iampolicy.Evaluate(e.iam.IdentityPolicies(p.ARN), iampolicy.Request{Principal: p.ARN, Action: "rds-db:connect", Resource: resource,
		Context: map[string][]string{"aws:principalarn": {p.ARN}, "aws:requestedregion": {target.Region}}})
	if d != iampolicy.Allow {
		return false, fmt.Sprintf("%s is not allowed rds-db:connect on %s", p.ARN, resource)
	}
	return true, ""
}
