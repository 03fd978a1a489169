package sigv4

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// maxPresignExpires is the longest X-Amz-Expires AWS accepts (7 days).
const maxPresignExpires = 7 * 24 * time.Hour

// fromHeader reads the signature of an Authorization-header request.
func fromHeader(r *http.Request, authz string, body []byte) (signedRequest, error) {
	a, err := ParseAuthorization(authz)
	if err != nil {
		return signedRequest{}, err
	}
	amzDate, t, err := headerDate(r, authz)
	if err != nil {
		return signedRequest{}, err
	}
	hash, err := headerPayloadHash(r.Header.Get("X-Amz-Content-Sha256"), a.Service, body)
	if err != nil {
		return signedRequest{}, err
	}
	return signedRequest{
		auth:          a,
		amzDate:       amzDate,
		t:             t,
		token:         r.Header.Get("X-Amz-Security-Token"),
		payloadHashes: []string{hash},
	}, nil
}

// headerPayloadHash returns the payload hash that enters the canonical
// request of an Authorization-header request: always the SHA-256 of the
// bytes received, except that S3 lets a client declare UNSIGNED-PAYLOAD in
// x-amz-content-sha256. RDS, IAM, STS and Route 53 sign the body: a client
// that signed UNSIGNED-PAYLOAD for them fails the signature check instead
// of having its body accepted unsigned. A declared hash other than the
// received body's is refused outright.
func headerPayloadHash(claimed, service string, body []byte) (string, error) {
	hash := hashHex(body)
	switch {
	case claimed == "" || claimed == hash:
		return hash, nil
	case claimed == unsignedPayload && service == unsignedPayloadService:
		return unsignedPayload, nil
	case claimed == unsignedPayload:
		return hash, nil
	}
	return "", awserr.New(awserr.SignatureDoesNotMatch,
		"The provided 'x-amz-content-sha256' header does not match what was computed.")
}

// headerDate returns the signing time from X-Amz-Date, else from Date,
// together with its ISO 8601 basic form used in the string to sign.
func headerDate(r *http.Request, authz string) (string, time.Time, error) {
	if d := r.Header.Get("X-Amz-Date"); d != "" {
		t, err := time.Parse(amzDateLayout, d)
		if err != nil {
			return "", time.Time{}, awserr.New(awserr.IncompleteSignature,
				"Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", d)
		}
		return d, t, nil
	}
	if d := r.Header.Get("Date"); d != "" {
		t, err := http.ParseTime(d)
		if err != nil {
			return "", time.Time{}, awserr.New(awserr.IncompleteSignature, "Date header is not a valid HTTP date: '%s'.", d)
		}
		return t.UTC().Format(amzDateLayout), t.UTC(), nil
	}
	return "", time.Time{}, awserr.New(awserr.IncompleteSignature,
		"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=%s", authz)
}

// fromQuery reads the signature of a presigned URL. aws-sdk-go-v2 (RDS IAM
// auth tokens) signs the hash of the body, empty for a GET; botocore and
// S3-style presigners sign UNSIGNED-PAYLOAD. Both are tried, but
// UNSIGNED-PAYLOAD only when there is no body to leave unsigned (or for
// S3, the one service that accepts unsigned payloads).
func (v *Verifier) fromQuery(q map[string]string, body []byte) (signedRequest, error) {
	const required = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, " +
		"X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders"} {
		if q[k] == "" {
			return signedRequest{}, awserr.New(awserr.IncompleteSignature, required)
		}
	}
	if algo := q["X-Amz-Algorithm"]; algo != Algorithm {
		return signedRequest{}, awserr.New(awserr.IncompleteSignature, "Unsupported AWS 'algorithm': '%s'.", algo)
	}
	a, err := newAuthorization(q["X-Amz-Credential"], q["X-Amz-SignedHeaders"], q["X-Amz-Signature"])
	if err != nil {
		return signedRequest{}, err
	}
	t, err := time.Parse(amzDateLayout, q["X-Amz-Date"])
	if err != nil {
		return signedRequest{}, awserr.New(awserr.IncompleteSignature,
			"Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", q["X-Amz-Date"])
	}
	s := signedRequest{
		auth: a, amzDate: q["X-Amz-Date"], t: t, token: q["X-Amz-Security-Token"], presigned: true,
		payloadHashes: []string{hashHex(body)},
	}
	if len(body) == 0 || a.Service == unsignedPayloadService {
		s.payloadHashes = append(s.payloadHashes, unsignedPayload)
	}
	if e, ok := q["X-Amz-Expires"]; ok {
		secs, err := strconv.Atoi(e)
		if err != nil || secs <= 0 || secs > int(maxPresignExpires/time.Second) {
			return signedRequest{}, awserr.New(awserr.IncompleteSignature,
				"X-Amz-Expires must be a number of seconds between 1 and 604800, got '%s'.", e)
		}
		s.expires = time.Duration(secs) * time.Second
	}
	return s, nil
}

// parseQuery decodes a raw query into its first value per key; malformed
// pairs are skipped (they still enter the canonical query as sent).
func parseQuery(raw string) map[string]string {
	q := map[string]string{}
	for part := range strings.SplitSeq(raw, "&") {
		k, v, _ := strings.Cut(part, "=")
		k, v = queryUnescape(k), queryUnescape(v)
		if _, seen := q[k]; !seen && k != "" {
			q[k] = v
		}
	}
	return q
}

// wireTarget returns the percent-encoded path and the raw query exactly as
// the client sent them. Server requests carry RequestURI; client-built
// requests (tests, in-process callers) fall back to the URL.
func wireTarget(r *http.Request) (path, query string) {
	uri := r.RequestURI
	if uri == "" {
		return r.URL.EscapedPath(), r.URL.RawQuery
	}
	if i := strings.Index(uri, "://"); i >= 0 && !strings.HasPrefix(uri, "/") {
		// absolute-form request target (sent to proxies)
		rest := uri[i+3:]
		j := strings.IndexAny(rest, "/?")
		if j < 0 {
			return "/", ""
		}
		uri = rest[j:]
	}
	path, query, _ = strings.Cut(uri, "?")
	return path, query
}

// requestHost is the Host the client sent (HTTP/2: :authority).
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}
