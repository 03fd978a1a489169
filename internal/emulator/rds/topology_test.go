package rds

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
)

type seqAddrs struct{ n int }

func (a *seqAddrs) Allocate(int) (string, error) { a.n++; return fmt.Sprintf("127.0.9.%d", a.n), nil }

// seedModel builds the seed topology in the model alone and plays the
// runtime: volume ready, every instance available.
func seedModel(t *testing.T) *Service {
	t.Helper()
	return seedModelWith(t, Config{})
}

// seedModelWith is seedModel with cfg (Addresses is set).
func seedModelWith(t *testing.T, cfg Config) *Service {
	t.Helper()
	cfg.Addresses = &seqAddrs{}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, r := "ap-southeast-1", "ap-southeast-2"
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateGlobalCluster(ctx, p, &sdk.CreateGlobalClusterInput{GlobalClusterIdentifier: aws.String("g"), Engine: aws.String("aurora-postgresql")}))
	must(s.CreateDBCluster(ctx, p, &sdk.CreateDBClusterInput{DBClusterIdentifier: aws.String("p"), Engine: aws.String("aurora-postgresql"),
		GlobalClusterIdentifier: aws.String("g"), MasterUsername: aws.String("admin1"), MasterUserPassword: aws.String("password1")}))
	must(s.CreateDBCluster(ctx, r, &sdk.CreateDBClusterInput{DBClusterIdentifier: aws.String("s"), Engine: aws.String("aurora-postgresql"),
		GlobalClusterIdentifier: aws.String("g")}))
	for _, x := range []struct{ region, cluster, id string }{{p, "p", "p1"}, {p, "p", "p2"}, {r, "s", "s1"}, {r, "s", "s2"}} {
		must(s.CreateDBInstance(ctx, x.region, &sdk.CreateDBInstanceInput{DBInstanceIdentifier: aws.String(x.id),
			DBClusterIdentifier: aws.String(x.cluster), DBInstanceClass: aws.String("db.r6g.large"), Engine: aws.String("aurora-postgresql")}))
	}
	s.ObserveVolumeReady(p + "/p")
	s.ObserveClusterReady(r + "/s")
	for _, k := range []string{p + "/p1", p + "/p2", r + "/s1", r + "/s2"} {
		s.ObserveInstanceReady(k)
	}
	return s
}

func nodeByKey(t *testing.T, top Topology, k string) Node {
	t.Helper()
	for _, n := range top.Nodes {
		if n.Key == k {
			return n
		}
	}
	t.Fatalf("no node %s in %+v", k, top.Nodes)
	return Node{}
}

func TestService_Topology(t *testing.T) {
	s := seedModel(t)
	top := s.Topology()
	p1, p2 := nodeByKey(t, top, "ap-southeast-1/p1"), nodeByKey(t, top, "ap-southeast-1/p2")
	s1, s2 := nodeByKey(t, top, "ap-southeast-2/s1"), nodeByKey(t, top, "ap-southeast-2/s2")
	t.Run("primary writer waits for its in-region replica", func(t *testing.T) {
		if !p1.Writer || p1.Upstream != nil || len(p1.SyncStandbys) != 1 || p1.SyncStandbys[0] != p2.Name {
			t.Errorf("p1 = %+v, want writer with sync standby %s", p1, p2.Name)
		}
		if p2.Writer || p2.Upstream == nil || p2.Upstream.Node != p1.Key || p2.Upstream.Link != nil {
			t.Errorf("p2 = %+v, want in-region replica of p1", p2)
		}
	})
	t.Run("secondary streams through a link and cascades", func(t *testing.T) {
		if s1.Writer || s1.Upstream == nil || s1.Upstream.Link == nil || s1.Upstream.Node != p1.Key {
			t.Fatalf("s1 = %+v, want replica of p1 through a link", s1)
		}
		l := s1.Upstream.Link
		if l.From != "ap-southeast-1" || l.To != "ap-southeast-2" || l.TargetNode != p1.Key {
			t.Errorf("link = %+v", l)
		}
		if s2.Upstream == nil || s2.Upstream.Node != s1.Key || s2.Upstream.Link != nil {
			t.Errorf("s2 = %+v, want cascade from s1", s2)
		}
		if len(top.Links) != 1 {
			t.Errorf("links = %+v, want one", top.Links)
		}
	})
	t.Run("endpoint records", func(t *testing.T) {
		recs := map[string]Record{}
		for _, r := range top.Records {
			recs[r.Name] = r
		}
		var writerCNAME, globalCNAME, secondaryWriter bool
		for name, r := range recs {
			switch {
			case strings.HasPrefix(name, "p.cluster-") && !strings.HasPrefix(name, "p.cluster-ro-"):
				writerCNAME = strings.HasPrefix(r.CNAME, "p1.") && r.TTL == 5
			case strings.HasPrefix(name, "g.global-"):
				globalCNAME = strings.HasPrefix(r.CNAME, "p.cluster-")
			case strings.HasPrefix(name, "s.cluster-") && !strings.HasPrefix(name, "s.cluster-ro-"):
				secondaryWriter = true
			case strings.HasPrefix(name, "s.cluster-ro-"):
				if len(r.A) != 2 {
					t.Errorf("secondary reader endpoint = %v, want both instances", r.A)
				}
			}
		}
		if !writerCNAME || !globalCNAME || secondaryWriter {
			t.Errorf("writer CNAME %v, global CNAME %v, secondary writer endpoint published %v; records %+v", writerCNAME, globalCNAME, secondaryWriter, top.Records)
		}
	})
}

func TestService_TopologyAfterChanges(t *testing.T) {
	ctx := context.Background()
	t.Run("deleting the writer hands the role to the replica", func(t *testing.T) {
		s := seedModel(t)
		if _, err := s.DeleteDBInstance(ctx, "ap-southeast-1", &sdk.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("p1")}); err != nil {
			t.Fatal(err)
		}
		top := s.Topology()
		p1, p2 := nodeByKey(t, top, "ap-southeast-1/p1"), nodeByKey(t, top, "ap-southeast-1/p2")
		s1 := nodeByKey(t, top, "ap-southeast-2/s1")
		if !p1.Deleting || p1.KeepAsVolume || !p2.Writer || s1.Upstream.Node != p2.Key {
			t.Errorf("p1 %+v, p2 %+v, s1 upstream %+v", p1, p2, s1.Upstream)
		}
	})
	t.Run("detached secondary is promoted", func(t *testing.T) {
		s := seedModel(t)
		arn := "arn:aws:rds:ap-southeast-2:000000000000:cluster:s"
		if _, err := s.RemoveFromGlobalCluster(ctx, "ap-southeast-1", &sdk.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String("g"), DbClusterIdentifier: &arn}); err != nil {
			t.Fatal(err)
		}
		top := s.Topology()
		s1 := nodeByKey(t, top, "ap-southeast-2/s1")
		if !s1.Writer || !s1.Promoting || s1.Upstream != nil || len(top.Links) != 0 {
			t.Errorf("s1 = %+v, links %+v; want promoting writer without link", s1, top.Links)
		}
		s.ObservePromoted("ap-southeast-2/s")
		out, _ := s.DescribeGlobalClusters(ctx, "ap-southeast-1", &sdk.DescribeGlobalClustersInput{})
		if n := len(out.GlobalClusters[0].GlobalClusterMembers); n != 1 {
			t.Errorf("members after promotion = %d, want 1", n)
		}
	})
	t.Run("last instance of a cluster keeps its data as the volume", func(t *testing.T) {
		s := seedModel(t)
		for _, id := range []string{"s1", "s2"} {
			if _, err := s.DeleteDBInstance(ctx, "ap-southeast-2", &sdk.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(id)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.DeleteDBInstance(ctx, "ap-southeast-1", &sdk.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("p2")}); err != nil {
			t.Fatal(err)
		}
		_, err := s.DeleteDBInstance(ctx, "ap-southeast-1", &sdk.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("p1")})
		if err == nil || !strings.Contains(err.Error(), "Cannot delete the last instance of the master cluster") {
			t.Errorf("deleting the primary's last instance with a secondary present: %v", err)
		}
		p2 := nodeByKey(t, s.Topology(), "ap-southeast-1/p2")
		if !p2.Deleting || p2.KeepAsVolume {
			t.Errorf("p2 = %+v: a replica's copy is not the volume while the writer lives", p2)
		}
	})
}

func TestService_ObserveWriterDown(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := &fixedClock{t: now}
	s, err := New(Config{Addresses: &seqAddrs{}, Clock: clk, AutoFailoverBlock: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := "eu-west-1"
	if _, err := s.CreateDBCluster(ctx, r, &sdk.CreateDBClusterInput{DBClusterIdentifier: aws.String("c"), Engine: aws.String("aurora-postgresql"),
		MasterUsername: aws.String("admin1"), MasterUserPassword: aws.String("password1")}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"i1", "i2", "i3"} {
		if _, err := s.CreateDBInstance(ctx, r, &sdk.CreateDBInstanceInput{DBInstanceIdentifier: aws.String(id), DBClusterIdentifier: aws.String("c"),
			DBInstanceClass: aws.String("db.r6g.large"), Engine: aws.String("aurora-postgresql")}); err != nil {
			t.Fatal(err)
		}
		s.ObserveInstanceReady(r + "/" + id)
	}
	s.ObserveVolumeReady(r + "/c")
	steps := []struct {
		name      string
		dead      string
		cands     []string
		advance   time.Duration
		moved     bool
		newWriter string
	}{
		{"not the writer", "eu-west-1/i2", []string{"eu-west-1/i3"}, 0, false, "i1"},
		{"no candidates", "eu-west-1/i1", nil, 0, false, "i1"},
		{"fails over to the first candidate", "eu-west-1/i1", []string{"eu-west-1/i3", "eu-west-1/i2"}, 0, true, "i3"},
		{"blocked within the recovery period", "eu-west-1/i3", []string{"eu-west-1/i2"}, 30 * time.Second, false, "i3"},
		{"allowed after it", "eu-west-1/i3", []string{"eu-west-1/i2"}, 31 * time.Second, true, "i2"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clk.t = clk.t.Add(st.advance)
			if got := s.ObserveWriterDown(st.dead, st.cands); got != st.moved {
				t.Errorf("ObserveWriterDown = %v, want %v", got, st.moved)
			}
			if w := s.st.Clusters[r+"/c"].Writer; w != st.newWriter {
				t.Errorf("writer = %s, want %s", w, st.newWriter)
			}
		})
	}
}

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time                       { return c.t }
func (c *fixedClock) After(time.Duration) <-chan time.Time { return nil }
