// Package adminapi serves the emulator's admin API (its contract, types
// and client are in package admin) over the fault registry: it converts
// between the API's types and the registry's and picks HTTP statuses.
// Authentication is the caller's: the emulator's router verifies the
// signature and that the key is the root key before it hands a request to
// Handler.
package adminapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/globaldb/globaldb/internal/emulator/admin"
	"github.com/globaldb/globaldb/internal/emulator/faults"
)

// maxBody bounds a fault request; faults are a few hundred bytes.
const maxBody = 64 << 10

type handler struct {
	reg *faults.Registry
	fw  Forwarding
}

// Handler serves /_globaldb/faults and /_globaldb/faults/{id} (and, from
// HandlerWith, /_globaldb/forwarding); other paths
// get a NotFound error. Authentication is done by the caller (the
// emulator's router verifies SigV4 and that the key is the root key) before
// calling ServeHTTP. The request body must be readable: a caller that has
// already read it for verification must put it back.
func Handler(reg *faults.Registry) http.Handler { return &handler{reg: reg} }

// HandlerWith is Handler that also serves /_globaldb/forwarding from fw.
func HandlerWith(reg *faults.Registry, fw Forwarding) http.Handler {
	return &handler{reg: reg, fw: fw}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == admin.ForwardingPath {
		h.forwarding(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, admin.FaultsPath)
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, admin.CodeNotFound, fmt.Sprintf("no admin resource at %s", r.URL.Path))
	case rest == "" || rest == "/":
		h.collection(w, r)
	case strings.Count(rest, "/") == 1:
		h.item(w, r, rest[1:])
	default:
		writeError(w, http.StatusNotFound, admin.CodeNotFound, fmt.Sprintf("no admin resource at %s", r.URL.Path))
	}
}

func (h *handler) collection(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		fs := []admin.Fault{}
		for _, f := range h.reg.List() {
			fs = append(fs, toAPI(f))
		}
		writeJSON(w, http.StatusOK, admin.ListResponse{Faults: fs})
	case http.MethodPost:
		h.add(w, r)
	case http.MethodDelete:
		ids := []string{}
		for _, f := range h.reg.List() {
			ids = append(ids, f.ID)
		}
		if err := h.reg.ClearAll(r.Context()); err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, admin.ClearAllResponse{Cleared: ids})
	default:
		methodNotAllowed(w, r, "GET, POST, DELETE")
	}
}

func (h *handler) item(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodDelete {
		methodNotAllowed(w, r, "DELETE")
		return
	}
	if err := h.reg.Clear(r.Context(), id); err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, admin.ClearResponse{Cleared: id})
}

func (h *handler) add(w http.ResponseWriter, r *http.Request) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	var f admin.Fault
	if err := dec.Decode(&f); err != nil {
		writeError(w, http.StatusBadRequest, admin.CodeValidation, "decode fault: "+err.Error())
		return
	}
	created, err := h.reg.Add(r.Context(), fromAPI(f))
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Location", admin.FaultsPath+"/"+created.ID)
	writeJSON(w, http.StatusCreated, toAPI(created))
}

// writeErr picks the status for a registry error.
func writeErr(w http.ResponseWriter, err error) {
	var ve *faults.ValidationError
	switch {
	case errors.As(err, &ve):
		writeError(w, http.StatusBadRequest, admin.CodeValidation, err.Error())
	case errors.Is(err, faults.ErrNotFound):
		writeError(w, http.StatusNotFound, admin.CodeNotFound, err.Error())
	default:
		writeError(w, http.StatusInternalServerError, admin.CodeInternal, err.Error())
	}
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, admin.CodeMethodNotAllowed,
		fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, admin.ErrorResponse{Error: admin.ErrorBody{Code: code, Message: msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// fromAPI converts a fault request to the registry's type; the registry
// validates it.
func fromAPI(f admin.Fault) faults.Fault {
	return faults.Fault{
		ID: f.ID, Kind: faults.Kind(f.Kind), Region: f.Region, Instance: f.Instance,
		From: f.From, To: f.To, Delay: faults.Duration(f.Delay), Cut: f.Cut, Created: f.Created,
	}
}

// toAPI converts a recorded fault to the API's type.
func toAPI(f faults.Fault) admin.Fault {
	return admin.Fault{
		ID: f.ID, Kind: admin.Kind(f.Kind), Region: f.Region, Instance: f.Instance,
		From: f.From, To: f.To, Delay: admin.Duration(f.Delay), Cut: f.Cut, Created: f.Created,
	}
}
