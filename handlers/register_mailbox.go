package handlers

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"nasbot/domain"
)

// Shared mailbox display-name limits of the guide: "Location (10-character limit), Organisation
// name (20-character limit)".
const (
	maxOrganisationName = domain.MaxOrganisationName
	maxTown             = domain.MaxTown
)

// registerMailbox asks for a new ODS code's shared mailbox (normally a community pharmacy's new
// contractor), <sector>.<ods>@<domain>, with its first owner made as add_user makes an account. It
// comes from an existing site's shared mailbox, whose owner asks; the block's ODS code is the new
// one. It never completes on its own (docs/spec/rules.md "Safety rules added after review"): otherwise a
// site could register another contractor's known code and make itself its owner.
//
// Checks run from what the sender must fix (rejected: missing fields, the display name's length,
// the sector, a code whose mailbox is active, the first owner as add_user) to what staff decide
// (review: an address already held, an unknown code, the account limit, and finally every new
// mailbox). A staff approval of any of the last three is the person's check: the mailbox is then
// registered (a closed one opened again for the code).
func registerMailbox(r *request) (domain.Decision, error) {
	req := r.req
	name, town := strings.TrimSpace(req.OrganisationName), strings.TrimSpace(req.Town)
	ods := strings.ToUpper(strings.TrimSpace(req.ODS))
	if d := displayNameProblem(req, ods, name, town); d != nil {
		return *d, nil
	}
	org, known, err := r.dir.Organisation(ods)
	if err != nil {
		return domain.Decision{}, fmt.Errorf("handlers: organisation %s: %w", ods, err)
	}
	sector := req.Sector
	if known && sector == "" {
		sector = org.Sector
	}
	if d := codeProblem(ods, sector, org, known); d != nil {
		return *d, nil
	}

	// The first owner: a new account at the new site, always linked as an owner.
	owner := *r
	owner.req.Role = domain.RoleOwner
	yes := true
	owner.req.Linked = &yes
	owner.site = domain.Organisation{ODS: ods, Sector: sector, Name: name, Town: town}
	nu, refusal, err := owner.newUser()
	if err != nil || refusal != nil {
		if refusal != nil {
			refusal.Account = "" // the owner's address is not what register_mailbox reports
		}
		return deref(refusal), err
	}

	mailbox := string(sector) + "." + strings.ToLower(ods) + "@" + r.mailDomain()
	if d, err := r.mailboxInUse(mailbox, org, known); err != nil || d != nil {
		return deref(d), err
	}
	if d, err := r.registerReview(mailbox, ods, org, known); err != nil || d != nil {
		return deref(d), err
	}
	return done("", fmt.Sprintf("The shared mailbox %s (%s, %s) is registered for ODS code %s. Its first owner "+
		"is %s, with the new NHSmail account %s; the temporary password has been sent by text message to "+
		"their mobile (%s).", mailbox, name, town, ods, req.Name, nu.address, domain.MaskMobile(nu.mobile)),
		domain.RegisterSharedMailbox{ODS: ods, Sector: sector, Name: name, Town: town, Mailbox: mailbox},
		domain.CreateAccount{Address: nu.address, Name: req.Name, Mobile: nu.mobile, ODS: ods, Role: domain.RoleOwner},
		domain.SendTemporaryPassword{Address: nu.address},
	), nil
}

// displayNameProblem refuses what the sender must fix before anything is looked up: a missing
// or malformed ODS code, a missing name or town, and a display name past the guide's lengths.
func displayNameProblem(req domain.Request, ods, name, town string) *domain.Decision {
	var d domain.Decision
	switch {
	case ods == "":
		d = missing("", "ods_code", "The request gives no ODS code for the new shared mailbox, so nothing was changed.")
	case !validODS(ods):
		d = invalid("", "ods_code", fmt.Sprintf("%q is not an ODS code (letters, digits and dashes, 3 to 12 "+
			"characters), so nothing was changed.", req.ODS))
	case name == "":
		d = missing("", "organisation_name", "The request needs the Organisation name for the shared mailbox's "+
			"display name, so nothing was changed.")
	case town == "":
		d = missing("", "town", "The request needs the Town for the shared mailbox's display name, so nothing "+
			"was changed.")
	case utf8.RuneCountInString(name) > maxOrganisationName:
		d = rejected("", domain.NameTooLong, fmt.Sprintf("The organisation name %q has %d characters; a shared "+
			"mailbox's name can have at most %d. Please send the request again with a shorter name (as you "+
			"would like it to appear in the NHS Directory).", name, utf8.RuneCountInString(name), maxOrganisationName))
	case utf8.RuneCountInString(town) > maxTown:
		d = rejected("", domain.NameTooLong, fmt.Sprintf("The town %q has %d characters; a shared mailbox's "+
			"town can have at most %d. Please send the request again with a shorter form of the town.",
			town, utf8.RuneCountInString(town), maxTown))
	default:
		return nil
	}
	return &d
}

// codeProblem refuses a sector that is missing or not the code's, and a code whose shared
// mailbox is active (a site has one).
func codeProblem(ods string, sector domain.Sector, org domain.Organisation, known bool) *domain.Decision {
	var d domain.Decision
	switch {
	case sector == "":
		d = missing("", "sector", "The request gives no Sector for the new shared mailbox, so nothing was changed.")
	case known && sector != org.Sector:
		d = invalid("", "sector", fmt.Sprintf("The request says the sector is %s, but the directory lists %s as "+
			"a %s, so nothing was changed. Please check the ODS code and sector.",
			sectorWords(sector), ods, sectorWords(org.Sector)))
	case known && org.Mailbox != "" && org.Status != domain.StatusClosed:
		d = rejected("", domain.MailboxExists, fmt.Sprintf("The ODS code %s already has a shared mailbox, %s, "+
			"and a site has only one, so nothing was changed. Its owners can give people access to it.",
			ods, org.Mailbox))
	default:
		return nil
	}
	return &d
}

// registerReview sends the new mailbox to staff unless a member of staff approved it: an unknown
// code, a site already full, and otherwise every new mailbox (new_mailbox_review). An approval of
// any of the three is the person's check.
func (r *request) registerReview(mailbox, ods string, org domain.Organisation, known bool) (*domain.Decision, error) {
	if r.ctx.approved(domain.NewMailboxReview) || r.ctx.approved(domain.ODSUnknown) || r.ctx.approved(domain.SiteAccountLimit) {
		return nil, nil
	}
	if !known {
		d := review("", domain.ODSUnknown, fmt.Sprintf("The ODS code %s is not in the NHSmail directory yet. "+
			"A new code can take up to a month to reach it, so the NAS team will check and register the "+
			"shared mailbox when it arrives.", ods))
		return &d, nil
	}
	full, err := r.siteFull(ods)
	if err != nil {
		return nil, err
	}
	d := review("", domain.NewMailboxReview, newMailboxSummary(mailbox, ods, org, known))
	if full {
		d = review("", domain.SiteAccountLimit, siteFullSummary(r.req.Name, org))
	}
	return &d, nil
}

// mailboxInUse sends to staff a new mailbox whose address an account, an alias or another site
// already holds (the code's own closed mailbox is not "another"): the address would reach them.
func (r *request) mailboxInUse(mailbox string, org domain.Organisation, known bool) (*domain.Decision, error) {
	if known && strings.EqualFold(org.Mailbox, mailbox) {
		if _, held, err := r.dir.Account(mailbox); err != nil || !held {
			return nil, err
		}
	} else if taken, err := r.dir.AddressTaken(mailbox); err != nil || !taken {
		return nil, err
	}
	d := review("", domain.AddressInUse, fmt.Sprintf("The address %s that the new shared mailbox would have "+
		"already belongs to someone in NHSmail, so nothing was changed. The NAS team will look into it and "+
		"reply to you.", mailbox))
	return &d, nil
}

// newMailboxSummary tells the sender that a person checks every new shared mailbox.
func newMailboxSummary(mailbox, ods string, org domain.Organisation, known bool) string {
	again := ""
	if known && org.Status == domain.StatusClosed {
		again = " The code had a shared mailbox that has been closed; it would be opened again."
	}
	return fmt.Sprintf("Every new shared mailbox is checked by the NAS team before it is made, so the shared "+
		"mailbox %s for ODS code %s is waiting for them.%s They will reply to you once it is registered, or "+
		"if they need anything.", mailbox, ods, again)
}

// validODS reports an ODS code of the decided form (domain.NormaliseODS).
func validODS(ods string) bool {
	_, ok := domain.NormaliseODS(ods)
	return ok
}
