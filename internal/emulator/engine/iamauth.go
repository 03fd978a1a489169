package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/dbauth"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// IAMRole is the role whose members authenticate with IAM database
// authentication tokens instead of passwords, as on RDS.
const IAMRole = "rds_iam"

// IAMAuth points pg_hba.conf at the IAM database-authentication server
// (a dbauth.Server): PostgreSQL's "ldap" method in simple bind mode, over
// TCP. (RADIUS cannot carry an RDS token: PostgreSQL caps RADIUS passwords
// at 128 bytes.)
type IAMAuth struct {
	// Addr is the dbauth.Server's listening address: an IPv4 address (or
	// host name) and port, e.g. "127.0.0.1:41234".
	Addr string
}

// SetIAMAuth makes every node this Supervisor writes configuration for from
// now on (Init, Clone, Start) send members of IAMRole to a; nil removes the
// IAM line. Running nodes keep their pg_hba.conf until restarted or
// ReloadHBA.
func (s *Supervisor) SetIAMAuth(a *IAMAuth) error {
	if a == nil {
		s.iam.Store(nil)
		return nil
	}
	if err := checkIAMAuth(*a); err != nil {
		return fmt.Errorf("set IAM auth: %w", err)
	}
	c := *a
	s.iam.Store(&c)
	return nil
}

func checkIAMAuth(a IAMAuth) error {
	host, port, err := net.SplitHostPort(a.Addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", a.Addr, err)
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return fmt.Errorf("address %q: bad port", a.Addr)
	}
	// PostgreSQL builds "ldap://HOST:PORT" without brackets, and pg_hba
	// values must not need quoting.
	if host == "" || strings.ContainsAny(host, ":\" \t\r\n#,") {
		return fmt.Errorf("address %q: host must be an IPv4 address or a host name", a.Addr)
	}
	return nil
}

func (s *Supervisor) iamAuth() (IAMAuth, bool) {
	a := s.iam.Load()
	if a == nil {
		return IAMAuth{}, false
	}
	return *a, true
}

// hbaFile renders n's pg_hba.conf: loopback TCP only, no trust. The
// supervisor's own connections (the admin user, replication) use SCRAM
// with or without TLS. With IAM auth configured, members of IAMRole are
// sent to the LDAP server (bind DN naming the node's address) over TLS
// only and refused without it, as RDS refuses IAM logins without SSL;
// superusers are not members for pg_hba's purposes. Everyone else uses
// SCRAM, over TLS only when n.RequireTLS (rds.force_ssl = 1): a
// connection without TLS then matches no line and PostgreSQL answers
// "no pg_hba.conf entry ... no encryption".
func (s *Supervisor) hbaFile(n Node) []byte {
	var b strings.Builder
	b.WriteString("# globaldb: loopback TCP only; the supervisor's own connections\n")
	fmt.Fprintf(&b, "host all %s 127.0.0.0/8 scram-sha-256\n", pgx.Identifier{s.admin.User}.Sanitize())
	b.WriteString("host replication all 127.0.0.0/8 scram-sha-256\n")
	if a, ok := s.iamAuth(); ok {
		host, port, _ := net.SplitHostPort(a.Addr)
		b.WriteString("# globaldb: IAM database authentication for members of " + IAMRole + ", over TLS only\n")
		fmt.Fprintf(&b, "hostssl all +%s 127.0.0.0/8 ldap ldapserver=%s ldapport=%s ldapprefix=\"%s\" ldapsuffix=\"%s\"\n",
			IAMRole, host, port, dbauth.DNPrefix, dbauth.DNSuffix(n.Addr()))
		fmt.Fprintf(&b, "hostnossl all +%s 127.0.0.0/8 reject\n", IAMRole)
	}
	if n.RequireTLS {
		b.WriteString("# globaldb: clients, SCRAM over TLS only (rds.force_ssl = 1)\n")
		b.WriteString("hostssl all all 127.0.0.0/8 scram-sha-256\n")
	} else {
		b.WriteString("# globaldb: clients, SCRAM with or without TLS\n")
		b.WriteString("host all all 127.0.0.0/8 scram-sha-256\n")
	}
	return []byte(b.String())
}

// EnsureIAMRole creates the NOLOGIN role IAMRole on primary n if missing
// (standbys get it by replication). Idempotent.
func (s *Supervisor) EnsureIAMRole(ctx context.Context, n Node) error {
	err := s.withConn(ctx, n, "postgres", func(c *pgx.Conn) error {
		var exists bool
		if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", IAMRole).Scan(&exists); err != nil {
			return fmt.Errorf("look up role: %w", err)
		}
		if exists {
			return nil
		}
		err := execFormatted(ctx, c, "CREATE ROLE %I NOLOGIN", IAMRole)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42710" { // duplicate_object: lost a race
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("ensure role %s on %s: %w", IAMRole, n.Name, err)
	}
	return nil
}

// ReloadHBA rewrites running node n's pg_hba.conf (after SetIAMAuth) and
// returns once new sessions use it. It is Reconfigure.
func (s *Supervisor) ReloadHBA(ctx context.Context, n Node) error { return s.Reconfigure(ctx, n) }

// Reconfigure rewrites running node n's configuration (server certificate,
// pg_hba.conf, globaldb.conf: a new certificate, RequireTLS, IAM auth) and
// returns once new sessions use it. Settings that need a restart (address,
// port, turning TLS on or off) take effect at the next Start. It must not
// be called on a fenced node: it restores the normal pg_hba.
func (s *Supervisor) Reconfigure(ctx context.Context, n Node) error {
	if err := s.validate(n); err != nil {
		return fmt.Errorf("reconfigure %s: %w", n.Name, err)
	}
	err := s.withConn(ctx, n, "postgres", func(c *pgx.Conn) error {
		var before time.Time
		if err := c.QueryRow(ctx, "SELECT pg_conf_load_time()").Scan(&before); err != nil {
			return err
		}
		if err := s.writeNodeConf(n); err != nil {
			return err
		}
		if _, err := c.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
			return err
		}
		// A new backend inherits the postmaster's load time, which moves
		// once the postmaster has re-read its files.
		var lastErr error
		err := poll(ctx, 10*time.Millisecond, func() bool {
			var t time.Time
			lastErr = s.withConn(ctx, n, "postgres", func(c2 *pgx.Conn) error {
				return c2.QueryRow(ctx, "SELECT pg_conf_load_time()").Scan(&t)
			})
			return lastErr == nil && t.After(before)
		}, "wait for pg_hba reload")
		if err != nil && lastErr != nil {
			return errors.Join(err, lastErr)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("reconfigure %s: %w", n.Name, err)
	}
	return nil
}
