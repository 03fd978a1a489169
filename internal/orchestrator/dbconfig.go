package orchestrator

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/rdstls"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

// DBConfig is a connection to host:port as t's master user over TLS with
// verify-full (rdstls): it dials what host resolves to with res and
// verifies the server against trust for the RDS endpoint name behind
// host, so Route 53 names work as well as RDS endpoints. It is what
// drills and checks use to reach the databases.
func DBConfig(t *topology.Topology, res resolve.Resolver, trust *rdstls.Trust, host string, port int) (*pgx.ConnConfig, error) {
	p := t.Primary()
	password, err := t.MasterPassword()
	if err != nil {
		return nil, err
	}
	dbname := p.DatabaseName
	if dbname == "" {
		dbname = "postgres"
	}
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d user=%s password=%s dbname=%s sslmode=require connect_timeout=10",
		dsnQuote(host), port, dsnQuote(p.MasterUsername), dsnQuote(password), dsnQuote(dbname)))
	if err != nil {
		return nil, fmt.Errorf("connection settings for %s: %w", host, err)
	}
	if res == nil {
		res = resolve.System()
	}
	if err := trust.Configure(cfg, res); err != nil {
		return nil, fmt.Errorf("connection settings for %s: %w", host, err)
	}
	return cfg, nil
}

// Endpoints are a region's cluster (writer) and reader endpoints.
type Endpoints struct {
	Writer, Reader string
	Port           int
}

// ClusterEndpoints reads region's cluster endpoints.
func ClusterEndpoints(ctx context.Context, c *Clients, t *topology.Topology, region string) (Endpoints, error) {
	id := Names{t.Name}.Cluster(region)
	cl, err := describeCluster(ctx, c.RDS(region), id)
	if err != nil {
		return Endpoints{}, err
	}
	if cl == nil {
		return Endpoints{}, fmt.Errorf("cluster %s in %s does not exist", id, region)
	}
	return Endpoints{Writer: aws.ToString(cl.Endpoint), Reader: aws.ToString(cl.ReaderEndpoint), Port: int(aws.ToInt32(cl.Port))}, nil
}
