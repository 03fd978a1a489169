// Command globaldb builds, verifies, fails over and tears down a
// multi-region Aurora Global Database, on AWS or on its own emulator.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/globaldb/globaldb/internal/cli"
)

func main() {
	if err := cli.Root().ExecuteContext(context.Background()); err != nil {
		code := cli.ExitFailure
		var ee *cli.ExitError
		if errors.As(err, &ee) {
			code = ee.Code
		}
		if code != cli.ExitChanges {
			fmt.Fprintln(os.Stderr, "globaldb:", err)
		}
		os.Exit(code)
	}
}
