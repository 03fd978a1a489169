package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// We build the canonical request ourselves instead of re-signing a clone
// with aws-sdk-go-v2's signer: the stock signer refuses to sign some headers
// a client may have signed (User-Agent, Expect, ...), adds content-length on
// its own, and signs every header it is given. Building the string from the
// client's SignedHeaders list removes all three pitfalls
// (reference/emulator-anchors.md §4.2). The tests cross-check the result
// against the SDK signer and botocore.
//
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html

// unsignedPayload is the payload hash presigned URLs (botocore) and S3 use.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// unsignedPayloadService is the only service whose requests may leave
// their body unsigned (x-amz-content-sha256: UNSIGNED-PAYLOAD).
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
const unsignedPayloadService = "s3"

// canonicalInput is everything the canonical request depends on.
type canonicalInput struct {
	method        string
	rawPath       string // as sent on the wire, still percent-encoded
	rawQuery      string // as sent on the wire
	dropQueryKey  string // query parameter left out (X-Amz-Signature when presigned)
	host          string
	header        http.Header
	contentLength int
	signedHeaders []string
	payloadHash   string
}

// canonicalRequest returns the SigV4 canonical request for in.
func canonicalRequest(in canonicalInput) string {
	var b strings.Builder
	b.WriteString(in.method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(in.rawPath))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(in.rawQuery, in.dropQueryKey))
	b.WriteByte('\n')
	for _, name := range in.signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(in, strings.ToLower(name)))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(in.signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(in.payloadHash)
	return b.String()
}

// canonicalURI escapes the wire path once more, as every AWS service except
// S3 expects: "%20" on the wire becomes "%2520".
func canonicalURI(rawPath string) string {
	if rawPath == "" {
		return "/"
	}
	return uriEncode(rawPath, false)
}

// canonicalQuery decodes the wire query, re-encodes each name and value
// strictly, and sorts the pairs by encoded name, then encoded value.
func canonicalQuery(rawQuery, drop string) string {
	type pair struct{ k, v string }
	var pairs []pair
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = queryUnescape(k), queryUnescape(v)
		if k == drop {
			continue
		}
		pairs = append(pairs, pair{uriEncode(k, true), uriEncode(v, true)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k + "=" + p.v)
	}
	return b.String()
}

// queryUnescape decodes a query component ('+' is a space); a malformed
// escape is kept literally, so the signature check fails instead of
// erroring.
func queryUnescape(s string) string {
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// canonicalHeaderValue returns the value the client signed for the lower
// case header name: values joined by ',', each trimmed with inner runs of
// spaces collapsed.
func canonicalHeaderValue(in canonicalInput, name string) string {
	switch name {
	case "host":
		return collapseSpaces(in.host)
	case "content-length":
		// net/http moves Content-Length out of the header map for some
		// requests; the body length is authoritative.
		return strconv.Itoa(in.contentLength)
	}
	values := in.header.Values(name)
	cleaned := make([]string, len(values))
	for i, v := range values {
		cleaned[i] = collapseSpaces(v)
	}
	return strings.Join(cleaned, ",")
}

// collapseSpaces trims leading and trailing spaces and tabs and collapses
// inner runs of spaces to one, as both aws-sdk-go-v2 and botocore do.
func collapseSpaces(s string) string {
	s = strings.Trim(s, " \t")
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	prevSpace := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && prevSpace {
			continue
		}
		prevSpace = s[i] == ' '
		b.WriteByte(s[i])
	}
	return b.String()
}

// hostCandidates returns the Host values a client may have signed: the
// one it sent and, with a port of 80 or 443, the host without it. Signers
// strip the scheme's default port before signing, but the server cannot
// always tell the client's scheme (TLS may end at a proxy), so both forms
// are tried; the signature still has to match one of them.
func hostCandidates(host string) []string {
	h, port, err := net.SplitHostPort(host)
	if err != nil || (port != "80" && port != "443") {
		return []string{host}
	}
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	return []string{host, h}
}

// uriEncode percent-encodes every byte outside the RFC 3986 unreserved set
// with upper-case hex; '/' is kept unless encodeSlash.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0x0f])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// stringToSign returns the SigV4 string to sign for a canonical request.
func stringToSign(amzDate, scope, canonical string) string {
	return Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hashHex([]byte(canonical))
}

// signature returns the hex HMAC-SHA256 signature of sts under the key
// derived from secret and the credential scope of a.
func signature(secret string, a Authorization, sts string) string {
	k := hmacSHA256([]byte("AWS4"+secret), a.Date)
	k = hmacSHA256(k, a.Region)
	k = hmacSHA256(k, a.Service)
	k = hmacSHA256(k, scopeTerminator)
	return hex.EncodeToString(hmacSHA256(k, sts))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// hashHex returns the lower-case hex SHA-256 of b.
func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
