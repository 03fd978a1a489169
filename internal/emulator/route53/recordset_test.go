package route53

import (
	"slices"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

func TestService_ChangeResourceRecordSets(t *testing.T) {
	f := newFixture(t)
	z := f.zone(t, "example.com")
	hc := f.check(t, "hc", "93.184.215.10")
	f.mustChange(t, z, create(simple("www.example.com", types.RRTypeA, 60, "192.0.2.1")))
	www := simple("www.example.com", types.RRTypeA, 60, "192.0.2.1")
	tests := []struct {
		name     string
		changes  []types.Change
		code     string
		messages []string
	}{
		{"duplicate create", []types.Change{create(www)}, "InvalidChangeBatch",
			[]string{"Tried to create resource record set [name='www.example.com.', type='A'] but it already exists"}},
		{"one bad change spoils the batch", []types.Change{
			create(simple("api.example.com", types.RRTypeA, 60, "192.0.2.2")),
			del(simple("gone.example.com", types.RRTypeA, 60, "192.0.2.3")),
			create(simple("x.example.com", types.RRTypeA, 60, "1.2.3")),
		}, "InvalidChangeBatch", []string{
			"Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '1.2.3''",
			"Tried to delete resource record set [name='gone.example.com.', type='A'] but it was not found",
		}},
		{"delete with other values", []types.Change{del(simple("www.example.com", types.RRTypeA, 300, "192.0.2.1"))}, "InvalidChangeBatch",
			[]string{"Tried to delete resource record set [name='www.example.com.', type='A'] but the values provided do not match the current values"}},
		{"outside the zone", []types.Change{create(simple("www.example.org", types.RRTypeA, 60, "192.0.2.1"))}, "InvalidChangeBatch",
			[]string{"RRSet with DNS name www.example.org. is not permitted in zone example.com."}},
		{"CNAME beside A", []types.Change{create(simple("www.example.com", types.RRTypeCname, 60, "db.example.net"))}, "InvalidChangeBatch",
			[]string{"RRSet of type CNAME with DNS name www.example.com. is not permitted as it conflicts with other records with the same DNS name in zone example.com."}},
		{"CNAME at apex", []types.Change{create(simple("example.com", types.RRTypeCname, 60, "db.example.net"))}, "InvalidChangeBatch",
			[]string{"RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com."}},
		{"missing TTL", []types.Change{create(&types.ResourceRecordSet{Name: ptr("t.example.com"), Type: types.RRTypeA, ResourceRecords: www.ResourceRecords})}, "InvalidChangeBatch",
			[]string{"Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]], but found none in Change with [Action=CREATE, Name=t.example.com., Type=A, SetIdentifier=null]"}},
		{"weighted beside simple", []types.Change{create(weighted("www.example.com", "w1", 1, "", "192.0.2.9"))}, "InvalidChangeBatch",
			[]string{"RRSet with DNS name www.example.com., type A, SetIdentifier w1 cannot be created as a non-weighted set exists with the same name and type."}},
		{"two primaries", []types.Change{create(failover("db.example.com", "a", "PRIMARY", "", "192.0.2.1")), create(failover("db.example.com", "b", "PRIMARY", "", "192.0.2.2"))}, "InvalidChangeBatch", nil},
		{"alias target missing", []types.Change{create(alias("al.example.com", z, "nothing.example.com", false))}, "InvalidChangeBatch",
			[]string{"Tried to create an alias that targets nothing.example.com., type A in zone " + z + ", but that target was not found"}},
		{"delete apex SOA", []types.Change{del(simple("example.com", types.RRTypeSoa, 900, "x"))}, "InvalidChangeBatch", nil},
		{"unknown health check", []types.Change{create(failover("db.example.com", "a", "PRIMARY", "nope", "192.0.2.1"))}, "NoSuchHealthCheck", nil},
		{"empty batch", nil, "InvalidInput", nil},
		{"bad weight", []types.Change{create(weighted("w.example.com", "a", 256, "", "192.0.2.1"))}, "InvalidInput", nil},
		{"valid mixed batch", []types.Change{
			upsert(simple("www.example.com", types.RRTypeA, 300, "192.0.2.7")),
			create(failover("db.example.com", "a", "PRIMARY", hc, "192.0.2.1")),
			create(failover("db.example.com", "b", "SECONDARY", "", "192.0.2.2")),
			create(alias("al.example.com", "/hostedzone/"+z, "db.example.com", true)),
			create(simple("txt.example.com", types.RRTypeTxt, 60, `"hello world"`)),
		}, "", nil},
		{"delete then create in one batch", []types.Change{del(simple("www.example.com", types.RRTypeA, 300, "192.0.2.7")), create(simple("www.example.com", types.RRTypeCname, 60, "db.example.com"))}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.s.st.Zones[z].Records
			err := f.change(z, tt.changes...)
			if code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			if err == nil {
				return
			}
			if !slices.Equal(f.s.st.Zones[z].Records, before) {
				t.Errorf("failed batch changed the zone")
			}
			if e, _ := awserr.As(err); tt.messages != nil && !slices.Equal(sortedCopy(e.Messages), sortedCopy(tt.messages)) {
				t.Errorf("messages:\n%q\nwant\n%q", e.Messages, tt.messages)
			}
		})
	}
}

func sortedCopy(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func TestService_ChangeResourceRecordSets_saveFailure(t *testing.T) {
	f := newFixture(t)
	z := f.zone(t, "example.com")
	store := &memStore{fail: true}
	f.s.cfg.Store = store
	if err := f.change(z, create(simple("www.example.com", types.RRTypeA, 60, "192.0.2.1"))); err == nil {
		t.Fatal("change succeeded with a failing store")
	}
	if n := len(f.s.st.Zones[z].Records); n != 2 {
		t.Errorf("%d record sets after a failed save, want 2", n)
	}
	if res, _ := f.s.Answer(question("www.example.com.", 1)); res.Rcode != 3 {
		t.Errorf("DNS sees the unsaved record: %v", res)
	}
}

func TestService_ListResourceRecordSets(t *testing.T) {
	f := newFixture(t)
	z := f.zone(t, "example.com")
	f.mustChange(t, z,
		create(simple("b.example.com", types.RRTypeA, 60, "192.0.2.1")),
		create(simple("a.b.example.com", types.RRTypeA, 60, "192.0.2.1")),
		create(simple("b.example.com", types.RRTypeTxt, 60, `"x"`)),
		create(weighted("w.example.com", "two", 1, "", "192.0.2.2")),
		create(weighted("w.example.com", "one", 1, "", "192.0.2.1")),
	)
	want := []string{"example.com. NS", "example.com. SOA", "b.example.com. A", "b.example.com. TXT", "a.b.example.com. A", "w.example.com. A one", "w.example.com. A two"}
	tests := []struct {
		name  string
		in    sdk.ListResourceRecordSetsInput
		first int // index in want
		n     int
		next  string
	}{
		{"all", sdk.ListResourceRecordSetsInput{}, 0, 7, ""},
		{"first page", sdk.ListResourceRecordSetsInput{MaxItems: ptr(int32(3))}, 0, 3, "b.example.com. TXT"},
		{"from name and type", sdk.ListResourceRecordSetsInput{StartRecordName: ptr("B.example.com"), StartRecordType: "TXT", MaxItems: ptr(int32(2))}, 3, 2, "w.example.com. A one"},
		{"from identifier", sdk.ListResourceRecordSetsInput{StartRecordName: ptr("w.example.com"), StartRecordType: "A", StartRecordIdentifier: ptr("two")}, 6, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.HostedZoneId = ptr(z)
			out, err := f.s.ListResourceRecordSets(ctx, "", &in)
			if err != nil {
				t.Fatalf("ListResourceRecordSets: %v", err)
			}
			var got []string
			for _, r := range out.ResourceRecordSets {
				got = append(got, joinKey(*r.Name, string(r.Type), deref(r.SetIdentifier)))
			}
			if !slices.Equal(got, want[tt.first:tt.first+tt.n]) {
				t.Errorf("got %q, want %q", got, want[tt.first:tt.first+tt.n])
			}
			next := ""
			if out.IsTruncated {
				next = joinKey(*out.NextRecordName, string(out.NextRecordType), deref(out.NextRecordIdentifier))
			}
			if next != tt.next {
				t.Errorf("next = %q, want %q", next, tt.next)
			}
		})
	}
	if _, err := f.s.ListResourceRecordSets(ctx, "", &sdk.ListResourceRecordSetsInput{HostedZoneId: ptr(z), StartRecordType: "A"}); code(err) != "InvalidInput" {
		t.Errorf("type without name: %v", err)
	}
}

func joinKey(name, typ, id string) string {
	if id == "" {
		return name + " " + typ
	}
	return name + " " + typ + " " + id
}

func TestService_GetChange(t *testing.T) {
	f := newFixture(t)
	z := f.zone(t, "example.com")
	out, err := f.s.ChangeResourceRecordSets(ctx, "", &sdk.ChangeResourceRecordSetsInput{HostedZoneId: ptr(z),
		ChangeBatch: &types.ChangeBatch{Comment: ptr("c"), Changes: []types.Change{create(simple("www.example.com", types.RRTypeA, 60, "192.0.2.1"))}}})
	if err != nil {
		t.Fatalf("ChangeResourceRecordSets: %v", err)
	}
	id := *out.ChangeInfo.Id
	tests := []struct {
		name    string
		advance time.Duration
		id      string
		status  types.ChangeStatus
		code    string
	}{
		{"just submitted", 0, id, types.ChangeStatusPending, ""},
		{"before the delay", 1999 * time.Millisecond, id, types.ChangeStatusPending, ""},
		{"after the delay", time.Millisecond, id[len("/change/"):], types.ChangeStatusInsync, ""},
		{"unknown", 0, "/change/CNOPE", "", "NoSuchChange"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Advance(tt.advance)
			got, err := f.s.GetChange(ctx, "", &sdk.GetChangeInput{Id: ptr(tt.id)})
			if code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			if err == nil && (got.ChangeInfo.Status != tt.status || !got.ChangeInfo.SubmittedAt.Equal(t0) || *got.ChangeInfo.Comment != "c") {
				t.Errorf("ChangeInfo = %+v, want status %s", got.ChangeInfo, tt.status)
			}
		})
	}
}
