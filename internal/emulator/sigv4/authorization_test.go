package sigv4

import (
	"reflect"
	"testing"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

func TestParseAuthorization(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		want    Authorization
		wantErr bool
	}{
		{
			name:   "botocore",
			header: "AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/rds/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=abc123",
			want: Authorization{AccessKeyID: "AK", Date: "20250101", Region: "us-east-1", Service: "rds",
				SignedHeaders: []string{"content-type", "host", "x-amz-date"}, Signature: "abc123"},
		},
		{
			name:   "no spaces, other order",
			header: "AWS4-HMAC-SHA256 Signature=ff,SignedHeaders=host,Credential=AK/20250101/eu-west-1/route53/aws4_request",
			want: Authorization{AccessKeyID: "AK", Date: "20250101", Region: "eu-west-1", Service: "route53",
				SignedHeaders: []string{"host"}, Signature: "ff"},
		},
		{name: "garbage", header: "garbage", wantErr: true},
		{name: "empty", header: "", wantErr: true},
		{name: "SigV2", header: "AWS AK:signature", wantErr: true},
		{name: "pair without equal sign", header: "AWS4-HMAC-SHA256 Credential", wantErr: true},
		{name: "missing Signature", header: "AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/rds/aws4_request, SignedHeaders=host", wantErr: true},
		{name: "missing SignedHeaders", header: "AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/rds/aws4_request, Signature=ab", wantErr: true},
		{name: "missing Credential", header: "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab", wantErr: true},
		{name: "short scope", header: "AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1, SignedHeaders=host, Signature=ab", wantErr: true},
		{name: "bad terminator", header: "AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/rds/aws5_request, SignedHeaders=host, Signature=ab", wantErr: true},
		{name: "bad date", header: "AWS4-HMAC-SHA256 Credential=AK/2025-01-01/us-east-1/rds/aws4_request, SignedHeaders=host, Signature=ab", wantErr: true},
		{name: "empty region", header: "AWS4-HMAC-SHA256 Credential=AK/20250101//rds/aws4_request, SignedHeaders=host, Signature=ab", wantErr: true},
		{name: "empty key", header: "AWS4-HMAC-SHA256 Credential=/20250101/us-east-1/rds/aws4_request, SignedHeaders=host, Signature=ab", wantErr: true},
		{name: "empty signed header", header: "AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/rds/aws4_request, SignedHeaders=host;;x, Signature=ab", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAuthorization(tt.header)
			if tt.wantErr {
				e, ok := awserr.As(err)
				if !ok || e.Code != awserr.IncompleteSignature {
					t.Fatalf("ParseAuthorization(%q) error = %v, want IncompleteSignature", tt.header, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAuthorization(%q): %v", tt.header, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseAuthorization(%q) = %+v, want %+v", tt.header, got, tt.want)
			}
		})
	}
}
