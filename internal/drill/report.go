package drill

// The HTML report: one self-contained page (inline CSS and SVG, no
// scripts, fonts or images) that tells someone who was not at the drill
// what happened. The geometry of the timeline is computed here; the
// template only places precomputed numbers, and html/template escapes
// every string that comes from the Result.

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// WriteHTML renders r as one self-contained HTML page: verdict, summary
// figures, a timeline of the client's writes and the replication lag with
// every phase marked, the invariants and the phases. Nothing is written
// to w unless the page rendered.
func WriteHTML(w io.Writer, r *Result) error {
	if r == nil {
		return errors.New("render drill report: nil result")
	}
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, newReportView(r)); err != nil {
		return fmt.Errorf("render drill report: %w", err)
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("write drill report: %w", err)
	}
	return nil
}

// reportView is what the template shows: every value already formatted.
type reportView struct {
	Scenario, Stack, Target string
	Headline                string
	Pass                    bool
	VerdictNote             string
	Notes                   []string
	Started, Duration       string
	Summary                 []summaryRow
	Regions                 []regionRow // per-region writes, active-active scenarios only
	Chart                   timeline
	Invariants              []Invariant
	Phases                  []phaseRow
	HasFault                bool
}

type summaryRow struct {
	Label, Value, Help string
	Bad                bool // shown in red: something the drill must not produce
}

// regionRow is one region's clients in the per-region table.
type regionRow struct {
	Name, Endpoint                        string
	Forwarded                             bool
	Acknowledged, Failed, Ambiguous, Lost string
	P50, P99, Outage, SlowestFailed       string
	Bad                                   bool // lost writes
}

type phaseRow struct {
	Name, At, SinceFault, Detail string
}

func newReportView(r *Result) reportView {
	v := reportView{
		Scenario:    orDash(r.Scenario),
		Stack:       orDash(r.Stack),
		Target:      orDash(r.Target),
		Headline:    r.Headline(),
		Notes:       r.Notes,
		Pass:        r.Pass,
		VerdictNote: verdictNote(r),
		Summary:     summaryRows(r),
		Regions:     regionRows(r),
		Chart:       newTimeline(r),
		Invariants:  r.Invariants,
	}
	if !r.Started.IsZero() {
		v.Started = r.Started.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	if d := runSeconds(r); d >= 120 {
		v.Duration = r.Ended.Sub(r.Started).Round(time.Second).String()
	} else if d > 0 {
		v.Duration = formatSeconds(d)
	}
	v.Phases, v.HasFault = phaseRows(r.Phases)
	return v
}

func verdictNote(r *Result) string {
	failed := 0
	for _, inv := range r.Invariants {
		if !inv.Pass {
			failed++
		}
	}
	switch n := len(r.Invariants); {
	case n == 0:
		return "no invariants were judged"
	case failed > 0:
		return fmt.Sprintf("%d of %d invariants failed", failed, n)
	case !r.Pass:
		return fmt.Sprintf("all %d invariants held, but the drill did not pass", n)
	default:
		return fmt.Sprintf("all %d invariants held", n)
	}
}

func summaryRows(r *Result) []summaryRow {
	rows := []summaryRow{
		{"RTO", formatSeconds(r.RTOSeconds), "longest write outage the client saw", false},
	}
	switch {
	case r.Automatic && r.FloorSeconds != nil:
		rows = append(rows, summaryRow{"RTO floor", formatSeconds(*r.FloorSeconds),
			"a true lower bound of the RTO: the trigger's alarm cannot fire sooner (stalledLagMs + evaluation periods − 1, × time scale) + the promotion", false})
	case r.FloorSeconds != nil:
		rows = append(rows, summaryRow{"RTO floor", formatSeconds(*r.FloorSeconds),
			"a true lower bound of the RTO: health-check interval × threshold × time scale (nobody fails over sooner) + the least the promotion took", false})
	}
	if r.BudgetSeconds != nil {
		rows = append(rows, summaryRow{"RTO budget", formatSeconds(*r.BudgetSeconds),
			"the most an automatic failover may take: alarm evaluation + trigger interval + TTL (× time scale) + promotion + 2 s", r.RTOSeconds > *r.BudgetSeconds})
	}
	if r.Automatic {
		rows = append(rows, summaryRow{"Trigger", optSeconds(r.TriggerSeconds), "fault → the Region switch plan's trigger started an execution (nobody acted)", false},
			summaryRow{"Plan executions", fmt.Sprint(len(r.PlanExecutions)), "executions started since the fault: exactly one", len(r.PlanExecutions) != 1})
	}
	return append(rows,
		summaryRow{"RPO", formatSeconds(r.RPOSeconds), "time span of the acknowledged writes that were lost", r.RPOSeconds > 0},
		summaryRow{"Acknowledged writes", thousands(r.AcknowledgedWrites), "writes the database confirmed to the client", false},
		summaryRow{"Failed writes", thousands(r.FailedWrites), "writes the client saw fail; expected while there is no writer", false},
		summaryRow{"Lost writes", lostWrites(r), "acknowledged, then missing from the final database", r.LostWrites > 0},
		summaryRow{"Ambiguous writes", thousands(r.AmbiguousWrites), "the client never learned the outcome (e.g. connection cut after COMMIT)", false},
		summaryRow{"Split-brain writes", thousands(r.SplitBrainWrites), "acknowledged by a fenced old primary and absent from the final database", r.SplitBrainWrites > 0},
		summaryRow{"Duplicate writes", thousands(r.DuplicateWrites), "writes applied more than once", r.DuplicateWrites > 0},
		summaryRow{"Detection", optSeconds(r.DetectionSeconds), "fault → health check reports the writer down", false},
		summaryRow{"DNS flip", optSeconds(r.DNSFlipSeconds), "fault → the writer name answers with the new writer", false},
		summaryRow{"Promotion", optSeconds(r.PromotionSeconds), "fault → a secondary region is promoted to writer", false},
		summaryRow{"Max replication lag", formatSeconds(r.MaxReplicationLagSeconds), "largest lag of any secondary region: age of the oldest acknowledged write its reader lacked (lost writes are the RPO, not lag)", false},
	)
}

// regionRows lists the regions' figures, sorted by name.
func regionRows(r *Result) []regionRow {
	names := make([]string, 0, len(r.Regions))
	for name := range r.Regions {
		names = append(names, name)
	}
	sort.Strings(names)
	var rows []regionRow
	for _, name := range names {
		rr := r.Regions[name]
		if rr == nil {
			continue
		}
		slowest := "—"
		if rr.MaxFailedWriteSeconds > 0 {
			slowest = formatSeconds(rr.MaxFailedWriteSeconds)
		}
		rows = append(rows, regionRow{
			Name: name, Endpoint: orDash(rr.Endpoint), Forwarded: rr.Forwarded,
			Acknowledged: thousands(rr.AcknowledgedWrites), Failed: thousands(rr.FailedWrites),
			Ambiguous: thousands(rr.AmbiguousWrites), Lost: thousands(rr.LostWrites),
			P50: trimFloat(finite(rr.LatencyP50Ms), 1) + " ms", P99: trimFloat(finite(rr.LatencyP99Ms), 1) + " ms",
			Outage: formatSeconds(rr.RTOSeconds), SlowestFailed: slowest, Bad: rr.LostWrites > 0,
		})
	}
	return rows
}

// maxListedLostIDs is how many lost write IDs the summary lists; the
// JSON result has them all.
const maxListedLostIDs = 20

func lostWrites(r *Result) string {
	s := thousands(r.LostWrites)
	if n := len(r.LostIDs); n == 0 || n > maxListedLostIDs {
		return s
	}
	ids := make([]string, len(r.LostIDs))
	for i, id := range r.LostIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return s + " (IDs " + strings.Join(ids, ", ") + ")"
}

// phaseRows lists the phases in time order, with the time since the first
// "fault" phase when there is one.
func phaseRows(phases []Phase) ([]phaseRow, bool) {
	sorted := sortedPhases(phases)
	fault, hasFault := 0.0, false
	for _, p := range sorted {
		if p.Name == "fault" {
			fault, hasFault = p.At, true
			break
		}
	}
	rows := make([]phaseRow, len(sorted))
	for i, p := range sorted {
		rows[i] = phaseRow{Name: phaseName(p), At: formatSeconds(p.At), Detail: p.Detail}
		if hasFault {
			d := p.At - fault
			sign := "+"
			if d < 0 {
				sign, d = "−", -d
			}
			rows[i].SinceFault = sign + formatSeconds(d)
		}
	}
	return rows, hasFault
}

func sortedPhases(phases []Phase) []Phase {
	s := slices.Clone(phases)
	sort.SliceStable(s, func(i, j int) bool { return finite(s[i].At) < finite(s[j].At) })
	return s
}

func phaseName(p Phase) string {
	if p.Name == "" {
		return "event"
	}
	return p.Name
}

// runSeconds is the drill's length, 0 when its start or end is unknown.
func runSeconds(r *Result) float64 {
	if r.Started.IsZero() || r.Ended.IsZero() {
		return 0
	}
	return math.Max(0, r.Ended.Sub(r.Started).Seconds())
}

func formatSeconds(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return trimFloat(v, 2) + " s"
}

func optSeconds(v *float64) string {
	if v == nil {
		return "—"
	}
	return formatSeconds(*v)
}

// trimFloat formats v with at most prec decimals, without trailing zeros.
func trimFloat(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// finite maps NaN and ±Inf to 0 so that bad samples cannot break the SVG.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// Timeline geometry, in SVG user units (the page shows it about 1:1).
const (
	svgWidth         = 1160.0
	plotLeft         = 64.0
	plotRight        = svgWidth - 24
	throughputHeight = 220.0
	lagHeight        = 150.0
	emptyPanelHeight = 48.0
	labelRowHeight   = 16.0
	maxLabelRows     = 4
	maxXTicks        = 12
	maxYTicks        = 5
	// maxBars and maxLagPoints bound the SVG of very long runs: more
	// buckets or samples than this are merged, keeping the peaks.
	maxBars      = 400
	maxLagPoints = 800
)

// coord is an SVG coordinate; it prints with one decimal.
type coord float64

func (c coord) String() string {
	s := strconv.FormatFloat(float64(c), 'f', 1, 64)
	if s == "-0.0" {
		return "0.0"
	}
	return s
}

// timeline is the chart: a throughput panel above a replication lag
// panel, sharing the x axis (time since the drill started).
type timeline struct {
	Width, Height      coord
	XLabel             string
	XLabelX, XLabelY   coord
	Throughput, Lag    panel
	OKPath, FailedPath string
	AmbiguousPath      string
	Series             []lagSeries
	Labels             []phaseLabel
}

// panel is one plot of the timeline, with everything the template
// places precomputed.
type panel struct {
	Title               string
	TitleY              coord
	Left, Right, Width  coord
	Top, Bottom, Height coord
	CenterX, Mid        coord // where the empty message goes
	TickEnd, TickTextY  coord // x tick marks end and their labels' baseline
	XTicks, YTicks      []tick
	Legend              []legendItem
	ClipID              string
	Empty               string // why the panel has no data; "" when it has
}

// tick is a grid line at Pos; its label's baseline (y ticks) is TextPos.
type tick struct {
	Pos, TextPos coord
	Label        string
}

// legendItem is a swatch from X to X2 (a box from Y down for throughput, a
// line at MidY for lag) and its label at (TextX, TextY).
type legendItem struct {
	X, X2, Y, MidY, TextX, TextY coord
	Label                        string
	Class                        string // throughput swatches
	Color                        string // lag swatches
}

type lagSeries struct {
	Region, Color string
	Points        string // polyline points
	Dots          []point
}

type point struct{ X, Y coord }

// phaseLabel is a phase's name above the chart and its dashed marker.
type phaseLabel struct {
	X, TextX, Y, LineTop coord
	Anchor, Text         string
}

func newTimeline(r *Result) timeline {
	end := timelineEnd(r)
	xOf := func(at float64) float64 { return plotLeft + finite(at)/end*(plotRight-plotLeft) }
	unit, div := timeUnit(end)
	var xTicks []tick
	for _, v := range axisTicks(end/div, maxXTicks, 0, false) {
		xTicks = append(xTicks, tick{Pos: coord(xOf(v.value * div)), Label: v.label})
	}

	// Top to bottom: throughput title and legend, phase names, the
	// throughput panel, lag title and legend, the lag panel, the x label.
	labels, rows := layoutPhaseLabels(sortedPhases(r.Phases), xOf)
	const labelTop = 34.0
	tl := timeline{Width: svgWidth, Labels: make([]phaseLabel, len(labels))}
	top := labelTop + float64(rows)*labelRowHeight + 8
	for i, l := range labels {
		l.Y = coord(labelTop + float64(l.row)*labelRowHeight + 12)
		l.LineTop = l.Y + 4
		if l.row < 0 {
			l.LineTop = coord(top)
		}
		tl.Labels[i] = l.phaseLabel
	}
	tl.Throughput = throughputPanel(r, xOf, newPanel(20, top, throughputHeight, xTicks), &tl)
	lagTop := float64(tl.Throughput.Bottom) + 60
	tl.Lag = lagPanel(r.Lag, xOf, newPanel(lagTop-14, lagTop, lagHeight, xTicks), &tl)
	tl.XLabel = "time since the drill started (" + unit + ")"
	tl.XLabelX = coord((plotLeft + plotRight) / 2)
	tl.XLabelY = tl.Lag.TickTextY + 20
	tl.Height = tl.XLabelY + 10
	return tl
}

// timelineEnd is the x axis' end in seconds: the run's length or the last
// thing recorded, whichever is later; 1 for a run with no length at all.
func timelineEnd(r *Result) float64 {
	end := runSeconds(r)
	bs := bucketSeconds(r)
	for _, b := range r.Throughput {
		end = math.Max(end, finite(b.At)+bs)
	}
	for _, p := range r.Phases {
		end = math.Max(end, finite(p.At))
	}
	for _, samples := range r.Lag {
		for _, s := range samples {
			end = math.Max(end, finite(s.At))
		}
	}
	if end <= 0 || math.IsInf(end, 0) {
		return 1
	}
	return end
}

// timeUnit picks the x axis unit so that long runs get readable ticks.
func timeUnit(end float64) (name string, seconds float64) {
	switch {
	case end <= 600:
		return "s", 1
	case end <= 4*3600:
		return "min", 60
	default:
		return "h", 3600
	}
}

// bucketSeconds is the width of a throughput bucket: as recorded, else
// the smallest gap between buckets, else 1 s.
func bucketSeconds(r *Result) float64 {
	if bs := finite(r.BucketSeconds); bs > 0 {
		return bs
	}
	gap := math.Inf(1)
	for i := 1; i < len(r.Throughput); i++ {
		if d := finite(r.Throughput[i].At) - finite(r.Throughput[i-1].At); d > 0 {
			gap = math.Min(gap, d)
		}
	}
	if math.IsInf(gap, 1) {
		return 1
	}
	return gap
}

type placedLabel struct {
	phaseLabel
	row int
}

// span is a horizontal interval a label row already holds: a label's
// text, or the dashed line of a label in a row above.
type span struct {
	lo, hi float64
	text   bool
}

// layoutPhaseLabels puts each phase name on the first row where it
// overlaps no other name, no marker line of a label above crosses it, and
// its own marker line crosses no name below. Names sit right of their
// marker, or left of it at the chart's right edge. A name that fits
// nowhere is left out (row -1, no text). It returns the labels and the
// number of rows used.
func layoutPhaseLabels(phases []Phase, xOf func(float64) float64) ([]placedLabel, int) {
	occupied := make([][]span, maxLabelRows)
	labels := make([]placedLabel, 0, len(phases))
	rows := 0
	for _, p := range phases {
		x := xOf(p.At)
		text := phaseName(p)
		w := textWidth(text)
		lo, hi, anchor := x+3, x+3+w, "start"
		if hi > svgWidth-2 {
			lo, hi, anchor = x-3-w, x-3, "end"
		}
		row := labelRow(occupied, lo, hi, x)
		if row < 0 { // crowded out: the marker stays, the phase table names it
			labels = append(labels, placedLabel{phaseLabel: phaseLabel{X: coord(x)}, row: -1})
			continue
		}
		occupied[row] = append(occupied[row], span{lo - 4, hi + 4, true})
		for k := row + 1; k < maxLabelRows; k++ {
			occupied[k] = append(occupied[k], span{x, x, false})
		}
		textX := lo
		if anchor == "end" {
			textX = hi
		}
		labels = append(labels, placedLabel{
			phaseLabel: phaseLabel{X: coord(x), TextX: coord(textX), Anchor: anchor, Text: text},
			row:        row,
		})
		rows = max(rows, row+1)
	}
	return labels, rows
}

func labelRow(occupied [][]span, lo, hi, x float64) int {
	for row := range occupied {
		if labelFits(occupied, row, lo, hi, x) {
			return row
		}
	}
	return -1
}

func labelFits(occupied [][]span, row int, lo, hi, x float64) bool {
	for _, s := range occupied[row] {
		if s.lo <= hi && lo <= s.hi {
			return false
		}
	}
	for _, below := range occupied[row+1:] {
		for _, s := range below {
			if s.text && s.lo <= x && x <= s.hi {
				return false
			}
		}
	}
	return true
}

// textWidth estimates the width of 12px sans-serif text (bold for phase
// names), generously so that labels do not touch.
func textWidth(s string) float64 {
	return 7.4*float64(len([]rune(s))) + 2
}

func newPanel(titleY, top, height float64, xTicks []tick) panel {
	p := panel{
		TitleY: coord(titleY),
		Left:   plotLeft, Right: plotRight, Width: plotRight - plotLeft,
		CenterX: (plotLeft + plotRight) / 2,
		XTicks:  xTicks,
	}
	return p.withHeight(top, height)
}

func (p panel) withHeight(top, height float64) panel {
	p.Top, p.Height, p.Bottom = coord(top), coord(height), coord(top+height)
	p.Mid = coord(top + height/2 + 4)
	p.TickEnd, p.TickTextY = p.Bottom+4, p.Bottom+16
	return p
}

func throughputPanel(r *Result, xOf func(float64) float64, p panel, tl *timeline) panel {
	buckets, width := mergeBuckets(r.Throughput, bucketSeconds(r), maxBars)
	p.Title = "Client writes per " + formatSeconds(width) + " bucket"
	p.ClipID = "clip-throughput"
	if len(buckets) == 0 {
		return p.empty("no client writes recorded")
	}
	p.Legend = rightAligned(p.TitleY, []legendItem{
		{Label: "ok", Class: "bar-ok"}, {Label: "failed", Class: "bar-failed"}, {Label: "ambiguous", Class: "bar-ambiguous"},
	})
	peak := 0.0
	for _, b := range buckets {
		peak = math.Max(peak, float64(b.OK+b.Failed+b.Ambiguous))
	}
	ticks := axisTicks(peak, maxYTicks, 1, true)
	ymax := ticks[len(ticks)-1].value
	yOf := func(v float64) float64 { return float64(p.Bottom) - v/ymax*float64(p.Height) }
	p = p.withYTicks(ticks, yOf)

	var ok, failed, ambiguous strings.Builder
	for _, b := range buckets {
		x0, x1 := xOf(b.At), xOf(b.At+width)
		x1 -= math.Min(2, (x1-x0)*0.15) // a hairline gap between bars
		base := 0.0
		for _, part := range []struct {
			n   int
			out *strings.Builder
		}{{b.OK, &ok}, {b.Failed, &failed}, {b.Ambiguous, &ambiguous}} {
			if part.n <= 0 {
				continue
			}
			next := base + float64(part.n)
			fmt.Fprintf(part.out, "M%s %sH%sV%sH%sZ", coord(x0), coord(yOf(next)), coord(x1), coord(yOf(base)), coord(x0))
			base = next
		}
	}
	tl.OKPath, tl.FailedPath, tl.AmbiguousPath = ok.String(), failed.String(), ambiguous.String()
	return p
}

// mergeBuckets sums runs of adjacent buckets so that at most limit remain;
// it returns them and their width in seconds.
func mergeBuckets(in []Bucket, width float64, limit int) ([]Bucket, float64) {
	if len(in) <= limit {
		return in, width
	}
	k := (len(in) + limit - 1) / limit
	out := make([]Bucket, 0, limit)
	for i := 0; i < len(in); i += k {
		m := Bucket{At: in[i].At}
		for _, b := range in[i:min(i+k, len(in))] {
			m.OK += b.OK
			m.Failed += b.Failed
			m.Ambiguous += b.Ambiguous
		}
		out = append(out, m)
	}
	return out, width * float64(k)
}

// lagColors are distinct from the throughput colours and from each other.
var lagColors = []string{"#2563eb", "#9333ea", "#0891b2", "#c2410c", "#db2777", "#4b5563", "#65a30d", "#0f766e"}

func lagPanel(lag map[string][]Sample, xOf func(float64) float64, p panel, tl *timeline) panel {
	p.Title = "Replication lag per secondary region (s)"
	p.ClipID = "clip-lag"
	var regions []string
	peak := 0.0
	for region, samples := range lag {
		if len(samples) == 0 {
			continue
		}
		regions = append(regions, region)
		for _, s := range samples {
			peak = math.Max(peak, finite(s.Seconds))
		}
	}
	if len(regions) == 0 {
		return p.empty("no replication lag recorded")
	}
	sort.Strings(regions)
	ticks := axisTicks(peak, maxYTicks, 0, true)
	ymax := ticks[len(ticks)-1].value
	yOf := func(v float64) float64 { return float64(p.Bottom) - finite(v)/ymax*float64(p.Height) }
	p = p.withYTicks(ticks, yOf)

	items := make([]legendItem, len(regions))
	for i, region := range regions {
		s := lagSeries{Region: region, Color: lagColors[i%len(lagColors)]}
		items[i] = legendItem{Label: region, Color: s.Color}
		samples := thinSamples(lag[region], maxLagPoints)
		if len(samples) == 1 {
			s.Dots = []point{{coord(xOf(samples[0].At)), coord(yOf(samples[0].Seconds))}}
		} else {
			pts := make([]string, len(samples))
			for j, smp := range samples {
				pts[j] = coord(xOf(smp.At)).String() + "," + coord(yOf(smp.Seconds)).String()
			}
			s.Points = strings.Join(pts, " ")
		}
		tl.Series = append(tl.Series, s)
	}
	p.Legend = rightAligned(p.TitleY, items)
	return p
}

// thinSamples keeps at most about limit samples in time order: of each
// run of adjacent samples it keeps the highest lag, so spikes survive.
func thinSamples(in []Sample, limit int) []Sample {
	s := slices.Clone(in)
	sort.SliceStable(s, func(i, j int) bool { return finite(s[i].At) < finite(s[j].At) })
	if len(s) <= limit {
		return s
	}
	k := (len(s) + limit - 1) / limit
	out := make([]Sample, 0, limit)
	for i := 0; i < len(s); i += k {
		best := s[i]
		for _, c := range s[i:min(i+k, len(s))] {
			if finite(c.Seconds) > finite(best.Seconds) {
				best = c
			}
		}
		out = append(out, best)
	}
	return out
}

// empty turns p into a short panel that says why it has no data.
func (p panel) empty(msg string) panel {
	p.Empty = msg
	return p.withHeight(float64(p.Top), emptyPanelHeight)
}

func (p panel) withYTicks(ticks []axisTick, yOf func(float64) float64) panel {
	for _, t := range ticks {
		y := yOf(t.value)
		p.YTicks = append(p.YTicks, tick{Pos: coord(y), TextPos: coord(y + 4), Label: t.label})
	}
	return p
}

// rightAligned lays legend items out on the baseline y, in a row ending
// at the plot's right edge: an 18-unit swatch, the label, then a gap.
func rightAligned(y coord, items []legendItem) []legendItem {
	const swatch, pad, gap = 18.0, 6.0, 16.0
	total := -gap
	for _, it := range items {
		total += swatch + pad + textWidth(it.Label) + gap
	}
	x := plotRight - total
	for i := range items {
		items[i].X, items[i].X2 = coord(x), coord(x+swatch)
		items[i].Y, items[i].MidY = y-9, y-4
		items[i].TextX, items[i].TextY = coord(x+swatch+pad), y
		x += swatch + pad + textWidth(items[i].Label) + gap
	}
	return items
}

type axisTick struct {
	value float64
	label string
}

// axisTicks returns at most n+1 ticks from 0 in steps of 1, 2 or 5 × 10^k
// (and at least minStep). With extend, the last tick is at or above top,
// for a y axis; without, ticks stop at top, for the x axis.
func axisTicks(top float64, n int, minStep float64, extend bool) []axisTick {
	if !(top > 0) || math.IsInf(top, 0) {
		top = 1
	}
	raw := top / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	step = math.Max(step, minStep)
	prec := max(0, -int(math.Floor(math.Log10(step))))
	var ticks []axisTick
	for i := 0; ; i++ {
		v := float64(i) * step
		if v > top*(1+1e-9) && (!extend || ticks[len(ticks)-1].value >= top) {
			break
		}
		ticks = append(ticks, axisTick{value: v, label: trimFloat(v, prec)})
	}
	return ticks
}

var reportTemplate = template.Must(template.New("report").Parse(reportHTML))

// reportHTML is the page. Its "panel" template draws a panel's frame,
// grid, ticks, title and empty message; the data goes on top.
const reportHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Pass}}PASS{{else}}FAIL{{end}} · {{.Headline}} · {{.Stack}}</title>
<style>
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1f2937;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Helvetica, Arial, sans-serif; }
main { max-width: 1220px; margin: 0 auto; padding: 24px 30px 48px; }
header { display: flex; align-items: center; justify-content: space-between; gap: 24px;
  padding-bottom: 16px; border-bottom: 2px solid #e5e7eb; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 18px; margin: 26px 0 8px; }
.meta { margin: 0; color: #4b5563; }
.meta b { color: #111827; }
.verdict-box { text-align: center; flex: none; }
.verdict { display: inline-block; font-size: 46px; font-weight: 800; letter-spacing: .08em; line-height: 1;
  color: #fff; padding: 14px 34px; border-radius: 10px; }
.verdict.pass { background: #15803d; }
.verdict.fail { background: #b91c1c; }
.verdict-note { margin-top: 6px; font-size: 14px; color: #4b5563; }
.note { margin: 10px 0 0; padding: 8px 12px; background: #f3f4f6; border-left: 4px solid #9ca3af; font-size: 14px; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 5px 10px; border-bottom: 1px solid #e5e7eb; }
th { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; color: #6b7280; }
td.label { width: 190px; font-weight: 600; white-space: nowrap; }
td.value { width: 250px; font-variant-numeric: tabular-nums; }
td.help, td.detail { color: #4b5563; font-size: 14px; }
tr.bad td { background: #fef2f2; }
tr.bad td.value, tr.bad td.label { color: #b91c1c; }
td.name { width: 300px; }
td.mark { width: 36px; font-size: 18px; line-height: 1.2; text-align: center; }
.mark.ok { color: #15803d; }
.mark.fail { color: #b91c1c; }
td.time { width: 110px; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13.5px; }
.chart { width: 100%; height: auto; display: block; }
.chart text { font-family: system-ui, "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 12px; fill: #374151; }
.chart .title { font-size: 14px; font-weight: 600; fill: #111827; }
.chart .phase { font-weight: 600; fill: #1f2937; }
.chart .empty { font-size: 14px; fill: #6b7280; }
.frame { fill: none; stroke: #9ca3af; }
.grid { stroke: #edf0f3; }
.tick { stroke: #9ca3af; }
.marker { stroke: #374151; stroke-width: 1; stroke-dasharray: 4 3; }
.bar-ok { fill: #22c55e; }
.bar-failed { fill: #ef4444; }
.bar-ambiguous { fill: #f59e0b; }
.lag { fill: none; stroke-width: 2; stroke-linejoin: round; }
footer { margin-top: 32px; font-size: 12px; color: #6b7280; }
</style>
</head>
<body>
<main>
<header>
  <div>
    <h1>{{.Headline}}</h1>
    <p class="meta">scenario <b>{{.Scenario}}</b> · stack <b>{{.Stack}}</b> · target <b>{{.Target}}</b>{{if .Started}} · started <b>{{.Started}}</b>{{end}}{{if .Duration}} · ran <b>{{.Duration}}</b>{{end}}</p>
  </div>
  <div class="verdict-box">
    {{if .Pass}}<div class="verdict pass">PASS</div>{{else}}<div class="verdict fail">FAIL</div>{{end}}
    <div class="verdict-note">{{.VerdictNote}}</div>
  </div>
</header>
{{range .Notes}}<p class="note">{{.}}</p>
{{end}}
<h2>Summary</h2>
<table class="summary">
{{range .Summary}}<tr{{if .Bad}} class="bad"{{end}}><td class="label">{{.Label}}</td><td class="value">{{.Value}}</td><td class="help">{{.Help}}</td></tr>
{{end}}</table>{{if .Regions}}

<h2>Writes by region</h2>
<p class="meta">each region's clients write through their own region's endpoint; a forwarding secondary's writes go to the primary until the failover makes it the writer. Latency: acknowledged writes, invocation to acknowledgement.</p>
<table class="regions">
<tr><th>region</th><th>endpoint</th><th>acknowledged</th><th>failed</th><th>ambiguous</th><th>lost</th><th>latency p50</th><th>latency p99</th><th>longest outage</th><th>slowest failed write</th></tr>
{{range .Regions}}<tr{{if .Bad}} class="bad"{{end}}><td class="label">{{.Name}}</td><td><code>{{.Endpoint}}</code>{{if .Forwarded}} (forwarded){{end}}</td><td class="time">{{.Acknowledged}}</td><td class="time">{{.Failed}}</td><td class="time">{{.Ambiguous}}</td><td class="time">{{.Lost}}</td><td class="time">{{.P50}}</td><td class="time">{{.P99}}</td><td class="time">{{.Outage}}</td><td class="time">{{.SlowestFailed}}</td></tr>
{{end}}</table>{{end}}

<h2>Timeline</h2>
{{with .Chart}}<svg class="chart" viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-label="client writes and replication lag over time, with the drill's phases marked">
{{template "panel" .Throughput}}<g clip-path="url(#clip-throughput)">
<path class="bar-ok" d="{{.OKPath}}"/>
<path class="bar-failed" d="{{.FailedPath}}"/>
<path class="bar-ambiguous" d="{{.AmbiguousPath}}"/>
</g>
{{range .Throughput.Legend}}<rect class="{{.Class}}" x="{{.X}}" y="{{.Y}}" width="18" height="10" rx="2"/><text x="{{.TextX}}" y="{{.TextY}}">{{.Label}}</text>
{{end}}{{template "panel" .Lag}}<g clip-path="url(#clip-lag)">
{{range .Series}}{{if .Points}}<polyline class="lag" stroke="{{.Color}}" points="{{.Points}}"/>
{{end}}{{$c := .Color}}{{range .Dots}}<circle cx="{{.X}}" cy="{{.Y}}" r="3.5" fill="{{$c}}"/>
{{end}}{{end}}</g>
{{range .Lag.Legend}}<line x1="{{.X}}" x2="{{.X2}}" y1="{{.MidY}}" y2="{{.MidY}}" stroke="{{.Color}}" stroke-width="3"/><text x="{{.TextX}}" y="{{.TextY}}">{{.Label}}</text>
{{end}}{{$tp := .Throughput}}{{$lag := .Lag}}{{range .Labels}}<g><line class="marker" x1="{{.X}}" x2="{{.X}}" y1="{{.LineTop}}" y2="{{$tp.Bottom}}"/><line class="marker" x1="{{.X}}" x2="{{.X}}" y1="{{$lag.Top}}" y2="{{$lag.Bottom}}"/>{{if .Text}}<text class="phase" x="{{.TextX}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>{{end}}</g>
{{end}}<text x="{{.XLabelX}}" y="{{.XLabelY}}" text-anchor="middle">{{.XLabel}}</text>
</svg>{{end}}

<h2>Invariants</h2>
{{if .Invariants}}<table class="invariants">
<tr><th></th><th>invariant</th><th>detail</th></tr>
{{range .Invariants}}<tr{{if not .Pass}} class="bad"{{end}}>{{if .Pass}}<td class="mark ok" title="held">✔</td>{{else}}<td class="mark fail" title="violated">✘</td>{{end}}<td class="name"><code>{{.Name}}</code></td><td class="detail">{{.Detail}}</td></tr>
{{end}}</table>{{else}}<p class="meta">No invariants were judged.</p>{{end}}

<h2>Phases</h2>
{{if .Phases}}<table class="phases">
<tr><th>at</th>{{if .HasFault}}<th>since fault</th>{{end}}<th>event</th><th>detail</th></tr>
{{range .Phases}}<tr><td class="time">{{.At}}</td>{{if $.HasFault}}<td class="time">{{.SinceFault}}</td>{{end}}<td><code>{{.Name}}</code></td><td class="detail">{{.Detail}}</td></tr>
{{end}}</table>{{else}}<p class="meta">No phases were recorded.</p>{{end}}

<footer>globaldb drill report · the timeline's x axis is time since the drill started; detection, DNS flip and promotion are measured from the fault.</footer>
</main>
</body>
</html>
{{define "panel"}}<text class="title" x="{{.Left}}" y="{{.TitleY}}">{{.Title}}</text>
<clipPath id="{{.ClipID}}"><rect x="{{.Left}}" y="{{.Top}}" width="{{.Width}}" height="{{.Height}}"/></clipPath>
{{$p := .}}{{range .YTicks}}<line class="grid" x1="{{$p.Left}}" x2="{{$p.Right}}" y1="{{.Pos}}" y2="{{.Pos}}"/><text x="{{$p.Left}}" dx="-6" y="{{.TextPos}}" text-anchor="end">{{.Label}}</text>
{{end}}{{range .XTicks}}<line class="tick" x1="{{.Pos}}" x2="{{.Pos}}" y1="{{$p.Bottom}}" y2="{{$p.TickEnd}}"/><text x="{{.Pos}}" y="{{$p.TickTextY}}" text-anchor="middle">{{.Label}}</text>
{{end}}<rect class="frame" x="{{.Left}}" y="{{.Top}}" width="{{.Width}}" height="{{.Height}}"/>
{{if .Empty}}<text class="empty" x="{{.CenterX}}" y="{{.Mid}}" text-anchor="middle">{{.Empty}}</text>
{{end}}{{end}}`
