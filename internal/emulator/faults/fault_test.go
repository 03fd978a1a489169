package faults_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/faults"
)

func TestFault_String(t *testing.T) {
	tests := []struct {
		f    faults.Fault
		want string
	}{
		{outage(sg), "region-outage region=ap-southeast-1"},
		{instance(sg, "db-1"), "instance-failure region=ap-southeast-1 instance=db-1"},
		{delay(sg, syd, 200*time.Millisecond), "link from=ap-southeast-1 to=ap-southeast-2 delay=200ms"},
		{cut(sg, syd), "link from=ap-southeast-1 to=ap-southeast-2 cut"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.f.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFault_MarshalJSON(t *testing.T) {
	f := delay(sg, syd, 200*time.Millisecond)
	f.ID, f.Created = "f-1", time.Date(2025, 1, 2, 12, 0, 1, 0, time.UTC)
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"f-1","kind":"link","from":"ap-southeast-1","to":"ap-southeast-2","delay":"200ms","created":"2025-01-02T12:00:01Z"}`
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
	var back faults.Fault
	if err := json.Unmarshal(b, &back); err != nil || back != f {
		t.Errorf("round trip = %+v, %v; want %+v", back, err, f)
	}
}

func TestDuration_UnmarshalJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: `"200ms"`, want: 200 * time.Millisecond},
		{in: `"1.5s"`, want: 1500 * time.Millisecond},
		{in: `200`, wantErr: true},
		{in: `"fast"`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var d faults.Duration
			err := json.Unmarshal([]byte(tt.in), &d)
			if (err != nil) != tt.wantErr || time.Duration(d) != tt.want {
				t.Errorf("Unmarshal(%s) = %v, %v; want %v, error %t", tt.in, time.Duration(d), err, tt.want, tt.wantErr)
			}
		})
	}
}
