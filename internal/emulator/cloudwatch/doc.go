// Package cloudwatch is the emulated Amazon CloudWatch service model:
// metrics, metric and composite alarms and their evaluation. It never
// sees HTTP; the wire codecs (Query, AWS JSON 1.0, Smithy RPC v2 CBOR)
// decode requests into the aws-sdk-go-v2 input structs its methods take.
package cloudwatch

import (
	_ "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	_ "github.com/fxamacker/cbor/v2"
)
