package iampolicy

import "strings"

// arn is a parsed ARN.
type arn struct {
	raw                                           string
	partition, service, region, account, resource string
}

func parseARN(s string) (arn, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return arn{}, false
	}
	return arn{raw: s, partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts[5]}, true
}

// assumedRole returns the role name and session of an
// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION ARN.
func (a arn) assumedRole() (role, session string, ok bool) {
	rest, ok := strings.CutPrefix(a.resource, "assumed-role/")
	if !ok || a.service != "sts" {
		return "", "", false
	}
	role, session, ok = strings.Cut(rest, "/")
	return role, session, ok
}

// roleName returns the name (last path component) of an IAM role ARN.
func (a arn) roleName() (string, bool) {
	rest, ok := strings.CutPrefix(a.resource, "role/")
	if !ok || a.service != "iam" {
		return "", false
	}
	return rest[strings.LastIndexByte(rest, '/')+1:], true
}

// isAccountID reports whether s is a 12-digit AWS account id.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// trustedAccount returns the account an AWS principal entry trusts as a
// whole: a bare account id or arn:PARTITION:iam::ACCOUNT:root.
func trustedAccount(entry string) (string, bool) {
	if isAccountID(entry) {
		return entry, true
	}
	if a, ok := parseARN(entry); ok && a.service == "iam" && a.resource == "root" {
		return a.account, true
	}
	return "", false
}

// matches reports whether the caller (an ARN, a service principal, or
// both) is one of the principals.
func (p *Principals) matches(principalARN, service string) bool {
	if p.All {
		return true
	}
	if principalARN != "" {
		for _, e := range p.AWS {
			if awsPrincipalMatches(e, principalARN) {
				return true
			}
		}
	}
	if service != "" {
		for _, e := range p.Service {
			if strings.EqualFold(e, service) {
				return true
			}
		}
	}
	for _, e := range p.Federated {
		if e != "" && (e == principalARN || e == service) {
			return true
		}
	}
	return false
}

func awsPrincipalMatches(entry, caller string) bool {
	if entry == "*" || entry == caller {
		return true
	}
	c, ok := parseARN(caller)
	if !ok {
		return false
	}
	if acct, ok := trustedAccount(entry); ok {
		return acct == c.account
	}
	e, ok := parseARN(entry)
	if !ok || e.account != c.account || e.partition != c.partition {
		return false
	}
	name, isRole := e.roleName()
	sessionRole, _, isSession := c.assumedRole()
	return isRole && isSession && name == sessionRole
}
