package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/spf13/cobra"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/emulator/regions"
	"github.com/globaldb/globaldb/internal/runbook"
)

func demoCmd() *cobra.Command {
	var keep bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the seed runbook end to end on an in-process emulator",
		Long: `Starts an emulator in this process and, through aws-sdk-go-v2 exactly as against
AWS, creates a global cluster with a primary region (ap-southeast-1) and a secondary
region (ap-southeast-2), two instances each in different AZs; writes a row in the
primary, reads it back in the secondary with the measured lag; then tears
everything down in AWS's order.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd.OutOrStdout(), cmd, keep)
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "leave the topology up and the emulator running until interrupted")
	return cmd
}

func runDemo(ctx context.Context, out io.Writer, cmd *cobra.Command, keep bool) error {
	log := logger(cmd)
	e, err := emulator.New(emulator.Config{Listen: "127.0.0.1:0", DNSListen: "127.0.0.1:0", Logger: log})
	if err != nil {
		return err
	}
	if err := e.Start(ctx); err != nil {
		return err
	}
	defer e.Close()
	fmt.Fprintf(out, "emulator: %s (dns %s)\n", e.Endpoint(), e.DNSAddr())
	spec := SeedSpec(e.Endpoint(), "test", "test")
	spec.Logger = log
	t0 := time.Now()
	if err := runbook.Up(ctx, spec); err != nil {
		return err
	}
	fmt.Fprintf(out, "up: global cluster %s, %s (writer) + %s, 2 instances each, all waiters satisfied in %.1fs\n",
		spec.GlobalCluster, spec.Primary.Name, spec.Secondaries[0].Name, time.Since(t0).Seconds())
	res := dnsserver.Resolver(e.DNSAddr())
	reps, err := runbook.VerifyReplication(ctx, spec, res)
	if err != nil {
		return err
	}
	for _, r := range reps {
		fmt.Fprintf(out, "replication: row written in %s read in %s after %.1f ms (link one-way delay %s)\n",
			spec.Primary.Name, r.Region, float64(r.Lag.Microseconds())/1000, emulatorDelay(spec))
	}
	refused, err := runbook.WriteRefused(ctx, spec, spec.Secondaries[0], res)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "secondary refuses writes: %v\n", refused)
	if keep {
		fmt.Fprintln(out, "keeping the topology up; interrupt to tear down")
		<-ctx.Done()
	}
	t1 := time.Now()
	if err := runbook.Down(context.WithoutCancel(ctx), spec); err != nil {
		return err
	}
	fmt.Fprintf(out, "down: everything deleted in AWS's order in %.1fs\n", time.Since(t1).Seconds())
	return nil
}

func emulatorDelay(s *runbook.Spec) time.Duration {
	return regions.OneWayDelay(s.Primary.Name, s.Secondaries[0].Name)
}

// SeedSpec is the seed scenario: primary ap-southeast-1, secondary
// ap-southeast-2, aurora-postgresql, two instances in different AZs per
// region, against the endpoint with the given credentials.
func SeedSpec(endpoint, key, secret string) *runbook.Spec {
	client := func(region string) *rds.Client {
		return rds.New(rds.Options{
			Region: region, BaseEndpoint: aws.String(endpoint),
			Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
		})
	}
	return &runbook.Spec{
		GlobalCluster: "globaldb-demo", Engine: "aurora-postgresql", EngineVersion: "15.10",
		InstanceClass: "db.r6g.large", Database: "app", MasterUser: "app_admin", Password: "demo-password-1",
		Primary: runbook.Region{Name: "ap-southeast-1", Client: client("ap-southeast-1"), Cluster: "globaldb-demo-apse1",
			Instances: []runbook.Instance{{ID: "globaldb-demo-apse1-1", AZ: "ap-southeast-1a"}, {ID: "globaldb-demo-apse1-2", AZ: "ap-southeast-1b"}}},
		Secondaries: []runbook.Region{{Name: "ap-southeast-2", Client: client("ap-southeast-2"), Cluster: "globaldb-demo-apse2",
			Instances: []runbook.Instance{{ID: "globaldb-demo-apse2-1", AZ: "ap-southeast-2a"}, {ID: "globaldb-demo-apse2-2", AZ: "ap-southeast-2b"}}}},
		WaiterDelay: 250 * time.Millisecond,
	}
}
