// Package runbook is the seed's Aurora Global Database runbook written
// against aws-sdk-go-v2 only: create a global cluster with a primary and
// a secondary region (two instances each, in different AZs), prove that a
// row written in the primary appears in the secondary, and tear it all
// down in AWS's order. `globaldb demo`, the integration tests and the
// benchmarks run it against the emulator; nothing in it is
// emulator-specific.
package runbook

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// RDS is the narrow set of aws-sdk-go-v2 RDS calls the runbook makes.
type RDS interface {
	CreateGlobalCluster(context.Context, *rds.CreateGlobalClusterInput, ...func(*rds.Options)) (*rds.CreateGlobalClusterOutput, error)
	DescribeGlobalClusters(context.Context, *rds.DescribeGlobalClustersInput, ...func(*rds.Options)) (*rds.DescribeGlobalClustersOutput, error)
	RemoveFromGlobalCluster(context.Context, *rds.RemoveFromGlobalClusterInput, ...func(*rds.Options)) (*rds.RemoveFromGlobalClusterOutput, error)
	DeleteGlobalCluster(context.Context, *rds.DeleteGlobalClusterInput, ...func(*rds.Options)) (*rds.DeleteGlobalClusterOutput, error)
	CreateDBCluster(context.Context, *rds.CreateDBClusterInput, ...func(*rds.Options)) (*rds.CreateDBClusterOutput, error)
	DescribeDBClusters(context.Context, *rds.DescribeDBClustersInput, ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
	DeleteDBCluster(context.Context, *rds.DeleteDBClusterInput, ...func(*rds.Options)) (*rds.DeleteDBClusterOutput, error)
	CreateDBInstance(context.Context, *rds.CreateDBInstanceInput, ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error)
	DescribeDBInstances(context.Context, *rds.DescribeDBInstancesInput, ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	DeleteDBInstance(context.Context, *rds.DeleteDBInstanceInput, ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error)
	FailoverDBCluster(context.Context, *rds.FailoverDBClusterInput, ...func(*rds.Options)) (*rds.FailoverDBClusterOutput, error)
	SwitchoverGlobalCluster(context.Context, *rds.SwitchoverGlobalClusterInput, ...func(*rds.Options)) (*rds.SwitchoverGlobalClusterOutput, error)
	FailoverGlobalCluster(context.Context, *rds.FailoverGlobalClusterInput, ...func(*rds.Options)) (*rds.FailoverGlobalClusterOutput, error)
}

// Region is one region of the runbook's topology.
type Region struct {
	Name      string
	Client    RDS
	Cluster   string
	Instances []Instance
}

// Instance is a DB instance and the AZ it goes in. Public instances are
// reachable from outside the VPC (and by Route 53 health checkers).
type Instance struct {
	ID, AZ string
	Public bool
}

// Spec is the topology the runbook builds.
type Spec struct {
	GlobalCluster string
	Engine        string
	EngineVersion string
	InstanceClass string
	Database      string
	MasterUser    string
	Password      string // never printed
	Primary       Region
	Secondaries   []Region
	// WaiterDelay is the SDK waiters' polling interval (AWS default 30 s).
	WaiterDelay time.Duration
	// Roots, when set, makes VerifyReplication connect with verify-full
	// against these CAs (the RDS CA bundle); else with sslmode=require.
	Roots  *x509.CertPool
	Logger *slog.Logger
}

func (s *Spec) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Up creates the global cluster, the primary cluster and its instances,
// then each secondary cluster and its instances, waiting with the SDK
// waiters until every instance and cluster is available.
func Up(ctx context.Context, s *Spec) error {
	p := s.Primary
	s.log().Info("create global cluster", "id", s.GlobalCluster)
	if _, err := p.Client.CreateGlobalCluster(ctx, &rds.CreateGlobalClusterInput{
		GlobalClusterIdentifier: &s.GlobalCluster, Engine: &s.Engine, EngineVersion: &s.EngineVersion,
	}); err != nil {
		return fmt.Errorf("create global cluster: %w", err)
	}
	s.log().Info("create primary cluster", "region", p.Name, "id", p.Cluster)
	if _, err := p.Client.CreateDBCluster(ctx, &rds.CreateDBClusterInput{
		DBClusterIdentifier: &p.Cluster, Engine: &s.Engine, EngineVersion: &s.EngineVersion,
		GlobalClusterIdentifier: &s.GlobalCluster, MasterUsername: &s.MasterUser,
		MasterUserPassword: &s.Password, DatabaseName: &s.Database,
	}); err != nil {
		return fmt.Errorf("create primary cluster: %w", err)
	}
	if err := s.createInstances(ctx, p); err != nil {
		return err
	}
	for _, r := range s.Secondaries {
		s.log().Info("create secondary cluster", "region", r.Name, "id", r.Cluster)
		if _, err := r.Client.CreateDBCluster(ctx, &rds.CreateDBClusterInput{
			DBClusterIdentifier: &r.Cluster, Engine: &s.Engine, EngineVersion: &s.EngineVersion,
			GlobalClusterIdentifier: &s.GlobalCluster,
		}); err != nil {
			return fmt.Errorf("create secondary cluster in %s: %w", r.Name, err)
		}
		if err := s.createInstances(ctx, r); err != nil {
			return err
		}
	}
	for _, r := range append([]Region{p}, s.Secondaries...) {
		if err := s.waitAvailable(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func (s *Spec) createInstances(ctx context.Context, r Region) error {
	for _, inst := range r.Instances {
		s.log().Info("create instance", "region", r.Name, "id", inst.ID, "az", inst.AZ)
		if _, err := r.Client.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: aws.String(inst.ID), DBClusterIdentifier: &r.Cluster,
			DBInstanceClass: &s.InstanceClass, Engine: &s.Engine, AvailabilityZone: aws.String(inst.AZ),
			PubliclyAccessible: aws.Bool(inst.Public),
		}); err != nil {
			return fmt.Errorf("create instance %s in %s: %w", inst.ID, r.Name, err)
		}
	}
	return nil
}

// waitAvailable waits with the SDK waiters for r's instances and cluster.
func (s *Spec) waitAvailable(ctx context.Context, r Region) error {
	delay := s.delay()
	iw := rds.NewDBInstanceAvailableWaiter(r.Client, func(o *rds.DBInstanceAvailableWaiterOptions) { o.MinDelay, o.MaxDelay = delay, delay })
	for _, inst := range r.Instances {
		if err := iw.Wait(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(inst.ID)}, 10*time.Minute); err != nil {
			return fmt.Errorf("wait for instance %s: %w", inst.ID, err)
		}
	}
	cw := rds.NewDBClusterAvailableWaiter(r.Client, func(o *rds.DBClusterAvailableWaiterOptions) { o.MinDelay, o.MaxDelay = delay, delay })
	if err := cw.Wait(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &r.Cluster}, 10*time.Minute); err != nil {
		return fmt.Errorf("wait for cluster %s: %w", r.Cluster, err)
	}
	return nil
}

func (s *Spec) delay() time.Duration {
	if s.WaiterDelay > 0 {
		return s.WaiterDelay
	}
	return 30 * time.Second
}

// Down tears everything down in AWS's order: detach each secondary and
// wait until it left the global cluster, delete its instances and
// cluster; then the primary's instances, detach and delete the primary,
// and finally the global cluster. Missing resources are skipped, so Down
// finishes a half-done teardown.
func Down(ctx context.Context, s *Spec) error {
	p := s.Primary
	for _, r := range s.Secondaries {
		if err := s.detach(ctx, p.Client, r); err != nil {
			return err
		}
	}
	for _, r := range s.Secondaries {
		if err := s.deleteCluster(ctx, r); err != nil {
			return err
		}
	}
	if err := s.deleteInstances(ctx, p); err != nil {
		return err
	}
	if err := s.detach(ctx, p.Client, p); err != nil {
		return err
	}
	if err := s.deleteCluster(ctx, p); err != nil {
		return err
	}
	s.log().Info("delete global cluster", "id", s.GlobalCluster)
	_, err := p.Client.DeleteGlobalCluster(ctx, &rds.DeleteGlobalClusterInput{GlobalClusterIdentifier: &s.GlobalCluster})
	if err != nil && !notFound(err) {
		return fmt.Errorf("delete global cluster: %w", err)
	}
	return nil
}

// detach removes r's cluster from the global cluster and polls until its
// membership is gone and it is available (there is no SDK waiter).
func (s *Spec) detach(ctx context.Context, client RDS, r Region) error {
	arn, err := clusterARN(ctx, r)
	if err != nil || arn == "" {
		return err
	}
	s.log().Info("detach cluster", "region", r.Name, "id", r.Cluster)
	_, err = client.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: &s.GlobalCluster, DbClusterIdentifier: &arn})
	var nf *types.DBClusterNotFoundFault
	if err != nil && !errors.As(err, &nf) && !notFound(err) {
		return fmt.Errorf("detach %s: %w", r.Cluster, err)
	}
	return poll(ctx, s.pollEvery(), 10*time.Minute, func() (bool, error) {
		out, err := client.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: &s.GlobalCluster})
		if notFound(err) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		for _, m := range out.GlobalClusters[0].GlobalClusterMembers {
			if aws.ToString(m.DBClusterArn) == arn {
				return false, nil
			}
		}
		c, err := r.Client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &r.Cluster})
		if err != nil {
			return false, err
		}
		return aws.ToString(c.DBClusters[0].Status) == "available", nil
	})
}

func (s *Spec) pollEvery() time.Duration { return min(s.delay(), 10*time.Second) }

func (s *Spec) deleteInstances(ctx context.Context, r Region) error {
	for _, inst := range r.Instances {
		s.log().Info("delete instance", "region", r.Name, "id", inst.ID)
		_, err := r.Client.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(inst.ID)})
		var st *types.InvalidDBInstanceStateFault
		if err != nil && !notFound(err) && !errors.As(err, &st) {
			return fmt.Errorf("delete instance %s: %w", inst.ID, err)
		}
	}
	delay := s.delay()
	w := rds.NewDBInstanceDeletedWaiter(r.Client, func(o *rds.DBInstanceDeletedWaiterOptions) { o.MinDelay, o.MaxDelay = delay, delay })
	for _, inst := range r.Instances {
		if err := w.Wait(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(inst.ID)}, 10*time.Minute); err != nil {
			return fmt.Errorf("wait for deletion of %s: %w", inst.ID, err)
		}
	}
	return nil
}

func (s *Spec) deleteCluster(ctx context.Context, r Region) error {
	if err := s.deleteInstances(ctx, r); err != nil {
		return err
	}
	s.log().Info("delete cluster", "region", r.Name, "id", r.Cluster)
	_, err := r.Client.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: &r.Cluster, SkipFinalSnapshot: aws.Bool(true)})
	if err != nil && !notFound(err) {
		return fmt.Errorf("delete cluster %s: %w", r.Cluster, err)
	}
	delay := s.delay()
	w := rds.NewDBClusterDeletedWaiter(r.Client, func(o *rds.DBClusterDeletedWaiterOptions) { o.MinDelay, o.MaxDelay = delay, delay })
	if err := w.Wait(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &r.Cluster}, 10*time.Minute); err != nil {
		return fmt.Errorf("wait for deletion of cluster %s: %w", r.Cluster, err)
	}
	return nil
}

func clusterARN(ctx context.Context, r Region) (string, error) {
	out, err := r.Client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &r.Cluster})
	if notFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("describe cluster %s: %w", r.Cluster, err)
	}
	if aws.ToString(out.DBClusters[0].GlobalClusterIdentifier) == "" {
		return "", nil
	}
	return aws.ToString(out.DBClusters[0].DBClusterArn), nil
}

func notFound(err error) bool {
	var g *types.GlobalClusterNotFoundFault
	var c *types.DBClusterNotFoundFault
	var i *types.DBInstanceNotFoundFault
	return err != nil && (errors.As(err, &g) || errors.As(err, &c) || errors.As(err, &i))
}

// poll calls f every interval until it reports done, fails, or timeout.
func poll(ctx context.Context, every, timeout time.Duration, f func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		done, err := f()
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("poll: %w", ctx.Err())
		case <-time.After(every):
		}
	}
}
