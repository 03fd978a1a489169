package admin_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/globaldb/globaldb/internal/emulator/admin"
	"github.com/globaldb/globaldb/internal/emulator/adminapi"
	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/emulator/faults/faultstest"
	"github.com/globaldb/globaldb/internal/emulator/sigv4"
	"github.com/globaldb/globaldb/internal/regions"
)

var t0 = time.Date(2025, 1, 2, 12, 0, 1, 0, time.UTC)

// newRegistry is the real fault registry behind the real handler, with a
// recording injector in place of the controller.
func newRegistry() (*faults.Registry, *faultstest.Recorder) {
	rec := &faultstest.Recorder{}
	known := func(name string) bool { _, ok := regions.Lookup(name); return ok }
	return faults.NewRegistry(rec, known, func() time.Time { return t0 }), rec
}

func TestClient_roundTrip(t *testing.T) {
	reg, rec := newRegistry()
	srv := httptest.NewServer(adminapi.Handler(reg))
	defer srv.Close()
	c := &admin.Client{Endpoint: srv.URL + "/", HTTP: srv.Client()}
	ctx := context.Background()

	got, err := c.Add(ctx, admin.Fault{Kind: admin.LinkFault, From: "ap-southeast-1", To: "ap-southeast-2", Delay: admin.Duration(200 * time.Millisecond)})
	want := admin.Fault{ID: "f-1", Kind: admin.LinkFault, From: "ap-southeast-1", To: "ap-southeast-2", Delay: admin.Duration(200 * time.Millisecond), Created: t0}
	if err != nil || got != want {
		t.Fatalf("Add = %+v, %v; want %+v", got, err, want)
	}
	if _, err := c.Add(ctx, admin.Fault{Kind: admin.RegionOutage, Region: "us-east-1"}); err != nil {
		t.Fatal(err)
	}
	list, err := c.List(ctx)
	if err != nil || len(list) != 2 || list[0] != want || list[1].ID != "f-2" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if err := c.Clear(ctx, "f-1"); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	cleared, err := c.ClearAll(ctx)
	if err != nil || !slices.Equal(cleared, []string{"f-2"}) {
		t.Fatalf("ClearAll = %v, %v; want [f-2]", cleared, err)
	}
	wantCalls := []string{
		"Link ap-southeast-1 ap-southeast-2 delay=200ms cut=false on",
		"RegionOutage us-east-1 on",
		"Link ap-southeast-1 ap-southeast-2 delay=200ms cut=false off",
		"RegionOutage us-east-1 off",
	}
	if calls := rec.Calls(); !slices.Equal(calls, wantCalls) {
		t.Errorf("injector calls = %q, want %q", calls, wantCalls)
	}
}

func TestClient_errors(t *testing.T) {
	reg, _ := newRegistry()
	srv := httptest.NewServer(adminapi.Handler(reg))
	defer srv.Close()
	ctx := context.Background()
	c := &admin.Client{Endpoint: srv.URL, HTTP: srv.Client()}
	tests := []struct {
		name       string
		call       func(c *admin.Client) error
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{
			name: "validation",
			call: func(c *admin.Client) error {
				_, err := c.Add(ctx, admin.Fault{Kind: admin.LinkFault, From: "us-east-1", To: "us-east-1", Cut: true})
				return err
			},
			wantStatus: 400, wantCode: "ValidationError", wantMsg: "to: must differ from from (us-east-1): a link joins two regions",
		},
		{
			name:       "not found",
			call:       func(c *admin.Client) error { return c.Clear(ctx, "f-42") },
			wantStatus: 404, wantCode: "NotFound", wantMsg: "clear f-42: fault not found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ae *admin.APIError
			err := tt.call(c)
			if !errors.As(err, &ae) || ae.StatusCode != tt.wantStatus || ae.Code != tt.wantCode || ae.Message != tt.wantMsg {
				t.Fatalf("error = %#v, want %d %s %q", err, tt.wantStatus, tt.wantCode, tt.wantMsg)
			}
		})
	}
	t.Run("bad endpoint", func(t *testing.T) {
		if _, err := (&admin.Client{Endpoint: "127.0.0.1:4566"}).List(ctx); err == nil {
			t.Error("List with a scheme-less endpoint succeeded")
		}
	})
}

// verified wraps h as the emulator's router does: SigV4 against the root
// key, service "globaldb", AWS XML error on refusal, body put back.
func verified(h http.Handler) http.Handler {
	v := &sigv4.Verifier{Secrets: sigv4.StaticSecrets{"test": "test"}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id, err := v.Verify(r.Context(), r, body)
		if err == nil && id.Service != admin.SigningService {
			err = awserr.New("InvalidAction", "service %q", id.Service)
		}
		if err != nil {
			e, _ := awserr.As(err)
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error></ErrorResponse>", e.Code, e.Message)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	})
}

func TestClient_signed(t *testing.T) {
	reg, _ := newRegistry()
	srv := httptest.NewServer(verified(adminapi.Handler(reg)))
	defer srv.Close()
	ctx := context.Background()
	tests := []struct {
		name, key, secret string
		wantCode          string // "" means accepted
	}{
		{name: "root key", key: "test", secret: "test"},
		{name: "wrong secret", key: "test", secret: "nope", wantCode: "SignatureDoesNotMatch"},
		{name: "unknown key", key: "AKIDUNKNOWN", secret: "test", wantCode: "InvalidClientTokenId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &admin.Client{Endpoint: srv.URL, HTTP: srv.Client(), Region: "ap-southeast-2",
				Creds: credentials.NewStaticCredentialsProvider(tt.key, tt.secret, "")}
			_, err := c.Add(ctx, admin.Fault{Kind: admin.RegionIsolation, Region: "ap-southeast-2"})
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("signed Add: %v", err)
				}
				if err := c.Clear(ctx, reg.List()[0].ID); err != nil {
					t.Fatalf("signed Clear: %v", err)
				}
				return
			}
			var ae *admin.APIError
			if !errors.As(err, &ae) || ae.Code != tt.wantCode {
				t.Fatalf("error = %v, want %s", err, tt.wantCode)
			}
		})
	}
}
