// Package handlers applies the NAS rules (docs/spec/rules.md) to one parsed request. Handlers are pure:
// they read the directory through the small Directory interface, take the time from Context, and
// return a domain.Decision whose Effects the store applies. They never send mail or write.
package handlers

import (
	"slices"
	"time"

	"nasbot/domain"
)

// Directory is the read-only view of the NAS directory that the rules need. The pipeline passes
// a view inside the message's transaction, so each request sees the effects of the ones before.
type Directory interface {
	// Organisation returns the site with the ODS code (upper case); ok is false when unknown.
	Organisation(ods string) (org domain.Organisation, ok bool, err error)
	// Account returns the account at the address or at one of its aliases (lower case).
	Account(address string) (acct domain.Account, ok bool, err error)
	// AccountByMobile returns the account holding the mobile number (11 digits), whatever its status.
	AccountByMobile(mobile string) (acct domain.Account, ok bool, err error)
	// AddressTaken reports whether the address is an account's address or an alias.
	AddressTaken(address string) (bool, error)
	// SiteAccounts returns every account of the site, leavers included.
	SiteAccounts(ods string) ([]domain.Account, error)
	// Aliases returns the old addresses that forward to the account at address.
	Aliases(address string) ([]string, error)
}

// Context is what the rules know about the message a request came in.
type Context struct {
	Now time.Time
	// Site is the sending shared mailbox's organisation; nil when the sender is not a shared mailbox.
	Site *domain.Organisation
	// SenderAccount is the sending personal account when the mail came from one; nil otherwise.
	SenderAccount *domain.Account
	// Domain is the NHSmail domain new addresses are made in ("nhs.net").
	Domain string
	// Approved lists the rules NAS staff approved this request past (a staff decision on a
	// review). Only rules whose outcome is review can be approved past; never verification.
	Approved []domain.Reason
	// Desk is set when NAS staff decide a request again on the desk (an approval or a corrected
	// request). The mail was checked for its sender when it came; a site that has closed since
	// (a change of owner registers the new code, then closes the old mailbox) does not stop it.
	Desk bool
}

// approved reports whether staff approved the request past rule r.
func (c Context) approved(r domain.Reason) bool { return slices.Contains(c.Approved, r) }
