package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	arctypes "github.com/aws/aws-sdk-go-v2/service/arcregionswitch/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/globaldb/globaldb/internal/topology"
)

// World is what exists now for one stack, read through the AWS APIs.
// Only resources carrying the stack's tag (or, for a zone or health
// check created just before a crash, its CallerReference) are in it.
type World struct {
	Account string
	// Global is the global cluster, nil when absent.
	Global *rdstypes.GlobalCluster
	// Clusters and Instances are keyed by region; Regions lists every
	// region where the stack has a cluster, including ones the topology no
	// longer names.
	// ConsistencyModes is apg_write_forward.consistency_mode in the
	// cluster parameter group the topology names, per region, read only
	// for regions with write forwarding and a named group.
	ConsistencyModes map[string]string
	Clusters         map[string]*rdstypes.DBCluster
	Instances        map[string][]rdstypes.DBInstance
	SubnetGroups     map[string]*rdstypes.DBSubnetGroup
	Zone             *Zone
	// Records are the record sets in Zone with the writer or reader
	// record's name.
	Records []r53types.ResourceRecordSet
	// Checks are keyed "region/kind".
	Checks map[string]*r53types.HealthCheck
	// Alarms are the stack's CloudWatch metric alarms, keyed
	// "region/kind" (alarmKey).
	Alarms map[string]*cwtypes.MetricAlarm
	// AlarmsUnread says, per region, why CloudWatch could not be read when
	// the topology has no alarm checks (then it is not an error).
	AlarmsUnread map[string]error
	// RegionSwitch is the stack's ARC Region switch plan, nil when absent.
	RegionSwitch *arctypes.Plan
	// RegionSwitchUnread says why the plans could not be read when the
	// topology has no automation (then it is not an error).
	RegionSwitchUnread error
	// PlanChecks are the Route 53 health checks the plan manages for the
	// writer record, keyed by region (empty without such checks).
	PlanChecks map[string]arctypes.Route53HealthCheck
	// Roles are keyed by role name: declared roles that exist, and every
	// role under the stack's path.
	Roles map[string]*Role
}

// Zone is the stack's hosted zone.
type Zone struct {
	ID          string // without the /hostedzone/ prefix
	Name        string
	Private     bool
	Owned       bool // created by this stack: destroy deletes it
	NameServers []string
}

// Role is an IAM role with its policies.
type Role struct {
	Name, Arn, Path string
	Trust           string // decoded trust policy document
	Inline          map[string]string
	Attached        []string // managed policy ARNs
	Tags            map[string]string
}

// Writer returns the region of the global cluster's writer member, or "".
func (w *World) Writer() string {
	if w.Global != nil {
		for _, m := range w.Global.GlobalClusterMembers {
			if aws.ToBool(m.IsWriter) {
				return regionOf(aws.ToString(m.DBClusterArn))
			}
		}
	}
	return ""
}

// Member reports whether region's cluster is a member of the global
// cluster.
func (w *World) Member(region string) bool {
	if w.Global == nil {
		return false
	}
	c := w.Clusters[region]
	for _, m := range w.Global.GlobalClusterMembers {
		if c != nil && aws.ToString(m.DBClusterArn) == aws.ToString(c.DBClusterArn) {
			return true
		}
	}
	return false
}

// Regions returns every region where the stack has a cluster, sorted.
func (w *World) Regions() []string {
	var out []string
	for r := range w.Clusters {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

func regionOf(a string) string {
	p, err := arn.Parse(a)
	if err != nil {
		return ""
	}
	return p.Region
}

// ErrNotOurs is returned when a resource with a name the stack uses
// exists without the stack's tag: globaldb never adopts or deletes it.
var ErrNotOurs = errors.New("exists but is not tagged " + topology.StackTag)

func isNotOurs(err error) bool { return errors.Is(err, ErrNotOurs) }

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func isNotFound(err error) bool {
	switch errCode(err) {
	case "DBClusterNotFoundFault", "DBInstanceNotFound", "GlobalClusterNotFoundFault", "DBSubnetGroupNotFoundFault",
		"NoSuchEntity", "NoSuchHostedZone", "NoSuchHealthCheck":
		return true
	}
	return false
}

func hasStackTag(tags []rdstypes.Tag, stack string) bool {
	for _, t := range tags {
		if aws.ToString(t.Key) == topology.StackTag && aws.ToString(t.Value) == stack {
			return true
		}
	}
	return false
}

// Observe reads the world for t: the topology's regions and any other
// region where the global cluster has a member.
func Observe(ctx context.Context, c *Clients, t *topology.Topology) (*World, error) {
	n := Names{t.Name}
	acct, err := c.Account(ctx)
	if err != nil {
		return nil, err
	}
	w := &World{Account: acct, Clusters: map[string]*rdstypes.DBCluster{}, Instances: map[string][]rdstypes.DBInstance{},
		SubnetGroups: map[string]*rdstypes.DBSubnetGroup{}, Checks: map[string]*r53types.HealthCheck{}, Roles: map[string]*Role{},
		Alarms: map[string]*cwtypes.MetricAlarm{}}
	primary := t.Primary().Name
	g, err := describeGlobal(ctx, c.RDS(primary), n.GlobalCluster())
	if err != nil {
		return nil, err
	}
	if g != nil && !hasStackTag(g.TagList, t.Name) {
		return nil, fmt.Errorf("global cluster %s %w=%s", n.GlobalCluster(), ErrNotOurs, t.Name)
	}
	w.Global = g
	regions := map[string]bool{}
	for _, r := range t.Regions {
		regions[r.Name] = true
	}
	if g != nil {
		for _, m := range g.GlobalClusterMembers {
			if r := regionOf(aws.ToString(m.DBClusterArn)); r != "" {
				regions[r] = true
			}
		}
	}
	type regionState struct {
		cluster   *rdstypes.DBCluster
		instances []rdstypes.DBInstance
		subnets   *rdstypes.DBSubnetGroup
		mode      string
	}
	states := map[string]*regionState{}
	for r := range regions {
		states[r] = &regionState{}
	}
	eg, ectx := errgroup.WithContext(ctx)
	for r, st := range states {
		eg.Go(func() error {
			cl := c.RDS(r)
			cluster, err := describeCluster(ectx, cl, n.Cluster(r))
			if err != nil {
				return err
			}
			if cluster != nil && !hasStackTag(cluster.TagList, t.Name) {
				return fmt.Errorf("DB cluster %s in %s %w=%s", n.Cluster(r), r, ErrNotOurs, t.Name)
			}
			st.cluster = cluster
			if st.mode, err = observeConsistency(ectx, cl, t, r); err != nil {
				return err
			}
			if cluster != nil {
				insts, err := describeInstances(ectx, cl, n.Cluster(r))
				if err != nil {
					return err
				}
				for _, i := range insts {
					if hasStackTag(i.TagList, t.Name) {
						st.instances = append(st.instances, i)
					}
				}
			}
			if !usesSubnetIDs(t, r) {
				return nil
			}
			sg, err := describeSubnetGroup(ectx, cl, n.SubnetGroup(r))
			if err != nil {
				return err
			}
			if sg != nil {
				tags, err := cl.ListTagsForResource(ectx, &rds.ListTagsForResourceInput{ResourceName: sg.DBSubnetGroupArn})
				if err != nil {
					return fmt.Errorf("tags of DB subnet group %s in %s: %w", n.SubnetGroup(r), r, err)
				}
				if hasStackTag(tags.TagList, t.Name) {
					st.subnets = sg
				}
			}
			return nil
		})
	}
	eg.Go(func() error { return observeRoute53(ectx, c, t, w) })
	eg.Go(func() error { return observeAlarms(ectx, c, t, w, sortedKeys(regions)) })
	eg.Go(func() error { return observeIAM(ectx, c, t, w) })
	eg.Go(func() error { return observeRegionSwitch(ectx, c, t, w) })
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	for r, st := range states {
		if st.cluster != nil {
			w.Clusters[r] = st.cluster
			sort.Slice(st.instances, func(i, j int) bool {
				return aws.ToString(st.instances[i].DBInstanceIdentifier) < aws.ToString(st.instances[j].DBInstanceIdentifier)
			})
			w.Instances[r] = st.instances
		}
		if st.subnets != nil {
			w.SubnetGroups[r] = st.subnets
		}
		if st.mode != "" {
			if w.ConsistencyModes == nil {
				w.ConsistencyModes = map[string]string{}
			}
			w.ConsistencyModes[r] = st.mode
		}
	}
	return w, nil
}

// usesSubnetIDs reports whether globaldb makes a subnet group in region.
func usesSubnetIDs(t *topology.Topology, region string) bool {
	for _, r := range t.Regions {
		if r.Name == region {
			return len(r.Network.SubnetIDs) > 0
		}
	}
	return false
}

func describeGlobal(ctx context.Context, cl *rds.Client, id string) (*rdstypes.GlobalCluster, error) {
	out, err := cl.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: &id})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe global cluster %s: %w", id, err)
	}
	if len(out.GlobalClusters) == 0 {
		return nil, nil
	}
	return &out.GlobalClusters[0], nil
}

func describeCluster(ctx context.Context, cl *rds.Client, id string) (*rdstypes.DBCluster, error) {
	out, err := cl.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &id})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe DB cluster %s in %s: %w", id, cl.Options().Region, err)
	}
	if len(out.DBClusters) == 0 {
		return nil, nil
	}
	return &out.DBClusters[0], nil
}

func describeInstances(ctx context.Context, cl *rds.Client, cluster string) ([]rdstypes.DBInstance, error) {
	var out []rdstypes.DBInstance
	p := rds.NewDescribeDBInstancesPaginator(cl, &rds.DescribeDBInstancesInput{
		Filters: []rdstypes.Filter{{Name: aws.String("db-cluster-id"), Values: []string{cluster}}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe DB instances of %s in %s: %w", cluster, cl.Options().Region, err)
		}
		out = append(out, page.DBInstances...)
	}
	return out, nil
}

func describeSubnetGroup(ctx context.Context, cl *rds.Client, name string) (*rdstypes.DBSubnetGroup, error) {
	out, err := cl.DescribeDBSubnetGroups(ctx, &rds.DescribeDBSubnetGroupsInput{DBSubnetGroupName: &name})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe DB subnet group %s in %s: %w", name, cl.Options().Region, err)
	}
	if len(out.DBSubnetGroups) == 0 {
		return nil, nil
	}
	return &out.DBSubnetGroups[0], nil
}

func zoneID(id string) string { return strings.TrimPrefix(id, "/hostedzone/") }

func fqdn(name string) string { return strings.TrimSuffix(strings.ToLower(name), ".") + "." }

func observeRoute53(ctx context.Context, c *Clients, t *topology.Topology, w *World) error {
	if err := observeChecks(ctx, c, t, w); err != nil {
		return err
	}
	if t.DNS == nil {
		return nil
	}
	z, err := findZone(ctx, c, t)
	if err != nil || z == nil {
		return err
	}
	w.Zone = z
	return observeRecords(ctx, c, t, w)
}

// observeChecks finds the stack's health checks by CallerReference.
func observeChecks(ctx context.Context, c *Clients, t *topology.Topology, w *World) error {
	n := Names{t.Name}
	hp := route53.NewListHealthChecksPaginator(c.Route53, &route53.ListHealthChecksInput{})
	for hp.HasMorePages() {
		page, err := hp.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list health checks: %w", err)
		}
		for i := range page.HealthChecks {
			hc := page.HealthChecks[i]
			ref := aws.ToString(hc.CallerReference)
			rest, ok := strings.CutPrefix(ref, n.CallerRefPrefix())
			if !ok || strings.HasPrefix(rest, "zone/") {
				continue
			}
			parts := strings.Split(rest, "/")
			if len(parts) < 2 {
				continue
			}
			w.Checks[parts[0]+"/"+parts[1]] = &hc
		}
	}
	return nil
}

// observeRecords reads the writer and reader record sets of w.Zone.
func observeRecords(ctx context.Context, c *Clients, t *topology.Topology, w *World) error {
	z := w.Zone
	names := map[string]bool{}
	if t.DNS.Writer != nil {
		names[fqdn(t.DNS.Writer.Name)] = true
	}
	if t.DNS.Reader != nil {
		names[fqdn(t.DNS.Reader.Name)] = true
	}
	rp := route53.NewListResourceRecordSetsPaginator(c.Route53, &route53.ListResourceRecordSetsInput{HostedZoneId: &z.ID})
	for rp.HasMorePages() {
		page, err := rp.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list records of zone %s: %w", z.Name, err)
		}
		for _, rr := range page.ResourceRecordSets {
			if names[fqdn(aws.ToString(rr.Name))] {
				w.Records = append(w.Records, rr)
			}
		}
	}
	return nil
}

// findZone returns the stack's zone: the one the topology names by ID, or
// the one with its name that this stack created (tag or CallerReference).
func findZone(ctx context.Context, c *Clients, t *topology.Topology) (*Zone, error) {
	n := Names{t.Name}
	hz := t.DNS.HostedZone
	if hz.ID != "" {
		out, err := c.Route53.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String(hz.ID)})
		if err != nil {
			return nil, fmt.Errorf("hosted zone %s (dns.hostedZone.id): %w", hz.ID, err)
		}
		if fqdn(aws.ToString(out.HostedZone.Name)) != fqdn(hz.Name) {
			return nil, fmt.Errorf("hosted zone %s is %s, not %s (dns.hostedZone.name)", hz.ID, aws.ToString(out.HostedZone.Name), hz.Name)
		}
		return zoneFrom(out.HostedZone, out.DelegationSet, false), nil
	}
	in := &route53.ListHostedZonesByNameInput{DNSName: aws.String(hz.Name)}
	for {
		out, err := c.Route53.ListHostedZonesByName(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list hosted zones named %s: %w", hz.Name, err)
		}
		for _, z := range out.HostedZones {
			if fqdn(aws.ToString(z.Name)) != fqdn(hz.Name) {
				return nil, nil // sorted by name: past ours
			}
			ours := strings.HasPrefix(aws.ToString(z.CallerReference), n.zoneRef(hz.Name))
			if !ours {
				tags, err := c.Route53.ListTagsForResource(ctx, &route53.ListTagsForResourceInput{
					ResourceId: aws.String(zoneID(aws.ToString(z.Id))), ResourceType: r53types.TagResourceTypeHostedzone})
				if err != nil {
					return nil, fmt.Errorf("tags of hosted zone %s: %w", aws.ToString(z.Id), err)
				}
				for _, tg := range tags.ResourceTagSet.Tags {
					ours = ours || aws.ToString(tg.Key) == topology.StackTag && aws.ToString(tg.Value) == t.Name
				}
			}
			if ours {
				got, err := c.Route53.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: z.Id})
				if err != nil {
					return nil, fmt.Errorf("hosted zone %s: %w", aws.ToString(z.Id), err)
				}
				return zoneFrom(got.HostedZone, got.DelegationSet, true), nil
			}
		}
		if !out.IsTruncated {
			return nil, nil
		}
		in.DNSName, in.HostedZoneId = out.NextDNSName, out.NextHostedZoneId
	}
}

func zoneFrom(z *r53types.HostedZone, ds *r53types.DelegationSet, owned bool) *Zone {
	out := &Zone{ID: zoneID(aws.ToString(z.Id)), Name: aws.ToString(z.Name), Owned: owned}
	if z.Config != nil {
		out.Private = z.Config.PrivateZone
	}
	if ds != nil {
		out.NameServers = ds.NameServers
	}
	return out
}

func observeIAM(ctx context.Context, c *Clients, t *topology.Topology, w *World) error {
	n := Names{t.Name}
	// The stack's roles live under its path: one list finds them all. A
	// declared role that exists elsewhere makes CreateRole fail with
	// EntityAlreadyExists, and apply then says whose it is.
	var names []string
	p := iam.NewListRolesPaginator(c.IAM, &iam.ListRolesInput{PathPrefix: aws.String(n.RolePath())})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list roles under %s: %w", n.RolePath(), err)
		}
		for _, r := range page.Roles {
			names = append(names, aws.ToString(r.RoleName))
		}
	}
	for _, name := range names {
		if _, seen := w.Roles[name]; seen {
			continue
		}
		r, err := readRole(ctx, c.IAM, name)
		if err != nil {
			return err
		}
		if r == nil {
			continue
		}
		if r.Tags[topology.StackTag] != t.Name {
			return fmt.Errorf("IAM role %s %w=%s", name, ErrNotOurs, t.Name)
		}
		w.Roles[name] = r
	}
	return nil
}

func readRole(ctx context.Context, cl *iam.Client, name string) (*Role, error) {
	out, err := cl.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get role %s: %w", name, err)
	}
	r := &Role{Name: name, Arn: aws.ToString(out.Role.Arn), Path: aws.ToString(out.Role.Path), Inline: map[string]string{}, Tags: map[string]string{}}
	r.Trust, _ = url.QueryUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument))
	for _, tg := range out.Role.Tags {
		r.Tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	pols, err := cl.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: &name})
	if err != nil {
		return nil, fmt.Errorf("list inline policies of role %s: %w", name, err)
	}
	for _, pn := range pols.PolicyNames {
		doc, err := cl.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &name, PolicyName: aws.String(pn)})
		if err != nil {
			return nil, fmt.Errorf("get inline policy %s of role %s: %w", pn, name, err)
		}
		r.Inline[pn], _ = url.QueryUnescape(aws.ToString(doc.PolicyDocument))
	}
	att, err := cl.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: &name})
	if err != nil {
		return nil, fmt.Errorf("list attached policies of role %s: %w", name, err)
	}
	for _, a := range att.AttachedPolicies {
		r.Attached = append(r.Attached, aws.ToString(a.PolicyArn))
	}
	sort.Strings(r.Attached)
	return r, nil
}

var _ = iamtypes.Role{}
