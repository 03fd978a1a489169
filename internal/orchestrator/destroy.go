package orchestrator

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// destroyer plans the removal of the stack in AWS's order: records,
// health checks, the CloudWatch alarms they follow, and the zone; secondaries detached, their instances and
// clusters deleted; then the writer's; the global cluster; subnet
// groups; IAM roles.
type destroyer struct {
	*planner
	lift bool
}

func idDetach(region string) string     { return "rds/detach/" + region }
func idProtection(region string) string { return "rds/deletion-protection/" + region }

func (d *destroyer) plan() {
	w, n := d.w, d.n
	// Deletion protection first: refuse unless the user lifts it.
	var protected []string
	if g := w.Global; g != nil && aws.ToBool(g.DeletionProtection) {
		protected = append(protected, "global cluster "+n.GlobalCluster())
		if d.lift {
			d.p.add(&Step{ID: idProtection("global"), Action: Update, Resource: "rds global cluster " + n.GlobalCluster(),
				Details: []string{"deletion protection: true → false (--lift-deletion-protection)"},
				run: func(ctx context.Context, x *exec, s *Step) error {
					_, err := x.c.RDS(x.t.Primary().Name).ModifyGlobalCluster(ctx, &rds.ModifyGlobalClusterInput{
						GlobalClusterIdentifier: aws.String(n.GlobalCluster()), DeletionProtection: aws.Bool(false)})
					return err
				}})
		}
	}
	for _, region := range w.Regions() {
		c := w.Clusters[region]
		if !aws.ToBool(c.DeletionProtection) {
			continue
		}
		protected = append(protected, fmt.Sprintf("cluster %s (%s)", n.Cluster(region), region))
		if d.lift {
			d.p.add(&Step{ID: idProtection(region), Action: Update, Region: region, Resource: fmt.Sprintf("rds cluster %s (%s)", n.Cluster(region), region),
				Details: []string{"deletion protection: true → false (--lift-deletion-protection)"},
				run: func(ctx context.Context, x *exec, s *Step) error {
					_, err := x.c.RDS(region).ModifyDBCluster(ctx, &rds.ModifyDBClusterInput{DBClusterIdentifier: aws.String(n.Cluster(region)),
						DeletionProtection: aws.Bool(false), ApplyImmediately: aws.Bool(true)})
					return err
				}})
		}
	}
	if len(protected) > 0 && !d.lift {
		d.p.Problems = append(d.p.Problems, "deletion protection is on for "+strings.Join(protected, ", ")+
			": destroy turns it off only when asked to, with --lift-deletion-protection")
	}
	// The Region switch plan first: it names the role, the clusters and
	// the alarms.
	if p := w.RegionSwitch; p != nil {
		d.deleteRegionSwitch(p, nil)
	}
	d.planDNSDelete()
	// Records that name the plan's health checks go before the plan.
	if plan, recs := d.step(idRegionSwitch()), d.step(idRecords()); plan != nil && recs != nil && len(w.PlanChecks) > 0 {
		plan.After = append(plan.After, recs.ID)
	}
	// Secondaries (every member but the writer, and clusters already
	// detached) first, then the writer's region.
	writer := w.Writer()
	var others []string
	for _, region := range w.Regions() {
		if region != writer {
			others = append(others, region)
			d.planRegionDelete(region, nil)
		}
	}
	if writer != "" {
		var after []string
		for _, r := range others {
			after = append(after, d.p.deps(idDetach(r))...)
		}
		d.planRegionDelete(writer, after)
	}
	if g := w.Global; g != nil {
		d.p.add(&Step{ID: idGlobal(), Action: Delete, Region: d.t.Primary().Name, Resource: "rds global cluster " + n.GlobalCluster(),
			After: append(d.p.depsPrefix("rds/detach/"), d.p.deps(idProtection("global"), idRegionSwitch())...),
			run: func(ctx context.Context, x *exec, s *Step) error {
				_, err := x.c.RDS(x.t.Primary().Name).DeleteGlobalCluster(ctx, &rds.DeleteGlobalClusterInput{GlobalClusterIdentifier: aws.String(n.GlobalCluster())})
				if isNotFound(err) {
					return nil
				}
				return err
			}})
	}
	for region, sg := range w.SubnetGroups {
		name := aws.ToString(sg.DBSubnetGroupName)
		d.p.add(&Step{ID: idSubnets(region), Action: Delete, Region: region, After: d.p.deps(idCluster(region)),
			Resource: fmt.Sprintf("rds DB subnet group %s (%s)", name, region),
			run: func(ctx context.Context, x *exec, s *Step) error {
				_, err := x.c.RDS(region).DeleteDBSubnetGroup(ctx, &rds.DeleteDBSubnetGroupInput{DBSubnetGroupName: aws.String(name)})
				if isNotFound(err) {
					return nil
				}
				return err
			}})
	}
	// Roles last: instances use the monitoring role until they are gone.
	rdsSteps := append(append(d.p.depsPrefix("rds/cluster/"), d.p.depsPrefix("rds/instance/")...), d.p.deps(idRegionSwitch())...)
	for _, name := range sortedKeys(w.Roles) {
		r := w.Roles[name]
		d.p.add(&Step{ID: idRole(name), Action: Delete, Resource: "iam role " + name, After: rdsSteps,
			run: func(ctx context.Context, x *exec, s *Step) error { return x.deleteRole(ctx, r) }})
	}
}

func (d *destroyer) planDNSDelete() {
	w := d.w
	if len(w.Records) > 0 {
		var details []string
		for _, r := range w.Records {
			details = append(details, "delete "+recordString(r))
		}
		zone := w.Zone.ID
		recs := w.Records
		d.p.add(&Step{ID: idRecords(), Action: Delete, Resource: "route53 records in " + w.Zone.Name, Details: details,
			run: func(ctx context.Context, x *exec, s *Step) error {
				var changes []r53types.Change
				for _, r := range recs {
					changes = append(changes, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &r})
				}
				out, err := x.c.Route53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
					ChangeBatch: &r53types.ChangeBatch{Comment: aws.String("globaldb destroy " + x.t.Name), Changes: changes}})
				if err != nil {
					return err
				}
				return x.waitChange(ctx, s, aws.ToString(out.ChangeInfo.Id))
			}})
	}
	for _, key := range sortedKeys(w.Checks) {
		d.deleteCheck(key, w.Checks[key])
	}
	// Alarms after the checks that follow them.
	byRegion := map[string][]string{}
	for _, key := range sortedKeys(w.Alarms) {
		region, _, _ := strings.Cut(key, "/")
		byRegion[region] = append(byRegion[region], aws.ToString(w.Alarms[key].AlarmName))
	}
	for _, region := range sortedKeys(byRegion) {
		d.deleteAlarms(region, byRegion[region])
	}
	if z := w.Zone; z != nil && z.Owned {
		d.p.add(&Step{ID: idZone(), Action: Delete, Resource: "route53 hosted zone " + z.Name, After: d.p.deps(idRecords()),
			run: func(ctx context.Context, x *exec, s *Step) error {
				_, err := x.c.Route53.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: aws.String(z.ID)})
				if errCode(err) == "HostedZoneNotEmpty" {
					return fmt.Errorf("%w (the zone holds records globaldb did not create: delete them, or name the zone by id in the topology so that globaldb leaves it)", err)
				}
				if isNotFound(err) {
					return nil
				}
				return err
			}})
	}
}

// planRegionDelete detaches region's cluster from the global cluster (if
// a member), deletes its instances, then the cluster. after are steps the
// detach waits for.
func (d *destroyer) planRegionDelete(region string, after []string) {
	w, n := d.w, d.n
	c := w.Clusters[region]
	if c == nil {
		return
	}
	id := aws.ToString(c.DBClusterIdentifier)
	clusterArn := aws.ToString(c.DBClusterArn)
	prot := d.p.deps(idProtection(region), idProtection("global"))
	var detach []string
	if w.Member(region) {
		d.p.add(&Step{ID: idDetach(region), Action: Delete, Region: region, After: append(append([]string{}, after...), prot...),
			Resource: fmt.Sprintf("rds cluster %s (%s) from global cluster %s", id, region, n.GlobalCluster()),
			Details:  []string{"RemoveFromGlobalCluster: the cluster stops replicating and becomes standalone"},
			run:      func(ctx context.Context, x *exec, s *Step) error { return x.detach(ctx, s, region, clusterArn) }})
		detach = []string{idDetach(region)}
	}
	var instSteps []string
	for _, inst := range w.Instances[region] {
		iid := aws.ToString(inst.DBInstanceIdentifier)
		if d.p.has(idInstance(iid)) {
			continue
		}
		// A writer's instances go after every secondary has been detached
		// (AWS refuses to delete a primary's last instance while it has
		// secondaries).
		d.p.add(&Step{ID: idInstance(iid), Action: Delete, Region: region, After: append(append(append([]string{}, detach...), after...), prot...),
			Resource: fmt.Sprintf("rds instance %s (%s)", iid, region),
			run: func(ctx context.Context, x *exec, s *Step) error {
				return x.deleteInstances(ctx, s, region, id, []string{iid})
			}})
		instSteps = append(instSteps, idInstance(iid))
	}
	stepID := idCluster(region)
	d.p.add(&Step{ID: stepID, Action: Delete, Region: region, After: append(append(append([]string{}, detach...), instSteps...), prot...),
		Resource: fmt.Sprintf("rds cluster %s (%s)", id, region), Details: []string{"no final snapshot"},
		run: func(ctx context.Context, x *exec, s *Step) error { return x.deleteCluster(ctx, s, region, id) }})
}

func (x *exec) detach(ctx context.Context, s *Step, region, clusterArn string) error {
	cl := x.c.RDS(region)
	g := x.n.GlobalCluster()
	id := clusterArn[strings.LastIndexByte(clusterArn, ':')+1:]
	// An interrupted apply may have left the cluster creating: AWS
	// detaches only an available cluster.
	if err := x.waitFor(ctx, s, "cluster "+id+" available before detaching", func(ctx context.Context) (bool, string, error) {
		c, err := describeCluster(ctx, cl, id)
		if err != nil || c == nil {
			return c == nil && err == nil, "absent", err
		}
		st := aws.ToString(c.Status)
		return st == "available" || st == "deleting", st, nil
	}); err != nil {
		return err
	}
	_, err := cl.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String(g), DbClusterIdentifier: aws.String(clusterArn)})
	if err != nil && !isNotFound(err) {
		// An interrupted run may have detached it already.
		cur, derr := describeGlobal(ctx, cl, g)
		if derr != nil || cur == nil || memberOf(cur.GlobalClusterMembers, clusterArn) {
			return err
		}
	}
	return x.waitFor(ctx, s, fmt.Sprintf("cluster %s detached and available", id), func(ctx context.Context) (bool, string, error) {
		cur, err := describeGlobal(ctx, cl, g)
		if err != nil {
			return false, "", err
		}
		if cur != nil && memberOf(cur.GlobalClusterMembers, clusterArn) {
			return false, "member", nil
		}
		c, err := describeCluster(ctx, cl, id)
		if err != nil || c == nil {
			return false, "", err
		}
		st := aws.ToString(c.Status)
		return st == "available", st, nil
	})
}

func memberOf(members []rdstypes.GlobalClusterMember, clusterArn string) bool {
	for _, m := range members {
		if aws.ToString(m.DBClusterArn) == clusterArn {
			return true
		}
	}
	return false
}

// deleteInstances deletes instances of cluster and waits until they are
// gone.
func (x *exec) deleteInstances(ctx context.Context, s *Step, region, cluster string, ids []string) error {
	cl := x.c.RDS(region)
	for _, id := range ids {
		_, err := cl.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(id)})
		if err != nil && !isNotFound(err) && errCode(err) != "InvalidDBInstanceState" {
			return err
		}
	}
	return x.waitFor(ctx, s, "instance "+strings.Join(ids, ", ")+" deleted", func(ctx context.Context) (bool, string, error) {
		insts, err := describeInstances(ctx, cl, cluster)
		if err != nil {
			return false, "", err
		}
		var left []string
		for _, i := range insts {
			if contains(ids, aws.ToString(i.DBInstanceIdentifier)) {
				left = append(left, aws.ToString(i.DBInstanceIdentifier)+" "+aws.ToString(i.DBInstanceStatus))
			}
		}
		return len(left) == 0, strings.Join(left, ", "), nil
	})
}

func (x *exec) deleteCluster(ctx context.Context, s *Step, region, id string) error {
	cl := x.c.RDS(region)
	_, err := cl.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String(id), SkipFinalSnapshot: aws.Bool(true)})
	if err != nil && !isNotFound(err) {
		c, derr := describeCluster(ctx, cl, id)
		if derr != nil || c == nil || aws.ToString(c.Status) != "deleting" {
			return err
		}
	}
	return x.waitFor(ctx, s, "cluster "+id+" deleted", func(ctx context.Context) (bool, string, error) {
		c, err := describeCluster(ctx, cl, id)
		if err != nil {
			return false, "", err
		}
		if c == nil {
			return true, "", nil
		}
		return false, aws.ToString(c.Status), nil
	})
}
