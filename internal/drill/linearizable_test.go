package drill

import (
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/workload"
)

func TestLinearizable(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	hist := []workload.Op{
		{ID: 1, Writer: 0, Invoke: at(0), Complete: at(5), Outcome: workload.OK},
		{ID: 2, Writer: 1, Invoke: at(1), Complete: at(900), Outcome: workload.Info},
		{ID: 3, Writer: 2, Invoke: at(2), Complete: at(6), Outcome: workload.Fail},
	}
	end := at(1000)
	tests := []struct {
		name string
		rows []int64
		want bool
	}{
		{"acknowledged present, ambiguous present", []int64{1, 2}, true},
		{"acknowledged present, ambiguous absent", []int64{1}, true},
		{"acknowledged write lost", []int64{2}, false},
		{"failed write present", []int64{1, 3}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rows []workload.Row
			for _, id := range tc.rows {
				rows = append(rows, workload.Row{ID: id})
			}
			if got, res := linearizable(hist, rows, end); got != tc.want {
				t.Errorf("linearizable = %v (%v), want %v", got, res, tc.want)
			}
		})
	}
}
