package topology

import "time"

// StackTag is the tag key globaldb puts on every resource it creates, with the
// stack name as its value. It is reserved: a topology may not set it.
const StackTag = "globaldb:stack"

// Topology is a validated topology file with its defaults filled in.
// It holds no secret: see MasterPassword.
type Topology struct {
	// File is the path the topology was read from (the name given to Parse).
	File string `json:"file"`
	// Name is the stack name. Every resource name derives from it and every
	// resource carries the tag StackTag=Name.
	Name               string `json:"name"`
	Engine             string `json:"engine"`
	EngineVersion      string `json:"engineVersion"`
	InstanceClass      string `json:"instanceClass"`
	StorageEncrypted   bool   `json:"storageEncrypted"`
	DeletionProtection bool   `json:"deletionProtection"`
	// Regions lists the members in file order; exactly one is the primary.
	Regions []Region `json:"regions"`
	// DNS is nil when the topology creates no Route 53 records.
	DNS *DNS `json:"dns,omitempty"`
	IAM IAM  `json:"iam"`
	// Automation is nil when apply creates no ARC Region switch plan.
	Automation *Automation `json:"automation,omitempty"`
	// Tags go on every resource; they include StackTag.
	Tags map[string]string `json:"tags"`
	// Warnings are legal but doubtful settings, in file order.
	Warnings []Warning `json:"-"`
}

// Role is a region's part in the global database.
type Role string

// The roles a region can have.
const (
	Primary   Role = "primary"
	Secondary Role = "secondary"
)

func (r Role) String() string { return string(r) }

// Region is one member cluster of the global database.
type Region struct {
	// Name is the AWS region code, e.g. "ap-southeast-2".
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Instances has one entry per DB instance (at least one).
	Instances []Instance `json:"instances"`
	Network   Network    `json:"network"`
	// KMSKeyID is a KMS key ARN in this region; set when StorageEncrypted.
	KMSKeyID string `json:"kmsKeyId,omitempty"`
	// ClusterParameterGroup is the DB cluster parameter group name; "" means
	// the engine's default. It is the same on every region.
	ClusterParameterGroup string `json:"clusterParameterGroup,omitempty"`
	// MasterUsername, MasterPasswordFrom and DatabaseName are set on the
	// primary only: AWS refuses them on a secondary.
	MasterUsername     string        `json:"masterUsername,omitempty"`
	MasterPasswordFrom *SecretSource `json:"masterPasswordFrom,omitempty"`
	DatabaseName       string        `json:"databaseName,omitempty"`
	// WriteForwarding is Aurora write forwarding for this cluster:
	// ForwardGlobal (a secondary's instances forward writes to the primary
	// writer), ForwardLocal (the readers forward to their own cluster's
	// writer) or ForwardOff (the default).
	WriteForwarding WriteForwarding `json:"writeForwarding"`
	// WriteForwardingConsistency is the default
	// apg_write_forward.consistency_mode of forwarding sessions
	// ("session", the default, "eventual" or "global"), set in
	// ClusterParameterGroup; only meaningful when WriteForwarding is on.
	WriteForwardingConsistency string `json:"writeForwardingConsistency,omitempty"`
}

// WriteForwarding is a region's write-forwarding setting.
type WriteForwarding string

// The write-forwarding settings.
const (
	ForwardOff    WriteForwarding = "off"
	ForwardGlobal WriteForwarding = "global"
	ForwardLocal  WriteForwarding = "local"
)

func (w WriteForwarding) String() string { return string(w) }

// DefaultWriteForwardingConsistency is Aurora's documented default of
// apg_write_forward.consistency_mode.
const DefaultWriteForwardingConsistency = "session"

// Instance is one DB instance of a region's cluster.
type Instance struct {
	// AZ is the Availability Zone name; "" lets AWS choose.
	AZ string `json:"az,omitempty"`
}

// Network places a region's cluster in a VPC.
type Network struct {
	// SubnetGroup names an existing DB subnet group; SubnetIDs asks globaldb
	// to create one. Neither means the default VPC.
	SubnetGroup        string   `json:"subnetGroup,omitempty"`
	SubnetIDs          []string `json:"subnetIds,omitempty"`
	SecurityGroups     []string `json:"securityGroups,omitempty"`
	PubliclyAccessible bool     `json:"publiclyAccessible"`
}

// DNS describes the Route 53 side: a hosted zone, the writer and reader
// records, and the health checks behind failover.
type DNS struct {
	HostedZone HostedZone `json:"hostedZone"`
	// Writer is nil when no writer record is wanted; likewise Reader.
	Writer *WriterRecord `json:"writerRecord,omitempty"`
	Reader *ReaderRecord `json:"readerRecord,omitempty"`
	// TTL of every record, in seconds.
	TTL int `json:"ttl"`
	// HealthChecks is nil when no health check is created.
	HealthChecks *HealthChecks `json:"healthChecks,omitempty"`
}

// HostedZone is an existing zone (ID set) or one globaldb creates.
type HostedZone struct {
	Name    string `json:"name"`
	ID      string `json:"id,omitempty"`
	Private bool   `json:"private"`
	// VPC is associated with a private zone that globaldb creates.
	VPC *VPC `json:"vpc,omitempty"`
}

// VPC identifies a VPC by ID and region.
type VPC struct {
	ID     string `json:"id"`
	Region string `json:"region"`
}

// Routing is a Route 53 routing policy.
type Routing string

// The routing policies a record may use.
const (
	Simple   Routing = "simple"
	Failover Routing = "failover"
	Latency  Routing = "latency"
)

func (r Routing) String() string { return string(r) }

// WriterTarget is what the writer record points at.
type WriterTarget string

// The writer record's possible targets.
const (
	// ClusterEndpoints: one failover record per region, each a CNAME to that
	// region's cluster (writer) endpoint.
	ClusterEndpoints WriterTarget = "cluster-endpoints"
	// GlobalWriterEndpoint: a single CNAME to the global cluster's writer
	// endpoint, which Aurora moves on switchover and failover.
	GlobalWriterEndpoint WriterTarget = "global-writer-endpoint"
)

func (t WriterTarget) String() string { return string(t) }

// WriterRecord is the DNS name applications write through.
type WriterRecord struct {
	Name    string       `json:"name"`
	Routing Routing      `json:"routing"`
	Target  WriterTarget `json:"target"`
}

// ReaderRecord is the DNS name with latency routing across the regions'
// reader endpoints.
type ReaderRecord struct {
	Name    string  `json:"name"`
	Routing Routing `json:"routing"`
}

// HealthCheckType is a Route 53 health-check type.
type HealthCheckType string

// The health-check types a topology may use.
const (
	// Alarm (the default): per-region CloudWatch alarms and Route 53
	// CLOUDWATCH_METRIC health checks that follow them, which work for
	// private endpoints.
	Alarm HealthCheckType = "alarm"
	// TCP: Route 53's checkers connect to the endpoints from the
	// internet; only public endpoints can pass.
	TCP   HealthCheckType = "TCP"
	HTTP  HealthCheckType = "HTTP"
	HTTPS HealthCheckType = "HTTPS"
)

func (t HealthCheckType) String() string { return string(t) }

// HealthChecks configures one Route 53 health check per region's endpoint.
type HealthChecks struct {
	Type HealthCheckType `json:"type"`
	// Interval is the RequestInterval in seconds: 10 or 30 (endpoint
	// checks only).
	Interval int `json:"interval"`
	// Threshold is the FailureThreshold: 1 to 10 (endpoint checks only).
	Threshold int `json:"threshold"`
	// Port is the port checked; the engine's port by default (endpoint
	// checks only).
	Port int `json:"port"`
	// Alarms configures the CloudWatch alarms behind type alarm checks;
	// nil for the other types.
	Alarms *Alarms `json:"alarms,omitempty"`
}

// AlarmMetric is the metric a region's health alarms watch.
type AlarmMetric string

// The metrics health alarms can watch.
const (
	// EngineUptime: AWS/RDS EngineUptime of the cluster's WRITER role
	// series (writer alarm) and of the cluster (reader alarm), published by
	// Aurora itself; missing data is breaching, so a silent region is
	// unhealthy.
	EngineUptime AlarmMetric = "engine-uptime"
	// Canary: Globaldb/Canary Healthy, published by `globaldb canary`
	// running in the region; it also catches a database that is up but
	// refuses connections or writes.
	Canary AlarmMetric = "canary"
)

func (m AlarmMetric) String() string { return string(m) }

// InsufficientData values: what Route 53 makes of a CLOUDWATCH_METRIC
// check whose alarm has too little data to decide.
const (
	InsufficientHealthy   = "Healthy"
	InsufficientUnhealthy = "Unhealthy"
	InsufficientLastKnown = "LastKnownStatus"
)

// Alarms are the per-region CloudWatch alarms of type alarm checks. Their
// names derive from the stack (docs/topology.md).
type Alarms struct {
	Metric AlarmMetric `json:"metric"`
	// Period is the alarms' period in seconds: 60 or a multiple of 60
	// (Route 53 takes standard-resolution alarms only).
	Period int `json:"period"`
	// EvaluationPeriods is how many periods in a row must breach (Route 53
	// does not take M-of-N alarms: every period counts).
	EvaluationPeriods int `json:"evaluationPeriods"`
	// InsufficientData is the health checks' InsufficientDataHealthStatus.
	InsufficientData string `json:"insufficientData"`
	// RPOLagThresholdMs is the AuroraGlobalDBRPOLag, in milliseconds, above
	// which a region's replication-lag alarm fires.
	RPOLagThresholdMs int `json:"rpoLagThresholdMs"`
}

// IAM declares the roles globaldb creates. A nil role is not created.
type IAM struct {
	// MonitoringRole is trusted by monitoring.rds.amazonaws.com and carries
	// AmazonRDSEnhancedMonitoringRole.
	MonitoringRole *RoleDecl `json:"monitoringRole,omitempty"`
	// AppRole may rds-db:connect as DBUser on every member's
	// DbClusterResourceId, so logins survive failover.
	AppRole *AppRole `json:"appRole,omitempty"`
	// OperatorRole holds the RDS and Route 53 actions for this stack's
	// resources only (not the FullAccess managed policies).
	OperatorRole *RoleDecl `json:"operatorRole,omitempty"`
}

// RoleDecl declares an IAM role by name.
type RoleDecl struct {
	Name string `json:"name"`
}

// AppRole is the application's role for IAM database authentication.
type AppRole struct {
	Name   string `json:"name"`
	DBUser string `json:"dbUser"`
}

// Primary returns the primary region.
func (t *Topology) Primary() *Region {
	for i := range t.Regions {
		if t.Regions[i].Role == Primary {
			return &t.Regions[i]
		}
	}
	return nil
}

// Secondaries returns the secondary regions in file order.
func (t *Topology) Secondaries() []*Region {
	var out []*Region
	for i := range t.Regions {
		if t.Regions[i].Role == Secondary {
			out = append(out, &t.Regions[i])
		}
	}
	return out
}

// Window is how long an endpoint must fail before its health check calls
// it unhealthy: Interval × Threshold for endpoint checks, Period ×
// EvaluationPeriods for alarm checks (to which add the minute CloudWatch
// takes to receive a period's data). It excludes the TTL.
func (h *HealthChecks) Window() time.Duration {
	if h.Type == Alarm && h.Alarms != nil {
		return time.Duration(h.Alarms.Period*h.Alarms.EvaluationPeriods) * time.Second
	}
	return time.Duration(h.Interval*h.Threshold) * time.Second
}
