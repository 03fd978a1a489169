package route53

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

func TestService_CreateHostedZone(t *testing.T) {
	f := newFixture(t)
	first, err := f.s.CreateHostedZone(ctx, "", &sdk.CreateHostedZoneInput{CallerReference: ptr("r1"), Name: ptr("Example.COM")})
	if err != nil {
		t.Fatalf("CreateHostedZone: %v", err)
	}
	id := *first.HostedZone.Id
	if !regexp.MustCompile(`^/hostedzone/Z[A-Z0-9]{12,20}$`).MatchString(id) {
		t.Errorf("Id = %s", id)
	}
	if *first.HostedZone.Name != "example.com." || *first.Location != "https://route53.amazonaws.com/2013-04-01/hostedzone/"+id[len("/hostedzone/"):] {
		t.Errorf("Name = %s, Location = %s", *first.HostedZone.Name, *first.Location)
	}
	if first.ChangeInfo.Status != types.ChangeStatusPending || len(first.DelegationSet.NameServers) != 4 || *first.HostedZone.ResourceRecordSetCount != 2 {
		t.Errorf("ChangeInfo %v, name servers %v, count %d", first.ChangeInfo.Status, first.DelegationSet.NameServers, *first.HostedZone.ResourceRecordSetCount)
	}
	tests := []struct {
		name string
		in   *sdk.CreateHostedZoneInput
		code string
	}{
		{"retry with same parameters", &sdk.CreateHostedZoneInput{CallerReference: ptr("r1"), Name: ptr("example.com.")}, ""},
		{"reused reference", &sdk.CreateHostedZoneInput{CallerReference: ptr("r1"), Name: ptr("other.com")}, "HostedZoneAlreadyExists"},
		{"bad name", &sdk.CreateHostedZoneInput{CallerReference: ptr("r2"), Name: ptr("bad..name")}, "InvalidDomainName"},
		{"no reference", &sdk.CreateHostedZoneInput{Name: ptr("x.com")}, "InvalidInput"},
		{"private without VPC", &sdk.CreateHostedZoneInput{CallerReference: ptr("r3"), Name: ptr("x.com"), HostedZoneConfig: &types.HostedZoneConfig{PrivateZone: true}}, "InvalidInput"},
		{"private", &sdk.CreateHostedZoneInput{CallerReference: ptr("r4"), Name: ptr("internal.example.com"), VPC: &types.VPC{VPCId: ptr("vpc-1"), VPCRegion: types.VPCRegionUsEast1}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := f.s.CreateHostedZone(ctx, "", tt.in)
			if code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			if err == nil && tt.name == "retry with same parameters" && *out.HostedZone.Id != id {
				t.Errorf("retry created %s, want %s", *out.HostedZone.Id, id)
			}
			if err == nil && tt.in.VPC != nil && (out.DelegationSet != nil || out.VPC == nil || !out.HostedZone.Config.PrivateZone) {
				t.Errorf("private zone output: %+v", out)
			}
		})
	}
}

func TestService_DeleteHostedZone(t *testing.T) {
	f := newFixture(t)
	z := f.zone(t, "example.com")
	f.mustChange(t, z, create(simple("www.example.com", types.RRTypeA, 60, "192.0.2.1")))
	tests := []struct {
		name   string
		before func()
		id     string
		code   string
	}{
		{"not empty", nil, z, "HostedZoneNotEmpty"},
		{"unknown", nil, "ZNOPE", "NoSuchHostedZone"},
		{"after emptying", func() { f.mustChange(t, z, del(simple("www.example.com.", types.RRTypeA, 60, "192.0.2.1"))) }, "/hostedzone/" + z, ""},
		{"twice", nil, z, "NoSuchHostedZone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before()
			}
			_, err := f.s.DeleteHostedZone(ctx, "", &sdk.DeleteHostedZoneInput{Id: ptr(tt.id)})
			if code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
		})
	}
}

func TestService_ListHostedZones(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for _, n := range []string{"b.com", "a.com", "www.a.com", "c.org"} {
		ids = append(ids, f.zone(t, n))
		f.clock.Advance(1)
	}
	var got []string
	var marker *string
	for page := 0; ; page++ {
		out, err := f.s.ListHostedZones(ctx, "", &sdk.ListHostedZonesInput{MaxItems: ptr(int32(3)), Marker: marker})
		if err != nil {
			t.Fatalf("ListHostedZones: %v", err)
		}
		for _, z := range out.HostedZones {
			got = append(got, (*z.Id)[len("/hostedzone/"):])
		}
		if !out.IsTruncated {
			break
		}
		marker = out.NextMarker
	}
	if len(got) != 4 || got[0] != ids[0] || got[3] != ids[3] {
		t.Errorf("paged IDs = %v, want creation order %v", got, ids)
	}

	tests := []struct {
		name     string
		in       *sdk.ListHostedZonesByNameInput
		names    []string
		nextName string
	}{
		{"all", &sdk.ListHostedZonesByNameInput{}, []string{"a.com.", "www.a.com.", "b.com.", "c.org."}, ""},
		{"from b.com", &sdk.ListHostedZonesByNameInput{DNSName: ptr("b.com")}, []string{"b.com.", "c.org."}, ""},
		{"paged", &sdk.ListHostedZonesByNameInput{MaxItems: ptr(int32(1))}, []string{"a.com."}, "www.a.com."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := f.s.ListHostedZonesByName(ctx, "", tt.in)
			if err != nil {
				t.Fatalf("ListHostedZonesByName: %v", err)
			}
			var names []string
			for _, z := range out.HostedZones {
				names = append(names, *z.Name)
			}
			if len(names) != len(tt.names) || (len(names) > 0 && names[0] != tt.names[0]) || names[len(names)-1] != tt.names[len(tt.names)-1] {
				t.Errorf("names = %v, want %v", names, tt.names)
			}
			if deref(out.NextDNSName) != tt.nextName {
				t.Errorf("NextDNSName = %q, want %q", deref(out.NextDNSName), tt.nextName)
			}
		})
	}
}

func TestFileStore_Save(t *testing.T) {
	path := filepath.Join(t.TempDir(), "route53.json")
	f := newFixture(t)
	f.s.cfg.Store = NewFileStore(path)
	z := f.zone(t, "example.com")
	f.mustChange(t, z, create(simple("www.example.com", types.RRTypeA, 60, "192.0.2.1")))
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v, %v; want mode 0600", fi, err)
	}
	s2, err := New(Config{Store: NewFileStore(path), Clock: f.clock})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	out, err := s2.ListResourceRecordSets(ctx, "", &sdk.ListResourceRecordSetsInput{HostedZoneId: ptr(z)})
	if err != nil || len(out.ResourceRecordSets) != 3 {
		t.Fatalf("reloaded record sets = %v, %v", out, err)
	}
	if res, ok := s2.Answer(question("www.example.com.", 1)); !ok || len(res.Answer) != 1 {
		t.Errorf("reloaded answer = %v, %v", res, ok)
	}
}

func TestService_AnswerFrom_concurrent(t *testing.T) {
	f := newFixture(t)
	z := f.zone(t, "example.com")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			if err := f.change(z, upsert(simple("www.example.com", types.RRTypeA, int64(i), "192.0.2.1"))); err != nil {
				t.Errorf("upsert: %v", err)
				return
			}
		}
	}()
	for range 200 {
		if _, ok := f.s.Answer(question("www.example.com.", 1)); !ok {
			t.Fatal("not authoritative")
		}
	}
	<-done
}
