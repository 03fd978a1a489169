package rds

import (
	"context"
	"fmt"
	"sort"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// CreateDBInstance adds an instance (a PostgreSQL server) to an Aurora
// cluster. The cluster's first instance becomes its writer (in a
// secondary cluster: the instance that streams from the primary region).
func (s *Service) CreateDBInstance(_ context.Context, region string, in *sdk.CreateDBInstanceInput) (*sdk.CreateDBInstanceOutput, error) {
	if err := checkTags(nil, in.Tags); err != nil {
		return nil, err
	}
	if err := s.checkRegion(region); err != nil {
		return nil, err
	}
	id, err := checkIdentifier("DBInstanceIdentifier", in.DBInstanceIdentifier, maxIdentifierLen)
	if err != nil {
		return nil, err
	}
	if in.DBClusterIdentifier == nil {
		return nil, errorf(errInvalidCombination, "The emulator serves Aurora only: DBClusterIdentifier is required.")
	}
	if in.MasterUsername != nil || in.MasterUserPassword != nil {
		return nil, errorf(errInvalidCombination, "The requested DB Instance will be a member of a DB Cluster. Set master user password for the DB Cluster.")
	}
	if in.DBName != nil {
		return nil, errorf(errInvalidCombination, "The requested DB Instance will be a member of a DB Cluster. Set database name for the DB Cluster.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.clusterByRef(region, *in.DBClusterIdentifier)
	if err != nil {
		return nil, err
	}
	if deref(in.Engine) != c.Engine {
		return nil, errorf(errInvalidCombination, "The engine name requested for your DB instance (%s) doesn't match the engine name of your DB cluster (%s).", deref(in.Engine), c.Engine)
	}
	if c.Status == StatusDeleting {
		return nil, errorf(errClusterState, "DB cluster %s is being deleted.", c.ID)
	}
	if err := checkOrderable(deref(in.DBInstanceClass), c.Engine, c.EngineVersion); err != nil {
		return nil, err
	}
	if _, ok := s.st.Instances[key(region, id)]; ok {
		return nil, errorf(errInstanceExists, "DB instance already exists")
	}
	// Every check comes before Allocate: a refused request must not use
	// up an address or a node name.
	if in.PromotionTier != nil && (*in.PromotionTier < 0 || *in.PromotionTier > 15) {
		return nil, errorf(errInvalidValue, "PromotionTier must be between 0 and 15.")
	}
	interval, role := deref32(in.MonitoringInterval), deref(in.MonitoringRoleArn)
	if err := checkMonitoring(interval, role); err != nil {
		return nil, err
	}
	az, err := s.pickAZ(c, in.AvailabilityZone)
	if err != nil {
		return nil, err
	}
	host, err := s.cfg.Addresses.Allocate(c.Port)
	if err != nil {
		return nil, fmt.Errorf("allocate instance address: %w", err)
	}
	s.st.NextNode++
	inst := &Instance{
		ID: id, Region: region, ClusterID: c.ID, ResourceID: s.resourceID("db-"), Class: deref(in.DBInstanceClass),
		Engine: c.Engine, EngineVersion: c.EngineVersion, AZ: az, PromotionTier: 1, Status: StatusCreating,
		Created: s.cfg.Clock.Now().UTC(), Host: host, Port: c.Port, Tags: tagsFrom(in.Tags),
		PubliclyAccessible: in.PubliclyAccessible != nil && *in.PubliclyAccessible,
		MonitoringInterval: int(interval), MonitoringRoleARN: role,
		Node: fmt.Sprintf("n%d", s.st.NextNode),
	}
	if in.PromotionTier != nil {
		inst.PromotionTier = int(*in.PromotionTier)
	}
	if c.Writer == "" {
		c.Writer = id
	}
	s.st.Instances[key(region, id)] = inst
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.CreateDBInstanceOutput{DBInstance: s.renderInstance(inst)}, nil
}

// pickAZ checks a requested AZ, or picks the region AZ the cluster uses
// least, so that instances spread across AZs (Multi-AZ) by default.
func (s *Service) pickAZ(c *Cluster, want *string) (string, error) {
	regionAZs := s.azs(c.Region)
	if want != nil && *want != "" {
		if !contains(regionAZs, *want) {
			return "", errorf(errInvalidValue, "Availability zone '%s' is unavailable in this region, please choose another zone set.", *want)
		}
		return *want, nil
	}
	use := map[string]int{}
	for _, inst := range s.clusterInstances(c) {
		use[inst.AZ]++
	}
	cands := c.AvailabilityZones
	if len(cands) == 0 {
		cands = regionAZs
	}
	best := ""
	for _, az := range cands {
		if best == "" || use[az] < use[best] {
			best = az
		}
	}
	return best, nil
}

// DescribeDBInstances lists the instances of a region.
func (s *Service) DescribeDBInstances(_ context.Context, region string, in *sdk.DescribeDBInstancesInput) (*sdk.DescribeDBInstancesOutput, error) {
	fs, err := parseFilters(in.Filters, "db-cluster-id", "db-instance-id", "dbi-resource-id", "domain", "engine")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []types.DBInstance
	if in.DBInstanceIdentifier != nil {
		inst, err := s.instanceByRef(region, *in.DBInstanceIdentifier)
		if err != nil {
			return nil, err
		}
		list = append(list, *s.renderInstance(inst))
	} else {
		for _, k := range sortedKeys(s.st.Instances) {
			inst := s.st.Instances[k]
			if inst.Region != region {
				continue
			}
			if fs.match("db-cluster-id", inst.ClusterID, s.arn(region, "cluster", inst.ClusterID)) &&
				fs.match("db-instance-id", inst.ID, s.arn(region, "db", inst.ID)) &&
				fs.match("dbi-resource-id", inst.ResourceID) && fs.match("engine", inst.Engine) {
				list = append(list, *s.renderInstance(inst))
			}
		}
	}
	start, end, next, err := page(len(list), in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &sdk.DescribeDBInstancesOutput{DBInstances: list[start:end], Marker: next}, nil
}

// modifiableInstanceParams are the ModifyDBInstance parameters the
// emulator applies. Any other parameter is refused, not silently ignored.
var modifiableInstanceParams = []string{"DBInstanceIdentifier", "ApplyImmediately", "PubliclyAccessible",
	"PromotionTier", "MonitoringInterval", "MonitoringRoleArn"}

// ModifyDBInstance changes the instance settings the emulator models:
// PubliclyAccessible, PromotionTier and Enhanced Monitoring. None of them
// needs a reboot, so they apply at once whatever ApplyImmediately says.
// Setting MonitoringInterval to 0 without a role turns Enhanced Monitoring
// off and forgets the role.
func (s *Service) ModifyDBInstance(_ context.Context, region string, in *sdk.ModifyDBInstanceInput) (*sdk.ModifyDBInstanceOutput, error) {
	if extra := setFields(in, modifiableInstanceParams...); len(extra) > 0 {
		return nil, errorf(errInvalidValue, "The emulator's ModifyDBInstance supports %s; it does not support %s.",
			strings.Join(modifiableInstanceParams, ", "), strings.Join(extra, ", "))
	}
	if in.PromotionTier != nil && (*in.PromotionTier < 0 || *in.PromotionTier > 15) {
		return nil, errorf(errInvalidValue, "PromotionTier must be between 0 and 15.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inst, err := s.instanceByRef(region, deref(in.DBInstanceIdentifier))
	if err != nil {
		return nil, err
	}
	if inst.Status != StatusAvailable {
		return nil, errorf(errInstanceState, "Database instance is not in available state.")
	}
	interval, role := int32(inst.MonitoringInterval), inst.MonitoringRoleARN
	if in.MonitoringInterval != nil {
		interval = *in.MonitoringInterval
		if interval == 0 {
			role = ""
		}
	}
	if in.MonitoringRoleArn != nil {
		role = *in.MonitoringRoleArn
	}
	if err := checkMonitoring(interval, role); err != nil {
		return nil, err
	}
	if in.PubliclyAccessible != nil {
		inst.PubliclyAccessible = *in.PubliclyAccessible
	}
	if in.PromotionTier != nil {
		inst.PromotionTier = int(*in.PromotionTier)
	}
	inst.MonitoringInterval, inst.MonitoringRoleARN = int(interval), role
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.ModifyDBInstanceOutput{DBInstance: s.renderInstance(inst)}, nil
}

// DeleteDBInstance deletes an instance. Deleting the writer hands the
// writer role to another instance of the cluster (in-region failover);
// the last instance of a primary cluster that still has secondaries can't
// be deleted, as on AWS.
func (s *Service) DeleteDBInstance(_ context.Context, region string, in *sdk.DeleteDBInstanceInput) (*sdk.DeleteDBInstanceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst, err := s.instanceByRef(region, deref(in.DBInstanceIdentifier))
	if err != nil {
		return nil, err
	}
	if inst.Status == StatusDeleting {
		return nil, errorf(errInstanceState, "Instance %s is already being deleted.", inst.ID)
	}
	if in.FinalDBSnapshotIdentifier != nil {
		return nil, errorf(errInvalidCombination, "FinalDBSnapshotIdentifier can not be specified when deleting a DB instance that is part of a DB cluster.")
	}
	c := s.st.Clusters[key(region, inst.ClusterID)]
	live := s.liveInstances(c, inst.ID)
	if c.GlobalClusterID != "" && len(live) == 0 && !s.isSecondary(c) {
		g := s.st.Globals[c.GlobalClusterID]
		if g != nil && len(g.Members) > 1 {
			return nil, errorf(errClusterState, "Cannot delete the last instance of the master cluster. Delete the replica cluster before deleting the last master cluster instance.")
		}
	}
	inst.Status = StatusDeleting
	if c.Writer == inst.ID {
		c.Writer = ""
		if len(live) > 0 {
			c.Writer = live[0].ID
		}
	}
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.DeleteDBInstanceOutput{DBInstance: s.renderInstance(inst)}, nil
}

// liveInstances returns c's instances that are not being deleted, except
// skip, in failover order (promotion tier, then identifier).
func (s *Service) liveInstances(c *Cluster, skip string) []*Instance {
	var out []*Instance
	for _, inst := range s.clusterInstances(c) {
		if inst.ID != skip && inst.Status != StatusDeleting {
			out = append(out, inst)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].PromotionTier < out[j].PromotionTier })
	return out
}

func (s *Service) instanceByRef(region, ref string) (*Instance, error) {
	r, kind, id, ok := parseARN(ref)
	if ok && kind == "db" {
		region = r
	} else {
		id = idFromARNOrName(ref, "db")
	}
	inst, found := s.st.Instances[key(region, id)]
	if !found {
		return nil, errorf(errInstanceNotFound, "DBInstance %s not found.", ref)
	}
	return inst, nil
}

func (s *Service) instanceEndpoint(inst *Instance) string {
	return fmt.Sprintf("%s.%s.%s.rds.amazonaws.com", inst.ID, s.regionHash(inst.Region), inst.Region)
}

func (s *Service) renderInstance(inst *Instance) *types.DBInstance {
	c := s.st.Clusters[key(inst.Region, inst.ClusterID)]
	out := &types.DBInstance{
		DBInstanceIdentifier:             str(inst.ID),
		DBInstanceArn:                    str(s.arn(inst.Region, "db", inst.ID)),
		DbiResourceId:                    str(inst.ResourceID),
		DBInstanceClass:                  str(inst.Class),
		DBInstanceStatus:                 str(inst.Status),
		DBClusterIdentifier:              str(inst.ClusterID),
		Engine:                           str(inst.Engine),
		EngineVersion:                    str(inst.EngineVersion),
		AvailabilityZone:                 str(inst.AZ),
		PubliclyAccessible:               boolp(inst.PubliclyAccessible),
		PromotionTier:                    i32(inst.PromotionTier),
		MonitoringInterval:               i32(inst.MonitoringInterval),
		InstanceCreateTime:               &inst.Created,
		DbInstancePort:                   i32(0),
		MultiAZ:                          boolp(false),
		StorageType:                      str("aurora"),
		StorageEncrypted:                 boolp(false),
		AutoMinorVersionUpgrade:          boolp(true),
		IAMDatabaseAuthenticationEnabled: boolp(false),
		DeletionProtection:               boolp(false),
		CopyTagsToSnapshot:               boolp(false),
		LicenseModel:                     str("postgresql-license"),
		TagList:                          tagList(inst.Tags),
	}
	if inst.MonitoringRoleARN != "" {
		out.MonitoringRoleArn = str(inst.MonitoringRoleARN)
	}
	if inst.MonitoringInterval > 0 {
		// Where RDS would write the OS metrics: the instance's stream of
		// the RDSOSMetrics log group.
		out.EnhancedMonitoringResourceArn = str(fmt.Sprintf("arn:aws:logs:%s:%s:log-group:RDSOSMetrics:log-stream:%s",
			inst.Region, s.cfg.AccountID, inst.ResourceID))
	}
	if inst.Status != StatusCreating {
		out.Endpoint = &types.Endpoint{Address: str(s.instanceEndpoint(inst)), Port: i32(inst.Port), HostedZoneId: str("Z2EMULATEDRDS")}
	}
	if c != nil {
		out.StorageEncrypted = boolp(c.StorageEncrypted)
		out.IAMDatabaseAuthenticationEnabled = boolp(c.IAMAuth)
		out.DeletionProtection = boolp(c.DeletionProtection)
		if c.MasterUsername != "" {
			out.MasterUsername = str(c.MasterUsername)
		}
		if c.DatabaseName != "" {
			out.DBName = str(c.DatabaseName)
		}
	}
	return out
}
