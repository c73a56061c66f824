package domain

// Reason is a stable reason code (spec/rules.md, spec/verification.md). Never rename one.
type Reason string

// Reason codes. Add new ones at the end of their group; never rename one.
const (
	// Parsing.
	MissingField    Reason = "missing_field"
	InvalidField    Reason = "invalid_field"
	UnknownRequest  Reason = "unknown_request"
	TooLarge        Reason = "too_large"
	TooManyRequests Reason = "too_many_requests"

	// Verification and mail handling.
	AuthFailed    Reason = "auth_failed"
	AutoSubmitted Reason = "auto_submitted"
	Duplicate     Reason = "duplicate"
	// StaleMessage: proven mail whose Date is missing, more than 14 days before it arrived or
	// more than a day after: a replay, or a request long overtaken, so staff decide.
	StaleMessage Reason = "stale_message"

	// NAS rules.
	NameTooLong         Reason = "name_too_long"
	SiteAccountLimit    Reason = "site_account_limit"
	MobileInvalid       Reason = "mobile_invalid"
	MobileInUse         Reason = "mobile_in_use"
	UnknownAccount      Reason = "unknown_account"
	NotInOrganisation   Reason = "not_in_organisation"
	LinkRequired        Reason = "link_required"
	LastOwner           Reason = "last_owner"
	StillActive         Reason = "still_active"
	SectorNotApplicable Reason = "sector_not_applicable"
	ODSUnknown          Reason = "ods_unknown"
	ODSChangeRedirect   Reason = "ods_change_redirect"
	MobileMismatch      Reason = "mobile_mismatch"
	NotSharedMailbox    Reason = "not_shared_mailbox"
	ODSMismatch         Reason = "ods_mismatch"
	NotOwner            Reason = "not_owner"
	MailboxExists       Reason = "mailbox_exists"
)

// Outcome is what became of one request.
type Outcome string

// Outcomes of spec/dryrun.md.
const (
	Done     Outcome = "done"     // applied
	Rejected Outcome = "rejected" // the sender must fix it
	Review   Outcome = "review"   // NAS staff decide
)

// Verdict is what became of a whole message.
type Verdict string

// Verdicts of spec/dryrun.md.
const (
	Processed   Verdict = "processed"
	Unverified  Verdict = "unverified"
	Unparseable Verdict = "unparseable"
	Ignored     Verdict = "ignored"
)
