package emulator

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"strings"
)

// Exchange is one API response the emulator sent, as Config.ResponseTap
// sees it.
type Exchange struct {
	// Service is the service the credential scope names (rds, route53,
	// iam, sts); "" when the request was refused before its signature was
	// verified.
	Service string
	Region  string
	// Operation is the operation the request names: the Query Action, the
	// REST-XML route, the JSON X-Amz-Target or the RPC v2 CBOR path; ""
	// when it names none.
	Operation   string
	AccessKeyID string
	// UserAgent is the request's User-Agent header: it tells which client
	// sent the request.
	UserAgent string
	Status    int
	Header    http.Header // response headers
	Body      []byte      // response body
}

// tapWriter records the response it passes through for the tap.
type tapWriter struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	hijacked bool
}

func (w *tapWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *tapWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// Hijack passes through (an outage drops the connection); a hijacked
// request has no response to tap.
func (w *tapWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("hijack: response writer does not support it")
	}
	w.hijacked = true
	return hj.Hijack()
}

// serveTapped serves r through rt.serve and hands the response to rt.tap.
func (rt *router) serveTapped(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_globaldb/") {
		rt.serve(w, r, nil) // health and admin: not AWS API responses
		return
	}
	tw := &tapWriter{ResponseWriter: w, status: http.StatusOK}
	ex := &Exchange{UserAgent: r.Header.Get("User-Agent")}
	rt.serve(tw, r, ex)
	if tw.hijacked {
		return
	}
	ex.Status, ex.Header, ex.Body = tw.status, w.Header().Clone(), tw.body.Bytes()
	rt.tap(*ex)
}
