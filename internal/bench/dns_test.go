package bench

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// BenchmarkRoute53DNS measures how long a failover record takes to flip
// after its primary endpoint stops answering, beside its floor (request
// interval × failure threshold, scaled), and how many queries per second
// the DNS server answers.
func BenchmarkRoute53DNS(b *testing.B) {
	for i := 0; i < b.N; i++ {
		rows := dnsFigures(b)
		fmt.Println()
		fmt.Printf("%-55s %-22s %s\n", "figure (Route 53 on the emulator)", "measured", "goal")
		for _, r := range rows {
			fmt.Printf("%-55s %-22s %s\n", r.name, r.value, r.goal)
		}
	}
}

func dnsFigures(b *testing.B) []row {
	const scale, interval, threshold = 0.05, 10, 3
	e := emulatortest.StartScaled(b, scale)
	ctx := context.Background()
	r53 := route53.New(route53.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.Endpoint()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	zone, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("bench.example"), CallerReference: aws.String("bench")})
	if err != nil {
		b.Fatal(err)
	}
	primary, secondary := listenTCP(b), listenTCP(b)
	check := func(ref string, l net.Listener) *string {
		a := l.Addr().(*net.TCPAddr)
		out, err := r53.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: aws.String(ref), HealthCheckConfig: &r53types.HealthCheckConfig{
			Type: r53types.HealthCheckTypeTcp, IPAddress: aws.String(a.IP.String()), Port: aws.Int32(int32(a.Port)),
			RequestInterval: aws.Int32(interval), FailureThreshold: aws.Int32(threshold)}})
		if err != nil {
			b.Fatal(err)
		}
		return out.HealthCheck.Id
	}
	rec := func(id string, role r53types.ResourceRecordSetFailover, ip string, hc *string) r53types.Change {
		return r53types.Change{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String("db.bench.example"),
			Type: r53types.RRTypeA, TTL: aws.Int64(5), SetIdentifier: aws.String(id), Failover: role, HealthCheckId: hc,
			ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(ip)}}}}
	}
	if _, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id, ChangeBatch: &r53types.ChangeBatch{
		Changes: []r53types.Change{rec("p", r53types.ResourceRecordSetFailoverPrimary, "192.0.2.1", check("p", primary)),
			rec("s", r53types.ResourceRecordSetFailoverSecondary, "192.0.2.2", check("s", secondary))}}}); err != nil {
		b.Fatal(err)
	}
	time.Sleep(time.Duration(float64(interval*time.Second) * scale * 2)) // let the checkers settle (a measurement window)
	primary.Close()
	start := time.Now()
	for answerA(e.DNSAddr(), "db.bench.example.") != "192.0.2.2" {
		if time.Since(start) > time.Minute {
			b.Fatal("no flip")
		}
	}
	flip := time.Since(start)
	floor := time.Duration(float64(interval*threshold*time.Second) * scale)
	qps := measureQPS(e.DNSAddr(), "db.bench.example.", 2*time.Second)
	return []row{
		{fmt.Sprintf("failover flip after the primary dies (interval %ds x threshold %d, scale %.2f)", interval, threshold, scale), ms(flip),
			fmt.Sprintf("floor %s (<= floor + 1 s)", ms(floor))},
		{"DNS queries answered per second (4 UDP clients, failover record)", fmt.Sprintf("%.0f", qps), ""},
	}
}

func listenTCP(b *testing.B) net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	b.Cleanup(func() { l.Close() })
	return l
}

func answerA(server, name string) string {
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeA)
	r, _, err := new(dns.Client).Exchange(m, server)
	if err != nil {
		return ""
	}
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			return a.A.String()
		}
	}
	return ""
}

// measureQPS sends queries from 4 UDP clients for d and returns answers/s.
func measureQPS(server, name string, d time.Duration) float64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := new(dns.Client)
			conn, err := c.Dial(server)
			if err != nil {
				return
			}
			defer conn.Close()
			m := new(dns.Msg)
			m.SetQuestion(name, dns.TypeA)
			for time.Now().Before(stop) {
				if _, _, err := c.ExchangeWithConn(m, conn); err == nil {
					n.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds()
}
