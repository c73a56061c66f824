package handlers

import (
	"fmt"
	"strings"

	"nasbot/domain"
)

// joiner brings a leaver's account to the requesting site: active again, its deletion cancelled,
// linked as the request says (mandatory for pharmacy, DAC and optometry). Only a leaver can join;
// the account may come from any site, so not_in_organisation does not apply. A joiner takes one
// of the site's ten places like a new account.
func joiner(r *request) (domain.Decision, error) {
	acct, refusal, err := r.account()
	if err != nil || refusal != nil {
		return deref(refusal), err
	}
	if acct.Status != domain.StatusLeaver {
		where := "another site"
		if strings.EqualFold(acct.ODS, r.site.ODS) {
			where = siteName(r.site)
		} else if org, ok, err := r.dir.Organisation(strings.ToUpper(acct.ODS)); err != nil {
			return domain.Decision{}, fmt.Errorf("handlers: organisation %s: %w", acct.ODS, err)
		} else if ok {
			where = siteName(org)
		}
		return rejected(r.req.Account, domain.StillActive, fmt.Sprintf(
			"%s is still an account of %s, so it cannot join your site yet. Their current site's shared "+
				"mailbox (or the account holder) must first ask for it to be marked as a leaver; then send "+
				"the Joiner request again.", displayName(acct), where)), nil
	}
	role, d := linkRole(r.req, r.site)
	if d != nil {
		d.Account = r.req.Account
		return *d, nil
	}
	full, err := r.siteFull(r.site.ODS)
	if err != nil {
		return domain.Decision{}, err
	}
	if full {
		return review(r.req.Account, domain.SiteAccountLimit, siteFullSummary(displayName(acct), r.site)), nil
	}
	return done(r.req.Account, fmt.Sprintf("%s has joined %s and is %s. The account will no longer be deleted.",
		displayName(acct), siteName(r.site), linkWords(role)),
		domain.MarkJoiner{Address: acct.Address, ODS: r.site.ODS, Role: role}), nil
}
