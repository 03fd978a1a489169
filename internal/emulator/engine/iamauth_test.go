package engine

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"weak"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/globaldb/globaldb/internal/emulator/dbauth"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestSupervisor_hbaFile(t *testing.T) {
	const (
		own = "# globaldb: loopback TCP only; the supervisor's own connections\n" +
			"host all \"rdsadmin\" 127.0.0.0/8 scram-sha-256\n" +
			"host replication all 127.0.0.0/8 scram-sha-256\n"
		iam = "# globaldb: IAM database authentication for members of rds_iam, over TLS only\n" +
			`hostssl all +rds_iam 127.0.0.0/8 ldap ldapserver=127.0.0.1 ldapport=3890 ldapprefix="cn=" ldapsuffix=",ou=127.0.0.5:5432,dc=globaldb-iam"` + "\n" +
			"hostnossl all +rds_iam 127.0.0.0/8 reject\n"
		clients    = "# globaldb: clients, SCRAM with or without TLS\nhost all all 127.0.0.0/8 scram-sha-256\n"
		clientsTLS = "# globaldb: clients, SCRAM over TLS only (rds.force_ssl = 1)\nhostssl all all 127.0.0.0/8 scram-sha-256\n"
	)
	tests := []struct {
		name       string
		auth       *IAMAuth
		requireTLS bool
		wantErr    bool
		want       string
	}{
		{"no IAM auth", nil, false, false, own + clients},
		{"no IAM auth, TLS required", nil, true, false, own + clientsTLS},
		{"IAM over TLS only", &IAMAuth{Addr: "127.0.0.1:3890"}, false, false, own + iam + clients},
		{"IAM, TLS required", &IAMAuth{Addr: "127.0.0.1:3890"}, true, false, own + iam + clientsTLS},
		{"IPv6 server", &IAMAuth{Addr: "[::1]:3890"}, false, true, ""},
		{"no port", &IAMAuth{Addr: "127.0.0.1"}, false, true, ""},
		{"port 0", &IAMAuth{Addr: "127.0.0.1:0"}, false, true, ""},
		{"quote in host", &IAMAuth{Addr: `a"b:1`}, false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Supervisor{admin: testAdmin}
			defer s.SetIAMAuth(nil)
			if err := s.SetIAMAuth(tt.auth); (err != nil) != tt.wantErr {
				t.Fatalf("SetIAMAuth: %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			n := Node{Name: "n", Host: "127.0.0.5", Port: 5432, RequireTLS: tt.requireTLS}
			if got := string(s.hbaFile(n)); got != tt.want {
				t.Fatalf("hbaFile =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// tokenValidator accepts a token that is an RDS connect URL for user while
// allow is set, and records the last call.
type tokenValidator struct {
	mu    sync.Mutex
	allow bool
	last  [3]string // hostPort, user, token
}

func (v *tokenValidator) validate(_ context.Context, hostPort, user, token string) (bool, string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.last = [3]string{hostPort, user, token}
	u, err := url.Parse("https://" + token)
	if err != nil || u.Query().Get("Action") != "connect" || u.Query().Get("DBUser") != user {
		return false, "not a connect token for " + user
	}
	return v.allow, "denied by test"
}

func (v *tokenValidator) set(allow bool) (last [3]string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.allow, last, v.last = allow, v.last, [3]string{}
	return last
}

func (v *tokenValidator) lastCall() [3]string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.last
}

// loginAs connects to n as user/password over TLS (sslmode=require) and
// runs SELECT current_user.
func loginAs(ctx context.Context, n Node, user, password string) error {
	return loginWith(ctx, "require", n, user, password)
}

// loginWith is loginAs with the given sslmode.
func loginWith(ctx context.Context, sslmode string, n Node, user, password string) error {
	// The host must be in the string: pgx sets up TLS for the host it
	// parses, and none for its default (a Unix socket).
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d sslmode=%s", n.Host, n.Port, sslmode))
	if err != nil {
		return err
	}
	cfg.Database = "postgres"
	cfg.User, cfg.Password = user, password
	cfg.Fallbacks = nil
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	var got string
	if err := c.QueryRow(ctx, "SELECT current_user").Scan(&got); err != nil {
		return err
	}
	if got != user {
		return errors.New("logged in as " + got)
	}
	return nil
}

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestSupervisor_IAMAuth(t *testing.T) {
	ctx := testCtx(t)
	v := &tokenValidator{}
	srv := dbauth.NewServer("127.0.0.1:0", v.validate, testLogger(t))
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	s := newSupervisor(t)
	if err := s.SetIAMAuth(&IAMAuth{Addr: srv.Addr()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.SetIAMAuth(nil) })
	p, _ := startPrimary(t, s, "p")
	for range 2 {
		if err := s.EnsureIAMRole(ctx, p); err != nil {
			t.Fatalf("EnsureIAMRole: %v", err)
		}
	}
	if err := s.EnsureLogin(ctx, p, "iam_user", "iam-scram-pw", ""); err != nil {
		t.Fatal(err)
	}
	exec1(t, s, p, "GRANT rds_iam TO iam_user")
	if err := s.EnsureLogin(ctx, p, "pw_user", "pw-secret", ""); err != nil {
		t.Fatal(err)
	}

	// A session token as long as STS's makes the token well over 1 KiB.
	creds := credentials.NewStaticCredentialsProvider("ASIAEXAMPLEEXAMPLE01", "secretsecretsecretsecretsecretsecret0000",
		strings.Repeat("FwoGZXIvYXdzEXAMPLEsessiontoken", 40))
	token, err := auth.BuildAuthToken(ctx, "mydb.cluster-abc.us-east-1.rds.localhost.localstack.cloud:4510", "us-east-1", "iam_user", creds)
	if err != nil {
		t.Fatal(err)
	}
	if len(token) < 1024 {
		t.Fatalf("token is only %d bytes", len(token))
	}
	pwToken, err := auth.BuildAuthToken(ctx, "mydb:4510", "us-east-1", "pw_user", creds)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, user, password string
		allow                bool
		wantState            string // "" = login succeeds
		wantCall             bool
	}{
		{"IAM user with a valid token", "iam_user", token, true, "", true},
		{"IAM user with a valid token without TLS", "iam_user", token, true, "no TLS", false},
		{"IAM user refused by the validator", "iam_user", token, false, "28000", true},
		{"IAM user with its SCRAM password", "iam_user", "iam-scram-pw", true, "28000", true},
		{"IAM user with another user's token", "iam_user", pwToken, true, "28000", true},
		{"password user with its password", "pw_user", "pw-secret", true, "", false},
		{"password user with a wrong password", "pw_user", "nope", true, "28P01", false},
		{"password user with a token", "pw_user", pwToken, true, "28P01", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v.set(tt.allow)
			var err error
			if tt.wantState == "no TLS" {
				// RDS refuses IAM logins without SSL; PostgreSQL's words.
				err = loginWith(ctx, "disable", p, tt.user, tt.password)
				if sqlState(err) != "28000" || !strings.Contains(err.Error(), `pg_hba.conf rejects connection for host "127.0.0.1", user "iam_user", database "postgres", no encryption`) {
					t.Fatalf("login without TLS: %v, want pg_hba's rejection", err)
				}
				if last := v.lastCall(); last != [3]string{} {
					t.Errorf("validator called for a login without TLS")
				}
				return
			}
			err = loginAs(ctx, p, tt.user, tt.password)
			if got := sqlState(err); got != tt.wantState {
				t.Fatalf("login: %v (SQLSTATE %q), want %q", err, got, tt.wantState)
			}
			last := v.lastCall()
			switch {
			case tt.wantCall && last != [3]string{p.Addr(), tt.user, tt.password}:
				t.Errorf("validator got (%q, %q, %.40q...), want (%q, %q, the password)", last[0], last[1], last[2], p.Addr(), tt.user)
			case !tt.wantCall && last != [3]string{}:
				t.Errorf("validator called for %q", last[1])
			}
		})
	}

	t.Run("standby names itself and has the role", func(t *testing.T) {
		s1, _ := startStandby(t, s, "s1", p)
		v.set(true)
		if err := loginAs(ctx, s1, "iam_user", token); err != nil {
			t.Fatalf("login on standby: %v", err)
		}
		if got := v.lastCall()[0]; got != s1.Addr() {
			t.Errorf("validator got instance %q, want %q", got, s1.Addr())
		}
	})

	t.Run("ReloadHBA without IAM auth falls back to SCRAM", func(t *testing.T) {
		if err := s.SetIAMAuth(nil); err != nil {
			t.Fatal(err)
		}
		if err := s.ReloadHBA(ctx, p); err != nil {
			t.Fatalf("ReloadHBA: %v", err)
		}
		if err := loginAs(ctx, p, "iam_user", "iam-scram-pw"); err != nil {
			t.Fatalf("SCRAM login after removing IAM auth: %v", err)
		}
		if err := s.SetIAMAuth(&IAMAuth{Addr: srv.Addr()}); err != nil {
			t.Fatal(err)
		}
		if err := s.ReloadHBA(ctx, p); err != nil {
			t.Fatalf("ReloadHBA: %v", err)
		}
		v.set(true)
		if err := loginAs(ctx, p, "iam_user", token); err != nil {
			t.Fatalf("IAM login after re-enabling: %v", err)
		}
	})
}

// TestSupervisor_SetIAMAuth_perSupervisor: the setting belongs to its
// Supervisor: another one is unaffected, and a dropped Supervisor is
// freed (a package-level table keyed by Supervisor kept every one alive).
func TestSupervisor_SetIAMAuth_perSupervisor(t *testing.T) {
	a, b := &Supervisor{}, &Supervisor{}
	if err := a.SetIAMAuth(&IAMAuth{Addr: "127.0.0.1:3890"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.iamAuth(); !ok {
		t.Fatal("a has no IAM auth after SetIAMAuth")
	}
	if _, ok := b.iamAuth(); ok {
		t.Fatal("b has IAM auth set on a")
	}
	w := weak.Make(a)
	a = nil
	for i := 0; i < 20 && w.Value() != nil; i++ {
		runtime.GC()
	}
	if w.Value() != nil {
		t.Error("a Supervisor with IAM auth set is never freed")
	}
}
