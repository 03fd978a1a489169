package orchestrator

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/globaldb/globaldb/internal/topology"
)

// planner builds a plan from a topology and the world.
type planner struct {
	t *topology.Topology
	w *World
	n Names
	p *Plan
}

// Step IDs, shared by the builders so that dependencies name each other.
func idGlobal() string                   { return "rds/global-cluster" }
func idSubnets(region string) string     { return "rds/subnet-group/" + region }
func idCluster(region string) string     { return "rds/cluster/" + region }
func idReady(region string) string       { return "rds/cluster/" + region + "/available" }
func idInstance(id string) string        { return "rds/instance/" + id }
func idRole(name string) string          { return "iam/role/" + name }
func idZone() string                     { return "route53/zone" }
func idCheck(region, kind string) string { return "route53/health-check/" + region + "/" + kind }
func idRecords() string                  { return "route53/records" }

func (pl *planner) rdsTags() []rdstypes.Tag {
	var out []rdstypes.Tag
	for _, kv := range sortedTags(pl.t) {
		out = append(out, rdstypes.Tag{Key: aws.String(kv[0]), Value: aws.String(kv[1])})
	}
	return out
}

// missingTags returns the topology's tags that have lists lacks or holds
// with another value. Tags the user added by hand are left alone.
func (pl *planner) missingTags(have []rdstypes.Tag) []rdstypes.Tag {
	got := map[string]string{}
	for _, t := range have {
		got[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	var out []rdstypes.Tag
	for _, t := range pl.rdsTags() {
		if v, ok := got[aws.ToString(t.Key)]; !ok || v != aws.ToString(t.Value) {
			out = append(out, t)
		}
	}
	return out
}

func tagStep(region, arnStr string, tags []rdstypes.Tag) func(ctx context.Context, x *exec, s *Step) error {
	return func(ctx context.Context, x *exec, s *Step) error {
		_, err := x.c.RDS(region).AddTagsToResource(ctx, &rds.AddTagsToResourceInput{ResourceName: &arnStr, Tags: tags})
		return err
	}
}

func tagNames(tags []rdstypes.Tag) string {
	var s []string
	for _, t := range tags {
		s = append(s, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	return strings.Join(s, ", ")
}

func (pl *planner) planRDS() {
	t, w, n := pl.t, pl.w, pl.n
	primary := t.Primary().Name
	writer := w.Writer()
	if writer != "" && writer != primary {
		pl.p.Notes = append(pl.p.Notes, fmt.Sprintf("the global writer is in %s, the topology names %s as primary (a switchover or failover moved it). "+
			"globaldb leaves the writer where it is and points the writer record at it; `globaldb failover -f %s --mode switchover --to %s` moves it back.",
			writer, primary, t.File, primary))
	}
	for _, r := range t.Regions {
		if len(r.Network.SubnetIDs) > 0 && w.SubnetGroups[r.Name] == nil {
			region, subnets := r.Name, r.Network.SubnetIDs
			pl.p.add(&Step{ID: idSubnets(region), Action: Create, Region: region,
				Resource: fmt.Sprintf("rds DB subnet group %s (%s)", n.SubnetGroup(region), region),
				Details:  []string{"subnets: " + strings.Join(subnets, ", ")},
				run: func(ctx context.Context, x *exec, s *Step) error {
					_, err := x.c.RDS(region).CreateDBSubnetGroup(ctx, &rds.CreateDBSubnetGroupInput{
						DBSubnetGroupName: aws.String(n.SubnetGroup(region)), SubnetIds: subnets, Tags: pl.rdsTags(),
						DBSubnetGroupDescription: aws.String("globaldb stack " + t.Name),
					})
					if errCode(err) == "DBSubnetGroupAlreadyExists" {
						return nil
					}
					return err
				}})
		}
	}
	g := w.Global
	switch {
	case g == nil:
		pl.p.add(&Step{ID: idGlobal(), Action: Create, Region: primary,
			Resource: "rds global cluster " + n.GlobalCluster(),
			Details: []string{fmt.Sprintf("engine: %s %s", t.Engine, t.EngineVersion),
				fmt.Sprintf("storage encrypted: %v, deletion protection: %v", t.StorageEncrypted, t.DeletionProtection)},
			run: func(ctx context.Context, x *exec, s *Step) error {
				_, err := x.c.RDS(primary).CreateGlobalCluster(ctx, &rds.CreateGlobalClusterInput{
					GlobalClusterIdentifier: aws.String(n.GlobalCluster()), Engine: aws.String(t.Engine),
					EngineVersion: aws.String(t.EngineVersion), StorageEncrypted: aws.Bool(t.StorageEncrypted),
					DeletionProtection: aws.Bool(t.DeletionProtection), Tags: pl.rdsTags(),
				})
				if errCode(err) == "GlobalClusterAlreadyExistsFault" {
					return nil
				}
				return err
			}})
	default:
		if v := aws.ToString(g.EngineVersion); v != t.EngineVersion {
			pl.p.Problems = append(pl.p.Problems, fmt.Sprintf("global cluster %s runs %s %s, the topology says %s (engineVersion): "+
				"globaldb does not upgrade engines; upgrade with AWS's major/minor version upgrade and then update the topology",
				n.GlobalCluster(), aws.ToString(g.Engine), v, t.EngineVersion))
		}
		if aws.ToBool(g.DeletionProtection) != t.DeletionProtection {
			want := t.DeletionProtection
			pl.p.add(&Step{ID: idGlobal(), Action: Update, Region: primary, Resource: "rds global cluster " + n.GlobalCluster(),
				Details: []string{fmt.Sprintf("deletion protection: %v → %v", !want, want)},
				run: func(ctx context.Context, x *exec, s *Step) error {
					_, err := x.c.RDS(primary).ModifyGlobalCluster(ctx, &rds.ModifyGlobalClusterInput{
						GlobalClusterIdentifier: aws.String(n.GlobalCluster()), DeletionProtection: aws.Bool(want)})
					return err
				}})
		} else if miss := pl.missingTags(g.TagList); len(miss) > 0 {
			pl.p.add(&Step{ID: idGlobal(), Action: Update, Region: primary, Resource: "rds global cluster " + n.GlobalCluster(),
				Details: []string{"tags: " + tagNames(miss)}, run: tagStep(primary, aws.ToString(g.GlobalClusterArn), miss)})
		}
	}
	// The region that holds (or will hold) the writer comes first: the
	// secondaries are created once it is available.
	writerRegion := writer
	if writerRegion == "" {
		writerRegion = primary
	}
	for _, r := range t.Regions {
		if r.Name == writerRegion {
			pl.planRegion(r, writer == "", writerRegion)
		}
	}
	for _, r := range t.Regions {
		if r.Name != writerRegion {
			pl.planRegion(r, false, writerRegion)
		}
	}
	// Regions the stack has but the topology no longer names.
	for _, region := range w.Regions() {
		if pl.regionDeclared(region) {
			continue
		}
		pl.p.Notes = append(pl.p.Notes, fmt.Sprintf("region %s is no longer in the topology: its cluster is detached and deleted", region))
		(&destroyer{planner: pl}).planRegionDelete(region, nil)
	}
}

func (pl *planner) regionDeclared(region string) bool {
	for _, r := range pl.t.Regions {
		if r.Name == region {
			return true
		}
	}
	return false
}

// planRegion adds the steps for one region's cluster and instances.
// asPrimary is set when the cluster is created as the global primary
// (with master credentials); writerRegion's cluster must be available
// before a secondary is created.
func (pl *planner) planRegion(r topology.Region, asPrimary bool, writerRegion string) {
	t, w, n := pl.t, pl.w, pl.n
	region := r.Name
	c := w.Clusters[region]
	iamAuth := t.IAM.AppRole != nil
	if c == nil {
		role := "secondary (no master credentials: they come from the primary)"
		if asPrimary {
			role = fmt.Sprintf("primary, master user %s, password from %s", r.MasterUsername, r.MasterPasswordFrom)
		}
		details := []string{role, fmt.Sprintf("engine: %s %s, global cluster %s", t.Engine, t.EngineVersion, n.GlobalCluster())}
		if r.ClusterParameterGroup != "" {
			details = append(details, "cluster parameter group: "+r.ClusterParameterGroup)
		}
		if t.StorageEncrypted {
			details = append(details, "encrypted with "+r.KMSKeyID)
		}
		if global, local := wantForwarding(r); global || local {
			details = append(details, fmt.Sprintf("write forwarding: %s", r.WriteForwarding))
		}
		details = append(details, fmt.Sprintf("IAM database authentication: %v, deletion protection: %v", iamAuth, t.DeletionProtection))
		after := pl.p.deps(idGlobal(), idSubnets(region))
		if !asPrimary {
			after = append(after, pl.p.deps(idReady(writerRegion))...)
		}
		pl.p.add(&Step{ID: idCluster(region), Action: Create, Region: region, After: after,
			Resource: fmt.Sprintf("rds cluster %s (%s)", n.Cluster(region), region), Details: details,
			run: func(ctx context.Context, x *exec, s *Step) error { return x.createCluster(ctx, r, asPrimary) }})
	} else {
		pl.planClusterUpdate(r, c)
	}
	// Instances: <cluster>-1 … -N; extra ones the stack owns are deleted.
	want := map[string]bool{}
	var instSteps []string
	have := map[string]rdstypes.DBInstance{}
	for _, i := range w.Instances[region] {
		have[aws.ToString(i.DBInstanceIdentifier)] = i
	}
	for i, spec := range r.Instances {
		id := n.Instance(region, i)
		want[id] = true
		inst, ok := have[id]
		if !ok {
			tier := int32(1)
			if i == 0 {
				tier = 0
			}
			az := spec.AZ
			details := []string{fmt.Sprintf("class %s, AZ %s, promotion tier %d, publicly accessible: %v", t.InstanceClass, orAny(az), tier, r.Network.PubliclyAccessible)}
			if t.IAM.MonitoringRole != nil {
				details = append(details, "enhanced monitoring every 60s as role "+t.IAM.MonitoringRole.Name)
			}
			pl.p.add(&Step{ID: idInstance(id), Action: Create, Region: region,
				After:    pl.p.deps(idCluster(region), idRole(roleName(t.IAM.MonitoringRole))),
				Resource: fmt.Sprintf("rds instance %s (%s)", id, region), Details: details,
				run: func(ctx context.Context, x *exec, s *Step) error { return x.createInstance(ctx, s, r, id, az, tier) }})
			instSteps = append(instSteps, idInstance(id))
			continue
		}
		if st := pl.planInstanceUpdate(r, inst); st != nil {
			instSteps = append(instSteps, st.ID)
		}
	}
	for id, inst := range have {
		if !want[id] {
			pl.p.add(&Step{ID: idInstance(id), Action: Delete, Region: region,
				Resource: fmt.Sprintf("rds instance %s (%s)", id, region),
				Details:  []string{fmt.Sprintf("the topology has %d instances in %s", len(r.Instances), region)},
				run: func(ctx context.Context, x *exec, s *Step) error {
					return x.deleteInstances(ctx, s, region, n.Cluster(region), []string{aws.ToString(inst.DBInstanceIdentifier)})
				}})
		}
	}
	// The cluster is ready when it and its instances are available.
	if c == nil || aws.ToString(c.Status) != "available" || len(instSteps) > 0 {
		hidden := c == nil || aws.ToString(c.Status) == "available"
		st := &Step{ID: idReady(region), Action: Wait, Region: region,
			After:    append(pl.p.deps(idCluster(region)), instSteps...),
			Resource: fmt.Sprintf("rds cluster %s (%s) available", n.Cluster(region), region),
			run:      func(ctx context.Context, x *exec, s *Step) error { return x.waitClusterAvailable(ctx, s, region) }}
		if c != nil && !hidden {
			st.Details = []string{"now " + aws.ToString(c.Status)}
		}
		st.hidden = hidden
		pl.p.add(st)
	}
	pl.planForwardingWait(r, c)
}

func orAny(az string) string {
	if az == "" {
		return "(any)"
	}
	return az
}

func roleName(r *topology.RoleDecl) string {
	if r == nil {
		return ""
	}
	return r.Name
}

func (pl *planner) planClusterUpdate(r topology.Region, c *rdstypes.DBCluster) {
	t, n := pl.t, pl.n
	region := r.Name
	switch st := aws.ToString(c.Status); st {
	case "deleting":
		pl.p.Problems = append(pl.p.Problems, fmt.Sprintf("cluster %s in %s is being deleted (an interrupted destroy?): run `globaldb destroy` to finish it, then apply", n.Cluster(region), region))
		return
	}
	if pl.w.Global != nil && !pl.w.Member(region) && aws.ToString(c.Status) != "creating" {
		pl.p.Problems = append(pl.p.Problems, fmt.Sprintf("cluster %s in %s is no longer a member of global cluster %s (detached and promoted): "+
			"AWS cannot attach a cluster with its own data back; delete it (globaldb destroy, or remove the region from the topology and apply) to re-create it as a secondary",
			n.Cluster(region), region, n.GlobalCluster()))
		return
	}
	if v := aws.ToString(c.EngineVersion); v != t.EngineVersion {
		pl.p.Problems = append(pl.p.Problems, fmt.Sprintf("cluster %s in %s runs %s, the topology says %s (engineVersion)", n.Cluster(region), region, v, t.EngineVersion))
	}
	var details []string
	in := &rds.ModifyDBClusterInput{DBClusterIdentifier: aws.String(n.Cluster(region)), ApplyImmediately: aws.Bool(true)}
	changed := false
	if aws.ToBool(c.DeletionProtection) != t.DeletionProtection {
		in.DeletionProtection = aws.Bool(t.DeletionProtection)
		details = append(details, fmt.Sprintf("deletion protection: %v → %v", !t.DeletionProtection, t.DeletionProtection))
		changed = true
	}
	if iamAuth := t.IAM.AppRole != nil; aws.ToBool(c.IAMDatabaseAuthenticationEnabled) != iamAuth {
		in.EnableIAMDatabaseAuthentication = aws.Bool(iamAuth)
		details = append(details, fmt.Sprintf("IAM database authentication: %v → %v", !iamAuth, iamAuth))
		changed = true
	}
	if want := r.ClusterParameterGroup; want != "" && aws.ToString(c.DBClusterParameterGroup) != want {
		in.DBClusterParameterGroupName = aws.String(want)
		details = append(details, fmt.Sprintf("cluster parameter group: %s → %s", aws.ToString(c.DBClusterParameterGroup), want))
		changed = true
	}
	if wf := setForwarding(r, c, in); len(wf) > 0 {
		details = append(details, wf...)
		changed = true
	}
	miss := pl.missingTags(c.TagList)
	if len(miss) > 0 {
		details = append(details, "tags: "+tagNames(miss))
	}
	if !changed && len(miss) == 0 {
		return
	}
	arnStr := aws.ToString(c.DBClusterArn)
	pl.p.add(&Step{ID: idCluster(region), Action: Update, Region: region, Details: details,
		Resource: fmt.Sprintf("rds cluster %s (%s)", n.Cluster(region), region),
		run: func(ctx context.Context, x *exec, s *Step) error {
			if changed {
				if _, err := x.c.RDS(region).ModifyDBCluster(ctx, in); err != nil {
					return err
				}
			}
			if len(miss) > 0 {
				return tagStep(region, arnStr, miss)(ctx, x, s)
			}
			return nil
		}})
}

func (pl *planner) planInstanceUpdate(r topology.Region, inst rdstypes.DBInstance) *Step {
	t := pl.t
	region, id := r.Name, aws.ToString(inst.DBInstanceIdentifier)
	status := aws.ToString(inst.DBInstanceStatus)
	if status == "deleting" {
		pl.p.Problems = append(pl.p.Problems, fmt.Sprintf("instance %s in %s is being deleted: wait for it to go, then apply", id, region))
		return nil
	}
	var details []string
	in := &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String(id), ApplyImmediately: aws.Bool(true)}
	changed := false
	if aws.ToBool(inst.PubliclyAccessible) != r.Network.PubliclyAccessible {
		in.PubliclyAccessible = aws.Bool(r.Network.PubliclyAccessible)
		details = append(details, fmt.Sprintf("publicly accessible: %v → %v", !r.Network.PubliclyAccessible, r.Network.PubliclyAccessible))
		changed = true
	}
	if mr := t.IAM.MonitoringRole; mr != nil && aws.ToInt32(inst.MonitoringInterval) == 0 {
		in.MonitoringInterval = aws.Int32(60)
		details = append(details, "enhanced monitoring: off → every 60s as role "+mr.Name)
		changed = true
	} else if mr == nil && aws.ToInt32(inst.MonitoringInterval) != 0 {
		in.MonitoringInterval = aws.Int32(0)
		details = append(details, "enhanced monitoring: on → off")
		changed = true
	}
	miss := pl.missingTags(inst.TagList)
	if len(miss) > 0 {
		details = append(details, "tags: "+tagNames(miss))
	}
	if changed || len(miss) > 0 {
		arnStr := aws.ToString(inst.DBInstanceArn)
		return pl.p.add(&Step{ID: idInstance(id), Action: Update, Region: region, Details: details,
			After:    pl.p.deps(idRole(roleName(t.IAM.MonitoringRole))),
			Resource: fmt.Sprintf("rds instance %s (%s)", id, region),
			run: func(ctx context.Context, x *exec, s *Step) error {
				if changed {
					if in.MonitoringInterval != nil && *in.MonitoringInterval > 0 {
						in.MonitoringRoleArn = aws.String(x.roleArn(t.IAM.MonitoringRole.Name))
					}
					if _, err := x.c.RDS(region).ModifyDBInstance(ctx, in); err != nil {
						return err
					}
				}
				if len(miss) > 0 {
					if err := tagStep(region, arnStr, miss)(ctx, x, s); err != nil {
						return err
					}
				}
				return x.waitInstances(ctx, s, region, n0(pl.n, region), []string{id})
			}})
	}
	if status != "available" {
		return pl.p.add(&Step{ID: idInstance(id), Action: Wait, Region: region,
			Resource: fmt.Sprintf("rds instance %s (%s) available", id, region), Details: []string{"now " + status},
			run: func(ctx context.Context, x *exec, s *Step) error {
				return x.waitInstances(ctx, s, region, n0(pl.n, region), []string{id})
			}})
	}
	return nil
}

func n0(n Names, region string) string { return n.Cluster(region) }

// createCluster creates region's cluster, as the primary (with master
// credentials) or as a secondary of the global cluster.
func (x *exec) createCluster(ctx context.Context, r topology.Region, asPrimary bool) error {
	t, n := x.t, x.n
	in := &rds.CreateDBClusterInput{
		DBClusterIdentifier: aws.String(n.Cluster(r.Name)), Engine: aws.String(t.Engine), EngineVersion: aws.String(t.EngineVersion),
		GlobalClusterIdentifier: aws.String(n.GlobalCluster()), DeletionProtection: aws.Bool(t.DeletionProtection),
		EnableIAMDatabaseAuthentication: aws.Bool(t.IAM.AppRole != nil), Tags: (&planner{t: t}).rdsTags(),
	}
	if r.ClusterParameterGroup != "" {
		in.DBClusterParameterGroupName = aws.String(r.ClusterParameterGroup)
	}
	if global, local := wantForwarding(r); global || local {
		in.EnableGlobalWriteForwarding, in.EnableLocalWriteForwarding = aws.Bool(global), aws.Bool(local)
	}
	if t.StorageEncrypted {
		in.StorageEncrypted = aws.Bool(true)
		in.KmsKeyId = aws.String(r.KMSKeyID)
	}
	switch {
	case r.Network.SubnetGroup != "":
		in.DBSubnetGroupName = aws.String(r.Network.SubnetGroup)
	case len(r.Network.SubnetIDs) > 0:
		in.DBSubnetGroupName = aws.String(n.SubnetGroup(r.Name))
	}
	if len(r.Network.SecurityGroups) > 0 {
		in.VpcSecurityGroupIds = r.Network.SecurityGroups
	}
	if asPrimary {
		pw, err := t.MasterPassword()
		if err != nil {
			return err
		}
		in.MasterUsername = aws.String(r.MasterUsername)
		in.MasterUserPassword = aws.String(pw)
		if r.DatabaseName != "" {
			in.DatabaseName = aws.String(r.DatabaseName)
		}
	}
	out, err := x.c.RDS(r.Name).CreateDBCluster(ctx, in)
	if errCode(err) == "DBClusterAlreadyExistsFault" {
		c, err := describeCluster(ctx, x.c.RDS(r.Name), n.Cluster(r.Name))
		if err != nil || c == nil {
			return fmt.Errorf("cluster exists but cannot be read: %w", err)
		}
		x.setCluster(r.Name, c)
		return nil
	}
	if err != nil {
		return err
	}
	x.setCluster(r.Name, out.DBCluster)
	return nil
}

func (x *exec) createInstance(ctx context.Context, s *Step, r topology.Region, id, az string, tier int32) error {
	t := x.t
	in := &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String(id), DBClusterIdentifier: aws.String(x.n.Cluster(r.Name)),
		DBInstanceClass: aws.String(t.InstanceClass), Engine: aws.String(t.Engine),
		PubliclyAccessible: aws.Bool(r.Network.PubliclyAccessible), PromotionTier: aws.Int32(tier),
		Tags: (&planner{t: t}).rdsTags(),
	}
	if az != "" {
		in.AvailabilityZone = aws.String(az)
	}
	if mr := t.IAM.MonitoringRole; mr != nil {
		in.MonitoringInterval = aws.Int32(60)
		in.MonitoringRoleArn = aws.String(x.roleArn(mr.Name))
	}
	_, err := x.c.RDS(r.Name).CreateDBInstance(ctx, in)
	if err != nil && errCode(err) != "DBInstanceAlreadyExists" {
		return err
	}
	return x.waitInstances(ctx, s, r.Name, x.n.Cluster(r.Name), []string{id})
}

// waitInstances polls until every named instance of cluster is
// available; one DescribeDBInstances per poll covers them all.
func (x *exec) waitInstances(ctx context.Context, s *Step, region, cluster string, ids []string) error {
	what := fmt.Sprintf("instance %s available", strings.Join(ids, ", "))
	return x.waitFor(ctx, s, what, func(ctx context.Context) (bool, string, error) {
		var out *rds.DescribeDBInstancesOutput
		var err error
		if len(ids) == 1 {
			out, err = x.c.RDS(region).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(ids[0])})
		} else {
			out, err = x.c.RDS(region).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{
				Filters: []rdstypes.Filter{{Name: aws.String("db-cluster-id"), Values: []string{cluster}}}})
		}
		if err != nil {
			return false, "", err
		}
		states := map[string]string{}
		for _, i := range out.DBInstances {
			states[aws.ToString(i.DBInstanceIdentifier)] = aws.ToString(i.DBInstanceStatus)
		}
		var pending []string
		for _, id := range ids {
			st := states[id]
			switch st {
			case "available":
				continue
			case "failed", "incompatible-parameters", "incompatible-network", "storage-full", "inaccessible-encryption-credentials":
				return false, st, fmt.Errorf("instance %s is %s", id, st)
			}
			if st == "" {
				st = "absent"
			}
			pending = append(pending, id+" "+st)
		}
		return len(pending) == 0, strings.Join(pending, ", "), nil
	})
}

func (x *exec) waitClusterAvailable(ctx context.Context, s *Step, region string) error {
	id := x.n.Cluster(region)
	return x.waitFor(ctx, s, "cluster "+id+" available", func(ctx context.Context) (bool, string, error) {
		c, err := describeCluster(ctx, x.c.RDS(region), id)
		if err != nil {
			return false, "", err
		}
		if c == nil {
			return false, "absent", fmt.Errorf("cluster %s in %s does not exist", id, region)
		}
		x.setCluster(region, c)
		st := aws.ToString(c.Status)
		return st == "available", st, nil
	})
}

func (x *exec) roleArn(name string) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	if a := x.roleArns[name]; a != "" {
		return a
	}
	return fmt.Sprintf("arn:aws:iam::%s:role%s%s", x.w.Account, x.n.RolePath(), name)
}
