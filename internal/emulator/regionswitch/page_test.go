package regionswitch

import "testing"

func TestPage(t *testing.T) {
	tests := []struct {
		name       string
		n          int
		token      *string
		max        *int32
		start, end int
		next       string
		code       string
	}{
		{name: "all", n: 3, start: 0, end: 3},
		{name: "first page", n: 5, max: ptr(int32(2)), start: 0, end: 2, next: "2"},
		{name: "middle page", n: 5, token: ptr("2"), max: ptr(int32(2)), start: 2, end: 4, next: "4"},
		{name: "last page", n: 5, token: ptr("4"), max: ptr(int32(2)), start: 4, end: 5},
		{name: "empty", n: 0, start: 0, end: 0},
		{name: "max too large", n: 5, max: ptr(int32(101)), code: errValidation},
		{name: "max zero", n: 5, max: ptr(int32(0)), code: errValidation},
		{name: "bad token", n: 5, token: ptr("x"), code: errIllegalArg},
		{name: "token past the end", n: 5, token: ptr("6"), code: errIllegalArg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end, next, err := page(tt.n, tt.token, tt.max, 100)
			if errCode(err) != tt.code {
				t.Fatalf("error %v, want %q", err, tt.code)
			}
			if tt.code != "" {
				return
			}
			if start != tt.start || end != tt.end || deref(next) != tt.next {
				t.Fatalf("page = %d, %d, %q; want %d, %d, %q", start, end, deref(next), tt.start, tt.end, tt.next)
			}
		})
	}
}
