package rds

import (
	"context"
	"regexp"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// CreateDBSubnetGroup records a subnet group. The emulator has no VPCs:
// subnets are spread over the region's AZs in the order given, and must
// cover at least two AZs as on AWS.
func (s *Service) CreateDBSubnetGroup(_ context.Context, region string, in *sdk.CreateDBSubnetGroupInput) (*sdk.CreateDBSubnetGroupOutput, error) {
	if err := s.checkRegion(region); err != nil {
		return nil, err
	}
	name, err := checkSubnetGroupName(in.DBSubnetGroupName)
	if err != nil {
		return nil, err
	}
	if err := checkTags(nil, in.Tags); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.SubnetGroups[key(region, name)]; ok {
		return nil, errorf(errSubnetGroupExists, "The DB subnet group '%s' already exists.", name)
	}
	azs := s.azs(region)
	sg := &SubnetGroup{Name: name, Region: region, Description: deref(in.DBSubnetGroupDescription), VpcID: "vpc-" + s.regionHash(region)[:8], Tags: tagsFrom(in.Tags)}
	seen := map[string]bool{}
	for i, id := range in.SubnetIds {
		az := azs[i%len(azs)]
		sg.Subnets = append(sg.Subnets, Subnet{ID: id, AZ: az})
		seen[az] = true
	}
	if len(seen) < 2 {
		return nil, errorf(errSubnetGroupFewAZs, "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: %d. Add subnets to cover at least 2 AZs.", len(seen))
	}
	s.st.SubnetGroups[key(region, name)] = sg
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.CreateDBSubnetGroupOutput{DBSubnetGroup: s.renderSubnetGroup(sg)}, nil
}

// maxSubnetGroupNameLen bounds DBSubnetGroupName.
const maxSubnetGroupNameLen = 255

// subnetGroupNameRE is what CreateDBSubnetGroup accepts: a letter, then
// letters, digits, spaces, periods, underscores and hyphens (botocore's
// CreateDBSubnetGroupMessage documentation).
var subnetGroupNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9 ._-]*$`)

// checkSubnetGroupName validates a new subnet group's name and returns it
// lowercased, as RDS stores it. "default" names the default subnet group
// and cannot be created.
func checkSubnetGroupName(v *string) (string, error) {
	name := deref(v)
	switch {
	case name == "":
		return "", errorf(errInvalidValue, "The parameter DBSubnetGroupName must be provided and must not be blank.")
	case len(name) > maxSubnetGroupNameLen:
		return "", errorf(errInvalidValue, "The parameter DBSubnetGroupName is not a valid name: it must be at most %d characters long.", maxSubnetGroupNameLen)
	case !subnetGroupNameRE.MatchString(name):
		return "", errorf(errInvalidValue, "The parameter DBSubnetGroupName is not a valid name: it must begin with a letter and contain only "+
			"ASCII letters, digits, spaces, periods, underscores and hyphens.")
	case strings.EqualFold(name, "default"):
		return "", errorf(errInvalidValue, "The parameter DBSubnetGroupName is not a valid name: 'default' is reserved for the default DB subnet group.")
	}
	return strings.ToLower(name), nil
}

// DescribeDBSubnetGroups lists the subnet groups of a region.
func (s *Service) DescribeDBSubnetGroups(_ context.Context, region string, in *sdk.DescribeDBSubnetGroupsInput) (*sdk.DescribeDBSubnetGroupsOutput, error) {
	if _, err := parseFilters(in.Filters); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []types.DBSubnetGroup
	for _, k := range sortedKeys(s.st.SubnetGroups) {
		sg := s.st.SubnetGroups[k]
		if sg.Region != region || (in.DBSubnetGroupName != nil && !strings.EqualFold(*in.DBSubnetGroupName, sg.Name)) {
			continue
		}
		list = append(list, *s.renderSubnetGroup(sg))
	}
	if in.DBSubnetGroupName != nil && len(list) == 0 {
		return nil, errorf(errSubnetGroupNotFound, "DBSubnetGroup %s not found.", *in.DBSubnetGroupName)
	}
	start, end, next, err := page(len(list), in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &sdk.DescribeDBSubnetGroupsOutput{DBSubnetGroups: list[start:end], Marker: next}, nil
}

// DeleteDBSubnetGroup deletes a subnet group no cluster uses.
func (s *Service) DeleteDBSubnetGroup(_ context.Context, region string, in *sdk.DeleteDBSubnetGroupInput) (*sdk.DeleteDBSubnetGroupOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := strings.ToLower(deref(in.DBSubnetGroupName))
	if _, ok := s.st.SubnetGroups[key(region, name)]; !ok {
		return nil, errorf(errSubnetGroupNotFound, "DBSubnetGroup %s not found.", name)
	}
	for _, c := range s.st.Clusters {
		if c.Region == region && c.SubnetGroup == name {
			return nil, errorf(errSubnetGroupState, "Cannot delete the subnet group '%s' because at least one database cluster: %s is still using it.", name, c.ID)
		}
	}
	delete(s.st.SubnetGroups, key(region, name))
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.DeleteDBSubnetGroupOutput{}, nil
}

func (s *Service) renderSubnetGroup(sg *SubnetGroup) *types.DBSubnetGroup {
	out := &types.DBSubnetGroup{
		DBSubnetGroupName:        str(sg.Name),
		DBSubnetGroupDescription: str(sg.Description),
		DBSubnetGroupArn:         str(s.arn(sg.Region, "subgrp", sg.Name)),
		VpcId:                    str(sg.VpcID),
		SubnetGroupStatus:        str("Complete"),
		SupportedNetworkTypes:    []string{"IPV4"},
		Subnets:                  []types.Subnet{},
	}
	for _, sn := range sg.Subnets {
		out.Subnets = append(out.Subnets, types.Subnet{
			SubnetIdentifier:       str(sn.ID),
			SubnetAvailabilityZone: &types.AvailabilityZone{Name: str(sn.AZ)},
			SubnetStatus:           str("Active"),
		})
	}
	return out
}

// checkRegion refuses region names the emulator does not know.
func (s *Service) checkRegion(region string) error {
	if len(s.azs(region)) == 0 {
		return errorf(errInvalidValue, "The region %s is not a known AWS region.", region)
	}
	return nil
}

func (s *Service) azs(region string) []string {
	if s.cfg.Regions == nil {
		return []string{region + "a", region + "b", region + "c"}
	}
	azs, ok := s.cfg.Regions(region)
	if !ok {
		return nil
	}
	return azs
}
