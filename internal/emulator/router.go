package emulator

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/emulator/iam"
	"github.com/globaldb/globaldb/internal/emulator/jsonproto"
	"github.com/globaldb/globaldb/internal/emulator/query"
	"github.com/globaldb/globaldb/internal/emulator/restxml"
	"github.com/globaldb/globaldb/internal/emulator/rpcv2cbor"
	"github.com/globaldb/globaldb/internal/emulator/sigv4"
	"github.com/globaldb/globaldb/internal/emulator/statefile"
)

// maxBody bounds request bodies; AWS Query requests are small.
const maxBody = 8 << 20

// service serves one AWS service's requests once they are verified; one
// implementation per wire protocol.
type service interface {
	serve(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, id *sigv4.Identity, reqID string)
	// operation names the operation r calls, "" if none (for the tap).
	operation(r *http.Request, body []byte) string
}

// queryService speaks the Query protocol (RDS, IAM, STS).
type queryService struct {
	codec   *query.Codec
	handler query.Handler
}

func (s queryService) serve(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, id *sigv4.Identity, reqID string) {
	s.codec.Serve(ctx, w, r, body, query.CallMeta{Region: id.Region, RequestID: reqID, AccessKeyID: id.AccessKeyID}, s.handler)
}

func (s queryService) operation(r *http.Request, body []byte) string { return actionOf(r, body) }

// rpcService serves a model that lists several protocols (CloudWatch:
// Smithy RPC v2 CBOR, AWS JSON 1.0 and Query) with one handler, picking
// the codec per request (requestProtocol). A protocol the model does not
// list has no codec and its requests are read as Query.
type rpcService struct {
	query   *query.Codec
	json    *jsonproto.Codec // nil: the model does not list json
	cbor    *rpcv2cbor.Codec // nil: the model does not list smithy-rpc-v2-cbor
	model   *awsmodel.Service
	handler query.Handler
}

var (
	_ service            = rpcService{}
	_ requestErrorWriter = rpcService{}
)

// protocolService serves model m over every protocol it lists with
// handler h, which sees the same query.Call whichever protocol carried it.
func protocolService(m *awsmodel.Service, h query.Handler, log *slog.Logger) service {
	s := rpcService{query: query.NewCodec(m).WithLogger(log), model: m, handler: h}
	for _, p := range m.Metadata.Protocols {
		switch p {
		case "json":
			s.json = jsonproto.NewCodec(m).WithLogger(log)
		case "smithy-rpc-v2-cbor":
			s.cbor = rpcv2cbor.NewCodec(m).WithLogger(log)
		}
	}
	return s
}

// wireProtocol is the protocol a request is written in.
type wireProtocol int

const (
	protoQuery wireProtocol = iota
	protoJSON
	protoCBOR
)

// requestProtocol tells the protocol of r: a path
// /service/<name>/operation/<Op> with a Smithy-Protocol header is RPC v2
// CBOR, an X-Amz-Target header AWS JSON, anything else Query.
func requestProtocol(r *http.Request) wireProtocol {
	if r.Header.Get(rpcv2cbor.ProtocolHeader) != "" {
		if _, _, ok := rpcv2cbor.Route(r.URL.EscapedPath()); ok {
			return protoCBOR
		}
	}
	if r.Header.Get(jsonproto.TargetHeader) != "" {
		return protoJSON
	}
	return protoQuery
}

func (s rpcService) serve(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, id *sigv4.Identity, reqID string) {
	meta := query.CallMeta{Region: id.Region, RequestID: reqID, AccessKeyID: id.AccessKeyID}
	switch p := requestProtocol(r); {
	case p == protoCBOR && s.cbor != nil:
		s.cbor.Serve(ctx, w, r, body, meta, s.handler)
	case p == protoJSON && s.json != nil:
		s.json.Serve(ctx, w, r, body, meta, s.handler)
	default:
		s.query.Serve(ctx, w, r, body, meta, s.handler)
	}
}

func (s rpcService) operation(r *http.Request, body []byte) string {
	switch p := requestProtocol(r); {
	case p == protoCBOR && s.cbor != nil:
		return s.cbor.Operation(r.URL.EscapedPath())
	case p == protoJSON && s.json != nil:
		return s.json.Operation(r.Header.Get(jsonproto.TargetHeader))
	}
	return actionOf(r, body)
}

// writeError renders err in r's protocol when r is a JSON or CBOR request
// addressed to this service (its target prefix), and reports whether it
// did. The router uses it for errors found before the service is known
// (a bad signature), so that an SDK speaking CBOR or JSON can read them.
func (s rpcService) writeError(w http.ResponseWriter, r *http.Request, err error, reqID string) bool {
	prefix := s.model.Metadata.TargetPrefix
	switch requestProtocol(r) {
	case protoCBOR:
		if name, _, _ := rpcv2cbor.Route(r.URL.EscapedPath()); s.cbor != nil && name == prefix {
			s.cbor.WriteError(w, err, reqID)
			return true
		}
	case protoJSON:
		if p, _, _ := strings.Cut(r.Header.Get(jsonproto.TargetHeader), "."); s.json != nil && p == prefix {
			s.json.WriteError(w, err, reqID)
			return true
		}
	}
	return false
}

// requestErrorWriter is a service that renders errors in the request's
// own protocol when the request is addressed to it (rpcService).
type requestErrorWriter interface {
	writeError(w http.ResponseWriter, r *http.Request, err error, reqID string) bool
}

// restService speaks REST-XML (Route 53).
type restService struct {
	codec   *restxml.Codec
	handler restxml.Handler
}

func (s restService) serve(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, id *sigv4.Identity, reqID string) {
	s.codec.Serve(ctx, w, r, body, restxml.CallMeta{Region: id.Region, RequestID: reqID, AccessKeyID: id.AccessKeyID}, s.handler)
}

func (s restService) operation(r *http.Request, _ []byte) string {
	op, _, _ := s.codec.Route(r.Method, r.URL.EscapedPath())
	return op
}

// router verifies every request's SigV4 signature and hands it to the
// service its credential scope names.
type router struct {
	log      *slog.Logger
	verifier *sigv4.Verifier
	services map[string]service
	fallback *query.Codec // renders errors before a service is known
	health   func() map[string]any
	rootKey  string
	// principal resolves who signed a request.
	principal func(accessKeyID string) (iam.Principal, error)
	// admin serves /_globaldb/ (faults) to the root principal.
	admin http.Handler
	// regionDown reports a region in an outage: its API endpoint is
	// unreachable.
	regionDown func(region string) bool
	// tap, when set, sees every API response (Config.ResponseTap).
	tap func(Exchange)
	// bundle is the CA bundle served at BundlePath.
	bundle []byte
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rt.tap != nil {
		rt.serveTapped(w, r)
		return
	}
	rt.serve(w, r, nil)
}

// serve answers r; when ex is not nil it fills in what the request names
// (service, region, operation) for the tap.
func (rt *router) serve(w http.ResponseWriter, r *http.Request, ex *Exchange) {
	start := time.Now()
	reqID := requestID()
	if r.URL.Path == "/_globaldb/health" && r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rt.health())
		return
	}
	if r.URL.Path == BundlePath && r.Method == http.MethodGet && rt.bundle != nil {
		// Public, like AWS's trust store: it holds only the CA certificate.
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(rt.bundle)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		rt.writeError(w, r, awserr.New(awserr.InvalidParameterValue, "The request body could not be read or is too large."), reqID)
		return
	}
	id, err := rt.verifier.Verify(r.Context(), r, body)
	if err != nil {
		rt.log.Info("request refused", "err", err, "request_id", reqID)
		rt.writeError(w, r, err, reqID)
		return
	}
	if body, err = contentDecoded(r, body); err != nil {
		rt.writeError(w, r, err, reqID)
		return
	}
	svc, ok := rt.services[id.Service]
	if ex != nil {
		ex.Service, ex.Region, ex.AccessKeyID = id.Service, id.Region, id.AccessKeyID
		if ok {
			ex.Operation = svc.operation(r, body)
		}
	}
	p, err := rt.principal(id.AccessKeyID)
	if err != nil {
		rt.writeError(w, r, err, reqID)
		return
	}
	r = r.WithContext(withAccessKey(iam.WithCaller(r.Context(), p), id.AccessKeyID))
	if strings.HasPrefix(r.URL.Path, "/_globaldb/") {
		rt.serveAdmin(w, r, id, body, reqID)
		return
	}
	if rt.regionDown != nil && regionalAPI[id.Service] && rt.regionDown(id.Region) {
		rt.unreachable(w, id.Region)
		return
	}
	if !ok {
		rt.writeError(w, r, awserr.New(awserr.InvalidAction, "The service %q named in the credential scope is not served by the globaldb emulator.", id.Service), reqID)
		return
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	svc.serve(r.Context(), rec, r, body, id, reqID)
	rt.log.Debug("request", "service", id.Service, "region", id.Region, "action", svc.operation(r, body),
		"status", rec.status, "duration", time.Since(start), "request_id", reqID)
}

// contentDecoded returns body without its Content-Encoding. The SDKs
// gzip CloudWatch PutMetricData (its requestCompression trait;
// aws-sdk-go-v2 at any size unless configured, botocore from 10 KiB); the
// signature covers the bytes sent, so this runs after verification.
func contentDecoded(r *http.Request, body []byte) ([]byte, error) {
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, awserr.New(awserr.InvalidParameterValue, "The gzip request body could not be decompressed: %v", err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxBody+1))
		if err != nil {
			return nil, awserr.New(awserr.InvalidParameterValue, "The gzip request body could not be decompressed: %v", err)
		}
		if len(out) > maxBody {
			return nil, awserr.New(awserr.InvalidParameterValue, "The decompressed request body is too large.")
		}
		return out, nil
	default:
		return nil, awserr.New(awserr.InvalidParameterValue, "Content-Encoding %q is not supported.", enc)
	}
}

// regionalAPI names the services whose API endpoint a region outage
// takes down with the region (IAM, STS and Route 53 are global).
var regionalAPI = map[string]bool{"rds": true, "monitoring": true}

// writeError renders an error found before r's service is known: in the
// protocol r is written in when a service speaking it claims r
// (requestErrorWriter), else as a Query error.
func (rt *router) writeError(w http.ResponseWriter, r *http.Request, err error, reqID string) {
	if requestProtocol(r) != protoQuery {
		for _, s := range rt.services {
			if ew, ok := s.(requestErrorWriter); ok && ew.writeError(w, r, err, reqID) {
				return
			}
		}
	}
	rt.fallback.WriteError(w, err, reqID)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// actionOf extracts the Action for logging only; parameters (which may
// hold passwords) are never logged.
func actionOf(r *http.Request, body []byte) string {
	for _, kv := range strings.Split(string(body)+"&"+r.URL.RawQuery, "&") {
		if v, ok := strings.CutPrefix(kv, "Action="); ok {
			return v
		}
	}
	return ""
}

func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

// adminCredentials loads (or creates once) the internal superuser the
// emulator uses to manage its PostgreSQL servers. The file is 0600.
func adminCredentials(path string) (engine.Credentials, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 16 {
		return engine.Credentials{User: "rdsadmin", Password: strings.TrimSpace(string(b))}, nil
	}
	if err != nil && !os.IsNotExist(err) {
		return engine.Credentials{}, fmt.Errorf("read admin secret: %w", err)
	}
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return engine.Credentials{}, fmt.Errorf("generate admin secret: %w", err)
	}
	pw := hex.EncodeToString(raw[:])
	// Written whole or not at all: a torn file would make the next start
	// pick a new password that no server knows.
	if err := statefile.WriteBytes(path, []byte(pw+"\n")); err != nil {
		return engine.Credentials{}, fmt.Errorf("write admin secret: %w", err)
	}
	return engine.Credentials{User: "rdsadmin", Password: pw}, nil
}

// serveAdmin hands an admin request to the admin API; only the root
// principal may inject faults.
func (rt *router) serveAdmin(w http.ResponseWriter, r *http.Request, id *sigv4.Identity, body []byte, reqID string) {
	if rt.admin == nil || id.AccessKeyID != rt.rootKey {
		rt.fallback.WriteError(w, awserr.New(awserr.AccessDenied, "Only the emulator's root credentials may use the admin API."), reqID)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rt.admin.ServeHTTP(w, r)
}

// unreachable answers a call to a region in an outage as an unreachable
// regional endpoint would: the connection closes without a response.
func (rt *router) unreachable(w http.ResponseWriter, region string) {
	rt.log.Info("region outage: dropping API request", "region", region)
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // reset, like a host that is gone
			}
			conn.Close()
			return
		}
	}
	http.Error(w, "region unreachable", http.StatusServiceUnavailable)
}
