// Package rdstls makes globaldb's own database connections verify servers
// the way RDS documents for its clients: TLS with sslmode=verify-full, the
// certificate checked against the RDS CA bundle and the RDS endpoint name.
//
// RDS certificates carry RDS endpoint names only. A client that connects
// through a Route 53 name (writer.example.com CNAME → cluster endpoint)
// and checks the name it dialled fails hostname verification. globaldb's
// clients dial whatever the Route 53 name resolves to (so they follow DNS
// failover, as applications do) and verify the certificate against the
// RDS endpoint name the Route 53 name resolved through
// (docs/runbook.md, "TLS").
package rdstls

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/resolve"
)

// EndpointSuffix ends every RDS endpoint name (instance, cluster, reader,
// global writer endpoints) in the commercial partition.
const EndpointSuffix = ".rds.amazonaws.com"

// AWSBundleURL is AWS's bundle of every commercial region's RDS root CAs.
const AWSBundleURL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"

// EmulatorBundlePath is where the globaldb emulator serves its CA bundle.
const EmulatorBundlePath = "/_globaldb/global-bundle.pem"

// Trust is the set of root CAs database certificates are checked against,
// or why it could not be loaded.
type Trust struct {
	roots  *x509.CertPool
	source string
	err    error
}

// Load finds the roots for databases reached through endpointURL (the AWS
// endpoint URL; "" for AWS itself):
//   - bundleFile, when set (e.g. AWS's global-bundle.pem, or
//     $PGSSLROOTCERT), added to the system roots;
//   - else the bundle the globaldb emulator serves at EmulatorBundlePath of
//     endpointURL;
//   - else the system roots, which do not hold the RDS CAs: download
//     AWSBundleURL and pass it as bundleFile.
//
// Load never fails; a failure is returned by Roots and Configure, so a
// command that does not reach a database is not affected.
func Load(ctx context.Context, endpointURL, bundleFile string) *Trust {
	if bundleFile != "" {
		return fromFile(bundleFile)
	}
	if endpointURL != "" {
		pem, found, err := fetchBundle(ctx, endpointURL)
		if err != nil {
			return &Trust{err: fmt.Errorf("load database CA bundle: %w", err)}
		}
		if found {
			tr, err := FromPEM(pem, endpointURL+EmulatorBundlePath)
			if err != nil {
				return &Trust{err: err}
			}
			return tr
		}
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		return &Trust{err: fmt.Errorf("load system roots: %w", err)}
	}
	return &Trust{roots: roots, source: "the system roots (pass a CA bundle for RDS: " + AWSBundleURL + ")"}
}

// FromPEM trusts exactly the certificates in pem; source names them in
// errors.
func FromPEM(pem []byte, source string) (*Trust, error) {
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("load database CA bundle: no certificate in %s", source)
	}
	return &Trust{roots: roots, source: source}, nil
}

func fromFile(path string) *Trust {
	pem, err := os.ReadFile(path)
	if err != nil {
		return &Trust{err: fmt.Errorf("load database CA bundle: %w", err)}
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	if !roots.AppendCertsFromPEM(pem) {
		return &Trust{err: fmt.Errorf("load database CA bundle: no certificate in %s", path)}
	}
	return &Trust{roots: roots, source: path}
}

// fetchBundle GETs the emulator's bundle; found is false when endpointURL
// answers but does not serve one (not an emulator).
func fetchBundle(ctx context.Context, endpointURL string) (pem []byte, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	url := strings.TrimSuffix(endpointURL, "/") + EmulatorBundlePath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, false, fmt.Errorf("fetch %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("fetch %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, false, fmt.Errorf("fetch %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "-----BEGIN CERTIFICATE-----") {
		return nil, false, nil
	}
	return body, true, nil
}

// Roots returns the root CAs, or why they could not be loaded.
func (tr *Trust) Roots() (*x509.CertPool, error) { return tr.roots, tr.err }

// Configure makes cfg (from pgx.ParseConfig, one host) connect with TLS
// and verify-full: it dials the addresses cfg.Host resolves to with res
// (following Route 53 CNAMEs, as clients do) and accepts only a
// certificate that chains to the trusted roots and is valid for the RDS
// endpoint name behind cfg.Host, found anew at every connection. There
// is no fallback to a connection without TLS.
func (tr *Trust) Configure(cfg *pgx.ConnConfig, res resolve.Resolver) error {
	if tr.err != nil {
		return tr.err
	}
	v := &verifier{roots: tr.roots, source: tr.source, res: res, host: cfg.Host}
	cfg.TLSConfig = &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The standard check would compare the certificate with
		// cfg.Host; VerifyConnection does the same check with the RDS
		// endpoint name instead.
		InsecureSkipVerify: true, // verified in VerifyConnection
		VerifyConnection:   v.verify,
	}
	if net.ParseIP(cfg.Host) == nil {
		cfg.TLSConfig.ServerName = cfg.Host // SNI, as libpq sends it
	}
	cfg.Fallbacks = nil
	cfg.LookupFunc = v.lookup
	return nil
}

// verifier checks one configuration's server certificates.
type verifier struct {
	roots  *x509.CertPool
	source string
	res    resolve.Resolver
	host   string

	mu   sync.Mutex
	name string // RDS endpoint name of the latest resolution
	prev string // and of the one before, while a concurrent dial may use it
	why  error  // why the latest resolution named none
}

// lookup resolves host for pgx and remembers the RDS endpoint name it
// went through.
func (v *verifier) lookup(ctx context.Context, host string) ([]string, error) {
	if net.ParseIP(host) != nil {
		return []string{host}, nil
	}
	ans, err := v.res.Trace(ctx, host)
	if err != nil {
		return nil, err
	}
	name, why := endpointName(ctx, host, ans)
	v.mu.Lock()
	if name != v.name && v.name != "" {
		v.prev = v.name
	}
	v.name, v.why = name, why
	v.mu.Unlock()
	return ans.Addrs, nil
}

func (v *verifier) verify(cs tls.ConnectionState) error {
	v.mu.Lock()
	name, prev, why := v.name, v.prev, v.why
	v.mu.Unlock()
	if name == "" {
		if why == nil {
			why = fmt.Errorf("%s was not resolved", v.host)
		}
		return fmt.Errorf("verify-full: %w", why)
	}
	if len(cs.PeerCertificates) == 0 {
		return errors.New("verify-full: the server sent no certificate")
	}
	opts := x509.VerifyOptions{DNSName: name, Roots: v.roots, Intermediates: x509.NewCertPool(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(opts)
	if err != nil && prev != "" {
		// The name moved (a failover) between this dial's lookup and
		// another's: the previous RDS name is as legitimate.
		opts.DNSName = prev
		if _, perr := cs.PeerCertificates[0].Verify(opts); perr == nil {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("verify-full against %s (CA bundle: %s): %w", name, v.source, err)
	}
	return nil
}

// IsEndpoint tells whether name is an RDS endpoint name.
func IsEndpoint(name string) bool {
	return strings.HasSuffix(strings.TrimSuffix(strings.ToLower(name), "."), EndpointSuffix)
}

// endpointName is the RDS endpoint name host stands for: host itself, or
// the first RDS endpoint name in its CNAME chain (a Route 53 record
// aimed at a cluster or global writer endpoint).
func endpointName(ctx context.Context, host string, ans resolve.Answer) (string, error) {
	if IsEndpoint(host) {
		return strings.TrimSuffix(host, "."), nil
	}
	for _, h := range ans.Chain {
		if IsEndpoint(h.CNAME) {
			return strings.TrimSuffix(h.CNAME, "."), nil
		}
	}
	if len(ans.Chain) == 0 {
		// The system resolver does not show the chain; ask for the
		// first CNAME target.
		if cname, err := net.DefaultResolver.LookupCNAME(ctx, host); err == nil && IsEndpoint(cname) {
			return strings.TrimSuffix(cname, "."), nil
		}
	}
	return "", fmt.Errorf("%s does not resolve through an RDS endpoint name (*%s), the only names RDS certificates carry", host, EndpointSuffix)
}
