// Package metrics publishes the CloudWatch metrics of the emulated
// services, as AWS does: every 60 s of emulated time (60 s × the time
// scale of wall time), in the namespaces, names, units and dimensions of
// reference/cloudwatch.md. It observes facts (controller.InstanceFacts,
// the writers' WAL positions, the Route 53 health checkers' results),
// turns them into datums with pure functions (RDS, Route53) and hands
// them to a Sink, the CloudWatch model. Timestamps are wall-clock.
//
// # AWS/RDS, per instance, in the instance's Region
//
// Every instance metric is published with the dimensions
// {DBInstanceIdentifier}, {DBClusterIdentifier},
// {DBClusterIdentifier, Role} (WRITER for a primary or standalone
// cluster's writer, READER for every other instance, those of a
// secondary cluster included) and {EngineName} (aurora-postgresql). The
// cluster, role and engine series get one datapoint per instance, so
// CloudWatch's statistics aggregate them (Sum of DatabaseConnections is
// the cluster's total, SampleCount the instances that reported).
//
//	metric                    unit          derivation
//	EngineUptime              Seconds       now() − pg_postmaster_start_time() on the server: resets when
//	                                        the postgres process restarts (a reboot, a crash, a failover)
//	DatabaseConnections       Count         client backends in pg_stat_activity (backend_type
//	                                        'client backend'), less the emulator's own admin sessions
//	                                        (application_name globaldb-engine); walsenders and background
//	                                        workers are not clients. Write-forwarding sessions on a writer
//	                                        count, as they are client sessions of the writer.
//	CPUUtilization            Percent       CPU time (user + system, /proc/<pid>/stat, reaped children
//	                                        included) of the postmaster and all its descendants over the
//	                                        period, as a share of the host's total CPU capacity
//	                                        (wall time × runtime.NumCPU()): every emulated instance shares
//	                                        one host, so 100 % means the host is saturated by it. Not
//	                                        published for the first period of a process.
//	AuroraReplicaLag          Milliseconds  readers only: how long ago the global writer's WAL passed the
//	                                        position the reader has replayed (see Lag below); in a
//	                                        secondary Region this spans the WAN link and the in-region hop,
//	                                        as AWS says.
//	AuroraReplicaLagMaximum,  Milliseconds  writer only: the largest and smallest AuroraReplicaLag of its
//	AuroraReplicaLagMinimum                 cluster's readers this period.
//
// Lag: a sampler reads each primary writer's pg_current_wal_insert_lsn()
// every period/10 of wall time (between 100 ms and 1 s) into a ring
// buffer of (time, LSN) samples. The lag of a position p read at time t
// is t minus the time the writer passed p, interpolated linearly between
// the last sample at or below p and the first above it; 0 when p is at or
// past the newest sample; at least t minus the oldest sample when p is
// older than the buffer. Resolution is therefore one sample interval.
// When the writer has not been read for 3 sample intervals (its Region is
// out, it is down) lags are not published: the emulator cannot know them.
//
// # AWS/RDS, per secondary cluster of a global cluster, in its Region
//
// Dimensions {DBClusterIdentifier} and {DBClusterIdentifier,
// SourceRegion} (the primary's Region). They are read on the secondary
// instance that receives WAL over the WAN link (every Aurora secondary
// instance reads the same replicated volume).
//
//	AuroraGlobalDBReplicationLag     Milliseconds  Lag of the position received and flushed to the
//	                                               secondary's disk (pg_last_wal_receive_lsn): storage-level
//	                                               replication.
//	AuroraGlobalDBProgressLag        Milliseconds  Lag of the position replayed (pg_last_wal_replay_lsn):
//	                                               user and system transactions.
//	AuroraGlobalDBRPOLag             Milliseconds  0 when the progress lag is 0; otherwise the smaller of the
//	                                               progress lag and now − the commit time of the last
//	                                               replayed transaction (pg_last_xact_replay_timestamp):
//	                                               every user commit not yet replayed is younger than both,
//	                                               so this bounds the data-loss window from above (it equals
//	                                               it when the first unreplayed record is a commit).
//	AuroraGlobalDBDataTransferBytes  Bytes         growth of the received position over the period: WAL
//	                                               bytes shipped into the Region.
//	AuroraGlobalDBReplicatedWriteIO  Count         those bytes in 4 KiB units (rounded up), the size of
//	                                               the write I/O Aurora meters; an approximation, as
//	                                               PostgreSQL has no storage-level I/O count.
//
// When the global writer stops answering (its Region is out), a
// secondary's three lags grow from its last answer (History.SilentLag):
// Aurora measures them from the primary's heartbeats in the replication
// stream, and once those stop the secondary falls behind by the time
// since the last one (an assumption: AWS does not document what the
// metrics show while the primary's Region is out). They are published
// for as long as an instance of the global cluster runs.
//
// # AWS/Route53, in us-east-1 only
//
// Dimension {HealthCheckId}, for every health check:
// HealthCheckStatus (None) is 1 when the health-check runner reports the
// check healthy, 0 otherwise; HealthCheckPercentageHealthy (Percent) is
// the share of checker Regions whose latest observation succeeded, for
// endpoint checks that have been probed (not CALCULATED checks).
//
// # Not published
//
// ReplicaLag (an RDS read-replica metric in Seconds, not published for
// Aurora PostgreSQL); ChildHealthCheckHealthyCount, ConnectionTime,
// SSLHandshakeTime, TimeToFirstByte (the checkers do not measure them);
// every other AWS/RDS metric (FreeableMemory, IOPS, throughput...), which
// the emulator cannot measure faithfully. A Region in an outage
// (RegionDown) publishes nothing, Route 53's metrics included when
// us-east-1 is out; a stopped or unreachable instance publishes nothing.
package metrics

import "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

// Sink receives published datums: the CloudWatch model
// (cloudwatch.Service.Publish), which accepts AWS/ namespaces from
// in-process publishers only. The publisher calls it from one goroutine
// and never modifies data after handing it over.
type Sink interface {
	Publish(region, namespace string, data []types.MetricDatum)
}

// Namespaces.
const (
	NamespaceRDS     = "AWS/RDS"
	NamespaceRoute53 = "AWS/Route53"
)

// Route53Region is the only Region Route 53's metrics are published in.
const Route53Region = "us-east-1"
