// Package scripttest runs the operator scripts in scripts/
// (create-aurora-global.sh, test-failover.sh, cleanup.sh) against a
// globaldb emulator, once with every aws CLI on the machine (v1 and v2), and
// lib.sh's TLS connections (verify-full through a Route 53 name).
// It holds only tests.
package scripttest
