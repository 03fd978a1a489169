package restxml

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// FuzzDecode_ChangeResourceRecordSets feeds arbitrary bodies to Decode:
// it must never panic, and must either succeed or return an
// *awserr.Error.
func FuzzDecode_ChangeResourceRecordSets(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "change_rrsets_request.xml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(""))
	f.Add([]byte("<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change/></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"))
	f.Add([]byte("<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><ResourceRecordSet><TTL>x</TTL></ResourceRecordSet></Change></Changes></ChangeBatch>"))
	f.Add([]byte("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><ChangeResourceRecordSetsRequest>&a;</ChangeResourceRecordSetsRequest>"))
	c := route53Codec(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/2013-04-01/hostedzone/Z1/rrset/", bytes.NewReader(body))
		call, err := c.Decode(r, body)
		if err != nil {
			if _, ok := awserr.As(err); !ok {
				t.Fatalf("Decode error %v is not an *awserr.Error", err)
			}
			return
		}
		if call.Operation != "ChangeResourceRecordSets" || call.Params["HostedZoneId"] != "Z1" || call.Params["ChangeBatch"] == nil {
			t.Fatalf("call = %+v", call)
		}
	})
}
