package rds

import (
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// Write forwarding (reference/write-forwarding.md). Global write forwarding
// lets the instances of a secondary cluster ship writes to the global
// writer; local write forwarding lets a cluster's readers ship them to
// their own writer. Both are requested with a boolean on CreateDBCluster
// and ModifyDBCluster, need no restart, and report a status that moves
// enabling → enabled (disabling → disabled) after WriteForwardingDelay.
//
// A global request made on the primary (or on a cluster outside a global
// database) is stored and takes effect when the cluster becomes a
// secondary; a secondary promoted to primary stops forwarding but keeps
// its request, as the RDS API reference documents for
// EnableGlobalWriteForwarding.

// DefaultWriteForwardingDelay is how long a forwarding status stays
// enabling or disabling before it settles; a Clock that scales delays
// (clock.Scaled, --time-scale) scales it.
const DefaultWriteForwardingDelay = 2 * time.Second

// Forwarding kinds of Forward.Kind.
const (
	ForwardGlobal = "global"
	ForwardLocal  = "local"
)

// Write-forwarding parameters of the cluster parameter group.
const (
	paramWFConsistency   = "apg_write_forward.consistency_mode"
	paramWFConnect       = "apg_write_forward.connect_timeout"
	paramWFIdle          = "apg_write_forward.idle_session_timeout"
	paramWFIdleInXact    = "apg_write_forward.idle_in_transaction_session_timeout"
	paramWFMaxConnsShare = "apg_write_forward.max_forwarding_connections_percent"
)

// forwardingVersions are the first minor version of each major version
// that supports a kind of write forwarding on aurora-postgresql; majors
// after the last listed support it in every minor.
var forwardingVersions = map[string]struct {
	first   map[int]int // major → first supporting minor
	newest  int         // every minor of majors above this is supported
	wording string
}{
	ForwardGlobal: {first: map[int]int{14: 9, 15: 4, 16: 0}, newest: 16, wording: "16.x, 15.4 and higher 15.x, or 14.9 and higher 14.x"},
	ForwardLocal:  {first: map[int]int{14: 13, 15: 8, 16: 4}, newest: 16, wording: "16.4 and higher 16.x, 15.8 and higher 15.x, or 14.13 and higher 14.x"},
}

// supportsForwarding reports whether an aurora-postgresql version
// supports a kind of write forwarding.
func supportsForwarding(kind, version string) bool {
	v := forwardingVersions[kind]
	majorS, minorS, _ := strings.Cut(version, ".")
	major, err1 := strconv.Atoi(majorS)
	minor, err2 := strconv.Atoi(strings.SplitN(minorS, ".", 2)[0])
	if err1 != nil || err2 != nil {
		return false
	}
	if major > v.newest {
		return true
	}
	first, ok := v.first[major]
	return ok && minor >= first
}

// checkForwardingVersion refuses a request to enable a kind of write
// forwarding on an engine version without it.
func checkForwardingVersion(kind string, enable *bool, engine, version string) error {
	if enable == nil || !*enable || supportsForwarding(kind, version) {
		return nil
	}
	name := map[string]string{ForwardGlobal: "Global", ForwardLocal: "Local"}[kind]
	return errorf(errInvalidCombination, "%s write forwarding isn't supported for %s version %s. It requires %s.",
		name, engine, version, forwardingVersions[kind].wording)
}

// requestForwarding records a request (nil = unchanged) and, when it
// changes an active state, when the change began. active tells whether
// the request acts now (global: the cluster is a secondary). Call with
// s.mu held.
func (s *Service) requestForwarding(requested *bool, since *time.Time, enable *bool, active bool) {
	if enable == nil || *enable == *requested {
		return
	}
	*requested = *enable
	if active {
		*since = s.cfg.Clock.Now().UTC()
	}
}

// forwardingStatus is the status of a forwarding request that last
// changed (while active) at since.
func (s *Service) forwardingStatus(requested bool, since time.Time) string {
	settling := !since.IsZero() && s.cfg.Clock.Now().Sub(since) < s.cfg.WriteForwardingDelay
	switch {
	case requested && settling:
		return "enabling"
	case requested:
		return "enabled"
	case settling:
		return "disabling"
	}
	return "disabled"
}

// globalForwardingStatus is c's GlobalWriteForwardingStatus: "" when c is
// not a secondary of a global cluster. Call with s.mu held.
func (s *Service) globalForwardingStatus(c *Cluster) types.WriteForwardingStatus {
	if !s.isSecondary(c) || c.Status == StatusPromoting {
		return ""
	}
	return types.WriteForwardingStatus(s.forwardingStatus(c.GlobalWFRequested, c.GlobalWFSince))
}

// localForwardingStatus is c's LocalWriteForwardingStatus: "" when local
// forwarding was never requested.
func (s *Service) localForwardingStatus(c *Cluster) types.LocalWriteForwardingStatus {
	if !c.LocalWFRequested && c.LocalWFSince.IsZero() {
		return ""
	}
	return types.LocalWriteForwardingStatus(s.forwardingStatus(c.LocalWFRequested, c.LocalWFSince))
}

// renderForwarding sets the write-forwarding members of a DBCluster.
func (s *Service) renderForwarding(c *Cluster, out *types.DBCluster) {
	if c.GlobalClusterID != "" {
		out.GlobalWriteForwardingRequested = boolp(c.GlobalWFRequested)
		out.GlobalWriteForwardingStatus = s.globalForwardingStatus(c)
	}
	out.LocalWriteForwardingStatus = s.localForwardingStatus(c)
}

// demoted records that c became a secondary: a stored global forwarding
// request takes effect now. Call with s.mu held.
func (s *Service) demoted(c *Cluster) {
	if c.GlobalWFRequested {
		c.GlobalWFSince = s.cfg.Clock.Now().UTC()
	}
}

// forwardFor is the write forwarding of instance inst of cluster c, nil
// when it does not forward. Call with s.mu held.
func (s *Service) forwardFor(c *Cluster, inst *Instance, link *Link, writer bool) *Forward {
	if writer || inst.Status == StatusDeleting || c.Status == StatusPromoting {
		return nil
	}
	var f Forward
	switch {
	case s.isSecondary(c):
		if !c.GlobalWFRequested || link == nil {
			return nil
		}
		f = Forward{Kind: ForwardGlobal, Writer: link.TargetNode, Link: true}
	case c.LocalWFRequested && c.Writer != "" && inst.ID != c.Writer:
		f = Forward{Kind: ForwardLocal, Writer: key(c.Region, c.Writer)}
	default:
		return nil
	}
	g := s.st.ParameterGroups[key(c.Region, c.ParameterGroup)]
	f.ConsistencyMode = strings.ToUpper(s.paramValue(g, paramWFConsistency))
	f.ConnectTimeout = time.Duration(s.paramInt(g, paramWFConnect)) * time.Second
	f.IdleSessionTimeout = time.Duration(s.paramInt(g, paramWFIdle)) * time.Millisecond
	f.IdleInTransactionSessionTimeout = time.Duration(s.paramInt(g, paramWFIdleInXact)) * time.Millisecond
	f.MaxConnectionsPercent = int(s.paramInt(g, paramWFMaxConnsShare))
	return &f
}

// paramValue is a parameter's value in group g (nil: the default group).
func (s *Service) paramValue(g *ClusterParameterGroup, name string) string {
	if v, ok := g.value(name); ok {
		return v
	}
	p, _ := findClusterParameter(name)
	return p.def
}

func (s *Service) paramInt(g *ClusterParameterGroup, name string) int64 {
	n, err := strconv.ParseInt(s.paramValue(g, name), 10, 64)
	if err != nil { // values are checked when set; fall back to the default
		p, _ := findClusterParameter(name)
		n, _ = strconv.ParseInt(p.def, 10, 64)
	}
	return n
}

// checkForwarding refuses forwarding requests an engine version cannot
// honour.
func checkForwarding(engine, version string, global, local *bool) error {
	if err := checkForwardingVersion(ForwardGlobal, global, engine, version); err != nil {
		return err
	}
	return checkForwardingVersion(ForwardLocal, local, engine, version)
}
