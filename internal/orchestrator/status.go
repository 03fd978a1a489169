package orchestrator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/globaldb/globaldb/internal/rdstls"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

// StatusReport is what `globaldb status` shows: the stack as the AWS APIs
// describe it, replication as the databases report it, health checks as
// Route 53's checkers see them and the DNS names as a client resolves
// them. Slices are in a stable order (regions in topology order, then
// any other member region by name); JSON keys are snake_case.
type StatusReport struct {
	Stack          string `json:"stack"`
	GlobalCluster  string `json:"global_cluster"`
	GlobalStatus   string `json:"global_status"` // "" when absent
	GlobalEndpoint string `json:"global_endpoint,omitempty"`
	// WriterRegion is the region of the global writer member.
	WriterRegion string         `json:"writer_region"`
	Regions      []RegionStatus `json:"regions"`
	HealthChecks []CheckStatus  `json:"health_checks"`
	// Alarms are the stack's CloudWatch alarms, region by region (only
	// for topologies with alarm checks, or alarms an earlier one left).
	Alarms []AlarmStatus `json:"alarms,omitempty"`
	// RegionSwitch is the stack's ARC Region switch plan (with
	// automation, or a plan an earlier topology left).
	RegionSwitch *RegionSwitchStatus `json:"region_switch,omitempty"`
	DNS          []DNSAnswer         `json:"dns"`
	// Errors are the parts that could not be read (an unreachable region's
	// API); the rest of the report stands.
	Errors []string `json:"errors,omitempty"`
}

// RegionStatus is one region's cluster, instances and replication.
type RegionStatus struct {
	Region string `json:"region"`
	// Error says why the region's RDS API could not be read.
	Error     string           `json:"error,omitempty"`
	Cluster   *ClusterStatus   `json:"cluster"`   // nil when absent or unreadable
	Instances []InstanceStatus `json:"instances"` // the writer first, then by identifier
	// Replication is set for secondaries: how far behind the writer.
	Replication *Replication `json:"replication,omitempty"`
}

// ClusterStatus is a region's DB cluster.
type ClusterStatus struct {
	ID             string `json:"id"`
	Status         string `json:"status"`
	Role           string `json:"role"` // primary, secondary or detached
	Endpoint       string `json:"endpoint"`
	ReaderEndpoint string `json:"reader_endpoint"`
	Port           int    `json:"port"`
	EngineVersion  string `json:"engine_version"`
	// WriteForwarding is set when the cluster forwards writes or was
	// asked to (a request stored on the primary included).
	WriteForwarding *WriteForwardingStatus `json:"write_forwarding,omitempty"`
}

// WriteForwardingStatus is a cluster's write forwarding as RDS reports it.
type WriteForwardingStatus struct {
	// GlobalRequested is GlobalWriteForwardingRequested; GlobalStatus is
	// GlobalWriteForwardingStatus ("" on the primary, where a request waits
	// for a role change).
	GlobalRequested bool   `json:"global_requested"`
	GlobalStatus    string `json:"global_status,omitempty"`
	LocalStatus     string `json:"local_status,omitempty"`
	// ConsistencyMode is apg_write_forward.consistency_mode of the
	// cluster's parameter group ("" when it could not be read).
	ConsistencyMode string `json:"consistency_mode,omitempty"`
}

// InstanceStatus is one DB instance.
type InstanceStatus struct {
	ID       string `json:"id"`
	AZ       string `json:"az"`
	Status   string `json:"status"`
	Role     string `json:"role"` // writer or reader
	Endpoint string `json:"endpoint"`
	// WriteForwardingMetrics are the instance's write forwarding figures
	// under Aurora's CloudWatch metric names, read from a globaldb
	// emulator (AddForwardingMetrics); absent against AWS.
	WriteForwardingMetrics map[string]float64 `json:"write_forwarding_metrics,omitempty"`
}

// Replication is a secondary's distance from the writer, read from the
// databases: aurora_global_db_status() on Aurora, the WAL positions on
// plain PostgreSQL (the emulator).
type Replication struct {
	Source string `json:"source"` // "aurora_global_db_status" or "postgresql"
	// BytesBehind is the writer's WAL position minus the secondary's
	// replayed position, read one after the other (never negative).
	BytesBehind *int64 `json:"bytes_behind"`
	// LagSeconds is 0 when the secondary has replayed everything the
	// writer had written; otherwise the age of the last transaction it
	// replayed (PostgreSQL) or Aurora's visibility lag.
	LagSeconds *float64 `json:"lag_seconds"`
	PrimaryLSN string   `json:"primary_lsn,omitempty"`
	ReceiveLSN string   `json:"receive_lsn,omitempty"`
	ReplayLSN  string   `json:"replay_lsn,omitempty"`
	// Error says why it could not be measured (a database unreachable).
	Error string `json:"error,omitempty"`
}

// CheckStatus is a Route 53 health check as GetHealthCheckStatus reports
// it. Like Route 53, it is healthy when more than 18% of the checkers
// that reported say Success.
type CheckStatus struct {
	Region   string `json:"region"`
	Kind     string `json:"kind"` // writer or reader
	Name     string `json:"name"` // its Name tag, e.g. seed-ap-southeast-1-writer
	ID       string `json:"id"`
	Target   string `json:"target"`
	State    string `json:"state"` // healthy, unhealthy, or unknown (no checker reported yet)
	Checkers int    `json:"checkers"`
	Success  int    `json:"success"`
	// Failure is the first failing checker's reason.
	Failure string `json:"failure,omitempty"`
	// Note explains an expected failure: a secondary's writer check fails
	// while its cluster endpoint is inactive.
	Note  string `json:"note,omitempty"`
	Error string `json:"error,omitempty"`
}

// AlarmStatus is one of the stack's CloudWatch alarms as DescribeAlarms
// reports it.
type AlarmStatus struct {
	Region string `json:"region"`
	Kind   string `json:"kind"` // writer-health, reader-health or rpo-lag
	Name   string `json:"name"`
	// State is OK, ALARM or INSUFFICIENT_DATA; "absent" when the alarm
	// does not exist, "unknown" when the region could not be read.
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
	// Since is when the alarm entered State (RFC 3339).
	Since  string `json:"since,omitempty"`
	Metric string `json:"metric,omitempty"`
	// Note explains an expected ALARM: a secondary has no writer.
	Note  string `json:"note,omitempty"`
	Error string `json:"error,omitempty"`
}

// DNSAnswer is what a stack name resolves to now.
type DNSAnswer struct {
	Record string   `json:"record"` // writer or reader
	Name   string   `json:"name"`
	Chain  []DNSHop `json:"chain"`
	Addrs  []string `json:"addrs"`
	// LandsOn names the first endpoint of the stack in the chain, e.g.
	// "ap-southeast-1 cluster endpoint".
	LandsOn string `json:"lands_on,omitempty"`
	Error   string `json:"error,omitempty"`
}

// DNSHop is one CNAME of a chain.
type DNSHop struct {
	Name  string `json:"name"`
	CNAME string `json:"cname"`
	TTL   uint32 `json:"ttl"`
}

// healthyFraction is Route 53's rule: a check is healthy when more than
// 18% of its checkers report it healthy.
const healthyFraction = 0.18

// Status reports the stack. res resolves the databases' and the Route 53
// names; nil chooses ResolverFor(world, t, ""). An unreachable region or
// database is reported, not returned as an error.
func Status(ctx context.Context, c *Clients, t *topology.Topology, res resolve.Resolver) (*StatusReport, error) {
	sv, err := survey(ctx, c, t)
	if err != nil {
		return nil, err
	}
	if res == nil {
		res = ResolverFor(sv.w, t, "")
	}
	n := Names{t.Name}
	rep := &StatusReport{Stack: t.Name, GlobalCluster: n.GlobalCluster(), WriterRegion: sv.writer, Errors: sv.errors()}
	if g := sv.w.Global; g != nil {
		rep.GlobalStatus = aws.ToString(g.Status)
		rep.GlobalEndpoint = aws.ToString(g.Endpoint)
	}
	views := sv.views()
	lags := measureLag(ctx, t, sv, views, res, c.DBTrust(ctx))
	for _, v := range views {
		rs := RegionStatus{Region: v.region, Instances: []InstanceStatus{}}
		if err := sv.regionErr[v.region]; err != nil {
			rs.Error = err.Error()
		}
		if cl := sv.w.Clusters[v.region]; cl != nil {
			rs.Cluster = &ClusterStatus{ID: aws.ToString(cl.DBClusterIdentifier), Status: aws.ToString(cl.Status), Role: v.role,
				Endpoint: aws.ToString(cl.Endpoint), ReaderEndpoint: aws.ToString(cl.ReaderEndpoint), Port: int(aws.ToInt32(cl.Port)),
				EngineVersion: aws.ToString(cl.EngineVersion), WriteForwarding: forwardingStatus(ctx, c.RDS(v.region), cl)}
		}
		for _, ie := range v.instances {
			role := "reader"
			if ie.writer {
				role = "writer"
			}
			rs.Instances = append(rs.Instances, InstanceStatus{ID: ie.id, AZ: ie.az, Status: ie.status, Role: role, Endpoint: ie.host})
		}
		rs.Replication = lags[v.region]
		rep.Regions = append(rep.Regions, rs)
	}
	rep.HealthChecks = checkStatuses(ctx, c, sv)
	rep.Alarms = alarmStatuses(ctx, c, sv)
	rep.RegionSwitch = regionSwitchStatus(ctx, c, t)
	rep.DNS = dnsAnswers(ctx, t, res, views)
	return rep, nil
}

// surveyed is the world as far as it could be read: a region whose RDS
// API does not answer (a region outage) is in regionErr, and what the
// stack's health checks and records say stands in for its endpoints.
type surveyed struct {
	w         *World
	order     []string // regions: topology order, then other members by name
	regionErr map[string]error
	globalErr error
	writer    string // the global writer's region, else the topology's primary
	t         *topology.Topology
}

// survey reads what Status and Verify need, like Observe but tolerating
// regions whose API cannot be reached, and without IAM.
func survey(ctx context.Context, c *Clients, t *topology.Topology) (*surveyed, error) {
	n := Names{t.Name}
	sv := &surveyed{t: t, regionErr: map[string]error{}, w: &World{Clusters: map[string]*rdstypes.DBCluster{},
		Instances: map[string][]rdstypes.DBInstance{}, Checks: map[string]*r53types.HealthCheck{}}}
	// A global cluster can be described from any member region: ask the
	// primary's first, then the others, so one region down hides nothing.
	for _, r := range t.Regions {
		g, err := describeGlobal(ctx, c.RDS(r.Name), n.GlobalCluster())
		if err != nil {
			sv.globalErr = err
			continue
		}
		if g != nil && !hasStackTag(g.TagList, t.Name) {
			return nil, fmt.Errorf("global cluster %s %w=%s", n.GlobalCluster(), ErrNotOurs, t.Name)
		}
		sv.w.Global, sv.globalErr = g, nil
		break
	}
	seen := map[string]bool{}
	for _, r := range t.Regions {
		sv.order = append(sv.order, r.Name)
		seen[r.Name] = true
	}
	var extra []string
	if g := sv.w.Global; g != nil {
		for _, m := range g.GlobalClusterMembers {
			if r := regionOf(aws.ToString(m.DBClusterArn)); r != "" && !seen[r] {
				extra, seen[r] = append(extra, r), true
			}
		}
	}
	sort.Strings(extra)
	sv.order = append(sv.order, extra...)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, r := range sv.order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, insts, err := surveyRegion(ctx, c, t, r)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				sv.regionErr[r] = err
				return
			}
			if cl != nil {
				sv.w.Clusters[r], sv.w.Instances[r] = cl, insts
			}
		}()
	}
	r53err := observeRoute53(ctx, c, t, sv.w)
	wg.Wait()
	if r53err != nil {
		return nil, r53err
	}
	for _, err := range sv.regionErr {
		if errors.Is(err, ErrNotOurs) {
			return nil, err
		}
	}
	if sv.w.Global == nil && sv.globalErr == nil && len(sv.w.Clusters) == 0 && len(sv.regionErr) == 0 {
		return nil, notDeployed(t)
	}
	if sv.writer = sv.w.Writer(); sv.writer == "" {
		sv.writer = t.Primary().Name
	}
	return sv, nil
}

func surveyRegion(ctx context.Context, c *Clients, t *topology.Topology, region string) (*rdstypes.DBCluster, []rdstypes.DBInstance, error) {
	n := Names{t.Name}
	cl := c.RDS(region)
	cluster, err := describeCluster(ctx, cl, n.Cluster(region))
	if err != nil || cluster == nil {
		return nil, nil, err
	}
	if !hasStackTag(cluster.TagList, t.Name) {
		return nil, nil, fmt.Errorf("DB cluster %s in %s %w=%s", n.Cluster(region), region, ErrNotOurs, t.Name)
	}
	all, err := describeInstances(ctx, cl, n.Cluster(region))
	if err != nil {
		return nil, nil, err
	}
	var insts []rdstypes.DBInstance
	for _, i := range all {
		if hasStackTag(i.TagList, t.Name) {
			insts = append(insts, i)
		}
	}
	sort.Slice(insts, func(i, j int) bool {
		return aws.ToString(insts[i].DBInstanceIdentifier) < aws.ToString(insts[j].DBInstanceIdentifier)
	})
	return cluster, insts, nil
}

func (sv *surveyed) errors() []string {
	var out []string
	if sv.globalErr != nil {
		out = append(out, "global cluster: "+sv.globalErr.Error())
	}
	for _, r := range sv.order {
		if err := sv.regionErr[r]; err != nil {
			out = append(out, r+": "+err.Error())
		}
	}
	return out
}

// roleOf is region's part in the global database.
func (sv *surveyed) roleOf(region string) string {
	switch {
	case sv.w.Global == nil && sv.globalErr != nil:
		return "unknown"
	case region == sv.w.Writer():
		return "primary"
	case sv.w.Member(region):
		return "secondary"
	case sv.w.Global != nil && sv.w.Clusters[region] == nil && sv.regionErr[region] != nil:
		// Unreadable: a member if the global cluster lists one there.
		for _, m := range sv.w.Global.GlobalClusterMembers {
			if regionOf(aws.ToString(m.DBClusterArn)) == region {
				return "secondary"
			}
		}
	}
	return "detached"
}

// regionView is a region's endpoints: from DescribeDBClusters, or, when
// the region's API does not answer, from the stack's health checks.
type regionView struct {
	region, role    string
	cluster, reader string // endpoint names, "" if unknown
	port            int
	instances       []instanceView
}

type instanceView struct {
	id, az, status, host string
	port                 int
	writer               bool
}

func (sv *surveyed) views() []regionView {
	var out []regionView
	for _, r := range sv.order {
		v := regionView{region: r, role: sv.roleOf(r), port: 5432}
		if cl := sv.w.Clusters[r]; cl != nil {
			v.cluster, v.reader = aws.ToString(cl.Endpoint), aws.ToString(cl.ReaderEndpoint)
			if p := int(aws.ToInt32(cl.Port)); p != 0 {
				v.port = p
			}
			writers := map[string]bool{}
			for _, m := range cl.DBClusterMembers {
				writers[aws.ToString(m.DBInstanceIdentifier)] = aws.ToBool(m.IsClusterWriter)
			}
			for _, i := range sv.w.Instances[r] {
				iv := instanceView{id: aws.ToString(i.DBInstanceIdentifier), az: aws.ToString(i.AvailabilityZone),
					status: aws.ToString(i.DBInstanceStatus), writer: writers[aws.ToString(i.DBInstanceIdentifier)], port: v.port}
				if i.Endpoint != nil {
					iv.host = aws.ToString(i.Endpoint.Address)
					if p := int(aws.ToInt32(i.Endpoint.Port)); p != 0 {
						iv.port = p
					}
				}
				v.instances = append(v.instances, iv)
			}
			// The writer first, then the readers by identifier.
			sort.SliceStable(v.instances, func(i, j int) bool { return v.instances[i].writer && !v.instances[j].writer })
		} else if sv.regionErr[r] != nil {
			if hc := sv.w.Checks[r+"/"+string(WriterCheck)]; hc != nil && hc.HealthCheckConfig != nil {
				v.cluster = strings.TrimSuffix(aws.ToString(hc.HealthCheckConfig.FullyQualifiedDomainName), ".")
				if p := int(aws.ToInt32(hc.HealthCheckConfig.Port)); p != 0 {
					v.port = p
				}
			}
			if hc := sv.w.Checks[r+"/"+string(ReaderCheck)]; hc != nil && hc.HealthCheckConfig != nil {
				v.reader = strings.TrimSuffix(aws.ToString(hc.HealthCheckConfig.FullyQualifiedDomainName), ".")
			}
			// Alarm checks name no endpoint: the region's records do.
			if v.cluster == "" || v.reader == "" {
				cluster, reader := sv.recordTargets(r)
				v.cluster, v.reader = cmp.Or(v.cluster, cluster), cmp.Or(v.reader, reader)
			}
		}
		out = append(out, v)
	}
	return out
}

// recordTargets returns the endpoints region's records point at: its
// writer failover record's (the cluster endpoint) and its latency reader
// record's (the reader endpoint).
func (sv *surveyed) recordTargets(region string) (cluster, reader string) {
	d := sv.t.DNS
	for _, rr := range sv.w.Records {
		if aws.ToString(rr.SetIdentifier) != region || len(rr.ResourceRecords) == 0 {
			continue
		}
		target := strings.TrimSuffix(aws.ToString(rr.ResourceRecords[0].Value), ".")
		name := fqdn(aws.ToString(rr.Name))
		switch {
		case d != nil && d.Writer != nil && name == fqdn(d.Writer.Name):
			cluster = target
		case d != nil && d.Reader != nil && name == fqdn(d.Reader.Name):
			reader = target
		}
	}
	return cluster, reader
}

// measureLag reads each secondary's replication lag from the databases;
// the result is keyed by region, secondaries only.
func measureLag(ctx context.Context, t *topology.Topology, sv *surveyed, views []regionView, res resolve.Resolver, trust *rdstls.Trust) map[string]*Replication {
	out := map[string]*Replication{}
	var primary regionView
	var secondaries []regionView
	for _, v := range views {
		switch {
		case v.region == sv.writer:
			primary = v
		case v.role == "secondary":
			secondaries = append(secondaries, v)
			out[v.region] = &Replication{}
		}
	}
	if len(secondaries) == 0 {
		return out
	}
	fail := func(format string, a ...any) map[string]*Replication {
		for _, r := range out {
			r.Error = fmt.Sprintf(format, a...)
		}
		return out
	}
	if primary.cluster == "" {
		return fail("the cluster endpoint of the writer region %s is unknown", sv.writer)
	}
	db, err := openDB(ctx, t, res, trust, primary.cluster, primary.port)
	if err != nil {
		return fail("writer region %s: %v", sv.writer, err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	if aurora, err := auroraLag(ctx, db); err == nil {
		for region, r := range out {
			if a, ok := aurora[region]; ok {
				*r = a
			} else {
				r.Error = "not listed by aurora_global_db_status()"
			}
		}
		return out
	} else if !isSQLState(err, "42883") { // undefined_function: not Aurora
		return fail("aurora_global_db_status() in %s: %v", sv.writer, err)
	}
	var lsn string
	lsnAt := time.Now()
	if err := db.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
		return fail("pg_current_wal_lsn() in %s: %v", sv.writer, err)
	}
	var wg sync.WaitGroup
	for _, v := range secondaries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			*out[v.region] = postgresLag(ctx, t, res, trust, v, lsn, lsnAt)
		}()
	}
	wg.Wait()
	return out
}

// auroraLag reads aurora_global_db_status() on the writer, keyed by region.
func auroraLag(ctx context.Context, db *pgx.Conn) (map[string]Replication, error) {
	rows, err := db.Query(ctx, `SELECT aws_region::text, highest_lsn_written::bigint, visibility_lag_in_msec::bigint
		FROM aurora_global_db_status()`)
	if err != nil {
		return nil, err
	}
	type row struct {
		region  string
		lsn, ms *int64
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.region, &r.lsn, &r.ms); err != nil {
			return nil, err
		}
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var top int64
	for _, r := range all {
		if r.lsn != nil && *r.lsn > top {
			top = *r.lsn
		}
	}
	out := map[string]Replication{}
	for _, r := range all {
		rep := Replication{Source: "aurora_global_db_status"}
		if r.lsn != nil {
			rep.BytesBehind = aws.Int64(top - *r.lsn)
		}
		if r.ms != nil {
			rep.LagSeconds = aws.Float64(float64(*r.ms) / 1000)
		}
		out[r.region] = rep
	}
	return out, nil
}

// postgresLag compares a secondary's replayed WAL position with the
// writer's, lsn, read just before.
func postgresLag(ctx context.Context, t *topology.Topology, res resolve.Resolver, trust *rdstls.Trust, v regionView, lsn string, lsnAt time.Time) Replication {
	rep := Replication{Source: "postgresql", PrimaryLSN: lsn}
	if v.reader == "" {
		rep.Error = "the reader endpoint of " + v.region + " is unknown"
		return rep
	}
	db, err := openDB(ctx, t, res, trust, v.reader, v.port)
	if err != nil {
		rep.Error = err.Error()
		return rep
	}
	defer db.Close(context.WithoutCancel(ctx))
	var recovery bool
	var receive, replay *string
	var behind *int64
	var age *float64
	err = db.QueryRow(ctx, `SELECT pg_is_in_recovery(), pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text,
		pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::bigint,
		extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8`, lsn).Scan(&recovery, &receive, &replay, &behind, &age)
	if err != nil {
		rep.Error = fmt.Sprintf("read WAL positions through %s: %v", v.reader, err)
		return rep
	}
	if !recovery {
		rep.Error = "not replicating: pg_is_in_recovery() is false through " + v.reader
		return rep
	}
	rep.ReceiveLSN, rep.ReplayLSN = aws.ToString(receive), aws.ToString(replay)
	if behind != nil {
		rep.BytesBehind = aws.Int64(max(0, *behind))
		switch {
		case *behind <= 0:
			rep.LagSeconds = aws.Float64(0)
		case age != nil:
			// The age of the last replayed transaction overstates the lag
			// when the bytes behind hold no newer commit (an idle writer's
			// checkpoint, a secondary that just rejoined): watch the
			// secondary replay the writer's position instead, and take the
			// time it took when that is the smaller bound.
			lag := max(0, *age)
			if caught, ok := replayWithin(ctx, db, lsn, lsnAt, min(time.Duration(lag*float64(time.Second)), maxReplayWatch)); ok {
				lag = min(lag, caught.Seconds())
			}
			rep.LagSeconds = aws.Float64(lag)
		}
	}
	return rep
}

// maxReplayWatch bounds how long a lag measurement watches a secondary
// replay the writer's position.
const maxReplayWatch = time.Second

// replayWithin polls db (a secondary) until it has replayed lsn, read on
// the writer at lsnAt, for at most d; it returns how long after
// lsnAt it had, and false if it did not.
func replayWithin(ctx context.Context, db *pgx.Conn, lsn string, lsnAt time.Time, d time.Duration) (time.Duration, bool) {
	start := time.Now()
	for {
		var behind *int64
		if err := db.QueryRow(ctx, `SELECT pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::bigint`, lsn).Scan(&behind); err != nil {
			return 0, false
		}
		if behind != nil && *behind <= 0 {
			return time.Since(lsnAt), true
		}
		if time.Since(start) >= d {
			return 0, false
		}
		select {
		case <-ctx.Done():
			return 0, false
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// checkStatuses asks Route 53 for each of the stack's health checks.
func checkStatuses(ctx context.Context, c *Clients, sv *surveyed) []CheckStatus {
	keys := sortedKeys(sv.w.Checks)
	out := make([]CheckStatus, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		hc := sv.w.Checks[k]
		region, kind, _ := strings.Cut(k, "/")
		cs := CheckStatus{Region: region, Kind: kind, Name: Names{sv.t.Name}.HealthCheckName(region, CheckKind(kind)), ID: aws.ToString(hc.Id), State: "unknown"}
		if cfg := hc.HealthCheckConfig; cfg != nil {
			cs.Target = fmt.Sprintf("%s:%d", strings.TrimSuffix(aws.ToString(cfg.FullyQualifiedDomainName), "."), aws.ToInt32(cfg.Port))
			if a := cfg.AlarmIdentifier; cfg.Type == r53types.HealthCheckTypeCloudwatchMetric && a != nil {
				cs.Target = fmt.Sprintf("alarm %s in %s", aws.ToString(a.Name), a.Region)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := c.Route53.GetHealthCheckStatus(ctx, &route53.GetHealthCheckStatusInput{HealthCheckId: hc.Id})
			if err != nil {
				cs.Error = fmt.Sprintf("get health check status: %v", err)
				out[i] = cs
				return
			}
			for _, o := range st.HealthCheckObservations {
				cs.Checkers++
				status := ""
				if o.StatusReport != nil {
					status = aws.ToString(o.StatusReport.Status)
				}
				if strings.HasPrefix(status, "Success") {
					cs.Success++
				} else if cs.Failure == "" {
					cs.Failure = status
				}
			}
			if cs.Checkers > 0 {
				cs.State = "unhealthy"
				if float64(cs.Success) > healthyFraction*float64(cs.Checkers) {
					cs.State = "healthy"
				}
			}
			if cs.State == "unhealthy" && CheckKind(kind) == WriterCheck && sv.roleOf(region) == "secondary" {
				cs.Note = "expected: a secondary's cluster endpoint is inactive until it is promoted"
				if cfg := hc.HealthCheckConfig; cfg != nil && cfg.Type == r53types.HealthCheckTypeCloudwatchMetric {
					cs.Note = "expected: a secondary has no writer until it is promoted"
				}
			}
			out[i] = cs
		}()
	}
	wg.Wait()
	return out
}

// dnsAnswers resolves the stack's writer and reader names.
func dnsAnswers(ctx context.Context, t *topology.Topology, res resolve.Resolver, views []regionView) []DNSAnswer {
	out := []DNSAnswer{}
	if t.DNS == nil {
		return out
	}
	if w := t.DNS.Writer; w != nil {
		out = append(out, traceName(ctx, res, "writer", w.Name, views))
	}
	if r := t.DNS.Reader; r != nil {
		out = append(out, traceName(ctx, res, "reader", r.Name, views))
	}
	return out
}

func traceName(ctx context.Context, res resolve.Resolver, record, name string, views []regionView) DNSAnswer {
	ans, err := res.Trace(ctx, strings.TrimSuffix(name, "."))
	a := DNSAnswer{Record: record, Name: strings.TrimSuffix(name, "."), Chain: []DNSHop{}, Addrs: ans.Addrs}
	if a.Addrs == nil {
		a.Addrs = []string{}
	}
	for _, h := range ans.Chain {
		a.Chain = append(a.Chain, DNSHop{Name: h.Name, CNAME: h.CNAME, TTL: h.TTL})
	}
	if err != nil {
		a.Error = err.Error()
	}
	a.LandsOn = landsOn(ans, views)
	return a
}

// landsOn names the first of the stack's endpoints in ans's chain.
func landsOn(ans resolve.Answer, views []regionView) string {
	names := []string{ans.Name}
	for _, h := range ans.Chain {
		names = append(names, h.CNAME)
	}
	for _, n := range names {
		for _, v := range views {
			switch {
			case v.cluster != "" && sameHost(n, v.cluster):
				return v.region + " cluster endpoint"
			case v.reader != "" && sameHost(n, v.reader):
				return v.region + " reader endpoint"
			}
			for _, i := range v.instances {
				if i.host != "" && sameHost(n, i.host) {
					return v.region + " instance " + i.id
				}
			}
		}
	}
	return ""
}

func sameHost(a, b string) bool { return fqdn(a) == fqdn(b) }

// openDB connects to host:port as the master user, resolving host with res
// and verifying the server against trust (DBConfig).
func openDB(ctx context.Context, t *topology.Topology, res resolve.Resolver, trust *rdstls.Trust, host string, port int) (*pgx.Conn, error) {
	cfg, err := DBConfig(t, res, trust, host, port)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s:%d: %w", host, port, oneLine{err})
	}
	return conn, nil
}

// oneLine shows a multi-line error (pgx lists each address it tried, then
// the cause again) on one line, without the repeats.
type oneLine struct{ err error }

func (o oneLine) Unwrap() error { return o.err }

func (o oneLine) Error() string {
	var parts []string
	for _, l := range strings.Split(o.err.Error(), "\n") {
		l = strings.TrimSpace(l)
		dup := l == ""
		for _, p := range parts {
			dup = dup || strings.Contains(p, l)
		}
		if !dup {
			parts = append(parts, l)
		}
	}
	return strings.TrimSuffix(strings.Join(parts, " "), ":")
}

func dsnQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func isSQLState(err error, code string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code
}

// WriteTable writes the report for people.
func (r *StatusReport) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	global := r.GlobalStatus
	if global == "" {
		global = "absent"
	}
	fmt.Fprintf(tw, "Stack %s: global cluster %s %s, writer in %s\n", r.Stack, r.GlobalCluster, global, orDash(r.WriterRegion))
	for _, e := range r.Errors {
		fmt.Fprintf(tw, "  ! %s\n", e)
	}
	fmt.Fprintln(tw, "\nREGION\tROLE\tCLUSTER\tSTATUS\tENGINE\tREPLICATION")
	for _, rs := range r.Regions {
		role, id, status, engine := "-", "-", "absent", "-"
		if c := rs.Cluster; c != nil {
			role, id, status, engine = c.Role, c.ID, c.Status, c.EngineVersion
		}
		if rs.Error != "" {
			status = "unreachable"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", rs.Region, role, id, status, engine, rs.Replication.String())
	}
	writeForwardingTable(tw, r.Regions)
	fmt.Fprintln(tw, "\nREGION\tENDPOINT\tNAME")
	for _, rs := range r.Regions {
		if c := rs.Cluster; c != nil {
			fmt.Fprintf(tw, "%s\tcluster\t%s:%d\n%s\treader\t%s:%d\n", rs.Region, c.Endpoint, c.Port, rs.Region, c.ReaderEndpoint, c.Port)
		}
	}
	fmt.Fprintln(tw, "\nINSTANCE\tREGION\tAZ\tROLE\tSTATUS")
	for _, rs := range r.Regions {
		for _, i := range rs.Instances {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", i.ID, rs.Region, i.AZ, i.Role, i.Status)
		}
	}
	if len(r.HealthChecks) > 0 {
		fmt.Fprintln(tw, "\nHEALTH CHECK\tID\tSTATE\tSUCCESS/CHECKERS\tDETAIL")
		for _, c := range r.HealthChecks {
			detail := c.Failure
			if c.Note != "" {
				detail = c.Note
			}
			if c.Error != "" {
				detail = c.Error
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s\n", c.Name, c.ID, c.State, c.Success, c.Checkers, orDash(detail))
		}
	}
	if len(r.Alarms) > 0 {
		fmt.Fprintln(tw, "\nALARM\tREGION\tSTATE\tSINCE\tDETAIL")
		for _, a := range r.Alarms {
			detail := a.Reason
			if a.Note != "" {
				detail = a.Note
			}
			if a.Error != "" {
				detail = a.Error
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Name, a.Region, a.State, orDash(a.Since), orDash(detail))
		}
	}
	if rs := r.RegionSwitch; rs != nil {
		fmt.Fprintln(tw, "\nREGION SWITCH PLAN\tSTATE\tLAST EXECUTION\tDETAIL")
		last, detail := "-", rs.ARN
		if rs.Evaluation != "" {
			detail = "evaluation " + rs.Evaluation + ", " + rs.ARN
		}
		if e := rs.LastExecution; e != nil {
			last = fmt.Sprintf("%s %s %s (%s, %s)", e.State, e.Action, e.Region, e.Mode, orDash(e.Start))
		}
		if rs.Error != "" {
			detail = rs.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", rs.Name, rs.State, last, orDash(detail))
		for _, w := range rs.Warnings {
			fmt.Fprintf(tw, "\t\t\twarning: %s\n", w)
		}
		if len(rs.HealthChecks) > 0 {
			fmt.Fprintln(tw, "\nPLAN HEALTH CHECK\tREGION\tSTATUS\tRECORD")
			for _, hc := range rs.HealthChecks {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", hc.ID, hc.Region, hc.Status, hc.Record)
			}
		}
	}
	if len(r.DNS) > 0 {
		fmt.Fprintln(tw, "\nDNS NAME\tANSWER")
		for _, a := range r.DNS {
			fmt.Fprintf(tw, "%s\t%s\n", a.Name, a.String())
		}
	}
	return tw.Flush()
}

// String renders the chain: name → cname (ttl) → … → addresses, and any
// error.
func (a DNSAnswer) String() string {
	s := a.chain()
	if a.Error != "" {
		s += " error: " + a.Error
	}
	return strings.TrimSpace(s)
}

// chain renders the chain without the error.
func (a DNSAnswer) chain() string {
	var b strings.Builder
	for _, h := range a.Chain {
		fmt.Fprintf(&b, "→ %s (ttl %d) ", h.CNAME, h.TTL)
	}
	if len(a.Addrs) > 0 {
		fmt.Fprintf(&b, "→ %s", strings.Join(a.Addrs, ", "))
	}
	if a.LandsOn != "" {
		fmt.Fprintf(&b, " [%s]", a.LandsOn)
	}
	return strings.TrimSpace(b.String())
}

// String renders the lag for the table: "-" for a primary.
func (r *Replication) String() string {
	switch {
	case r == nil:
		return "-"
	case r.Error != "":
		return "unknown: " + r.Error
	}
	s := []string{}
	if r.BytesBehind != nil {
		s = append(s, fmt.Sprintf("%d bytes behind", *r.BytesBehind))
	}
	if r.LagSeconds != nil {
		s = append(s, fmt.Sprintf("%.3fs", *r.LagSeconds))
	}
	if len(s) == 0 {
		return "unknown"
	}
	return strings.Join(s, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
