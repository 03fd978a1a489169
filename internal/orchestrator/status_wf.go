package orchestrator

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
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
