package handlers

import (
	"fmt"

	"nasbot/domain"
)

// removeFromMailbox unlinks an account of the site from its shared mailbox; the account itself
// stays. The mailbox's last active owner cannot be removed. The guide asks owners to remove
// people who stop working at the site, so this is allowed in every sector, even where a new
// account must be linked.
func removeFromMailbox(r *request) (domain.Decision, error) {
	acct, refusal, err := r.siteAccount()
	if err != nil || refusal != nil {
		return deref(refusal), err
	}
	if !acct.Linked() {
		return done(r.req.Account, fmt.Sprintf("%s does not have access to the shared mailbox; nothing was changed.",
			displayName(acct))), nil
	}
	if d, err := r.lastOwner(acct, "removed their access"); err != nil || d != nil {
		return deref(d), err
	}
	return done(r.req.Account, fmt.Sprintf("%s no longer has access to the shared mailbox of %s. Their own "+
		"NHSmail account is unchanged.", displayName(acct), siteName(r.site)),
		domain.SetRole{Address: acct.Address, Role: domain.RoleNone}), nil
}
