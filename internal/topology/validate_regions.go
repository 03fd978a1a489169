package topology

import (
	"regexp"
	"slices"
	"strings"

	"github.com/globaldb/globaldb/internal/regions"
)

// Aurora Global Database limits (reference/aws-semantics.md §1.1).
const (
	maxSecondaries        = 10
	maxInstancesPerRegion = 16
)

var (
	subnetRe = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
	sgRe     = regexp.MustCompile(`^sg-([0-9a-f]{8}|[0-9a-f]{17})$`)
	envRe    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	kmsRe    = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(key|alias)/[A-Za-z0-9/_-]+$`)
	paramRe  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.-]{0,254}$`)
)

const (
	hintParamGroup = "a promoted secondary does not inherit the primary's parameter group; create the same group in every region and name it on each"
	hintKMS        = "KMS keys are regional: a cross-region secondary needs a key in its own region (a multi-Region replica key works); write arn:aws:kms:REGION:ACCOUNT:key/ID"
)

func validateRegions(p *problems, t *Topology) {
	if len(t.Regions) == 0 {
		p.errorf("regions", "list one region with role: primary and at least one with role: secondary", "is required")
		return
	}
	primaries, secondaries, unknownRoles := 0, 0, 0
	seen := map[string]int{}
	for i := range t.Regions {
		r := &t.Regions[i]
		path := index("regions", i)
		switch r.Role {
		case Primary:
			primaries++
			if primaries > 1 {
				p.errorf(path+".role", "exactly one region is the primary; make the others secondary", "a second primary region")
			}
		case Secondary:
			secondaries++
		default:
			unknownRoles++
		}
		if j, dup := seen[r.Name]; dup && r.Name != "" {
			p.errorf(path+".name", "a global database has at most one cluster per region", "%s is already regions[%d]", r.Name, j)
		}
		seen[r.Name] = i
		validateRegion(p, t, r, path, primaries > 1)
	}
	switch {
	case primaries > 1 || unknownRoles > 0:
		// Reported at the role; counting secondaries would only add noise.
	case primaries == 0:
		p.errorf("regions", "set role: primary on the region that takes writes", "no region has role: primary")
	case secondaries == 0:
		p.errorf("regions", "add a region with role: secondary; for a single-region cluster plain Aurora is enough", "a global database needs at least one secondary region")
	case secondaries > maxSecondaries:
		p.errorf("regions", "", "%d secondary regions; Aurora Global Database allows at most %d", secondaries, maxSecondaries)
	}
	if pr := t.Primary(); pr != nil && secondaries > 0 {
		if limit := maxInstancesPerRegion - secondaries; len(pr.Instances) > limit {
			p.errorf(index("regions", slices.IndexFunc(t.Regions, func(r Region) bool { return r.Role == Primary }))+".instances", "",
				"the primary may have at most %d instances with %d secondary regions (15 replicas minus one per secondary)", limit, secondaries)
		}
	}
	validateParameterGroups(p, t)
}

// validateRegion checks one member; extraPrimary marks a second primary,
// whose credentials are not checked (its role is the error).
func validateRegion(p *problems, t *Topology, r *Region, path string, extraPrimary bool) {
	if r.Role == "" {
		p.errorf(path+".role", "role: primary or role: secondary", "is required")
	} else if ok, hint := oneOf(r.Role, Primary, Secondary); !ok {
		p.errorf(path+".role", hint, "%q is not a role", r.Role)
	}
	info, known := lookupRegion(p, r.Name, path+".name")
	validateInstances(p, r, info, known, path+".instances")
	validateNetwork(p, &r.Network, path+".network")
	validateKMS(p, t, r, path+".kmsKeyId")
	if r.ClusterParameterGroup != "" && !paramRe.MatchString(r.ClusterParameterGroup) {
		p.errorf(path+".clusterParameterGroup", "", "%q is not a parameter group name", r.ClusterParameterGroup)
	}
	validateWriteForwarding(p, t, r, path)
	if r.Role == Secondary {
		validateSecondaryCredentials(p, r, path)
	} else if r.Role == Primary && !extraPrimary {
		validatePrimaryCredentials(p, r, path)
	}
}

// lookupRegion checks name against the region table.
func lookupRegion(p *problems, name, path string) (regions.Region, bool) {
	if name == "" {
		p.errorf(path, "an AWS region code, e.g. ap-southeast-2", "is required")
		return regions.Region{}, false
	}
	info, ok := regions.Lookup(name)
	if !ok {
		var names []string
		for _, r := range regions.All() {
			names = append(names, r.Name)
		}
		hint := "use an AWS region code such as ap-southeast-2"
		if best, near := closest(name, names); near {
			hint = "did you mean \"" + best + "\"?"
		}
		p.errorf(path, hint, "%q is not an AWS region", name)
		return info, false
	}
	switch {
	case info.AuroraGlobal == nil:
		p.warnf(path, "check the Aurora Global Database region list before relying on it", "Aurora Global Database support in %s is not confirmed", name)
	case !*info.AuroraGlobal:
		p.errorf(path, "pick a region that supports Aurora Global Database", "%s (%s) does not support Aurora Global Database", name, info.Description)
	}
	return info, true
}

func validateInstances(p *problems, r *Region, info regions.Region, known bool, path string) {
	switch {
	case r.Instances == nil:
		p.errorf(path, "give a count (instances: 2) or a list of AZs", "is required")
		return
	case len(r.Instances) == 0:
		p.errorf(path, "a headless secondary cannot be a switchover or failover target; give every region an instance", "must be at least 1")
		return
	case len(r.Instances) > maxInstancesPerRegion:
		p.errorf(path, "", "%d instances; an Aurora cluster has at most %d", len(r.Instances), maxInstancesPerRegion)
	}
	used := map[string]int{}
	for i, in := range r.Instances {
		if in.AZ == "" || !known {
			continue
		}
		ip := index(path, i)
		if !slices.Contains(info.AZs, in.AZ) {
			hint := r.Name + " has " + strings.Join(info.AZs, ", ")
			if j := slices.Index(info.ZoneIDs, in.AZ); j >= 0 {
				hint = "that is a zone ID; its name in " + r.Name + " is " + info.AZs[j]
			}
			p.errorf(ip, hint, "AZ %q is not in %s", in.AZ, r.Name)
			continue
		}
		if j, dup := used[in.AZ]; dup {
			p.warnf(ip, "place the instances in different AZs so that a zone outage leaves a reader to fail over to",
				"instance in %s, like %s[%d]: not Multi-AZ", in.AZ, path, j)
		}
		used[in.AZ] = i
	}
}

func validateNetwork(p *problems, n *Network, path string) {
	if n.SubnetGroup != "" && len(n.SubnetIDs) > 0 {
		p.errorf(path+".subnetIds", "name an existing DB subnet group, or list subnets for globaldb to create one, not both", "conflicts with subnetGroup")
	}
	if len(n.SubnetIDs) == 1 {
		p.errorf(path+".subnetIds", "a DB subnet group must cover at least two AZs", "lists one subnet")
	}
	for i, s := range n.SubnetIDs {
		if !subnetRe.MatchString(s) {
			p.errorf(index(path+".subnetIds", i), "e.g. subnet-0123456789abcdef0", "%q is not a subnet ID", s)
		}
	}
	for i, s := range n.SecurityGroups {
		if !sgRe.MatchString(s) {
			p.errorf(index(path+".securityGroups", i), "a security group ID, e.g. sg-0123456789abcdef0, not its name", "%q is not a security group ID", s)
		}
	}
}

func validateKMS(p *problems, t *Topology, r *Region, path string) {
	switch {
	case !t.StorageEncrypted && r.KMSKeyID != "":
		p.errorf(path, "set storageEncrypted: true, or remove kmsKeyId", "is set but storageEncrypted is false")
	case t.StorageEncrypted && r.KMSKeyID == "":
		p.errorf(path, hintKMS, "is required in every region when storageEncrypted is true")
	case r.KMSKeyID != "":
		m := kmsRe.FindStringSubmatch(r.KMSKeyID)
		if m == nil {
			p.errorf(path, hintKMS, "must be a KMS key ARN in %s", r.Name)
		} else if m[1] != r.Name {
			p.errorf(path, hintKMS, "the key is in %s but this region is %s", m[1], r.Name)
		}
	}
}

// validateParameterGroups requires one cluster parameter group name on every
// member: a promoted secondary keeps its own group, not the primary's.
func validateParameterGroups(p *problems, t *Topology) {
	pr := t.Primary()
	if pr == nil {
		return
	}
	describe := func(name string) string {
		if name == "" {
			return "the engine default"
		}
		return `"` + name + `"`
	}
	for i, r := range t.Regions {
		if r.Role == Primary || r.ClusterParameterGroup == pr.ClusterParameterGroup {
			continue
		}
		p.errorf(index("regions", i)+".clusterParameterGroup", hintParamGroup,
			"is %s but the primary (%s) uses %s", describe(r.ClusterParameterGroup), pr.Name, describe(pr.ClusterParameterGroup))
	}
}

func validatePrimaryCredentials(p *problems, r *Region, path string) {
	if !pgNameRe.MatchString(r.MasterUsername) || strings.EqualFold(r.MasterUsername, "rdsadmin") {
		p.errorf(path+".masterUsername", "1 to 63 letters, digits and underscores, starting with a letter; rdsadmin is reserved", "%q is not a valid master user name", r.MasterUsername)
	}
	if r.DatabaseName != "" && !pgNameRe.MatchString(r.DatabaseName) {
		p.errorf(path+".databaseName", "1 to 63 letters, digits and underscores, starting with a letter", "%q is not a valid database name", r.DatabaseName)
	}
	s := r.MasterPasswordFrom
	sp := path + ".masterPasswordFrom"
	switch {
	case s == nil:
		p.errorf(sp, "masterPasswordFrom: {env: GLOBALDB_MASTER_PASSWORD} or {file: ./master-password}; the password is never written in the topology", "the primary needs a master password source")
	case s.Env != "" && s.File != "":
		p.errorf(sp, "keep one", "give env or file, not both")
	case s.Env == "" && s.File == "":
		p.errorf(sp, "masterPasswordFrom: {env: NAME} or {file: PATH}", "needs env or file")
	case s.Env != "" && !envRe.MatchString(s.Env):
		p.errorf(sp+".env", "name the variable, not its value", "%q is not an environment variable name", s.Env)
	}
}

// validateSecondaryCredentials refuses what AWS refuses on a cross-region
// replica cluster, quoting the error AWS would return at apply time.
func validateSecondaryCredentials(p *problems, r *Region, path string) {
	const hint = "remove it: a secondary replicates the primary's users and databases; only the primary region carries them"
	refuse := func(field, what string) {
		p.errorf(path+"."+field, hint,
			"must not be set on a secondary region; AWS refuses the cluster with \"InvalidParameterCombination: Cannot specify %s for cross region replication cluster\"", what)
	}
	if r.MasterUsername != "" {
		refuse("masterUsername", "user name")
	}
	if r.MasterPasswordFrom != nil {
		refuse("masterPasswordFrom", "password")
	}
	if r.DatabaseName != "" {
		refuse("databaseName", "database name")
	}
}
