package topology

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/globaldb/globaldb/internal/regions"
)

var (
	domainRe = regexp.MustCompile(`^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	zoneIDRe = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	vpcRe    = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

const (
	maxRecommendedTTL = 60
	hintPrivateChecks = "Route 53 health checkers run outside your VPC; set publiclyAccessible: true (and let the health-checker ranges reach the port), " +
		"or drop healthChecks and use CloudWatch-metric health checks fed by an in-VPC canary, or Route 53 ARC routing controls"
)

func validateDNS(p *problems, t *Topology) {
	d := t.DNS
	validateZone(p, &d.HostedZone)
	if w := d.Writer; w != nil {
		validateRecordName(p, d, w.Name, "dns.writerRecord.name")
		switch {
		case w.Routing == Failover && w.Target == GlobalWriterEndpoint:
			p.errorf("dns.writerRecord.routing", "use routing: simple with the global writer endpoint (Aurora moves it), or target: cluster-endpoints",
				"failover routing needs one target per region, but the global writer endpoint is a single name")
		case w.Routing == Simple && w.Target == ClusterEndpoints:
			p.errorf("dns.writerRecord.routing", "use routing: failover so Route 53 picks the healthy region's cluster endpoint",
				"simple routing cannot choose between the regions' cluster endpoints")
		}
		if ok, hint := oneOf(w.Routing, Failover, Simple); !ok {
			p.errorf("dns.writerRecord.routing", hint, "%q is not a routing policy for the writer record", w.Routing)
		}
		if ok, hint := oneOf(w.Target, ClusterEndpoints, GlobalWriterEndpoint); !ok {
			p.errorf("dns.writerRecord.target", hint, "%q is not a writer target", w.Target)
		}
		if w.Routing == Failover && d.HealthChecks == nil {
			p.warnf("dns.writerRecord", "add dns.healthChecks", "failover records without health checks never fail over: Route 53 keeps answering the primary's record")
		}
	}
	if r := d.Reader; r != nil {
		validateRecordName(p, d, r.Name, "dns.readerRecord.name")
		if ok, hint := oneOf(r.Routing, Latency); !ok {
			p.errorf("dns.readerRecord.routing", hint, "%q is not a routing policy for the reader record", r.Routing)
		}
		if d.Writer != nil && d.Writer.Name == r.Name && r.Name != "" {
			p.errorf("dns.readerRecord.name", "give the reader record its own name", "is the writer record's name")
		}
	}
	switch {
	case d.TTL < 0:
		p.errorf("dns.ttl", "", "must be 0 or more seconds")
	case d.TTL > maxRecommendedTTL:
		p.warnf("dns.ttl", "clients keep a stale answer for up to the TTL after failover (interval × threshold + TTL); AWS recommends 60 s or less with health checks",
			"%d s is above %d s", d.TTL, maxRecommendedTTL)
	}
	if h := d.HealthChecks; h != nil {
		validateHealthChecks(p, t, h)
	}
}

func validateZone(p *problems, z *HostedZone) {
	const path = "dns.hostedZone"
	switch {
	case z.Name == "":
		p.errorf(path+".name", "the domain the records live in, e.g. db.example.com", "is required")
	case !domainRe.MatchString(z.Name):
		p.errorf(path+".name", "", "%q is not a domain name", z.Name)
	}
	if z.ID != "" && !zoneIDRe.MatchString(z.ID) {
		hint := "the ID from aws route53 list-hosted-zones-by-name, e.g. Z0123456789ABCDEFGHIJ"
		if strings.HasPrefix(z.ID, "/hostedzone/") {
			hint = "drop the /hostedzone/ prefix"
		}
		p.errorf(path+".id", hint, "%q is not a hosted zone ID", z.ID)
	}
	switch {
	case z.VPC != nil && !z.Private:
		p.errorf(path+".vpc", "set private: true, or remove vpc", "a VPC is only associated with a private hosted zone")
	case z.Private && z.ID == "" && z.VPC == nil:
		p.errorf(path+".vpc", "vpc: {id: vpc-…, region: …}", "is required to create a private hosted zone")
	case z.VPC != nil:
		if !vpcRe.MatchString(z.VPC.ID) {
			p.errorf(path+".vpc.id", "e.g. vpc-0123456789abcdef0", "%q is not a VPC ID", z.VPC.ID)
		}
		if _, ok := regions.Lookup(z.VPC.Region); !ok {
			p.errorf(path+".vpc.region", "the region of the VPC, e.g. ap-southeast-1", "%q is not an AWS region", z.VPC.Region)
		}
	}
}

func validateRecordName(p *problems, d *DNS, name, path string) {
	zone := d.HostedZone.Name
	switch {
	case name == "":
		p.errorf(path, "e.g. writer."+orExample(zone), "is required")
	case !domainRe.MatchString(name):
		p.errorf(path, "", "%q is not a domain name", name)
	case zone != "" && name != zone && !strings.HasSuffix(name, "."+zone):
		p.errorf(path, "use a name ending in ."+zone, "%q is not in the hosted zone %s", name, zone)
	}
}

func orExample(zone string) string {
	if zone == "" {
		return "db.example.com"
	}
	return zone
}

func validateHealthChecks(p *problems, t *Topology, h *HealthChecks) {
	const path = "dns.healthChecks"
	if ok, hint := oneOf(h.Type, TCP, HTTP, HTTPS); !ok {
		p.errorf(path+".type", hint, "%q is not a supported health-check type", h.Type)
	} else if h.Type != TCP {
		p.warnf(path+".type", "use type: TCP for a database endpoint",
			"PostgreSQL does not answer %s; the check fails unless something on port %d does", h.Type, h.Port)
	}
	if h.Interval != 10 && h.Interval != 30 {
		p.errorf(path+".interval", "Route 53 checks every 10 or 30 seconds (10 costs extra)", "must be 10 or 30, not %d", h.Interval)
	}
	if h.Threshold < 1 || h.Threshold > 10 {
		p.errorf(path+".threshold", "failures in a row before the endpoint counts as unhealthy", "must be 1 to 10, not %d", h.Threshold)
	}
	if h.Port < 1 || h.Port > 65535 {
		p.errorf(path+".port", "", "must be 1 to 65535, not %d", h.Port)
	}
	var private []string
	for i, r := range t.Regions {
		if !r.Network.PubliclyAccessible {
			private = append(private, fmt.Sprintf("regions[%d] (%s)", i, r.Name))
		}
	}
	if len(private) > 0 {
		p.errorf(path, hintPrivateChecks, "Route 53 health checkers cannot reach private endpoints, and %s %s not publiclyAccessible",
			strings.Join(private, ", "), map[bool]string{true: "is", false: "are"}[len(private) == 1])
	}
}
