package restxml

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/restxml/restxmltest"
)

var submitted = time.Date(2017, 2, 10, 1, 36, 41, 958123456, time.UTC)

const zoneID = "Z3M3LMPEXAMPLE"

func changeInfo(status string) map[string]any {
	return map[string]any{"Id": "/change/C2682N5HXP0BZ4", "Status": status, "SubmittedAt": submitted, "Comment": "Failover & <more>"}
}

func hostedZone() map[string]any {
	return map[string]any{
		"Id": "/hostedzone/" + zoneID, "Name": "example.com.", "CallerReference": "ref-1",
		"Config":                 map[string]any{"Comment": "drtool", "PrivateZone": false},
		"ResourceRecordSetCount": int64(2),
	}
}

func createHostedZoneDoc() map[string]any {
	return map[string]any{
		"HostedZone": hostedZone(),
		"ChangeInfo": changeInfo("PENDING"),
		"DelegationSet": map[string]any{"NameServers": []any{
			"ns-2048.awsdns-64.com", "ns-2049.awsdns-65.net", "ns-2050.awsdns-66.org", "ns-2051.awsdns-67.co.uk",
		}},
		"Location": "https://route53.amazonaws.com/2013-04-01/hostedzone/" + zoneID,
	}
}

func rrsetsDoc() map[string]any {
	return map[string]any{
		"ResourceRecordSets": []any{
			map[string]any{
				"Name": "db.example.com.", "Type": "CNAME", "SetIdentifier": "primary-us-east-1", "Failover": "PRIMARY",
				"TTL": int64(60), "HealthCheckId": "abcdef11-2222-3333-4444-555555fedcba",
				"ResourceRecords": []any{map[string]any{"Value": "app.cluster-abc.us-east-1.rds.amazonaws.com"}},
			},
			map[string]any{
				"Name": "www.example.com.", "Type": "A",
				"AliasTarget": map[string]any{"HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": "lb.example.com.", "EvaluateTargetHealth": true},
			},
		},
		"IsTruncated": true, "NextRecordName": "zz.example.com.", "NextRecordType": "A", "NextRecordIdentifier": "secondary", "MaxItems": "2",
	}
}

func healthCheckStatusDoc() map[string]any {
	obs := func(region, ip, status string) map[string]any {
		return map[string]any{"Region": region, "IPAddress": ip, "StatusReport": map[string]any{"Status": status, "CheckedTime": submitted}}
	}
	return map[string]any{"HealthCheckObservations": []any{
		obs("us-east-1", "54.243.31.192", "Success: HTTP Status Code 200, OK"),
		obs("eu-west-1", "176.34.159.192", "Failure: Connection timed out."),
	}}
}

func healthCheck() map[string]any {
	return map[string]any{
		"Id": "abcdef11-2222-3333-4444-555555fedcba", "CallerReference": "hc-primary-2026", "HealthCheckVersion": int64(1),
		"HealthCheckConfig": map[string]any{
			"Type": "TCP", "FullyQualifiedDomainName": "app.cluster-abc.us-east-1.rds.amazonaws.com", "Port": int64(5432),
			"RequestInterval": int64(10), "FailureThreshold": int64(2), "Inverted": false, "Disabled": false,
			"Regions": []any{"us-east-1", "eu-west-1", "ap-southeast-1"},
		},
	}
}

func TestCodec_EncodeResult_golden(t *testing.T) {
	c := route53Codec(t)
	tests := []struct {
		op     string
		doc    map[string]any
		status int
		header http.Header
		golden string
	}{
		{"CreateHostedZone", createHostedZoneDoc(), 201,
			http.Header{"Location": {"https://route53.amazonaws.com/2013-04-01/hostedzone/" + zoneID}}, "create_hosted_zone.xml"},
		{"GetHostedZone", map[string]any{"HostedZone": hostedZone(), "DelegationSet": createHostedZoneDoc()["DelegationSet"]}, 200, http.Header{}, "get_hosted_zone.xml"},
		{"ListHostedZones", map[string]any{"HostedZones": []any{hostedZone()}, "Marker": "", "IsTruncated": false, "MaxItems": "100"}, 200, http.Header{}, "list_hosted_zones.xml"},
		{"ListHostedZonesByName", map[string]any{"HostedZones": []any{}, "DNSName": "example.com.", "IsTruncated": false, "MaxItems": "100"}, 200, http.Header{}, "list_hosted_zones_by_name_empty.xml"},
		{"DeleteHostedZone", map[string]any{"ChangeInfo": changeInfo("PENDING")}, 200, http.Header{}, "delete_hosted_zone.xml"},
		{"ListResourceRecordSets", rrsetsDoc(), 200, http.Header{}, "list_rrsets.xml"},
		{"ChangeResourceRecordSets", map[string]any{"ChangeInfo": changeInfo("PENDING")}, 200, http.Header{}, "change_rrsets.xml"},
		{"GetChange", map[string]any{"ChangeInfo": changeInfo("INSYNC")}, 200, http.Header{}, "get_change.xml"},
		{"CreateHealthCheck", map[string]any{"HealthCheck": healthCheck(), "Location": "https://route53.amazonaws.com/2013-04-01/healthcheck/abcdef11-2222-3333-4444-555555fedcba"}, 201,
			http.Header{"Location": {"https://route53.amazonaws.com/2013-04-01/healthcheck/abcdef11-2222-3333-4444-555555fedcba"}}, "create_health_check.xml"},
		{"ListHealthChecks", map[string]any{"HealthChecks": []any{healthCheck()}, "Marker": "", "IsTruncated": false, "MaxItems": "100"}, 200, http.Header{}, "list_health_checks.xml"},
		{"GetHealthCheckStatus", healthCheckStatusDoc(), 200, http.Header{}, "get_health_check_status.xml"},
		{"DeleteHealthCheck", nil, 200, http.Header{}, "delete_health_check.xml"},
		{"ChangeTagsForResource", map[string]any{}, 200, http.Header{}, "change_tags.xml"},
		{"ListTagsForResource", map[string]any{"ResourceTagSet": map[string]any{
			"ResourceType": "healthcheck", "ResourceId": "hc-1", "Tags": []any{map[string]any{"Key": "owner", "Value": "drtool"}},
		}}, 200, http.Header{}, "list_tags.xml"},
		{"TestDNSAnswer", map[string]any{
			"Nameserver": "ns-2048.awsdns-64.com", "RecordName": "db.example.com.", "RecordType": "CNAME",
			"RecordData": []any{"app.cluster-abc.us-east-1.rds.amazonaws.com"}, "ResponseCode": "NOERROR", "Protocol": "UDP",
		}, 200, http.Header{}, "test_dns_answer.xml"},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			status, header, body, err := c.EncodeResult(tt.op, tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if status != tt.status || fmt.Sprint(header) != fmt.Sprint(tt.header) {
				t.Errorf("status, header = %d %v, want %d %v", status, header, tt.status, tt.header)
			}
			golden(t, tt.golden, body)
			restxmltest.ValidateWithBotocore(t, tt.op, status, body)
		})
	}
}

func TestCodec_EncodeResult_errors(t *testing.T) {
	c := route53Codec(t)
	tests := []struct {
		name, op string
		doc      map[string]any
		want     string
	}{
		{"unknown operation", "Nope", nil, "unknown operation Nope"},
		{"unknown top-level key", "GetChange", map[string]any{"ChangeInfo": changeInfo("INSYNC"), "Extra": 1}, `"Extra" is not a member of GetChangeResponse`},
		{"unknown nested key", "GetChange", map[string]any{"ChangeInfo": map[string]any{"Id": "x", "Bogus": 1}}, `"Bogus" is not a member of ChangeInfo`},
		{"wrong scalar type", "ListResourceRecordSets", map[string]any{"IsTruncated": "yes"}, "does not fit boolean"},
		{"list is not a slice", "GetHealthCheckStatus", map[string]any{"HealthCheckObservations": "x"}, "want a slice"},
		{"wrong header type", "CreateHostedZone", map[string]any{"Location": true}, "does not fit string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := c.EncodeResult(tt.op, tt.doc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want containing %q", err, tt.want)
			}
		})
	}
}

func TestCodec_WriteError_golden(t *testing.T) {
	c := route53Codec(t)
	tests := []struct {
		name   string
		op     string
		err    error
		status int
		golden string
	}{
		{"no such hosted zone", "GetHostedZone", awserr.New("NoSuchHostedZone", "No hosted zone found with ID: %s", zoneID), 404, "error_no_such_hosted_zone.xml"},
		{"hosted zone not empty", "DeleteHostedZone", awserr.New("HostedZoneNotEmpty", "The specified hosted zone contains non-required resource record sets and so cannot be deleted."), 400, "error_hosted_zone_not_empty.xml"},
		{"health check exists", "CreateHealthCheck", awserr.New("HealthCheckAlreadyExists", "A health check with CallerReference r already exists"), 409, "error_health_check_exists.xml"},
		{"conflicting domain", "CreateHostedZone", awserr.New("ConflictingDomainExists", "conflict"), 400, "error_conflicting_domain.xml"},
		{"missing parameter becomes InvalidInput", "GetChange", awserr.New(awserr.MissingParameter, "The request must contain the parameter Id"), 400, "error_invalid_input.xml"},
		{"unknown operation", "GetChange", awserr.New(UnknownOperation, "No operation matches GET /x"), 404, "error_unknown_operation.xml"},
		{"internal", "GetChange", errors.New("database on fire: secret"), 500, "error_internal.xml"},
		{"access denied", "GetChange", awserr.New(awserr.AccessDenied, "denied"), 403, "error_access_denied.xml"},
		{"invalid change batch messages", "ChangeResourceRecordSets", &awserr.Error{Code: "InvalidChangeBatch", Messages: []string{
			"Tried to create resource record set [name='db.example.com.', type='A'] but it already exists",
			"Tried to delete resource record set [name='old.example.com.', type='TXT'] but it was not found",
		}}, 400, "error_invalid_change_batch.xml"},
		{"invalid change batch message only", "ChangeResourceRecordSets", awserr.New("InvalidChangeBatch", "RRSet with DNS name a. is not permitted in zone b."), 400, "error_invalid_change_batch_single.xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c.WriteError(w, tt.err, "req-1")
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			h := w.Header()
			if h.Get("x-amzn-RequestId") != "req-1" || h.Get("Content-Type") != "text/xml" || h.Get("Date") == "" {
				t.Errorf("headers = %v", h)
			}
			if strings.Contains(w.Body.String(), "secret") {
				t.Errorf("internal error text leaked: %s", w.Body)
			}
			golden(t, tt.golden, w.Body.Bytes())
			restxmltest.ValidateWithBotocore(t, tt.op, w.Code, w.Body.Bytes())
		})
	}
}

// recordTB records Errorf instead of failing the test.
type recordTB struct {
	testing.TB
	errors []string
}

func (r *recordTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestValidateWithBotocore_rejects(t *testing.T) {
	tests := []struct {
		name, op string
		status   int
		body     string
	}{
		{"wrong status", "CreateHostedZone", 200, `<CreateHostedZoneResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"></CreateHostedZoneResponse>`},
		{"header member in body", "CreateHostedZone", 201, `<CreateHostedZoneResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Location>x</Location></CreateHostedZoneResponse>`},
		{"wrong list item", "ListResourceRecordSets", 200, `<ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ResourceRecordSets><member/></ResourceRecordSets></ListResourceRecordSetsResponse>`},
		{"error without code for botocore", "ChangeResourceRecordSets", 400, `<InvalidChangeBatch xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Messages><Message>m</Message></Messages><RequestId>r</RequestId></InvalidChangeBatch>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recordTB{TB: t}
			restxmltest.ValidateWithBotocore(rec, tt.op, tt.status, []byte(tt.body))
			if len(rec.errors) == 0 {
				t.Errorf("validator accepted %s", tt.body)
			}
		})
	}
}
