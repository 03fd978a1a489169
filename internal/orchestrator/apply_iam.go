package orchestrator

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// roleSpec is a role as the topology wants it. Inline documents that
// depend on resources not created yet are computed when the step runs.
type roleSpec struct {
	Name, Purpose string
	Trust         string
	Attached      []string
	Inline        map[string]func(x *exec) (string, error)
	// dependsOnClusters: the inline policy names the clusters' resource IDs.
	dependsOnClusters bool
}

func (pl *planner) roleSpecs() []roleSpec {
	t, acct := pl.t, pl.w.Account
	var out []roleSpec
	if r := t.IAM.MonitoringRole; r != nil {
		out = append(out, roleSpec{Name: r.Name, Purpose: "Enhanced Monitoring, trusted by monitoring.rds.amazonaws.com",
			Trust: trustService("monitoring.rds.amazonaws.com"), Attached: []string{EnhancedMonitoringPolicy}})
	}
	if r := t.IAM.AppRole; r != nil {
		user := r.DBUser
		out = append(out, roleSpec{Name: r.Name, Purpose: fmt.Sprintf("application: rds-db:connect as %s on every member cluster", user),
			Trust: trustAccount(acct), dependsOnClusters: true,
			Inline: map[string]func(x *exec) (string, error){"rds-db-connect": func(x *exec) (string, error) {
				ids := map[string]string{}
				for _, reg := range t.Regions {
					c := x.cluster(reg.Name)
					if c == nil || aws.ToString(c.DbClusterResourceId) == "" {
						return "", fmt.Errorf("resource ID of cluster %s unknown", x.n.Cluster(reg.Name))
					}
					ids[reg.Name] = aws.ToString(c.DbClusterResourceId)
				}
				return appPolicy(acct, user, ids), nil
			}}})
	}
	if r := t.IAM.OperatorRole; r != nil {
		doc := operatorPolicy(t, acct).JSON()
		out = append(out, roleSpec{Name: r.Name, Purpose: "operator: RDS and Route 53 actions on this stack's resources",
			Trust: trustAccount(acct), Inline: map[string]func(x *exec) (string, error){"globaldb-operator": func(*exec) (string, error) { return doc, nil }}})
	}
	if t.Automation != nil {
		out = append(out, pl.regionSwitchRoleSpec())
	}
	return out
}

func (pl *planner) planIAMRoles(include func(roleSpec) bool) {
	x := newExec(nil, pl.t, pl.w, Options{}) // to evaluate inline documents against the world
	for _, spec := range pl.roleSpecs() {
		if !include(spec) {
			continue
		}
		have := pl.w.Roles[spec.Name]
		var after []string
		if spec.dependsOnClusters {
			after = pl.p.depsPrefix("rds/cluster/")
		}
		if have == nil {
			details := []string{spec.Purpose, "path " + pl.n.RolePath()}
			for _, a := range spec.Attached {
				details = append(details, "attach "+a)
			}
			for _, name := range sortedKeys(spec.Inline) {
				details = append(details, "inline policy "+name)
			}
			pl.p.add(&Step{ID: idRole(spec.Name), Action: Create, Resource: "iam role " + spec.Name, Details: details, After: after,
				run: func(ctx context.Context, x *exec, s *Step) error { return x.ensureRole(ctx, spec, nil) }})
			continue
		}
		var details []string
		if !sameDocument(have.Trust, spec.Trust) {
			details = append(details, "trust policy")
		}
		for _, a := range spec.Attached {
			if !contains(have.Attached, a) {
				details = append(details, "attach "+a)
			}
		}
		for _, a := range have.Attached {
			if !contains(spec.Attached, a) {
				details = append(details, "detach "+a)
			}
		}
		for _, name := range sortedKeys(spec.Inline) {
			doc, err := spec.Inline[name](x)
			if err != nil || !sameDocument(have.Inline[name], doc) {
				details = append(details, "inline policy "+name)
			}
		}
		for name := range have.Inline {
			if spec.Inline[name] == nil {
				details = append(details, "delete inline policy "+name)
			}
		}
		if len(details) == 0 {
			continue
		}
		pl.p.add(&Step{ID: idRole(spec.Name), Action: Update, Resource: "iam role " + spec.Name, Details: details, After: after,
			run: func(ctx context.Context, x *exec, s *Step) error { return x.ensureRole(ctx, spec, have) }})
	}
}

func (pl *planner) planIAMDeletes() {
	declared := map[string]bool{}
	for _, spec := range pl.roleSpecs() {
		declared[spec.Name] = true
	}
	for _, name := range sortedKeys(pl.w.Roles) {
		have := pl.w.Roles[name]
		if declared[name] {
			continue
		}
		pl.p.add(&Step{ID: idRole(name), Action: Delete, Resource: "iam role " + name,
			Details: []string{"no longer in the topology"}, After: pl.p.deps(idRegionSwitch()),
			run: func(ctx context.Context, x *exec, s *Step) error { return x.deleteRole(ctx, have) }})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (x *exec) iamTags() []iamtypes.Tag {
	var out []iamtypes.Tag
	for _, kv := range sortedTags(x.t) {
		out = append(out, iamtypes.Tag{Key: aws.String(kv[0]), Value: aws.String(kv[1])})
	}
	return out
}

// ensureRole creates the role if needed and converges its trust policy,
// attached managed policies and inline policies.
func (x *exec) ensureRole(ctx context.Context, spec roleSpec, have *Role) error {
	cl := x.c.IAM
	if have == nil {
		out, err := cl.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(spec.Name), Path: aws.String(x.n.RolePath()),
			AssumeRolePolicyDocument: aws.String(spec.Trust), Description: aws.String("globaldb " + x.t.Name + ": " + spec.Purpose),
			Tags: x.iamTags()})
		switch {
		case errCode(err) == "EntityAlreadyExists":
			have, err = readRole(ctx, cl, spec.Name)
			if err != nil {
				return err
			}
			if have.Tags["globaldb:stack"] != x.t.Name {
				return fmt.Errorf("IAM role %s %w=%s", spec.Name, ErrNotOurs, x.t.Name)
			}
		case err != nil:
			return err
		default:
			have = &Role{Name: spec.Name, Arn: aws.ToString(out.Role.Arn), Trust: spec.Trust, Inline: map[string]string{}}
		}
	}
	x.mu.Lock()
	x.roleArns[spec.Name] = have.Arn
	x.mu.Unlock()
	if !sameDocument(have.Trust, spec.Trust) {
		if _, err := cl.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(spec.Name), PolicyDocument: aws.String(spec.Trust)}); err != nil {
			return err
		}
	}
	for _, a := range spec.Attached {
		if !contains(have.Attached, a) {
			if _, err := cl.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(spec.Name), PolicyArn: aws.String(a)}); err != nil {
				return err
			}
		}
	}
	for _, a := range have.Attached {
		if !contains(spec.Attached, a) {
			if _, err := cl.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(spec.Name), PolicyArn: aws.String(a)}); err != nil {
				return err
			}
		}
	}
	for _, name := range sortedKeys(spec.Inline) {
		doc, err := spec.Inline[name](x)
		if err != nil {
			return err
		}
		if sameDocument(have.Inline[name], doc) {
			continue
		}
		if _, err := cl.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(spec.Name), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
			return err
		}
	}
	for name := range have.Inline {
		if spec.Inline[name] == nil {
			if _, err := cl.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(spec.Name), PolicyName: aws.String(name)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// deleteRole removes a role's policies, then the role.
func (x *exec) deleteRole(ctx context.Context, r *Role) error {
	cl := x.c.IAM
	for name := range r.Inline {
		if _, err := cl.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(name)}); err != nil && !isNotFound(err) {
			return err
		}
	}
	for _, a := range r.Attached {
		if _, err := cl.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(r.Name), PolicyArn: aws.String(a)}); err != nil && !isNotFound(err) {
			return err
		}
	}
	_, err := cl.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(r.Name)})
	if isNotFound(err) {
		return nil
	}
	return err
}
