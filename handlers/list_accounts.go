package handlers

import (
	"fmt"

	"nasbot/domain"
)

// listAccounts answers an access review: the site's accounts, their roles, status and last
// sign-in, and the old addresses that forward to them (docs/spec/requests.md, list_accounts). It
// changes nothing, and only a site's shared mailbox may ask: a personal account is refused
// not_shared_mailbox, like any request that is not about itself.
func listAccounts(r *request) (domain.Decision, error) {
	accts, err := r.dir.SiteAccounts(r.site.ODS)
	if err != nil {
		return domain.Decision{}, fmt.Errorf("handlers: accounts of %s: %w", r.site.ODS, err)
	}
	l := &domain.Listing{Site: r.site, Accounts: accts, Aliases: map[string][]string{}, Limit: SiteAccountLimit}
	for _, a := range accts {
		old, err := r.dir.Aliases(a.Address)
		if err != nil {
			return domain.Decision{}, fmt.Errorf("handlers: aliases of %s: %w", a.Address, err)
		}
		if len(old) > 0 {
			l.Aliases[a.Address] = old
		}
	}
	d := done("", fmt.Sprintf("%s has %d of its %d accounts in use (leavers do not count). The list is below.",
		siteName(r.site), l.InUse(), SiteAccountLimit))
	d.Listing = l
	return d, nil
}
