package drill

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"html"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

var drillStart = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func ptr(v float64) *float64 { return &v }

// regionOutageResult is a passing region outage: the writer region fails
// at 20 s, the secondary is promoted and DNS flips, the old region heals
// and rejoins as a secondary.
func regionOutageResult() *Result {
	const fault, flip, healed, rejoined, end = 20.0, 31.5, 60.0, 75.0, 90.0
	r := &Result{
		Scenario: "region-outage", Stack: "globaldb-demo", Target: "emulator",
		Started: drillStart, Ended: drillStart.Add(end * time.Second),
		Region: "us-east-1", Peer: "us-west-2", PromotedTo: "us-west-2",
		RTOSeconds: 11.8, RPOSeconds: 0.04, LostWrites: 3, LostIDs: []int64{977, 978, 981}, AcknowledgedWrites: 2843, FailedWrites: 91, AmbiguousWrites: 2,
		DetectionSeconds: ptr(4.2), DNSFlipSeconds: ptr(11.5), PromotionSeconds: ptr(7.8),
		FloorSeconds: ptr(10.5),
		Pass:         true, BucketSeconds: 1,
		Phases: []Phase{
			{Name: "fault", At: fault, Detail: "region us-east-1 isolated (writer)"},
			{Name: "detected", At: 24.2, Detail: "health check 4f1c unhealthy after 3 failures"},
			{Name: "promoted", At: 27.8, Detail: "us-west-2 promoted to writer"},
			{Name: "dns-flip", At: flip, Detail: "writer.globaldb.test → us-west-2"},
			{Name: "healed", At: healed, Detail: "us-east-1 reachable again"},
			{Name: "rejoined", At: rejoined, Detail: "us-east-1 rejoined as secondary (pg_rewind)"},
		},
		Invariants: []Invariant{
			{Name: "lost writes only in the lag window", Pass: true, Detail: "3 lost, acknowledged between 60ms and 20ms before the fault; lag window 580ms"},
			{Name: "no-split-brain", Pass: true, Detail: "old writer fenced before the promotion"},
			{Name: "no-duplicates", Pass: true, Detail: "every ID at most once"},
			{Name: "rto-within-floor", Pass: true, Detail: "RTO 11.8 s ≤ floor 10.5 s + 5 s slack"},
			{Name: "single-writer", Pass: true, Detail: "one writer at every observation"},
			{Name: "old-writer-rejoined", Pass: true, Detail: "us-east-1 streams from us-west-2"},
		},
		Notes: []string{porcupineNote("Illegal", 3)},
		Lag:   map[string][]Sample{},
	}
	for t := 0.0; t < end; t++ {
		b := Bucket{At: t}
		switch {
		case t < fault || t >= flip:
			b.OK = 32 + int(6*math.Sin(t/3))
		case t == fault:
			b.OK, b.Ambiguous, b.Failed = 9, 2, 4
		default:
			b.Failed = 8
		}
		r.Throughput = append(r.Throughput, b)
	}
	for t := 0.0; t <= end; t += 2 {
		jitter := 0.05 + 0.03*math.Sin(t)
		switch {
		case t < fault:
			r.Lag["us-west-2"] = append(r.Lag["us-west-2"], Sample{At: t, Seconds: jitter})
			r.Lag["eu-west-1"] = append(r.Lag["eu-west-1"], Sample{At: t, Seconds: jitter + 0.08})
		case t < flip:
			r.Lag["eu-west-1"] = append(r.Lag["eu-west-1"], Sample{At: t, Seconds: 0.13 + (t-fault)*0.2})
		default:
			r.Lag["eu-west-1"] = append(r.Lag["eu-west-1"], Sample{At: t, Seconds: jitter + 0.08})
		}
		if t >= rejoined {
			r.Lag["us-east-1"] = append(r.Lag["us-east-1"], Sample{At: t, Seconds: 3.1 * math.Exp(-(t-rejoined)/3)})
		}
	}
	for _, samples := range r.Lag {
		for _, s := range samples {
			r.MaxReplicationLagSeconds = math.Max(r.MaxReplicationLagSeconds, math.Round(s.Seconds*100)/100)
		}
	}
	return r
}

// failingResult is the region outage gone wrong: writes lost, RTO over
// the floor, and a detail that tries to inject a script.
func failingResult() *Result {
	r := regionOutageResult()
	r.Pass = false
	r.RTOSeconds, r.RPOSeconds = 19.4, 0.8
	r.LostWrites, r.LostIDs = 3, []int64{1017, 1018, 1021}
	r.SplitBrainWrites = 1
	r.Invariants = append(r.Invariants[:0:0], r.Invariants...)
	r.Invariants[0] = Invariant{Name: "no-acknowledged-write-lost", Detail: "3 of 2,843 acknowledged writes missing: 1017, 1018, 1021"}
	r.Invariants[3] = Invariant{Name: "rto-within-floor", Detail: "RTO 19.4 s > floor 10.5 s + 5 s slack"}
	r.Invariants = append(r.Invariants, Invariant{Name: "client-errors-clean", Detail: `error text <script>alert("x")</script> & more`})
	return r
}

// activeActiveResult is a passing active-active-outage: clients in both
// regions, us-west-2's forwarded until the failover.
func activeActiveResult() *Result {
	r := regionOutageResult()
	r.Scenario = activeActive
	r.Regions = map[string]*RegionResult{
		"us-east-1": {Endpoint: "writer.globaldb.test", AcknowledgedWrites: 1402, FailedWrites: 45, AmbiguousWrites: 2, LostWrites: 3,
			RTOSeconds: 11.8, LatencyP50Ms: 4.2, LatencyP99Ms: 31.5, AckedBeforeFault: 410, AckedAfterPromotion: 980},
		"us-west-2": {Endpoint: "demo-us-west-2.cluster-ro-x.us-west-2.rds.amazonaws.com", Forwarded: true, AcknowledgedWrites: 1441, FailedWrites: 46,
			RTOSeconds: 8.1, LatencyP50Ms: 142.7, LatencyP99Ms: 311, AckedBeforeFault: 120, AckedAfterPromotion: 1300, MaxFailedWriteSeconds: 1.52},
	}
	r.Invariants = append(r.Invariants[:0:0], r.Invariants...)
	r.Invariants = append(r.Invariants,
		Invariant{Name: "no forwarded write acknowledged and lost outside the lag window", Pass: true, Detail: "0 of 120 forwarded writes lost"},
		Invariant{Name: "us-west-2 writers fail fast while the primary region is out", Pass: true, Detail: "23 writes tried, the slowest ended in 1.52s"})
	r.Notes = nil
	return r
}

func render(t *testing.T, r *Result) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return buf.String()
}

func TestWriteHTML(t *testing.T) {
	tests := []struct {
		name    string
		result  *Result
		verdict string
		want    []string // further strings the page must contain
		golden  string
	}{
		{
			name: "passing region outage", result: regionOutageResult(),
			verdict: `<div class="verdict pass">PASS</div>`,
			want: []string{"all 6 invariants held", "11.8 s", "2,843", "RTO floor",
				"<h1>Region us-east-1 outage: failover to us-west-2 — longest write outage 11.8 s, 3 acknowledged writes lost (RPO 0.04 s)</h1>",
				`<p class="note">porcupine: Illegal is expected here`},
			golden: "report-region-outage.html",
		},
		{
			name: "passing active-active outage", result: activeActiveResult(),
			verdict: `<div class="verdict pass">PASS</div>`,
			want: []string{"all 8 invariants held", "<h2>Writes by region</h2>", "(forwarded)", "142.7 ms", "311 ms", "1.52 s",
				"<h1>Region us-east-1 outage with writes in both regions: failover to us-west-2 — longest write outage 11.8 s, 3 acknowledged writes lost (RPO 0.04 s)</h1>"},
			golden: "report-active-active-outage.html",
		},
		{
			name: "failing region outage", result: failingResult(),
			verdict: `<div class="verdict fail">FAIL</div>`,
			want: []string{"3 of 7 invariants failed", "3 (IDs 1017, 1018, 1021)",
				"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more", `class="mark fail"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := render(t, tt.result)
			want := append([]string{tt.verdict}, tt.want...)
			for _, inv := range tt.result.Invariants {
				want = append(want, "<code>"+html.EscapeString(inv.Name)+"</code>")
			}
			for _, p := range tt.result.Phases {
				want = append(want, `text-anchor="start">`+p.Name+"</text>", "<code>"+p.Name+"</code>")
			}
			for _, s := range want {
				if !strings.Contains(page, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			checkSelfContained(t, page)
			if tt.golden != "" {
				checkGolden(t, filepath.Join("testdata", tt.golden), page)
			}
		})
	}
}

// checkSelfContained fails if the page loads anything or runs a script,
// or if a number in the SVG came out as NaN or Inf.
func checkSelfContained(t *testing.T, page string) {
	t.Helper()
	for _, bad := range []string{"<script", "<link", "src=", "href=", "url(http", "@import", "NaN", "Inf"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/drill -update to create it)", err)
	}
	if got == string(want) {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := 0; i < min(len(gl), len(wl)); i++ {
		if gl[i] != wl[i] {
			t.Fatalf("%s differs at line %d (run with -update if intended):\ngot  %.200s\nwant %.200s", path, i+1, gl[i], wl[i])
		}
	}
	t.Fatalf("%s differs in length: got %d lines, want %d (run with -update if intended)", path, len(gl), len(wl))
}

func TestWriteHTML_EdgeCases(t *testing.T) {
	long := regionOutageResult()
	long.Ended = drillStart.Add(30 * time.Hour)
	long.Throughput, long.Lag = nil, map[string][]Sample{"us-west-2": nil}
	for i := range 30 * 3600 {
		long.Throughput = append(long.Throughput, Bucket{At: float64(i), OK: 10 + i%7})
		if i%5 == 0 {
			long.Lag["us-west-2"] = append(long.Lag["us-west-2"], Sample{At: float64(i), Seconds: float64(i%100) / 50})
		}
	}
	crowded := regionOutageResult()
	for i := range 40 {
		crowded.Phases = append(crowded.Phases, Phase{Name: fmt.Sprintf("switchover-%d", i), At: 40 + float64(i)/10})
	}

	tests := []struct {
		name   string
		result *Result
		want   []string
	}{
		{"empty result", &Result{}, []string{"no client writes recorded", "no replication lag recorded",
			"No invariants were judged.", "No phases were recorded.", "<h1>Failover drill: —</h1>"}},
		{"zero duration", &Result{Scenario: "noop", Started: drillStart, Ended: drillStart,
			Phases: []Phase{{Name: "fault"}}}, []string{`text-anchor="start">fault</text>`, ">0.1</text>"}},
		{"one phase, no timings", &Result{Scenario: "switchover", Phases: []Phase{{Name: "switchover", At: 5}},
			Throughput: []Bucket{{At: 0, OK: 1}}}, []string{"switchover</text>", "<td class=\"value\">—</td>"}},
		{"one lag sample", &Result{Lag: map[string][]Sample{"eu-west-1": {{At: 1, Seconds: 0.5}}}}, []string{"<circle", "eu-west-1"}},
		{"bad numbers", &Result{RTOSeconds: math.NaN(), Throughput: []Bucket{{At: math.Inf(1), OK: 3}},
			Lag: map[string][]Sample{"x": {{At: math.NaN(), Seconds: math.Inf(1)}, {At: 2, Seconds: 1}}}}, nil},
		{"thirty hour run", long, []string{"time since the drill started (h)", "Client writes per 270 s bucket", "ran <b>30h0m0s</b>"}},
		{"crowded phases", crowded, []string{">switchover-0</text>", "<code>switchover-39</code>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := render(t, tt.result)
			if dir := os.Getenv("GLOBALDB_SCREENSHOT_DIR"); dir != "" {
				name := "edge-" + strings.ReplaceAll(tt.name, " ", "-") + ".html"
				if err := os.WriteFile(filepath.Join(dir, name), []byte(page), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range tt.want {
				if !strings.Contains(page, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			checkSelfContained(t, page)
			if got, want := strings.Count(page, `<line class="marker"`), 2*len(tt.result.Phases); got != want {
				t.Errorf("%d phase marker lines, want %d (two per phase)", got, want)
			}
			if n := strings.Count(page, `class="tick"`); n > 2*(maxXTicks+1) {
				t.Errorf("%d x ticks, want at most %d", n, 2*(maxXTicks+1))
			}
			if len(page) > 400_000 {
				t.Errorf("page is %d bytes; long runs must be thinned", len(page))
			}
		})
	}
}

func TestWriteHTML_Nil(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, nil); err == nil || buf.Len() != 0 {
		t.Fatalf("WriteHTML(nil) = %v, wrote %d bytes; want an error and nothing written", err, buf.Len())
	}
}

// Colours the screenshot must show (see reportHTML's style).
var (
	passGreen = [3]uint8{0x15, 0x80, 0x3d} // .verdict.pass
	failRed   = [3]uint8{0xb9, 0x1c, 0x1c} // .verdict.fail
	okGreen   = [3]uint8{0x22, 0xc5, 0x5e} // .bar-ok
)

// TestWriteHTML_Screenshot renders the report in headless Chromium and
// checks the picture: not blank, verdict colour and throughput bars there.
// It skips without a browser unless GLOBALDB_REQUIRE_CHROMIUM is set.
// With GLOBALDB_SCREENSHOT_DIR set it leaves the pages and PNGs there.
func TestWriteHTML_Screenshot(t *testing.T) {
	browser := findBrowser(t)
	tests := []struct {
		name    string
		result  *Result
		verdict [3]uint8
	}{
		{"pass", regionOutageResult(), passGreen},
		{"fail", failingResult(), failRed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if keep := os.Getenv("GLOBALDB_SCREENSHOT_DIR"); keep != "" {
				dir = keep
			}
			page := filepath.Join(dir, "report-"+tt.name+".html")
			if err := os.WriteFile(page, []byte(render(t, tt.result)), 0o644); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			img := screenshot(t, browser, page, filepath.Join(dir, "report-"+tt.name+".png"))
			t.Logf("screenshot of %s in %v", page, time.Since(start).Round(time.Millisecond))

			b := img.Bounds()
			total := b.Dx() * b.Dy()
			inked := total - countNear(img, [3]uint8{255, 255, 255}, 6)
			verdict, bars := countNear(img, tt.verdict, 10), countNear(img, okGreen, 10)
			t.Logf("%dx%d: %d%% not white, %d verdict pixels, %d bar pixels", b.Dx(), b.Dy(), 100*inked/total, verdict, bars)
			if inked < total/20 {
				t.Errorf("only %d of %d pixels are not white: the page looks blank", inked, total)
			}
			if verdict < 3000 {
				t.Errorf("%d pixels of the verdict colour %v, want the verdict badge (≥ 3000)", verdict, tt.verdict)
			}
			if bars < 10000 {
				t.Errorf("%d pixels of the throughput green %v, want the ok bars (≥ 10000)", bars, okGreen)
			}
		})
	}
}

func findBrowser(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser (-short)")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("GLOBALDB_REQUIRE_CHROMIUM") != "" {
		t.Fatal("GLOBALDB_REQUIRE_CHROMIUM is set but none of chromium, chromium-browser, google-chrome is on PATH (scripts/install-deps.sh installs chromium)")
	}
	t.Skip("no chromium, chromium-browser or google-chrome on PATH; scripts/install-deps.sh installs chromium (set GLOBALDB_REQUIRE_CHROMIUM=1 to fail instead)")
	return ""
}

// screenshot runs the browser headless on page and returns the decoded
// PNG once out holds a complete one. The browser runs in its own process
// group, which is killed when the test is done with it.
func screenshot(t *testing.T, browser, page, out string) image.Image {
	t.Helper()
	_ = os.Remove(out)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--hide-scrollbars", "--no-first-run", "--no-default-browser-check",
		"--user-data-dir="+t.TempDir(), "--window-size=1280,1600",
		"--screenshot="+out, "file://"+page)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", browser, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // helpers left behind, if any
		cancel()
		<-exited
	}()

	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			exited <- err // for the deferred wait
			if img, ok := readPNG(out); ok {
				return img
			}
			t.Fatalf("%s exited (%v) without writing %s:\n%s", browser, err, out, tail(stderr.String(), 2000))
		case <-tick.C:
			if img, ok := readPNG(out); ok {
				return img
			}
		case <-ctx.Done():
			t.Fatalf("no screenshot from %s after 90 s:\n%s", browser, tail(stderr.String(), 2000))
		}
	}
}

// readPNG decodes path if it holds a complete PNG yet.
func readPNG(path string) (image.Image, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	img, err := png.Decode(f)
	return img, err == nil
}

// countNear counts the pixels within tol of c in every channel.
func countNear(img image.Image, c [3]uint8, tol int) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(r>>8, c[0], tol) && near(g>>8, c[1], tol) && near(bl>>8, c[2], tol) {
				n++
			}
		}
	}
	return n
}

func near(v uint32, want uint8, tol int) bool {
	d := int(v) - int(want)
	return -tol <= d && d <= tol
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// TestWriteHTML_Automatic: an automatic drill's report shows when the
// trigger started the plan, the RTO budget and the executions, and marks
// a second execution.
func TestWriteHTML_Automatic(t *testing.T) {
	for _, execs := range [][]string{{"us-west-2/0123456789abcdef"}, {"us-west-2/0123456789abcdef", "us-east-1/fedcba9876543210"}} {
		r := regionOutageResult()
		r.Automatic, r.TriggerSeconds, r.BudgetSeconds, r.PlanExecutions = true, ptr(6.7), ptr(13.6), execs
		var b bytes.Buffer
		if err := WriteHTML(&b, r); err != nil {
			t.Fatal(err)
		}
		page := b.String()
		for _, want := range []string{"Trigger", "6.7 s", "RTO budget", "13.6 s", "Plan executions"} {
			if !strings.Contains(page, want) {
				t.Errorf("%d executions: the report lacks %q", len(execs), want)
			}
		}
		rows := summaryRows(r)
		for _, row := range rows {
			if row.Label == "Plan executions" && row.Bad != (len(execs) != 1) {
				t.Errorf("%d executions marked bad=%v", len(execs), row.Bad)
			}
		}
	}
}
