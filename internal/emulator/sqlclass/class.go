package sqlclass

import "strconv"

// Class says where a statement runs on a node with write forwarding.
type Class int

// The classes. Their order is part of the API (the values are stable).
const (
	// Read runs on the replica: SELECT, VALUES, TABLE, WITH without a
	// data-modifying statement, and any statement whose leading keyword
	// this package does not know.
	Read Class = iota
	// Write is forwarded to the writer as one unit: INSERT, UPDATE,
	// DELETE, MERGE, and WITH containing one of them.
	Write
	// LockingRead is a SELECT with FOR UPDATE, FOR NO KEY UPDATE,
	// FOR SHARE or FOR KEY SHARE: it locks rows, so it is forwarded.
	LockingRead
	// Begin starts a transaction: BEGIN or START TRANSACTION.
	Begin
	// Commit ends a transaction: COMMIT or END.
	Commit
	// Rollback ends a transaction: ROLLBACK or ABORT.
	Rollback
	// SetTransaction sets the transaction's (or with SessionDefault the
	// session's default) isolation level and access mode.
	SetTransaction
	// SetForward is a SET, RESET or SHOW of an apg_write_forward.*
	// parameter, which the node handles itself.
	SetForward
	// Session runs on the replica and reads no table data: other SET,
	// RESET and SHOW, DISCARD, DEALLOCATE, LOAD, CHECKPOINT, an empty
	// statement.
	Session
	// Prepare is PREPARE name AS statement (Inner).
	Prepare
	// Execute is EXECUTE name (Name).
	Execute
	// Explain is EXPLAIN of a statement (Inner), executing it when
	// Analyze.
	Explain
	// Refused is not supported with write forwarding (Reason).
	Refused
)

var classNames = [...]string{
	Read: "Read", Write: "Write", LockingRead: "LockingRead", Begin: "Begin",
	Commit: "Commit", Rollback: "Rollback", SetTransaction: "SetTransaction",
	SetForward: "SetForward", Session: "Session", Prepare: "Prepare",
	Execute: "Execute", Explain: "Explain", Refused: "Refused",
}

// String is the constant's name, e.g. "LockingRead".
func (c Class) String() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// Isolation levels as Statement.Isolation reports them.
const (
	ReadUncommitted = "READ UNCOMMITTED"
	ReadCommitted   = "READ COMMITTED"
	RepeatableRead  = "REPEATABLE READ"
	Serializable    = "SERIALIZABLE"
)

// Statement is one classified statement. Only the fields of its Class are
// set; the others stay zero. A statement Refused for what it contains (a
// nextval() call, a refused Inner) keeps the fields its kind sets (Name,
// Inner) besides Reason.
type Statement struct {
	Text    string // the statement as given to Classify
	Class   Class
	Command string // the leading keyword in upper case ("SELECT", "DEALLOCATE", ...); "" when there is none

	// Begin, SetTransaction: the modes given ("" / false when absent).
	Isolation      string // ReadCommitted, RepeatableRead, Serializable or ReadUncommitted
	ReadOnly       bool   // READ ONLY
	ReadWrite      bool   // READ WRITE
	SessionDefault bool   // SET SESSION CHARACTERISTICS AS TRANSACTION: sets the session's default

	// SetForward (and, best effort, Session SET/RESET/SHOW): the parameter
	// in lower case, for SetForward without the "apg_write_forward." prefix;
	// the value unquoted (an unquoted word lower-cased, as PostgreSQL folds
	// it; several tokens as written); "" when Reset or Show.
	Setting string
	Value   string
	Show    bool // SHOW
	Reset   bool // RESET, or SET ... TO DEFAULT
	Local   bool // SET LOCAL: until the end of the transaction
	All     bool // RESET ALL, SHOW ALL, DEALLOCATE ALL, DISCARD ALL

	Name    string     // Prepare, Execute, DEALLOCATE (Session): the prepared statement, lower-cased unless quoted
	Inner   *Statement // Prepare, Explain: the statement prepared or explained, its Text ending with its last token (never nil for those classes)
	Analyze bool       // Explain: ANALYZE, which executes Inner

	Reason string // Refused: what is refused, for an error message, e.g. "DDL (CREATE TABLE)"
}
