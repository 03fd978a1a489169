package rds

import (
	"fmt"
	"net"
	"sort"
	"time"
)

// Topology is the desired shape of the real work behind the model: which
// PostgreSQL servers exist, who writes, who streams from whom, which WAN
// links carry replication between regions and which DNS records the
// endpoints resolve with. It is a pure function of the model's state; the
// runtime converges processes towards it and reports back through the
// Observe methods.
type Topology struct {
	Volumes []Volume
	Nodes   []Node
	Links   []Link
	Records []Record
	// Deleted lists clusters (keys) whose volumes must be removed.
	Deleted []string
	// Creating lists clusters without a volume of their own (secondaries)
	// that are still creating; Promoting, detached clusters being promoted.
	Creating, Promoting []string
	// PendingFailovers lists global clusters whose switchover or failover
	// waits for the runtime to begin it (BeginGlobalFailover).
	PendingFailovers []string
}

// Volume is the storage of a primary or standalone cluster: an
// initialised PostgreSQL data directory that the cluster's first writer
// adopts, and that the last instance gives back when it is deleted.
type Volume struct {
	Cluster string // key region/id
	Region  string
	Ready   bool
	User    string
	// PasswordVerifier is the master password's SCRAM-SHA-256 verifier,
	// set only while the volume still has to be initialised.
	PasswordVerifier string
	Database         string
}

// Node is one instance's PostgreSQL server.
type Node struct {
	Key     string // instance key region/id
	Name    string // engine node name (application_name, slot name)
	Region  string
	Cluster string // cluster key
	// Scope groups the nodes of one replication topology (the global
	// cluster, or the cluster when standalone): at most one of them may
	// write, so a node is promoted only once the others are fenced.
	Scope    string
	Host     string
	Port     int
	Writer   bool
	Upstream *Upstream // nil for a writer
	// SyncStandbys are the in-region replicas a writer waits for (quorum
	// of one), so that no acknowledged commit is lost when it dies.
	SyncStandbys []string
	Deleting     bool
	// KeepAsVolume: when deleted, the node's data directory becomes the
	// cluster volume again (Aurora keeps storage without instances).
	KeepAsVolume bool
	Ready        bool // the model has seen it available
	// VolumeReady: the cluster's volume is initialised (a writer may
	// adopt it).
	VolumeReady bool
	// Promoting: the node's cluster was detached and waits for this
	// writer's promotion (ObservePromoted).
	Promoting bool
	// Resync: the node's data may have diverged from the new primary's
	// history (a failover with data loss); rebuild it from its upstream
	// before it serves, then call ObserveResynced.
	Resync bool
	// TLSNames are the DNS names the instance's server certificate
	// carries, as RDS's do: its instance endpoint, its cluster's writer
	// and reader endpoints and, in a global cluster, the global writer
	// endpoint. Nothing else (no Route 53 names, no addresses).
	TLSNames []string
	// ForceSSL: the cluster's parameter group sets rds.force_ssl = 1, so
	// the server refuses client connections without TLS.
	ForceSSL bool
	// Forward is set when the node is a reader that forwards writes (write
	// forwarding requested, status enabling or enabled): nil otherwise. A
	// writer never forwards.
	Forward *Forward
}

// Forward is how a node forwards writes (reference/write-forwarding.md).
type Forward struct {
	// Kind is ForwardGlobal (an instance of a secondary cluster forwards
	// to the global writer through its cluster's WAN link) or
	// ForwardLocal (a reader forwards to its own cluster's writer).
	Kind string
	// Writer is the instance key of the node writes go to.
	Writer string
	// Link: connect through the secondary cluster's link (the
	// Topology.Links entry with the node's Cluster). True for global.
	Link bool
	// ConsistencyMode is the default apg_write_forward.consistency_mode
	// of new sessions, upper-case: SESSION, EVENTUAL, GLOBAL or OFF.
	ConsistencyMode string
	// ConnectTimeout, IdleSessionTimeout and
	// IdleInTransactionSessionTimeout are the apg_write_forward.*
	// parameters as emulated-AWS durations (not scaled); 0 means no limit
	// (wait indefinitely, never close).
	ConnectTimeout                  time.Duration
	IdleSessionTimeout              time.Duration
	IdleInTransactionSessionTimeout time.Duration
	// MaxConnectionsPercent caps forwarded sessions at this share of the
	// writer's max_connections (1-100).
	MaxConnectionsPercent int
}

// Upstream is where a replica streams from.
type Upstream struct {
	Node string // instance key
	// Link is set when the stream crosses regions: the replica connects to
	// the link's address, which forwards to the upstream node.
	Link *Link
}

// Link is a WAN link carrying a secondary cluster's replication stream
// from the primary region.
type Link struct {
	Cluster    string // secondary cluster key
	From, To   string // regions
	Host       string // listen address (in the secondary's region)
	Port       int
	TargetNode string // instance key of the global writer
}

// Record is a DNS record set for an endpoint name.
type Record struct {
	Name  string
	CNAME string
	A     []string
	TTL   uint32
}

// endpointTTL is the TTL of RDS endpoint records; Aurora uses 5 s so that
// clients follow the writer quickly.
const endpointTTL = 5

// Topology computes the desired topology from the current state.
func (s *Service) Topology() Topology {
	s.mu.Lock()
	defer s.mu.Unlock()
	var t Topology
	for _, k := range sortedKeys(s.st.Clusters) {
		c := s.st.Clusters[k]
		if c.Status == StatusDeleting && len(s.clusterInstances(c)) == 0 {
			t.Deleted = append(t.Deleted, k)
			continue
		}
		if c.Status == StatusPromoting {
			t.Promoting = append(t.Promoting, k)
		}
		if s.isSecondary(c) && c.Status == StatusCreating {
			t.Creating = append(t.Creating, k)
		}
		if !s.isSecondary(c) && c.Status != StatusPromoting {
			t.Volumes = append(t.Volumes, Volume{Cluster: k, Region: c.Region, Ready: c.VolumeReady,
				User: c.MasterUsername, PasswordVerifier: c.PendingVerifier, Database: c.DatabaseName})
		}
		link := s.linkFor(c)
		if link != nil {
			t.Links = append(t.Links, *link)
		}
		t.Nodes = append(t.Nodes, s.clusterNodes(c, link)...)
		t.Records = append(t.Records, s.clusterRecords(c)...)
	}
	for _, id := range sortedKeys(s.st.Globals) {
		g := s.st.Globals[id]
		if g.Failover != nil && g.Failover.Status == FailoverPending {
			t.PendingFailovers = append(t.PendingFailovers, id)
		}
		if w := s.st.Clusters[g.Writer]; w != nil {
			t.Records = append(t.Records, Record{Name: s.globalEndpoint(g), CNAME: s.clusterEndpoint(w), TTL: endpointTTL})
		}
	}
	return t
}

// linkFor returns the WAN link into secondary cluster c, or nil.
func (s *Service) linkFor(c *Cluster) *Link {
	if l := s.handoverLink(c); l != nil {
		return l
	}
	if !s.isSecondary(c) || c.Status == StatusPromoting {
		return nil
	}
	g := s.st.Globals[c.GlobalClusterID]
	primary := s.st.Clusters[g.Writer]
	if primary == nil || primary.Writer == "" {
		return nil
	}
	return &Link{Cluster: key(c.Region, c.ID), From: primary.Region, To: c.Region, Host: c.LinkHost,
		Port: primary.Port, TargetNode: key(primary.Region, primary.Writer)}
}

// handoverLink keeps the link from the old primary into the target of a
// role change until the target has been promoted, so the target receives
// the old writer's last WAL.
func (s *Service) handoverLink(c *Cluster) *Link {
	g := s.st.Globals[c.GlobalClusterID]
	k := key(c.Region, c.ID)
	if g == nil || g.Failover == nil || g.Failover.Status == FailoverPending || g.Failover.To != k {
		return nil
	}
	old := s.st.Clusters[g.Failover.From]
	if old == nil || old.Writer == "" || s.role(c.Region, c.Writer) == roleWriter || c.LinkHost == "" {
		return nil
	}
	return &Link{Cluster: k, From: old.Region, To: c.Region, Host: c.LinkHost, Port: old.Port, TargetNode: key(old.Region, old.Writer)}
}

func (s *Service) clusterNodes(c *Cluster, link *Link) []Node {
	ck := key(c.Region, c.ID)
	secondary := s.isSecondary(c) && c.Status != StatusPromoting
	insts := s.clusterInstances(c)
	available := 0
	for _, inst := range insts {
		if inst.Status == StatusAvailable {
			available++
		}
	}
	var nodes []Node
	var sync []string
	for _, inst := range insts {
		n := Node{Key: key(inst.Region, inst.ID), Name: inst.Node, Region: inst.Region, Cluster: ck,
			Host: inst.Host, Port: inst.Port, Deleting: inst.Status == StatusDeleting, Ready: inst.Status == StatusAvailable,
			Promoting: c.Status == StatusPromoting, VolumeReady: c.VolumeReady, Scope: s.scope(c), Resync: inst.Resync,
			TLSNames: s.tlsNames(c, inst), ForceSSL: s.forceSSL(c)}
		switch {
		case inst.ID == c.Writer && !secondary:
			n.Writer = true
		case inst.ID == c.Writer:
			if link != nil {
				n.Upstream = &Upstream{Node: link.TargetNode, Link: link}
			}
		case c.Writer != "":
			n.Upstream = &Upstream{Node: key(c.Region, c.Writer)}
			if !secondary && !n.Deleting {
				sync = append(sync, inst.Node)
			}
		}
		n.Forward = s.forwardFor(c, inst, link, n.Writer)
		if n.Deleting && !secondary {
			others := available
			if inst.Status == StatusAvailable {
				others--
			}
			n.KeepAsVolume = others == 0
		}
		nodes = append(nodes, n)
	}
	sort.Strings(sync)
	for i := range nodes {
		if nodes[i].Writer {
			nodes[i].SyncStandbys = sync
		}
	}
	return nodes
}

// tlsNames are the names of inst's server certificate: the endpoints that
// can reach it.
func (s *Service) tlsNames(c *Cluster, inst *Instance) []string {
	names := []string{s.instanceEndpoint(inst), s.clusterEndpoint(c), s.readerEndpoint(c)}
	if g := s.st.Globals[c.GlobalClusterID]; g != nil {
		names = append(names, s.globalEndpoint(g))
	}
	return names
}

// scope names the replication topology c belongs to.
func (s *Service) scope(c *Cluster) string {
	if c.GlobalClusterID != "" {
		return "global/" + c.GlobalClusterID
	}
	for _, g := range s.st.Globals { // detached, still promoting
		if contains(g.Leaving, key(c.Region, c.ID)) {
			return "cluster/" + key(c.Region, c.ID)
		}
	}
	return "cluster/" + key(c.Region, c.ID)
}

// clusterRecords are the DNS records of c's endpoints.
func (s *Service) clusterRecords(c *Cluster) []Record {
	var recs []Record
	secondary := s.isSecondary(c)
	var readers []string
	writerHost := ""
	for _, inst := range s.clusterInstances(c) {
		// An instance that failed keeps its endpoint, which then refuses
		// connections; it leaves the reader endpoint.
		if inst.Status == StatusCreating || inst.Status == StatusDeleting {
			continue
		}
		recs = append(recs, Record{Name: s.instanceEndpoint(inst), A: []string{inst.Host}, TTL: endpointTTL})
		if inst.ID == c.Writer && !secondary {
			writerHost = inst.Host
			recs = append(recs, Record{Name: s.clusterEndpoint(c), CNAME: s.instanceEndpoint(inst), TTL: endpointTTL})
			continue
		}
		if inst.Status == StatusAvailable {
			readers = append(readers, inst.Host)
		}
	}
	if len(readers) == 0 && writerHost != "" {
		readers = []string{writerHost} // Aurora: no replicas, the reader endpoint reaches the writer
	}
	if len(readers) > 0 {
		recs = append(recs, Record{Name: s.readerEndpoint(c), A: readers, TTL: endpointTTL})
	}
	return recs
}

// ObserveVolumeReady records that a cluster's volume was initialised
// (with its master user); the password's verifier is forgotten.
func (s *Service) ObserveVolumeReady(cluster string) {
	s.observe(func() {
		if c := s.st.Clusters[cluster]; c != nil {
			c.VolumeReady, c.PendingVerifier = true, ""
			if c.Status == StatusCreating {
				c.Status = StatusAvailable
			}
		}
	})
}

// ObserveClusterReady records that a cluster without a volume of its own
// (a secondary) is ready.
func (s *Service) ObserveClusterReady(cluster string) {
	s.observe(func() {
		if c := s.st.Clusters[cluster]; c != nil && c.Status == StatusCreating {
			c.Status = StatusAvailable
		}
	})
}

// ObservePromoted records that a detached cluster's promotion finished:
// it is available and its global membership disappears.
func (s *Service) ObservePromoted(cluster string) {
	s.observe(func() {
		c := s.st.Clusters[cluster]
		if c == nil || c.Status != StatusPromoting {
			return
		}
		c.Status = StatusAvailable
		c.VolumeReady = true
		for _, g := range s.st.Globals {
			g.Leaving = without(g.Leaving, cluster)
		}
	})
}

// ObserveInstanceReady records that an instance's server is up in its role.
func (s *Service) ObserveInstanceReady(instance string) {
	s.observe(func() {
		if inst := s.st.Instances[instance]; inst != nil && inst.Status != StatusDeleting {
			inst.Status = StatusAvailable
		}
	})
}

// ObserveResynced records that an instance was rebuilt from its upstream
// after a failover with data loss.
func (s *Service) ObserveResynced(instance string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := s.st.Instances[instance]
	if inst == nil || !inst.Resync {
		return
	}
	inst.Resync = false
	s.progress()
	if err := s.commit(); err != nil {
		s.cfg.Logger.Error("persist resync", "err", err)
	}
}

// ObserveInstanceFailed records that an instance could not be brought up.
func (s *Service) ObserveInstanceFailed(instance string) {
	s.observe(func() {
		if inst := s.st.Instances[instance]; inst != nil && inst.Status != StatusDeleting {
			inst.Status = StatusFailed
		}
	})
}

// ObserveInstanceDeleted removes a deleted instance.
func (s *Service) ObserveInstanceDeleted(instance string) {
	s.observe(func() { delete(s.st.Instances, instance) })
}

// ObserveClusterDeleted removes a deleted cluster.
func (s *Service) ObserveClusterDeleted(cluster string) {
	s.observe(func() { delete(s.st.Clusters, cluster) })
}

// observe applies an observation, lets waiting role changes and resyncs
// progress, and persists the result.
func (s *Service) observe(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
	s.progress()
	if err := s.commit(); err != nil {
		s.cfg.Logger.Error("persist observation", "err", err)
	}
}

// UsedHosts returns every loopback address the model has handed out, so
// that an address allocator can avoid them after a restart.
func (s *Service) UsedHosts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var hosts []string
	for _, inst := range s.st.Instances {
		hosts = append(hosts, inst.Host)
	}
	for _, c := range s.st.Clusters {
		if c.LinkHost != "" {
			hosts = append(hosts, c.LinkHost)
		}
	}
	return hosts
}

// Reachable tells whether Route 53's health checkers, which run on the
// internet, can reach ip: not when it is the address of a DB instance
// that is not PubliclyAccessible (its endpoint resolves to a private VPC
// address on AWS). Other addresses are reachable.
func (s *Service) Reachable(ip net.IP) (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, inst := range s.st.Instances {
		if net.ParseIP(inst.Host).Equal(ip) && !inst.PubliclyAccessible {
			return false, fmt.Sprintf("Resolved IP address %s is the private address of DB instance %s, which is not PubliclyAccessible. Route 53 health checkers can only reach public endpoints.", ip, inst.ID)
		}
	}
	return true, ""
}

// DBAuthTarget describes the cluster behind a server address, for IAM
// database authentication: its region, DbClusterResourceId and whether
// EnableIAMDatabaseAuthentication is on.
type DBAuthTarget struct {
	Region, ClusterResourceID string
	IAMAuth                   bool
}

// DBAuthTargetAt finds the instance listening on host.
func (s *Service) DBAuthTargetAt(host string) (DBAuthTarget, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, inst := range s.st.Instances {
		if inst.Host != host {
			continue
		}
		c := s.st.Clusters[key(inst.Region, inst.ClusterID)]
		if c == nil {
			return DBAuthTarget{}, false
		}
		return DBAuthTarget{Region: inst.Region, ClusterResourceID: c.ResourceID, IAMAuth: c.IAMAuth}, true
	}
	return DBAuthTarget{}, false
}
