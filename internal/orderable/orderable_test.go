package orderable

import "testing"

func TestOffered(t *testing.T) {
	tests := []struct {
		name, version, class string
		want                 bool
	}{
		{"memory-optimized", "15.10", "db.r6g.large", true},
		{"r5 in every version", "11.4", "db.r5.large", true},
		{"newer major than the page", "16.6", "db.r6g.xlarge", true},
		{"below the major's first version", "13.2", "db.r6g.large", false},
		{"at the major's first version", "13.3", "db.r6g.large", true},
		{"r6i before it was offered", "12.8", "db.r6i.large", false},
		{"burstable medium", "15.10", "db.t4g.medium", true},
		{"t3.micro is not offered", "15.10", "db.t3.micro", false},
		{"t3.small is not offered", "15.10", "db.t3.small", false},
		{"r4 is not offered", "15.10", "db.r4.large", false},
		{"general purpose is not Aurora", "15.10", "db.m5.large", false},
		{"serverless v2", "15.10", "db.serverless", true},
		{"serverless v2 too old", "13.5", "db.serverless", false},
		{"unparseable version", "fifteen", "db.r6g.large", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Offered(AuroraPostgreSQL, tt.version, tt.class); got != tt.want {
				t.Errorf("Offered(%s, %s) = %v, want %v", tt.version, tt.class, got, tt.want)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	all := Options(AuroraPostgreSQL, "")
	if len(all) != 36 {
		t.Errorf("%d aurora-postgresql classes tabled, want 36", len(all))
	}
	for _, o := range all {
		if o.Kind == Burstable && o.Class[:4] != "db.t" || o.Kind == Memory && o.Class[:4] != "db.r" && o.Class[:4] != "db.x" {
			t.Errorf("%s has kind %s", o.Class, o.Kind)
		}
	}
	if got := Options("aurora-mysql", "3.05.2"); len(got) != 0 {
		t.Errorf("aurora-mysql options = %v, want none (not tabled)", got)
	}
}

func TestParse_Errors(t *testing.T) {
	for name, data := range map[string]string{
		"fields":  "db.r6g.large\tmemory",
		"kind":    "db.r6g.large\tgeneral\t*",
		"version": "db.r6g.large\tmemory\t14.x",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parse(AuroraPostgreSQL, data); err == nil {
				t.Errorf("parse(%q) succeeded", data)
			}
		})
	}
}
