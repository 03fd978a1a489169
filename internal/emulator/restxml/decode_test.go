package restxml

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// dump renders a decoded call one leaf per line with its Go type, so that
// goldens tell int64 from string.
func dump(call *Call) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "operation %s\n", call.Operation)
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if len(keys) == 0 {
				fmt.Fprintf(&b, "%s = {}\n", path)
			}
			for _, k := range keys {
				walk(join(path, k), v[k])
			}
		case []any:
			if len(v) == 0 {
				fmt.Fprintf(&b, "%s = []\n", path)
			}
			for i, item := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), item)
			}
		case time.Time:
			fmt.Fprintf(&b, "%s = time %s\n", path, v.Format(time.RFC3339Nano))
		default:
			fmt.Fprintf(&b, "%s = %T %q\n", path, v, fmt.Sprint(v))
		}
	}
	walk("", call.Params)
	return b.Bytes()
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCodec_Decode_golden(t *testing.T) {
	c := route53Codec(t)
	tests := []struct {
		name, method, target, body, golden string
		header                             map[string]string
	}{
		{
			name: "ChangeResourceRecordSets CREATE failover, UPSERT alias, DELETE", method: "POST",
			target: "/2013-04-01/hostedzone/Z3M3LMPEXAMPLE/rrset/", body: "change_rrsets_request.xml",
			golden: "decode_change_rrsets.golden",
		},
		{
			name: "CreateHealthCheck TCP", method: "POST",
			target: "/2013-04-01/healthcheck", body: "create_health_check_request.xml",
			golden: "decode_create_health_check.golden",
		},
		{
			name: "ListResourceRecordSets query parameters", method: "GET",
			target: "/2013-04-01/hostedzone/Z3M3LMPEXAMPLE/rrset?maxitems=2&name=db.example.com.&type=A&identifier=primary%20us&unknown=x",
			golden: "decode_list_rrsets.golden",
		},
		{
			name: "TestDNSAnswer query parameters", method: "GET",
			target: "/2013-04-01/testdnsanswer?hostedzoneid=Z1&recordname=db.example.com&recordtype=A&edns0clientsubnetmask=24",
			golden: "decode_test_dns_answer.golden",
		},
		{
			name: "ChangeTagsForResource", method: "POST",
			target: "/2013-04-01/tags/healthcheck/hc-1",
			body:   "<ChangeTagsForResourceRequest><AddTags><Tag><Key>owner</Key><Value>drtool</Value></Tag><Tag><Key>empty</Key><Value></Value></Tag></AddTags><RemoveTagKeys><Key>old</Key></RemoveTagKeys></ChangeTagsForResourceRequest>",
			golden: "decode_change_tags.golden",
		},
		{
			name: "DeleteHostedZone no body", method: "DELETE",
			target: "/2013-04-01/hostedzone/Z1", golden: "decode_delete_hosted_zone.golden",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			if strings.HasSuffix(tt.body, ".xml") {
				body = readTestdata(t, tt.body)
			}
			r := httptest.NewRequest(tt.method, tt.target, bytes.NewReader(body))
			call, err := c.Decode(r, body)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, dump(call))
		})
	}
}

func TestCodec_Decode_errors(t *testing.T) {
	c := route53Codec(t)
	crrs := "/2013-04-01/hostedzone/Z1/rrset/"
	tests := []struct {
		name, method, target, body string
		code, message              string
	}{
		{"unknown path", "GET", "/2013-04-01/nothing", "", UnknownOperation, "No operation matches GET /2013-04-01/nothing"},
		{"unsupported method", "PUT", "/2013-04-01/hostedzone/Z1", "", UnknownOperation, "The method PUT is not supported"},
		{"malformed XML", "POST", crrs, "<ChangeResourceRecordSetsRequest><ChangeBatch>", InvalidInput, "Invalid XML"},
		{"mismatched tags", "POST", crrs, "<ChangeResourceRecordSetsRequest></ChangeBatch>", InvalidInput, "Invalid XML"},
		{"two roots", "POST", crrs, "<ChangeResourceRecordSetsRequest/><ChangeResourceRecordSetsRequest/>", InvalidInput, "more than one root"},
		{"wrong root", "POST", crrs, "<CreateHostedZoneRequest/>", InvalidInput, "want <ChangeResourceRecordSetsRequest>"},
		{"missing body", "POST", crrs, "", InvalidInput, "Value null at 'ChangeBatch'"},
		{"missing nested required", "POST", crrs,
			"<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><Action>CREATE</Action><ResourceRecordSet><Name>a</Name><Type>A</Type></ResourceRecordSet></Change>" +
				"<Change><ResourceRecordSet><Name>a</Name><Type>A</Type></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>",
			InvalidInput, "Value null at 'ChangeBatch.Changes[1].Action'"},
		{"alias without EvaluateTargetHealth", "POST", crrs,
			"<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><Action>CREATE</Action><ResourceRecordSet><Name>a</Name><Type>A</Type>" +
				"<AliasTarget><HostedZoneId>Z</HostedZoneId><DNSName>d</DNSName></AliasTarget></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>",
			InvalidInput, "AliasTarget.EvaluateTargetHealth'"},
		{"bad TTL", "POST", crrs,
			"<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><Action>CREATE</Action><ResourceRecordSet><Name>a</Name><Type>A</Type><TTL>sixty</TTL></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>",
			InvalidInput, "Invalid value 'sixty' for ChangeBatch.Changes[0].ResourceRecordSet.TTL: expected long"},
		{"bad boolean", "POST", "/2013-04-01/healthcheck",
			"<CreateHealthCheckRequest><CallerReference>r</CallerReference><HealthCheckConfig><Type>TCP</Type><Inverted>yes</Inverted></HealthCheckConfig></CreateHealthCheckRequest>",
			InvalidInput, "Invalid value 'yes' for HealthCheckConfig.Inverted"},
		{"bad port", "POST", "/2013-04-01/healthcheck",
			"<CreateHealthCheckRequest><CallerReference>r</CallerReference><HealthCheckConfig><Type>TCP</Type><Port>99999999999</Port></HealthCheckConfig></CreateHealthCheckRequest>",
			InvalidInput, "HealthCheckConfig.Port"},
		{"missing required query", "GET", "/2013-04-01/testdnsanswer?hostedzoneid=Z1&recordname=a", "", InvalidInput, "Value null at 'RecordType'"},
		{"bad query string", "GET", "/2013-04-01/hostedzone?maxitems=%zz", "", InvalidInput, "query string is malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/", strings.NewReader(tt.body))
			r.URL.Path, r.URL.RawPath, r.URL.RawQuery = "", "", ""
			if p, q, ok := strings.Cut(tt.target, "?"); ok {
				r.URL.Path, r.URL.RawQuery = p, q
			} else {
				r.URL.Path = p
			}
			call, err := c.Decode(r, []byte(tt.body))
			e, ok := awserr.As(err)
			if !ok {
				t.Fatalf("Decode = %+v, %v; want *awserr.Error", call, err)
			}
			if e.Code != tt.code || !strings.Contains(e.Message, tt.message) {
				t.Errorf("error = %s: %s, want %s containing %q", e.Code, e.Message, tt.code, tt.message)
			}
		})
	}
}

func TestCodec_Decode_listHostedZonesQuery(t *testing.T) {
	c := route53Codec(t)
	r := httptest.NewRequest(http.MethodGet, "/2013-04-01/hostedzone?maxitems=5&marker=Z9&delegationsetid=D1&hostedzonetype=PrivateHostedZone", nil)
	call, err := c.Decode(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"MaxItems": "5", "Marker": "Z9", "DelegationSetId": "D1", "HostedZoneType": "PrivateHostedZone"}
	if fmt.Sprint(call.Params) != fmt.Sprint(want) {
		t.Errorf("params = %v, want %v", call.Params, want)
	}
}
