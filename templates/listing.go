package templates

import (
	"fmt"
	"time"

	"nasbot/domain"
)

// QuietSignInDays is how long without a sign-in makes an account worth a second look in an
// access review (the lifecycle makes it inactive then).
const QuietSignInDays = domain.InactiveAfterDays

// NewListing puts a site's accounts in the words of an access review, for a list_accounts reply
// and the quarterly review alike: roles and statuses spelled out, dates as people write them,
// mobiles masked (07*** ***123), and a note on what an owner should look at (no sign-in for 30
// days, an owner whose own account is inactive).
func NewListing(l *domain.Listing, now time.Time) *Listing {
	if l == nil {
		return nil
	}
	out := &Listing{InUse: l.InUse(), Limit: l.Limit}
	for _, a := range l.Accounts {
		out.Accounts = append(out.Accounts, ListedAccount{Name: a.Name, Address: a.Address,
			Access: access(a), Status: status(a), LastSignIn: lastSignIn(a), Mobile: domain.MaskMobile(a.Mobile),
			OldAddresses: l.Aliases[a.Address], Note: note(a, now)})
	}
	return out
}

func access(a domain.Account) string {
	if !a.Linked() {
		return "not linked to the shared mailbox"
	}
	return string(a.Role)
}

func status(a domain.Account) string {
	switch {
	case a.Status == domain.StatusLeaver && a.DeleteAfter != nil:
		return "leaver: the account will be deleted after " + longDate(*a.DeleteAfter)
	case a.Status == domain.StatusInactive && a.DeleteAfter != nil:
		return "inactive: the account will be deleted after " + longDate(*a.DeleteAfter) + " unless someone signs in"
	}
	return a.Status
}

func lastSignIn(a domain.Account) string {
	if a.LastLogin == nil {
		return "never, or not known"
	}
	return longDate(*a.LastLogin)
}

// note is what an owner should look at in the account, or "".
func note(a domain.Account, now time.Time) string {
	switch {
	case a.Status == domain.StatusLeaver:
		return ""
	case a.Role == domain.RoleOwner && a.Status == domain.StatusInactive:
		return "an owner whose own account is inactive: does the mailbox have an owner who uses it?"
	case a.LastLogin == nil || now.Sub(*a.LastLogin) >= QuietSignInDays*24*time.Hour:
		return fmt.Sprintf("no sign-in for %d days or more: does this person still need access?", QuietSignInDays)
	}
	return ""
}

func longDate(t time.Time) string { return t.UTC().Format("2 January 2006") }
