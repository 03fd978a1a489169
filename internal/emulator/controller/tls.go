package controller

import (
	"context"
	"crypto/tls"
	"fmt"
	"slices"
	"strings"

	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/emulator/rds"
)

// tlsState is an actor's server certificate and what its running server
// was last configured with.
type tlsState struct {
	names   []string    // names of cert
	cert    *engine.TLS // nil until issued, or without an Issuer
	applied string      // want() the running server has; "" when unknown
}

// want identifies the TLS configuration spec asks for: certificate names
// and rds.force_ssl.
func (t *tlsState) want(spec rds.Node) string {
	return fmt.Sprintf("%s force_ssl=%v", strings.Join(t.names, ","), spec.ForceSSL)
}

// issueCert gives the instance a certificate for its current endpoint
// names, issuing a new one when they change (the cluster joined or left a
// global cluster).
func (a *actor) issueCert(spec rds.Node) error {
	if a.c.cfg.Certs == nil || len(spec.TLSNames) == 0 {
		return nil
	}
	if a.tls.cert != nil && slices.Equal(a.tls.names, spec.TLSNames) {
		return nil
	}
	cert, key, err := a.c.cfg.Certs.Issue(spec.TLSNames)
	if err != nil {
		return fmt.Errorf("issue server certificate: %w", err)
	}
	pair, err := tls.X509KeyPair(cert, key)
	if err != nil {
		return fmt.Errorf("load server certificate: %w", err)
	}
	a.tls.names, a.tls.cert = slices.Clone(spec.TLSNames), &engine.TLS{Cert: cert, Key: key}
	a.mu.Lock()
	a.frontTLS = &pair
	a.mu.Unlock()
	a.log.Info("issued server certificate", "names", spec.TLSNames)
	return nil
}

// reconfigure brings a running server's certificate and pg_hba up to
// date without a restart, as RDS applies rds.force_ssl (a dynamic
// parameter) and rotates certificates. It runs only once the server is in
// its role: a fenced old writer keeps its fencing pg_hba.
func (a *actor) reconfigure(ctx context.Context, spec rds.Node, n engine.Node) error {
	want := a.tls.want(spec)
	if a.proc == nil || a.tls.applied == want {
		return nil
	}
	if err := a.c.cfg.Engine.Reconfigure(ctx, n); err != nil {
		return fmt.Errorf("apply TLS settings: %w", err)
	}
	a.log.Info("applied TLS settings", "force_ssl", spec.ForceSSL, "names", a.tls.names)
	a.tls.applied = want
	return nil
}
