package rds

import (
	"context"
	"fmt"
	"sort"

	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// CreateDBCluster creates a standalone cluster, the primary of an empty
// global cluster, or a secondary in another region of a global cluster.
// Secondaries must not carry master credentials or a database name.
func (s *Service) CreateDBCluster(_ context.Context, region string, in *sdk.CreateDBClusterInput) (*sdk.CreateDBClusterOutput, error) {
	if err := s.checkRegion(region); err != nil {
		return nil, err
	}
	id, err := checkIdentifier("DBClusterIdentifier", in.DBClusterIdentifier, maxIdentifierLen)
	if err != nil {
		return nil, err
	}
	engine, version, err := checkEngine(in.Engine, in.EngineVersion)
	if err != nil {
		return nil, err
	}
	if err := checkBackupRetention(in.BackupRetentionPeriod); err != nil {
		return nil, err
	}
	if err := checkTags(nil, in.Tags); err != nil {
		return nil, err
	}
	if in.ManageMasterUserPassword != nil && *in.ManageMasterUserPassword {
		return nil, errorf(errInvalidCombination, "Global clusters do not support managed master user password; the emulator does not emulate Secrets Manager.")
	}
	if in.ReplicationSourceIdentifier != nil {
		if in.GlobalClusterIdentifier != nil {
			return nil, errorf(errInvalidCombination, "ReplicationSourceIdentifier and GlobalClusterIdentifier are mutually exclusive.")
		}
		return nil, errorf(errInvalidValue, "Cross-region read replica clusters (ReplicationSourceIdentifier) are not supported by the emulator; use a global cluster.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.Clusters[key(region, id)]; ok {
		return nil, errorf(errClusterExists, "DB Cluster already exists")
	}
	paramGroup, err := s.checkParameterGroup(region, in.DBClusterParameterGroupName)
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		ID: id, Region: region, ResourceID: s.resourceID("cluster-"), Engine: engine, EngineVersion: version,
		Port: defaultPort, Status: StatusCreating, Created: s.cfg.Clock.Now().UTC(),
		DeletionProtection: in.DeletionProtection != nil && *in.DeletionProtection,
		IAMAuth:            in.EnableIAMDatabaseAuthentication != nil && *in.EnableIAMDatabaseAuthentication,
		StorageEncrypted:   in.StorageEncrypted != nil && *in.StorageEncrypted,
		KmsKeyID:           deref(in.KmsKeyId), SecurityGroups: in.VpcSecurityGroupIds,
		ParameterGroup: paramGroup, BackupRetention: 1, Tags: tagsFrom(in.Tags),
	}
	if in.Port != nil {
		if *in.Port < 1150 || *in.Port > 65535 {
			return nil, errorf(errInvalidValue, "Invalid port %d: the port must be between 1150 and 65535.", *in.Port)
		}
		c.Port = int(*in.Port)
	}
	if in.BackupRetentionPeriod != nil {
		c.BackupRetention = int(*in.BackupRetentionPeriod)
	}
	if err := s.placeCluster(c, in.DBSubnetGroupName, in.AvailabilityZones); err != nil {
		return nil, err
	}
	var g *GlobalCluster
	if in.GlobalClusterIdentifier != nil {
		if g, err = s.global(idFromARNOrName(*in.GlobalClusterIdentifier, "global-cluster")); err != nil {
			return nil, err
		}
	}
	// Checked before joining: a refused request must leave g as it was.
	wfVersion := c.EngineVersion
	if g != nil && in.EngineVersion == nil {
		wfVersion = g.EngineVersion
	}
	if err := checkForwarding(c.Engine, wfVersion, in.EnableGlobalWriteForwarding, in.EnableLocalWriteForwarding); err != nil {
		return nil, err
	}
	if g != nil && g.Writer != "" {
		err = s.joinAsSecondary(c, g, in)
	} else {
		err = s.setupPrimary(c, g, in)
	}
	if err != nil {
		return nil, err
	}
	s.requestForwarding(&c.GlobalWFRequested, &c.GlobalWFSince, in.EnableGlobalWriteForwarding, s.isSecondary(c))
	s.requestForwarding(&c.LocalWFRequested, &c.LocalWFSince, in.EnableLocalWriteForwarding, true)
	s.st.Clusters[key(region, id)] = c
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.CreateDBClusterOutput{DBCluster: s.renderCluster(c)}, nil
}

// joinAsSecondary checks and records a secondary cluster of g.
func (s *Service) joinAsSecondary(c *Cluster, g *GlobalCluster, in *sdk.CreateDBClusterInput) error {
	switch {
	case in.MasterUsername != nil:
		return errorf(errInvalidCombination, "Cannot specify user name for cross region replication cluster")
	case in.MasterUserPassword != nil:
		return errorf(errInvalidCombination, "Cannot specify password for cross region replication cluster")
	case in.DatabaseName != nil:
		return errorf(errInvalidCombination, "Cannot specify database name for cross region replication cluster")
	}
	if g.Status != StatusAvailable {
		return errorf(errGlobalState, "Global cluster %s is not in available state (current state: %s).", g.ID, g.Status)
	}
	if err := s.checkGlobalEngine(c, g, in.EngineVersion); err != nil {
		return err
	}
	for _, k := range append(append([]string{}, g.Members...), g.Leaving...) {
		if m := s.st.Clusters[k]; m != nil && m.Region == c.Region {
			return errorf(errGlobalState, "Global cluster %s already has a member in region %s.", g.ID, c.Region)
		}
	}
	primary := s.st.Clusters[g.Writer]
	if primary != nil {
		c.DatabaseName, c.MasterUsername = primary.DatabaseName, primary.MasterUsername
	}
	host, err := s.cfg.Addresses.Allocate(primaryPort(primary, c))
	if err != nil {
		return fmt.Errorf("allocate link address: %w", err)
	}
	c.LinkHost = host
	c.GlobalClusterID = g.ID
	g.Members = append(g.Members, key(c.Region, c.ID))
	return nil
}

func primaryPort(primary, c *Cluster) int {
	if primary != nil {
		return primary.Port
	}
	return c.Port
}

// setupPrimary checks and records a standalone cluster or the first
// (primary) member of an empty global cluster.
func (s *Service) setupPrimary(c *Cluster, g *GlobalCluster, in *sdk.CreateDBClusterInput) error {
	if in.MasterUsername == nil || *in.MasterUsername == "" {
		return errorf(errInvalidValue, "The parameter MasterUsername must be provided and must not be blank.")
	}
	if err := checkMasterUsername(*in.MasterUsername); err != nil {
		return err
	}
	if in.MasterUserPassword == nil || *in.MasterUserPassword == "" {
		return errorf(errInvalidValue, "The parameter MasterUserPassword must be provided and must not be blank.")
	}
	if err := checkMasterPassword(*in.MasterUserPassword); err != nil {
		return err
	}
	verifier, err := scramVerifier(s.cfg.Random, *in.MasterUserPassword)
	if err != nil {
		return fmt.Errorf("hash master password: %w", err)
	}
	c.MasterUsername, c.PendingVerifier = *in.MasterUsername, verifier
	if in.DatabaseName != nil {
		if err := checkDatabaseName(*in.DatabaseName); err != nil {
			return err
		}
		c.DatabaseName = *in.DatabaseName
	}
	if g == nil {
		return nil
	}
	if g.Status != StatusAvailable {
		return errorf(errGlobalState, "Global cluster %s is not in available state (current state: %s).", g.ID, g.Status)
	}
	if err := s.checkGlobalEngine(c, g, in.EngineVersion); err != nil {
		return err
	}
	if c.DatabaseName == "" {
		c.DatabaseName = g.DatabaseName
	}
	c.GlobalClusterID = g.ID
	k := key(c.Region, c.ID)
	g.Members, g.Writer = append(g.Members, k), k
	return nil
}

func (s *Service) checkGlobalEngine(c *Cluster, g *GlobalCluster, version *string) error {
	if c.Engine != g.Engine {
		return errorf(errInvalidCombination, "The engine %s of the DB cluster does not match the engine %s of global cluster %s.", c.Engine, g.Engine, g.ID)
	}
	if version != nil && *version != g.EngineVersion {
		return errorf(errInvalidCombination, "The engine version %s does not match the engine version %s of global cluster %s.", *version, g.EngineVersion, g.ID)
	}
	c.EngineVersion = g.EngineVersion
	return nil
}

// placeCluster checks the subnet group and AZs of a new cluster.
func (s *Service) placeCluster(c *Cluster, subnetGroup *string, azs []string) error {
	regionAZs := s.azs(c.Region)
	if subnetGroup != nil && *subnetGroup != "" && *subnetGroup != "default" {
		sg, ok := s.st.SubnetGroups[key(c.Region, *subnetGroup)]
		if !ok {
			return errorf(errSubnetGroupNotFound, "DBSubnetGroup %s not found.", *subnetGroup)
		}
		c.SubnetGroup = sg.Name
	}
	for _, az := range azs {
		if !contains(regionAZs, az) {
			return errorf(errInvalidValue, "Availability zone '%s' is unavailable in this region, please choose another zone set.", az)
		}
	}
	c.AvailabilityZones = azs
	if len(c.AvailabilityZones) == 0 && len(regionAZs) > 0 {
		c.AvailabilityZones = regionAZs[:min(3, len(regionAZs))]
	}
	return nil
}

// DescribeDBClusters lists the clusters of a region.
func (s *Service) DescribeDBClusters(_ context.Context, region string, in *sdk.DescribeDBClustersInput) (*sdk.DescribeDBClustersOutput, error) {
	fs, err := parseFilters(in.Filters, "db-cluster-id", "db-cluster-resource-id", "engine", "clone-group-id", "domain")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []types.DBCluster
	if in.DBClusterIdentifier != nil {
		c, err := s.clusterByRef(region, *in.DBClusterIdentifier)
		if err != nil {
			return nil, err
		}
		list = append(list, *s.renderCluster(c))
	} else {
		for _, k := range sortedKeys(s.st.Clusters) {
			c := s.st.Clusters[k]
			if c.Region != region {
				continue
			}
			if fs.match("db-cluster-id", c.ID, s.arn(c.Region, "cluster", c.ID)) &&
				fs.match("db-cluster-resource-id", c.ResourceID) && fs.match("engine", c.Engine) {
				list = append(list, *s.renderCluster(c))
			}
		}
	}
	start, end, next, err := page(len(list), in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &sdk.DescribeDBClustersOutput{DBClusters: list[start:end], Marker: next}, nil
}

// ModifyDBCluster changes the settings the runbook needs.
func (s *Service) ModifyDBCluster(_ context.Context, region string, in *sdk.ModifyDBClusterInput) (*sdk.ModifyDBClusterOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.clusterByRef(region, deref(in.DBClusterIdentifier))
	if err != nil {
		return nil, err
	}
	if c.Status != StatusAvailable {
		return nil, errorf(errClusterState, "DB cluster %s is not in available state (current state: %s).", c.ID, c.Status)
	}
	if in.NewDBClusterIdentifier != nil || in.MasterUserPassword != nil || in.EngineVersion != nil || in.Port != nil {
		return nil, errorf(errInvalidValue, "The emulator's ModifyDBCluster supports DeletionProtection, EnableIAMDatabaseAuthentication, BackupRetentionPeriod, DBClusterParameterGroupName, VpcSecurityGroupIds, EnableGlobalWriteForwarding and EnableLocalWriteForwarding.")
	}
	if err := checkBackupRetention(in.BackupRetentionPeriod); err != nil {
		return nil, err
	}
	if err := checkForwarding(c.Engine, c.EngineVersion, in.EnableGlobalWriteForwarding, in.EnableLocalWriteForwarding); err != nil {
		return nil, err
	}
	paramGroup, err := s.checkParameterGroup(region, in.DBClusterParameterGroupName)
	if err != nil {
		return nil, err
	}
	if in.DeletionProtection != nil {
		c.DeletionProtection = *in.DeletionProtection
	}
	if in.EnableIAMDatabaseAuthentication != nil {
		c.IAMAuth = *in.EnableIAMDatabaseAuthentication
	}
	if in.BackupRetentionPeriod != nil {
		c.BackupRetention = int(*in.BackupRetentionPeriod)
	}
	if in.DBClusterParameterGroupName != nil {
		// RDS applies a new cluster parameter group's dynamic
		// parameters (rds.force_ssl) without a reboot.
		c.ParameterGroup = paramGroup
	}
	if in.VpcSecurityGroupIds != nil {
		c.SecurityGroups = in.VpcSecurityGroupIds
	}
	// Write forwarding switches without a restart: the cluster stays
	// available while the status settles.
	s.requestForwarding(&c.GlobalWFRequested, &c.GlobalWFSince, in.EnableGlobalWriteForwarding, s.isSecondary(c))
	s.requestForwarding(&c.LocalWFRequested, &c.LocalWFSince, in.EnableLocalWriteForwarding, true)
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.ModifyDBClusterOutput{DBCluster: s.renderCluster(c)}, nil
}

// DeleteDBCluster deletes a cluster that is not a global member and has
// no instances left (other than ones being deleted).
func (s *Service) DeleteDBCluster(_ context.Context, region string, in *sdk.DeleteDBClusterInput) (*sdk.DeleteDBClusterOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.clusterByRef(region, deref(in.DBClusterIdentifier))
	if err != nil {
		return nil, err
	}
	skip := in.SkipFinalSnapshot != nil && *in.SkipFinalSnapshot
	switch {
	case c.DeletionProtection:
		return nil, errorf(errInvalidCombination, "Cannot delete protected Cluster, please disable deletion protection and try again.")
	case !skip && in.FinalDBSnapshotIdentifier == nil:
		return nil, errorf(errInvalidCombination, "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.")
	case skip && in.FinalDBSnapshotIdentifier != nil:
		return nil, errorf(errInvalidCombination, "FinalDBSnapshotIdentifier can not be specified when deleting a cluster with SkipFinalSnapshot enabled.")
	case c.GlobalClusterID != "":
		return nil, errorf(errClusterState, "This cluster is a part of a global cluster, please remove it from globalcluster first")
	case c.Status == StatusDeleting:
		return nil, errorf(errClusterState, "DB cluster %s is already being deleted.", c.ID)
	case c.Status == StatusPromoting && !skip:
		return nil, errorf(errClusterState, "Can't create a snapshot of DB cluster %s while it is promoting.", c.ID)
	}
	for _, inst := range s.clusterInstances(c) {
		if inst.Status != StatusDeleting {
			return nil, errorf(errClusterState, "Cluster cannot be deleted, it still contains DB instances in non-deleting state.")
		}
	}
	c.Status = StatusDeleting
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.DeleteDBClusterOutput{DBCluster: s.renderCluster(c)}, nil
}

// clusterByRef finds a cluster of region by identifier or ARN.
func (s *Service) clusterByRef(region, ref string) (*Cluster, error) {
	r, kind, id, ok := parseARN(ref)
	if ok && kind == "cluster" {
		region = r
	} else {
		id = idFromARNOrName(ref, "cluster")
	}
	c, found := s.st.Clusters[key(region, id)]
	if !found {
		return nil, errorf(errClusterNotFound, "DBCluster %s not found.", ref)
	}
	return c, nil
}

// clusterInstances returns c's instances sorted by identifier.
func (s *Service) clusterInstances(c *Cluster) []*Instance {
	var out []*Instance
	for _, inst := range s.st.Instances {
		if inst.Region == c.Region && inst.ClusterID == c.ID {
			out = append(out, inst)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// isSecondary reports whether c is a non-writer member of a global cluster.
func (s *Service) isSecondary(c *Cluster) bool {
	if c.GlobalClusterID == "" {
		return false
	}
	g := s.st.Globals[c.GlobalClusterID]
	return g != nil && g.Writer != key(c.Region, c.ID)
}

func (s *Service) clusterEndpoint(c *Cluster) string {
	return fmt.Sprintf("%s.cluster-%s.%s.rds.amazonaws.com", c.ID, s.regionHash(c.Region), c.Region)
}

func (s *Service) readerEndpoint(c *Cluster) string {
	return fmt.Sprintf("%s.cluster-ro-%s.%s.rds.amazonaws.com", c.ID, s.regionHash(c.Region), c.Region)
}

func (s *Service) renderCluster(c *Cluster) *types.DBCluster {
	out := &types.DBCluster{
		DBClusterIdentifier:              str(c.ID),
		DBClusterArn:                     str(s.arn(c.Region, "cluster", c.ID)),
		DbClusterResourceId:              str(c.ResourceID),
		Engine:                           str(c.Engine),
		EngineVersion:                    str(c.EngineVersion),
		EngineMode:                       str("provisioned"),
		Status:                           str(c.Status),
		Port:                             i32(c.Port),
		Endpoint:                         str(s.clusterEndpoint(c)),
		ReaderEndpoint:                   str(s.readerEndpoint(c)),
		ClusterCreateTime:                &c.Created,
		DeletionProtection:               boolp(c.DeletionProtection),
		IAMDatabaseAuthenticationEnabled: boolp(c.IAMAuth),
		StorageEncrypted:                 boolp(c.StorageEncrypted),
		BackupRetentionPeriod:            i32(c.BackupRetention),
		AvailabilityZones:                c.AvailabilityZones,
		DBClusterMembers:                 []types.DBClusterMember{},
		VpcSecurityGroups:                []types.VpcSecurityGroupMembership{},
		TagList:                          tagList(c.Tags),
		HostedZoneId:                     str("Z2EMULATEDRDS"),
		MultiAZ:                          boolp(false),
		CopyTagsToSnapshot:               boolp(false),
		CrossAccountClone:                boolp(false),
		AutoMinorVersionUpgrade:          boolp(true),
		DBClusterParameterGroup:          str(orDefault(c.ParameterGroup, "default.aurora-postgresql15")),
		DBSubnetGroup:                    str(orDefault(c.SubnetGroup, "default")),
	}
	if c.MasterUsername != "" {
		out.MasterUsername = str(c.MasterUsername)
	}
	if c.DatabaseName != "" {
		out.DatabaseName = str(c.DatabaseName)
	}
	if c.KmsKeyID != "" {
		out.KmsKeyId = str(c.KmsKeyID)
	}
	if c.GlobalClusterID != "" {
		out.GlobalClusterIdentifier = str(c.GlobalClusterID)
	}
	s.renderForwarding(c, out)
	for _, sg := range c.SecurityGroups {
		out.VpcSecurityGroups = append(out.VpcSecurityGroups, types.VpcSecurityGroupMembership{VpcSecurityGroupId: str(sg), Status: str("active")})
	}
	secondary := s.isSecondary(c)
	azs := map[string]bool{}
	for _, inst := range s.clusterInstances(c) {
		out.DBClusterMembers = append(out.DBClusterMembers, types.DBClusterMember{
			DBInstanceIdentifier:          str(inst.ID),
			IsClusterWriter:               boolp(!secondary && inst.ID == c.Writer),
			PromotionTier:                 i32(inst.PromotionTier),
			DBClusterParameterGroupStatus: str("in-sync"),
		})
		azs[inst.AZ] = true
	}
	out.MultiAZ = boolp(len(azs) > 1)
	return out
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
