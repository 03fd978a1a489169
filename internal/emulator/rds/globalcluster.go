package rds

import (
	"context"
	"fmt"

	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// CreateGlobalCluster creates an empty global cluster, or one around an
// existing cluster (SourceDBClusterIdentifier) that becomes its primary.
func (s *Service) CreateGlobalCluster(_ context.Context, region string, in *sdk.CreateGlobalClusterInput) (*sdk.CreateGlobalClusterOutput, error) {
	if err := checkTags(nil, in.Tags); err != nil {
		return nil, err
	}
	id, err := checkGlobalIdentifier(in.GlobalClusterIdentifier)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.Globals[id]; ok {
		return nil, errorf(errGlobalExists, "Global cluster %s already exists", id)
	}
	g := &GlobalCluster{
		ID: id, ResourceID: "cluster-" + s.randomID(26), EndpointHash: s.randomID(12),
		Status: StatusAvailable, Created: s.cfg.Clock.Now().UTC(), Tags: tagsFrom(in.Tags),
		DeletionProtection: in.DeletionProtection != nil && *in.DeletionProtection,
	}
	if in.SourceDBClusterIdentifier != nil {
		if in.Engine != nil || in.EngineVersion != nil || in.DatabaseName != nil || in.StorageEncrypted != nil {
			return nil, errorf(errInvalidCombination, "When you specify SourceDBClusterIdentifier, the Engine, EngineVersion, DatabaseName and StorageEncrypted parameters are taken from the source cluster and must not be specified.")
		}
		src, err := s.clusterByRef(region, *in.SourceDBClusterIdentifier)
		if err != nil {
			return nil, err
		}
		if src.GlobalClusterID != "" {
			return nil, errorf(errClusterState, "The source cluster %s is already a member of global cluster %s.", src.ID, src.GlobalClusterID)
		}
		if src.Status != StatusAvailable {
			return nil, errorf(errClusterState, "DB cluster %s is not in available state.", src.ID)
		}
		g.Engine, g.EngineVersion, g.DatabaseName, g.StorageEncrypted = src.Engine, src.EngineVersion, src.DatabaseName, src.StorageEncrypted
		k := key(src.Region, src.ID)
		g.Members, g.Writer = []string{k}, k
		src.GlobalClusterID = id
	} else {
		engine, version, err := checkEngine(in.Engine, in.EngineVersion)
		if err != nil {
			return nil, err
		}
		g.Engine, g.EngineVersion = engine, version
		if in.DatabaseName != nil {
			if err := checkDatabaseName(*in.DatabaseName); err != nil {
				return nil, err
			}
			g.DatabaseName = *in.DatabaseName
		}
		g.StorageEncrypted = in.StorageEncrypted != nil && *in.StorageEncrypted
	}
	s.st.Globals[id] = g
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.CreateGlobalClusterOutput{GlobalCluster: s.renderGlobal(g)}, nil
}

// DescribeGlobalClusters lists global clusters; they are visible from
// every region.
func (s *Service) DescribeGlobalClusters(_ context.Context, _ string, in *sdk.DescribeGlobalClustersInput) (*sdk.DescribeGlobalClustersOutput, error) {
	fs, err := parseFilters(in.Filters, "global-cluster-id", "engine")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []types.GlobalCluster
	if in.GlobalClusterIdentifier != nil {
		g, err := s.global(idFromARNOrName(*in.GlobalClusterIdentifier, "global-cluster"))
		if err != nil {
			return nil, err
		}
		list = append(list, *s.renderGlobal(g))
	} else {
		for _, id := range sortedKeys(s.st.Globals) {
			g := s.st.Globals[id]
			if fs.match("global-cluster-id", g.ID, s.globalARN(g.ID)) && fs.match("engine", g.Engine) {
				list = append(list, *s.renderGlobal(g))
			}
		}
	}
	start, end, next, err := page(len(list), in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &sdk.DescribeGlobalClustersOutput{GlobalClusters: list[start:end], Marker: next}, nil
}

// ModifyGlobalCluster changes deletion protection or renames the global
// cluster (which changes its writer endpoint, as on AWS).
func (s *Service) ModifyGlobalCluster(_ context.Context, _ string, in *sdk.ModifyGlobalClusterInput) (*sdk.ModifyGlobalClusterOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.global(idFromARNOrName(deref(in.GlobalClusterIdentifier), "global-cluster"))
	if err != nil {
		return nil, err
	}
	if in.EngineVersion != nil && *in.EngineVersion != g.EngineVersion {
		if _, _, err := checkEngine(&g.Engine, in.EngineVersion); err != nil {
			return nil, err
		}
		return nil, errorf(errInvalidValue, "The emulator serves one major version of %s; engine version upgrades are not supported.", g.Engine)
	}
	if in.NewGlobalClusterIdentifier != nil {
		nid, err := checkGlobalIdentifier(in.NewGlobalClusterIdentifier)
		if err != nil {
			return nil, err
		}
		if _, ok := s.st.Globals[nid]; ok && nid != g.ID {
			return nil, errorf(errGlobalExists, "Global cluster %s already exists", nid)
		}
		delete(s.st.Globals, g.ID)
		g.ID = nid
		s.st.Globals[nid] = g
		for _, k := range append(append([]string{}, g.Members...), g.Leaving...) {
			if c := s.st.Clusters[k]; c != nil && c.GlobalClusterID != "" {
				c.GlobalClusterID = nid
			}
		}
	}
	if in.DeletionProtection != nil {
		g.DeletionProtection = *in.DeletionProtection
	}
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.ModifyGlobalClusterOutput{GlobalCluster: s.renderGlobal(g)}, nil
}

// RemoveFromGlobalCluster detaches a member ("detach and promote"): a
// secondary becomes a standalone, writable cluster after a promoting
// phase; its membership disappears when the promotion has completed.
func (s *Service) RemoveFromGlobalCluster(_ context.Context, _ string, in *sdk.RemoveFromGlobalClusterInput) (*sdk.RemoveFromGlobalClusterOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.global(idFromARNOrName(deref(in.GlobalClusterIdentifier), "global-cluster"))
	if err != nil {
		return nil, err
	}
	ref := deref(in.DbClusterIdentifier)
	c, k := s.memberByARN(g, ref)
	if c == nil {
		return nil, errorf(errClusterNotFound, "The DB cluster %s is not a member of global cluster %s.", ref, g.ID)
	}
	if c.Status != StatusAvailable {
		return nil, errorf(errClusterState, "DB cluster %s is not in available state (current state: %s).", c.ID, c.Status)
	}
	if g.Writer == k && len(g.Members) > 1 {
		return nil, errorf(errGlobalState, "The primary cluster %s of global cluster %s can't be removed while the global cluster has secondary clusters. Remove the secondary clusters first.", c.ID, g.ID)
	}
	g.Members = without(g.Members, k)
	c.GlobalClusterID = ""
	if g.Writer == k {
		g.Writer = ""
	} else {
		// A detached secondary becomes writable: the runtime promotes its
		// leader, then ObservePromoted makes it available.
		c.Status = StatusPromoting
		g.Leaving = append(g.Leaving, k)
	}
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.RemoveFromGlobalClusterOutput{GlobalCluster: s.renderGlobal(g)}, nil
}

// DeleteGlobalCluster deletes a global cluster that has no members.
func (s *Service) DeleteGlobalCluster(_ context.Context, _ string, in *sdk.DeleteGlobalClusterInput) (*sdk.DeleteGlobalClusterOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.global(idFromARNOrName(deref(in.GlobalClusterIdentifier), "global-cluster"))
	if err != nil {
		return nil, err
	}
	if g.DeletionProtection {
		return nil, errorf(errInvalidCombination, "Cannot delete protected Global Cluster, please disable deletion protection and try again.")
	}
	if len(g.Members) > 0 || len(g.Leaving) > 0 {
		return nil, errorf(errGlobalState, "Global Cluster %s is not empty. Remove or delete its member clusters first.", g.ID)
	}
	delete(s.st.Globals, g.ID)
	if err := s.commit(); err != nil {
		return nil, err
	}
	out := s.renderGlobal(g)
	out.Status = str(StatusDeleting)
	return &sdk.DeleteGlobalClusterOutput{GlobalCluster: out}, nil
}

func (s *Service) global(id string) (*GlobalCluster, error) {
	g, ok := s.st.Globals[id]
	if !ok {
		return nil, errorf(errGlobalNotFound, "Global cluster %s not found", id)
	}
	return g, nil
}

// memberByARN finds a current member of g by ARN (or region-less id).
func (s *Service) memberByARN(g *GlobalCluster, ref string) (*Cluster, string) {
	for _, k := range g.Members {
		c := s.st.Clusters[k]
		if c == nil {
			continue
		}
		if ref == s.arn(c.Region, "cluster", c.ID) || ref == c.ID {
			return c, k
		}
	}
	return nil, ""
}

// GlobalEndpoint returns the global writer endpoint name of g.
func (s *Service) globalEndpoint(g *GlobalCluster) string {
	return fmt.Sprintf("%s.global-%s.global.rds.amazonaws.com", g.ID, g.EndpointHash)
}

func (s *Service) renderGlobal(g *GlobalCluster) *types.GlobalCluster {
	out := &types.GlobalCluster{
		GlobalClusterIdentifier: str(g.ID),
		GlobalClusterResourceId: str(g.ResourceID),
		GlobalClusterArn:        str(s.globalARN(g.ID)),
		Status:                  str(g.Status),
		Engine:                  str(g.Engine),
		EngineVersion:           str(g.EngineVersion),
		StorageEncrypted:        boolp(g.StorageEncrypted),
		DeletionProtection:      boolp(g.DeletionProtection),
		GlobalClusterMembers:    []types.GlobalClusterMember{},
		TagList:                 tagList(g.Tags),
		FailoverState:           s.renderFailoverState(g),
	}
	if g.StorageEncrypted {
		out.StorageEncryptionType = types.StorageEncryptionTypeCmk
	} else {
		out.StorageEncryptionType = types.StorageEncryptionTypeUnencrypted
	}
	if g.DatabaseName != "" {
		out.DatabaseName = str(g.DatabaseName)
	}
	if g.Writer != "" {
		out.Endpoint = str(s.globalEndpoint(g))
	}
	all := append(append([]string{}, g.Members...), g.Leaving...)
	for _, k := range all {
		c := s.st.Clusters[k]
		if c == nil {
			continue
		}
		m := types.GlobalClusterMember{
			DBClusterArn:          str(s.arn(c.Region, "cluster", c.ID)),
			IsWriter:              boolp(k == g.Writer),
			Readers:               []string{},
			SynchronizationStatus: types.GlobalClusterMemberSynchronizationStatusConnected,
		}
		if contains(g.Resync, k) {
			m.SynchronizationStatus = types.GlobalClusterMemberSynchronizationStatusPendingResync
		}
		if k == g.Writer {
			for _, o := range g.Members {
				// A member being rebuilt serves no reads yet.
				if o != k && s.st.Clusters[o] != nil && !contains(g.Resync, o) {
					m.Readers = append(m.Readers, s.arn(s.st.Clusters[o].Region, "cluster", s.st.Clusters[o].ID))
				}
			}
		} else {
			m.GlobalWriteForwardingStatus = s.globalForwardingStatus(c)
		}
		out.GlobalClusterMembers = append(out.GlobalClusterMembers, m)
	}
	return out
}

func without(list []string, k string) []string {
	out := list[:0:0]
	for _, x := range list {
		if x != k {
			out = append(out, x)
		}
	}
	return out
}
