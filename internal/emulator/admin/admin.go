// Package admin is the wire layer of the emulator's own API under
// /_globaldb/: JSON over HTTP for the fault registry, and a SigV4-signing
// Client for it. Authentication is the caller's: the emulator's router
// verifies the signature and that the key is the root key before it hands a
// request to Handler.
//
// Routes (all JSON):
//
//	GET    /_globaldb/health       200 Health (unsigned: the emulator announces itself)
//	GET    /_globaldb/faults       200 {"faults":[Fault…]}
//	POST   /_globaldb/faults       Fault → 201 Fault (ID and Created ignored on input)
//	DELETE /_globaldb/faults       200 {"cleared":["f-1",…]}
//	DELETE /_globaldb/faults/{id}  200 {"cleared":"f-1"}
//
// Errors: {"error":{"code":C,"message":M}} with ValidationError 400,
// NotFound 404, MethodNotAllowed 405, InternalError 500.
package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/globaldb/globaldb/internal/emulator/faults"
)

// FaultsPath is the fault collection's path.
const FaultsPath = "/_globaldb/faults"

// Error codes in error responses.
const (
	CodeValidation       = "ValidationError"
	CodeNotFound         = "NotFound"
	CodeMethodNotAllowed = "MethodNotAllowed"
	CodeInternal         = "InternalError"
)

// maxBody bounds a fault request; faults are a few hundred bytes.
const maxBody = 64 << 10

// ListResponse is the body of GET /_globaldb/faults.
type ListResponse struct {
	Faults []faults.Fault `json:"faults"`
}

// ClearResponse is the body of DELETE /_globaldb/faults/{id}.
type ClearResponse struct {
	Cleared string `json:"cleared"`
}

// ClearAllResponse is the body of DELETE /_globaldb/faults.
type ClearAllResponse struct {
	Cleared []string `json:"cleared"`
}

// ErrorResponse is the body of every error answer.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody carries an error's code and message.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type handler struct{ reg *faults.Registry }

// Handler serves /_globaldb/faults and /_globaldb/faults/{id}; other paths
// get a NotFound error. Authentication is done by the caller (the
// emulator's router verifies SigV4 and that the key is the root key) before
// calling ServeHTTP. The request body must be readable: a caller that has
// already read it for verification must put it back.
func Handler(reg *faults.Registry) http.Handler { return &handler{reg: reg} }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, FaultsPath)
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("no admin resource at %s", r.URL.Path))
	case rest == "" || rest == "/":
		h.collection(w, r)
	case strings.Count(rest, "/") == 1:
		h.item(w, r, rest[1:])
	default:
		writeError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("no admin resource at %s", r.URL.Path))
	}
}

func (h *handler) collection(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		fs := h.reg.List()
		if fs == nil {
			fs = []faults.Fault{}
		}
		writeJSON(w, http.StatusOK, ListResponse{Faults: fs})
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
		writeJSON(w, http.StatusOK, ClearAllResponse{Cleared: ids})
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
	writeJSON(w, http.StatusOK, ClearResponse{Cleared: id})
}

func (h *handler) add(w http.ResponseWriter, r *http.Request) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	var f faults.Fault
	if err := dec.Decode(&f); err != nil {
		writeError(w, http.StatusBadRequest, CodeValidation, "decode fault: "+err.Error())
		return
	}
	created, err := h.reg.Add(r.Context(), f)
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Location", FaultsPath+"/"+created.ID)
	writeJSON(w, http.StatusCreated, created)
}

// writeErr picks the status for a registry error.
func writeErr(w http.ResponseWriter, err error) {
	var ve *faults.ValidationError
	switch {
	case errors.As(err, &ve):
		writeError(w, http.StatusBadRequest, CodeValidation, err.Error())
	case errors.Is(err, faults.ErrNotFound):
		writeError(w, http.StatusNotFound, CodeNotFound, err.Error())
	default:
		writeError(w, http.StatusInternalServerError, CodeInternal, err.Error())
	}
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed,
		fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, ErrorResponse{Error: ErrorBody{Code: code, Message: msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
