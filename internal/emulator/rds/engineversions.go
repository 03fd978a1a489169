package rds

import (
	"context"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// engineVersions are the aurora-postgresql versions the emulator serves.
// All of them run on the machine's PostgreSQL 15 server binaries; the
// version string is what the API reports (docs/emulator.md).
var engineVersions = []string{"15.4", "15.8", "15.10", "15.12"}

const defaultEngineVersion = "15.10"

// checkEngine validates Engine and EngineVersion and fills the default
// version.
func checkEngine(engine, version *string) (string, string, error) {
	e := deref(engine)
	if e == "" {
		return "", "", errorf(errInvalidValue, "The parameter Engine must be provided and must not be blank.")
	}
	if e != engineAuroraPostgres {
		if strings.HasPrefix(e, "aurora") {
			return "", "", errorf(errInvalidValue, "Engine %s is not served by this emulator; it serves %s.", e, engineAuroraPostgres)
		}
		return "", "", errorf(errInvalidValue, "Invalid DB engine: %s", e)
	}
	v := deref(version)
	if v == "" {
		return e, defaultEngineVersion, nil
	}
	for _, known := range engineVersions {
		if v == known {
			return e, v, nil
		}
	}
	return "", "", errorf(errInvalidValue, "Cannot find version %s for %s", v, e)
}

// DescribeDBEngineVersions lists the served versions.
func (s *Service) DescribeDBEngineVersions(_ context.Context, _ string, in *sdk.DescribeDBEngineVersionsInput) (*sdk.DescribeDBEngineVersionsOutput, error) {
	fs, err := parseFilters(in.Filters, "engine", "engine-version", "engine-mode", "status")
	if err != nil {
		return nil, err
	}
	var list []types.DBEngineVersion
	for _, v := range engineVersions {
		if in.Engine != nil && *in.Engine != engineAuroraPostgres {
			continue
		}
		if in.EngineVersion != nil && *in.EngineVersion != v && !strings.HasPrefix(v, *in.EngineVersion+".") {
			continue
		}
		if in.DefaultOnly != nil && *in.DefaultOnly && v != defaultEngineVersion {
			continue
		}
		if !fs.match("engine", engineAuroraPostgres) || !fs.match("engine-version", v) ||
			!fs.match("engine-mode", "provisioned", "global") || !fs.match("status", "available") {
			continue
		}
		list = append(list, types.DBEngineVersion{
			Engine:                             str(engineAuroraPostgres),
			EngineVersion:                      str(v),
			MajorEngineVersion:                 str("15"),
			DBParameterGroupFamily:             str("aurora-postgresql15"),
			DBEngineDescription:                str("Aurora (PostgreSQL)"),
			DBEngineVersionDescription:         str("Aurora PostgreSQL (Compatible with PostgreSQL " + v + ")"),
			Status:                             str("available"),
			SupportsGlobalDatabases:            boolp(true),
			SupportsLocalWriteForwarding:       boolp(supportsForwarding(ForwardLocal, v)),
			SupportsReadReplica:                boolp(true),
			SupportedEngineModes:               []string{"provisioned", "global"},
			SupportsLogExportsToCloudwatchLogs: boolp(false),
		})
	}
	start, end, next, err := page(len(list), in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &sdk.DescribeDBEngineVersionsOutput{DBEngineVersions: list[start:end], Marker: next}, nil
}
