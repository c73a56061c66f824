package handlers

import (
	"fmt"

	"nasbot/domain"
)

// addToMailbox links an account of the site to its shared mailbox, as a member unless the
// request says owner. Giving an owner a member role is a demotion and keeps the last-owner rule;
// an account already linked as asked is left as it is.
func addToMailbox(r *request) (domain.Decision, error) {
	acct, refusal, err := r.siteAccount()
	if err != nil || refusal != nil {
		return deref(refusal), err
	}
	role := r.req.Role
	if role == "" || role == domain.RoleNone {
		if acct.Linked() {
			return done(r.req.Account, fmt.Sprintf("%s already has access to the shared mailbox as %s; nothing was changed.",
				displayName(acct), roleWord(acct.Role))), nil
		}
		role = domain.RoleMember
	}
	if acct.Role == role {
		return done(r.req.Account, fmt.Sprintf("%s already has access to the shared mailbox as %s; nothing was changed.",
			displayName(acct), roleWord(role))), nil
	}
	if role != domain.RoleOwner {
		if d, err := r.lastOwner(acct, "changed their role"); err != nil || d != nil {
			return deref(d), err
		}
	}
	return done(r.req.Account, fmt.Sprintf("%s now has access to the shared mailbox of %s as %s.",
		displayName(acct), siteName(r.site), roleWord(role)),
		domain.SetRole{Address: acct.Address, Role: role}), nil
}
