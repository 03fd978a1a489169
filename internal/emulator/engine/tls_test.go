package engine

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// connectTLS logs in to n as the admin over TLS, verifying the server
// certificate against testCA for serverName, and returns the name the
// server's certificate was issued to.
func connectTLS(ctx context.Context, t *testing.T, n Node, serverName string) (string, error) {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(testCA(t).Bundle())
	cfg, err := pgx.ParseConfig("sslmode=require")
	if err != nil {
		return "", err
	}
	cfg.Host, cfg.Port, cfg.Database = n.Host, uint16(n.Port), "postgres"
	cfg.User, cfg.Password = testAdmin.User, testAdmin.Password
	cfg.TLSConfig = &tls.Config{ServerName: serverName, RootCAs: roots, MinVersion: tls.VersionTLS12}
	cfg.Fallbacks = nil
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	var ssl bool
	if err := c.QueryRow(ctx, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl); err != nil || !ssl {
		t.Fatalf("pg_stat_ssl: ssl=%v err=%v", ssl, err)
	}
	state, ok := c.PgConn().Conn().(*tls.Conn)
	if !ok {
		t.Fatal("connection is not TLS")
	}
	return state.ConnectionState().PeerCertificates[0].Subject.CommonName, nil
}

func TestSupervisor_TLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	ctx := testCtx(t)
	s := newSupervisor(t)
	p, _ := startPrimary(t, s, "p")
	if err := s.EnsureLogin(ctx, p, "app", "app-secret", ""); err != nil {
		t.Fatal(err)
	}

	t.Run("verify-full with the node's name", func(t *testing.T) {
		if _, err := connectTLS(ctx, t, p, "p.engine.test"); err != nil {
			t.Fatalf("verify-full: %v", err)
		}
	})
	t.Run("verify-full with another name fails", func(t *testing.T) {
		_, err := connectTLS(ctx, t, p, "writer.example.com")
		if err == nil || !strings.Contains(err.Error(), "certificate is valid for p.engine.test, not writer.example.com") {
			t.Fatalf("verify-full with a foreign name: %v", err)
		}
	})
	t.Run("without TLS while not required", func(t *testing.T) {
		if err := loginWith(ctx, "disable", p, "app", "app-secret"); err != nil {
			t.Fatalf("sslmode=disable: %v", err)
		}
	})
	t.Run("a clone gets its own certificate", func(t *testing.T) {
		s1, _ := startStandby(t, s, "s1", p)
		got, err := connectTLS(ctx, t, s1, "s1.engine.test")
		if err != nil || got != "s1.engine.test" {
			t.Fatalf("standby certificate %q, err %v; want its own", got, err)
		}
	})
	t.Run("RequireTLS refuses clients without TLS", func(t *testing.T) {
		p.RequireTLS = true
		if err := s.Reconfigure(ctx, p); err != nil {
			t.Fatalf("Reconfigure: %v", err)
		}
		err := loginWith(ctx, "disable", p, "app", "app-secret")
		// The client's address is 127.0.0.1, whichever address it dials.
		want := `no pg_hba.conf entry for host "127.0.0.1", user "app", database "postgres", no encryption`
		if sqlState(err) != "28000" || !strings.Contains(err.Error(), want) {
			t.Fatalf("sslmode=disable: %v, want %q", err, want)
		}
		if err := loginWith(ctx, "require", p, "app", "app-secret"); err != nil {
			t.Fatalf("sslmode=require: %v", err)
		}
		if _, err := s.InRecovery(ctx, p); err != nil {
			t.Fatalf("the supervisor's own connection: %v", err)
		}
	})
	t.Run("Reconfigure installs a new certificate", func(t *testing.T) {
		cert, key, err := testCA(t).Issue([]string{"p2.engine.test", "p.engine.test"})
		if err != nil {
			t.Fatal(err)
		}
		p.TLS = &TLS{Cert: cert, Key: key}
		if err := s.Reconfigure(ctx, p); err != nil {
			t.Fatalf("Reconfigure: %v", err)
		}
		got, err := connectTLS(ctx, t, p, "p2.engine.test")
		if err != nil || got != "p2.engine.test" {
			t.Fatalf("certificate after Reconfigure %q, err %v", got, err)
		}
	})
}
