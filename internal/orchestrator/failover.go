package orchestrator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

// FailoverMode is how the writer moves.
type FailoverMode string

// The modes of `globaldb failover`.
const (
	// ModeSwitchover is planned: SwitchoverGlobalCluster, called in the
	// primary's region; Aurora waits for the target to catch up (RPO 0).
	ModeSwitchover FailoverMode = "switchover"
	// ModeFailover is unplanned: FailoverGlobalCluster with AllowDataLoss,
	// called in the target's region; it works while the primary region
	// is down and loses what had not replicated.
	ModeFailover FailoverMode = "failover"
	// ModeDetach removes the target from the global cluster
	// (RemoveFromGlobalCluster): it becomes a standalone writer and the
	// global database goes on without it.
	ModeDetach FailoverMode = "detach"
)

// FailoverOptions configure a failover.
type FailoverOptions struct {
	Mode FailoverMode
	// To is the target region; "" picks the first other member in the
	// topology's order.
	To string
	// Force skips the refusals of the pre-flight checks (lag over MaxLag,
	// unreachable primary for a switchover is still refused by AWS).
	Force bool
	// MaxLag is the replication lag above which the target is refused
	// unless Force (default 5 s).
	MaxLag time.Duration
	// Resolver reaches the databases (lag) and the DNS names; nil uses
	// ResolverFor.
	Resolver resolve.Resolver
	// Timeout bounds the wait for the target to write (default 15 min).
	// When it passes the role change goes on in RDS; the error says what
	// was seen last.
	Timeout time.Duration
	Options Options
	// ViaPlan starts the stack's ARC Region switch plan (graceful for a
	// switchover, ungraceful for a failover) instead of calling RDS, and
	// waits for the execution to complete. Implied for a switchover or
	// failover when the writer record follows the plan's health checks
	// (automation.route53HealthChecks).
	ViaPlan bool
	// OnPreflight, if set, is called with the report once the pre-flight
	// checks ran and before anything changes (also when they refuse), so
	// that people see them before the failover acts.
	OnPreflight func(*FailoverReport)
}

// FailoverReport is what happened, with timings.
type FailoverReport struct {
	Stack     string       `json:"stack"`
	Mode      FailoverMode `json:"mode"`
	From      string       `json:"from"`
	To        string       `json:"to"`
	Preflight []Check      `json:"preflight"`
	// Phases: "requested" (the API call returned), "promoted" (the target
	// writes), "dns-updated" (records INSYNC), "dns-answers" (the writer
	// name resolves to the new writer), in seconds since the start.
	Phases []Phase `json:"phases"`
	// PromotedAfter is the last time (seconds since the start) RDS still
	// named a writer other than the target (for detach: still listed the
	// target as a member). The target took no write before it: a lower
	// bound of the promotion. 0 when no poll saw that.
	PromotedAfter float64 `json:"promoted_after,omitempty"`
	// PlanExecution is the Region switch execution ID (--via-plan).
	PlanExecution string  `json:"plan_execution,omitempty"`
	Seconds       float64 `json:"seconds"`
	Error         string  `json:"error,omitempty"`

	t0 time.Time
}

func (r *FailoverReport) phase(name, detail string) {
	r.Phases = append(r.Phases, Phase{Name: name, At: time.Since(r.t0).Seconds(), Detail: detail})
}

// Phase is a timed event of a failover.
type Phase struct {
	Name   string  `json:"name"`
	At     float64 `json:"at"`
	Detail string  `json:"detail,omitempty"`
}

// ErrPreflight is returned when a pre-flight check refuses the failover.
var ErrPreflight = errors.New("pre-flight checks refused the failover")

// Failover moves the writer of t's global cluster (or detaches a
// secondary), waits until the target writes, and leaves Route 53
// consistent: the writer record's PRIMARY points at the new writer.
func Failover(ctx context.Context, c *Clients, t *topology.Topology, o FailoverOptions) (*FailoverReport, error) {
	o.Options.defaults()
	if o.MaxLag <= 0 {
		o.MaxLag = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Minute
	}
	n := Names{t.Name}
	rep := &FailoverReport{Stack: t.Name, Mode: o.Mode, t0: time.Now()}
	defer func() { rep.Seconds = time.Since(rep.t0).Seconds() }()
	switch o.Mode {
	case ModeSwitchover, ModeFailover, ModeDetach:
	default:
		return rep, fmt.Errorf("--mode %q: use switchover, failover or detach", o.Mode)
	}
	if o.ViaPlan && o.Mode == ModeDetach {
		return rep, errors.New("--via-plan: a Region switch plan switches over or fails over; it does not detach")
	}
	if t.PlanRecords() && o.Mode != ModeDetach && !o.ViaPlan {
		// Only the plan moves the writer record (its health checks); a
		// move outside it would leave the name on the old writer.
		if o.Mode == ModeSwitchover && t.Automation.Behavior != topology.SwitchoverOnly {
			return rep, fmt.Errorf("the writer record follows the Region switch plan's health checks (automation.route53HealthChecks), so the writer moves through the plan, "+
				"and this plan's graceful run fails over with data loss (automation.behavior: %s): use --mode failover, or behavior: switchoverOnly for a lossless switchover", t.Automation.Behavior)
		}
		o.ViaPlan = true
	}
	// Read the global cluster from a region other than the writer's when
	// possible: the writer's region may be down.
	var g *rdstypes.GlobalCluster
	var lastErr error
	for _, r := range append(regionNames(t), t.Primary().Name) {
		if r == o.To || o.To == "" {
			var err error
			if g, err = describeGlobal(ctx, c.RDS(r), n.GlobalCluster()); err == nil {
				lastErr = nil
				break
			}
			lastErr = err
		}
	}
	if lastErr != nil {
		return rep, lastErr
	}
	if g == nil {
		return rep, fmt.Errorf("%w: global cluster %s does not exist", notDeployed(t), n.GlobalCluster())
	}
	w := &World{Global: g}
	rep.From = w.Writer()
	if o.To == "" {
		for _, r := range t.Regions {
			if r.Name != rep.From && memberOf(g.GlobalClusterMembers, clusterArnIn(g, r.Name)) {
				o.To = r.Name
				break
			}
		}
	}
	rep.To = o.To
	if rep.To == "" {
		return rep, errors.New("no secondary region to fail over to")
	}
	refused := preflight(ctx, c, t, g, rep, o)
	if o.OnPreflight != nil {
		o.OnPreflight(rep)
	}
	if refused != "" && !(o.Force && refused == "lag") {
		return rep, fmt.Errorf("%w: %s", ErrPreflight, strings.Join(failedChecks(rep.Preflight), "; "))
	}
	targetArn := clusterArnIn(g, rep.To)
	ex := newExec(c, t, &World{Global: g, Clusters: map[string]*rdstypes.DBCluster{}, Checks: map[string]*r53types.HealthCheck{}, Roles: map[string]*Role{}}, o.Options)
	step := roleChangeStep(o.Mode, rep.From, rep.To)
	if o.ViaPlan {
		step.Resource = fmt.Sprintf("%s %s → %s through the Region switch plan %s", o.Mode, rep.From, rep.To, n.RegionSwitchPlan())
	}
	rp := o.Options.Reporter
	rp.Start(step)
	t1 := time.Now()
	err := ex.changeRole(ctx, o, rep, n, targetArn, step)
	rp.Done(step, time.Since(t1), err)
	if err != nil {
		rep.Error = err.Error()
		return rep, err
	}
	rep.phase("promoted", rep.To+" is the writer")
	if t.DNS != nil && t.DNS.Writer != nil && t.DNS.Writer.Target == topology.ClusterEndpoints && o.Mode != ModeDetach {
		if t.PlanRecords() {
			// The plan's Route 53 block ran after its Aurora block.
			rep.phase("dns-updated", "the plan made "+rep.To+"'s health check for "+t.DNS.Writer.Name+" healthy")
		} else {
			rec := &Step{ID: "failover/record", Action: Update, Resource: fmt.Sprintf("route53 record %s PRIMARY → %s", t.DNS.Writer.Name, rep.To)}
			rp.Start(rec)
			t2 := time.Now()
			err := pointWriterRecord(ctx, ex, rec, rep.To)
			rp.Done(rec, time.Since(t2), err)
			if err != nil {
				rep.Error = err.Error()
				return rep, fmt.Errorf("the writer moved to %s but the writer record was not updated: %w (run `globaldb apply` to retry)", rep.To, err)
			}
			rep.phase("dns-updated", "writer record PRIMARY → "+rep.To)
		}
		if o.Resolver != nil {
			ans := &Step{ID: "failover/answer", Action: Wait, Resource: fmt.Sprintf("%s answers %s's cluster endpoint", t.DNS.Writer.Name, rep.To)}
			rp.Start(ans)
			t3 := time.Now()
			err := waitAnswer(ctx, ex, ans, o.Resolver, t.DNS.Writer.Name, n.Cluster(rep.To))
			rp.Done(ans, time.Since(t3), err)
			if err == nil {
				rep.phase("dns-answers", t.DNS.Writer.Name+" resolves to "+rep.To+"'s cluster endpoint")
			}
		}
	}
	return rep, nil
}

// roleChange is the action of a failover's role change in progress
// reports.
const roleChange Action = "role-change"

func roleChangeStep(mode FailoverMode, from, to string) *Step {
	what := map[FailoverMode]string{
		ModeSwitchover: fmt.Sprintf("switchover %s → %s (SwitchoverGlobalCluster, called in %s)", from, to, from),
		ModeFailover:   fmt.Sprintf("failover %s → %s (FailoverGlobalCluster with AllowDataLoss, called in %s)", from, to, to),
		ModeDetach:     fmt.Sprintf("detach %s (RemoveFromGlobalCluster, called in %s)", to, to),
	}[mode]
	return &Step{ID: "failover", Action: roleChange, Resource: what}
}

// changeRole calls the role change's API and waits until the target
// writes: a member with IsWriter for switchover and failover, an
// available standalone cluster for detach. It records the phases
// "requested" and the report's PromotedAfter.
func (ex *exec) changeRole(ctx context.Context, o FailoverOptions, rep *FailoverReport, n Names, targetArn string, step *Step) error {
	c := ex.c
	var err error
	if o.ViaPlan {
		// The plan's Aurora block makes the call; what is left is to see
		// the target write.
		if err := ex.runPlan(ctx, o, rep, step); err != nil {
			return err
		}
	} else {
		switch o.Mode {
		case ModeSwitchover:
			_, err = c.RDS(rep.From).SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{
				GlobalClusterIdentifier: aws.String(n.GlobalCluster()), TargetDbClusterIdentifier: aws.String(targetArn)})
		case ModeFailover:
			_, err = c.RDS(rep.To).FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{
				GlobalClusterIdentifier: aws.String(n.GlobalCluster()), TargetDbClusterIdentifier: aws.String(targetArn), AllowDataLoss: aws.Bool(true)})
		case ModeDetach:
			_, err = c.RDS(rep.To).RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{
				GlobalClusterIdentifier: aws.String(n.GlobalCluster()), DbClusterIdentifier: aws.String(targetArn)})
		}
		if err != nil {
			return fmt.Errorf("%s: %w", o.Mode, err)
		}
		rep.phase("requested", fmt.Sprintf("%s accepted", o.Mode))
	}
	wctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	err = ex.waitFor(wctx, step, rep.To+" writes", func(ctx context.Context) (bool, string, error) {
		// Read before the call: a "not yet" answer means the target did
		// not write at this moment, a lower bound of the promotion.
		asked := time.Since(rep.t0).Seconds()
		done, named, state, err := ex.targetWrites(ctx, o, rep, n, targetArn)
		if err == nil && !named {
			rep.PromotedAfter = asked
		}
		return done, state, err
	})
	if err != nil && ctx.Err() == nil && wctx.Err() != nil {
		err = fmt.Errorf("%s to %s did not complete within %v; RDS may still be completing it, watch `globaldb status`: %w", o.Mode, rep.To, o.Timeout, err)
	}
	return err
}

// targetWrites reports whether the role change is complete, and whether
// RDS already names the target the writer (for detach: it left the
// global cluster). Until it does, the target cannot take writes: the
// emulator, like RDS, names the new writer before promoting it.
func (ex *exec) targetWrites(ctx context.Context, o FailoverOptions, rep *FailoverReport, n Names, targetArn string) (done, named bool, state string, err error) {
	c := ex.c
	cur, err := describeGlobal(ctx, c.RDS(rep.To), n.GlobalCluster())
	if err != nil {
		return false, false, "", err
	}
	cl, err := describeCluster(ctx, c.RDS(rep.To), n.Cluster(rep.To))
	if err != nil || cl == nil {
		return false, false, "", err
	}
	st := aws.ToString(cl.Status)
	if o.Mode == ModeDetach {
		member := cur != nil && memberOf(cur.GlobalClusterMembers, targetArn)
		return !member && st == "available", !member, st, nil
	}
	gw := (&World{Global: cur}).Writer()
	gst := aws.ToString(cur.Status)
	return gw == rep.To && gst == "available" && st == "available", gw == rep.To, fmt.Sprintf("global %s, writer %s, target %s", gst, gw, st), nil
}

func regionNames(t *topology.Topology) []string {
	var out []string
	for _, r := range t.Regions {
		out = append(out, r.Name)
	}
	return out
}

// clusterArnIn returns the ARN of the member cluster in region, or "".
func clusterArnIn(g *rdstypes.GlobalCluster, region string) string {
	for _, m := range g.GlobalClusterMembers {
		if regionOf(aws.ToString(m.DBClusterArn)) == region {
			return aws.ToString(m.DBClusterArn)
		}
	}
	return ""
}

func failedChecks(cs []Check) []string {
	var out []string
	for _, c := range cs {
		if !c.OK {
			out = append(out, c.Name+": "+c.Detail)
		}
	}
	return out
}

// preflight runs the checks and returns "" when all pass, "lag" when only
// the lag check failed (Force overrides it), or "refused".
func preflight(ctx context.Context, c *Clients, t *topology.Topology, g *rdstypes.GlobalCluster, rep *FailoverReport, o FailoverOptions) string {
	n := Names{t.Name}
	add := func(name string, ok bool, format string, args ...any) {
		rep.Preflight = append(rep.Preflight, Check{Name: name, OK: ok, Detail: fmt.Sprintf(format, args...)})
	}
	verdict := ""
	fail := func(kind string) {
		if verdict == "" || kind == "refused" {
			verdict = kind
		}
	}
	if rep.From == "" || aws.ToString(g.Status) != "available" {
		add("global cluster available with a writer", false, "global cluster %s is %s, writer %q: wait for the change in progress to finish",
			n.GlobalCluster(), aws.ToString(g.Status), rep.From)
		fail("refused")
		return verdict
	}
	if rep.To == rep.From {
		add("target is not the writer", false, "%s already holds the writer", rep.To)
		fail("refused")
		return verdict
	}
	targetArn := clusterArnIn(g, rep.To)
	if targetArn == "" {
		add("target is a member", false, "%s has no cluster in global cluster %s", rep.To, n.GlobalCluster())
		fail("refused")
		return verdict
	}
	add("target is a member", true, "%s", targetArn)
	tc, err := describeCluster(ctx, c.RDS(rep.To), n.Cluster(rep.To))
	if err != nil || tc == nil {
		add("target cluster available", false, "cannot read %s: %v", n.Cluster(rep.To), err)
		fail("refused")
		return verdict
	}
	ok := aws.ToString(tc.Status) == "available"
	add("target cluster available", ok, "%s is %s", n.Cluster(rep.To), aws.ToString(tc.Status))
	if !ok {
		fail("refused")
	}
	insts, err := describeInstances(ctx, c.RDS(rep.To), n.Cluster(rep.To))
	avail := 0
	for _, i := range insts {
		if aws.ToString(i.DBInstanceStatus) == "available" {
			avail++
		}
	}
	add("target has instances", err == nil && avail > 0, "%d of %d instances available in %s", avail, len(insts), rep.To)
	if err != nil || avail == 0 {
		fail("refused")
	}
	gv := aws.ToString(g.EngineVersion)
	add("engine versions match", aws.ToString(tc.EngineVersion) == gv, "target %s, global cluster %s", aws.ToString(tc.EngineVersion), gv)
	if aws.ToString(tc.EngineVersion) != gv {
		fail("refused")
	}
	// The writer's region: reachable for a switchover (AWS calls it there).
	if o.Mode == ModeSwitchover {
		wc, err := describeCluster(ctx, c.RDS(rep.From), n.Cluster(rep.From))
		ok := err == nil && wc != nil && aws.ToString(wc.Status) == "available"
		detail := "reachable and available"
		if !ok {
			detail = fmt.Sprintf("not available (%v): a switchover needs the primary; use --mode failover when its region is down", errOr(err, wc))
		}
		add("primary available", ok, "%s", detail)
		if !ok {
			fail("refused")
		}
	}
	// Lag: how much the target is behind (what a failover would lose, how
	// long a switchover would wait).
	if o.Resolver != nil {
		// A failover is what one runs when the writer's region is down:
		// then the lag cannot be measured, and waiting to measure it only
		// lengthens the outage.
		giveUpWithout := ""
		if o.Mode == ModeFailover {
			giveUpWithout = rep.From
		}
		lag, behind, why := targetLag(ctx, c, t, o.Resolver, rep.To, giveUpWithout, o.MaxLag)
		switch {
		case lag != nil:
			ok := time.Duration(*lag*float64(time.Second)) <= o.MaxLag
			add("replication lag", ok, "%s is %.3fs behind (limit %s; --force overrides)", rep.To, *lag, o.MaxLag)
			if !ok {
				fail("lag")
			}
		case behind != nil && *behind > 0:
			add("replication lag", false, "%s is %d bytes of WAL behind and has replayed no transaction to date it by (--force overrides)", rep.To, *behind)
			fail("lag")
		case o.Mode == ModeSwitchover:
			// A switchover waits until the target has caught up; unmeasured,
			// that wait may never end. --force proceeds anyway.
			add("replication lag", false, "cannot be measured (%s): a switchover to a target that does not catch up never ends; --force proceeds", why)
			fail("lag")
		default:
			add("replication lag", true, "cannot be measured (%s); a failover with data loss loses what had not replicated", why)
		}
	}
	// The records and IAM associations the new writer needs are in place.
	if t.IAM.AppRole != nil {
		role, err := readRole(ctx, c.IAM, t.IAM.AppRole.Name)
		ok := err == nil && role != nil && strings.Contains(role.Inline["rds-db-connect"], aws.ToString(tc.DbClusterResourceId))
		add("app role covers the target", ok, "rds-db:connect on %s's resource ID %s", rep.To, aws.ToString(tc.DbClusterResourceId))
		if !ok {
			fail("refused")
		}
	}
	return verdict
}

// targetLag reads region's replication lag from the databases (seconds,
// and WAL bytes behind), trying for a few seconds: a secondary that just
// rejoined may not answer yet, or not have caught up; a lag above limit
// is the answer only if it stays above it until then. The reason is set
// when neither is known.
func targetLag(ctx context.Context, c *Clients, t *topology.Topology, res resolve.Resolver, region, giveUpWithout string, limit time.Duration) (*float64, *int64, string) {
	why := "unknown"
	var behind *int64
	var over *float64 // a lag above limit, asked again until the deadline
	deadline := time.Now().Add(3 * time.Second)
	for {
		st, err := Status(ctx, c, t, res)
		if err != nil {
			why = err.Error()
		} else {
			if down := regionDown(st, giveUpWithout); down != "" {
				return nil, nil, down
			}
			for _, r := range st.Regions {
				if r.Region != region || r.Replication == nil {
					continue
				}
				// Seconds settle it; bytes alone only when nothing is
				// behind. Some WAL behind and no replayed transaction to
				// date it (a secondary that just rejoined) is asked again.
				if l := r.Replication.LagSeconds; l != nil && *l <= limit.Seconds() {
					return l, r.Replication.BytesBehind, ""
				} else if l != nil {
					// Above the limit: a secondary that has just rejoined
					// catches up within moments; ask again until the
					// deadline before calling it behind.
					over, behind = l, r.Replication.BytesBehind
					continue
				}
				if b := r.Replication.BytesBehind; b != nil {
					behind = b
					if *b == 0 {
						return aws.Float64(0), b, ""
					}
				}
				if r.Replication.Error != "" {
					why = r.Replication.Error
				}
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			if over != nil {
				return over, behind, ""
			}
			return nil, behind, why
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// regionDown says why region's cluster cannot serve as the writer the lag
// is measured against ("" when it can, or region is ""): its RDS API does
// not answer, or no instance of it is available.
func regionDown(st *StatusReport, region string) string {
	if region == "" {
		return ""
	}
	for _, r := range st.Regions {
		if r.Region != region {
			continue
		}
		if r.Error != "" {
			return "the writer's region " + region + " does not answer: " + r.Error
		}
		for _, i := range r.Instances {
			if i.Role == "writer" && i.Status == "available" {
				return ""
			}
		}
		return "the writer's region " + region + " has no available writer instance"
	}
	return ""
}

func errOr(err error, c *rdstypes.DBCluster) string {
	if err != nil {
		return err.Error()
	}
	if c == nil {
		return "absent"
	}
	return aws.ToString(c.Status)
}

// pointWriterRecord makes the writer record's PRIMARY the new writer's
// cluster endpoint (with its writer check) and SECONDARY the next region.
func pointWriterRecord(ctx context.Context, x *exec, s *Step, writer string) error {
	t := x.t
	n := x.n
	z, err := findZone(ctx, x.c, t)
	if err != nil || z == nil {
		return fmt.Errorf("hosted zone %s: %v", t.DNS.HostedZone.Name, err)
	}
	in := recordInputs{writer: writer, clusters: map[string]*rdstypes.DBCluster{}, checks: map[string]string{}}
	for _, r := range t.Regions {
		cl, err := describeCluster(ctx, x.c.RDS(r.Name), n.Cluster(r.Name))
		if err == nil && cl != nil {
			in.clusters[r.Name] = cl
		} else {
			// A region that is down: its endpoints are the predictable
			// ones the records already hold.
			in.clusters[r.Name] = nil
		}
	}
	w := &World{Checks: map[string]*r53types.HealthCheck{}}
	if err := observeChecks(ctx, x.c, t, w); err != nil {
		return err
	}
	for k, hc := range w.Checks {
		in.checks[k] = aws.ToString(hc.Id)
	}
	var have []r53types.ResourceRecordSet
	p := route53.NewListResourceRecordSetsPaginator(x.c.Route53, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(z.ID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, rr := range page.ResourceRecordSets {
			if fqdn(aws.ToString(rr.Name)) == fqdn(t.DNS.Writer.Name) {
				have = append(have, rr)
				// Keep the endpoint of a region we could not read.
				reg := aws.ToString(rr.SetIdentifier)
				if in.clusters[reg] == nil && len(rr.ResourceRecords) > 0 {
					in.clusters[reg] = &rdstypes.DBCluster{Endpoint: rr.ResourceRecords[0].Value}
				}
			}
		}
	}
	only := *t
	dns := *t.DNS
	dns.Reader = nil
	only.DNS = &dns
	want, unknown := desiredRecords(&only, in)
	if len(unknown) > 0 {
		return fmt.Errorf("unknown %s", strings.Join(unknown, ", "))
	}
	changes := recordChanges(want, have)
	if len(changes) == 0 {
		return nil
	}
	out, err := x.c.Route53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(z.ID),
		ChangeBatch: &r53types.ChangeBatch{Comment: aws.String("globaldb failover to " + writer), Changes: changes}})
	if err != nil {
		return err
	}
	return x.waitChange(ctx, s, aws.ToString(out.ChangeInfo.Id))
}

// waitAnswer polls the resolver until name's chain passes through the
// cluster endpoint of cluster (its identifier is the endpoint's first label).
func waitAnswer(ctx context.Context, x *exec, s *Step, res resolve.Resolver, name, cluster string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return x.waitFor(ctx, s, name+" → "+cluster, func(ctx context.Context) (bool, string, error) {
		a, err := res.Trace(ctx, name)
		if err != nil {
			return false, err.Error(), nil
		}
		for _, h := range a.Chain {
			if strings.HasPrefix(strings.ToLower(h.CNAME), cluster+".cluster-") {
				return true, h.CNAME, nil
			}
		}
		return false, fmt.Sprint(a.Chain), nil
	})
}

// WriteText prints the report for people: WritePreflight, then
// WriteOutcome.
func (r *FailoverReport) WriteText(w io.Writer) {
	r.WritePreflight(w)
	r.WriteOutcome(w)
}

// WritePreflight prints what is moved where and the pre-flight checks.
func (r *FailoverReport) WritePreflight(w io.Writer) {
	fmt.Fprintf(w, "%s of stack %s: %s → %s\n\npre-flight:\n", r.Mode, r.Stack, orDash(r.From), orDash(r.To))
	for _, c := range r.Preflight {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s %s: %s\n", mark, c.Name, c.Detail)
	}
}

// WriteOutcome prints the timeline and how it ended.
func (r *FailoverReport) WriteOutcome(w io.Writer) {
	if len(r.Phases) > 0 {
		fmt.Fprintln(w, "\ntimeline:")
		for _, p := range r.Phases {
			fmt.Fprintf(w, "  %7.2fs  %-12s %s\n", p.At, p.Name, p.Detail)
		}
	}
	if r.Error != "" {
		fmt.Fprintf(w, "\nerror: %s\n", r.Error)
	} else if len(r.Phases) > 0 {
		fmt.Fprintf(w, "\ndone in %.2fs\n", r.Seconds)
	}
}

// WriteJSON prints the report as JSON.
func (r *FailoverReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
