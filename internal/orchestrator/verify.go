package orchestrator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	arctypes "github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/rdstls"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// CanaryTimeout bounds the wait for the canary row to show in each
	// secondary (default 30 s).
	CanaryTimeout time.Duration
}

// VerifyReport is the outcome of every check Verify made, in a stable
// order: DNS, then each region's endpoints, then the Route 53 names, the
// read-only secondaries, replication and writes forwarded by secondaries.
type VerifyReport struct {
	Stack        string  `json:"stack"`
	WriterRegion string  `json:"writer_region"`
	Checks       []Check `json:"checks"`
	// Errors are the parts of the world that could not be read (an
	// unreachable region's API); they do not fail the report by
	// themselves: the checks on that region's databases do.
	Errors []string `json:"errors,omitempty"`
}

// Check is one verification: what was checked, where, and how it went.
type Check struct {
	Name   string `json:"name"`
	Region string `json:"region,omitempty"`
	// Target is the host name or endpoint checked.
	Target string `json:"target,omitempty"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	// Error is why the check failed.
	Error string `json:"error,omitempty"`
	// LagMS is, for replication checks, from the canary's commit until it
	// was visible in the region.
	LagMS      *float64      `json:"lag_ms,omitempty"`
	Duration   time.Duration `json:"-"`
	DurationMS float64       `json:"duration_ms"`
}

// OK reports whether every check passed.
func (r *VerifyReport) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// Failures explains each failed check: what, where, and the error.
func (r *VerifyReport) Failures() []string {
	var out []string
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c.String())
		}
	}
	return out
}

// String renders the check on one line.
func (c Check) String() string {
	var b strings.Builder
	b.WriteString(c.Name)
	if c.Region != "" {
		fmt.Fprintf(&b, " in %s", c.Region)
	}
	if c.Target != "" {
		fmt.Fprintf(&b, " (%s)", c.Target)
	}
	if c.Detail != "" {
		fmt.Fprintf(&b, ": %s", c.Detail)
	}
	if c.Error != "" {
		fmt.Fprintf(&b, ": %s", c.Error)
	}
	return b.String()
}

// MarshalJSON adds "ok", the verdict, to the report's fields.
func (r *VerifyReport) MarshalJSON() ([]byte, error) {
	type plain VerifyReport
	return json.Marshal(struct {
		OK bool `json:"ok"`
		*plain
	}{r.OK(), (*plain)(r)})
}

// WriteText writes one line per check and a summary.
func (r *VerifyReport) WriteText(w io.Writer) error {
	failed := 0
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
			failed++
		}
		if _, err := fmt.Fprintf(w, "%s %s [%s]\n", mark, c.String(), c.Duration.Round(time.Millisecond)); err != nil {
			return err
		}
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "note: could not read %s\n", e)
	}
	verdict := "all passed"
	if failed > 0 {
		verdict = fmt.Sprintf("%d failed", failed)
	}
	_, err := fmt.Fprintf(w, "\n%d checks on stack %s (writer in %s): %s.\n", len(r.Checks), r.Stack, r.WriterRegion, verdict)
	return err
}

// Verify checks the stack as a client sees it: the writer and reader
// names resolve to the current writer's and a region's readers; every
// endpoint (cluster, reader, each instance, the Route 53 names) answers
// SELECT 1, writable where writes belong and read-only elsewhere; the
// secondaries refuse writes; a canary row written in the writer shows in
// each secondary, and how long it took. res resolves every name; nil
// chooses ResolverFor(world, t, ""). A failing check is reported, not
// returned as an error.
func Verify(ctx context.Context, c *Clients, t *topology.Topology, res resolve.Resolver, opts VerifyOptions) (*VerifyReport, error) {
	if opts.CanaryTimeout <= 0 {
		opts.CanaryTimeout = 30 * time.Second
	}
	sv, err := survey(ctx, c, t)
	if err != nil {
		return nil, err
	}
	if res == nil {
		res = ResolverFor(sv.w, t, "")
	}
	views := sv.views()
	v := &verifier{c: c, t: t, res: res, trust: c.DBTrust(ctx), writer: sv.writer, views: views, opts: opts}
	var jobs []func() []Check
	if t.DNS != nil && t.DNS.Writer != nil {
		jobs = append(jobs, v.one(func() Check { return v.dnsWriter(ctx) }))
	}
	if t.DNS != nil && t.DNS.Reader != nil {
		jobs = append(jobs, v.one(func() Check { return v.dnsReader(ctx) }))
	}
	for _, rv := range views {
		jobs = append(jobs, v.endpointChecks(ctx, rv)...)
	}
	if t.DNS != nil && t.DNS.Writer != nil {
		jobs = append(jobs, v.one(func() Check {
			return v.selectCheck(ctx, "select through the writer record", "", t.DNS.Writer.Name, v.primaryPort(), wantWritable)
		}))
	}
	if t.DNS != nil && t.DNS.Reader != nil {
		jobs = append(jobs, v.one(func() Check {
			return v.selectCheck(ctx, "select through the reader record", "", t.DNS.Reader.Name, v.primaryPort(), wantAny)
		}))
	}
	forwarding := forwardingRegions(sv.w, views, sv.writer)
	for _, rv := range views {
		if rv.region != sv.writer && rv.role == "secondary" && !forwarding[rv.region] {
			jobs = append(jobs, v.one(func() Check { return v.refusesWrites(ctx, rv) }))
		}
	}
	jobs = append(jobs, func() []Check { return v.canary(ctx) })
	results := make([][]Check, len(jobs))
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = job()
		}()
	}
	wg.Wait()
	rep := &VerifyReport{Stack: t.Name, WriterRegion: sv.writer, Checks: []Check{}, Errors: sv.errors()}
	for _, r := range results {
		rep.Checks = append(rep.Checks, r...)
	}
	// Forwarded writes go last: the canary has created the table.
	for _, rv := range views {
		if forwarding[rv.region] {
			rep.Checks = append(rep.Checks, v.one(func() Check { return v.forwardedWrite(ctx, rv) })()...)
		}
	}
	return rep, nil
}

// verifier holds what the checks of one Verify share.
type verifier struct {
	c      *Clients
	t      *topology.Topology
	res    resolve.Resolver
	trust  *rdstls.Trust
	writer string
	views  []regionView
	opts   VerifyOptions
}

// one wraps a single check as a job and times it.
func (v *verifier) one(f func() Check) func() []Check {
	return func() []Check {
		start := time.Now()
		c := f()
		c.Duration = time.Since(start)
		c.DurationMS = durationMS(c.Duration)
		return []Check{c}
	}
}

func durationMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (v *verifier) view(region string) regionView {
	for _, rv := range v.views {
		if rv.region == region {
			return rv
		}
	}
	return regionView{region: region, port: 5432}
}

func (v *verifier) primaryPort() int { return v.view(v.writer).port }

func (c *Check) fail(format string, a ...any) Check {
	c.OK, c.Error = false, fmt.Sprintf(format, a...)
	return *c
}

func (c *Check) pass(format string, a ...any) Check {
	c.OK, c.Detail = true, fmt.Sprintf(format, a...)
	return *c
}

// dnsWriter: the writer name's chain goes through the writer region's
// cluster endpoint.
func (v *verifier) dnsWriter(ctx context.Context) Check {
	name := strings.TrimSuffix(v.t.DNS.Writer.Name, ".")
	c := Check{Name: "writer record resolves to the writer's cluster endpoint", Region: v.writer, Target: name}
	want := v.view(v.writer).cluster
	a := traceName(ctx, v.res, "writer", name, v.views)
	c.Detail = a.chain()
	var msg string
	switch {
	case a.Error != "":
		msg = a.Error
	case want == "":
		return c.fail("the cluster endpoint of the writer region %s is unknown", v.writer)
	case a.LandsOn != v.writer+" cluster endpoint":
		msg = fmt.Sprintf("answers %s, not %s", orDash(a.LandsOn), want)
	default:
		c.OK = true
		return c
	}
	if why := v.planRecordsWhy(ctx); why != "" {
		msg += ": " + why
	}
	return c.fail("%s", msg)
}

// planRecordsWhy explains a writer record that answers another region
// when the record follows the Region switch plan's health checks and the
// plan's check for the writer's region is not healthy: the writer moved
// outside the plan. "" otherwise.
func (v *verifier) planRecordsWhy(ctx context.Context) string {
	if !v.t.PlanRecords() {
		return ""
	}
	p, err := findRegionSwitch(ctx, v.c, v.t)
	if err != nil || p == nil {
		return ""
	}
	checks, err := listPlanChecks(ctx, v.c, v.t, p.Arn)
	if err != nil {
		return ""
	}
	hc, ok := checks[v.writer]
	if !ok || hc.Status == arctypes.Route53HealthCheckStatusHealthy {
		return ""
	}
	return fmt.Sprintf("the record follows the Region switch plan's health checks (automation.route53HealthChecks), and the plan's check for %s (%s) is %s: "+
		"the writer moved outside the plan; start the plan activating %s (its Aurora step finds the writer there, its Route 53 step moves the name)",
		v.writer, aws.ToString(hc.HealthCheckId), hc.Status, v.writer)
}

// dnsReader: the reader name's chain goes through a region's reader
// endpoint.
func (v *verifier) dnsReader(ctx context.Context) Check {
	name := strings.TrimSuffix(v.t.DNS.Reader.Name, ".")
	c := Check{Name: "reader record resolves to a reader endpoint", Target: name}
	a := traceName(ctx, v.res, "reader", name, v.views)
	c.Detail = a.chain()
	switch {
	case a.Error != "":
		return c.fail("%s", a.Error)
	case !strings.HasSuffix(a.LandsOn, " reader endpoint"):
		return c.fail("answers %s, not a reader endpoint of the stack", orDash(a.LandsOn))
	}
	c.OK = true
	return c
}

// want is what a probe expects of the database behind an endpoint.
type want int

const (
	wantAny      want = iota
	wantWritable      // pg_is_in_recovery() false
	wantReadOnly      // pg_is_in_recovery() true
	wantInactive      // a secondary's cluster endpoint: no answer, or read-only
)

// endpointChecks probe a region's cluster, reader and instance endpoints.
func (v *verifier) endpointChecks(ctx context.Context, rv regionView) []func() []Check {
	primary := rv.region == v.writer
	clusterWant, readerWant := wantWritable, wantAny
	if !primary {
		clusterWant, readerWant = wantInactive, wantReadOnly
	}
	jobs := []func() []Check{
		v.one(func() Check {
			return v.selectCheck(ctx, "select through the cluster endpoint", rv.region, rv.cluster, rv.port, clusterWant)
		}),
		v.one(func() Check {
			return v.selectCheck(ctx, "select through the reader endpoint", rv.region, rv.reader, rv.port, readerWant)
		}),
	}
	for _, i := range rv.instances {
		w := wantReadOnly
		if primary && i.writer {
			w = wantWritable
		}
		jobs = append(jobs, v.one(func() Check {
			c := v.selectCheck(ctx, "select through instance "+i.id, rv.region, i.host, i.port, w)
			if !c.OK && i.status != "available" {
				c.Error += " (instance status " + i.status + ")"
			}
			return c
		}))
	}
	return jobs
}

// selectCheck runs SELECT 1 and pg_is_in_recovery() through host.
func (v *verifier) selectCheck(ctx context.Context, name, region, host string, port int, w want) Check {
	host = strings.TrimSuffix(host, ".")
	c := Check{Name: name, Region: region, Target: fmt.Sprintf("%s:%d", host, port)}
	if host == "" {
		c.Target = ""
		return c.fail("endpoint unknown: the region's API did not describe it")
	}
	server, recovery, err := v.probe(ctx, host, port)
	if w == wantInactive {
		switch {
		case errors.Is(err, resolve.ErrNotFound):
			return c.pass("inactive until promotion, as a secondary's cluster endpoint is on AWS: the name does not resolve")
		case err != nil:
			return c.pass("inactive until promotion, as a secondary's cluster endpoint is on AWS: %v", err)
		case recovery:
			return c.pass("answered by %s, read-only", server)
		}
		return c.fail("answered by %s and writable: a secondary's cluster endpoint must not take writes", server)
	}
	if err != nil {
		return c.fail("%v", err)
	}
	state := "writable"
	if recovery {
		state = "read-only"
	}
	c.Detail = fmt.Sprintf("SELECT 1 answered by %s, %s", server, state)
	switch {
	case w == wantWritable && recovery:
		return c.fail("pg_is_in_recovery() is true: this name must reach the writer")
	case w == wantReadOnly && !recovery:
		return c.fail("pg_is_in_recovery() is false: a writable database where only replicas belong")
	}
	c.OK = true
	return c
}

// probe connects to host and reports which server answered and whether
// it is in recovery.
func (v *verifier) probe(ctx context.Context, host string, port int) (server string, recovery bool, err error) {
	db, err := openDB(ctx, v.t, v.res, v.trust, host, port)
	if err != nil {
		return "", false, err
	}
	defer db.Close(context.WithoutCancel(ctx))
	var one int
	var addr *string
	if err := db.QueryRow(ctx, `SELECT 1, pg_is_in_recovery(), host(inet_server_addr())`).Scan(&one, &recovery, &addr); err != nil {
		return "", false, fmt.Errorf("SELECT 1 through %s: %w", host, err)
	}
	server = db.PgConn().Conn().RemoteAddr().String()
	if addr != nil {
		server = *addr
	}
	return server, recovery, nil
}

// refusesWrites: a write through a secondary's reader endpoint fails with
// SQLSTATE 25006 (read_only_sql_transaction). The probe is a temporary
// table, so a database that wrongly accepts it keeps nothing.
func (v *verifier) refusesWrites(ctx context.Context, rv regionView) Check {
	c := Check{Name: "secondary refuses writes", Region: rv.region, Target: fmt.Sprintf("%s:%d", rv.reader, rv.port)}
	if rv.reader == "" {
		c.Target = ""
		return c.fail("reader endpoint unknown: the region's API did not describe it")
	}
	db, err := openDB(ctx, v.t, v.res, v.trust, rv.reader, rv.port)
	if err != nil {
		return c.fail("%v", err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	// A write that neither commits nor is refused (an old writer being
	// fenced holds its commits) must not hold verify up.
	wctx, cancel := context.WithTimeout(ctx, writeProbeTimeout)
	defer cancel()
	_, err = db.Exec(wctx, `CREATE TEMPORARY TABLE globaldb_write_probe (id int)`)
	switch {
	case err == nil:
		return c.fail("a write was accepted: the secondary is writable")
	case isSQLState(err, "25006"):
		return c.pass("refused with SQLSTATE 25006 (read-only)")
	case ctx.Err() == nil && wctx.Err() != nil:
		return c.fail("the write was neither refused nor committed within %v: the region holds writes (an old writer being fenced after a role change?)", writeProbeTimeout)
	}
	return c.fail("the write failed, but not as read-only: %v", err)
}

// writeProbeTimeout bounds the write a secondary should refuse at once.
const writeProbeTimeout = 5 * time.Second

// canary writes a row through the writer region's cluster endpoint and
// times its arrival in each secondary through that region's reader
// endpoint; readers connect first, so the lag is replication's alone.
func (v *verifier) canary(ctx context.Context) []Check {
	pv := v.view(v.writer)
	write := Check{Name: "canary write through the cluster endpoint", Region: v.writer, Target: fmt.Sprintf("%s:%d", pv.cluster, pv.port)}
	var secs []regionView
	var out []Check
	for _, rv := range v.views {
		if rv.region != v.writer && rv.role == "secondary" {
			secs = append(secs, rv)
			out = append(out, Check{Name: "canary replicated", Region: rv.region, Target: fmt.Sprintf("%s:%d", rv.reader, rv.port)})
		}
	}
	start := time.Now()
	finish := func(c *Check) {
		c.Duration = time.Since(start)
		c.DurationMS = durationMS(c.Duration)
	}
	failAll := func(format string, a ...any) []Check {
		write.fail(format, a...)
		finish(&write)
		for i := range out {
			out[i].fail("no canary was written: %s", write.Error)
			finish(&out[i])
		}
		return append([]Check{write}, out...)
	}
	if pv.cluster == "" {
		return failAll("the cluster endpoint of the writer region is unknown")
	}
	w, err := openDB(ctx, v.t, v.res, v.trust, pv.cluster, pv.port)
	if err != nil {
		return failAll("%v", err)
	}
	defer w.Close(context.WithoutCancel(ctx))
	if _, err := w.Exec(ctx, `CREATE TABLE IF NOT EXISTS globaldb_canary (id text PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT clock_timestamp())`); err != nil {
		return failAll("create table globaldb_canary: %v", err)
	}
	readers := make([]*pgx.Conn, len(secs))
	for i, rv := range secs {
		if rv.reader == "" {
			out[i].fail("reader endpoint unknown: the region's API did not describe it")
			continue
		}
		if readers[i], err = openDB(ctx, v.t, v.res, v.trust, rv.reader, rv.port); err != nil {
			out[i].fail("%v", err)
			continue
		}
		defer readers[i].Close(context.WithoutCancel(ctx))
	}
	id := strconv.FormatInt(time.Now().UnixNano(), 36)
	sent := time.Now()
	if _, err := w.Exec(ctx, `INSERT INTO globaldb_canary (id) VALUES ($1)`, id); err != nil {
		return failAll("insert into globaldb_canary: %v", err)
	}
	committed := time.Now()
	write.pass("row %s committed in %.1f ms", id, durationMS(committed.Sub(sent)))
	finish(&write)
	var wg sync.WaitGroup
	for i := range secs {
		if readers[i] == nil {
			finish(&out[i])
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer finish(&out[i])
			lag, err := waitForCanary(ctx, readers[i], id, committed, v.opts.CanaryTimeout)
			if err != nil {
				out[i].fail("row %s: %v", id, err)
				return
			}
			ms := durationMS(lag)
			out[i].LagMS = &ms
			out[i].pass("row %s visible %.1f ms after its commit", id, ms)
		}()
	}
	wg.Wait()
	return append([]Check{write}, out...)
}

// waitForCanary polls conn until row id is visible and returns the time
// from committed to the first read that saw it.
func waitForCanary(ctx context.Context, conn *pgx.Conn, id string, committed time.Time, timeout time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		var n int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM globaldb_canary WHERE id = $1`, id).Scan(&n)
		switch {
		case ctx.Err() != nil:
			return 0, fmt.Errorf("not visible within %s", timeout)
		case err != nil && !isSQLState(err, "42P01"): // the table itself not replicated yet
			return 0, err
		case n == 1:
			return time.Since(committed), nil
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

// ResolverFor chooses how names are resolved: every name with server
// ("host:port", e.g. the emulator's DNS server) when it is set; otherwise
// names in the stack's hosted zone ask the zone's own name servers when
// the zone is public (so a zone not yet delegated can be checked) and the
// host's resolver when it is private (only resolvers in its VPCs answer
// it), and every other name the host's resolver.
func ResolverFor(w *World, t *topology.Topology, server string) resolve.Resolver {
	if server != "" {
		return resolve.Server(server)
	}
	sys := resolve.System()
	if t == nil || t.DNS == nil || w == nil || w.Zone == nil || w.Zone.Private || len(w.Zone.NameServers) == 0 {
		return sys
	}
	return suffixResolver{suffix: fqdn(w.Zone.Name), in: resolve.Authoritative(w.Zone.Name, w.Zone.NameServers, sys), out: sys}
}

// suffixResolver sends names under suffix to in, the rest to out.
type suffixResolver struct {
	suffix  string // fully qualified, lower case
	in, out resolve.Resolver
}

var _ resolve.Resolver = suffixResolver{}

func (s suffixResolver) pick(host string) resolve.Resolver {
	if h := fqdn(host); h == s.suffix || strings.HasSuffix(h, "."+s.suffix) {
		return s.in
	}
	return s.out
}

func (s suffixResolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	return s.pick(host).LookupHost(ctx, host)
}

func (s suffixResolver) Trace(ctx context.Context, host string) (resolve.Answer, error) {
	return s.pick(host).Trace(ctx, host)
}
