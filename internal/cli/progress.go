package cli

import (
	"errors"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/globaldb/globaldb/internal/orchestrator"
)

// logFormatValue is --log-format: how progress and log lines read.
type logFormatValue string

func (v *logFormatValue) String() string { return string(*v) }
func (v *logFormatValue) Type() string   { return "format" }

func (v *logFormatValue) Set(s string) error {
	switch s {
	case "auto", "human", "logfmt", "json":
		*v = logFormatValue(s)
		return nil
	}
	return errors.New("use auto, human, logfmt or json")
}

// logFormat is the format in effect: "human", "logfmt" or "json". auto
// (the default) is human when stderr is a terminal and logfmt otherwise:
// people read terminals, programs read pipes and files.
func logFormat(cmd *cobra.Command) string {
	f := "auto"
	if fl := cmd.Flags().Lookup("log-format"); fl != nil {
		f = fl.Value.String()
	}
	if f == "auto" {
		if isTerminal(cmd.ErrOrStderr()) {
			return "human"
		}
		return "logfmt"
	}
	return f
}

// explicitLogFormat reports whether --log-format was given.
func explicitLogFormat(cmd *cobra.Command) bool {
	fl := cmd.Flags().Lookup("log-format")
	return fl != nil && fl.Changed
}

// reporter reports a run's progress on stderr in the --log-format.
func reporter(cmd *cobra.Command) orchestrator.Reporter {
	return reporterFor(cmd.ErrOrStderr(), logFormat(cmd))
}

func reporterFor(w io.Writer, format string) orchestrator.Reporter {
	switch format {
	case "human":
		return orchestrator.NewHumanReporter(w, orchestrator.StillEvery)
	case "json":
		return orchestrator.NewJSONReporter(w)
	}
	return orchestrator.NewLineReporter(w)
}

// failoverReporter is reporter with a line every few seconds: a
// failover's waits are short and someone is watching them.
func failoverReporter(cmd *cobra.Command) orchestrator.Reporter {
	if logFormat(cmd) == "human" {
		return orchestrator.NewHumanReporter(cmd.ErrOrStderr(), 5*time.Second)
	}
	return reporter(cmd)
}
