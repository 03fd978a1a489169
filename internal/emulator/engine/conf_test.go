package engine

import (
	"strings"
	"testing"
)

func TestSyncStandbyNames(t *testing.T) {
	tests := []struct {
		names   []string
		want    string
		wantErr bool
	}{
		{nil, "", false},
		{[]string{"s1"}, `ANY 1 ("s1")`, false},
		{[]string{"s1", "s_2"}, `ANY 1 ("s1","s_2")`, false},
		{[]string{`a"b`}, "", true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.names, ","), func(t *testing.T) {
			got, err := SyncStandbyNames(tt.names)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("SyncStandbyNames(%q) = %q, %v; want %q", tt.names, got, err, tt.want)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, conf, libpq string }{
		{"plain", `'plain'`, `'plain'`},
		{`it's`, `'it''s'`, `'it\'s'`},
		{`back\slash`, `'back\\slash'`, `'back\\slash'`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := confQuote(tt.in); got != tt.conf {
				t.Errorf("confQuote = %s, want %s", got, tt.conf)
			}
			if got := libpqQuote(tt.in); got != tt.libpq {
				t.Errorf("libpqQuote = %s, want %s", got, tt.libpq)
			}
		})
	}
}

func TestSupervisor_validate(t *testing.T) {
	s := &Supervisor{root: "/data"}
	ok := Node{Name: "n1", Dir: "/data/x/n1", Host: "127.0.0.2", Port: 5432}
	tests := []struct {
		name string
		edit func(*Node)
	}{
		{"upper-case name", func(n *Node) { n.Name = "N1" }},
		{"dir outside root", func(n *Node) { n.Dir = "/other/n1" }},
		{"dir is root", func(n *Node) { n.Dir = "/data" }},
		{"non-loopback host", func(n *Node) { n.Host = "10.0.0.1" }},
		{"bad port", func(n *Node) { n.Port = 0 }},
	}
	if err := s.validate(ok); err != nil {
		t.Fatalf("validate(valid node): %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := ok
			tt.edit(&n)
			if err := s.validate(n); err == nil {
				t.Fatal("validate: no error")
			}
		})
	}
}

func TestParseLSN(t *testing.T) {
	cases := []struct {
		in   string
		want LSN
		bad  bool
	}{
		{"0/3D8B778", 0x3D8B778, false},
		{"1/0", 1 << 32, false},
		{" 16/B374D848\n", 0x16<<32 | 0xB374D848, false},
		{"3D8B778", 0, true},
		{"x/1", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseLSN(tc.in)
			if (err != nil) != tc.bad || got != tc.want {
				t.Fatalf("ParseLSN(%q) = %v, %v", tc.in, got, err)
			}
			if !tc.bad {
				if back, _ := ParseLSN(got.String()); back != got {
					t.Errorf("round trip %s -> %s", got, back)
				}
			}
		})
	}
}

func TestEndOfWAL(t *testing.T) {
	tests := []struct {
		name        string
		insert, end LSN
	}{
		{"inside a page", 0x3000100, 0x3000100},
		{"past a page header", 0x3002018, 0x3002000},
		{"past a segment's first page header", 0x4000028, 0x4000000},
		{"past the header of a later page", 0x4004018, 0x4004000},
	}
	for _, tt := range tests {
		if got := endOfWAL(tt.insert); got != tt.end {
			t.Errorf("%s: endOfWAL(%s) = %s, want %s", tt.name, tt.insert, got, tt.end)
		}
	}
}
