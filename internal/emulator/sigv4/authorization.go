package sigv4

import (
	"strings"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
)

// Algorithm is the only signing algorithm the verifier accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// scopeTerminator ends every SigV4 credential scope.
const scopeTerminator = "aws4_request"

// Authorization is a parsed SigV4 Authorization header (or the equivalent
// X-Amz-* query parameters of a presigned URL).
type Authorization struct {
	AccessKeyID string
	// Date is the credential-scope date, YYYYMMDD.
	Date    string
	Region  string
	Service string
	// SignedHeaders are the header names exactly as the client listed them
	// (lower case, in the client's order).
	SignedHeaders []string
	// Signature is the hex signature the client sent.
	Signature string
}

// Scope returns the credential scope "date/region/service/aws4_request".
func (a Authorization) Scope() string {
	return a.Date + "/" + a.Region + "/" + a.Service + "/" + scopeTerminator
}

// ParseAuthorization parses an
// `AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/rds/aws4_request, SignedHeaders=a;b, Signature=hex`
// header. Every error is an *awserr.Error with code IncompleteSignature and
// a message modelled on AWS's.
func ParseAuthorization(h string) (Authorization, error) {
	algo, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if algo != Algorithm {
		return Authorization{}, awserr.New(awserr.IncompleteSignature,
			"Unsupported AWS 'algorithm': '%s'. Authorization=%s", algo, h)
	}
	params := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return Authorization{}, awserr.New(awserr.IncompleteSignature,
				"'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", part, h)
		}
		params[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	var missing strings.Builder
	for _, name := range []string{"Credential", "Signature", "SignedHeaders"} {
		if params[name] == "" {
			missing.WriteString("Authorization header requires '" + name + "' parameter. ")
		}
	}
	if missing.Len() > 0 {
		return Authorization{}, awserr.New(awserr.IncompleteSignature, "%sAuthorization=%s", missing.String(), h)
	}
	return newAuthorization(params["Credential"], params["SignedHeaders"], params["Signature"])
}

// newAuthorization builds an Authorization from the three signature
// components shared by headers and presigned URLs.
func newAuthorization(credential, signedHeaders, signature string) (Authorization, error) {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 {
		return Authorization{}, awserr.New(awserr.IncompleteSignature,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", credential)
	}
	a := Authorization{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3], Signature: signature}
	switch {
	case a.AccessKeyID == "":
		return Authorization{}, awserr.New(awserr.IncompleteSignature, "Credential is missing an access key id, got '%s'", credential)
	case !isDigits(a.Date, 8):
		return Authorization{}, awserr.New(awserr.IncompleteSignature, "Credential date must be YYYYMMDD, got '%s'.", a.Date)
	case a.Region == "":
		return Authorization{}, awserr.New(awserr.IncompleteSignature, "Credential should be scoped to a valid region, not '%s'. ", a.Region)
	case a.Service == "":
		return Authorization{}, awserr.New(awserr.IncompleteSignature, "Credential should be scoped to correct service: '%s'. ", a.Service)
	case parts[4] != scopeTerminator:
		return Authorization{}, awserr.New(awserr.IncompleteSignature,
			"Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ", parts[4])
	}
	for name := range strings.SplitSeq(signedHeaders, ";") {
		if name == "" {
			return Authorization{}, awserr.New(awserr.IncompleteSignature, "SignedHeaders contains an empty header name: '%s'.", signedHeaders)
		}
		a.SignedHeaders = append(a.SignedHeaders, name)
	}
	return a, nil
}

// isDigits reports whether s is exactly n ASCII digits.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
