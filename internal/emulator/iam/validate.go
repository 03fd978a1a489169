package iam

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/iampolicy"
)

// Error codes the model returns: botocore shape names from iam.json (the
// wire layer maps them to wire codes: NoSuchEntity 404,
// EntityAlreadyExists 409, DeleteConflict 409, LimitExceeded 409,
// MalformedPolicyDocument 400, InvalidInput 400, UnmodifiableEntity 400,
// PolicyNotAttachable 400) and ValidationError, the code IAM answers for
// parameters that break the model's constraints.
const (
	ErrNoSuchEntity        = "NoSuchEntityException"
	ErrEntityAlreadyExists = "EntityAlreadyExistsException"
	ErrDeleteConflict      = "DeleteConflictException"
	ErrLimitExceeded       = "LimitExceededException"
	ErrMalformedPolicy     = "MalformedPolicyDocumentException"
	ErrInvalidInput        = "InvalidInputException"
	ErrUnmodifiable        = "UnmodifiableEntityException"
	ErrNotAttachable       = "PolicyNotAttachableException"
	ErrValidation          = "ValidationError"
)

// Quotas (IAM defaults).
const (
	maxAccessKeysPerUser   = 2
	maxPolicyVersions      = 5
	maxAttachedPerIdentity = 10 // managed policies per user or role
	maxTags                = 50
	defaultMaxItems        = 100
	maxMaxItems            = 1000
	defaultSessionDuration = 3600
	maxSessionDuration     = 43200
	maxInlinePolicyChars   = 10240 // role; users have 2048 (not enforced)
	maxManagedPolicyChars  = 6144
)

var (
	nameRE   = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathRE   = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
	keyIDRE  = regexp.MustCompile(`^\w+$`)
	versionR = regexp.MustCompile(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)
)

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// validation returns IAM's "1 validation error detected" error.
func validation(format string, args ...any) error {
	return awserr.New(ErrValidation, "1 validation error detected: "+format, args...)
}

func required(param string, v *string) error {
	if v == nil {
		return validation("Value null at '%s' failed to satisfy constraint: Member must not be null", param)
	}
	return nil
}

// checkName validates a user, role or policy name (param is the model's
// lowerCamel member name, as AWS quotes it).
func checkName(param string, v *string, max int) (string, error) {
	if err := required(param, v); err != nil {
		return "", err
	}
	n := *v
	switch {
	case len(n) < 1:
		return "", validation("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", n, param)
	case len(n) > max:
		return "", validation("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", n, param, max)
	case !nameRE.MatchString(n):
		return "", validation(`Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`, n, param)
	}
	return n, nil
}

// checkPath validates a path; nil means "/".
func checkPath(v *string) (string, error) {
	if v == nil {
		return "/", nil
	}
	if len(*v) > 512 || !pathRE.MatchString(*v) {
		return "", validation(`Value '%s' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, *v)
	}
	return *v, nil
}

// checkPathPrefix validates a PathPrefix filter; nil means "/".
func checkPathPrefix(v *string) (string, error) {
	if v == nil || *v == "" {
		return "/", nil
	}
	if !strings.HasPrefix(*v, "/") || len(*v) > 512 {
		return "", validation(`Value '%s' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`, *v)
	}
	return *v, nil
}

func checkTags(tags []Tag) error {
	if len(tags) > maxTags {
		return awserr.New(ErrLimitExceeded, "Cannot exceed quota for TagsPerEntity: %d", maxTags)
	}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 {
			return validation("Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128", t.Key)
		}
		if len(t.Value) > 256 {
			return validation("Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256", t.Value)
		}
	}
	return nil
}

// mergeTags applies add to have: existing keys get the new value.
func mergeTags(have, add []Tag) []Tag {
	out := append([]Tag(nil), have...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if out[i].Key == t.Key {
				out[i].Value, replaced = t.Value, true
				break
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	return out
}

// checkDocument validates a policy document of kind and returns the
// parsed policy; failures are MalformedPolicyDocument with iampolicy's
// message.
func (s *Service) checkDocument(param string, v *string, kind iampolicy.Kind, maxLen int) error {
	if err := required(param, v); err != nil {
		return err
	}
	if len(*v) > maxLen {
		return awserr.New(ErrLimitExceeded, "Cannot exceed quota for PolicySize: %d", maxLen)
	}
	if _, err := s.parse(*v, kind); err != nil {
		return malformed(err)
	}
	return nil
}

func malformed(err error) error {
	var pe *iampolicy.Error
	if errors.As(err, &pe) {
		return awserr.New(ErrMalformedPolicy, "%s", pe.Msg)
	}
	return awserr.New(ErrMalformedPolicy, "%s", err.Error())
}

// EncodeDocument renders a policy document the way IAM returns it: URL
// encoded, with spaces as %20 and '*' left as is (IAM's responses show
// "%7B%22Version%22%3A%222012-10-17%22…" and "rds%3A*"). Clients decode it
// with a URL unescape.
func EncodeDocument(doc string) string {
	e := url.QueryEscape(doc)
	e = strings.ReplaceAll(e, "+", "%20")
	return strings.ReplaceAll(e, "%2A", "*")
}

func encodedPtr(doc string) *string {
	e := EncodeDocument(doc)
	return &e
}

// page slices n items by Marker/MaxItems. The marker is the index of the
// next item.
func page(n int, marker *string, maxItems *int32) (start, end int, next *string, truncated bool, err error) {
	limit := defaultMaxItems
	if maxItems != nil {
		if *maxItems < 1 || *maxItems > maxMaxItems {
			return 0, 0, nil, false, validation("Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and %d", *maxItems, maxMaxItems)
		}
		limit = int(*maxItems)
	}
	if marker != nil && *marker != "" {
		i, perr := strconv.Atoi(*marker)
		if perr != nil || i < 0 || i > n {
			return 0, 0, nil, false, awserr.New(ErrInvalidInput, "Invalid Marker.")
		}
		start = i
	}
	end = min(start+limit, n)
	if end < n {
		m := strconv.Itoa(end)
		next, truncated = &m, true
	}
	return start, end, next, truncated, nil
}

// ID alphabets: unique IDs are upper-case letters and digits; secrets
// are base64-like.
const (
	upperAlnum   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretChars  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	uniqueIDLen  = 21 // AIDA…, AROA…, ANPA…
	accessKeyLen = 20 // AKIA…, ASIA…
	secretLen    = 40
)

// RandomString returns n characters of alphabet read from r.
func RandomString(r io.Reader, alphabet string, n int) string {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		panic(fmt.Sprintf("read random identifier: %v", err))
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// uniqueID returns a 21-character IAM unique ID with prefix. Call with
// s.mu held.
func (s *Service) uniqueID(prefix string) string {
	return prefix + RandomString(s.cfg.Random, upperAlnum, uniqueIDLen-len(prefix))
}

func (s *Service) userARN(u *User) string {
	return fmt.Sprintf("arn:aws:iam::%s:user%s%s", s.cfg.AccountID, u.Path, u.Name)
}

func (s *Service) roleARN(r *Role) string {
	return fmt.Sprintf("arn:aws:iam::%s:role%s%s", s.cfg.AccountID, r.Path, r.Name)
}

func (s *Service) policyARN(path, name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:policy%s%s", s.cfg.AccountID, path, name)
}

func notFound(format string, args ...any) error {
	return awserr.New(ErrNoSuchEntity, format, args...)
}

func removeString(list []string, v string) ([]string, bool) {
	for i, x := range list {
		if x == v {
			return append(list[:i:i], list[i+1:]...), true
		}
	}
	return list, false
}

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
