package web

import (
	"slices"

	"nasbot/domain"
)

// Queue reasons of the pipeline's own (pipeline.ReasonUnparseable, pipeline.ReasonReplyHeld).
const (
	reasonUnparseable = "unparseable"
	reasonReplyHeld   = "reply_held"
)

// approvable are the rules staff may approve past; it mirrors pipeline.Overridable (a test
// keeps them equal). Unproven mail (auth_failed) is never among them: it must be sent again.
var approvable = []domain.Reason{domain.SiteAccountLimit, domain.MobileMismatch, domain.ODSUnknown}

func canApprove(reason string) bool { return slices.Contains(approvable, domain.Reason(reason)) }

// reasonTexts say, for staff, what stopped a case and what they can do about it.
var reasonTexts = map[string]string{
	string(domain.SiteAccountLimit): "The request would take the site past its limit of 10 accounts (active and inactive " +
		"accounts count, leavers do not). The guide says increases are assessed case by case: approve to create " +
		"the account anyway, or refuse.",
	string(domain.MobileMismatch): "The mobile number the owner confirmed is not the number on record for the account. " +
		"Check with the owner: approve to send the temporary password to the number on record, correct the number " +
		"and re-run, or refuse.",
	string(domain.ODSUnknown): "The ODS code is not in the directory yet (a new code can take a month to arrive). " +
		"Check the code, then approve to register the mailbox, or refuse.",
	string(domain.AuthFailed): "The sender could not be proven, so nothing was changed. This cannot be approved: " +
		"the site must send the request again from its shared mailbox. Refuse (close) the case once handled.",
	reasonUnparseable: "Nothing in the mail could be read as a request; the sender was sent the request format. " +
		"Re-parse it if the parser has since learned to read it, or close the case.",
	reasonReplyHeld: "A reply was held back instead of going out: the mail was old when it was read, or was already " +
		"in the inbox when the bot first read it (backlog guard), or too many replies went out at once. An admin " +
		"sends or drops it under Replies below, which closes the case.",
	string(domain.TooLarge):        "The mail was larger than we accept; the sender was told. Close the case once handled.",
	string(domain.TooManyRequests): "The mail held more requests than we accept in one email; the sender was told.",
}

func reasonText(reason string) string {
	if t, ok := reasonTexts[reason]; ok {
		return t
	}
	return "The rules sent this request to NAS staff."
}
