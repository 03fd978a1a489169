package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadOrCreate(t *testing.T) {
	t.Run("created once, then loaded", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ca")
		a, err := LoadOrCreate(dir)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(filepath.Join(dir, caKeyFile))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("key mode %v, want 0600", fi.Mode().Perm())
		}
		b, err := LoadOrCreate(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bundle(), b.Bundle()) {
			t.Error("second start made a new CA; clients' bundles would stop verifying")
		}
	})
	t.Run("half a CA is refused", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := LoadOrCreate(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(dir, caCertFile)); err != nil {
			t.Fatal(err)
		}
		_, err := LoadOrCreate(dir)
		if err == nil || !strings.Contains(err.Error(), "missing") {
			t.Fatalf("LoadOrCreate = %v, want a missing-file error", err)
		}
	})
	t.Run("mismatched key is refused", func(t *testing.T) {
		d1, d2 := t.TempDir(), t.TempDir()
		for _, d := range []string{d1, d2} {
			if _, err := LoadOrCreate(d); err != nil {
				t.Fatal(err)
			}
		}
		other, _ := os.ReadFile(filepath.Join(d2, caKeyFile))
		if err := os.WriteFile(filepath.Join(d1, caKeyFile), other, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreate(d1); err == nil {
			t.Fatal("LoadOrCreate accepted a key of another CA")
		}
	})
}

func TestAuthority_Issue(t *testing.T) {
	a, err := LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(a.Bundle())
	names := []string{
		"db-1.cabcdefghijk.ap-southeast-1.rds.amazonaws.com",
		"seed.cluster-cabcdefghijk.ap-southeast-1.rds.amazonaws.com",
		"seed.cluster-ro-cabcdefghijk.ap-southeast-1.rds.amazonaws.com",
	}
	certPEM, keyPEM, err := a.Issue(names)
	if err != nil {
		t.Fatal(err)
	}
	if kb, _ := pem.Decode(keyPEM); kb == nil || kb.Type != "EC PRIVATE KEY" {
		t.Fatal("key is not an EC PRIVATE KEY block")
	}
	b, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cert.DNSNames, names) || len(cert.IPAddresses) != 0 || len(cert.URIs) != 0 || len(cert.EmailAddresses) != 0 {
		t.Fatalf("SANs = %v %v %v %v, want exactly %v", cert.DNSNames, cert.IPAddresses, cert.URIs, cert.EmailAddresses, names)
	}
	tests := []struct {
		name    string
		dnsName string
		ok      bool
	}{
		{"instance endpoint", names[0], true},
		{"cluster endpoint", names[1], true},
		{"reader endpoint", names[2], true},
		{"Route 53 name", "writer.seed.globaldb.example.com", false},
		{"address", "127.0.0.2", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cert.Verify(x509.VerifyOptions{DNSName: tt.dnsName, Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
			if (err == nil) != tt.ok {
				t.Fatalf("verify %s: %v, want ok=%v", tt.dnsName, err, tt.ok)
			}
		})
	}
	if _, _, err := a.Issue(nil); err == nil {
		t.Error("Issue(nil) succeeded")
	}
}
