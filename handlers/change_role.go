package handlers

import (
	"fmt"

	"nasbot/domain"
)

// changeRole makes an account of the site an owner or a member of its shared mailbox (linking it
// if it was not linked). Only an owner may ask; demoting the last active owner is refused.
func changeRole(r *request) (domain.Decision, error) {
	acct, refusal, err := r.siteAccount()
	if err != nil || refusal != nil {
		return deref(refusal), err
	}
	role := r.req.Role
	if role == "" {
		return missing(r.req.Account, "role",
			"The request does not say which role to give: please write \"Role: Owner\" or \"Role: Member\"."), nil
	}
	if role != domain.RoleOwner && role != domain.RoleMember {
		return invalid(r.req.Account, "role",
			"The request does not say which role to give: please write \"Role: Owner\" or \"Role: Member\"."), nil
	}
	if acct.Role == role {
		return done(r.req.Account, fmt.Sprintf("%s is already %s of the shared mailbox; nothing was changed.",
			displayName(acct), roleWord(role))), nil
	}
	if role == domain.RoleMember {
		if d, err := r.lastOwner(acct, "made them a member"); err != nil || d != nil {
			return deref(d), err
		}
	}
	return done(r.req.Account, fmt.Sprintf("%s is now %s of the shared mailbox of %s.",
		displayName(acct), roleWord(role), siteName(r.site)),
		domain.SetRole{Address: acct.Address, Role: role}), nil
}
