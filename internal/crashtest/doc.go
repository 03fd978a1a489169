// Package crashtest proves that the emulator survives kill -9 at any
// moment: its tests run `globaldb emulator` and `globaldb apply/destroy`
// as child processes, kill the emulator with SIGKILL at moments spread
// over the run, restart it on the same data directory and check that a
// re-run converges, that destroy leaves nothing, and that no plaintext
// password is ever at rest in the data directory.
package crashtest
