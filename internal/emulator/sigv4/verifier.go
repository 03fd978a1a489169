// Package sigv4 verifies AWS Signature Version 4 on requests the emulator
// receives, from the Authorization header or from a presigned query string.
//
// The verifier rebuilds the canonical request from what the client listed in
// SignedHeaders, so headers added after signing (Accept-Encoding,
// X-Forwarded-For, User-Agent) never matter. It does not judge whether the
// credential-scope region or service is right for the endpoint: Route 53 and
// IAM are signed with the caller's configured region when an endpoint
// override is used (reference/emulator-anchors.md §3.4); callers read the
// scope from the returned Identity.
package sigv4

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// Identity is who signed a request and for which scope.
type Identity struct {
	AccessKeyID string
	Region      string
	Service     string
	// SessionToken is the X-Amz-Security-Token the request carried (temporary
	// credentials), or "".
	SessionToken string
	// Presigned is true when the signature came from the query string.
	Presigned bool
}

// Secrets resolves an access key id to its secret and, for temporary
// credentials, the session token requests signed with it must carry
// ("" for long-term keys). ok is false for an unknown key. Implementations
// must be safe for concurrent use.
type Secrets interface {
	Secret(ctx context.Context, accessKeyID string) (secret, sessionToken string, ok bool)
}

// StaticSecrets maps access key ids to secrets of long-term keys.
type StaticSecrets map[string]string

var _ Secrets = StaticSecrets(nil)

// Secret implements Secrets; a StaticSecrets key never has a session token.
func (s StaticSecrets) Secret(_ context.Context, accessKeyID string) (string, string, bool) {
	secret, ok := s[accessKeyID]
	return secret, "", ok
}

// DefaultMaxSkew is how far X-Amz-Date may be from the verifier's clock;
// AWS allows 15 minutes.
const DefaultMaxSkew = 15 * time.Minute

// Verifier checks SigV4 signatures. Its zero value rejects every key; a
// Verifier is safe for concurrent use once configured.
type Verifier struct {
	Secrets Secrets
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew bounds |X-Amz-Date - Now|; 0 means DefaultMaxSkew. For
	// presigned URLs without X-Amz-Expires it is also the validity period.
	MaxSkew time.Duration
}

// Error messages AWS sends verbatim.
const (
	msgMissingToken = "Request is missing Authentication Token"
	msgInvalidToken = "The security token included in the request is invalid."
	msgMismatch     = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// amzDateLayout is the ISO 8601 basic format of X-Amz-Date.
const amzDateLayout = "20060102T150405Z"

// signedRequest is what one of the two signing styles carries.
type signedRequest struct {
	auth      Authorization
	amzDate   string // the timestamp as it enters the string to sign
	t         time.Time
	token     string
	presigned bool
	expires   time.Duration // presigned only
	// payloadHashes are the payload hashes the client may have signed with;
	// any one matching verifies the request.
	payloadHashes []string
}

// Verify checks the request's SigV4 signature (Authorization header or
// presigned query string). body is the full request body, already read;
// r.Body is not touched. On success it returns who signed the request.
//
// Errors are *awserr.Error with AWS's codes and messages:
// MissingAuthenticationToken (no signature at all), IncompleteSignature
// (malformed Authorization or presigned parameters, missing date),
// InvalidClientTokenId (unknown key; missing or wrong session token),
// RequestExpired (X-Amz-Date off by more than MaxSkew, presigned URL past
// X-Amz-Expires) and SignatureDoesNotMatch.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (*Identity, error) {
	authz := r.Header.Get("Authorization")
	query := parseQuery(r.URL.RawQuery)
	presigned := query["X-Amz-Algorithm"] != "" || query["X-Amz-Signature"] != "" || query["X-Amz-Credential"] != ""
	var (
		s   signedRequest
		err error
	)
	switch {
	case authz != "" && presigned:
		return nil, awserr.New(awserr.IncompleteSignature, "Only one auth mechanism allowed; only the X-Amz-Algorithm "+
			"query parameter or the Authorization header should be specified")
	case authz != "":
		s, err = fromHeader(r, authz, body)
	case presigned:
		s, err = v.fromQuery(query, body)
	default:
		return nil, awserr.New(awserr.MissingAuthenticationToken, msgMissingToken)
	}
	if err != nil {
		return nil, err
	}
	if err := v.check(ctx, r, s, body); err != nil {
		return nil, err
	}
	return &Identity{
		AccessKeyID:  s.auth.AccessKeyID,
		Region:       s.auth.Region,
		Service:      s.auth.Service,
		SessionToken: s.token,
		Presigned:    s.presigned,
	}, nil
}

// check validates scope, key, token, time and finally the signature.
func (v *Verifier) check(ctx context.Context, r *http.Request, s signedRequest, body []byte) error {
	if !hasHost(s.auth.SignedHeaders) {
		return awserr.New(awserr.IncompleteSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if s.auth.Date != s.amzDate[:8] {
		return awserr.New(awserr.SignatureDoesNotMatch,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			s.auth.Date, s.amzDate[:8], s.amzDate)
	}
	var (
		secret, token string
		ok            bool
	)
	if v.Secrets != nil {
		secret, token, ok = v.Secrets.Secret(ctx, s.auth.AccessKeyID)
	}
	if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(s.token)) != 1 {
		return awserr.New(awserr.InvalidClientTokenID, msgInvalidToken)
	}
	if err := v.checkTime(s); err != nil {
		return err
	}
	if name, ok := absentSignedHeader(r, s.auth.SignedHeaders); ok {
		return awserr.New(awserr.SignatureDoesNotMatch,
			"The request signature we calculated does not match the signature you provided. "+
				"SignedHeaders names the header '%s', which the request does not carry.", name)
	}
	path, rawQuery := wireTarget(r)
	in := canonicalInput{
		method:        r.Method,
		rawPath:       path,
		rawQuery:      rawQuery,
		header:        r.Header,
		contentLength: len(body),
		signedHeaders: s.auth.SignedHeaders,
	}
	if s.presigned {
		in.dropQueryKey = "X-Amz-Signature"
	}
	for _, host := range hostCandidates(requestHost(r)) {
		in.host = host
		for _, h := range s.payloadHashes {
			in.payloadHash = h
			sts := stringToSign(s.amzDate, s.auth.Scope(), canonicalRequest(in))
			want := signature(secret, s.auth, sts)
			if subtle.ConstantTimeCompare([]byte(want), []byte(s.auth.Signature)) == 1 {
				return nil
			}
		}
	}
	return awserr.New(awserr.SignatureDoesNotMatch, msgMismatch)
}

// checkTime rejects requests signed too long ago or too far in the future.
func (v *Verifier) checkTime(s signedRequest) error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	n := now().UTC()
	if s.presigned {
		expires := s.expires
		if expires == 0 {
			expires = skew
		}
		switch {
		case n.After(s.t.Add(expires)):
			return awserr.New(awserr.RequestExpired, "Request has expired.")
		case s.t.After(n.Add(skew)):
			return awserr.New(awserr.RequestExpired, "Request is not yet valid.")
		}
		return nil
	}
	switch {
	case s.t.Before(n.Add(-skew)):
		return awserr.New(awserr.RequestExpired, "Signature expired: %s is now earlier than %s (%s - %s.)",
			s.amzDate, n.Add(-skew).Format(amzDateLayout), n.Format(amzDateLayout), skewText(skew))
	case s.t.After(n.Add(skew)):
		return awserr.New(awserr.RequestExpired, "Signature not yet current: %s is still later than %s (%s + %s.)",
			s.amzDate, n.Add(skew).Format(amzDateLayout), n.Format(amzDateLayout), skewText(skew))
	}
	return nil
}

// skewText renders a skew the way AWS does ("15 min").
func skewText(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	}
	return d.String()
}

func hasHost(names []string) bool {
	for _, n := range names {
		if strings.EqualFold(n, "host") {
			return true
		}
	}
	return false
}

// absentSignedHeader returns the first header named in SignedHeaders that
// the request does not carry. A signature over a header that is not there
// covers nothing the server can check, so such a request is refused rather
// than verified with an empty value. net/http keeps Host, Content-Length
// and Transfer-Encoding out of the header map for some requests; their
// presence is read from the request itself.
func absentSignedHeader(r *http.Request, names []string) (string, bool) {
	for _, name := range names {
		var present bool
		switch strings.ToLower(name) {
		case "host":
			present = requestHost(r) != ""
		case "content-length":
			present = r.ContentLength > 0 || len(r.Header.Values("Content-Length")) > 0
		case "transfer-encoding":
			present = len(r.TransferEncoding) > 0 || len(r.Header.Values("Transfer-Encoding")) > 0
		default:
			present = len(r.Header.Values(name)) > 0
		}
		if !present {
			return name, true
		}
	}
	return "", false
}
