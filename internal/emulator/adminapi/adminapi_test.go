package adminapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/admin"
	"github.com/globaldb/globaldb/internal/emulator/adminapi"
	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/emulator/faults/faultstest"
	"github.com/globaldb/globaldb/internal/regions"
)

var t0 = time.Date(2025, 1, 2, 12, 0, 1, 0, time.UTC)

func known(name string) bool { _, ok := regions.Lookup(name); return ok }

func newRegistry() (*faults.Registry, *faultstest.Recorder) {
	rec := &faultstest.Recorder{}
	return faults.NewRegistry(rec, known, func() time.Time { return t0 }), rec
}

// seed adds f-1 (outage ap-southeast-1) and f-2 (cut ap-southeast-1 ↔ ap-southeast-2).
func seed(t *testing.T, reg *faults.Registry) {
	t.Helper()
	for _, f := range []faults.Fault{
		{Kind: faults.RegionOutage, Region: "ap-southeast-1"},
		{Kind: faults.LinkFault, From: "ap-southeast-1", To: "ap-southeast-2", Cut: true},
	} {
		if _, err := reg.Add(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
}

// sameJSON reports whether a and b hold equal JSON values.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("decode %q: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

func TestHandler_ServeHTTP(t *testing.T) {
	const (
		f1 = `{"id":"f-1","kind":"region-outage","region":"ap-southeast-1","created":"2025-01-02T12:00:01Z"}`
		f2 = `{"id":"f-2","kind":"link","from":"ap-southeast-1","to":"ap-southeast-2","cut":true,"created":"2025-01-02T12:00:01Z"}`
	)
	tests := []struct {
		name       string
		empty      bool // start without the seed faults
		method     string
		path       string
		body       string
		wantStatus int
		wantBody   string
		wantCalls  []string
		wantHeader map[string]string
	}{
		{name: "list empty", empty: true, method: "GET", path: "/_globaldb/faults", wantStatus: 200, wantBody: `{"faults":[]}`},
		{name: "list", method: "GET", path: "/_globaldb/faults", wantStatus: 200, wantBody: `{"faults":[` + f1 + `,` + f2 + `]}`},
		{
			name: "add", method: "POST", path: "/_globaldb/faults",
			body:       `{"id":"mine","kind":"link","from":"ap-southeast-2","to":"us-east-1","delay":"200ms","created":"2000-01-01T00:00:00Z"}`,
			wantStatus: 201, wantBody: `{"id":"f-3","kind":"link","from":"ap-southeast-2","to":"us-east-1","delay":"200ms","created":"2025-01-02T12:00:01Z"}`,
			wantCalls:  []string{"Link ap-southeast-2 us-east-1 delay=200ms cut=false on"},
			wantHeader: map[string]string{"Location": "/_globaldb/faults/f-3", "Content-Type": "application/json"},
		},
		{
			name: "add unknown region", method: "POST", path: "/_globaldb/faults", body: `{"kind":"region-outage","region":"mars-1"}`,
			wantStatus: 400, wantBody: `{"error":{"code":"ValidationError","message":"region: unknown region \"mars-1\""}}`,
		},
		{
			name: "add duplicate", method: "POST", path: "/_globaldb/faults", body: `{"kind":"region-outage","region":"ap-southeast-1"}`,
			wantStatus: 400, wantBody: `{"error":{"code":"ValidationError","message":"an identical fault is already active: f-1 (region-outage region=ap-southeast-1)"}}`,
		},
		{
			name: "add unknown field", method: "POST", path: "/_globaldb/faults", body: `{"kind":"region-outage","regoin":"ap-southeast-1"}`,
			wantStatus: 400, wantBody: `{"error":{"code":"ValidationError","message":"decode fault: json: unknown field \"regoin\""}}`,
		},
		{
			name: "add bad delay", method: "POST", path: "/_globaldb/faults", body: `{"kind":"link","from":"a","to":"b","delay":200}`,
			wantStatus: 400, wantBody: `{"error":{"code":"ValidationError","message":"decode fault: want a duration string such as \"200ms\", got 200"}}`,
		},
		{
			name: "clear one", method: "DELETE", path: "/_globaldb/faults/f-1", wantStatus: 200, wantBody: `{"cleared":"f-1"}`,
			wantCalls: []string{"RegionOutage ap-southeast-1 off", "Link ap-southeast-1 ap-southeast-2 delay=0s cut=true on"},
		},
		{
			name: "clear unknown", method: "DELETE", path: "/_globaldb/faults/f-9",
			wantStatus: 404, wantBody: `{"error":{"code":"NotFound","message":"clear f-9: fault not found"}}`,
		},
		{
			name: "clear all", method: "DELETE", path: "/_globaldb/faults", wantStatus: 200, wantBody: `{"cleared":["f-1","f-2"]}`,
			wantCalls: []string{"Link ap-southeast-1 ap-southeast-2 delay=0s cut=true off", "RegionOutage ap-southeast-1 off"},
		},
		{name: "clear all empty", empty: true, method: "DELETE", path: "/_globaldb/faults", wantStatus: 200, wantBody: `{"cleared":[]}`},
		{
			name: "collection method not allowed", method: "PUT", path: "/_globaldb/faults", wantStatus: 405,
			wantBody:   `{"error":{"code":"MethodNotAllowed","message":"PUT is not allowed on /_globaldb/faults; allowed: GET, POST, DELETE"}}`,
			wantHeader: map[string]string{"Allow": "GET, POST, DELETE"},
		},
		{
			name: "item method not allowed", method: "GET", path: "/_globaldb/faults/f-1", wantStatus: 405,
			wantBody:   `{"error":{"code":"MethodNotAllowed","message":"GET is not allowed on /_globaldb/faults/f-1; allowed: DELETE"}}`,
			wantHeader: map[string]string{"Allow": "DELETE"},
		},
		{
			name: "unknown path", method: "GET", path: "/_globaldb/faults/f-1/x", wantStatus: 404,
			wantBody: `{"error":{"code":"NotFound","message":"no admin resource at /_globaldb/faults/f-1/x"}}`,
		},
		{
			name: "other admin path", method: "GET", path: "/_globaldb/things", wantStatus: 404,
			wantBody: `{"error":{"code":"NotFound","message":"no admin resource at /_globaldb/things"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, rec := newRegistry()
			if !tt.empty {
				seed(t, reg)
			}
			rec.Reset()
			w := httptest.NewRecorder()
			adminapi.Handler(reg).ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body)))
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if !sameJSON(t, w.Body.String(), tt.wantBody) {
				t.Errorf("body =\n%s\nwant\n%s", w.Body, tt.wantBody)
			}
			for k, v := range tt.wantHeader {
				if got := w.Header().Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if calls := rec.Calls(); !slices.Equal(calls, tt.wantCalls) {
				t.Errorf("injector calls = %q, want %q", calls, tt.wantCalls)
			}
		})
	}
}

func TestHandler_ServeHTTP_injectorFails(t *testing.T) {
	reg, rec := newRegistry()
	rec.Fail("RegionOutage us-east-1 on", io.ErrUnexpectedEOF)
	w := httptest.NewRecorder()
	body := bytes.NewBufferString(`{"kind":"region-outage","region":"us-east-1"}`)
	adminapi.Handler(reg).ServeHTTP(w, httptest.NewRequest(http.MethodPost, admin.FaultsPath, body))
	var got admin.ErrorResponse
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if w.Code != 500 || got.Error.Code != admin.CodeInternal || !strings.Contains(got.Error.Message, "unexpected EOF") {
		t.Errorf("got %d %+v, want 500 InternalError carrying the injector's error", w.Code, got)
	}
}
