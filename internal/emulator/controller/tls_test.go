package controller

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"slices"
	"testing"

	"github.com/globaldb/globaldb/internal/emulator/certs"
	"github.com/globaldb/globaldb/internal/emulator/rds"
)

// countingIssuer records the names of every certificate it issues (real
// ones, from a test authority: the wire front loads them).
type countingIssuer struct {
	ca     *certs.Authority
	issued [][]string
}

func (c *countingIssuer) Issue(names []string) ([]byte, []byte, error) {
	c.issued = append(c.issued, slices.Clone(names))
	return c.ca.Issue(names)
}

func TestActor_issueCert(t *testing.T) {
	ca, err := certs.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	iss := &countingIssuer{ca: ca}
	a := &actor{c: &Controller{cfg: Config{Certs: iss}}, log: slog.New(slog.DiscardHandler)}
	regional := []string{"i1.x.ap-southeast-2.rds.amazonaws.com", "s.cluster-x.ap-southeast-2.rds.amazonaws.com", "s.cluster-ro-x.ap-southeast-2.rds.amazonaws.com"}
	global := append(slices.Clone(regional), "g.global-y.global.rds.amazonaws.com")
	steps := []struct {
		name      string
		names     []string
		wantIssue int
	}{
		{"first start issues", global, 1},
		{"same names keep the certificate", global, 1},
		{"leaving the global cluster reissues", regional, 2},
		{"unchanged again", regional, 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			spec := rds.Node{Name: "n1", Host: "127.0.0.2", Port: 5432, TLSNames: st.names}
			if err := a.issueCert(spec); err != nil {
				t.Fatal(err)
			}
			if len(iss.issued) != st.wantIssue || !slices.Equal(iss.issued[len(iss.issued)-1], st.names) {
				t.Fatalf("issued %v, want %d issues, the last for %v", iss.issued, st.wantIssue, st.names)
			}
			n := a.node(spec)
			if n.TLS == nil {
				t.Fatal("the node has no certificate")
			}
			block, _ := pem.Decode(n.TLS.Cert)
			if block == nil {
				t.Fatal("the node's certificate is not PEM")
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cert.DNSNames, st.names) {
				t.Fatalf("the server's certificate names %v, want %v", cert.DNSNames, st.names)
			}
			// The wire front presents the same certificate as the server
			// (SCRAM channel binding depends on it).
			if fc := a.frontCert(); fc == nil || !bytes.Equal(fc.Certificate[0], block.Bytes) {
				t.Fatal("the front's certificate is not the server's")
			}
		})
	}
	t.Run("force_ssl changes what the running server must apply", func(t *testing.T) {
		off, on := a.tls.want(rds.Node{}), a.tls.want(rds.Node{ForceSSL: true})
		if off == on {
			t.Fatal("rds.force_ssl does not change the wanted TLS settings")
		}
		if n := a.node(rds.Node{Name: "n1", ForceSSL: true}); !n.RequireTLS {
			t.Fatal("ForceSSL does not make the engine require TLS")
		}
	})
}
