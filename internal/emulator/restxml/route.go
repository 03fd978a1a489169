package restxml

import (
	"net/url"
	"sort"
	"strings"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
)

// route is one operation's HTTP binding, parsed from its requestUri
// template such as "/2013-04-01/hostedzone/{Id}/rrset/".
type route struct {
	op       string
	method   string
	segments []segment
	literals int // number of literal segments: more is more specific
}

// segment is a literal path segment or a {label} / greedy {label+}.
type segment struct {
	literal string
	label   string
	greedy  bool
}

func buildRoutes(svc *awsmodel.Service) []*route {
	names := make([]string, 0, len(svc.Operations))
	for name := range svc.Operations {
		names = append(names, name)
	}
	sort.Strings(names)
	routes := make([]*route, 0, len(names))
	for _, name := range names {
		h := svc.Operations[name].HTTP
		if h.Method == "" || h.RequestURI == "" {
			continue
		}
		uri, _, _ := strings.Cut(h.RequestURI, "?") // query literals: not used by Route 53
		rt := &route{op: name, method: strings.ToUpper(h.Method)}
		for _, s := range splitPath(uri) {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				label := s[1 : len(s)-1]
				greedy := strings.HasSuffix(label, "+")
				rt.segments = append(rt.segments, segment{label: strings.TrimSuffix(label, "+"), greedy: greedy})
				continue
			}
			rt.segments = append(rt.segments, segment{literal: s})
			rt.literals++
		}
		routes = append(routes, rt)
	}
	// Most specific first: more literal segments, then more segments.
	sort.SliceStable(routes, func(i, j int) bool {
		if routes[i].literals != routes[j].literals {
			return routes[i].literals > routes[j].literals
		}
		return len(routes[i].segments) > len(routes[j].segments)
	})
	return routes
}

// splitPath splits a path into its segments, ignoring the leading and
// trailing slashes ("/a/b/" and "/a/b" are the same path).
func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// Route finds the operation bound to method and path (the escaped URL
// path, as r.URL.EscapedPath() gives it; an unescaped path works as long
// as labels contain no '/' or '%'). A trailing slash is optional. It
// returns the URI label values, URL-unescaped, keyed by label name (the
// member's locationName), and ok false when no operation matches.
func (c *Codec) Route(method, path string) (op string, params map[string]string, ok bool) {
	method = strings.ToUpper(method)
	segs := splitPath(path)
	for _, rt := range c.routes {
		if rt.method != method {
			continue
		}
		if p, ok := rt.match(segs); ok {
			return rt.op, p, true
		}
	}
	return "", nil, false
}

// pathMatches reports whether path matches some operation's URI under any
// method (to tell an unsupported method from an unknown path).
func (c *Codec) pathMatches(path string) bool {
	segs := splitPath(path)
	for _, rt := range c.routes {
		if _, ok := rt.match(segs); ok {
			return true
		}
	}
	return false
}

func (rt *route) match(segs []string) (map[string]string, bool) {
	params := map[string]string{}
	i := 0
	for k, s := range rt.segments {
		switch {
		case s.greedy:
			rest := len(rt.segments) - k - 1 // segments the template still needs
			n := len(segs) - i - rest
			if n < 1 {
				return nil, false
			}
			v, err := url.PathUnescape(strings.Join(segs[i:i+n], "/"))
			if err != nil {
				return nil, false
			}
			params[s.label] = v
			i += n
		case i >= len(segs):
			return nil, false
		case s.label != "":
			v, err := url.PathUnescape(segs[i])
			if err != nil || v == "" {
				return nil, false
			}
			params[s.label] = v
			i++
		default:
			v, err := url.PathUnescape(segs[i])
			if err != nil || v != s.literal {
				return nil, false
			}
			i++
		}
	}
	if i != len(segs) {
		return nil, false
	}
	return params, true
}
