package sqlclass_test

import (
	"fmt"

	"github.com/globaldb/globaldb/internal/emulator/sqlclass"
)

// A front splits each simple-query string and decides per statement.
func ExampleClassify() {
	q := `SET apg_write_forward.consistency_mode = 'session';
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM accounts WHERE id = 1 FOR UPDATE;
UPDATE accounts SET note = 'paid; thanks' WHERE id = 1;
SAVEPOINT s1;
COMMIT;`
	for _, text := range sqlclass.Split(q) {
		st := sqlclass.Classify(text)
		switch st.Class {
		case sqlclass.SetForward:
			fmt.Printf("%-11s %s = %s\n", st.Class, st.Setting, st.Value)
		case sqlclass.Begin:
			fmt.Printf("%-11s %s\n", st.Class, st.Isolation)
		case sqlclass.Refused:
			fmt.Printf("%-11s %s is not supported with write forwarding\n", st.Class, st.Reason)
		default:
			fmt.Printf("%-11s %s\n", st.Class, st.Command)
		}
	}
	// Output:
	// SetForward  consistency_mode = session
	// Begin       REPEATABLE READ
	// LockingRead SELECT
	// Write       UPDATE
	// Refused     SAVEPOINT is not supported with write forwarding
	// Commit      COMMIT
}
