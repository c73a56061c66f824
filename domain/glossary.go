package domain

import "strconv"

// The words people read for request types and outcomes: in replies, on the desk and in the
// owners' guide. One place, so that "Add user" is never "New user" on another page and "Done" is
// never "done" or "Completed". Reason codes are for machines and never shown to owners.

// RequestNames are the request types as the guide names them (its first accepted word).
var RequestNames = map[RequestType]string{
	AddUser:           "Add user",
	AddToMailbox:      "Add to shared mailbox",
	RemoveFromMailbox: "Remove from shared mailbox",
	ChangeRole:        "Change role",
	Leaver:            "Leaver",
	Joiner:            "Joiner",
	ChangeName:        "Name change",
	CloseMailbox:      "Close shared mailbox",
	RegisterMailbox:   "Register shared mailbox",
	PasswordReset:     "Password reset",
	ODSChange:         "ODS change",
	ListAccounts:      "List accounts",
	Unknown:           "Unknown request",
}

// RequestName is the name of a request type; the type itself when it has none.
func RequestName(t RequestType) string {
	if n, ok := RequestNames[t]; ok {
		return n
	}
	return string(t)
}

// OutcomeWords are the outcomes as owners and staff read them.
var OutcomeWords = map[Outcome]string{
	Done:     "Done",
	Rejected: "Not done",
	Review:   "Passed to the NAS team",
}

// OutcomeWord is the word for an outcome; the outcome itself when it has none.
func OutcomeWord(o Outcome) string {
	if w, ok := OutcomeWords[o]; ok {
		return w
	}
	return string(o)
}

// ReasonWords say, for each reason code, what an owner can do about it, in one short sentence.
// Replies show it under a request that was not done or went to the NAS team; the desk and the
// guide use the same sentence. The code itself never reaches an owner.
var ReasonWords = map[Reason]string{
	MissingField:    "Add the missing line and send the request again.",
	InvalidField:    "Correct the line we named and send the request again.",
	UnknownRequest:  "Use one of the request names in our guide and send it again.",
	TooLarge:        "Send the email again with fewer or smaller attachments.",
	TooManyRequests: "Send the requests again in several smaller emails.",

	AuthFailed:    "We could not confirm that this email came from your shared mailbox, so the NAS team will check it.",
	AutoSubmitted: "We do not answer automatic replies.",
	Duplicate:     "We have had this email before, so we did not act on it again.",
	StaleMessage:  "This email was written some time ago, so the NAS team will check it still stands and reply to you.",

	NameTooLong: "Use at most " + strconv.Itoa(MaxOrganisationName) + " letters for the name and " +
		strconv.Itoa(MaxTown) + " for the town, and send it again.",
	SiteAccountLimit:    "Your site has " + strconv.Itoa(MaxSiteAccounts) + " accounts already, so the NAS team will decide and reply to you.",
	MobileInvalid:       "Give the person's own UK mobile number, starting 07, and send it again.",
	MobileInUse:         "If this person has an NHSmail account already, send a Joiner request for it.",
	UnknownAccount:      "Check the NHSmail address and send the request again.",
	NotInOrganisation:   "Ask only about accounts at your own site. For someone new to you, send a Joiner request.",
	LinkRequired:        "Send the request again with the line \"Linked to shared mailbox: Yes\".",
	LastOwner:           "Make someone else an owner first, in the same email, above this request.",
	StillActive:         "Ask their last site to mark them as a leaver, then send the Joiner request again.",
	SectorNotApplicable: "Call the national helpdesk on 0333 200 1133 to talk about your mailbox.",
	ODSUnknown:          "The NAS team will check the new ODS code and reply to you.",
	ODSChangeRedirect:   "Email the ODS team at exeter.helpdesk@nhs.net to change these details.",
	MobileMismatch:      "The NAS team will check the mobile number and reply to you.",
	NotSharedMailbox:    "Send the request again from your site's shared mailbox.",
	ODSMismatch:         "Send requests for another site from that site's own shared mailbox.",
	NotOwner:            "Ask an owner to send it, with their own name in the Requested by line.",
	MailboxExists:       "This code has a shared mailbox already. Ask its owners to give you access.",

	MailboxClosed:     "Send requests from your new shared mailbox, or call the national helpdesk on 0333 200 1133.",
	AddressReserved:   "The NAS team will agree another address with you and reply.",
	AddressInUse:      "The NAS team will check the address and reply to you.",
	NewMailboxReview:  "The NAS team checks every new shared mailbox and will write to you once it is made.",
	ReasonUnparseable: "Write each request in the form our guide shows and send it again.",
	ReplyHeld:         "The NAS team will read your email and reply to you.",
	MailboxDormant:    "The NAS team will contact you about your shared mailbox.",
	TextFailed:        "Check the mobile number we hold for the account, then ask for a password reset again.",
}

// ReasonWord is what an owner can do about a reason; "" for a code with no words, which is then
// left out of the reply rather than shown.
func ReasonWord(r Reason) string { return ReasonWords[r] }
