// Command globaldb builds, verifies, fails over and tears down a
// multi-region Aurora Global Database, on AWS or on its own emulator.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/globaldb/globaldb/internal/cli"
)

// main picks the exit status (docs/runbook.md lists them): a command
// stopped by SIGINT or SIGTERM exits 130 or 143 with one line, whatever
// error the cancellation caused on the way out.
func main() {
	ctx, signalled := cli.NotifyInterrupt(context.Background())
	err := cli.Execute(ctx)
	if err == nil {
		os.Exit(cli.ExitOK)
	}
	if code := signalled(); code != 0 {
		cli.WriteInterrupted(os.Stderr)
		os.Exit(code)
	}
	code := cli.Code(err)
	if code != cli.ExitChanges {
		fmt.Fprintln(os.Stderr, "globaldb:", err)
	}
	os.Exit(code)
}
