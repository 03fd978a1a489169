package emulatortest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"

	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// TestLimits_SDK sends requests over AWS's limits (issue 13) with
// aws-sdk-go-v2 to a running emulator: each gets AWS's error code and
// changes nothing. docs/emulator.md ("Limits") lists the rules; the
// rdsapi and route53api tests cite AWS's documentation for each.
func TestLimits_SDK(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator")
	}
	e := emulatortest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r53 := route53Client(e)
	db := emulatortest.RDS(e, "us-east-1")

	zone, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("limits.example"), CallerReference: aws.String("limits")})
	if err != nil {
		t.Fatalf("CreateHostedZone: %v", err)
	}
	zoneID := zone.HostedZone.Id
	var creates []r53types.Change
	for i := range 1001 {
		creates = append(creates, r53types.Change{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: aws.String(fmt.Sprintf("h%d.limits.example", i)), Type: r53types.RRTypeA, TTL: aws.Int64(60),
			ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("192.0.2.1")}},
		}})
	}
	_, err = r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: zoneID, ChangeBatch: &r53types.ChangeBatch{Changes: creates},
	})
	var icb *r53types.InvalidChangeBatch
	if !errors.As(err, &icb) {
		t.Errorf("1,001 CREATEs: error %v, want InvalidChangeBatch", err)
	}
	_, err = r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: zoneID, MaxItems: aws.Int32(-1)})
	var invalid *r53types.InvalidInput
	if !errors.As(err, &invalid) {
		t.Errorf("maxitems=-1: error %v, want InvalidInput", err)
	}
	list, err := r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: zoneID})
	if err != nil {
		t.Fatalf("ListResourceRecordSets: %v", err)
	}
	if n := len(list.ResourceRecordSets); n != 2 {
		t.Errorf("zone has %d record sets after the refused batch, want 2 (SOA and NS)", n)
	}

	sg, err := db.CreateDBSubnetGroup(ctx, &rds.CreateDBSubnetGroupInput{
		DBSubnetGroupName: aws.String("limits"), DBSubnetGroupDescription: aws.String("limits"), SubnetIds: []string{"subnet-1", "subnet-2"},
	})
	if err != nil {
		t.Fatalf("CreateDBSubnetGroup: %v", err)
	}
	arn := sg.DBSubnetGroup.DBSubnetGroupArn
	_, err = db.AddTagsToResource(ctx, &rds.AddTagsToResourceInput{ResourceName: arn, Tags: []rdstypes.Tag{
		{Key: aws.String("team"), Value: aws.String("db")}, {Key: aws.String("aws:owner"), Value: aws.String("me")},
	}})
	if code := limitErrorCode(err); code != "InvalidParameterValue" {
		t.Errorf("aws: tag prefix: error %v, want InvalidParameterValue", err)
	}
	_, err = db.CreateDBSubnetGroup(ctx, &rds.CreateDBSubnetGroupInput{
		DBSubnetGroupName: aws.String("default"), DBSubnetGroupDescription: aws.String("x"), SubnetIds: []string{"subnet-1", "subnet-2"},
	})
	if code := limitErrorCode(err); code != "InvalidParameterValue" {
		t.Errorf("subnet group named default: error %v, want InvalidParameterValue", err)
	}
	tags, err := db.ListTagsForResource(ctx, &rds.ListTagsForResourceInput{ResourceName: arn})
	if err != nil {
		t.Fatalf("ListTagsForResource: %v", err)
	}
	if len(tags.TagList) != 0 {
		t.Errorf("TagList = %+v after a refused AddTagsToResource, want none", tags.TagList)
	}
}

func limitErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}
