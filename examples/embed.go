// Package examples holds the example topology files, embedded so that
// `globaldb demo` works from any directory.
package examples

import _ "embed"

// Global is examples/global.yaml, the seed scenario.
//
//go:embed global.yaml
var Global []byte
