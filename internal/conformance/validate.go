package conformance

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/globaldb/globaldb/internal/emulator/botocheck"
)

// Validator checks recorded responses against botocore: the XML against
// the operation's output shape or the error envelope
// (tools/validate_shapes.py for the Query protocol,
// tools/validate_restxml.py for REST-XML), then the whole response
// through botocore's own parser (botoparse.py: error codes botocore reads,
// modeled error statuses). It is safe for concurrent use.
type Validator struct {
	shapes, restxml, parse, rpc *botocheck.Proc
	dir                         string // where response bodies are written for the scripts
	n                           atomic.Int64
}

// ErrNoBotocore is returned by NewValidator when python3 with botocore is
// missing.
var ErrNoBotocore = errors.New("python3 with botocore not available")

// NewValidator starts the validators; dir holds the response files.
func NewValidator(dir string) (*Validator, error) {
	v := &Validator{dir: dir}
	for _, s := range []struct {
		proc  **botocheck.Proc
		path  func() (string, error)
		label string
	}{
		{&v.shapes, func() (string, error) { return botocheck.Script("validate_shapes.py") }, "validate_shapes.py"},
		{&v.restxml, func() (string, error) { return botocheck.Script("validate_restxml.py") }, "validate_restxml.py"},
		{&v.parse, ownScript("botoparse.py"), "botoparse.py"},
		{&v.rpc, func() (string, error) { return botocheck.Script("validate_rpc.py") }, "validate_rpc.py"},
	} {
		path, err := s.path()
		if err != nil {
			return nil, fmt.Errorf("find %s: %w", s.label, err)
		}
		p, err := botocheck.Start(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoBotocore, err)
		}
		*s.proc = p
	}
	return v, nil
}

// ownScript locates a script next to this source file.
func ownScript(name string) func() (string, error) {
	return func() (string, error) {
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			return "", errors.New("cannot locate the source tree")
		}
		path := filepath.Join(filepath.Dir(file), name)
		_, err := os.Stat(path)
		return path, err
	}
}

// Check validates one response and returns its problems, one a line ("" when
// it conforms); err is a failure of the validators themselves.
func (v *Validator) Check(rec Record) (problems string, err error) {
	if rec.Service == "" || rec.Operation == "" {
		return fmt.Sprintf("response (status %d) to a request that names no operation of a served service: %s", rec.Status, rec.Body), nil
	}
	path := filepath.Join(v.dir, fmt.Sprintf("%06d-%s-%s.xml", v.n.Add(1), rec.Service, rec.Operation))
	if err := os.WriteFile(path, rec.Body, 0o600); err != nil {
		return "", fmt.Errorf("write response for validation: %w", err)
	}
	status := strconv.Itoa(rec.Status)
	var out []string
	var code, text string
	if protocol := rpcProtocol(rec.Header); protocol != "" {
		if len(rec.Body) == 0 && rec.Status/100 == 2 {
			return "", nil // an operation without output: no body, as Smithy RPC v2 sends it
		}
		// AWS JSON or Smithy RPC v2 CBOR (CloudWatch): validate_rpc.py
		// checks the body against the shapes and runs botocore's parser.
		code, text, err = v.rpc.Check(protocol, rec.Service, rec.Operation, path)
		if err != nil {
			return "", fmt.Errorf("validate %s: %w", rec.Operation, err)
		}
		if code != "0" {
			return strings.TrimSpace(text), nil
		}
		return "", nil
	}
	if rec.Service == "route53" {
		code, text, err = v.restxml.Check(rec.Service, rec.Operation, status, path)
	} else {
		code, text, err = v.shapes.Check(rec.Service, rec.Operation, path)
	}
	if err != nil {
		return "", fmt.Errorf("validate %s: %w", rec.Operation, err)
	}
	if code != "0" {
		out = append(out, strings.TrimSpace(text))
	}
	code, text, err = v.parse.Check(rec.Service, rec.Operation, status, path)
	if err != nil {
		return "", fmt.Errorf("parse %s with botocore: %w", rec.Operation, err)
	}
	if code != "0" {
		out = append(out, strings.TrimSpace(text))
	}
	return strings.Join(out, "\n"), nil
}

// rpcProtocol names the botocore protocol of a JSON or CBOR response by
// its headers (Smithy-Protocol, else the Content-Type), "" for XML.
func rpcProtocol(h http.Header) string {
	switch ct := h.Get("Content-Type"); {
	case h.Get("Smithy-Protocol") != "" || strings.Contains(ct, "cbor"):
		return "smithy-rpc-v2-cbor"
	case strings.Contains(ct, "json"):
		return "json"
	}
	return ""
}
