package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/globaldb/globaldb/internal/emulator/admin"
)

// forwardingStatus reports c's write forwarding, nil when it was never
// asked for (a secondary's plain "disabled" included).
func forwardingStatus(ctx context.Context, cl *rds.Client, c *rdstypes.DBCluster) *WriteForwardingStatus {
	global, local := string(c.GlobalWriteForwardingStatus), string(c.LocalWriteForwardingStatus)
	requested := aws.ToBool(c.GlobalWriteForwardingRequested)
	if !requested && (global == "" || global == "disabled") && (local == "" || local == "disabled") {
		return nil
	}
	ws := &WriteForwardingStatus{GlobalRequested: requested, GlobalStatus: global, LocalStatus: local}
	group := aws.ToString(c.DBClusterParameterGroup)
	if group == "" {
		return ws
	}
	// A read failure (e.g. no rds:DescribeDBClusterParameters) leaves the
	// mode unknown; the rest of the report stands.
	if mode, err := readConsistency(ctx, cl, group); err == nil {
		ws.ConsistencyMode = mode
	}
	return ws
}

// writeForwardingTable renders the clusters that forward writes, if any.
func writeForwardingTable(w io.Writer, regions []RegionStatus) {
	header := false
	for _, rs := range regions {
		c := rs.Cluster
		if c == nil || c.WriteForwarding == nil {
			continue
		}
		if !header {
			fmt.Fprintln(w, "\nREGION\tGLOBAL FORWARDING\tLOCAL FORWARDING\tCONSISTENCY")
			header = true
		}
		wf := c.WriteForwarding
		global := orDash(wf.GlobalStatus)
		if wf.GlobalRequested && wf.GlobalStatus == "" {
			global = "requested (acts when secondary)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", rs.Region, global, orDash(wf.LocalStatus), orDash(wf.ConsistencyMode))
	}
}

// AddForwardingMetrics reads a globaldb emulator's write forwarding
// counters (its admin API, GET /_globaldb/forwarding, signed with c's
// credentials) into the report's instances. Call it only when c's
// endpoint is an emulator: AWS publishes these figures in CloudWatch.
func AddForwardingMetrics(ctx context.Context, c *Clients, rep *StatusReport) error {
	endpoint := aws.ToString(c.cfg.BaseEndpoint)
	if endpoint == "" {
		return errors.New("read write forwarding metrics: no emulator endpoint")
	}
	cl := &admin.Client{Endpoint: endpoint, HTTP: &http.Client{Timeout: 10 * time.Second},
		Creds: c.cfg.Credentials, Region: c.cfg.Region}
	fs, err := cl.Forwarding(ctx)
	if err != nil {
		return fmt.Errorf("read write forwarding metrics: %w", err)
	}
	rep.setForwardingMetrics(fs)
	return nil
}

// setForwardingMetrics gives each instance of the report its figures,
// matched by region and identifier; instances without any stay without.
func (rep *StatusReport) setForwardingMetrics(fs []admin.InstanceForwarding) {
	byKey := map[[2]string]map[string]float64{}
	for _, f := range fs {
		if len(f.Metrics) > 0 {
			byKey[[2]string{f.Region, f.Instance}] = f.Metrics
		}
	}
	for r := range rep.Regions {
		rs := &rep.Regions[r]
		for i := range rs.Instances {
			rs.Instances[i].WriteForwardingMetrics = byKey[[2]string{rs.Region, rs.Instances[i].ID}]
		}
	}
}
