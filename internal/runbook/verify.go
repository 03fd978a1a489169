package runbook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Resolver resolves endpoint names: net.DefaultResolver on AWS, the
// emulator's DNS server on the emulator.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// Endpoints are a cluster's writer and reader endpoint names and port.
type Endpoints struct {
	Writer, Reader string
	Port           int
}

// ClusterEndpoints reads r's endpoints from DescribeDBClusters.
func ClusterEndpoints(ctx context.Context, r Region) (Endpoints, error) {
	out, err := r.Client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &r.Cluster})
	if err != nil {
		return Endpoints{}, fmt.Errorf("describe cluster %s: %w", r.Cluster, err)
	}
	c := out.DBClusters[0]
	return Endpoints{Writer: aws.ToString(c.Endpoint), Reader: aws.ToString(c.ReaderEndpoint), Port: int(aws.ToInt32(c.Port))}, nil
}

// Connect opens a connection to host:port as the master user over TLS
// (sslmode=require: encrypted, the certificate not checked), resolving
// host with res.
func Connect(ctx context.Context, res Resolver, host string, port int, user, password, database string) (*pgx.Conn, error) {
	return ConnectTLS(ctx, res, nil, host, port, user, password, database)
}

// ConnectTLS is Connect with sslmode=verify-full when roots is not nil:
// the certificate must chain to roots and be valid for host, an RDS
// endpoint name (the RDS CA bundle: AWS's global-bundle.pem, or the
// emulator's).
func ConnectTLS(ctx context.Context, res Resolver, roots *x509.CertPool, host string, port int, user, password, database string) (*pgx.Conn, error) {
	// The host goes in the string: pgx sets up TLS for the host it parses.
	cfg, err := pgx.ParseConfig("sslmode=require host=" + host)
	if err != nil {
		return nil, err
	}
	cfg.Port, cfg.User, cfg.Password, cfg.Database = uint16(port), user, password, database
	cfg.Fallbacks = nil
	if roots != nil {
		cfg.TLSConfig = &tls.Config{ServerName: host, RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	cfg.ConnectTimeout = 5 * time.Second
	cfg.LookupFunc = res.LookupHost
	cfg.DialFunc = (&net.Dialer{Timeout: 5 * time.Second}).DialContext
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s:%d: %w", host, port, err)
	}
	return conn, nil
}

// Replication is the outcome of a canary write.
type Replication struct {
	Region string
	Lag    time.Duration // commit acknowledged in the primary until visible in Region
	// SinceWrite is from sending the write until visible in Region; it is
	// never shorter than the one-way delay to Region (the commit's WAL may
	// cross the link before the commit is acknowledged).
	SinceWrite time.Duration
}

// VerifyReplication writes a canary row through the primary's writer
// endpoint and measures, for each secondary, how long until it can be
// read through that secondary's reader endpoint.
func VerifyReplication(ctx context.Context, s *Spec, res Resolver) ([]Replication, error) {
	pe, err := ClusterEndpoints(ctx, s.Primary)
	if err != nil {
		return nil, err
	}
	w, err := ConnectTLS(ctx, res, s.Roots, pe.Writer, pe.Port, s.MasterUser, s.Password, s.Database)
	if err != nil {
		return nil, err
	}
	defer w.Close(ctx)
	if _, err := w.Exec(ctx, `CREATE TABLE IF NOT EXISTS globaldb_canary (id text PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT clock_timestamp())`); err != nil {
		return nil, fmt.Errorf("create canary table: %w", err)
	}
	// Connect to every secondary first, so that the lag measured is the
	// replication's, not the connection set-up's.
	readers := make([]*pgx.Conn, 0, len(s.Secondaries))
	defer func() {
		for _, r := range readers {
			r.Close(ctx)
		}
	}()
	for _, r := range s.Secondaries {
		e, err := ClusterEndpoints(ctx, r)
		if err != nil {
			return nil, err
		}
		conn, err := ConnectTLS(ctx, res, s.Roots, e.Reader, e.Port, s.MasterUser, s.Password, s.Database)
		if err != nil {
			return nil, fmt.Errorf("connect to %s: %w", r.Name, err)
		}
		readers = append(readers, conn)
	}
	id := strconv.FormatInt(time.Now().UnixNano(), 36)
	sent := time.Now()
	if _, err := w.Exec(ctx, `INSERT INTO globaldb_canary (id) VALUES ($1)`, id); err != nil {
		return nil, fmt.Errorf("write canary: %w", err)
	}
	committed := time.Now()
	var out []Replication
	for i, r := range s.Secondaries {
		lag, err := waitForRow(ctx, readers[i], id, committed)
		if err != nil {
			return nil, fmt.Errorf("read canary in %s: %w", r.Name, err)
		}
		out = append(out, Replication{Region: r.Name, Lag: lag, SinceWrite: lag + committed.Sub(sent)})
	}
	return out, nil
}

// waitForRow polls conn until the canary row is visible; the lag is from
// the commit acknowledgement to the first read that sees it.
func waitForRow(ctx context.Context, conn *pgx.Conn, id string, committed time.Time) (time.Duration, error) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM globaldb_canary WHERE id = $1`, id).Scan(&n)
		var pgErr *pgconn.PgError
		if err != nil && !(errors.As(err, &pgErr) && pgErr.Code == "42P01") { // table not replicated yet
			return 0, err
		}
		if n == 1 {
			return time.Since(committed), nil
		}
	}
	return 0, errors.New("canary row did not appear within 30s")
}

// WriteRefused reports whether a write through the secondary's reader
// endpoint is refused as read-only (SQLSTATE 25006).
func WriteRefused(ctx context.Context, s *Spec, r Region, res Resolver) (bool, error) {
	e, err := ClusterEndpoints(ctx, r)
	if err != nil {
		return false, err
	}
	conn, err := ConnectTLS(ctx, res, s.Roots, e.Reader, e.Port, s.MasterUser, s.Password, s.Database)
	if err != nil {
		return false, err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS globaldb_write_probe (id int)`)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "25006" {
		return true, nil
	}
	return false, err
}
