package awsmodel

import (
	"net/http"
	"reflect"
	"sync"
	"testing"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		service, apiVersion, protocol, namespace string
	}{
		{RDS, "2014-10-31", "query", "http://rds.amazonaws.com/doc/2014-10-31/"},
		{IAM, "2010-05-08", "query", "https://iam.amazonaws.com/doc/2010-05-08/"},
		{STS, "2011-06-15", "query", "https://sts.amazonaws.com/doc/2011-06-15/"},
		{Route53, "2013-04-01", "rest-xml", ""},
		{RegionSwitch, "2022-07-26", "smithy-rpc-v2-cbor", ""},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			s, err := Load(tt.service)
			if err != nil {
				t.Fatal(err)
			}
			m := s.Metadata
			if m.APIVersion != tt.apiVersion || m.Protocol != tt.protocol || m.XMLNamespace != tt.namespace {
				t.Errorf("metadata = %+v", m)
			}
			for name, op := range s.Operations {
				if op.Name != name {
					t.Errorf("operation %s named %s", name, op.Name)
				}
			}
			for name, sh := range s.Shapes {
				if sh.Name != name || sh.Type == "" {
					t.Errorf("shape %s: name %q type %q", name, sh.Name, sh.Type)
				}
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		if _, err := Load("ec2"); err == nil {
			t.Fatal("Load(ec2) succeeded")
		}
	})
	t.Run("cached and concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		got := make([]*Service, 8)
		for i := range got {
			wg.Go(func() { got[i] = MustLoad(STS) })
		}
		wg.Wait()
		for _, s := range got {
			if s != got[0] {
				t.Fatal("Load returned different *Service values")
			}
		}
	})
}

func TestShape_Members(t *testing.T) {
	rds := MustLoad(RDS)
	tests := []struct {
		name  string
		shape string
		check func(t *testing.T, sh *Shape)
	}{
		{"member order follows model", "GlobalClusterMember", func(t *testing.T, sh *Shape) {
			var names []string
			for _, m := range sh.Members[:4] {
				names = append(names, m.Name)
			}
			want := []string{"DBClusterArn", "Readers", "IsWriter", "GlobalWriteForwardingStatus"}
			if !reflect.DeepEqual(names, want) {
				t.Errorf("first members = %v, want %v", names, want)
			}
		}},
		{"list member locationName", "GlobalClusterList", func(t *testing.T, sh *Shape) {
			if sh.Type != "list" || sh.Member.Shape != "GlobalCluster" || sh.Member.LocationName != "GlobalClusterMember" {
				t.Errorf("GlobalClusterList = %+v member %+v", sh, sh.Member)
			}
		}},
		{"list member without locationName", "ReadersArnList", func(t *testing.T, sh *Shape) {
			if sh.Member.LocationName != "" {
				t.Errorf("ReadersArnList member = %+v", sh.Member)
			}
		}},
		{"required", "CreateDBClusterMessage", func(t *testing.T, sh *Shape) {
			if !reflect.DeepEqual(sh.Required, []string{"DBClusterIdentifier", "Engine"}) {
				t.Errorf("required = %v", sh.Required)
			}
			if m := sh.MemberNamed("Tags"); m == nil || m.Shape != "TagList" {
				t.Errorf("Tags member = %+v", m)
			}
		}},
		{"error info", "DBInstanceNotFoundFault", func(t *testing.T, sh *Shape) {
			want := &ErrorInfo{Code: "DBInstanceNotFound", HTTPStatusCode: 404, SenderFault: true}
			if !sh.Exception || !reflect.DeepEqual(sh.Error, want) {
				t.Errorf("error = %+v", sh.Error)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh := rds.Shape(tt.shape)
			if sh == nil {
				t.Fatalf("no shape %s", tt.shape)
			}
			tt.check(t, sh)
		})
	}
	t.Run("route53 member location", func(t *testing.T) {
		sh := MustLoad(Route53).Shape("ChangeResourceRecordSetsRequest")
		m := sh.MemberNamed("HostedZoneId")
		if m == nil || m.Location != "uri" || m.ElementName() != "Id" {
			t.Errorf("HostedZoneId = %+v", m)
		}
	})
}

func TestService_WireError(t *testing.T) {
	tests := []struct {
		service, code, wire string
		status              int
		sender              bool
	}{
		{RDS, "DBInstanceNotFoundFault", "DBInstanceNotFound", http.StatusNotFound, true},
		{RDS, "DBInstanceNotFound", "DBInstanceNotFound", http.StatusNotFound, true},
		{RDS, "GlobalClusterNotFoundFault", "GlobalClusterNotFoundFault", http.StatusNotFound, true},
		{RDS, "InvalidGlobalClusterStateFault", "InvalidGlobalClusterStateFault", http.StatusBadRequest, true},
		{RDS, "InvalidParameterValue", "InvalidParameterValue", http.StatusBadRequest, true},
		{RDS, "InternalFailure", "InternalFailure", http.StatusInternalServerError, false},
		{RDS, "SomethingNew", "SomethingNew", http.StatusBadRequest, true},
		{IAM, "NoSuchEntityException", "NoSuchEntity", http.StatusNotFound, true},
		{IAM, "EntityAlreadyExistsException", "EntityAlreadyExists", http.StatusConflict, true},
		{IAM, "AccessDenied", "AccessDenied", http.StatusForbidden, true},
		{Route53, "NoSuchHostedZone", "NoSuchHostedZone", http.StatusNotFound, true},
	}
	for _, tt := range tests {
		t.Run(tt.service+"/"+tt.code, func(t *testing.T) {
			wire, status, sender := MustLoad(tt.service).WireError(tt.code)
			if wire != tt.wire || status != tt.status || sender != tt.sender {
				t.Errorf("WireError(%s) = %s %d %v, want %s %d %v", tt.code, wire, status, sender, tt.wire, tt.status, tt.sender)
			}
		})
	}
}
