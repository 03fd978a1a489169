package orchestrator

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/topology"
)

// Orphans scans by tag for anything of the stack that still exists: DB
// clusters, instances, subnet groups and global clusters in every region
// the topology names (plus extra), hosted zones and health checks the
// stack created, its CloudWatch alarms in those regions, its ARC Region
// switch plan, and roles under
// the stack's IAM path. An empty result
// after destroy means nothing is left.
func Orphans(ctx context.Context, c *Clients, t *topology.Topology, extraRegions ...string) ([]string, error) {
	n := Names{t.Name}
	var out []string
	regions := map[string]bool{}
	for _, r := range t.Regions {
		regions[r.Name] = true
	}
	for _, r := range extraRegions {
		regions[r] = true
	}
	for _, region := range sortedKeys(regions) {
		cl := c.RDS(region)
		cp := rds.NewDescribeDBClustersPaginator(cl, &rds.DescribeDBClustersInput{})
		for cp.HasMorePages() {
			page, err := cp.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("scan DB clusters in %s: %w", region, err)
			}
			for _, x := range page.DBClusters {
				if hasStackTag(x.TagList, t.Name) {
					out = append(out, fmt.Sprintf("rds cluster %s (%s, %s)", aws.ToString(x.DBClusterIdentifier), region, aws.ToString(x.Status)))
				}
			}
		}
		ip := rds.NewDescribeDBInstancesPaginator(cl, &rds.DescribeDBInstancesInput{})
		for ip.HasMorePages() {
			page, err := ip.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("scan DB instances in %s: %w", region, err)
			}
			for _, x := range page.DBInstances {
				if hasStackTag(x.TagList, t.Name) {
					out = append(out, fmt.Sprintf("rds instance %s (%s, %s)", aws.ToString(x.DBInstanceIdentifier), region, aws.ToString(x.DBInstanceStatus)))
				}
			}
		}
		if sg, err := describeSubnetGroup(ctx, cl, n.SubnetGroup(region)); err != nil {
			return nil, err
		} else if sg != nil {
			tags, err := cl.ListTagsForResource(ctx, &rds.ListTagsForResourceInput{ResourceName: sg.DBSubnetGroupArn})
			if err != nil {
				return nil, err
			}
			if hasStackTag(tags.TagList, t.Name) {
				out = append(out, fmt.Sprintf("rds DB subnet group %s (%s)", n.SubnetGroup(region), region))
			}
		}
	}
	gp := rds.NewDescribeGlobalClustersPaginator(c.RDS(t.Primary().Name), &rds.DescribeGlobalClustersInput{})
	for gp.HasMorePages() {
		page, err := gp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan global clusters: %w", err)
		}
		for _, g := range page.GlobalClusters {
			if hasStackTag(g.TagList, t.Name) {
				out = append(out, "rds global cluster "+aws.ToString(g.GlobalClusterIdentifier))
			}
		}
	}
	zp := route53.NewListHostedZonesPaginator(c.Route53, &route53.ListHostedZonesInput{})
	for zp.HasMorePages() {
		page, err := zp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan hosted zones: %w", err)
		}
		for _, z := range page.HostedZones {
			ours := strings.HasPrefix(aws.ToString(z.CallerReference), n.CallerRefPrefix())
			if !ours && t.DNS != nil && fqdn(aws.ToString(z.Name)) == fqdn(t.DNS.HostedZone.Name) && t.DNS.HostedZone.ID == "" {
				tags, err := c.Route53.ListTagsForResource(ctx, &route53.ListTagsForResourceInput{ResourceId: aws.String(zoneID(aws.ToString(z.Id))), ResourceType: r53types.TagResourceTypeHostedzone})
				if err != nil {
					return nil, err
				}
				for _, tg := range tags.ResourceTagSet.Tags {
					ours = ours || aws.ToString(tg.Key) == topology.StackTag && aws.ToString(tg.Value) == t.Name
				}
			}
			if ours {
				out = append(out, fmt.Sprintf("route53 hosted zone %s (%s)", aws.ToString(z.Name), zoneID(aws.ToString(z.Id))))
			}
		}
	}
	hp := route53.NewListHealthChecksPaginator(c.Route53, &route53.ListHealthChecksInput{})
	for hp.HasMorePages() {
		page, err := hp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan health checks: %w", err)
		}
		for _, h := range page.HealthChecks {
			if strings.HasPrefix(aws.ToString(h.CallerReference), n.CallerRefPrefix()) {
				out = append(out, "route53 health check "+aws.ToString(h.Id))
			}
		}
	}
	for _, region := range sortedKeys(regions) {
		alarms, err := describeStackAlarms(ctx, c, t, region)
		if err != nil && !usesAlarms(t) && !isNotOurs(err) {
			continue // no CloudWatch to read, and none was used
		}
		if err != nil {
			return nil, fmt.Errorf("scan alarms: %w", err)
		}
		for _, a := range alarms {
			out = append(out, fmt.Sprintf("cloudwatch alarm %s (%s)", aws.ToString(a.AlarmName), region))
		}
	}
	switch p, err := findRegionSwitch(ctx, c, t); {
	case err != nil && t.Automation == nil && !isNotOurs(err):
		// no Region switch to read, and none was used
	case err != nil:
		return nil, fmt.Errorf("scan Region switch plans: %w", err)
	case p != nil:
		out = append(out, "arc region-switch plan "+aws.ToString(p.Name))
	}
	rp := iam.NewListRolesPaginator(c.IAM, &iam.ListRolesInput{PathPrefix: aws.String(n.RolePath())})
	for rp.HasMorePages() {
		page, err := rp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan IAM roles: %w", err)
		}
		for _, r := range page.Roles {
			out = append(out, "iam role "+aws.ToString(r.RoleName))
		}
	}
	sort.Strings(out)
	return out, nil
}
