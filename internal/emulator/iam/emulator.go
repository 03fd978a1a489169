package iam

import (
	"maps"
	"slices"
	"strings"

	"github.com/globaldb/globaldb/internal/emulator/iampolicy"
)

// The methods in this file serve the emulator (authentication,
// authorization, STS); they are not AWS operations.

// AccessKey resolves a long-term access key to its secret and owner, for
// SigV4 verification. Root keys come from Config.RootKeys; inactive keys
// do not resolve.
func (s *Service) AccessKey(accessKeyID string) (secret string, principal Principal, ok bool) {
	if sec, ok := s.cfg.RootKeys[accessKeyID]; ok {
		return sec, RootPrincipal(s.cfg.AccountID), true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.st.AccessKeys[accessKeyID]
	if !ok || k.Status != "Active" {
		return "", Principal{}, false
	}
	u, ok := s.st.Users[k.UserName]
	if !ok {
		return "", Principal{}, false
	}
	return k.Secret, s.userPrincipal(u), true
}

func (s *Service) userPrincipal(u *User) Principal {
	return Principal{ARN: s.userARN(u), UserName: u.Name, ID: u.ID}
}

// UserPrincipal returns the principal of the user named name.
func (s *Service) UserPrincipal(name string) (Principal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(name)
	if err != nil {
		return Principal{}, false
	}
	return s.userPrincipal(u), true
}

// IdentityPolicies returns the parsed identity policies (attached managed
// policies' default versions, then inline policies by name) of a user or
// role ARN, or of an assumed-role session ARN
// (arn:aws:sts::ACCT:assumed-role/ROLE/SESSION: the role's policies).
// Root and unknown principals have none; the caller treats root as
// allowed everything.
func (s *Service) IdentityPolicies(principalARN string) []*iampolicy.Policy {
	s.mu.Lock()
	defer s.mu.Unlock()
	var attached []string
	var inline map[string]string
	switch kind, name, ok := s.splitPrincipalARN(principalARN); {
	case !ok:
		return nil
	case kind == "user":
		u, found := s.st.Users[strings.ToLower(name)]
		if !found || s.userARN(u) != principalARN {
			return nil
		}
		attached, inline = u.Attached, u.Inline
	case kind == "role" || kind == "assumed-role":
		r, found := s.st.Roles[strings.ToLower(name)]
		if !found || (kind == "role" && s.roleARN(r) != principalARN) {
			return nil
		}
		attached, inline = r.Attached, r.Inline
	}
	var out []*iampolicy.Policy
	for _, arn := range attached {
		mp, ok := s.policy(arn)
		if !ok {
			continue
		}
		if p, err := s.parse(mp.Versions[mp.DefaultVersion].Document, iampolicy.Identity); err == nil {
			out = append(out, p)
		} else {
			s.cfg.Logger.Warn("iam: managed policy does not parse", "arn", arn, "err", err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(inline)) {
		if p, err := s.parse(inline[name], iampolicy.Identity); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// ManagedPolicy returns the parsed default version of a managed policy
// (AWS or customer), e.g. for STS session policy ARNs.
func (s *Service) ManagedPolicy(arn string) (*iampolicy.Policy, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mp, ok := s.policy(arn)
	if !ok {
		return nil, false
	}
	p, err := s.parse(mp.Versions[mp.DefaultVersion].Document, iampolicy.Identity)
	return p, err == nil
}

// splitPrincipalARN returns ("user"|"role"|"assumed-role", name) of an ARN
// in this account. Call with s.mu held.
func (s *Service) splitPrincipalARN(arn string) (kind, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[4] != s.cfg.AccountID {
		return "", "", false
	}
	switch {
	case parts[2] == "iam" && strings.HasPrefix(parts[5], "user/"):
		rest := parts[5]
		return "user", rest[strings.LastIndexByte(rest, '/')+1:], true
	case parts[2] == "iam" && strings.HasPrefix(parts[5], "role/"):
		rest := parts[5]
		return "role", rest[strings.LastIndexByte(rest, '/')+1:], true
	case parts[2] == "sts" && strings.HasPrefix(parts[5], "assumed-role/"):
		role, _, found := strings.Cut(strings.TrimPrefix(parts[5], "assumed-role/"), "/")
		return "assumed-role", role, found && role != ""
	}
	return "", "", false
}

// RoleByARN returns a copy of the role with arn (exact path, name
// case-insensitive), with ARN and the parsed trust policy (Trust) filled
// in, for STS AssumeRole.
func (s *Service) RoleByARN(arn string) (Role, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kind, name, ok := s.splitPrincipalARN(arn)
	if !ok || kind != "role" {
		return Role{}, false
	}
	r, found := s.st.Roles[strings.ToLower(name)]
	if !found || !strings.EqualFold(s.roleARN(r), arn) {
		return Role{}, false
	}
	out := *r
	out.Tags = slices.Clone(r.Tags)
	out.Attached = slices.Clone(r.Attached)
	out.Inline = maps.Clone(r.Inline)
	out.ARN = s.roleARN(r)
	if p, err := s.parse(r.TrustDocument, iampolicy.Trust); err == nil {
		out.Trust = p
	}
	return out, true
}
