package rdstls

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/resolve"
)

// testCA makes a root and a server certificate for names.
func testCA(t *testing.T, names ...string) (bundle []byte, leaf *x509.Certificate) {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey, leafKey := key(), key()
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test root"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ = x509.ParseCertificate(leafDER)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), leaf
}

func TestEndpointName(t *testing.T) {
	const cluster = "seed-apse1.cluster-abc.ap-southeast-1.rds.amazonaws.com"
	tests := []struct {
		name, host string
		chain      []resolve.Hop
		want       string
	}{
		{"an RDS endpoint is itself", cluster, nil, cluster},
		{"a Route 53 CNAME resolves through the cluster endpoint", "writer.seed.example.com",
			[]resolve.Hop{{Name: "writer.seed.example.com", CNAME: cluster + "."}, {Name: cluster, CNAME: "i1.abc.ap-southeast-1.rds.amazonaws.com"}}, cluster},
		{"a name that never reaches RDS", "db.example.com", []resolve.Hop{{Name: "db.example.com", CNAME: "other.example.net"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := endpointName(context.Background(), tt.host, resolve.Answer{Name: tt.host, Chain: tt.chain, Addrs: []string{"127.0.0.2"}})
			if got != tt.want || (tt.want == "") != (err != nil) {
				t.Fatalf("endpointName = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestVerifier_verify(t *testing.T) {
	const cluster = "seed.cluster-abc.ap-southeast-1.rds.amazonaws.com"
	bundle, leaf := testCA(t, "i1.abc.ap-southeast-1.rds.amazonaws.com", cluster)
	other, _ := testCA(t, cluster)
	tests := []struct {
		name, resolved, prev string
		bundle               []byte
		wantErr              string
	}{
		{"the RDS name the host resolved through", cluster, "", bundle, ""},
		{"a name not in the certificate", "seed.cluster-abc.ap-southeast-2.rds.amazonaws.com", "", bundle, "certificate is valid for"},
		{"the previous name after a flip", "seed.cluster-abc.ap-southeast-2.rds.amazonaws.com", cluster, bundle, ""},
		{"another CA", cluster, "", other, "unknown authority"},
		{"not resolved through RDS", "", "", bundle, "verify-full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := FromPEM(tt.bundle, "test bundle")
			if err != nil {
				t.Fatal(err)
			}
			v := &verifier{roots: tr.roots, source: tr.source, host: "writer.seed.example.com", name: tt.resolved, prev: tt.prev}
			err = v.verify(tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}})
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("verify = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	bundle, _ := testCA(t, "x.rds.amazonaws.com")
	emu := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == EmulatorBundlePath {
			_, _ = w.Write(bundle)
			return
		}
		http.NotFound(w, r)
	}))
	defer emu.Close()
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	file := filepath.Join(t.TempDir(), "global-bundle.pem")
	if err := os.WriteFile(file, bundle, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name, endpoint, file, wantSource, wantErr string
	}{
		{"the emulator's bundle", emu.URL, "", emu.URL + EmulatorBundlePath, ""},
		{"a bundle file wins", emu.URL, file, file, ""},
		{"not an emulator: system roots", other.URL, "", "the system roots", ""},
		{"AWS: system roots", "", "", "the system roots", ""},
		{"missing file", "", filepath.Join(t.TempDir(), "nope.pem"), "", "no such file"},
		{"emulator down", "http://127.0.0.1:1", "", "", "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := Load(ctx, tt.endpoint, tt.file)
			_, err := tr.Roots()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load: %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !strings.HasPrefix(tr.source, tt.wantSource) {
				t.Fatalf("Load: source %q, err %v; want %q", tr.source, err, tt.wantSource)
			}
		})
	}
}
