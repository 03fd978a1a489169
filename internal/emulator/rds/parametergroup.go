package rds

import (
	"context"
	"strconv"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// DB cluster parameter groups. Each region has the engine's default group
// (defaultClusterParameterGroup, read-only); users create their own and
// attach them with CreateDBCluster/ModifyDBCluster. The emulator serves the
// parameters it honours (clusterParameters), nothing else: a group that
// sets rds.force_ssl = 1 makes every instance of its clusters refuse
// connections without TLS; the apg_write_forward.* parameters reach the
// forwarding nodes through Node.Forward.

const (
	errParameterGroupNotFound = "DBParameterGroupNotFoundFault"
	errParameterGroupExists   = "DBParameterGroupAlreadyExistsFault"
	errParameterGroupState    = "InvalidDBParameterGroupStateFault"

	defaultClusterParameterGroup = "default.aurora-postgresql15"
	clusterParameterGroupFamily  = "aurora-postgresql15"
	maxParameterGroupNameLen     = 255
	paramForceSSL                = "rds.force_ssl"
)

// ClusterParameterGroup is a user-created DB cluster parameter group.
type ClusterParameterGroup struct {
	Name        string `json:"name"`
	Region      string `json:"region"`
	Family      string `json:"family"`
	Description string `json:"description"`
	// Values are the parameters set by ModifyDBClusterParameterGroup
	// (source "user"); the others have their engine default.
	Values map[string]string `json:"values,omitempty"`
	Tags   []Tag             `json:"tags,omitempty"`
}

// clusterParameter is a cluster parameter the emulator honours.
// allowed is a comma-separated list (matched case-insensitively; the
// value is stored as given) or, for integers, a range "min-max".
type clusterParameter struct {
	name, def, description, dataType, allowed, applyType string
}

// clusterParameters are served in this order. rds.force_ssl defaults to 0
// on Aurora PostgreSQL 15 (reference/rds-tls.md) and is dynamic: a change
// applies to new connections without a reboot. The apg_write_forward.*
// parameters govern write forwarding (reference/write-forwarding.md); the
// consistency mode defaults to session as the user guide documents.
var clusterParameters = []clusterParameter{
	{name: paramForceSSL, def: "0", description: "Refuse connections that do not use TLS.", dataType: "boolean", allowed: "0,1", applyType: "dynamic"},
	{name: paramWFConsistency, def: "session", description: "Read consistency of sessions that forward writes: off, eventual, session or global.",
		dataType: "string", allowed: "off,eventual,session,global", applyType: "dynamic"},
	{name: paramWFConnect, def: "30", description: "Seconds to wait for the forwarding connection to the writer (0 waits indefinitely).",
		dataType: "integer", allowed: "0-2147483647", applyType: "dynamic"},
	{name: paramWFIdleInXact, def: "86400000", description: "Milliseconds after which the writer closes a forwarded connection idle in a transaction (0 disables).",
		dataType: "integer", allowed: "0-2147483647", applyType: "dynamic"},
	{name: paramWFIdle, def: "300000", description: "Milliseconds after which the writer closes an idle forwarded connection (0 disables).",
		dataType: "integer", allowed: "0-2147483647", applyType: "dynamic"},
	{name: paramWFMaxConnsShare, def: "25", description: "Share of the writer's max_connections that forwarded sessions may use.",
		dataType: "integer", allowed: "1-100", applyType: "dynamic"},
}

// accepts tells whether value is allowed for p.
func (p clusterParameter) accepts(value string) bool {
	if p.dataType != "integer" {
		for _, a := range strings.Split(p.allowed, ",") {
			if strings.EqualFold(a, value) {
				return true
			}
		}
		return false
	}
	lo, hi, _ := strings.Cut(p.allowed, "-")
	n, err := strconv.ParseInt(value, 10, 64)
	minV, _ := strconv.ParseInt(lo, 10, 64)
	maxV, _ := strconv.ParseInt(hi, 10, 64)
	return err == nil && n >= minV && n <= maxV
}

func findClusterParameter(name string) (clusterParameter, bool) {
	for _, p := range clusterParameters {
		if p.name == name {
			return p, true
		}
	}
	return clusterParameter{}, false
}

// CreateDBClusterParameterGroup creates an empty group of the
// aurora-postgresql15 family.
func (s *Service) CreateDBClusterParameterGroup(_ context.Context, region string, in *sdk.CreateDBClusterParameterGroupInput) (*sdk.CreateDBClusterParameterGroupOutput, error) {
	if err := s.checkRegion(region); err != nil {
		return nil, err
	}
	name, err := checkIdentifier("DBClusterParameterGroupName", in.DBClusterParameterGroupName, maxParameterGroupNameLen)
	if err != nil {
		return nil, err
	}
	if family := deref(in.DBParameterGroupFamily); family != clusterParameterGroupFamily {
		return nil, errorf(errInvalidValue, "The parameter DBParameterGroupFamily is not valid: the emulator serves %s only, not %q.", clusterParameterGroupFamily, family)
	}
	if deref(in.Description) == "" {
		return nil, errorf(errInvalidValue, "The parameter Description must be provided and must not be blank.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.ParameterGroups[key(region, name)]; ok || name == defaultClusterParameterGroup {
		return nil, errorf(errParameterGroupExists, "Parameter group %s already exists", name)
	}
	g := &ClusterParameterGroup{Name: name, Region: region, Family: clusterParameterGroupFamily,
		Description: deref(in.Description), Tags: tagsFrom(in.Tags)}
	if s.st.ParameterGroups == nil {
		s.st.ParameterGroups = map[string]*ClusterParameterGroup{}
	}
	s.st.ParameterGroups[key(region, name)] = g
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.CreateDBClusterParameterGroupOutput{DBClusterParameterGroup: s.renderParameterGroup(region, g)}, nil
}

// DescribeDBClusterParameterGroups lists the region's default group and
// the user's groups.
func (s *Service) DescribeDBClusterParameterGroups(_ context.Context, region string, in *sdk.DescribeDBClusterParameterGroupsInput) (*sdk.DescribeDBClusterParameterGroupsOutput, error) {
	if _, err := parseFilters(in.Filters); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []types.DBClusterParameterGroup
	want := strings.ToLower(deref(in.DBClusterParameterGroupName))
	if want == "" || want == defaultClusterParameterGroup {
		list = append(list, *s.renderParameterGroup(region, nil))
	}
	for _, k := range sortedKeys(s.st.ParameterGroups) {
		g := s.st.ParameterGroups[k]
		if g.Region == region && (want == "" || want == g.Name) {
			list = append(list, *s.renderParameterGroup(region, g))
		}
	}
	if want != "" && len(list) == 0 {
		return nil, parameterGroupNotFound(want)
	}
	start, end, next, err := page(len(list), in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &sdk.DescribeDBClusterParameterGroupsOutput{DBClusterParameterGroups: list[start:end], Marker: next}, nil
}

// ModifyDBClusterParameterGroup sets parameters of a user group. Only the
// parameters the emulator honours are accepted; the default group is
// read-only, as on AWS.
func (s *Service) ModifyDBClusterParameterGroup(_ context.Context, region string, in *sdk.ModifyDBClusterParameterGroupInput) (*sdk.ModifyDBClusterParameterGroupOutput, error) {
	name := strings.ToLower(deref(in.DBClusterParameterGroupName))
	if len(in.Parameters) == 0 {
		return nil, errorf(errInvalidValue, "The parameter Parameters must be provided and must not be empty.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == defaultClusterParameterGroup {
		return nil, errorf(errInvalidValue, "The parameter group %s cannot be modified: default parameter groups are read-only.", name)
	}
	g := s.st.ParameterGroups[key(region, name)]
	if g == nil {
		return nil, parameterGroupNotFound(name)
	}
	values := map[string]string{}
	for _, p := range in.Parameters {
		pname, value := deref(p.ParameterName), deref(p.ParameterValue)
		def, ok := findClusterParameter(pname)
		if !ok {
			return nil, errorf(errInvalidValue, "Could not find parameter with name: %s (the emulator honours: %s)", pname, parameterNames())
		}
		if !def.accepts(value) {
			return nil, errorf(errInvalidValue, "Value: %s is outside of range: %s for parameter: %s", value, def.allowed, pname)
		}
		values[pname] = value
	}
	if g.Values == nil {
		g.Values = map[string]string{}
	}
	for k, v := range values {
		g.Values[k] = v
	}
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.ModifyDBClusterParameterGroupOutput{DBClusterParameterGroupName: str(g.Name)}, nil
}

// DescribeDBClusterParameters lists the honoured parameters of a group,
// optionally only those of one Source ("user", "engine-default").
func (s *Service) DescribeDBClusterParameters(_ context.Context, region string, in *sdk.DescribeDBClusterParametersInput) (*sdk.DescribeDBClusterParametersOutput, error) {
	if _, err := parseFilters(in.Filters); err != nil {
		return nil, err
	}
	name := strings.ToLower(deref(in.DBClusterParameterGroupName))
	s.mu.Lock()
	defer s.mu.Unlock()
	var g *ClusterParameterGroup
	if name != defaultClusterParameterGroup {
		if g = s.st.ParameterGroups[key(region, name)]; g == nil {
			return nil, parameterGroupNotFound(name)
		}
	}
	var list []types.Parameter
	for _, p := range clusterParameters {
		value, source := p.def, "engine-default"
		if v, ok := g.value(p.name); ok {
			value, source = v, "user"
		}
		if in.Source != nil && *in.Source != source {
			continue
		}
		list = append(list, types.Parameter{
			ParameterName: str(p.name), ParameterValue: str(value), Description: str(p.description),
			Source: str(source), ApplyType: str(p.applyType), DataType: str(p.dataType),
			AllowedValues: str(p.allowed), IsModifiable: boolp(true), ApplyMethod: types.ApplyMethodPendingReboot,
			SupportedEngineModes: []string{"provisioned"},
		})
	}
	start, end, next, err := page(len(list), in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &sdk.DescribeDBClusterParametersOutput{Parameters: list[start:end], Marker: next}, nil
}

// DeleteDBClusterParameterGroup deletes a user group no cluster uses.
func (s *Service) DeleteDBClusterParameterGroup(_ context.Context, region string, in *sdk.DeleteDBClusterParameterGroupInput) (*sdk.DeleteDBClusterParameterGroupOutput, error) {
	name := strings.ToLower(deref(in.DBClusterParameterGroupName))
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == defaultClusterParameterGroup {
		return nil, errorf(errParameterGroupState, "Default parameter groups cannot be deleted.")
	}
	if s.st.ParameterGroups[key(region, name)] == nil {
		return nil, parameterGroupNotFound(name)
	}
	for _, k := range sortedKeys(s.st.Clusters) {
		if c := s.st.Clusters[k]; c.Region == region && c.ParameterGroup == name {
			return nil, errorf(errParameterGroupState, "One or more database clusters are still members of this parameter group %s, so the group cannot be deleted.", name)
		}
	}
	delete(s.st.ParameterGroups, key(region, name))
	if err := s.commit(); err != nil {
		return nil, err
	}
	return &sdk.DeleteDBClusterParameterGroupOutput{}, nil
}

// checkParameterGroup resolves the group a cluster names (lowercased, ""
// for the default). Call with s.mu held.
func (s *Service) checkParameterGroup(region string, name *string) (string, error) {
	n := strings.ToLower(deref(name))
	if n == "" || n == defaultClusterParameterGroup {
		return n, nil
	}
	if s.st.ParameterGroups[key(region, n)] == nil {
		return "", parameterGroupNotFound(n)
	}
	return n, nil
}

// forceSSL tells whether c's parameter group sets rds.force_ssl = 1.
// Call with s.mu held.
func (s *Service) forceSSL(c *Cluster) bool {
	v, ok := s.st.ParameterGroups[key(c.Region, c.ParameterGroup)].value(paramForceSSL)
	return ok && v == "1"
}

func (g *ClusterParameterGroup) value(name string) (string, bool) {
	if g == nil {
		return "", false
	}
	v, ok := g.Values[name]
	return v, ok
}

func (s *Service) renderParameterGroup(region string, g *ClusterParameterGroup) *types.DBClusterParameterGroup {
	if g == nil {
		g = &ClusterParameterGroup{Name: defaultClusterParameterGroup, Family: clusterParameterGroupFamily,
			Description: "Default cluster parameter group for " + clusterParameterGroupFamily}
	}
	return &types.DBClusterParameterGroup{
		DBClusterParameterGroupName: str(g.Name),
		DBParameterGroupFamily:      str(g.Family),
		Description:                 str(g.Description),
		DBClusterParameterGroupArn:  str(s.arn(region, "cluster-pg", g.Name)),
	}
}

func parameterGroupNotFound(name string) error {
	return errorf(errParameterGroupNotFound, "DBClusterParameterGroup not found: %s", name)
}

func parameterNames() string {
	names := make([]string, len(clusterParameters))
	for i, p := range clusterParameters {
		names[i] = p.name
	}
	return strings.Join(names, ", ")
}
