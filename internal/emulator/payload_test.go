package emulator_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// TestEmulator_Start_unsignedPayload is issue 13's attack, end to end: a
// request signed for DescribeDBClusters with x-amz-content-sha256:
// UNSIGNED-PAYLOAD, sent with a CreateGlobalCluster body, must be refused
// and must create nothing.
func TestEmulator_Start_unsignedPayload(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator")
	}
	e := startEmulator(t)
	ctx := context.Background()
	const (
		signed = "Action=DescribeDBClusters&Version=2014-10-31"
		sent   = "Action=CreateGlobalCluster&Version=2014-10-31&GlobalClusterIdentifier=smuggled" +
			"&Engine=aurora-postgresql&EngineVersion=15.10"
	)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.Endpoint()+"/", strings.NewReader(signed))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	// botocore leaves Content-Length out of the signature: the body can
	// change length without touching a signed header.
	req.ContentLength = 0
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", "rds", region, time.Now()); err != nil {
		t.Fatalf("sign: %v", err)
	}
	req.Body, req.ContentLength = io.NopCloser(strings.NewReader(sent)), int64(len(sent))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Error struct{ Code, Message string }
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		t.Fatalf("response is not XML: %v\n%s", err, body)
	}
	if resp.StatusCode != http.StatusForbidden || env.Error.Code != "SignatureDoesNotMatch" {
		t.Errorf("tampered request: %d %s (%s), want 403 SignatureDoesNotMatch", resp.StatusCode, env.Error.Code, env.Error.Message)
	}

	c := rds.New(rds.Options{
		Region: region, BaseEndpoint: aws.String(e.Endpoint()), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	out, err := c.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{})
	if err != nil {
		t.Fatalf("DescribeGlobalClusters: %v", err)
	}
	if len(out.GlobalClusters) != 0 {
		t.Errorf("GlobalClusters = %+v, want none: the unsigned body was executed", out.GlobalClusters)
	}
}
