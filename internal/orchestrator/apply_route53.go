package orchestrator

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/topology"
)

// recordInputs are what the desired records depend on.
type recordInputs struct {
	writer   string // region of the global writer
	clusters map[string]*rdstypes.DBCluster
	checks   map[string]string
	global   string // global writer endpoint
}

// desiredRecords returns the writer and reader record sets, or the
// inputs still unknown (endpoints and health checks not created yet).
func desiredRecords(t *topology.Topology, in recordInputs) ([]r53types.ResourceRecordSet, []string) {
	d := t.DNS
	var out []r53types.ResourceRecordSet
	var unknown []string
	ttl := aws.Int64(int64(d.TTL))
	endpoint := func(region string, reader bool) string {
		c := in.clusters[region]
		var e string
		if c != nil {
			e = aws.ToString(c.Endpoint)
			if reader {
				e = aws.ToString(c.ReaderEndpoint)
			}
		}
		if e == "" {
			kind := "cluster"
			if reader {
				kind = "reader"
			}
			unknown = append(unknown, fmt.Sprintf("%s endpoint of %s", kind, region))
		}
		return e
	}
	check := func(region string, kind CheckKind) *string {
		if d.HealthChecks == nil {
			return nil
		}
		id := in.checks[region+"/"+string(kind)]
		if id == "" {
			unknown = append(unknown, fmt.Sprintf("%s health check of %s", kind, region))
			return aws.String("") // known after apply
		}
		return aws.String(id)
	}
	cname := func(target string) []r53types.ResourceRecord {
		return []r53types.ResourceRecord{{Value: aws.String(target)}}
	}
	if w := d.Writer; w != nil {
		switch {
		case w.Target == topology.GlobalWriterEndpoint:
			if in.global == "" {
				unknown = append(unknown, "global writer endpoint")
			}
			out = append(out, r53types.ResourceRecordSet{Name: aws.String(fqdn(w.Name)), Type: r53types.RRTypeCname, TTL: ttl, ResourceRecords: cname(in.global)})
		case t.PlanRecords():
			// The STOP pattern Region switch manages: the records stay as
			// they are, PRIMARY in the topology's primary region; the
			// plan's health checks, healthy in the region it activated
			// last, decide which one Route 53 answers.
			planCheck := func(region string) *string {
				id := in.checks[region+"/"+string(PlanCheck)]
				if id == "" {
					unknown = append(unknown, fmt.Sprintf("Region switch health check of %s", region))
				}
				return aws.String(id)
			}
			for i, r := range t.Regions {
				role := r53types.ResourceRecordSetFailoverSecondary
				if i == 0 {
					role = r53types.ResourceRecordSetFailoverPrimary
				}
				out = append(out, r53types.ResourceRecordSet{Name: aws.String(fqdn(w.Name)), Type: r53types.RRTypeCname, TTL: ttl,
					SetIdentifier: aws.String(r.Name), Failover: role,
					HealthCheckId: planCheck(r.Name), ResourceRecords: cname(endpoint(r.Name, false))})
			}
		default:
			// PRIMARY: the writer's cluster endpoint, guarded by its writer
			// check. SECONDARY: the next region's cluster endpoint, guarded
			// by that region's reader check (is the region up?); its
			// writer endpoint takes writes only after a failover.
			secondary := ""
			for _, r := range t.Regions {
				if r.Name != in.writer {
					secondary = r.Name
					break
				}
			}
			out = append(out, r53types.ResourceRecordSet{Name: aws.String(fqdn(w.Name)), Type: r53types.RRTypeCname, TTL: ttl,
				SetIdentifier: aws.String(in.writer), Failover: r53types.ResourceRecordSetFailoverPrimary,
				HealthCheckId: check(in.writer, WriterCheck), ResourceRecords: cname(endpoint(in.writer, false))})
			if secondary != "" {
				out = append(out, r53types.ResourceRecordSet{Name: aws.String(fqdn(w.Name)), Type: r53types.RRTypeCname, TTL: ttl,
					SetIdentifier: aws.String(secondary), Failover: r53types.ResourceRecordSetFailoverSecondary,
					HealthCheckId: check(secondary, ReaderCheck), ResourceRecords: cname(endpoint(secondary, false))})
			}
		}
	}
	if r := d.Reader; r != nil {
		for _, reg := range t.Regions {
			rr := r53types.ResourceRecordSet{Name: aws.String(fqdn(r.Name)), Type: r53types.RRTypeCname, TTL: ttl,
				HealthCheckId: check(reg.Name, ReaderCheck), ResourceRecords: cname(endpoint(reg.Name, true))}
			if r.Routing == topology.Latency {
				rr.SetIdentifier = aws.String(reg.Name)
				rr.Region = r53types.ResourceRecordSetRegion(reg.Name)
			} else if len(t.Regions) > 1 {
				continue // simple routing: one record, the writer region's readers
			}
			out = append(out, rr)
		}
		if r.Routing != topology.Latency && len(t.Regions) > 1 {
			out = append(out, r53types.ResourceRecordSet{Name: aws.String(fqdn(r.Name)), Type: r53types.RRTypeCname, TTL: ttl,
				ResourceRecords: cname(endpoint(in.writer, true))})
		}
	}
	return out, unknown
}

func recordKey(r r53types.ResourceRecordSet) string {
	return fqdn(aws.ToString(r.Name)) + " " + string(r.Type) + " " + aws.ToString(r.SetIdentifier)
}

func recordString(r r53types.ResourceRecordSet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", strings.TrimSuffix(aws.ToString(r.Name), "."), r.Type)
	if r.Failover != "" {
		fmt.Fprintf(&b, " failover %s", r.Failover)
	}
	if r.Region != "" {
		fmt.Fprintf(&b, " latency %s", r.Region)
	}
	var vals []string
	for _, v := range r.ResourceRecords {
		val := aws.ToString(v.Value)
		if val == "" {
			val = "(known after apply)"
		}
		vals = append(vals, val)
	}
	fmt.Fprintf(&b, " → %s", strings.Join(vals, ", "))
	if r.HealthCheckId != nil {
		b.WriteString(" (health-checked)")
	}
	fmt.Fprintf(&b, " ttl %d", aws.ToInt64(r.TTL))
	return b.String()
}

func sameRecord(a, b r53types.ResourceRecordSet) bool {
	if recordKey(a) != recordKey(b) || aws.ToInt64(a.TTL) != aws.ToInt64(b.TTL) || a.Failover != b.Failover ||
		a.Region != b.Region || aws.ToString(a.HealthCheckId) != aws.ToString(b.HealthCheckId) || len(a.ResourceRecords) != len(b.ResourceRecords) {
		return false
	}
	for i := range a.ResourceRecords {
		if fqdn(aws.ToString(a.ResourceRecords[i].Value)) != fqdn(aws.ToString(b.ResourceRecords[i].Value)) {
			return false
		}
	}
	return true
}

// recordChanges returns the UPSERTs and DELETEs that turn have into want.
func recordChanges(want, have []r53types.ResourceRecordSet) []r53types.Change {
	var out []r53types.Change
	byKey := map[string]r53types.ResourceRecordSet{}
	for _, h := range have {
		byKey[recordKey(h)] = h
	}
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[recordKey(w)] = true
		if h, ok := byKey[recordKey(w)]; ok && sameRecord(w, h) {
			continue
		}
		out = append(out, r53types.Change{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &w})
	}
	for _, h := range have {
		if !wanted[recordKey(h)] {
			out = append(out, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &h})
		}
	}
	// Deletes first: a failover name cannot hold records of two kinds.
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Action == r53types.ChangeActionDelete && out[j].Action != r53types.ChangeActionDelete
	})
	return out
}

func (pl *planner) recordInputs() recordInputs {
	in := recordInputs{writer: pl.w.Writer(), clusters: pl.w.Clusters, checks: map[string]string{}}
	if in.writer == "" {
		in.writer = pl.t.Primary().Name
	}
	for k, hc := range pl.w.Checks {
		in.checks[k] = aws.ToString(hc.Id)
	}
	for region, hc := range pl.w.PlanChecks {
		in.checks[region+"/"+string(PlanCheck)] = aws.ToString(hc.HealthCheckId)
	}
	if pl.w.Global != nil {
		in.global = aws.ToString(pl.w.Global.Endpoint)
	}
	return in
}

func (x *exec) recordInputs(ctx context.Context) (recordInputs, error) {
	x.mu.Lock()
	in := recordInputs{clusters: map[string]*rdstypes.DBCluster{}, checks: map[string]string{}}
	for r, c := range x.clusters {
		in.clusters[r] = c
	}
	for k, v := range x.checks {
		in.checks[k] = v
	}
	x.mu.Unlock()
	// The writer is where the run found it (the topology's primary for a
	// new stack): apply never moves it.
	in.writer = x.w.Writer()
	if in.writer == "" {
		in.writer = x.t.Primary().Name
	}
	if w := x.t.DNS.Writer; w != nil && w.Target == topology.GlobalWriterEndpoint {
		g, err := describeGlobal(ctx, x.c.RDS(x.t.Primary().Name), x.n.GlobalCluster())
		if err != nil {
			return in, err
		}
		if g != nil {
			in.global = aws.ToString(g.Endpoint)
		}
	}
	return in, nil
}

func (x *exec) r53Tags(name string) []r53types.Tag {
	out := []r53types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}
	for _, kv := range sortedTags(x.t) {
		if kv[0] != "Name" {
			out = append(out, r53types.Tag{Key: aws.String(kv[0]), Value: aws.String(kv[1])})
		}
	}
	return out
}

// tagR53 adds tags in batches of 10, Route 53's limit per request.
func (x *exec) tagR53(ctx context.Context, kind r53types.TagResourceType, id string, tags []r53types.Tag) error {
	for len(tags) > 0 {
		n := min(10, len(tags))
		if _, err := x.c.Route53.ChangeTagsForResource(ctx, &route53.ChangeTagsForResourceInput{
			ResourceType: kind, ResourceId: aws.String(id), AddTags: tags[:n]}); err != nil {
			return fmt.Errorf("tag %s %s: %w", kind, id, err)
		}
		tags = tags[n:]
	}
	return nil
}

func (pl *planner) planRoute53() {
	t, w, n := pl.t, pl.w, pl.n
	d := t.DNS
	if d == nil {
		return
	}
	if w.Zone == nil {
		hz := d.HostedZone
		kind := "public"
		if hz.Private {
			kind = "private, VPC " + hz.VPC.ID + " in " + hz.VPC.Region
		}
		pl.p.add(&Step{ID: idZone(), Action: Create, Resource: "route53 hosted zone " + hz.Name,
			Details: []string{kind + "; deleted by destroy"},
			run: func(ctx context.Context, x *exec, s *Step) error {
				in := &route53.CreateHostedZoneInput{Name: aws.String(hz.Name),
					CallerReference:  aws.String(n.zoneRef(hz.Name) + fmt.Sprint(time.Now().UnixNano())),
					HostedZoneConfig: &r53types.HostedZoneConfig{Comment: aws.String("globaldb stack " + t.Name), PrivateZone: hz.Private}}
				if hz.Private {
					in.VPC = &r53types.VPC{VPCId: aws.String(hz.VPC.ID), VPCRegion: r53types.VPCRegion(hz.VPC.Region)}
				}
				out, err := x.c.Route53.CreateHostedZone(ctx, in)
				if err != nil {
					return err
				}
				id := zoneID(aws.ToString(out.HostedZone.Id))
				x.mu.Lock()
				x.zoneID = id
				x.mu.Unlock()
				return x.tagR53(ctx, r53types.TagResourceTypeHostedzone, id, x.r53Tags(t.Name))
			}})
	}
	pl.planAlarms()
	if hc := d.HealthChecks; hc != nil {
		for _, r := range t.Regions {
			for _, kind := range []CheckKind{WriterCheck, ReaderCheck} {
				pl.planCheck(r.Name, kind, hc)
			}
		}
	}
	for _, key := range sortedKeys(w.Checks) {
		region, _, _ := strings.Cut(key, "/")
		if d.HealthChecks != nil && pl.regionDeclared(region) {
			continue
		}
		pl.deleteCheck(key, w.Checks[key])
	}
	// Records: compare when every input is known, else they change.
	want, unknown := desiredRecords(t, pl.recordInputs())
	changes := recordChanges(want, w.Records)
	if len(unknown) == 0 && len(changes) == 0 {
		return
	}
	var details []string
	for _, c := range changes {
		verb := "upsert"
		if c.Action == r53types.ChangeActionDelete {
			verb = "delete"
		}
		details = append(details, verb+" "+recordString(*c.ResourceRecordSet))
	}
	action := Update
	if len(w.Records) == 0 {
		action = Create
	}
	after := pl.p.deps(idZone())
	after = append(after, pl.p.depsPrefix("route53/health-check/")...)
	after = append(after, pl.p.depsPrefix("rds/cluster/")...)
	// Deleting checks comes after the records stop using them.
	var keep []string
	for _, a := range after {
		if s := pl.step(a); s != nil && s.Action != Delete {
			keep = append(keep, a)
		}
	}
	pl.p.add(&Step{ID: idRecords(), Action: action, Details: details,
		Resource: "route53 records in " + d.HostedZone.Name, After: keep,
		run: func(ctx context.Context, x *exec, s *Step) error { return x.applyRecords(ctx, s) }})
	// Health check deletions planned above must wait for the records.
	for _, st := range pl.p.Steps {
		if strings.HasPrefix(st.ID, "route53/health-check/") && st.Action == Delete && !contains(st.After, idRecords()) {
			st.After = append(st.After, idRecords())
		}
	}
}

// deleteCheck plans the deletion of the stack's health check key
// ("region/kind"), after the records stop using it.
func (pl *planner) deleteCheck(key string, hc *r53types.HealthCheck) {
	region, kind, _ := strings.Cut(key, "/")
	id := aws.ToString(hc.Id)
	pl.p.add(&Step{ID: idCheck(region, kind), Action: Delete, After: pl.p.deps(idRecords()),
		Resource: fmt.Sprintf("route53 health check %s (%s)", pl.n.HealthCheckName(region, CheckKind(kind)), id),
		run: func(ctx context.Context, x *exec, s *Step) error {
			_, err := x.c.Route53.DeleteHealthCheck(ctx, &route53.DeleteHealthCheckInput{HealthCheckId: aws.String(id)})
			if isNotFound(err) {
				return nil
			}
			return err
		}})
}

func (pl *planner) step(id string) *Step { return pl.p.step(id) }

func (pl *planner) planCheck(region string, kind CheckKind, spec *topology.HealthChecks) {
	if spec.Type == topology.Alarm {
		pl.planAlarmCheck(region, kind, spec)
		return
	}
	n := pl.n
	key := region + "/" + string(kind)
	have := pl.w.Checks[key]
	res := fmt.Sprintf("route53 health check %s", n.HealthCheckName(region, kind))
	if have == nil {
		// The checkers probe the endpoint, which answers once the
		// cluster's instances are up: a check made before would start by
		// failing, and fail the writer name over until it recovers.
		pl.p.add(&Step{ID: idCheck(region, string(kind)), Action: Create, Region: region, After: pl.p.deps(idCluster(region), idReady(region)),
			Resource: res,
			Details: []string{fmt.Sprintf("%s %s endpoint of %s port %d, every %ds, unhealthy after %d failures",
				spec.Type, kind, region, spec.Port, spec.Interval, spec.Threshold)},
			run: func(ctx context.Context, x *exec, s *Step) error { return x.createCheck(ctx, region, kind, spec) }})
		return
	}
	cfg := have.HealthCheckConfig
	c := pl.w.Clusters[region]
	wantFQDN := ""
	if c != nil {
		wantFQDN = aws.ToString(c.Endpoint)
		if kind == ReaderCheck {
			wantFQDN = aws.ToString(c.ReaderEndpoint)
		}
	}
	if string(cfg.Type) != string(spec.Type) || int(aws.ToInt32(cfg.RequestInterval)) != spec.Interval {
		pl.p.Problems = append(pl.p.Problems, fmt.Sprintf("health check %s is %s every %ds; the topology wants %s every %ds: "+
			"Route 53 cannot change a check's type or interval; destroy and apply the stack's DNS, or keep the old settings",
			n.HealthCheckName(region, kind), cfg.Type, aws.ToInt32(cfg.RequestInterval), spec.Type, spec.Interval))
		return
	}
	var details []string
	in := &route53.UpdateHealthCheckInput{HealthCheckId: have.Id, HealthCheckVersion: have.HealthCheckVersion}
	if int(aws.ToInt32(cfg.FailureThreshold)) != spec.Threshold {
		in.FailureThreshold = aws.Int32(int32(spec.Threshold))
		details = append(details, fmt.Sprintf("failure threshold: %d → %d", aws.ToInt32(cfg.FailureThreshold), spec.Threshold))
	}
	if int(aws.ToInt32(cfg.Port)) != spec.Port {
		in.Port = aws.Int32(int32(spec.Port))
		details = append(details, fmt.Sprintf("port: %d → %d", aws.ToInt32(cfg.Port), spec.Port))
	}
	if wantFQDN != "" && fqdn(aws.ToString(cfg.FullyQualifiedDomainName)) != fqdn(wantFQDN) {
		in.FullyQualifiedDomainName = aws.String(wantFQDN)
		details = append(details, fmt.Sprintf("endpoint: %s → %s", aws.ToString(cfg.FullyQualifiedDomainName), wantFQDN))
	}
	if len(details) == 0 {
		return
	}
	pl.p.add(&Step{ID: idCheck(region, string(kind)), Action: Update, Region: region, Resource: res, Details: details,
		run: func(ctx context.Context, x *exec, s *Step) error {
			_, err := x.c.Route53.UpdateHealthCheck(ctx, in)
			return err
		}})
}

func (x *exec) createCheck(ctx context.Context, region string, kind CheckKind, spec *topology.HealthChecks) error {
	c := x.cluster(region)
	if c == nil {
		return fmt.Errorf("cluster %s in %s is unknown", x.n.Cluster(region), region)
	}
	host := aws.ToString(c.Endpoint)
	if kind == ReaderCheck {
		host = aws.ToString(c.ReaderEndpoint)
	}
	if host == "" {
		return fmt.Errorf("cluster %s reports no %s endpoint", x.n.Cluster(region), kind)
	}
	cfg := &r53types.HealthCheckConfig{Type: r53types.HealthCheckType(spec.Type), FullyQualifiedDomainName: aws.String(host),
		Port: aws.Int32(int32(spec.Port)), RequestInterval: aws.Int32(int32(spec.Interval)), FailureThreshold: aws.Int32(int32(spec.Threshold))}
	if spec.Type != topology.TCP {
		cfg.ResourcePath = aws.String("/")
	}
	return x.createCheckWith(ctx, region, kind, cfg)
}

func (x *exec) applyRecords(ctx context.Context, s *Step) error {
	in, err := x.recordInputs(ctx)
	if err != nil {
		return err
	}
	if x.t.PlanRecords() {
		p, err := findRegionSwitch(ctx, x.c, x.t)
		if err != nil {
			return err
		}
		if p == nil {
			return fmt.Errorf("the writer record follows the Region switch plan's health checks, and plan %s does not exist", x.n.RegionSwitchPlan())
		}
		checks, err := x.waitPlanChecks(ctx, s, p.Arn)
		if err != nil {
			return err
		}
		for region, hc := range checks {
			in.checks[region+"/"+string(PlanCheck)] = aws.ToString(hc.HealthCheckId)
		}
	}
	want, unknown := desiredRecords(x.t, in)
	if len(unknown) > 0 {
		return fmt.Errorf("cannot write records: unknown %s", strings.Join(unknown, ", "))
	}
	x.mu.Lock()
	zone := x.zoneID
	x.mu.Unlock()
	changes := recordChanges(want, x.w.Records)
	if len(changes) == 0 {
		return nil
	}
	out, err := x.c.Route53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
		ChangeBatch: &r53types.ChangeBatch{Comment: aws.String("globaldb apply " + x.t.Name), Changes: changes}})
	if err != nil {
		return err
	}
	return x.waitChange(ctx, s, aws.ToString(out.ChangeInfo.Id))
}

func (x *exec) waitChange(ctx context.Context, s *Step, id string) error {
	return x.waitFor(ctx, s, "Route 53 change "+strings.TrimPrefix(id, "/change/")+" INSYNC", func(ctx context.Context) (bool, string, error) {
		out, err := x.c.Route53.GetChange(ctx, &route53.GetChangeInput{Id: aws.String(id)})
		if err != nil {
			return false, "", err
		}
		return out.ChangeInfo.Status == r53types.ChangeStatusInsync, string(out.ChangeInfo.Status), nil
	})
}
