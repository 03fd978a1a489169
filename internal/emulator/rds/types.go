package rds

import (
	"time"
)

// Statuses the model reports, from the AWS vocabularies
// (reference/aws-semantics.md §1.9).
const (
	StatusCreating  = "creating"
	StatusAvailable = "available"
	StatusDeleting  = "deleting"
	StatusPromoting = "promoting"
	StatusModifying = "modifying"
	StatusFailed    = "failed"
	StatusRebooting = "rebooting"
	// Global and cluster statuses during role changes.
	StatusSwitchingOver = "switching-over"
	StatusFailingOver   = "failing-over"
	FailoverPending     = "pending"

	roleWriter = "writer"
	roleReader = "reader"
)

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// GlobalCluster is an Aurora global database. Global clusters have no
// region: they are visible from every region of the account.
type GlobalCluster struct {
	ID                 string    `json:"id"`
	ResourceID         string    `json:"resourceId"`
	EndpointHash       string    `json:"endpointHash"`
	Engine             string    `json:"engine"`
	EngineVersion      string    `json:"engineVersion"`
	DatabaseName       string    `json:"databaseName,omitempty"`
	StorageEncrypted   bool      `json:"storageEncrypted"`
	DeletionProtection bool      `json:"deletionProtection"`
	Status             string    `json:"status"`
	Created            time.Time `json:"created"`
	Tags               []Tag     `json:"tags,omitempty"`
	// Members are the member clusters' keys ("region/id"), in join order.
	Members []string `json:"members,omitempty"`
	// Writer is the key of the primary cluster, "" while there is none.
	Writer string `json:"writer,omitempty"`
	// Leaving holds members detached by RemoveFromGlobalCluster that still
	// show in GlobalClusterMembers until their promotion completes, as AWS
	// removes membership asynchronously.
	Leaving []string `json:"leaving,omitempty"`
	// Failover is the switchover or failover in progress, nil otherwise.
	Failover *FailoverState `json:"failover,omitempty"`
	// Resync lists members (keys) that must be rebuilt from the new primary
	// after a failover with data loss (SynchronizationStatus
	// pending-resync) until they stream from it again.
	Resync []string `json:"resync,omitempty"`
}

// FailoverState is a global switchover or failover in progress. Status
// goes pending (requested; the old primary still writes) → switching-over
// or failing-over (the writer moved; roles converge) → cleared.
type FailoverState struct {
	Status        string    `json:"status"`
	From          string    `json:"from"` // cluster keys
	To            string    `json:"to"`
	AllowDataLoss bool      `json:"allowDataLoss"`
	Started       time.Time `json:"started"`
}

// Cluster is an Aurora DB cluster in one region.
type Cluster struct {
	ID                 string    `json:"id"`
	Region             string    `json:"region"`
	ResourceID         string    `json:"resourceId"`
	Engine             string    `json:"engine"`
	EngineVersion      string    `json:"engineVersion"`
	DatabaseName       string    `json:"databaseName,omitempty"`
	MasterUsername     string    `json:"masterUsername,omitempty"`
	Port               int       `json:"port"`
	Status             string    `json:"status"`
	Created            time.Time `json:"created"`
	GlobalClusterID    string    `json:"globalClusterId,omitempty"`
	DeletionProtection bool      `json:"deletionProtection"`
	IAMAuth            bool      `json:"iamAuth"`
	StorageEncrypted   bool      `json:"storageEncrypted"`
	KmsKeyID           string    `json:"kmsKeyId,omitempty"`
	SubnetGroup        string    `json:"subnetGroup,omitempty"`
	SecurityGroups     []string  `json:"securityGroups,omitempty"`
	ParameterGroup     string    `json:"parameterGroup,omitempty"`
	BackupRetention    int       `json:"backupRetention"`
	Tags               []Tag     `json:"tags,omitempty"`
	AvailabilityZones  []string  `json:"availabilityZones,omitempty"`
	// Writer is the instance that writes (primary or standalone cluster)
	// or, in a secondary cluster, the instance that streams from the
	// primary region and that the others cascade from.
	Writer string `json:"writer,omitempty"`
	// VolumeReady is true once the cluster's storage exists: for a primary
	// or standalone cluster, an initialised PostgreSQL data directory
	// with the master user in it.
	VolumeReady bool `json:"volumeReady"`
	// PendingVerifier is the SCRAM-SHA-256 verifier of the master
	// password (never the password: see scram.go), kept only until the
	// volume has been initialised with it; it is then cleared.
	PendingVerifier string `json:"pendingVerifier,omitempty"`
	// LegacyPendingLogin is the plaintext master password an older
	// emulator kept here; loading the state turns it into
	// PendingVerifier and rewrites the file without it.
	LegacyPendingLogin string `json:"pendingLogin,omitempty"`
	// Failover is an in-region failover in progress (FailoverDBCluster or
	// automatic): the instance that is becoming the writer.
	FailoverTo string `json:"failoverTo,omitempty"`
	// LastAutoFailover is when the cluster last failed over by itself;
	// another automatic failover is blocked for the recovery period.
	LastAutoFailover time.Time `json:"lastAutoFailover,omitempty"`
	// LinkHost is the loopback address on which the netsim link into this
	// (secondary) cluster's region listens for its replication stream.
	LinkHost string `json:"linkHost,omitempty"`
	// GlobalWFRequested is EnableGlobalWriteForwarding as last requested;
	// GlobalWFSince is when forwarding last changed while the cluster was
	// a secondary (a request, or the demotion that activated a stored
	// request): the status settles WriteForwardingDelay later.
	GlobalWFRequested bool      `json:"globalWriteForwardingRequested,omitempty"`
	GlobalWFSince     time.Time `json:"globalWriteForwardingSince,omitzero"`
	// LocalWFRequested and LocalWFSince are the same for
	// EnableLocalWriteForwarding.
	LocalWFRequested bool      `json:"localWriteForwardingRequested,omitempty"`
	LocalWFSince     time.Time `json:"localWriteForwardingSince,omitzero"`
}

// Instance is a DB instance of an Aurora cluster: one PostgreSQL server.
type Instance struct {
	ID                 string    `json:"id"`
	Region             string    `json:"region"`
	ClusterID          string    `json:"clusterId"`
	ResourceID         string    `json:"resourceId"`
	Class              string    `json:"class"`
	Engine             string    `json:"engine"`
	EngineVersion      string    `json:"engineVersion"`
	AZ                 string    `json:"az"`
	PubliclyAccessible bool      `json:"publiclyAccessible"`
	PromotionTier      int       `json:"promotionTier"`
	Status             string    `json:"status"`
	Created            time.Time `json:"created"`
	Host               string    `json:"host"`
	Port               int       `json:"port"`
	Tags               []Tag     `json:"tags,omitempty"`
	// MonitoringInterval (seconds, 0 = off) and MonitoringRoleARN are the
	// Enhanced Monitoring settings. The emulator stores and reports them
	// but collects no OS metrics.
	MonitoringInterval int    `json:"monitoringInterval,omitempty"`
	MonitoringRoleARN  string `json:"monitoringRoleArn,omitempty"`
	// Node is the engine's name for this instance's PostgreSQL server
	// (application_name and replication slot name).
	Node string `json:"node"`
	// Role is the role the runtime last saw the server in: "writer",
	// "reader" or "" (not running).
	Role string `json:"role,omitempty"`
	// Resync: the instance belonged to the old primary of a failover with
	// data loss, so its data may hold writes the new primary never had;
	// the runtime rewinds (or re-copies) it from its upstream before it
	// serves again, and reports that with ObserveResynced.
	Resync bool `json:"resync,omitempty"`
	// Held: a fault (region outage, instance failure) holds the server
	// down; it comes back when the fault clears. Faults do not survive a
	// restart, so neither does this.
	Held bool `json:"-"`
}

// SubnetGroup is a DB subnet group. The emulator has no VPCs: subnets are
// recorded with the AZ the caller names or one derived from the subnet ID.
type SubnetGroup struct {
	Name        string   `json:"name"`
	Region      string   `json:"region"`
	Description string   `json:"description"`
	VpcID       string   `json:"vpcId"`
	Subnets     []Subnet `json:"subnets"`
	Tags        []Tag    `json:"tags,omitempty"`
}

// Subnet is a subnet of a subnet group.
type Subnet struct {
	ID string `json:"id"`
	AZ string `json:"az"`
}

// State is everything the RDS model persists.
type State struct {
	Globals      map[string]*GlobalCluster `json:"globals"`
	Clusters     map[string]*Cluster       `json:"clusters"`  // key region/id
	Instances    map[string]*Instance      `json:"instances"` // key region/id
	SubnetGroups map[string]*SubnetGroup   `json:"subnetGroups"`
	// ParameterGroups are the user's DB cluster parameter groups (key
	// region/name); each region's default group is implicit.
	ParameterGroups map[string]*ClusterParameterGroup `json:"parameterGroups,omitempty"`
	// RegionHash is the per-region label in endpoint names
	// (id.cluster-<hash>.<region>.rds.amazonaws.com), as AWS keeps one per
	// account and region.
	RegionHash map[string]string `json:"regionHash"`
	NextNode   int               `json:"nextNode"`
}

func newState() *State {
	return &State{
		Globals:         map[string]*GlobalCluster{},
		Clusters:        map[string]*Cluster{},
		Instances:       map[string]*Instance{},
		SubnetGroups:    map[string]*SubnetGroup{},
		ParameterGroups: map[string]*ClusterParameterGroup{},
		RegionHash:      map[string]string{},
	}
}

func key(region, id string) string { return region + "/" + id }
