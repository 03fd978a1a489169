package orchestrator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/globaldb/globaldb/internal/resolve"
)

// fakeResolver answers every name with its own label.
type fakeResolver string

func (f fakeResolver) LookupHost(context.Context, string) ([]string, error) {
	return []string{string(f)}, nil
}

func (f fakeResolver) Trace(_ context.Context, host string) (resolve.Answer, error) {
	return resolve.Answer{Name: host, Addrs: []string{string(f)}}, nil
}

func TestVerify_ResolverFor(t *testing.T) {
	top := seedTopology(t)
	public := &World{Zone: &Zone{Name: "seed.globaldb.example.com.", NameServers: []string{"ns-1.example.net"}}}
	private := &World{Zone: &Zone{Name: "seed.globaldb.example.com.", Private: true, NameServers: []string{"ns-1.example.net"}}}
	for _, tc := range []struct {
		name   string
		w      *World
		server string
		want   string // type of the resolver chosen
	}{
		{name: "server flag wins", w: public, server: "127.0.0.1:1053", want: "*resolve.client"},
		{name: "public zone: its name servers for its names", w: public, want: "orchestrator.suffixResolver"},
		{name: "private zone: the host's resolver", w: private, want: "resolve.system"},
		{name: "no zone yet", w: &World{}, want: "resolve.system"},
		{name: "no world", w: nil, want: "resolve.system"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := typeName(ResolverFor(tc.w, top, tc.server))
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestVerify_SuffixResolverDispatch(t *testing.T) {
	s := suffixResolver{suffix: "seed.globaldb.example.com.", in: fakeResolver("zone"), out: fakeResolver("system")}
	for host, want := range map[string]string{
		"writer.seed.globaldb.example.com":                                 "zone",
		"WRITER.Seed.globaldb.example.com.":                                "zone",
		"seed.globaldb.example.com":                                        "zone",
		"xseed.globaldb.example.com":                                       "system",
		"seed-ap-southeast-1.cluster-abc.ap-southeast-1.rds.amazonaws.com": "system",
	} {
		got, err := s.LookupHost(context.Background(), host)
		if err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("%s: got %v %v, want %s", host, got, err, want)
		}
		a, _ := s.Trace(context.Background(), host)
		if a.Addrs[0] != want {
			t.Errorf("trace %s: got %v, want %s", host, a.Addrs, want)
		}
	}
}

func TestVerifyReport_OKAndFailures(t *testing.T) {
	r := &VerifyReport{Stack: "seed", WriterRegion: "ap-southeast-1", Checks: []Check{
		{Name: "select through the cluster endpoint", Region: "ap-southeast-1", Target: "a:5432", OK: true, Detail: "SELECT 1 answered by 127.0.0.2, writable"},
		{Name: "secondary refuses writes", Region: "ap-southeast-2", Target: "b:5432", Error: "connect to b:5432: connection refused"},
	}}
	if r.OK() {
		t.Error("OK() with a failed check")
	}
	want := []string{"secondary refuses writes in ap-southeast-2 (b:5432): connect to b:5432: connection refused"}
	if got := r.Failures(); len(got) != 1 || got[0] != want[0] {
		t.Errorf("failures:\n got %q\nwant %q", got, want)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"ok":false,"stack":"seed",`) {
		t.Errorf("json: %s", b)
	}
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "FAIL secondary refuses writes in ap-southeast-2") || !strings.Contains(text.String(), "2 checks on stack seed (writer in ap-southeast-1): 1 failed.") {
		t.Errorf("text:\n%s", text.String())
	}
	r.Checks = r.Checks[:1]
	if !r.OK() || len(r.Failures()) != 0 {
		t.Error("a report whose checks all pass is not OK")
	}
}

func TestStatus_OneLineError(t *testing.T) {
	cause := errors.New("cause")
	err := oneLine{errors.Join(errors.New("failed to connect to `user=postgres`:\n\thostname resolving error: resolve x: NXDOMAIN\n\tresolve x: NXDOMAIN"), cause)}
	if got, want := err.Error(), "failed to connect to `user=postgres`: hostname resolving error: resolve x: NXDOMAIN cause"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, cause) {
		t.Error("oneLine hides the cause from errors.Is")
	}
}

func TestStatus_ReplicationString(t *testing.T) {
	n, s := int64(120), 0.25
	for _, tc := range []struct {
		r    *Replication
		want string
	}{
		{nil, "-"},
		{&Replication{Error: "connect: refused"}, "unknown: connect: refused"},
		{&Replication{BytesBehind: &n, LagSeconds: &s}, "120 bytes behind, 0.250s"},
		{&Replication{}, "unknown"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestStatus_NormaliseJSON(t *testing.T) {
	in := map[string]any{
		"endpoint":    "seed-ap-southeast-1.cluster-ro-ab12cd34ef56.ap-southeast-1.rds.amazonaws.com",
		"instance":    "seed-ap-southeast-2-2.ab12cd34ef56.ap-southeast-2.rds.amazonaws.com",
		"global":      "seed-global.global-550ewkdu2sl7.global.rds.amazonaws.com",
		"addr":        "127.175.239.5",
		"lag_seconds": 0.012,
		"lag_ms":      nil,
		"id":          "18274ea7-18ce-9dcf-264f-581ac8f76757",
		"detail":      "row k2j3h4 visible 12.5 ms after its commit",
		"az":          "ap-southeast-1b",
	}
	got := string(normaliseJSON(t, in))
	for _, want := range []string{
		`"seed-ap-southeast-1.cluster-ro-HASH.ap-southeast-1.rds.amazonaws.com"`,
		`"seed-ap-southeast-2-N.HASH.ap-southeast-2.rds.amazonaws.com"`,
		`"seed-global.global-HASH.global.rds.amazonaws.com"`,
		`"addr": "ADDR"`, `"lag_seconds": "N"`, `"lag_ms": "N"`, `"id": "ID"`,
		`"row ID visible N ms after its commit"`, `"az": "ap-southeast-1?"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("normalised JSON lacks %s:\n%s", want, got)
		}
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
