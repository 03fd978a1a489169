package topology

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/globaldb/globaldb/internal/orderable"
)

var (
	stackNameRe  = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	versionRe    = regexp.MustCompile(`^\d+\.\d+(\.\d+)?$`)
	classRe      = regexp.MustCompile(`^db\.[a-z0-9-]+\.[a-z0-9]+$`)
	pgNameRe     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,62}$`)
	iamRoleRe    = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	maxStackName = 40
)

// validate checks a decoded topology whose defaults are set, recording every
// problem in p.
func validate(p *problems, t *Topology) {
	validateStack(p, t)
	validateTags(p, t)
	validateRegions(p, t)
	if t.DNS != nil {
		validateDNS(p, t)
	}
	validateIAM(p, t)
	if t.Automation != nil {
		validateAutomation(p, t)
	}
}

func validateStack(p *problems, t *Topology) {
	switch {
	case t.Name == "":
		p.errorf("name", "name the stack, e.g. name: seed; every resource name derives from it", "is required")
	case len(t.Name) > maxStackName || !stackNameRe.MatchString(t.Name):
		p.errorf("name", "resource identifiers are built from it and AWS allows lowercase letters, digits and single hyphens",
			"%q must be 1 to %d lowercase letters, digits and hyphens, starting with a letter", t.Name, maxStackName)
	}
	switch t.Engine {
	case DefaultEngine:
	case "aurora-mysql":
		p.errorf("engine", "use aurora-postgresql", "aurora-mysql is not supported yet")
	default:
		p.errorf("engine", suggest(t.Engine, []string{DefaultEngine}), "%q is not a supported engine", t.Engine)
	}
	switch {
	case t.EngineVersion == "":
		p.errorf("engineVersion", `quote it so YAML keeps it a string, e.g. engineVersion: "15.10"`, "is required")
	case !versionRe.MatchString(t.EngineVersion):
		p.errorf("engineVersion", `e.g. engineVersion: "15.10"; aws rds describe-db-engine-versions --engine aurora-postgresql lists versions with SupportsGlobalDatabases`,
			"%q is not an engine version", t.EngineVersion)
	}
	validateClass(p, t)
}

// validateClass refuses a class AWS does not offer for the engine (RDS
// would refuse it halfway through an apply, after the clusters exist) and
// warns about burstable classes, which Aurora Global Database does not
// take (it requires memory-optimized classes).
func validateClass(p *problems, t *Topology) {
	class := t.InstanceClass
	if class != "db.serverless" && !classRe.MatchString(class) {
		p.errorf("instanceClass", "e.g. db.r6g.large", "%q is not a DB instance class", class)
		return
	}
	if t.Engine != orderable.AuroraPostgreSQL {
		return
	}
	listHint := "aws rds describe-orderable-db-instance-options --engine " + t.Engine + " lists the classes AWS offers; e.g. db.r6g.large"
	o, ok := orderable.Lookup(t.Engine, class)
	switch {
	case !ok:
		hint := listHint
		if best, near := closest(class, orderable.Classes(t.Engine)); near {
			hint = "did you mean " + strconv.Quote(best) + "?"
		}
		p.errorf("instanceClass", hint, "%s is not a DB instance class %s offers", class, t.Engine)
	case versionRe.MatchString(t.EngineVersion) && !o.Offers(t.EngineVersion):
		p.errorf("instanceClass", listHint, "%s is not offered for %s %s", class, t.Engine, t.EngineVersion)
	case o.Kind == orderable.Burstable:
		p.warnf("instanceClass", "use a memory-optimized class such as db.r6g.large",
			"Aurora Global Database requires memory-optimized instance classes (db.r5 or higher); %s may be refused", class)
	}
}

func validateTags(p *problems, t *Topology) {
	for k, v := range t.Tags {
		path := "tags." + k
		switch {
		case k == StackTag && p.has(path):
			p.errorf(path, "remove it; globaldb tags every resource with globaldb:stack: <name> itself", "%s is reserved", StackTag)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			p.errorf(path, "", "tag keys starting with aws: are reserved by AWS")
		case len(k) > 128:
			p.errorf(path, "", "tag keys are at most 128 characters")
		case len(v) > 256:
			p.errorf(path, "", "tag values are at most 256 characters")
		}
	}
}

func validateIAM(p *problems, t *Topology) {
	seen := map[string]string{}
	check := func(path, name string) {
		path += ".name"
		if !iamRoleRe.MatchString(name) {
			p.errorf(path, "letters, digits and +=,.@_- only", "%q is not a valid IAM role name (1 to 64 characters)", name)
			return
		}
		if other, dup := seen[name]; dup {
			p.errorf(path, "give each role its own name", "role name %q is also used by %s", name, other)
			return
		}
		seen[name] = path
	}
	if r := t.IAM.MonitoringRole; r != nil {
		check("iam.monitoringRole", r.Name)
	}
	if r := t.IAM.AppRole; r != nil {
		check("iam.appRole", r.Name)
		switch {
		case r.DBUser == "":
			p.errorf("iam.appRole.dbUser", "the database user the application logs in as with an IAM token, e.g. dbUser: app", "is required")
		case !pgNameRe.MatchString(r.DBUser):
			p.errorf("iam.appRole.dbUser", "", "%q is not a database user name", r.DBUser)
		}
	}
	if r := t.IAM.OperatorRole; r != nil {
		check("iam.operatorRole", r.Name)
	}
}

// oneOf reports whether s is among values, and otherwise a hint.
func oneOf[T ~string](s T, values ...T) (bool, string) {
	names := make([]string, len(values))
	for i, v := range values {
		if v == s {
			return true, ""
		}
		names[i] = strconv.Quote(string(v))
	}
	hint := "one of " + strings.Join(names, ", ")
	for _, v := range values {
		if strings.EqualFold(string(v), string(s)) {
			hint = "did you mean " + strconv.Quote(string(v)) + "? (case matters)"
		}
	}
	return false, hint
}
