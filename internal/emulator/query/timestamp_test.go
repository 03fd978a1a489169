package query

import (
	"testing"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
)

// TestCodec_Decode_epochBounds: Query and REST-XML share one scalar
// parser, so an epoch-seconds timestamp out of range is refused here as it
// is in REST-XML (the Query codec accepted 1e300 as a time).
func TestCodec_Decode_epochBounds(t *testing.T) {
	c := NewCodec(awsmodel.MustLoad(awsmodel.RDS))
	if _, err := c.Decode(form(t, "Action=DescribeEvents&StartTime=1767366245")); err != nil {
		t.Fatalf("epoch seconds in range: %v", err)
	}
	_, err := c.Decode(form(t, "Action=DescribeEvents&StartTime=1e300"))
	if e, ok := awserr.As(err); !ok || e.Code != awserr.InvalidParameterValue {
		t.Fatalf("epoch seconds 1e300: error %v, want InvalidParameterValue", err)
	}
}
