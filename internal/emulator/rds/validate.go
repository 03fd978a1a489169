package rds

import (
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// Error codes the model returns: botocore shape names (the wire layer maps
// them to wire codes and statuses) and common codes.
const (
	errGlobalNotFound       = "GlobalClusterNotFoundFault"
	errGlobalExists         = "GlobalClusterAlreadyExistsFault"
	errGlobalState          = "InvalidGlobalClusterStateFault"
	errClusterNotFound      = "DBClusterNotFoundFault"
	errClusterExists        = "DBClusterAlreadyExistsFault"
	errClusterState         = "InvalidDBClusterStateFault"
	errInstanceNotFound     = "DBInstanceNotFoundFault"
	errInstanceExists       = "DBInstanceAlreadyExistsFault"
	errInstanceState        = "InvalidDBInstanceStateFault"
	errSubnetGroupNotFound  = "DBSubnetGroupNotFoundFault"
	errSubnetGroupExists    = "DBSubnetGroupAlreadyExistsFault"
	errSubnetGroupState     = "InvalidDBSubnetGroupStateFault"
	errSubnetGroupFewAZs    = "DBSubnetGroupDoesNotCoverEnoughAZs"
	errInvalidValue         = awserr.InvalidParameterValue
	errInvalidCombination   = awserr.InvalidParameterCombination
	engineAuroraPostgres    = "aurora-postgresql"
	defaultPort             = 5432
	identifierRules         = "Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens."
	maxIdentifierLen        = 63
	maxGlobalIdentifierLen  = 255
	defaultMaxRecords       = 100
	minMaxRecords           = 20
	maxMaxRecords           = 100
	reservedMasterUsernames = "rdsadmin rdsrepladmin rds_superuser"
)

// BackupRetentionPeriod bounds, in days (CreateDBCluster and
// ModifyDBCluster API references; botocore's model documentation).
const (
	minBackupRetention = 1
	maxBackupRetention = 35
)

// checkBackupRetention validates an optional BackupRetentionPeriod.
func checkBackupRetention(v *int32) error {
	if v != nil && (*v < minBackupRetention || *v > maxBackupRetention) {
		return awserr.New(errInvalidValue, "Invalid value %d for BackupRetentionPeriod. Must be between %d and %d.",
			*v, minBackupRetention, maxBackupRetention)
	}
	return nil
}

var identifierRE = regexp.MustCompile(`^[A-Za-z](-?[A-Za-z0-9])*$`)
var globalIdentifierRE = regexp.MustCompile(`^[A-Za-z][0-9A-Za-z:._-]*$`)

// checkIdentifier validates a cluster, instance or subnet group name and
// returns it lowercased, as RDS stores identifiers.
func checkIdentifier(param string, v *string, max int) (string, error) {
	if v == nil || *v == "" {
		return "", awserr.New(errInvalidValue, "The parameter %s must be provided and must not be blank.", param)
	}
	if len(*v) > max || !identifierRE.MatchString(*v) {
		return "", awserr.New(errInvalidValue, "The parameter %s is not a valid identifier. %s", param, identifierRules)
	}
	return strings.ToLower(*v), nil
}

func checkGlobalIdentifier(v *string) (string, error) {
	if v == nil || *v == "" {
		return "", awserr.New(errInvalidValue, "The parameter GlobalClusterIdentifier must be provided and must not be blank.")
	}
	if len(*v) > maxGlobalIdentifierLen || !globalIdentifierRE.MatchString(*v) {
		return "", awserr.New(errInvalidValue, "The parameter GlobalClusterIdentifier is not a valid identifier. Identifiers must begin with a letter and contain only ASCII letters, digits, hyphens, colons, periods and underscores.")
	}
	return strings.ToLower(*v), nil
}

// idFromARNOrName accepts either an identifier or an ARN of the given kind
// ("cluster", "db", "global-cluster") and returns the identifier.
func idFromARNOrName(v, kind string) string {
	if strings.HasPrefix(v, "arn:") {
		parts := strings.SplitN(v, ":", 7)
		if len(parts) == 7 && parts[5] == kind {
			return strings.ToLower(parts[6])
		}
		return strings.ToLower(v)
	}
	return strings.ToLower(v)
}

// parseARN splits an RDS ARN into region, kind and identifier.
func parseARN(arn string) (region, kind, id string, ok bool) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "rds" {
		return "", "", "", false
	}
	return parts[3], parts[5], strings.ToLower(parts[6]), true
}

// monitoringIntervals are the Enhanced Monitoring intervals RDS accepts,
// in seconds; 0 turns Enhanced Monitoring off.
var monitoringIntervals = []int32{0, 1, 5, 10, 15, 30, 60}

// checkMonitoring validates the Enhanced Monitoring settings an instance
// would end up with: a non-zero interval needs a role and a role needs a
// non-zero interval. The InvalidParameterCombination messages are AWS's.
func checkMonitoring(interval int32, role string) error {
	if !slices.Contains(monitoringIntervals, interval) {
		return awserr.New(errInvalidValue, "Invalid value %d for MonitoringInterval. Valid values are 0, 1, 5, 10, 15, 30 and 60.", interval)
	}
	if interval != 0 && role == "" {
		return awserr.New(errInvalidCombination, "A MonitoringRoleARN value is required if you specify a MonitoringInterval value other than 0.")
	}
	if interval == 0 && role != "" {
		return awserr.New(errInvalidCombination, "You must specify a MonitoringInterval value other than 0 when you specify a MonitoringRoleARN value.")
	}
	return nil
}

// setFields returns the names of in's exported fields that are set (not
// the zero value), other than allowed, in declaration order. in points to
// an SDK input struct, whose field names are the wire parameter names.
func setFields(in any, allowed ...string) []string {
	v := reflect.ValueOf(in).Elem()
	var out []string
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.IsExported() && !v.Field(i).IsZero() && !slices.Contains(allowed, f.Name) {
			out = append(out, f.Name)
		}
	}
	return out
}

func checkMasterUsername(v string) error {
	if len(v) > 63 || !regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`).MatchString(v) {
		return awserr.New(errInvalidValue, "The parameter MasterUsername is not a valid identifier. Identifiers must begin with a letter and contain only ASCII letters, digits, and underscores.")
	}
	for _, r := range strings.Fields(reservedMasterUsernames) {
		if strings.EqualFold(v, r) {
			return awserr.New(errInvalidValue, "MasterUsername %s cannot be used as it is a reserved word used by the engine", v)
		}
	}
	return nil
}

func checkMasterPassword(v string) error {
	if len(v) < 8 {
		return awserr.New(errInvalidValue, "The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.")
	}
	if len(v) > 128 {
		return awserr.New(errInvalidValue, "The parameter MasterUserPassword is not a valid password because it is longer than 128 characters.")
	}
	if strings.ContainsAny(v, "/\"@ ") {
		return awserr.New(errInvalidValue, "The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '\"', ' ' may be used.")
	}
	return nil
}

func checkDatabaseName(v string) error {
	if len(v) > 63 || !regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`).MatchString(v) {
		return awserr.New(errInvalidValue, "DatabaseName must begin with a letter and contain only alphanumeric characters.")
	}
	return nil
}

// filterSet holds decoded Filters, by lowercased name.
type filterSet map[string][]string

// parseFilters checks filter names against the ones an operation accepts.
func parseFilters(in []types.Filter, allowed ...string) (filterSet, error) {
	fs := filterSet{}
	for _, f := range in {
		if f.Name == nil || *f.Name == "" {
			return nil, awserr.New(errInvalidValue, "The parameter Filters.Filter.Name must be provided and must not be blank.")
		}
		name := *f.Name
		ok := false
		for _, a := range allowed {
			if a == name {
				ok = true
			}
		}
		if !ok {
			return nil, awserr.New(errInvalidValue, "Unrecognized filter name: %s.", name)
		}
		if len(f.Values) == 0 {
			return nil, awserr.New(errInvalidValue, "The parameter Filters.Filter.Values must be provided and must not be empty.")
		}
		fs[name] = append(fs[name], f.Values...)
	}
	return fs, nil
}

// match reports whether value (or any of alts, e.g. an ARN) passes filter
// name; absent filters pass everything.
func (fs filterSet) match(name string, values ...string) bool {
	want, ok := fs[name]
	if !ok {
		return true
	}
	for _, w := range want {
		for _, v := range values {
			if strings.EqualFold(w, v) {
				return true
			}
		}
	}
	return false
}

// page applies Marker/MaxRecords to a sorted list of n items. The marker
// is the offset of the next item, opaque to clients.
func page(n int, marker *string, maxRecords *int32) (start, end int, next *string, err error) {
	max := defaultMaxRecords
	if maxRecords != nil {
		if *maxRecords < minMaxRecords || *maxRecords > maxMaxRecords {
			return 0, 0, nil, awserr.New(errInvalidValue, "Invalid value %d for MaxRecords. Must be between %d and %d", *maxRecords, minMaxRecords, maxMaxRecords)
		}
		max = int(*maxRecords)
	}
	if marker != nil && *marker != "" {
		start, err = strconv.Atoi(*marker)
		if err != nil || start < 0 || start > n {
			return 0, 0, nil, awserr.New(errInvalidValue, "The parameter Marker is not valid.")
		}
	}
	end = start + max
	if end < n {
		s := strconv.Itoa(end)
		next = &s
	} else {
		end = n
	}
	return start, end, next, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func tagsFrom(in []types.Tag) []Tag {
	var out []Tag
	for _, t := range in {
		if t.Key == nil {
			continue
		}
		v := ""
		if t.Value != nil {
			v = *t.Value
		}
		out = mergeTag(out, Tag{Key: *t.Key, Value: v})
	}
	return out
}

func mergeTag(tags []Tag, t Tag) []Tag {
	for i := range tags {
		if tags[i].Key == t.Key {
			tags[i].Value = t.Value
			return tags
		}
	}
	return append(tags, t)
}

func tagList(tags []Tag) []types.Tag {
	out := make([]types.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, types.Tag{Key: str(t.Key), Value: str(t.Value)})
	}
	return out
}

func str(s string) *string { return &s }
func boolp(b bool) *bool   { return &b }
func i32(n int) *int32     { v := int32(n); return &v }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func deref32(n *int32) int32 {
	if n == nil {
		return 0
	}
	return *n
}

func errorf(code, format string, args ...any) error {
	return awserr.New(code, format, args...)
}
