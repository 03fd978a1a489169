package workload

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func ms(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

// op builds a synthetic write invoked at invoke ms and completed at done ms.
func op(id int64, o Outcome, invoke, done int) Op {
	return Op{ID: id, Outcome: o, Invoke: ms(invoke), Complete: ms(done)}
}

func rows(ids ...int64) []Row {
	out := make([]Row, len(ids))
	for i, id := range ids {
		out[i] = Row{ID: id}
	}
	return out
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		history []Op
		present []Row
		want    Report
	}{
		{
			name:    "empty",
			want:    Report{OK: true},
			present: rows(1, 2), // rows of earlier runs are ignored
		},
		{
			name:    "all acknowledged and present",
			history: []Op{op(1, OK, 0, 10), op(2, OK, 10, 20), op(3, OK, 20, 30)},
			present: rows(1, 2, 3),
			want:    Report{Acknowledged: 3, MaxOutage: 10 * time.Millisecond, OutageStart: ms(10), OK: true},
		},
		{
			name:    "lost writes and their span",
			history: []Op{op(1, OK, 0, 10), op(2, OK, 10, 20), op(3, OK, 20, 35), op(4, OK, 35, 40)},
			present: rows(1, 4),
			want: Report{Acknowledged: 4, Lost: []int64{2, 3}, LostSpan: 15 * time.Millisecond,
				MaxOutage: 15 * time.Millisecond, OutageStart: ms(20)},
		},
		{
			name:    "single lost write has zero span",
			history: []Op{op(1, OK, 0, 10), op(2, OK, 10, 20)},
			present: rows(1),
			want:    Report{Acknowledged: 2, Lost: []int64{2}, MaxOutage: 10 * time.Millisecond, OutageStart: ms(10)},
		},
		{
			name:    "failed write present is unexpected",
			history: []Op{op(1, OK, 0, 10), op(2, Fail, 10, 12), op(3, OK, 12, 20)},
			present: rows(1, 2, 3),
			want: Report{Acknowledged: 2, Failed: 1, Unexpected: []int64{2},
				MaxOutage: 10 * time.Millisecond, OutageStart: ms(10)},
		},
		{
			name:    "ambiguous writes: present are recovered, absent are fine",
			history: []Op{op(1, Info, 0, 300), op(2, Info, 300, 600), op(3, OK, 600, 610)},
			present: rows(1, 3),
			want: Report{Acknowledged: 1, Ambiguous: 2, Recovered: []int64{1},
				MaxOutage: 610 * time.Millisecond, OutageStart: ms(0), OK: true},
		},
		{
			name:    "duplicates and unattempted ids",
			history: []Op{op(10, OK, 0, 10), op(12, OK, 10, 20)},
			present: rows(5, 10, 10, 11, 12, 99),
			want: Report{Acknowledged: 2, Duplicates: []int64{10}, Unattempted: []int64{11},
				MaxOutage: 10 * time.Millisecond, OutageStart: ms(10)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(tt.history, tt.present)
			if !equalReport(got, tt.want) {
				t.Errorf("Check() =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func equalReport(a, b Report) bool {
	return a.Acknowledged == b.Acknowledged && a.Failed == b.Failed && a.Ambiguous == b.Ambiguous &&
		slices.Equal(a.Lost, b.Lost) && a.LostSpan == b.LostSpan && slices.Equal(a.Recovered, b.Recovered) &&
		slices.Equal(a.Unexpected, b.Unexpected) && slices.Equal(a.Duplicates, b.Duplicates) &&
		slices.Equal(a.Unattempted, b.Unattempted) && a.MaxOutage == b.MaxOutage &&
		a.OutageStart.Equal(b.OutageStart) && a.OK == b.OK
}

func TestCheck_MaxOutage(t *testing.T) {
	tests := []struct {
		name      string
		history   []Op
		wantStart time.Time
		want      time.Duration
	}{
		{name: "no writes"},
		{name: "one ack", history: []Op{op(1, OK, 0, 5)}},
		{
			name: "gap between acks, failures inside",
			history: []Op{
				op(1, OK, 0, 10), op(2, OK, 10, 100),
				op(3, Fail, 100, 150), op(4, Info, 150, 2150), op(5, Fail, 2150, 2200),
				op(6, OK, 2200, 2300), op(7, OK, 2300, 2310),
			},
			wantStart: ms(100), want: 2200 * time.Millisecond,
		},
		{
			name:      "concurrent writer keeps acking: no outage",
			history:   []Op{op(1, OK, 0, 10), op(2, Info, 5, 2005), op(3, OK, 10, 20), op(4, OK, 20, 30)},
			wantStart: ms(10), want: 10 * time.Millisecond,
		},
		{
			name:      "failures before the first ack start at the earliest invoke",
			history:   []Op{op(2, Fail, 50, 60), op(1, Info, 0, 70), op(3, OK, 60, 400), op(4, OK, 400, 410)},
			wantStart: ms(0), want: 400 * time.Millisecond,
		},
		{
			name:      "never recovered: runs to the last completion",
			history:   []Op{op(1, OK, 0, 10), op(2, Fail, 10, 20), op(3, Fail, 20, 900)},
			wantStart: ms(10), want: 890 * time.Millisecond,
		},
		{
			name:      "no ack at all",
			history:   []Op{op(1, Fail, 5, 20), op(2, Fail, 20, 300)},
			wantStart: ms(5), want: 295 * time.Millisecond,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.history, nil)
			if r.MaxOutage != tt.want || !r.OutageStart.Equal(tt.wantStart) {
				t.Errorf("MaxOutage = %v from %v; want %v from %v", r.MaxOutage, r.OutageStart, tt.want, tt.wantStart)
			}
		})
	}
}

func TestReport_String(t *testing.T) {
	tests := []struct {
		name   string
		report Report
	}{
		{name: "clean", report: Report{Acknowledged: 3, MaxOutage: 10 * time.Millisecond, OutageStart: ms(10), OK: true}},
		{name: "violations", report: Check(
			[]Op{op(1, OK, 0, 10), op(2, OK, 10, 20), op(3, Fail, 20, 30), op(4, Info, 30, 40), op(5, OK, 40, 900)},
			rows(3, 4, 5, 5),
		)},
		{name: "long lists", report: Report{Lost: []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, filepath.Join("testdata", "report_"+tt.name+".golden"), tt.report.String())
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestCheckRegions(t *testing.T) {
	tag := func(region string, o Op) Op { o.Region = region; return o }
	history := []Op{
		tag("a", op(1, OK, 0, 10)), tag("b", op(2, OK, 0, 15)),
		tag("a", op(3, OK, 10, 20)), tag("b", op(4, Fail, 15, 500)),
		tag("b", op(5, OK, 500, 510)), tag("a", op(6, OK, 20, 30)),
	}
	tests := []struct {
		name    string
		present []Row
		want    map[string]Report
	}{
		{
			name:    "every region whole: each sees its own outage",
			present: rows(1, 2, 3, 5, 6),
			want: map[string]Report{
				"a": {Acknowledged: 3, MaxOutage: 10 * time.Millisecond, OutageStart: ms(10), OK: true},
				"b": {Acknowledged: 2, Failed: 1, MaxOutage: 495 * time.Millisecond, OutageStart: ms(15), OK: true},
			},
		},
		{
			name:    "a loss and an unexpected row are the region's own",
			present: rows(1, 2, 4, 5, 6),
			want: map[string]Report{
				"a": {Acknowledged: 3, Lost: []int64{3}, MaxOutage: 10 * time.Millisecond, OutageStart: ms(10)},
				"b": {Acknowledged: 2, Failed: 1, Unexpected: []int64{4}, MaxOutage: 495 * time.Millisecond, OutageStart: ms(15)},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckRegions(history, tt.present)
			if len(got) != len(tt.want) {
				t.Fatalf("regions %v, want %v", got, tt.want)
			}
			for region, want := range tt.want {
				if g := got[region]; g.String() != want.String() {
					t.Errorf("%s:\n%v\nwant\n%v", region, g, want)
				}
			}
		})
	}
}
