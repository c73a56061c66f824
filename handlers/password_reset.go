package handlers

import (
	"fmt"

	"nasbot/domain"
)

// passwordReset sends an account of the site a temporary password (which also unlocks it), by
// text message to the number on record, when the owner's confirmed number matches that record.
// A different number goes to NAS staff: the password never goes to a number taken from an email.
// NAS staff who have checked the person may approve past the mismatch: the password still goes
// only to the number on record. The password itself is made by the text-message sender and never
// appears in a Decision.
func passwordReset(r *request) (domain.Decision, error) {
	acct, refusal, err := r.siteAccount()
	if err != nil || refusal != nil {
		return deref(refusal), err
	}
	confirmed, _ := domain.NormaliseMobile(r.req.Mobile)
	onRecord, _ := domain.NormaliseMobile(acct.Mobile)
	if (confirmed == "" || confirmed != onRecord) && !r.ctx.approved(domain.MobileMismatch) {
		return review(r.req.Account, domain.MobileMismatch, fmt.Sprintf(
			"The mobile number you confirmed (%s) is not the number we hold for %s, so no password was sent. "+
				"The NAS team will check and contact you.", domain.MaskMobile(r.req.Mobile), displayName(acct))), nil
	}
	return done(r.req.Account, fmt.Sprintf("A temporary password for %s has been sent by text message to their "+
		"mobile (%s). The account is unlocked, and they will be asked to choose a new password when they log in.",
		displayName(acct), domain.MaskMobile(acct.Mobile)),
		domain.SendTemporaryPassword{Address: acct.Address}), nil
}
