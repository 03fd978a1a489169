package metrics

import (
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    procStat
		wantErr bool
	}{
		{
			name: "postmaster",
			data: "4242 (postgres) S 1 4242 4242 0 -1 4194560 2716 30218 0 0 120 35 410 95 20 0 1 0 5433 224022528 7020 18446744073709551615\n",
			want: procStat{ppid: 1, cpu: 120 + 35 + 410 + 95},
		},
		{
			name: "a command name with spaces and parentheses",
			data: "77 (postgres: a (b) c) R 4242 77 77 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 1 1 1\n",
			want: procStat{ppid: 4242, cpu: 10},
		},
		{name: "truncated", data: "77 (postgres) R 4242 77", wantErr: true},
		{name: "no command", data: "77 postgres R", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat(tt.data)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseStat = %+v, %v; want %+v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestTreeCPU(t *testing.T) {
	stats := map[int]procStat{
		1:   {ppid: 0, cpu: 1000},
		100: {ppid: 1, cpu: 50}, // a postmaster
		101: {ppid: 100, cpu: 20},
		102: {ppid: 100, cpu: 30},
		103: {ppid: 101, cpu: 5},
		200: {ppid: 1, cpu: 7}, // another
	}
	got := treeCPU(stats, []int{100, 200, 300})
	want := map[int]time.Duration{100: 1050 * time.Millisecond, 200: 70 * time.Millisecond}
	if !maps.Equal(got, want) {
		t.Errorf("treeCPU = %v, want %v", got, want)
	}
}

func TestCPUTimes(t *testing.T) {
	root := t.TempDir()
	for pid, stat := range map[string]string{
		"10":   "10 (postgres) S 1 10 10 0 -1 0 0 0 0 0 100 50 0 0 20 0 1 0 1 1 1 1",
		"11":   "11 (postgres: walwriter) S 10 11 11 0 -1 0 0 0 0 0 25 25 0 0 20 0 1 0 1 1 1 1",
		"12":   "12 (bash) S 1 12 12 0 -1 0 0 0 0 0 500 500 0 0 20 0 1 0 1 1 1 1",
		"self": "",
	} {
		if err := os.MkdirAll(filepath.Join(root, pid), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, pid, "stat"), []byte(stat), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := CPUTimes(root, []int{10})
	if want := map[int]time.Duration{10: 2 * time.Second}; !maps.Equal(got, want) {
		t.Errorf("CPUTimes = %v, want %v", got, want)
	}
}

func TestCPUPercent(t *testing.T) {
	tests := []struct {
		name      string
		prev, cur cpuReading
		cpus      int
		want      float64
		wantOK    bool
	}{
		{name: "half a core of two", prev: cpuReading{pid: 7, at: at(0), cpu: time.Second},
			cur: cpuReading{pid: 7, at: at(2000), cpu: 2 * time.Second}, cpus: 2, want: 25, wantOK: true},
		{name: "idle", prev: cpuReading{pid: 7, at: at(0), cpu: time.Second},
			cur: cpuReading{pid: 7, at: at(2000), cpu: time.Second}, cpus: 2, want: 0, wantOK: true},
		{name: "no earlier reading", cur: cpuReading{pid: 7, at: at(2000), cpu: time.Second}, cpus: 2},
		{name: "restarted", prev: cpuReading{pid: 7, at: at(0), cpu: time.Second},
			cur: cpuReading{pid: 8, at: at(2000), cpu: 2 * time.Second}, cpus: 2},
		{name: "capped at 100", prev: cpuReading{pid: 7, at: at(0)},
			cur: cpuReading{pid: 7, at: at(1000), cpu: 3 * time.Second}, cpus: 2, want: 100, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := cpuPercent(tt.prev, tt.cur, tt.cpus)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("cpuPercent = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
