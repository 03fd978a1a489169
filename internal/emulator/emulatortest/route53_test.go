package emulatortest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/regions"
	"github.com/globaldb/globaldb/internal/runbook"
)

func route53Client(e *emulator.Emulator) *route53.Client {
	return route53.New(route53.Options{Region: "ap-southeast-1", BaseEndpoint: aws.String(e.Endpoint()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}

// queryDNS asks the emulator's DNS server over UDP and returns the
// answer's final values (CNAME targets and addresses, in order).
func queryDNS(t *testing.T, e *emulator.Emulator, name string, qtype uint16) []string {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	r, _, err := new(dns.Client).Exchange(m, e.DNSAddr())
	if err != nil {
		t.Fatalf("query %s: %v", name, err)
	}
	var out []string
	for _, rr := range r.Answer {
		switch v := rr.(type) {
		case *dns.CNAME:
			out = append(out, v.Target)
		case *dns.A:
			out = append(out, v.A.String())
		}
	}
	return out
}

// TestRoute53_FailoverRecords: failover records with TCP health checks on
// the two regions' endpoints answer the primary; a region outage flips
// the answer to the secondary within interval × threshold (scaled) plus
// a second, and healing flips it back.
func TestRoute53_FailoverRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	const scale = 0.05 // 10 s health-check intervals take 0.5 s
	e := emulatortest.StartScaled(t, scale)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := seedSpec(e, "r53")
	s.Primary.Instances = []runbook.Instance{{ID: "r53-apse1-1", AZ: "ap-southeast-1a", Public: true}}
	s.Secondaries[0].Instances = []runbook.Instance{{ID: "r53-apse2-1", AZ: "ap-southeast-2a", Public: true}}
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatalf("up: %v", err)
	}
	pe, _ := runbook.ClusterEndpoints(ctx, s.Primary)
	se, _ := runbook.ClusterEndpoints(ctx, s.Secondaries[0])
	r53 := route53Client(e)
	zone, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("example.com"), CallerReference: aws.String("zone-1")})
	if err != nil {
		t.Fatalf("create hosted zone: %v", err)
	}
	if zone.Location == nil || !strings.Contains(*zone.Location, "/hostedzone/") {
		t.Errorf("CreateHostedZone Location = %v", zone.Location)
	}
	check := func(ref, fqdn string) string {
		out, err := r53.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: aws.String(ref), HealthCheckConfig: &r53types.HealthCheckConfig{
			Type: r53types.HealthCheckTypeTcp, FullyQualifiedDomainName: aws.String(fqdn), Port: aws.Int32(5432),
			RequestInterval: aws.Int32(10), FailureThreshold: aws.Int32(2)}})
		if err != nil {
			t.Fatalf("create health check: %v", err)
		}
		return aws.ToString(out.HealthCheck.Id)
	}
	primaryCheck, secondaryCheck := check("hc-p", pe.Writer), check("hc-s", se.Reader)
	record := func(id, target, check string, role r53types.ResourceRecordSetFailover) r53types.Change {
		return r53types.Change{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: aws.String("db.example.com"), Type: r53types.RRTypeCname, TTL: aws.Int64(5), SetIdentifier: aws.String(id),
			Failover: role, HealthCheckId: aws.String(check), ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(target)}}}}
	}
	ch, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id,
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{
			record("primary", pe.Writer, primaryCheck, r53types.ResourceRecordSetFailoverPrimary),
			record("secondary", se.Reader, secondaryCheck, r53types.ResourceRecordSetFailoverSecondary)}}})
	if err != nil {
		t.Fatalf("create failover records: %v", err)
	}
	if ch.ChangeInfo.Status != r53types.ChangeStatusPending {
		t.Errorf("change status right after the call = %s, want PENDING", ch.ChangeInfo.Status)
	}
	waitFor(ctx, t, "the change to be INSYNC", func() bool {
		c, err := r53.GetChange(ctx, &route53.GetChangeInput{Id: ch.ChangeInfo.Id})
		return err == nil && c.ChangeInfo.Status == r53types.ChangeStatusInsync
	})
	answer := func() string {
		if a := queryDNS(t, e, "db.example.com", dns.TypeA); len(a) > 0 {
			return a[0]
		}
		return ""
	}
	if got := answer(); !strings.EqualFold(got, dns.Fqdn(pe.Writer)) {
		t.Fatalf("db.example.com → %q, want the primary %s", got, pe.Writer)
	}
	if a := queryDNS(t, e, "db.example.com", dns.TypeA); len(a) < 2 {
		t.Errorf("answer %v does not follow the CNAME to an address", a)
	}
	f, err := e.Faults().Add(ctx, faults.Fault{Kind: faults.RegionOutage, Region: s.Primary.Name})
	if err != nil {
		t.Fatal(err)
	}
	outage := time.Now()
	waitFor(ctx, t, "DNS to answer the secondary", func() bool { return strings.EqualFold(answer(), dns.Fqdn(se.Reader)) })
	flip := time.Since(outage)
	floor := time.Duration(float64(10*time.Second) * scale * 2)
	t.Logf("DNS flipped to the secondary %v after the outage (floor interval × threshold = %v)", flip, floor)
	if flip > floor+time.Second {
		t.Errorf("flip took %v, more than interval × threshold (%v) + 1 s", flip, floor)
	}
	st, err := r53.GetHealthCheckStatus(ctx, &route53.GetHealthCheckStatusInput{HealthCheckId: aws.String(primaryCheck)})
	if err != nil || len(st.HealthCheckObservations) < 3 || !strings.HasPrefix(aws.ToString(st.HealthCheckObservations[0].StatusReport.Status), "Failure") {
		t.Errorf("primary check status during the outage: %v %+v", err, st)
	}
	if err := e.Faults().Clear(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "DNS to answer the primary again", func() bool { return strings.EqualFold(answer(), dns.Fqdn(pe.Writer)) })
}

// TestRoute53_PrivateEndpointCheck: Route 53 cannot reach a DB instance
// that is not publicly accessible; its health check fails and says why.
func TestRoute53_PrivateEndpointCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers")
	}
	e := emulatortest.StartScaled(t, 0.05)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := seedSpec(e, "pv")
	s.Primary.Instances = s.Primary.Instances[:1] // not PubliclyAccessible
	s.Secondaries = nil
	if err := runbook.Up(ctx, s); err != nil {
		t.Fatalf("up: %v", err)
	}
	pe, _ := runbook.ClusterEndpoints(ctx, s.Primary)
	r53 := route53Client(e)
	out, err := r53.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: aws.String("pv"), HealthCheckConfig: &r53types.HealthCheckConfig{
		Type: r53types.HealthCheckTypeTcp, FullyQualifiedDomainName: aws.String(pe.Writer), Port: aws.Int32(5432),
		RequestInterval: aws.Int32(10), FailureThreshold: aws.Int32(1)}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the check on a private endpoint to fail with the reason", func() bool {
		st, err := r53.GetHealthCheckStatus(ctx, &route53.GetHealthCheckStatusInput{HealthCheckId: out.HealthCheck.Id})
		if err != nil || len(st.HealthCheckObservations) == 0 {
			return false
		}
		for _, o := range st.HealthCheckObservations {
			// One "Failure: " prefix, as Route 53 words it, then the reason.
			status := aws.ToString(o.StatusReport.Status)
			if !strings.HasPrefix(status, "Failure: Resolved IP address ") || !strings.Contains(status, "PubliclyAccessible") {
				return false
			}
		}
		return true
	})
}

// TestRoute53_WeightedAndLatency: weighted answers follow the weights;
// latency answers follow the client's region.
func TestRoute53_WeightedAndLatency(t *testing.T) {
	e := emulatortest.StartScaled(t, 0.05)
	ctx := context.Background()
	r53 := route53Client(e)
	zone, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("example.org"), CallerReference: aws.String("z")})
	if err != nil {
		t.Fatal(err)
	}
	rr := func(name, id, value string, weight *int64, region r53types.ResourceRecordSetRegion) r53types.Change {
		return r53types.Change{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: aws.String(name), Type: r53types.RRTypeA, TTL: aws.Int64(60), SetIdentifier: aws.String(id), Weight: weight, Region: region,
			ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(value)}}}}
	}
	if _, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id,
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{
			rr("w.example.org", "a", "192.0.2.1", aws.Int64(1), ""), rr("w.example.org", "b", "192.0.2.2", aws.Int64(3), ""),
			rr("l.example.org", "sg", "192.0.2.10", nil, r53types.ResourceRecordSetRegionApSoutheast1),
			rr("l.example.org", "us", "192.0.2.20", nil, r53types.ResourceRecordSetRegionUsEast1)}}}); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for i := 0; i < 400; i++ {
		a := queryDNS(t, e, "w.example.org", dns.TypeA)
		if len(a) == 1 {
			counts[a[0]]++
		}
	}
	if share := float64(counts["192.0.2.2"]) / 400; share < 0.6 || share > 0.9 {
		t.Errorf("weight-3 record answered %.0f%% of 400 queries (%v), want about 75%%", share*100, counts)
	}
	// The emulator's default client region is us-east-1 (docs/emulator.md).
	if a := queryDNS(t, e, "l.example.org", dns.TypeA); len(a) != 1 || a[0] != "192.0.2.20" {
		t.Errorf("latency answer for a us-east-1 client = %v, want 192.0.2.20", a)
	}
	tr, err := r53.TestDNSAnswer(ctx, &route53.TestDNSAnswerInput{HostedZoneId: zone.HostedZone.Id, RecordName: aws.String("l.example.org"),
		RecordType: r53types.RRTypeA, ResolverIP: aws.String(fmt.Sprintf("127.250.%d.1", regionIndex(t, "ap-southeast-1")))})
	if err != nil || len(tr.RecordData) != 1 || tr.RecordData[0] != "192.0.2.10" {
		t.Errorf("TestDNSAnswer from an ap-southeast-1 resolver = %+v, %v; want 192.0.2.10", tr, err)
	}
}

func regionIndex(t *testing.T, name string) int {
	for i, r := range regions.All() {
		if r.Name == name {
			return i
		}
	}
	t.Fatalf("unknown region %s", name)
	return 0
}
