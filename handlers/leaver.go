package handlers

import (
	"fmt"

	"nasbot/domain"
)

// leaver marks an account of the site as a leaver: unlinked from the shared mailbox and deleted
// 30 days later unless a joiner request arrives first. The site's shared mailbox or the account
// holder (from their own account) may ask. The last active owner cannot leave; an account already
// marked as a leaver belongs to no site, so a second leaver request is not_in_organisation.
func leaver(r *request) (domain.Decision, error) {
	acct, refusal, err := r.siteAccount()
	if err != nil || refusal != nil {
		return deref(refusal), err
	}
	if d, err := r.lastOwner(acct, "marked them as a leaver"); err != nil || d != nil {
		return deref(d), err
	}
	deleteAfter := r.ctx.Now.AddDate(0, 0, leaverGraceDays)
	profession := r.req.LeavingProfession != nil && *r.req.LeavingProfession
	next := "If they join another NAS-managed site, that site's shared mailbox should ask for the account " +
		"to be marked as a joiner before then, and it will be kept."
	if profession {
		next = "Please make sure anything the team needs from the account is saved before then."
	}
	return done(r.req.Account, fmt.Sprintf("%s is marked as a leaver and no longer has access to the "+
		"shared mailbox of %s. The account will be deleted after %s. %s",
		displayName(acct), siteName(r.site), dateWords(deleteAfter), next),
		domain.MarkLeaver{Address: acct.Address, DeleteAfter: deleteAfter, LeavingProfession: profession}), nil
}
