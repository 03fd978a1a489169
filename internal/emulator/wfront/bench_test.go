package wfront

import (
	"context"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/globaldb/globaldb/internal/emulator/netsim"
)

// benchOneWay is the simulated one-way delay between the regions
// (us-east-1 to eu-west-1 is about 95 ms round trip).
const benchOneWay = 47500 * time.Microsecond

// benchFront is a front on the shared standby forwarding over a link
// with benchOneWay of delay each way.
func benchFront(b *testing.B) (*cluster, *testFront, *netsim.Proxy) {
	c := testCluster(b)
	wan := netsim.NewNetwork(nil, func(_, _ string) time.Duration { return benchOneWay })
	b.Cleanup(func() { wan.Close() })
	px, err := wan.Proxy(context.Background(), "sec", "pri", "127.0.0.1:0", c.primary.Addr())
	if err != nil {
		b.Fatal(err)
	}
	p := forwarding()
	p.WriterAddr = px.Addr()
	return c, c.front(b, p), px
}

// BenchmarkForwardedInsertThroughput runs autocommit INSERTs from 8
// client sessions at once through one front over the link and reports
// forwarded inserts per second.
func BenchmarkForwardedInsertThroughput(b *testing.B) {
	_, f, _ := benchFront(b)
	const sessions = 8
	ctx := context.Background()
	conns := make([]*pgx.Conn, sessions)
	for i := range conns {
		conns[i] = f.connect(b, pgx.QueryExecModeCacheStatement)
		if _, err := conns[i].Exec(ctx, "INSERT INTO t VALUES ($1, 'warm')", newID()); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for _, conn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'bench')", newID()); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "inserts/s")
}

// BenchmarkForwardedInsert measures an autocommit INSERT forwarded from
// the standby's front to the primary over a link with benchOneWay of
// delay each way, next to the same INSERT made on the primary directly
// and to a bare round trip over the link. Run it with -benchtime=100x.
func BenchmarkForwardedInsert(b *testing.B) {
	c, f, px := benchFront(b)
	ctx := context.Background()
	fwd := f.connect(b, pgx.QueryExecModeCacheStatement)
	direct, err := c.sup.Connect(ctx, c.primary, "postgres")
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close(ctx)
	insert := func(conn *pgx.Conn) time.Duration {
		start := time.Now()
		if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'bench')", newID()); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	insert(fwd) // open the forwarding session and prepare
	insert(direct)
	var fw, dr []time.Duration
	b.ResetTimer()
	for range b.N {
		fw = append(fw, insert(fwd))
	}
	b.StopTimer()
	for range min(b.N, 200) {
		dr = append(dr, insert(direct))
	}
	rtt := linkRTT(b, px.Addr())
	report(b, fw, "fwd")
	report(b, dr, "direct")
	b.ReportMetric(float64(rtt.Microseconds())/1000, "link-rtt-ms")
}

func report(b *testing.B, d []time.Duration, name string) {
	slices.Sort(d)
	q := func(p float64) float64 { return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), name+"-p50-ms")
	b.ReportMetric(q(0.99), name+"-p99-ms")
}

// linkRTT is the median time of a bare TCP round trip over the link: an
// SSLRequest to the primary answered with one byte.
func linkRTT(b *testing.B, addr string) time.Duration {
	var d net.Dialer
	var rtts []time.Duration
	for range 5 {
		conn, err := d.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := conn.Write([]byte{0, 0, 0, 8, 4, 210, 22, 47}); err != nil {
			b.Fatal(err)
		}
		var one [1]byte
		if _, err := conn.Read(one[:]); err != nil {
			b.Fatal(err)
		}
		rtts = append(rtts, time.Since(start))
		conn.Close()
	}
	slices.Sort(rtts)
	return rtts[len(rtts)/2]
}

// BenchmarkForwardedFirstWrite measures the first INSERT of a new client
// session, which opens the session's forwarding connection to the writer
// over the link (TCP, startup, authentication, the session's settings:
// several round trips) before the statement's own round trip: the slow
// tail of a drill's forwarded-write latencies, one per client session.
// Run it with -benchtime=20x.
func BenchmarkForwardedFirstWrite(b *testing.B) {
	_, f, px := benchFront(b)
	ctx := context.Background()
	var first, second []time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		conn := f.connect(b, pgx.QueryExecModeCacheStatement)
		b.StartTimer()
		for _, into := range []*[]time.Duration{&first, &second} {
			start := time.Now()
			if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, 'bench')", newID()); err != nil {
				b.Fatal(err)
			}
			*into = append(*into, time.Since(start))
		}
		b.StopTimer()
		conn.Close(ctx)
		b.StartTimer()
	}
	b.StopTimer()
	rtt := linkRTT(b, px.Addr())
	report(b, first, "first")
	report(b, second, "second")
	b.ReportMetric(float64(rtt.Microseconds())/1000, "link-rtt-ms")
}
