package iampolicy

import (
	"sort"
	"strings"
)

// The checks Parse runs after syntax, in IAM's order. Each receives the
// statements' raw elements to tell "absent" from "empty".

func checkKind(p *Policy, fields []map[string]any, kind Kind) error {
	for i, s := range p.Statements {
		hasPrincipal := s.Principal != nil || s.NotPrincipal != nil
		_, hasRes := fields[i]["Resource"]
		_, hasNotRes := fields[i]["NotResource"]
		switch kind {
		case Identity:
			if hasPrincipal {
				return malformed(msgNoPrincipal)
			}
		case Trust:
			if hasRes || hasNotRes {
				return malformed(msgTrustResource)
			}
			if !hasPrincipal {
				return malformed(msgMissingPrinc)
			}
		case Resource:
			if !hasPrincipal {
				return malformed(msgMissingPrinc)
			}
		}
	}
	return nil
}

// checkLegacy is IAM's "legacy parsing": Effect in its exact case, Date
// condition values that parse, and resources whose service is present.
func checkLegacy(p *Policy, _ []map[string]any, _ Kind) error {
	legacy := malformed(msgLegacy)
	for _, s := range p.Statements {
		if s.Effect != EffectAllow && s.Effect != EffectDeny {
			return legacy
		}
		for op, keys := range s.Condition {
			if o, _ := parseOperator(op); o.kind != kindDate {
				continue
			}
			for _, vals := range keys {
				for _, v := range vals {
					if _, err := parseDate(v); err != nil {
						return legacy
					}
				}
			}
		}
		for _, r := range append(append([]string(nil), s.Resource...), s.NotResource...) {
			if r == "*" || !strings.Contains(r, ":") {
				continue // the format check reports these
			}
			if strings.Count(r, ":") < 5 && strings.Contains(r, "::") {
				return legacy
			}
			if parts := strings.Split(r, ":"); len(parts) > 2 && parts[2] == "" {
				return legacy
			}
		}
	}
	return nil
}

func checkSids(p *Policy, _ []map[string]any, _ Kind) error {
	seen := map[string]bool{}
	for _, s := range p.Statements {
		if s.Sid == "" {
			continue
		}
		if seen[s.Sid] {
			return malformed(msgSidUnique)
		}
		seen[s.Sid] = true
	}
	return nil
}

func checkPresence(p *Policy, _ []map[string]any, kind Kind) error {
	for _, s := range p.Statements {
		if len(s.Action) == 0 && len(s.NotAction) == 0 {
			return malformed(msgNoActions)
		}
	}
	if kind == Trust {
		return nil
	}
	for _, s := range p.Statements {
		if len(s.Resource) == 0 && len(s.NotResource) == 0 {
			return malformed(msgNoResources)
		}
	}
	return nil
}

func checkResources(p *Policy, _ []map[string]any, _ Kind) error {
	for _, s := range p.Statements {
		for _, r := range append(append([]string(nil), s.Resource...), s.NotResource...) {
			if r == "*" {
				continue
			}
			if !strings.Contains(r, ":") {
				return malformed(msgResourceARN, r)
			}
			if a, ok := parseARN(r); ok && a.service == "iam" && a.region != "" {
				return malformed(msgIAMRegion, r)
			}
		}
	}
	return nil
}

// checkActions checks that actions and condition keys name a vendor.
func checkActions(p *Policy, _ []map[string]any, _ Kind) error {
	for _, s := range p.Statements {
		for _, a := range append(append([]string(nil), s.Action...), s.NotAction...) {
			if err := checkVendor(a, true); err != nil {
				return err
			}
		}
		for _, op := range sortedKeys(s.Condition) {
			for _, key := range sortedKeys(s.Condition[op]) {
				if !strings.Contains(key, ":") {
					return malformed(msgVendor)
				}
			}
		}
	}
	return nil
}

func checkVendor(action string, allowStar bool) error {
	parts := strings.Split(action, ":")
	switch {
	case len(parts) == 1 && allowStar && parts[0] == "*":
		return nil
	case len(parts) == 1:
		return malformed(msgVendor)
	case len(parts) > 2:
		return malformed(msgOneColon)
	}
	vendor := parts[0]
	if vendor == "*" {
		return nil
	}
	for _, c := range vendor {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return malformed(msgVendorInvalid, vendor)
		}
	}
	if vendor == "" {
		return malformed(msgVendorInvalid, vendor)
	}
	return nil
}

// checkTrustActions limits a trust policy to the sts:AssumeRole family.
func checkTrustActions(p *Policy, _ []map[string]any, kind Kind) error {
	if kind != Trust {
		return nil
	}
	for _, s := range p.Statements {
		if len(s.NotAction) > 0 {
			return malformed(msgTrustActions)
		}
		for _, a := range s.Action {
			if !strings.HasPrefix(strings.ToLower(a), "sts:") || !matchesAny(a, assumeRoleActions) {
				return malformed(msgTrustActions)
			}
		}
	}
	return nil
}

func matchesAny(pat string, actions []string) bool {
	for _, a := range actions {
		if matchAction(pat, a) {
			return true
		}
	}
	return false
}

// checkPrincipals checks the form of each principal: "*", an account id
// or an IAM/STS ARN for AWS; a DNS-like name for Service.
func checkPrincipals(p *Policy, _ []map[string]any, _ Kind) error {
	for _, s := range p.Statements {
		for _, pr := range []*Principals{s.Principal, s.NotPrincipal} {
			if pr == nil {
				continue
			}
			for _, e := range pr.AWS {
				a, isARN := parseARN(e)
				if e != "*" && !isAccountID(e) && !(isARN && (a.service == "iam" || a.service == "sts") && a.account != "") {
					return malformed(msgInvalidPrinc, "AWS", e)
				}
			}
			for _, e := range pr.Service {
				if e == "" || strings.ContainsAny(e, " :/*") {
					return malformed(msgInvalidPrinc, "SERVICE", e)
				}
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
