package docconv

import (
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

func TestDecode(t *testing.T) {
	doc := map[string]any{
		"DBClusterIdentifier": "c1",
		"Port":                int64(5433),
		"DeletionProtection":  true,
		"VpcSecurityGroupIds": []any{"sg-1", "sg-2"},
		"Tags":                []any{map[string]any{"Key": "k", "Value": "v"}},
		"NotAMember":          "ignored",
	}
	var in rds.CreateDBClusterInput
	if err := Decode(doc, &in); err != nil {
		t.Fatal(err)
	}
	want := rds.CreateDBClusterInput{
		DBClusterIdentifier: aws.String("c1"), Port: aws.Int32(5433), DeletionProtection: aws.Bool(true),
		VpcSecurityGroupIds: []string{"sg-1", "sg-2"}, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("decoded %+v, want %+v", in, want)
	}
}

func TestDecode_Errors(t *testing.T) {
	cases := []struct {
		name string
		doc  map[string]any
	}{
		{"string for bool", map[string]any{"DeletionProtection": "yes"}},
		{"list for string", map[string]any{"DBClusterIdentifier": []any{"a"}}},
		{"int overflow", map[string]any{"Port": int64(1) << 40}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var in rds.CreateDBClusterInput
			if err := Decode(tc.doc, &in); err == nil {
				t.Errorf("Decode(%v) succeeded, want an error", tc.doc)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	out := &rds.DescribeGlobalClustersOutput{GlobalClusters: []types.GlobalCluster{{
		GlobalClusterIdentifier: aws.String("g"),
		GlobalClusterMembers:    []types.GlobalClusterMember{{IsWriter: aws.Bool(false), Readers: []string{}}},
		StorageEncryptionType:   types.StorageEncryptionTypeUnencrypted,
	}}}
	doc, err := Encode(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"GlobalClusters": []any{map[string]any{
		"GlobalClusterIdentifier": "g",
		"GlobalClusterMembers":    []any{map[string]any{"IsWriter": false, "Readers": []any{}}},
		"StorageEncryptionType":   "none",
	}}}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("encoded %#v\nwant %#v", doc, want)
	}
	doc, _ = Encode(&types.DBCluster{ClusterCreateTime: &ts})
	if doc["ClusterCreateTime"] != ts {
		t.Errorf("timestamp encoded as %v", doc["ClusterCreateTime"])
	}
	if _, ok := doc["DBClusterMembers"]; ok {
		t.Errorf("a nil list of a non-paginated structure was encoded: %v", doc)
	}
	// A paginated result list is always sent, empty when nothing matches.
	doc, _ = Encode(&rds.DescribeDBInstancesOutput{})
	if l, ok := doc["DBInstances"].([]any); !ok || len(l) != 0 {
		t.Errorf("empty DescribeDBInstances result encoded as %#v, want an empty DBInstances list", doc)
	}
}
