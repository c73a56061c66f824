package web

import (
	"slices"
	"strconv"

	"nasbot/domain"
	"nasbot/store"
)

// Queue reasons of the pipeline's own (pipeline.ReasonUnparseable, pipeline.ReasonReplyHeld),
// and of the cases no message caused: the lifecycle jobs' reports (lifecycle.MailboxDormant,
// lifecycle.LastOwner) and a text that could not be sent (store.TextFailedReason).
const (
	reasonUnparseable    = string(domain.ReasonUnparseable)
	reasonReplyHeld      = string(domain.ReplyHeld)
	reasonMailboxDormant = string(domain.MailboxDormant)
	reasonLastOwner      = string(domain.LastOwner)
	reasonTextFailed     = string(store.TextFailedReason)
)

// approvable are the rules staff may approve past; it mirrors pipeline.Overridable (a test
// keeps them equal). Unproven mail (auth_failed) is never among them: it must be sent again.
var approvable = []domain.Reason{domain.SiteAccountLimit, domain.MobileMismatch, domain.ODSUnknown, domain.NewMailboxReview,
	domain.StaleMessage}

func canApprove(reason string) bool { return slices.Contains(approvable, domain.Reason(reason)) }

// reasonTexts say, for staff, what stopped a case and what they can do about it.
var reasonTexts = map[string]string{
	string(domain.SiteAccountLimit): "The request would take the site past its limit of " + strconv.Itoa(domain.MaxSiteAccounts) + " accounts (active and inactive " +
		"accounts count, leavers do not). The guide says increases are assessed case by case: approve to create " +
		"the account anyway, or refuse.",
	string(domain.MobileMismatch): "The mobile number the owner confirmed is not the number on record for the account. " +
		"Check with the owner: approve to send the temporary password to the number on record, correct the number " +
		"and re-run, or refuse.",
	string(domain.ODSUnknown): "The ODS code is not in the directory yet (a new code can take a month to arrive). " +
		"Check the code, then approve to register the mailbox, or refuse.",
	string(domain.NewMailboxReview): "Every new shared mailbox is checked by a person: a site could otherwise register " +
		"another contractor's known ODS code and make itself its owner. Compare the requesting site, the code's " +
		"directory row and the first owner below (is the requester the code's new contractor?), then approve to " +
		"register the mailbox and create its first owner, or refuse.",
	string(domain.AddressReserved): "The person's name would give an address of the shared-mailbox form " +
		"(pharmacy., dac., optometry., dental. or care. and an ODS-shaped code), which is never given to a person. " +
		"This cannot be approved: agree another form of the name with the site and re-run with it, or refuse.",
	string(domain.AddressInUse): "The address the new shared mailbox would have is already held by an account or an " +
		"alias. This cannot be approved: find out who holds it and sort that out in the directory, then re-run, " +
		"or refuse.",
	string(domain.MailboxClosed): "The site's shared mailbox is closed, so mail from it is no longer acted on; the " +
		"sender was told to contact the NAS. Nothing needs approving.",
	string(domain.StaleMessage): "The sender is proven, but the mail is dated more than " + strconv.Itoa(domain.StaleAfterDays) + " days before it arrived, " +
		"more than a day after, or not at all. It may be an old message sent again (a replay) or a request since " +
		"overtaken. Check with the site that it still stands: approve to carry it out now, or refuse.",
	string(domain.AuthFailed): "The sender could not be proven, so nothing was changed. This cannot be approved: " +
		"the site must send the request again from its shared mailbox. Refuse (close) the case once handled.",
	reasonUnparseable: "Nothing in the mail could be read as a request; the sender was sent the request format. " +
		"Re-parse it if the parser has since learned to read it, or close the case.",
	reasonReplyHeld: "A reply was held back instead of going out: the mail was old when it was read, or was already " +
		"in the inbox when the bot first read it (backlog guard), or too many replies went out at once. An admin " +
		"sends or drops it under Replies below, which closes the case.",
	string(domain.TooLarge): "The mail was larger than we accept; the sender was told. Close the case once handled.",
	string(domain.TooManyRequests): "The mail held more requests than we accept in one email (50); none was done " +
		"and the sender was asked to send them in several emails.",
	reasonMailboxDormant: "The site's shared mailbox has sent no email for over " + strconv.Itoa(domain.DormantAfterMonths) + " months, so the guide makes it " +
		"eligible for deletion. Nothing was deleted, and nothing will be automatically. Contact the site: if the " +
		"mailbox is still needed, keep it; if not, arrange its closure. Then close the case, saying what was decided.",
	reasonLastOwner: "The lifecycle jobs deleted an account (a leaver's, or one unused for too long) that was the " +
		"last active owner of the site's shared mailbox. Nobody can now ask for changes for the site. Contact the " +
		"site to find who should own the mailbox, have them ask to be made owner, then close the case.",
	reasonTextFailed: "The text message with a new temporary password could not be sent, even after retries (the " +
		"detail says why), so the user still has no password they can use. Check the account's mobile number. Once " +
		"it is right, the site can send a password reset request again (a new text with a new password is sent), " +
		"or reset the password another way. Then close the case.",
}

// caseSources say where a case no message caused came from, in place of a sender and subject.
var caseSources = map[string]string{
	reasonMailboxDormant: "Lifecycle: dormant mailbox",
	reasonLastOwner:      "Lifecycle: mailbox left without an owner",
	reasonTextFailed:     "Text message: temporary password not sent",
}

func caseSource(reason string) string {
	if s, ok := caseSources[reason]; ok {
		return s
	}
	return "Found by nasbot, not from a message"
}

func reasonText(reason string) string {
	if t, ok := reasonTexts[reason]; ok {
		return t
	}
	return "The rules sent this request to NAS staff."
}
