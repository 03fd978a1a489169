package query

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
)

func form(t *testing.T, s string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(s)
	if err != nil {
		t.Fatalf("parse form %q: %v", s, err)
	}
	return v
}

func TestCodec_Decode(t *testing.T) {
	tests := []struct {
		name    string
		service string
		form    string
		action  string
		params  map[string]any
	}{
		{
			name:    "rds CreateDBCluster with tags, lists, scalars and nested structure",
			service: awsmodel.RDS,
			form: "Action=CreateDBCluster&Version=2014-10-31&DBClusterIdentifier=app-usw2&Engine=aurora-postgresql" +
				"&GlobalClusterIdentifier=app-global&VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-1" +
				"&VpcSecurityGroupIds.VpcSecurityGroupId.2=sg-2&Tags.Tag.1.Key=owner&Tags.Tag.1.Value=drtool" +
				"&Tags.Tag.2.Key=env&Port=5432&StorageEncrypted=TRUE&DeletionProtection=false&BacktrackWindow=0" +
				"&ServerlessV2ScalingConfiguration.MinCapacity=0.5&NotAParameter=x",
			action: "CreateDBCluster",
			params: map[string]any{
				"DBClusterIdentifier": "app-usw2", "Engine": "aurora-postgresql", "GlobalClusterIdentifier": "app-global",
				"VpcSecurityGroupIds": []any{"sg-1", "sg-2"},
				"Tags": []any{
					map[string]any{"Key": "owner", "Value": "drtool"},
					map[string]any{"Key": "env"},
				},
				"Port": int64(5432), "StorageEncrypted": true, "DeletionProtection": false, "BacktrackWindow": int64(0),
				"ServerlessV2ScalingConfiguration": map[string]any{"MinCapacity": 0.5},
			},
		},
		{
			name:    "rds DescribeDBClusters filters",
			service: awsmodel.RDS,
			form: "Action=DescribeDBClusters&Filters.Filter.1.Name=engine&Filters.Filter.1.Values.Value.1=aurora-postgresql" +
				"&Filters.Filter.1.Values.Value.2=aurora-mysql&Filters.Filter.2.Name=db-cluster-id&Filters.Filter.2.Values.Value.1=a&MaxRecords=20",
			action: "DescribeDBClusters",
			params: map[string]any{
				"Filters": []any{
					map[string]any{"Name": "engine", "Values": []any{"aurora-postgresql", "aurora-mysql"}},
					map[string]any{"Name": "db-cluster-id", "Values": []any{"a"}},
				},
				"MaxRecords": int64(20),
			},
		},
		{
			name:    "list items ordered by index with gaps",
			service: awsmodel.RDS,
			form: "Action=CreateDBCluster&DBClusterIdentifier=c&Engine=e&AvailabilityZones.AvailabilityZone.10=c" +
				"&AvailabilityZones.AvailabilityZone.2=b",
			action: "CreateDBCluster",
			params: map[string]any{"DBClusterIdentifier": "c", "Engine": "e", "AvailabilityZones": []any{"b", "c"}},
		},
		{
			name:    "empty list",
			service: awsmodel.RDS,
			form:    "Action=DescribeGlobalClusters&Filters=",
			action:  "DescribeGlobalClusters",
			params:  map[string]any{"Filters": []any{}},
		},
		{
			name:    "timestamps",
			service: awsmodel.RDS,
			form:    "Action=DescribeEvents&StartTime=2026-01-02T15:04:05Z&EndTime=2026-01-02T16:04:05.250%2B01:00",
			action:  "DescribeEvents",
			params: map[string]any{
				"StartTime": time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC),
				"EndTime":   time.Date(2026, 1, 2, 15, 4, 5, 250e6, time.UTC),
			},
		},
		{
			name:    "iam lists use member",
			service: awsmodel.IAM,
			form: "Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%7D" +
				"&Tags.member.1.Key=k&Tags.member.1.Value=v&MaxSessionDuration=3600",
			action: "CreateRole",
			params: map[string]any{
				"RoleName": "r", "AssumeRolePolicyDocument": "{}", "MaxSessionDuration": int64(3600),
				"Tags": []any{map[string]any{"Key": "k", "Value": "v"}},
			},
		},
		{
			name:    "sts member names in lower case",
			service: awsmodel.STS,
			form:    "Action=AssumeRole&RoleArn=arn:aws:iam::1:role/r&RoleSessionName=s&PolicyArns.member.1.arn=arn:p&DurationSeconds=900",
			action:  "AssumeRole",
			params: map[string]any{
				"RoleArn": "arn:aws:iam::1:role/r", "RoleSessionName": "s", "DurationSeconds": int64(900),
				"PolicyArns": []any{map[string]any{"arn": "arn:p"}},
			},
		},
		{
			name:    "operation without input",
			service: awsmodel.STS,
			form:    "Action=GetCallerIdentity&Version=2011-06-15",
			action:  "GetCallerIdentity",
			params:  map[string]any{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCodec(awsmodel.MustLoad(tt.service))
			call, err := c.Decode(form(t, tt.form))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if call.Action != tt.action {
				t.Errorf("Action = %q, want %q", call.Action, tt.action)
			}
			if !reflect.DeepEqual(call.Params, tt.params) {
				t.Errorf("Params =\n%#v\nwant\n%#v", call.Params, tt.params)
			}
		})
	}
}

func TestCodec_Decode_errors(t *testing.T) {
	tests := []struct {
		name, service, form, code, message string
	}{
		{"missing action", awsmodel.RDS, "Version=2014-10-31", awserr.InvalidAction,
			"The request must contain the parameter Action."},
		{"unknown rds action", awsmodel.RDS, "Action=CreateBucket&Version=2014-10-31", awserr.InvalidAction,
			"Could not find operation CreateBucket for version 2014-10-31"},
		{"foreign version", awsmodel.RDS, "Action=DescribeDBClusters&Version=2010-05-08", awserr.InvalidAction,
			"Could not find operation DescribeDBClusters for version 2010-05-08"},
		{"unknown iam action", awsmodel.IAM, "Action=DescribeDBClusters", awserr.InvalidAction,
			"The action DescribeDBClusters is not valid for this web service."},
		{"missing required", awsmodel.RDS, "Action=CreateDBCluster&Engine=aurora-postgresql", awserr.MissingParameter,
			"The request must contain the parameter DBClusterIdentifier"},
		{"bad boolean", awsmodel.RDS, "Action=CreateDBCluster&DBClusterIdentifier=c&Engine=e&StorageEncrypted=yes",
			awserr.InvalidParameterValue, "Invalid value 'yes' for parameter StorageEncrypted"},
		{"bad integer", awsmodel.RDS, "Action=DescribeDBClusters&MaxRecords=20.5", awserr.InvalidParameterValue,
			"Invalid value '20.5' for parameter MaxRecords"},
		{"integer overflow", awsmodel.RDS, "Action=DescribeDBClusters&MaxRecords=4294967296", awserr.InvalidParameterValue,
			"Invalid value '4294967296' for parameter MaxRecords"},
		{"bad double", awsmodel.RDS, "Action=CreateDBCluster&DBClusterIdentifier=c&Engine=e&ServerlessV2ScalingConfiguration.MaxCapacity=lots",
			awserr.InvalidParameterValue, "Invalid value 'lots' for parameter ServerlessV2ScalingConfiguration.MaxCapacity"},
		{"bad timestamp", awsmodel.RDS, "Action=DescribeEvents&StartTime=yesterday", awserr.InvalidParameterValue,
			"Invalid value 'yesterday' for parameter StartTime"},
		// Issue 13: a member whose index is not a positive integer was
		// dropped without a word; botocore and the SDKs number members
		// from 1 (botocore/serialize.py QuerySerializer._serialize_type_list).
		{"list index zero", awsmodel.RDS, "Action=CreateDBCluster&DBClusterIdentifier=c&Engine=e&AvailabilityZones.AvailabilityZone.0=a",
			awserr.InvalidParameterValue, "Invalid list index '0' in parameter AvailabilityZones.AvailabilityZone.0: members are numbered 1, 2, 3, ..."},
		{"list index not a number", awsmodel.RDS, "Action=AddTagsToResource&ResourceName=arn&Tags.Tag.1.Key=a&Tags.Tag.x.Key=b",
			awserr.InvalidParameterValue, "Invalid list index 'x' in parameter Tags.Tag.x.Key: members are numbered 1, 2, 3, ..."},
		{"list index negative", awsmodel.RDS, "Action=RemoveTagsFromResource&ResourceName=arn&TagKeys.member.-1=a",
			awserr.InvalidParameterValue, "Invalid list index '-1' in parameter TagKeys.member.-1: members are numbered 1, 2, 3, ..."},
		{"list index signed", awsmodel.RDS, "Action=CreateDBCluster&DBClusterIdentifier=c&Engine=e&VpcSecurityGroupIds.VpcSecurityGroupId.%2B1=sg",
			awserr.InvalidParameterValue, "Invalid list index '+1' in parameter VpcSecurityGroupIds.VpcSecurityGroupId.+1: members are numbered 1, 2, 3, ..."},
		{"list index empty", awsmodel.IAM, "Action=CreatePolicy&PolicyName=p&PolicyDocument=d&Tags.member..Key=a",
			awserr.InvalidParameterValue, "Invalid list index '' in parameter Tags.member..Key: members are numbered 1, 2, 3, ..."},
		{"bad nested list item", awsmodel.RDS, "Action=DescribeDBClusters&Filters.Filter.1.Name=engine&Filters.Filter.1.Values.Value.1=x&MaxRecords=x",
			awserr.InvalidParameterValue, "Invalid value 'x' for parameter MaxRecords"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCodec(awsmodel.MustLoad(tt.service)).Decode(form(t, tt.form))
			e, ok := awserr.As(err)
			if !ok {
				t.Fatalf("Decode error = %v, want *awserr.Error", err)
			}
			if e.Code != tt.code || e.Message != tt.message {
				t.Errorf("Decode error = %s %q, want %s %q", e.Code, e.Message, tt.code, tt.message)
			}
		})
	}
}

// syntheticService exercises shapes the emulated services' inputs lack:
// maps (with and without locationNames) and flattened lists.
func syntheticService() *awsmodel.Service {
	str := &awsmodel.Shape{Name: "String", Type: "string"}
	return &awsmodel.Service{
		Metadata:   awsmodel.Metadata{APIVersion: "2020-01-01", Protocol: "query", XMLNamespace: "urn:test", ServiceID: "Test"},
		Operations: map[string]*awsmodel.Operation{"Put": {Name: "Put", Input: &awsmodel.Ref{Shape: "PutInput"}, Output: &awsmodel.Ref{Shape: "PutInput", ResultWrapper: "PutResult"}}},
		Shapes: map[string]*awsmodel.Shape{
			"String": str,
			"PutInput": {Name: "PutInput", Type: "structure", Members: []awsmodel.Member{
				{Name: "Attrs", Ref: awsmodel.Ref{Shape: "AttrMap"}},
				{Name: "Named", Ref: awsmodel.Ref{Shape: "NamedMap"}},
				{Name: "Flat", Ref: awsmodel.Ref{Shape: "FlatList"}},
			}},
			"AttrMap":  {Name: "AttrMap", Type: "map", Key: &awsmodel.Ref{Shape: "String"}, Value: &awsmodel.Ref{Shape: "String"}},
			"NamedMap": {Name: "NamedMap", Type: "map", Key: &awsmodel.Ref{Shape: "String", LocationName: "Name"}, Value: &awsmodel.Ref{Shape: "String", LocationName: "Val"}},
			"FlatList": {Name: "FlatList", Type: "list", Flattened: true, Member: &awsmodel.Ref{Shape: "String", LocationName: "Item"}},
		},
	}
}

func TestCodec_Decode_synthetic(t *testing.T) {
	c := NewCodec(syntheticService())
	call, err := c.Decode(form(t, "Action=Put&Attrs.entry.1.key=a&Attrs.entry.1.value=1&Attrs.entry.2.key=b&Attrs.entry.2.value=2"+
		"&Named.entry.1.Name=x&Named.entry.1.Val=y&Item.2=second&Item.1=first"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Attrs": map[string]any{"a": "1", "b": "2"},
		"Named": map[string]any{"x": "y"},
		"Flat":  []any{"first", "second"},
	}
	if !reflect.DeepEqual(call.Params, want) {
		t.Errorf("Params = %#v, want %#v", call.Params, want)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"Action=CreateDBCluster&DBClusterIdentifier=c&Engine=e&Tags.Tag.1.Key=k&VpcSecurityGroupIds.VpcSecurityGroupId.1=sg",
		"Action=DescribeDBClusters&Filters.Filter.1.Name=engine&Filters.Filter.1.Values.Value.1=x",
		"Action=DescribeEvents&StartTime=2026-01-02T15:04:05Z&Duration=5",
		"Action=DescribeGlobalClusters&Filters=&Filters.Filter.99999999999999999999.Name=x",
		"Action=ModifyDBCluster&DBClusterIdentifier=c&ServerlessV2ScalingConfiguration.MinCapacity=NaN",
	} {
		f.Add(s)
	}
	c := NewCodec(awsmodel.MustLoad(awsmodel.RDS))
	f.Fuzz(func(t *testing.T, s string) {
		v, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		call, err := c.Decode(v)
		if err == nil && call.Params == nil {
			t.Fatal("Decode returned nil Params without error")
		}
		if err != nil {
			if _, ok := awserr.As(err); !ok {
				t.Fatalf("Decode error %v is not an *awserr.Error", err)
			}
		}
	})
}
