package cli

import (
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/globaldb/globaldb/internal/emulator"
)

func emulatorCmd() *cobra.Command {
	var cfg emulator.Config
	var logFile string
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Run the AWS emulator (RDS with real PostgreSQL engines) in the foreground",
		Long: `Runs an AWS-compatible endpoint on one machine. Point clients at it with
AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
and any region. Every DB instance is a real PostgreSQL server; endpoint names are
answered by the emulator's DNS server (--dns-listen). SIGINT or SIGTERM stops it and
every database server it started.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			logs, err := openEmulatorLog(&cfg, logFile)
			if err != nil {
				return err
			}
			defer logs.cleanup()
			cfg.Logger = loggerTo(cmd, logs.writer())
			e, err := emulator.New(cfg)
			if err != nil {
				return err
			}
			if err := e.Start(ctx); err != nil {
				return err
			}
			printBanner(cmd.OutOrStdout(), cmd, e, cfg, logs)
			<-ctx.Done()
			cfg.Logger.Info("stopping emulator")
			return e.Close()
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", "127.0.0.1:4566", "HTTP listen address (loopback by default)")
	f.StringVar(&cfg.DNSListen, "dns-listen", "127.0.0.1:1053", "DNS listen address, UDP and TCP")
	f.StringVar(&cfg.DataDir, "data-dir", "", "directory for state and database files (default: a temporary directory removed at exit)")
	f.Float64Var(&cfg.TimeScale, "time-scale", 1, "multiplier for emulated delays (e.g. 0.1 runs health-check intervals 10x faster)")
	f.StringVar(&cfg.AccessKeyID, "access-key-id", "test", "root access key id")
	f.StringVar(&cfg.SecretAccessKey, "secret-access-key", "test", "root secret access key")
	f.StringVar(&cfg.AccountID, "account-id", "000000000000", "AWS account id the emulator reports")
	f.BoolVar(&cfg.EnforceIAM, "enforce-iam", false, "authorise requests by principals other than root with their IAM policies (without it every authenticated principal may do everything)")
	f.StringVar(&logFile, "log-file", "", "where the log goes (default <data-dir>/emulator.log; - for stderr)")
	f.StringVar(&cfg.DNSClientRegion, "dns-client-region", "us-east-1", "region Route 53 latency routing assumes for DNS clients (see docs/emulator.md)")
	return cmd
}
