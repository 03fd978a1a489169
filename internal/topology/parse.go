package topology

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads, parses and validates the topology file at path. See Parse.
func Load(path string) (*Topology, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read topology: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes the topology document data, fills in defaults and validates
// it. name is used in error messages and to resolve a relative password file.
// On failure the error joins (errors.Join) one *Error per problem, in file
// order, and the Topology is nil. Parse reads no secret.
func Parse(name string, data []byte) (*Topology, error) {
	p := newProblems(name)
	root, err := document(name, data)
	if err != nil {
		return nil, err
	}
	p.at[""] = position{root.Line, root.Column}
	t := &Topology{File: name}
	d := &decoder{p}
	d.topology(root, filepath.Dir(name), t)
	if len(p.errs) == 0 {
		setDefaults(p, t)
		validate(p, t)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	t.Warnings = p.sortedWarnings()
	return t, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document parses data as exactly one YAML document and returns its root.
func document(name string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: name, Msg: "the file is empty", Hint: "start from examples/global.yaml"}
		}
		e := &Error{File: name, Msg: err.Error(), Hint: "check the indentation (spaces, not tabs) and quoting"}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = "invalid YAML: " + m[2]
		}
		return nil, e
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		e := &Error{File: name, Msg: "more than one YAML document", Hint: "keep one topology per file; remove the second '---'"}
		if err == nil {
			e.Line = next.Line
		}
		return nil, e
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if isNull(root) {
		return nil, &Error{File: name, Line: root.Line, Column: root.Column, Msg: "the file is empty", Hint: "start from examples/global.yaml"}
	}
	return root, nil
}

// topology decodes the top-level mapping.
func (d *decoder) topology(n *yaml.Node, dir string, t *Topology) {
	d.object(n, "", []field{
		{"name", d.str(&t.Name)},
		{"engine", d.str(&t.Engine)},
		{"engineVersion", d.str(&t.EngineVersion)},
		{"instanceClass", d.str(&t.InstanceClass)},
		{"storageEncrypted", d.boolean(&t.StorageEncrypted)},
		{"deletionProtection", d.boolean(&t.DeletionProtection)},
		{"tags", d.strMap(&t.Tags)},
		{"regions", func(v *yaml.Node, path string) {
			d.list(v, path, func(item *yaml.Node, ip string) {
				var r Region
				d.region(item, ip, dir, &r)
				t.Regions = append(t.Regions, r)
			})
		}},
		{"dns", func(v *yaml.Node, path string) {
			t.DNS = &DNS{}
			d.dns(v, path, t.DNS)
		}},
		{"iam", func(v *yaml.Node, path string) { d.iam(v, path, &t.IAM) }},
		{"automation", func(v *yaml.Node, path string) {
			t.Automation = &Automation{}
			d.automation(v, path, t.Automation)
		}},
	})
}

func (d *decoder) region(n *yaml.Node, path, dir string, r *Region) {
	d.object(n, path, []field{
		{"name", d.str(&r.Name)},
		{"role", func(v *yaml.Node, p string) {
			var s string
			d.str(&s)(v, p)
			r.Role = Role(s)
		}},
		{"instances", func(v *yaml.Node, p string) { d.instances(v, p, r) }},
		{"network", func(v *yaml.Node, p string) {
			nw := &r.Network
			d.object(v, p, []field{
				{"subnetGroup", d.str(&nw.SubnetGroup)},
				{"subnetIds", d.strList(&nw.SubnetIDs)},
				{"securityGroups", d.strList(&nw.SecurityGroups)},
				{"publiclyAccessible", d.boolean(&nw.PubliclyAccessible)},
			})
		}},
		{"kmsKeyId", d.str(&r.KMSKeyID)},
		{"clusterParameterGroup", d.str(&r.ClusterParameterGroup)},
		{"masterUsername", d.str(&r.MasterUsername)},
		{"masterPasswordFrom", func(v *yaml.Node, p string) {
			s := &SecretSource{dir: dir}
			d.object(v, p, []field{{"env", d.str(&s.Env)}, {"file", d.str(&s.File)}})
			declared := p // errors at resolve time point at the env or file key
			if d.has(p + ".env") {
				declared = p + ".env"
			} else if d.has(p + ".file") {
				declared = p + ".file"
			}
			pos := d.locate(declared)
			s.decl = Error{File: d.file, Line: pos.line, Column: pos.column, Field: declared}
			r.MasterPasswordFrom = s
		}},
		{"databaseName", d.str(&r.DatabaseName)},
		{"writeForwarding", func(v *yaml.Node, p string) {
			var s string
			d.str(&s)(v, p)
			r.WriteForwarding = WriteForwarding(s)
		}},
		{"writeForwardingConsistency", d.str(&r.WriteForwardingConsistency)},
	})
}

// instances decodes a count ("instances: 2") or a list whose items are an
// AZ name or a mapping {az: NAME}.
func (d *decoder) instances(n *yaml.Node, path string, r *Region) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		count, err := strconv.Atoi(n.Value)
		if err == nil && count >= 0 && count <= 100 {
			r.Instances = make([]Instance, count)
			return
		}
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(path, "write a count (instances: 2) or a list of AZs (instances: [{az: ap-southeast-1a}, {az: ap-southeast-1b}])",
			"must be a number of instances or a list of instances, not %s", describe(n))
		return
	}
	r.Instances = []Instance{} // an empty list is zero instances, not "unset"
	d.list(n, path, func(item *yaml.Node, ip string) {
		var in Instance
		if it := resolve(item); it.Kind == yaml.ScalarNode {
			d.str(&in.AZ)(it, ip)
		} else {
			d.object(item, ip, []field{{"az", d.str(&in.AZ)}})
		}
		r.Instances = append(r.Instances, in)
	})
}

func (d *decoder) dns(n *yaml.Node, path string, dns *DNS) {
	dns.TTL = -1 // unset; see setDefaults
	d.object(n, path, []field{
		{"hostedZone", func(v *yaml.Node, p string) {
			z := &dns.HostedZone
			d.object(v, p, []field{
				{"name", d.str(&z.Name)},
				{"id", d.str(&z.ID)},
				{"private", d.boolean(&z.Private)},
				{"vpc", func(v *yaml.Node, p string) {
					z.VPC = &VPC{}
					d.object(v, p, []field{{"id", d.str(&z.VPC.ID)}, {"region", d.str(&z.VPC.Region)}})
				}},
			})
		}},
		{"writerRecord", func(v *yaml.Node, p string) {
			w := &WriterRecord{}
			var routing, target string
			d.object(v, p, []field{{"name", d.str(&w.Name)}, {"routing", d.str(&routing)}, {"target", d.str(&target)}})
			w.Routing, w.Target = Routing(routing), WriterTarget(target)
			dns.Writer = w
		}},
		{"readerRecord", func(v *yaml.Node, p string) {
			r := &ReaderRecord{}
			var routing string
			d.object(v, p, []field{{"name", d.str(&r.Name)}, {"routing", d.str(&routing)}})
			r.Routing = Routing(routing)
			dns.Reader = r
		}},
		{"ttl", d.integer(&dns.TTL)},
		{"healthChecks", func(v *yaml.Node, p string) {
			h := &HealthChecks{}
			var typ string
			d.object(v, p, []field{
				{"type", d.str(&typ)},
				{"interval", d.integer(&h.Interval)},
				{"threshold", d.integer(&h.Threshold)},
				{"port", d.integer(&h.Port)},
				{"alarms", func(v *yaml.Node, p string) {
					a := &Alarms{}
					var metric string
					d.object(v, p, []field{
						{"metric", d.str(&metric)},
						{"period", d.integer(&a.Period)},
						{"evaluationPeriods", d.integer(&a.EvaluationPeriods)},
						{"insufficientData", d.str(&a.InsufficientData)},
						{"rpoLagThresholdMs", d.integer(&a.RPOLagThresholdMs)},
					})
					a.Metric = AlarmMetric(metric)
					h.Alarms = a
				}},
			})
			h.Type = healthCheckType(typ)
			dns.HealthChecks = h
		}},
	})
}

func (d *decoder) iam(n *yaml.Node, path string, iam *IAM) {
	role := func(dst **RoleDecl) func(*yaml.Node, string) {
		return func(v *yaml.Node, p string) {
			*dst = &RoleDecl{}
			d.object(v, p, []field{{"name", d.str(&(*dst).Name)}})
		}
	}
	d.object(n, path, []field{
		{"monitoringRole", role(&iam.MonitoringRole)},
		{"appRole", func(v *yaml.Node, p string) {
			iam.AppRole = &AppRole{}
			d.object(v, p, []field{{"name", d.str(&iam.AppRole.Name)}, {"dbUser", d.str(&iam.AppRole.DBUser)}})
		}},
		{"operatorRole", role(&iam.OperatorRole)},
	})
}

// healthCheckType reads a health-check type: "alarm" and "tcp" in any
// case (the docs write alarm and TCP); the others as written.
func healthCheckType(s string) HealthCheckType {
	for _, t := range []HealthCheckType{Alarm, TCP} {
		if strings.EqualFold(s, string(t)) {
			return t
		}
	}
	return HealthCheckType(s)
}
