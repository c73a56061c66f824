package domain

// Reason is a stable reason code (docs/spec/rules.md, docs/spec/verification.md). Never rename one.
type Reason string

// Reason codes, each with what it means. Add new ones at the end of their group; never rename one.
const (
	// Parsing.
	MissingField    Reason = "missing_field"     // a field the request needs is not there (the Decision or Problem names it)
	InvalidField    Reason = "invalid_field"     // a field's value cannot be read or used (the Decision or Problem names it)
	UnknownRequest  Reason = "unknown_request"   // the Request: word is not one the bot knows
	TooLarge        Reason = "too_large"         // the mail is larger than the bot accepts: nothing in it is read
	TooManyRequests Reason = "too_many_requests" // more requests in one mail than the limit (50): none is done

	// Verification and mail handling.
	AuthFailed    Reason = "auth_failed"    // the sender is not proven: nothing changes, staff look
	AutoSubmitted Reason = "auto_submitted" // an auto-reply, bounce or list mail: never answered
	Duplicate     Reason = "duplicate"      // a Message-ID, signature or raw mail seen before
	StaleMessage  Reason = "stale_message"  // proven mail dated over 14 days before arrival, a day after, or not at all: staff decide

	// NAS rules.
	NameTooLong         Reason = "name_too_long"         // a shared mailbox's name (20) or town (10) is too long
	SiteAccountLimit    Reason = "site_account_limit"    // one more account would take the site past 10: staff decide
	MobileInvalid       Reason = "mobile_invalid"        // not a UK mobile number
	MobileInUse         Reason = "mobile_in_use"         // another account, of any status, holds the mobile number
	UnknownAccount      Reason = "unknown_account"       // the directory knows no such account
	NotInOrganisation   Reason = "not_in_organisation"   // the account is another site's, or a leaver's (leavers belong to no site)
	LinkRequired        Reason = "link_required"         // pharmacy, DAC and optometry accounts must be linked to the shared mailbox
	LastOwner           Reason = "last_owner"            // the request would leave the shared mailbox with no active owner
	StillActive         Reason = "still_active"          // only a leaver can join a site
	SectorNotApplicable Reason = "sector_not_applicable" // closing a shared mailbox is for community pharmacy only
	ODSUnknown          Reason = "ods_unknown"           // register_mailbox names a code the directory lacks: staff decide
	ODSChangeRedirect   Reason = "ods_change_redirect"   // ODS details are the ODS team's (exeter.helpdesk@nhs.net)
	MobileMismatch      Reason = "mobile_mismatch"       // the confirmed mobile is not the number on record: staff decide
	NotSharedMailbox    Reason = "not_shared_mailbox"    // the request must come from a site's shared mailbox
	ODSMismatch         Reason = "ods_mismatch"          // the block's ODS code is not the sending site's
	NotOwner            Reason = "not_owner"             // Requested by names no active owner of the site (or is missing)
	MailboxExists       Reason = "mailbox_exists"        // register_mailbox for a code whose shared mailbox is active

	// Safety rules added after review (docs/spec/rules.md).
	MailboxClosed    Reason = "mailbox_closed"     // the sending shared mailbox is closed: it is no longer a sender
	AddressReserved  Reason = "address_reserved"   // a person's new address would have a shared mailbox's form: staff decide
	AddressInUse     Reason = "address_in_use"     // register_mailbox for an address an account or alias holds: staff decide
	NewMailboxReview Reason = "new_mailbox_review" // every new shared mailbox is checked by a person before it is made

	// The staff queue's own: what puts a case before staff when no rule refused a request.
	ReasonUnparseable Reason = "unparseable"     // nothing in the mail could be read as a request
	ReplyHeld         Reason = "reply_held"      // a reply a guard held (backlog, cap, circuit breaker): staff send or drop it
	MailboxDormant    Reason = "mailbox_dormant" // a shared mailbox has sent nothing for over six months: staff decide
	TextFailed        Reason = "text_failed"     // a temporary password's text message could not be sent
)

// Outcome is what became of one request.
type Outcome string

// Outcomes of docs/spec/dryrun.md.
const (
	Done     Outcome = "done"     // applied
	Rejected Outcome = "rejected" // the sender must fix it
	Review   Outcome = "review"   // NAS staff decide
)

// Verdict is what became of a whole message.
type Verdict string

// Verdicts of docs/spec/dryrun.md.
const (
	Processed   Verdict = "processed"
	Unverified  Verdict = "unverified"
	Unparseable Verdict = "unparseable"
	Ignored     Verdict = "ignored"
)
