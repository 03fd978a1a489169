package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/globaldb/globaldb/internal/orchestrator"
)

// Exit codes, documented in docs/runbook.md ("Exit status").
const (
	ExitOK          = 0
	ExitFailure     = 1  // a bad topology, an API error
	ExitChanges     = 2  // plan: changes pending
	ExitFailed      = 3  // verify: a check failed; destroy: something of the stack is left; failover: pre-flight refused; drill: an invariant failed
	ExitNotDeployed = 4  // status, verify, failover, drill: the stack has no databases (run apply)
	ExitUsage       = 64 // the command line is wrong: unknown command or flag, a bad flag value, a region not in the file (sysexits EX_USAGE)
	ExitInterrupted = 130
	ExitTerminated  = 143
)

// ExitError carries an exit code other than 1 up to main.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// usageError is an ExitUsage error.
func usageError(err error) error { return &ExitError{ExitUsage, err} }

// Code is the exit status for err, the error a command returned: 0 for
// nil, an ExitError's code, ExitNotDeployed for a stack with no
// databases, else ExitFailure.
func Code(err error) int {
	var ee *ExitError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.Code
	case errors.Is(err, orchestrator.ErrNotDeployed):
		return ExitNotDeployed
	}
	return ExitFailure
}

// NotifyInterrupt returns a context that SIGINT or SIGTERM cancels, and a
// function that reports the exit status for the signal received (0 when
// none was). After the first signal the default action is restored: a
// second one ends the process at once.
func NotifyInterrupt(parent context.Context) (context.Context, func() int) {
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	var code atomic.Int32
	go func() {
		select {
		case s := <-ch:
			if s == syscall.SIGTERM {
				code.Store(ExitTerminated)
			} else {
				code.Store(ExitInterrupted)
			}
			signal.Stop(ch)
			cancel()
		case <-ctx.Done():
			signal.Stop(ch)
		}
	}()
	return ctx, func() int { return int(code.Load()) }
}

// Execute runs the command line with ctx. An error found before the
// command runs (an unknown command or flag, a missing required flag, bad
// arguments) is a usage error.
func Execute(ctx context.Context) error {
	root := Root()
	ran := false
	markRun(root, &ran)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && !ran {
		if !strings.Contains(err.Error(), "--help' for usage") {
			err = &hinted{err, fmt.Sprintf("Run '%s --help' for usage.", cmd.CommandPath())}
		}
		return usageError(err)
	}
	return err
}

// hinted is an error with a line of advice after it.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() + "\n" + h.hint }
func (h *hinted) Unwrap() error { return h.err }

// WriteInterrupted tells the user that a signal stopped the command: what
// it did is kept, and running it again continues. On a terminal it first
// ends a progress line left half drawn.
func WriteInterrupted(w io.Writer) {
	if isTerminal(w) {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "globaldb: interrupted; re-run to continue")
}

// markRun makes every command of the tree set *ran when its RunE starts:
// cobra checks flags and arguments before that, so an error with *ran
// false is the command line's.
func markRun(c *cobra.Command, ran *bool) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			*ran = true
			return run(cmd, args)
		}
	}
	if run := c.Run; run != nil {
		c.Run = func(cmd *cobra.Command, args []string) {
			*ran = true
			run(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		markRun(sub, ran)
	}
}
