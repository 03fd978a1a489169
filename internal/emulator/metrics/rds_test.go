package metrics

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/globaldb/globaldb/internal/emulator/controller"
	"github.com/globaldb/globaldb/internal/emulator/engine"
)

// render writes datums one a line, "region Name{dims} value unit",
// sorted, keeping only the named metrics (all when none is named).
func render(byRegion map[string][]types.MetricDatum, now time.Time, names ...string) []string {
	var out []string
	for region, data := range byRegion {
		for _, d := range data {
			name := aws.ToString(d.MetricName)
			if len(names) > 0 && !slices.Contains(names, name) {
				continue
			}
			var dims []string
			for _, dim := range d.Dimensions {
				dims = append(dims, aws.ToString(dim.Name)+"="+aws.ToString(dim.Value))
			}
			line := fmt.Sprintf("%s %s{%s} %g %s", region, name, strings.Join(dims, ","), aws.ToFloat64(d.Value), d.Unit)
			if !aws.ToTime(d.Timestamp).Equal(now) {
				line += " at " + aws.ToTime(d.Timestamp).String()
			}
			out = append(out, line)
		}
	}
	slices.Sort(out)
	return out
}

func instance(key, cluster, scope string, writer bool, mod func(*controller.InstanceFacts)) controller.InstanceFacts {
	region, _, _ := strings.Cut(key, "/")
	f := controller.InstanceFacts{Key: key, Region: region, ID: identifier(key), Cluster: cluster,
		ClusterID: identifier(cluster), Scope: scope, Writer: writer}
	f.At, f.Started = at(10000), at(10000).Add(-90*time.Second)
	if mod != nil {
		mod(&f)
	}
	return f
}

func identifier(key string) string { _, id, _ := strings.Cut(key, "/"); return id }

func TestRDS(t *testing.T) {
	now := at(10100)
	// The global writer wrote 1000 bytes a second, sampled every second.
	steady := NewHistory(32)
	for i := range 11 {
		steady.Add(Sample{At: at(i * 1000), LSN: engine.LSN(1000 * (i + 1))})
	}
	writer := instance("us-east-1/p1", "us-east-1/c1", "g", true, func(f *controller.InstanceFacts) {
		f.Position, f.Received, f.Connections = 11000, 11000, 3
	})
	reader := instance("us-east-1/p2", "us-east-1/c1", "g", false, func(f *controller.InstanceFacts) {
		f.Position, f.Received, f.InRecovery = 10800, 10900, true
	})
	linked := func(mod func(*controller.InstanceFacts)) controller.InstanceFacts {
		return instance("us-west-2/s1", "us-west-2/c2", "g", false, func(f *controller.InstanceFacts) {
			f.InRecovery, f.SourceRegion = true, "us-east-1"
			f.Position, f.Received = 8000, 9500 // replayed 3 s behind, received 1.5 s behind
			f.LastReplayedCommit = at(7500)
			if mod != nil {
				mod(f)
			}
		})
	}
	tests := []struct {
		name  string
		p     Period
		names []string
		want  []string
	}{
		{
			name: "a standalone writer",
			p: Period{Instances: []controller.InstanceFacts{writer}, CPU: map[string]float64{"us-east-1/p1": 12.5},
				Writers: map[string]*History{"g": steady}},
			want: []string{
				"us-east-1 CPUUtilization{DBClusterIdentifier=c1,Role=WRITER} 12.5 Percent",
				"us-east-1 CPUUtilization{DBClusterIdentifier=c1} 12.5 Percent",
				"us-east-1 CPUUtilization{DBInstanceIdentifier=p1} 12.5 Percent",
				"us-east-1 CPUUtilization{EngineName=aurora-postgresql} 12.5 Percent",
				"us-east-1 DatabaseConnections{DBClusterIdentifier=c1,Role=WRITER} 3 Count",
				"us-east-1 DatabaseConnections{DBClusterIdentifier=c1} 3 Count",
				"us-east-1 DatabaseConnections{DBInstanceIdentifier=p1} 3 Count",
				"us-east-1 DatabaseConnections{EngineName=aurora-postgresql} 3 Count",
				"us-east-1 EngineUptime{DBClusterIdentifier=c1,Role=WRITER} 90 Seconds",
				"us-east-1 EngineUptime{DBClusterIdentifier=c1} 90 Seconds",
				"us-east-1 EngineUptime{DBInstanceIdentifier=p1} 90 Seconds",
				"us-east-1 EngineUptime{EngineName=aurora-postgresql} 90 Seconds",
			},
		},
		{
			name: "replica lags, in-region and across the link",
			p: Period{Instances: []controller.InstanceFacts{writer, reader, linked(nil)},
				Writers: map[string]*History{"g": steady}},
			names: []string{"AuroraReplicaLag", "AuroraReplicaLagMaximum", "AuroraReplicaLagMinimum"},
			want: []string{
				"us-east-1 AuroraReplicaLag{DBClusterIdentifier=c1,Role=READER} 200 Milliseconds",
				"us-east-1 AuroraReplicaLag{DBClusterIdentifier=c1} 200 Milliseconds",
				"us-east-1 AuroraReplicaLag{DBInstanceIdentifier=p2} 200 Milliseconds",
				"us-east-1 AuroraReplicaLag{EngineName=aurora-postgresql} 200 Milliseconds",
				"us-east-1 AuroraReplicaLagMaximum{DBClusterIdentifier=c1,Role=WRITER} 200 Milliseconds",
				"us-east-1 AuroraReplicaLagMaximum{DBClusterIdentifier=c1} 200 Milliseconds",
				"us-east-1 AuroraReplicaLagMaximum{DBInstanceIdentifier=p1} 200 Milliseconds",
				"us-east-1 AuroraReplicaLagMaximum{EngineName=aurora-postgresql} 200 Milliseconds",
				"us-east-1 AuroraReplicaLagMinimum{DBClusterIdentifier=c1,Role=WRITER} 200 Milliseconds",
				"us-east-1 AuroraReplicaLagMinimum{DBClusterIdentifier=c1} 200 Milliseconds",
				"us-east-1 AuroraReplicaLagMinimum{DBInstanceIdentifier=p1} 200 Milliseconds",
				"us-east-1 AuroraReplicaLagMinimum{EngineName=aurora-postgresql} 200 Milliseconds",
				"us-west-2 AuroraReplicaLag{DBClusterIdentifier=c2,Role=READER} 3000 Milliseconds",
				"us-west-2 AuroraReplicaLag{DBClusterIdentifier=c2} 3000 Milliseconds",
				"us-west-2 AuroraReplicaLag{DBInstanceIdentifier=s1} 3000 Milliseconds",
				"us-west-2 AuroraReplicaLag{EngineName=aurora-postgresql} 3000 Milliseconds",
			},
		},
		{
			name: "a secondary cluster, in its region only",
			p: Period{Instances: []controller.InstanceFacts{writer, linked(nil)}, Writers: map[string]*History{"g": steady},
				Previous: map[string]controller.InstanceFacts{"us-west-2/s1": linked(func(f *controller.InstanceFacts) { f.Received = 1308 })}},
			names: globalNames,
			want: []string{
				"us-west-2 AuroraGlobalDBDataTransferBytes{DBClusterIdentifier=c2,SourceRegion=us-east-1} 8192 Bytes",
				"us-west-2 AuroraGlobalDBDataTransferBytes{DBClusterIdentifier=c2} 8192 Bytes",
				"us-west-2 AuroraGlobalDBProgressLag{DBClusterIdentifier=c2,SourceRegion=us-east-1} 3000 Milliseconds",
				"us-west-2 AuroraGlobalDBProgressLag{DBClusterIdentifier=c2} 3000 Milliseconds",
				// The last replayed commit is 2.5 s old: no user commit is older.
				"us-west-2 AuroraGlobalDBRPOLag{DBClusterIdentifier=c2,SourceRegion=us-east-1} 2500 Milliseconds",
				"us-west-2 AuroraGlobalDBRPOLag{DBClusterIdentifier=c2} 2500 Milliseconds",
				"us-west-2 AuroraGlobalDBReplicatedWriteIO{DBClusterIdentifier=c2,SourceRegion=us-east-1} 2 Count",
				"us-west-2 AuroraGlobalDBReplicatedWriteIO{DBClusterIdentifier=c2} 2 Count",
				"us-west-2 AuroraGlobalDBReplicationLag{DBClusterIdentifier=c2,SourceRegion=us-east-1} 1500 Milliseconds",
				"us-west-2 AuroraGlobalDBReplicationLag{DBClusterIdentifier=c2} 1500 Milliseconds",
			},
		},
		{
			name: "a caught-up secondary lags 0",
			p: Period{Instances: []controller.InstanceFacts{linked(func(f *controller.InstanceFacts) { f.Position, f.Received = 11000, 11000 })},
				Writers: map[string]*History{"g": steady}},
			names: []string{"AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag", "AuroraGlobalDBProgressLag"},
			want: []string{
				"us-west-2 AuroraGlobalDBProgressLag{DBClusterIdentifier=c2,SourceRegion=us-east-1} 0 Milliseconds",
				"us-west-2 AuroraGlobalDBProgressLag{DBClusterIdentifier=c2} 0 Milliseconds",
				"us-west-2 AuroraGlobalDBRPOLag{DBClusterIdentifier=c2,SourceRegion=us-east-1} 0 Milliseconds",
				"us-west-2 AuroraGlobalDBRPOLag{DBClusterIdentifier=c2} 0 Milliseconds",
				"us-west-2 AuroraGlobalDBReplicationLag{DBClusterIdentifier=c2,SourceRegion=us-east-1} 0 Milliseconds",
				"us-west-2 AuroraGlobalDBReplicationLag{DBClusterIdentifier=c2} 0 Milliseconds",
			},
		},
		{
			name: "no commit replayed yet: the RPO lag is the progress lag",
			p: Period{Instances: []controller.InstanceFacts{linked(func(f *controller.InstanceFacts) { f.LastReplayedCommit = time.Time{} })},
				Writers: map[string]*History{"g": steady}},
			names: []string{"AuroraGlobalDBRPOLag"},
			want: []string{
				"us-west-2 AuroraGlobalDBRPOLag{DBClusterIdentifier=c2,SourceRegion=us-east-1} 3000 Milliseconds",
				"us-west-2 AuroraGlobalDBRPOLag{DBClusterIdentifier=c2} 3000 Milliseconds",
			},
		},
		{
			// No history of the writer at all (the emulator just started):
			// the lags are unknown, the bytes shipped are not.
			name: "no writer history",
			p: Period{Instances: []controller.InstanceFacts{reader, linked(nil)},
				Previous: map[string]controller.InstanceFacts{"us-west-2/s1": linked(nil)}},
			names: append([]string{"AuroraReplicaLag"}, globalNames...),
			want: []string{
				"us-west-2 AuroraGlobalDBDataTransferBytes{DBClusterIdentifier=c2,SourceRegion=us-east-1} 0 Bytes",
				"us-west-2 AuroraGlobalDBDataTransferBytes{DBClusterIdentifier=c2} 0 Bytes",
				"us-west-2 AuroraGlobalDBReplicatedWriteIO{DBClusterIdentifier=c2,SourceRegion=us-east-1} 0 Count",
				"us-west-2 AuroraGlobalDBReplicatedWriteIO{DBClusterIdentifier=c2} 0 Count",
			},
		},
		{
			// The writer's region is out: the heartbeats stopped at its
			// last answer (at 10 s), so a secondary that had everything
			// lags from then (4 s at 14 s), and one behind lags from
			// where it is (received 9500, written at 8.5 s: 5.5 s).
			name: "a silent writer: the global lags grow from its last answer",
			p: Period{Instances: []controller.InstanceFacts{
				linked(func(f *controller.InstanceFacts) { f.At, f.Position, f.Received = at(14000), 11000, 11000 }),
				instance("eu-west-1/t1", "eu-west-1/c3", "g", false, func(f *controller.InstanceFacts) {
					f.InRecovery, f.SourceRegion, f.At = true, "us-east-1", at(14000)
					f.Position, f.Received, f.LastReplayedCommit = 9500, 9500, at(8000)
				}),
			}, Silent: map[string]*History{"g": steady}},
			names: []string{"AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag", "AuroraGlobalDBProgressLag"},
			want: []string{
				"eu-west-1 AuroraGlobalDBProgressLag{DBClusterIdentifier=c3,SourceRegion=us-east-1} 5500 Milliseconds",
				"eu-west-1 AuroraGlobalDBProgressLag{DBClusterIdentifier=c3} 5500 Milliseconds",
				"eu-west-1 AuroraGlobalDBRPOLag{DBClusterIdentifier=c3,SourceRegion=us-east-1} 5500 Milliseconds",
				"eu-west-1 AuroraGlobalDBRPOLag{DBClusterIdentifier=c3} 5500 Milliseconds",
				"eu-west-1 AuroraGlobalDBReplicationLag{DBClusterIdentifier=c3,SourceRegion=us-east-1} 5500 Milliseconds",
				"eu-west-1 AuroraGlobalDBReplicationLag{DBClusterIdentifier=c3} 5500 Milliseconds",
				"us-west-2 AuroraGlobalDBProgressLag{DBClusterIdentifier=c2,SourceRegion=us-east-1} 4000 Milliseconds",
				"us-west-2 AuroraGlobalDBProgressLag{DBClusterIdentifier=c2} 4000 Milliseconds",
				"us-west-2 AuroraGlobalDBRPOLag{DBClusterIdentifier=c2,SourceRegion=us-east-1} 4000 Milliseconds",
				"us-west-2 AuroraGlobalDBRPOLag{DBClusterIdentifier=c2} 4000 Milliseconds",
				"us-west-2 AuroraGlobalDBReplicationLag{DBClusterIdentifier=c2,SourceRegion=us-east-1} 4000 Milliseconds",
				"us-west-2 AuroraGlobalDBReplicationLag{DBClusterIdentifier=c2} 4000 Milliseconds",
			},
		},
		{
			name: "a restarted instance ships no bytes for the period",
			p: Period{Instances: []controller.InstanceFacts{linked(nil)},
				Previous: map[string]controller.InstanceFacts{"us-west-2/s1": linked(func(f *controller.InstanceFacts) {
					f.Started, f.Received = f.Started.Add(-time.Hour), 100
				})}},
			names: globalNames,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.p.Now = now
			got := render(RDS(tt.p), now, tt.names...)
			slices.Sort(tt.want)
			if !slices.Equal(got, tt.want) {
				t.Errorf("datums:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

var globalNames = []string{"AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag", "AuroraGlobalDBProgressLag",
	"AuroraGlobalDBReplicatedWriteIO", "AuroraGlobalDBDataTransferBytes"}
