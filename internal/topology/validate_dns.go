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
	hintPrivateChecks = "use type: alarm (the default: CloudWatch alarms and CLOUDWATCH_METRIC checks work for private endpoints), " +
		"or set publiclyAccessible: true in every region and let the health-checker ranges reach the port"
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
	valid, hint := oneOf(h.Type, Alarm, TCP, HTTP, HTTPS)
	if !valid {
		p.errorf(path+".type", hint, "%q is not a supported health-check type", h.Type)
	}
	if h.Type == Alarm {
		validateAlarms(p, h)
		return
	}
	if p.has(path + ".alarms") {
		p.errorf(path+".alarms", "remove alarms, or use type: alarm", "alarms configure type: alarm checks, not %s checks", h.Type)
	}
	if valid && h.Type != TCP {
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
	if valid && len(private) > 0 {
		p.errorf(path+".type", hintPrivateChecks, "a %s check needs public endpoints: Route 53 health checkers cannot reach private endpoints, and %s %s not publiclyAccessible",
			h.Type, strings.Join(private, ", "), map[bool]string{true: "is", false: "are"}[len(private) == 1])
	}
}

// maxAlarmWindow is CloudWatch's limit on Period × EvaluationPeriods for
// periods under an hour (one day).
const maxAlarmWindow = 86400

func validateAlarms(p *problems, h *HealthChecks) {
	const path = "dns.healthChecks"
	for _, f := range []string{"interval", "threshold", "port"} {
		if p.has(path + "." + f) {
			p.warnf(path+"."+f, "alarm checks follow CloudWatch alarms: set dns.healthChecks.alarms.period and evaluationPeriods instead",
				"%s is ignored by type: alarm checks", f)
		}
	}
	a := h.Alarms
	const ap = path + ".alarms"
	if ok, hint := oneOf(a.Metric, EngineUptime, Canary); !ok {
		p.errorf(ap+".metric", hint, "%q is not a metric health alarms can watch", a.Metric)
	}
	switch {
	case a.Period < 60 || a.Period%60 != 0:
		p.errorf(ap+".period", "Route 53 follows standard-resolution alarms only: 60, 120, 180, …",
			"must be a multiple of 60 seconds, not %d", a.Period)
	case a.EvaluationPeriods < 1:
		p.errorf(ap+".evaluationPeriods", "how many periods in a row must breach", "must be 1 or more, not %d", a.EvaluationPeriods)
	case a.Period < 3600 && a.Period*a.EvaluationPeriods > maxAlarmWindow:
		p.errorf(ap+".evaluationPeriods", "CloudWatch caps period × evaluationPeriods at one day for periods under an hour",
			"%d × %d s is more than %d s", a.EvaluationPeriods, a.Period, maxAlarmWindow)
	}
	if ok, hint := oneOf(a.InsufficientData, InsufficientUnhealthy, InsufficientHealthy, InsufficientLastKnown); !ok {
		p.errorf(ap+".insufficientData", hint, "%q is not a Route 53 InsufficientDataHealthStatus", a.InsufficientData)
	} else if a.InsufficientData != InsufficientUnhealthy {
		p.warnf(ap+".insufficientData", "use Unhealthy so that a region whose CloudWatch goes silent fails over",
			"with %s, a region whose alarm data stops (the whole region out) can stay healthy in Route 53", a.InsufficientData)
	}
	if a.RPOLagThresholdMs < 1 {
		p.errorf(ap+".rpoLagThresholdMs", "the AuroraGlobalDBRPOLag, in milliseconds, that raises the lag alarm, e.g. 30000",
			"must be 1 or more, not %d", a.RPOLagThresholdMs)
	}
}
