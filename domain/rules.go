package domain

// The numbers of the NAS rules (docs/spec/rules.md), each in one place: a change of rule is a
// change here and in its test.
const (
	// MaxSiteAccounts is how many NHSmail accounts a site may hold; active and inactive accounts
	// count, leavers do not. One more goes to staff (site_account_limit).
	MaxSiteAccounts = 10
	// MaxOrganisationName and MaxTown bound a shared mailbox's display name, "<name>, <town>"
	// (name_too_long).
	MaxOrganisationName = 20
	MaxTown             = 10
	// LeaverGraceDays: a leaver is deleted this many days after being marked, unless a joiner
	// request comes first.
	LeaverGraceDays = 30
	// InactiveAfterDays: an account not used for this many days becomes inactive;
	// InactiveGraceDays later it is deleted unless someone signs in.
	InactiveAfterDays = 30
	InactiveGraceDays = 30
	// DormantAfterMonths: a shared mailbox that has sent nothing for longer is reported to staff.
	DormantAfterMonths = 6
	// MaxRequestsPerMail: more requests in one email are all refused (too_many_requests).
	MaxRequestsPerMail = 50
	// StaleAfterDays and StaleAheadDays: proven mail dated further back than this before it
	// arrived, or further ahead after, goes to staff (stale_message).
	StaleAfterDays = 14
	StaleAheadDays = 1
)
