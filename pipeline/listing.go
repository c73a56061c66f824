package pipeline

import (
	"time"

	"nasbot/domain"
	"nasbot/templates"
)

// listing puts a site's accounts in the words of an access review (list_accounts): roles and
// statuses spelled out, dates as people write them, mobiles masked (07*** ***123).
func listing(l *domain.Listing) *templates.Listing {
	if l == nil {
		return nil
	}
	out := &templates.Listing{}
	for _, a := range l.Accounts {
		out.Accounts = append(out.Accounts, templates.ListedAccount{Name: a.Name, Address: a.Address,
			Access: access(a), Status: status(a), LastSignIn: lastSignIn(a), Mobile: domain.MaskMobile(a.Mobile),
			OldAddresses: l.Aliases[a.Address]})
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
	case a.Status == domain.StatusLeaver:
		return "leaver"
	case a.Status == domain.StatusInactive && a.DeleteAfter != nil:
		return "inactive (not used for 30 days): the account will be deleted after " + longDate(*a.DeleteAfter) + " unless someone signs in"
	}
	return a.Status
}

func lastSignIn(a domain.Account) string {
	if a.LastLogin == nil {
		return "never, or not known"
	}
	return longDate(*a.LastLogin)
}

func longDate(t time.Time) string { return t.UTC().Format("2 January 2006") }
