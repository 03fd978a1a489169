package scalar

import (
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, typ, in string
		want          any
		wantErr       bool
	}{
		{name: "boolean any case", typ: "boolean", in: "TRUE", want: true},
		{name: "boolean bad", typ: "boolean", in: "yes", wantErr: true},
		{name: "integer", typ: "integer", in: "-42", want: int64(-42)},
		{name: "integer over 32 bits", typ: "integer", in: "2147483648", wantErr: true},
		{name: "long", typ: "long", in: "2147483648", want: int64(2147483648)},
		{name: "double", typ: "double", in: "1.5", want: 1.5},
		{name: "double bad", typ: "double", in: "1,5", wantErr: true},
		{name: "blob", typ: "blob", in: "aGk=", want: "hi"},
		{name: "blob bad", typ: "blob", in: "!!", wantErr: true},
		{name: "string", typ: "string", in: " as is ", want: " as is "},
		{name: "timestamp ISO 8601", typ: "timestamp", in: "2026-01-02T15:04:05.5+01:00", want: time.Date(2026, 1, 2, 14, 4, 5, 5e8, time.UTC)},
		{name: "timestamp without zone is UTC", typ: "timestamp", in: "2026-01-02T15:04:05", want: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)},
		{name: "timestamp HTTP date", typ: "timestamp", in: "Fri, 02 Jan 2026 15:04:05 GMT", want: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)},
		{name: "timestamp epoch seconds", typ: "timestamp", in: "1767366245.25", want: time.Date(2026, 1, 2, 15, 4, 5, 25e7, time.UTC)},
		{name: "timestamp epoch out of bounds", typ: "timestamp", in: "1e300", wantErr: true},
		{name: "timestamp epoch NaN", typ: "timestamp", in: "NaN", wantErr: true},
		{name: "timestamp bad", typ: "timestamp", in: "tomorrow", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(&awsmodel.Shape{Type: tt.typ}, tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Parse(%s, %q) = %v, want an error", tt.typ, tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%s, %q): %v", tt.typ, tt.in, err)
			}
			if ts, ok := tt.want.(time.Time); ok {
				if g, _ := got.(time.Time); !g.Equal(ts) {
					t.Fatalf("Parse(%s, %q) = %v, want %v", tt.typ, tt.in, got, ts)
				}
				return
			}
			if got != tt.want {
				t.Fatalf("Parse(%s, %q) = %#v, want %#v", tt.typ, tt.in, got, tt.want)
			}
		})
	}
}
