package drill

import (
	"math"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/globaldb/globaldb/internal/workload"
)

// register is porcupine's input for one key of the per-key register
// model: each write sets its own id's register; the final read of the
// rows reads every register once.
type register struct {
	id    int64
	write bool
}

// keyModel is a register per id, initially absent: a write makes it
// present; a read must see what the writes linearized before it left.
var keyModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[int64][]porcupine.Operation{}
		var keys []int64
		for _, op := range history {
			k := op.Input.(register).id
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return false },
	Step: func(state, input, output any) (bool, any) {
		if input.(register).write {
			return true, true
		}
		return output.(bool) == state.(bool), state
	},
}

// linearizable checks the client's history against the rows read at the
// end with porcupine's per-key register model: acknowledged writes take
// effect between invocation and acknowledgement, ambiguous ones at any
// time after invocation or never, failed ones never; the final read
// happens after every acknowledgement. It is false when an acknowledged
// write is missing or a failed one is present.
func linearizable(hist []workload.Op, rows []workload.Row, end time.Time) (bool, porcupine.CheckResult) {
	present := map[int64]bool{}
	for _, r := range rows {
		present[r.ID] = true
	}
	var ops []porcupine.Operation
	for _, op := range hist {
		switch op.Outcome {
		case workload.OK:
			ops = append(ops, porcupine.Operation{ClientId: op.Writer, Input: register{op.ID, true}, Call: op.Invoke.UnixNano(), Return: op.Complete.UnixNano()})
		case workload.Info:
			ops = append(ops, porcupine.Operation{ClientId: op.Writer, Input: register{op.ID, true}, Call: op.Invoke.UnixNano(), Return: math.MaxInt64})
		}
		ops = append(ops, porcupine.Operation{ClientId: op.Writer, Input: register{op.ID, false}, Output: present[op.ID],
			Call: end.UnixNano(), Return: end.UnixNano() + 1})
	}
	res := porcupine.CheckOperationsTimeout(keyModel, ops, 30*time.Second)
	return res == porcupine.Ok, res
}
