package topology

import (
	"strconv"
	"strings"
)

// forwardingSince is the first aurora-postgresql minor version of each
// major that supports a kind of write forwarding
// (reference/write-forwarding.md); majors above the last listed support
// it in every minor.
var forwardingSince = map[WriteForwarding]struct {
	first  map[int]int
	newest int
	hint   string
}{
	ForwardGlobal: {map[int]int{14: 9, 15: 4, 16: 0}, 16, "global write forwarding needs aurora-postgresql 16.x, 15.4+ or 14.9+"},
	ForwardLocal:  {map[int]int{14: 13, 15: 8, 16: 4}, 16, "local write forwarding needs aurora-postgresql 16.4+, 15.8+ or 14.13+"},
}

func supportsForwarding(kind WriteForwarding, version string) bool {
	v := forwardingSince[kind]
	majorS, rest, _ := strings.Cut(version, ".")
	minorS, _, _ := strings.Cut(rest, ".")
	major, err1 := strconv.Atoi(majorS)
	minor, err2 := strconv.Atoi(minorS)
	if err1 != nil || err2 != nil {
		return false
	}
	first, ok := v.first[major]
	return major > v.newest || ok && minor >= first
}

// validateWriteForwarding checks writeForwarding and
// writeForwardingConsistency of region r.
func validateWriteForwarding(p *problems, t *Topology, r *Region, path string) {
	wf := r.WriteForwarding
	if ok, hint := oneOf(wf, ForwardOff, ForwardGlobal, ForwardLocal); !ok {
		p.errorf(path+".writeForwarding", hint, "%q is not a write-forwarding setting", wf)
		return
	}
	switch {
	case wf == ForwardGlobal && r.Role == Primary:
		p.errorf(path+".writeForwarding", "set writeForwarding: global on the secondaries; the primary takes writes itself (local forwards its readers' writes)",
			"global write forwarding does not apply to the primary")
	case wf != ForwardOff && t.Engine == DefaultEngine && versionRe.MatchString(t.EngineVersion) && !supportsForwarding(wf, t.EngineVersion):
		p.errorf(path+".writeForwarding", forwardingSince[wf].hint, "engine version %s does not support %s write forwarding", t.EngineVersion, wf)
	case wf != ForwardOff && t.Engine != DefaultEngine:
		p.errorf(path+".writeForwarding", "", "globaldb manages write forwarding for %s only", DefaultEngine)
	}
	c := r.WriteForwardingConsistency
	if c == "" {
		return
	}
	cpath := path + ".writeForwardingConsistency"
	switch ok, hint := oneOf(c, "session", "eventual", "global"); {
	case !ok:
		p.errorf(cpath, hint, "%q is not a consistency mode", c)
	case wf == ForwardOff:
		p.errorf(cpath, "set writeForwarding: global or local, or remove writeForwardingConsistency", "is set but writeForwarding is off")
	case c != DefaultWriteForwardingConsistency && (r.ClusterParameterGroup == "" || strings.HasPrefix(r.ClusterParameterGroup, "default.")):
		p.errorf(cpath, "name the cluster parameter group (clusterParameterGroup) globaldb sets apg_write_forward.consistency_mode in: the engine's default group is read-only",
			"%q needs a clusterParameterGroup of your own", c)
	}
}
