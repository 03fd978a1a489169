package metrics

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat (USER_HZ,
// 100 on every Linux architecture's /proc ABI).
const userHZ = 100

// procStat is what CPUTimes reads of one process.
type procStat struct {
	ppid int
	// cpu is user + system time of the process and of its children it
	// has waited for (utime + stime + cutime + cstime), in ticks.
	cpu uint64
}

// parseStat parses the content of /proc/<pid>/stat.
func parseStat(data string) (procStat, error) {
	i := strings.LastIndexByte(data, ')') // the command name may hold spaces and parentheses
	if i < 0 {
		return procStat{}, fmt.Errorf("parse stat: no command name")
	}
	f := strings.Fields(data[i+1:])
	// f[0] is field 3 (state) of proc(5): ppid is 4, utime..cstime 14..17.
	if len(f) < 15 {
		return procStat{}, fmt.Errorf("parse stat: %d fields", len(f))
	}
	var st procStat
	var err error
	if st.ppid, err = strconv.Atoi(f[1]); err != nil {
		return procStat{}, fmt.Errorf("parse stat: ppid: %w", err)
	}
	for _, s := range f[11:15] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return procStat{}, fmt.Errorf("parse stat: cpu time: %w", err)
		}
		st.cpu += v
	}
	return st, nil
}

// treeCPU sums the CPU time of each root and its descendants, given every
// process's stat: the living processes' own time and the time of the
// children they reaped (an exited backend's time moves to the postmaster
// that waited for it, so nothing is lost between readings).
func treeCPU(stats map[int]procStat, roots []int) map[int]time.Duration {
	kids := map[int][]int{}
	for pid, st := range stats {
		kids[st.ppid] = append(kids[st.ppid], pid)
	}
	out := make(map[int]time.Duration, len(roots))
	for _, root := range roots {
		if _, ok := stats[root]; !ok {
			continue
		}
		var ticks uint64
		stack := []int{root}
		for len(stack) > 0 {
			pid := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			ticks += stats[pid].cpu
			stack = append(stack, kids[pid]...)
		}
		out[root] = time.Duration(ticks) * time.Second / userHZ
	}
	return out
}

// CPUTimes reads /proc under procRoot once and returns the CPU time used
// so far by each root process and its descendants; roots that do not
// exist are left out.
func CPUTimes(procRoot string, roots []int) map[int]time.Duration {
	if len(roots) == 0 {
		return nil
	}
	entries, _ := os.ReadDir(procRoot)
	stats := make(map[int]procStat, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join(procRoot, e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		if st, err := parseStat(string(data)); err == nil {
			stats[pid] = st
		}
	}
	return treeCPU(stats, roots)
}

// cpuReading is one instance's CPU time at a moment.
type cpuReading struct {
	pid int
	at  time.Time
	cpu time.Duration
}

// cpuPercent is the CPU an instance used between two readings as a
// percentage of the host's capacity (wall time × cpus); ok is false when
// the readings are of different processes or not in order.
func cpuPercent(prev, cur cpuReading, cpus int) (float64, bool) {
	wall := cur.at.Sub(prev.at)
	if prev.pid != cur.pid || wall <= 0 || cur.cpu < prev.cpu || cpus <= 0 {
		return 0, false
	}
	return min(100*float64(cur.cpu-prev.cpu)/(float64(wall)*float64(cpus)), 100), true
}
