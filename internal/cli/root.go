// Package cli is globaldb's command line: thin cobra commands over the
// emulator, the runbook and (later) the orchestrator. Only main picks
// exit codes.
package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Version is set by the build (make build: git describe).
var Version = "dev"

// Root returns the root command.
func Root() *cobra.Command {
	root := &cobra.Command{
		Use:           "globaldb",
		Short:         "Multi-region Aurora Global Database with Route 53 failover, on AWS or on a local emulator",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetVersionTemplate("globaldb {{.Version}}\n")
	root.PersistentFlags().String("log-level", "info", "log level: debug, info, warn, error")
	lf := logFormatValue("auto")
	root.PersistentFlags().Var(&lf, "log-format", "progress and log lines: auto (human on a terminal, logfmt otherwise), human, logfmt or json")
	root.AddCommand(emulatorCmd(), demoCmd(), versionCmd())
	root.AddCommand(faultCmd())
	root.AddCommand(planCmd(), applyCmd(), destroyCmd(), iamPolicyCmd(), failoverCmd(), statusCmd(), verifyCmd(), drillCmd(), canaryCmd())
	return root
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), "globaldb", version()) },
	}
}

// version is Version, with the commit it was built from when the build
// recorded one (go build in a git checkout does).
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || Version != "dev" {
		return Version
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return Version
	}
	return Version + " (" + rev + modified + ")"
}

func logger(cmd *cobra.Command) *slog.Logger { return loggerTo(cmd, os.Stderr) }

// loggerTo logs to w at --log-level, in --log-format json or logfmt.
func loggerTo(cmd *cobra.Command, w io.Writer) *slog.Logger {
	lvl, _ := cmd.Flags().GetString("log-level")
	var level slog.Level
	switch strings.ToLower(lvl) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		level = slog.LevelInfo
	}
	if logFormat(cmd) == "json" {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
