// Package topology reads the globaldb topology file: one YAML document that
// describes a multi-region Aurora Global Database, its Route 53 records and
// health checks, and the IAM roles around it.
//
// Load and Parse decode the document, fill in defaults, then validate it.
// Every problem is an *Error naming the file, line, column and field, with a
// hint where one helps; all problems are returned together, in file order,
// joined with errors.Join. Things that are legal but probably a mistake are
// kept in Topology.Warnings.
//
// Secrets never enter the Topology: the primary's master password is named
// by a SecretSource (an environment variable or a file) and read only when
// Topology.MasterPassword is called. The reference of every field is
// docs/topology.md.
package topology
