package sts

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/globaldb/globaldb/internal/emulator/awserr"
	"github.com/globaldb/globaldb/internal/emulator/iam"
	"github.com/globaldb/globaldb/internal/emulator/iampolicy"
)

// Error codes: botocore shape names from sts.json (the wire layer maps
// them: MalformedPolicyDocument 400, PackedPolicyTooLarge 400,
// ExpiredTokenException 400, RegionDisabledException 403), plus the common
// AccessDenied (403) and ValidationError (400) STS answers.
const (
	ErrMalformedPolicy      = "MalformedPolicyDocumentException"
	ErrPackedPolicyTooLarge = "PackedPolicyTooLargeException"
	ErrExpiredToken         = "ExpiredTokenException"
	ErrRegionDisabled       = "RegionDisabledException"
	ErrValidation           = "ValidationError"
)

const (
	minDuration           = 900
	maxDuration           = 43200
	defaultDuration       = 3600
	chainingMaxDuration   = 3600
	maxSessionPolicyLen   = 2048
	maxPolicyARNs         = 10
	maxSessionTags        = 50
	accessKeyLen          = 20 // ASIA + 16
	secretLen             = 40
	sessionTokenLen       = 356
	expiredRetention      = 24 * time.Hour
	upperAlnum            = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretChars           = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	sessionNamePattern    = `[\w+=,.@-]*`
	externalIDPattern     = `[\w+=,.@:\/-]*`
	sourceIdentityPattern = `[\w+=,.@-]*`
)

var (
	sessionNameRE = regexp.MustCompile(`^` + sessionNamePattern + `$`)
	externalIDRE  = regexp.MustCompile(`^` + externalIDPattern + `$`)
	roleARNRE     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/.+$`)
)

func validation(format string, args ...any) error {
	return awserr.New(ErrValidation, "1 validation error detected: "+format, args...)
}

func checkLength(param, v string, min, max int) error {
	if len(v) < min {
		return validation("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", v, param, min)
	}
	if len(v) > max {
		return validation("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, param, max)
	}
	return nil
}

func checkPattern(param, v string, re *regexp.Regexp, pattern string) error {
	if !re.MatchString(v) {
		return validation("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", v, param, pattern)
	}
	return nil
}

// checkAssumeRole validates the parameters of AssumeRole that do not need
// state.
func checkAssumeRole(in *sdk.AssumeRoleInput) error {
	if in.RoleArn == nil {
		return validation("Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	}
	if in.RoleSessionName == nil {
		return validation("Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	}
	if err := checkLength("roleArn", *in.RoleArn, 20, 2048); err != nil {
		return err
	}
	if err := checkLength("roleSessionName", *in.RoleSessionName, 2, 64); err != nil {
		return err
	}
	if err := checkPattern("roleSessionName", *in.RoleSessionName, sessionNameRE, sessionNamePattern); err != nil {
		return err
	}
	if d := in.DurationSeconds; d != nil {
		if *d < minDuration {
			return validation("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to %d", *d, minDuration)
		}
		if *d > maxDuration {
			return validation("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", *d, maxDuration)
		}
	}
	if v := in.ExternalId; v != nil {
		if err := checkLength("externalId", *v, 2, 1224); err != nil {
			return err
		}
		if err := checkPattern("externalId", *v, externalIDRE, externalIDPattern); err != nil {
			return err
		}
	}
	if v := in.SourceIdentity; v != nil {
		if err := checkLength("sourceIdentity", *v, 2, 64); err != nil {
			return err
		}
		if err := checkPattern("sourceIdentity", *v, sessionNameRE, sourceIdentityPattern); err != nil {
			return err
		}
	}
	if v := in.Policy; v != nil {
		if err := checkLength("policy", *v, 1, maxSessionPolicyLen); err != nil {
			return err
		}
	}
	if len(in.PolicyArns) > maxPolicyARNs {
		return validation("Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to %d", maxPolicyARNs)
	}
	for _, p := range in.PolicyArns {
		if a := aws.ToString(p.Arn); len(a) < 20 || !strings.HasPrefix(a, "arn:") {
			return validation("Value '%s' at 'policyArns.member.arn' failed to satisfy constraint: Member must have length greater than or equal to 20", a)
		}
	}
	if len(in.Tags) > maxSessionTags {
		return validation("Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", maxSessionTags)
	}
	for _, t := range in.Tags {
		if err := checkLength("tags.member.key", aws.ToString(t.Key), 1, 128); err != nil {
			return err
		}
		if err := checkLength("tags.member.value", aws.ToString(t.Value), 0, 256); err != nil {
			return err
		}
	}
	return nil
}

// notAuthorized is AWS's AccessDenied for AssumeRole. AWS gives the same
// answer when the role does not exist, so as not to reveal it.
func notAuthorized(caller, role string) error {
	return awserr.New(awserr.AccessDenied, "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller, role)
}

// AssumeRole returns temporary credentials for a role whose trust policy
// allows the caller (ctx, see iam.WithCaller) sts:AssumeRole. Sessions last
// DurationSeconds (900 to the role's MaxSessionDuration, default 3600; at
// most 3600 when the caller is itself an assumed role).
func (s *Service) AssumeRole(ctx context.Context, region string, in *sdk.AssumeRoleInput) (*sdk.AssumeRoleOutput, error) {
	if err := checkAssumeRole(in); err != nil {
		return nil, err
	}
	caller := s.caller(ctx)
	if caller.IsRoot {
		return nil, awserr.New(awserr.AccessDenied, "Roles may not be assumed by root accounts.")
	}
	roleARN := *in.RoleArn
	if !roleARNRE.MatchString(roleARN) {
		return nil, awserr.New(ErrValidation, "Request ARN is invalid")
	}
	role, ok := s.cfg.IAM.RoleByARN(roleARN)
	if !ok || role.Trust == nil {
		return nil, notAuthorized(caller.ARN, roleARN)
	}
	now := s.cfg.Clock.Now().UTC()
	if iampolicy.EvaluateTrust(role.Trust, caller.ARN, "", "sts:AssumeRole", trustContext(caller, in, region, now)) != iampolicy.Allow {
		return nil, notAuthorized(caller.ARN, roleARN)
	}
	duration := int32(defaultDuration)
	if in.DurationSeconds != nil {
		duration = *in.DurationSeconds
	}
	chained := caller.RoleName != ""
	switch {
	case chained && duration > chainingMaxDuration:
		return nil, awserr.New(ErrValidation, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	case duration > role.MaxSessionDuration:
		return nil, awserr.New(ErrValidation, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	var packed *int32
	if in.Policy != nil {
		if _, err := iampolicy.Parse(*in.Policy, iampolicy.Identity); err != nil {
			var pe *iampolicy.Error
			if errors.As(err, &pe) {
				return nil, awserr.New(ErrMalformedPolicy, "%s", pe.Msg)
			}
			return nil, awserr.New(ErrMalformedPolicy, "%s", err.Error())
		}
	}
	if in.Policy != nil || len(in.PolicyArns) > 0 {
		size := packedPolicySize(aws.ToString(in.Policy), len(in.PolicyArns))
		if size > 100 {
			return nil, awserr.New(ErrPackedPolicyTooLarge, "Packed policy consumes %d%% of allotted space, please use smaller policy.", size)
		}
		packed = aws.Int32(size)
	}

	session := *in.RoleSessionName
	assumedARN := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", s.cfg.IAM.AccountID(), role.Name, session)
	assumedID := role.ID + ":" + session
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := &Session{
		AccessKeyID: "ASIA" + iam.RandomString(s.cfg.Random, upperAlnum, accessKeyLen-4),
		Secret:      iam.RandomString(s.cfg.Random, secretChars, secretLen),
		Token:       iam.RandomString(s.cfg.Random, secretChars, sessionTokenLen),
		Expiration:  now.Add(time.Duration(duration) * time.Second),
		Principal:   iam.Principal{ARN: assumedARN, RoleName: role.Name, ID: assumedID},
		RoleARN:     role.ARN, Policy: aws.ToString(in.Policy), SourceIdentity: aws.ToString(in.SourceIdentity),
	}
	for _, p := range in.PolicyArns {
		sess.PolicyARNs = append(sess.PolicyARNs, aws.ToString(p.Arn))
	}
	for id, old := range s.st.Sessions {
		if now.Sub(old.Expiration) > expiredRetention {
			delete(s.st.Sessions, id)
		}
	}
	s.st.Sessions[sess.AccessKeyID] = sess
	if err := s.commit(); err != nil {
		return nil, err
	}
	out := &sdk.AssumeRoleOutput{
		AssumedRoleUser: &types.AssumedRoleUser{Arn: aws.String(assumedARN), AssumedRoleId: aws.String(assumedID)},
		Credentials: &types.Credentials{
			AccessKeyId: aws.String(sess.AccessKeyID), SecretAccessKey: aws.String(sess.Secret),
			SessionToken: aws.String(sess.Token), Expiration: aws.Time(sess.Expiration),
		},
		//lint:ignore SA1019 STS still sends PackedPolicySize (botocore's model has it); the SDK merely deprecates the field.
		PackedPolicySize: packed,
	}
	if in.SourceIdentity != nil {
		out.SourceIdentity = in.SourceIdentity
	}
	return out, nil
}

// trustContext is the request context a trust policy's conditions see.
func trustContext(caller iam.Principal, in *sdk.AssumeRoleInput, region string, now time.Time) map[string][]string {
	ctx := map[string][]string{
		"aws:principalaccount": {accountOf(caller.ARN)},
		"aws:userid":           {caller.ID},
		"sts:rolesessionname":  {*in.RoleSessionName},
		"aws:currenttime":      {now.Format(time.RFC3339)},
		"aws:epochtime":        {strconv.FormatInt(now.Unix(), 10)},
	}
	if region != "" {
		ctx["aws:requestedregion"] = []string{region}
	}
	if caller.RoleName != "" {
		ctx["aws:principaltype"] = []string{"AssumedRole"}
	} else {
		ctx["aws:principaltype"] = []string{"User"}
	}
	if in.ExternalId != nil {
		ctx["sts:externalid"] = []string{*in.ExternalId}
	}
	if in.SourceIdentity != nil {
		ctx["sts:sourceidentity"] = []string{*in.SourceIdentity}
	}
	var keys []string
	for _, t := range in.Tags {
		k := aws.ToString(t.Key)
		ctx["aws:requesttag/"+strings.ToLower(k)] = []string{aws.ToString(t.Value)}
		keys = append(keys, k)
	}
	if len(keys) > 0 {
		ctx["aws:tagkeys"] = keys
	}
	return ctx
}

func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 {
		return parts[4]
	}
	return ""
}

// packedPolicySize approximates AWS's PackedPolicySize: the percentage of
// the packed-policy allowance the session policies use (AWS compresses
// them; plain inline text counts against 2048 characters, each ARN about
// 5%).
func packedPolicySize(policy string, arns int) int32 {
	compact := strings.Join(strings.Fields(policy), "")
	return int32(len(compact)*100/(maxSessionPolicyLen*2) + arns*5)
}
