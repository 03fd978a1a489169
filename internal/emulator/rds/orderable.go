package rds

import (
	"context"
	"strconv"

	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/globaldb/globaldb/internal/orderable"
)

// checkOrderable refuses a DB instance class RDS does not offer for the
// engine version, with RDS's error (InvalidParameterCombination, and the
// message RDS sends, e.g. for db.t3.micro on aurora-postgresql).
func checkOrderable(class, engine, version string) error {
	if class == "" {
		return errorf(errInvalidValue, "The parameter DBInstanceClass must be provided and must not be blank.")
	}
	if orderable.Offered(engine, version, class) {
		return nil
	}
	return errorf(errInvalidCombination, "RDS does not support creating a DB instance with the following combination: DBInstanceClass=%s, Engine=%s, EngineVersion=%s, LicenseModel=%s. For supported combinations of instance class and database engine version, see the documentation.",
		class, engine, version, orderable.LicenseModel(engine))
}

// Paging limits of DescribeOrderableDBInstanceOptions, which allows more
// records per page than the other Describe operations.
const (
	orderableDefaultRecords = 100
	orderableMaxRecords     = 1000
)

// DescribeOrderableDBInstanceOptions lists the classes offered per served
// engine version, from the embedded orderable table: one record per
// version and class, versions in order, classes in table order. Engines
// other than aurora-postgresql have no records. Filters are refused, as
// AWS documents them as not supported for this operation.
func (s *Service) DescribeOrderableDBInstanceOptions(_ context.Context, region string, in *sdk.DescribeOrderableDBInstanceOptionsInput) (*sdk.DescribeOrderableDBInstanceOptionsOutput, error) {
	if _, err := parseFilters(in.Filters); err != nil {
		return nil, err
	}
	engine := deref(in.Engine)
	if engine == "" {
		return nil, errorf(errInvalidValue, "The parameter Engine must be provided and must not be blank.")
	}
	var azs []types.AvailabilityZone
	for _, az := range s.azs(region) {
		azs = append(azs, types.AvailabilityZone{Name: str(az)})
	}
	var list []types.OrderableDBInstanceOption
	for _, v := range engineVersions {
		if in.EngineVersion != nil && *in.EngineVersion != v {
			continue
		}
		for _, o := range orderable.Options(engine, v) {
			if in.DBInstanceClass != nil && *in.DBInstanceClass != o.Class ||
				in.LicenseModel != nil && *in.LicenseModel != orderable.LicenseModel(engine) ||
				in.Vpc != nil && !*in.Vpc || in.AvailabilityZoneGroup != nil {
				continue
			}
			list = append(list, renderOrderable(o, v, azs))
		}
	}
	start, end, next, err := orderablePage(len(list), in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &sdk.DescribeOrderableDBInstanceOptionsOutput{OrderableDBInstanceOptions: list[start:end], Marker: next}, nil
}

func renderOrderable(o orderable.Option, version string, azs []types.AvailabilityZone) types.OrderableDBInstanceOption {
	return types.OrderableDBInstanceOption{
		Engine: str(o.Engine), EngineVersion: str(version), DBInstanceClass: str(o.Class),
		LicenseModel: str(orderable.LicenseModel(o.Engine)), AvailabilityZones: azs,
		StorageType: str("aurora"), Vpc: boolp(true), SupportsClusters: boolp(true),
		ReadReplicaCapable: boolp(false), MultiAZCapable: boolp(false),
		SupportsStorageEncryption: boolp(true), SupportsIAMDatabaseAuthentication: boolp(true),
		SupportsEnhancedMonitoring: boolp(true), SupportsPerformanceInsights: boolp(true),
		SupportsIops: boolp(false), SupportsStorageThroughput: boolp(false),
		// AWS requires memory-optimized classes (or Serverless v2) for
		// Aurora Global Database (reference/aws-semantics.md §1.1).
		SupportsGlobalDatabases: boolp(o.Kind != orderable.Burstable),
		SupportedEngineModes:    []string{"provisioned"},
		SupportedNetworkTypes:   []string{"IPV4"},
	}
}

// orderablePage is page with this operation's MaxRecords limits.
func orderablePage(n int, marker *string, maxRecords *int32) (start, end int, next *string, err error) {
	max := orderableDefaultRecords
	if maxRecords != nil {
		if *maxRecords < minMaxRecords || *maxRecords > orderableMaxRecords {
			return 0, 0, nil, errorf(errInvalidValue, "Invalid value %d for MaxRecords. Must be between %d and %d", *maxRecords, minMaxRecords, orderableMaxRecords)
		}
		max = int(*maxRecords)
	}
	if marker != nil && *marker != "" {
		start, err = strconv.Atoi(*marker)
		if err != nil || start < 0 || start > n {
			return 0, 0, nil, errorf(errInvalidValue, "The parameter Marker is not valid.")
		}
	}
	end = min(start+max, n)
	if end < n {
		next = str(strconv.Itoa(end))
	}
	return start, end, next, nil
}
