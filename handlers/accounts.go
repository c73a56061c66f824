package handlers

import (
	"fmt"
	"strings"
	"time"

	"nasbot/domain"
)

// SiteAccountLimit is how many accounts a site may hold (domain.MaxSiteAccounts).
const SiteAccountLimit = domain.MaxSiteAccounts

// leaverGraceDays is how long a leaver's account is kept before deletion (domain.LeaverGraceDays).
const leaverGraceDays = domain.LeaverGraceDays

// siteAccount looks up the account the request names and checks it belongs to the request's
// site: a leaver belongs to no site until a joiner request brings it back. A non-nil Decision is
// the refusal (unknown_account, not_in_organisation).
func (r *request) siteAccount() (domain.Account, *domain.Decision, error) {
	acct, d, err := r.account()
	if err != nil || d != nil {
		return acct, d, err
	}
	if acct.Status == domain.StatusLeaver {
		d := r.leftSite(acct)
		return acct, &d, nil
	}
	if !strings.EqualFold(acct.ODS, r.site.ODS) {
		d := rejected(r.req.Account, domain.NotInOrganisation, fmt.Sprintf(
			"%s does not belong to %s, so nothing was changed. Only the shared mailbox of the account's "+
				"own site can ask for changes to it.", r.req.Account, siteName(r.site)))
		return acct, &d, nil
	}
	return acct, nil, nil
}

// account looks up the account the request names (aliases resolve to the account).
func (r *request) account() (domain.Account, *domain.Decision, error) {
	if r.self != nil {
		return *r.self, nil, nil
	}
	address := strings.ToLower(strings.TrimSpace(r.req.Account))
	acct, ok, err := r.dir.Account(address)
	if err != nil {
		return acct, nil, fmt.Errorf("handlers: account %s: %w", address, err)
	}
	if !ok {
		d := rejected(address, domain.UnknownAccount, fmt.Sprintf(
			"There is no NHSmail account %s, so nothing was changed. Please check the address.", address))
		return acct, &d, nil
	}
	return acct, nil, nil
}

// leftSite refuses a request about a leaver: a leaver belongs to no site until a joiner request
// brings it back (docs/spec/rules.md "Safety rules added after review").
func (r *request) leftSite(acct domain.Account) domain.Decision {
	return rejected(r.req.Account, domain.NotInOrganisation, fmt.Sprintf(
		"%s has been marked as a leaver and no longer belongs to any site, so nothing was changed. "+
			"To bring the account back to your site, send a Joiner request.", acct.Address))
}

// lastOwner refuses a request that would leave the site's shared mailbox with no active owner:
// the account is an owner and no other active owner remains. It returns nil when another owner
// remains (an earlier request of the same email may have made one).
func (r *request) lastOwner(acct domain.Account, action string) (*domain.Decision, error) {
	if acct.Role != domain.RoleOwner {
		return nil, nil
	}
	accts, err := r.dir.SiteAccounts(strings.ToUpper(acct.ODS))
	if err != nil {
		return nil, fmt.Errorf("handlers: site accounts %s: %w", acct.ODS, err)
	}
	for _, a := range accts {
		if a.Role == domain.RoleOwner && a.Status == domain.StatusActive && !strings.EqualFold(a.Address, acct.Address) {
			return nil, nil
		}
	}
	d := rejected(r.req.Account, domain.LastOwner, fmt.Sprintf(
		"%s is the only owner of the shared mailbox, and a shared mailbox must always keep an owner, "+
			"so we have not %s. Please make someone else an owner first (you can put a Make owner "+
			"request above this one in the same email).", displayName(acct), action))
	return &d, nil
}

// siteFull reports whether the site already holds SiteAccountLimit accounts, so that one more
// would take it past the limit, unless NAS staff approved this request past the limit.
func (r *request) siteFull(ods string) (bool, error) {
	if r.ctx.approved(domain.SiteAccountLimit) {
		return false, nil
	}
	accts, err := r.dir.SiteAccounts(strings.ToUpper(ods))
	if err != nil {
		return false, fmt.Errorf("handlers: site accounts %s: %w", ods, err)
	}
	n := 0
	for _, a := range accts {
		if a.CountsTowardsLimit() {
			n++
		}
	}
	return n >= SiteAccountLimit, nil
}

func siteFullSummary(who string, site domain.Organisation) string {
	return fmt.Sprintf("%s already has %d NHSmail accounts, the most a site normally has. Requests for "+
		"more are agreed case by case, so the NAS team will look at adding %s and reply to you.",
		siteName(site), SiteAccountLimit, who)
}

// mobileInUse refuses a new account whose mobile number another account already holds,
// whatever that account's status (leavers too).
func mobileInUse(dir Directory, mobile string) (*domain.Decision, error) {
	other, ok, err := dir.AccountByMobile(mobile)
	if err != nil {
		return nil, fmt.Errorf("handlers: account by mobile: %w", err)
	}
	if !ok {
		return nil, nil
	}
	_ = other // never named: the number's holder is not the sender's business
	d := rejected("", domain.MobileInUse, fmt.Sprintf(
		"The mobile number %s already belongs to an NHSmail account, so no new account was made. "+
			"Each person has one NHSmail account: if this person already has one, ask for it to be "+
			"marked as a joiner at your site instead; otherwise please check the number.",
		domain.MaskMobile(mobile)))
	return &d, nil
}

// checkMobile returns the number as the directory stores it (11 digits), or refuses one that is
// not a UK mobile. The parser has normalised it already; this guards against a request built some
// other way (a staff edit, a test).
func checkMobile(mobile string) (string, *domain.Decision) {
	if m, ok := domain.NormaliseMobile(mobile); ok {
		return m, nil
	}
	d := rejected("", domain.MobileInvalid,
		"The mobile number is not a UK mobile number (07 followed by 9 digits), so nothing was changed. "+
			"The temporary password is sent to it by text message, so it must be the person's own mobile.")
	return "", &d
}

// linkRole works out how a new or joining account links to the site's mailbox: linked unless the
// request says no (refused where linking is mandatory), as a member unless it says owner.
func linkRole(req domain.Request, site domain.Organisation) (domain.Role, *domain.Decision) {
	if req.Linked == nil || *req.Linked {
		if req.Role == domain.RoleOwner {
			return domain.RoleOwner, nil
		}
		return domain.RoleMember, nil
	}
	if site.Sector.LinkMandatory() {
		d := rejected("", domain.LinkRequired, fmt.Sprintf(
			"Every NHSmail account at a %s must be linked to the shared mailbox, so nothing was changed. "+
				"Please send the request again with \"Linked to shared mailbox: Yes\".", sectorWords(site.Sector)))
		return domain.RoleNone, &d
	}
	if req.Role == domain.RoleOwner {
		d := invalid("", "linked",
			"An owner must be linked to the shared mailbox, but the request says \"Linked: No\" with the "+
				"Owner role. Please say Yes to linking, or leave out the role.")
		return domain.RoleNone, &d
	}
	return domain.RoleNone, nil
}

// sectorWords names a sector in plain words.
func sectorWords(s domain.Sector) string {
	switch s {
	case domain.Pharmacy:
		return "community pharmacy"
	case domain.DAC:
		return "dispensing appliance contractor"
	case domain.Optometry:
		return "optometry practice"
	case domain.Dental:
		return "dental practice"
	case domain.Care:
		return "social care provider"
	}
	return "site"
}

// linkWords says how an account is linked, for summaries.
func linkWords(role domain.Role) string {
	switch role {
	case domain.RoleOwner:
		return "linked to the shared mailbox as an owner"
	case domain.RoleMember:
		return "linked to the shared mailbox as a member"
	}
	return "not linked to the shared mailbox"
}

func roleWord(role domain.Role) string {
	if role == domain.RoleOwner {
		return "an owner"
	}
	return "a member"
}

// mailDomain is the domain new addresses are made in.
func (r *request) mailDomain() string {
	if d := strings.TrimSpace(r.ctx.Domain); d != "" {
		return strings.ToLower(d)
	}
	return "nhs.net"
}

// displayName is how a summary names an account's holder.
func displayName(acct domain.Account) string {
	if acct.Name == "" {
		return acct.Address
	}
	return acct.Name + " (" + acct.Address + ")"
}

// dateWords writes a date the way the reply does, "1 April 2026".
func dateWords(t time.Time) string { return t.UTC().Format("2 January 2006") }
