// Package examples holds the example topology files, embedded so that
// `globaldb demo` works from any directory.
package examples

import _ "embed"

// Global is examples/global.yaml, the seed scenario: private databases,
// CloudWatch alarm health checks.
//
//go:embed global.yaml
var Global []byte

// GlobalPublic is examples/global-public.yaml: the seed scenario with
// public endpoints and Route 53 TCP health checks.
//
//go:embed global-public.yaml
var GlobalPublic []byte
