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
	maxOrganisationName = 20
	maxTown             = 10
)

// registerMailbox gives a new ODS code (normally a community pharmacy's new contractor) its shared
// mailbox, <sector>.<ods>@<domain>, and creates its first owner as add_user does. It comes from an
// existing site's shared mailbox, whose owner asks; the block's ODS code is the new one. A code the
// directory does not know yet goes to NAS staff: new codes take up to a month to arrive.
//
// Checks run from what the sender must fix to what staff decide: the display name's length, the
// code's sector and existing mailbox, the first owner (as add_user), then an unknown code (review)
// and the account limit (review). NAS staff may approve past a review: an unknown code is then
// registered as the request gives it, and a closed mailbox is opened again for the code.
func registerMailbox(r *request) (domain.Decision, error) {
	req := r.req
	name, town := strings.TrimSpace(req.OrganisationName), strings.TrimSpace(req.Town)
	ods := strings.ToUpper(strings.TrimSpace(req.ODS))
	switch {
	case ods == "":
		return rejected("", domain.MissingField, "The request gives no ODS code for the new shared mailbox, so nothing was changed."), nil
	case name == "" || town == "":
		return rejected("", domain.MissingField, "The request needs both the Organisation name and the Town for the "+
			"shared mailbox's display name, so nothing was changed."), nil
	}
	if n := utf8.RuneCountInString(name); n > maxOrganisationName {
		return rejected("", domain.NameTooLong, fmt.Sprintf("The organisation name %q has %d characters; a shared "+
			"mailbox's name can have at most %d. Please send the request again with a shorter name (as you "+
			"would like it to appear in the NHS Directory).", name, n, maxOrganisationName)), nil
	}
	if n := utf8.RuneCountInString(town); n > maxTown {
		return rejected("", domain.NameTooLong, fmt.Sprintf("The town %q has %d characters; a shared mailbox's "+
			"town can have at most %d. Please send the request again with a shorter form of the town.",
			town, n, maxTown)), nil
	}

	org, known, err := r.dir.Organisation(ods)
	if err != nil {
		return domain.Decision{}, fmt.Errorf("handlers: organisation %s: %w", ods, err)
	}
	sector := req.Sector
	if known {
		if sector == "" {
			sector = org.Sector
		}
		if sector != org.Sector {
			return rejected("", domain.InvalidField, fmt.Sprintf("The request says the sector is %s, but the directory "+
				"lists %s as a %s, so nothing was changed. Please check the ODS code and sector.",
				sectorWords(sector), ods, sectorWords(org.Sector))), nil
		}
		if org.Mailbox != "" {
			switch {
			case org.Status != domain.StatusClosed:
				return rejected("", domain.MailboxExists, fmt.Sprintf("The ODS code %s already has a shared mailbox, %s, "+
					"and a site has only one, so nothing was changed. Its owners can give people access to it.",
					ods, org.Mailbox)), nil
			case !r.ctx.approved(domain.MailboxExists):
				return review("", domain.MailboxExists, fmt.Sprintf("The ODS code %s had the shared mailbox %s, which "+
					"has been closed. NAS staff will look at reopening it and reply to you.", ods, org.Mailbox)), nil
			}
		}
	}

	// The first owner: a new account at the new site, always linked as an owner.
	owner := *r
	owner.req.Role = domain.RoleOwner
	yes := true
	owner.req.Linked = &yes
	owner.site = domain.Organisation{ODS: ods, Sector: req.Sector, Name: name, Town: town}
	nu, refusal, err := owner.newUser()
	if err != nil || refusal != nil {
		return deref(refusal), err
	}

	if !known && !r.ctx.approved(domain.ODSUnknown) {
		return review("", domain.ODSUnknown, fmt.Sprintf("The ODS code %s is not in the NHSmail directory yet. "+
			"A new code can take up to a month to reach it, so NAS staff will check and register the "+
			"shared mailbox when it arrives.", ods)), nil
	}
	full, err := r.siteFull(ods)
	if err != nil {
		return domain.Decision{}, err
	}
	if full {
		return review("", domain.SiteAccountLimit, siteFullSummary(req.Name, org)), nil
	}
	if sector == "" {
		return rejected("", domain.MissingField, "The request gives no Sector for the new shared mailbox, so nothing was changed."), nil
	}

	mailbox := string(sector) + "." + strings.ToLower(ods) + "@" + r.mailDomain()
	return done("", fmt.Sprintf("The shared mailbox %s (%s, %s) is registered for ODS code %s. Its first owner "+
		"is %s, with the new NHSmail account %s; the temporary password has been sent by text message to "+
		"their mobile (%s).", mailbox, name, town, ods, req.Name, nu.address, domain.MaskMobile(nu.mobile)),
		domain.RegisterSharedMailbox{ODS: ods, Sector: sector, Name: name, Town: town, Mailbox: mailbox},
		domain.CreateAccount{Address: nu.address, Name: req.Name, Mobile: nu.mobile, ODS: ods, Role: domain.RoleOwner},
		domain.SendTemporaryPassword{Address: nu.address},
	), nil
}
